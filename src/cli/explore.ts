/**
 * `flowsift explore <dataset...>`: per-feature summaries (missing, zeros, range, quantiles, top
 * values) and, with labels, chi-square / Mann–Whitney tests with effect sizes and Holm-corrected
 * p-values, strongest first. Terminal table, or JSON with --json.
 */
import type { Argv } from 'yargs';
import { EXIT } from '../errors.ts';
import type { CommandDef } from './command.ts';
import { explore, formatExplore } from '../model/explore.ts';
import { resolveFeatureList } from '../model/encode.ts';

interface ExploreArgs {
  inputs: string[];
  labelColumn: string;
  normal: string;
  features?: string;
  top: number;
  json: boolean;
}

const def: CommandDef<ExploreArgs> = {
  command: 'explore <inputs..>',
  describe: 'Per-feature summaries of a dataset and, with labels, chi-square / Mann-Whitney tests (effect sizes, Holm-corrected p)',
  builder: (y) =>
    y
      .positional('inputs', { type: 'string', array: true, describe: 'Datasets (NSL-KDD, flowsift CSV / JSON Lines / Parquet) or captures' })
      .option('label-column', { type: 'string', default: 'label', describe: 'Ground-truth column (tests run when it has values)', requiresArg: true })
      .option('normal', { type: 'string', default: 'normal', describe: 'Label of benign rows', requiresArg: true })
      .option('features', { type: 'string', describe: 'kdd, basic or a comma-separated list (default: every column but identity and truth)', requiresArg: true })
      .option('top', { type: 'number', default: 5, describe: 'Top values kept per feature (JSON)', requiresArg: true })
      .option('json', { type: 'boolean', default: false, describe: 'Print the result as JSON' }) as unknown as Argv<ExploreArgs>,
  run: async (a, io) => {
    const r = await explore(a.inputs, {
      labelColumn: a.labelColumn,
      normal: a.normal,
      features: a.features ? resolveFeatureList(a.features) : undefined,
      top: a.top,
      signal: io.signal,
      stdin: io.stdin,
    });
    if (io.signal.aborted) return EXIT.INTERRUPTED;
    io.stdout.write(a.json ? JSON.stringify(r, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n' : formatExplore(r));
    return EXIT.OK;
  },
};

export default def;
