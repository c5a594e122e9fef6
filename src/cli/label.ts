/**
 * `flowsift label DATASET --labels FILE -o OUT [--format csv|jsonl|kdd|parquet] [--labels-tz Z]
 *  [--label-default L] [--label-tolerance S] [--label-report F] [--split-by hour|day|file]`
 *
 * Labels an existing flow dataset (flowsift CSV / JSON Lines / Parquet, plain or gzipped, detected
 * by content) from ground truth: a rule file or a per-flow truth file (src/dataset/labels.ts).
 * Adds/overwrites the `label` and `category` columns. The labeling report goes to stderr and, with
 * --label-report, to a JSON file. Rules that matched nothing are warnings.
 */
import type { Argv } from 'yargs';
import { EXIT, InputError } from '../errors.ts';
import { columnsOf, LABEL_COLUMNS, readDataset } from '../dataset/read.ts';
import type { DatasetWriter } from '../dataset/types.ts';
import type { CliIO, CommandDef } from './command.ts';
import {
  finishLabels, openLabeler, openOutputWriter, withLabelOptions, withOutputOptions, type LabelFlags, type OutputFlags,
} from './options.ts';

// ---------------------------------------------------------------------------------------------

interface LabelArgs extends LabelFlags, OutputFlags {
  dataset: string;
  quiet: boolean;
}

function builder(y: Argv): Argv<LabelArgs> {
  const y1 = y.positional('dataset', { type: 'string', demandOption: true, describe: 'Flow dataset: flowsift CSV, JSON Lines or Parquet (plain or gzip; format from the content; - = stdin)' });
  return withOutputOptions(withLabelOptions(y1, true))
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No report on stderr (warnings still)' }) as unknown as Argv<LabelArgs>;
}

export async function runLabel(a: LabelArgs, io: CliIO): Promise<number> {
  const labeler = (await openLabeler(a))!;
  let writer: (DatasetWriter & { skipped?: number }) | undefined;
  let rows = 0;
  let fault: InputError | undefined;
  try {
    for await (const row of readDataset(a.dataset, { signal: io.signal, stdin: io.stdin })) {
      labeler.labelRow(row);
      if (!writer) writer = openOutputWriter(a, columnsOf(row, LABEL_COLUMNS), io, () => a.dataset).writer;
      await writer.write(row);
      rows++;
    }
  } catch (e) {
    if (!(e instanceof InputError)) {
      await writer?.abort();
      throw e;
    }
    fault = e; // keep what was read before the fault
  }
  if (!writer || rows === 0) {
    await writer?.abort();
    if (fault) throw fault;
    io.stderr.write(`flowsift: ${a.dataset}: no rows to label\n`);
    return EXIT.BAD_INPUT;
  }
  const n = await writer.close();
  await finishLabels(labeler, a, io, a.quiet);
  if (!a.quiet) io.stderr.write(`flowsift: ${n} labeled rows written to ${a.output === '-' ? 'stdout' : a.output}\n`);
  if (fault) {
    io.stderr.write(`flowsift: ${fault.message}\n`);
    return EXIT.BAD_INPUT;
  }
  return io.signal.aborted ? EXIT.INTERRUPTED : EXIT.OK;
}

const def: CommandDef<LabelArgs> = {
  command: 'label <dataset>',
  describe: 'Label a flow dataset from ground truth (rules by IP/port/time, or a per-flow truth file) with a report',
  builder,
  run: runLabel,
};

export default def;
