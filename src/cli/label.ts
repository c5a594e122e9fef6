/**
 * `flowsift label DATASET --labels FILE -o OUT [--format csv|jsonl|kdd|parquet] [--labels-tz Z]
 *  [--label-default L] [--label-tolerance S] [--label-report F] [--split-by hour|day|file]`
 *
 * Labels an existing flow dataset (flowsift CSV / JSON Lines / Parquet, plain or gzipped, detected
 * by content) from ground truth: a rule file or a per-flow truth file (src/dataset/labels.ts).
 * Adds/overwrites the `label` and `category` columns. The labeling report goes to stderr and, with
 * --label-report, to a JSON file. Rules that matched nothing are warnings.
 *
 * Also exports the shared label options and their plumbing, used by `flows` and `hosts`.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Argv } from 'yargs';
import { extractFlows, type ExtractOptions, type ExtractSummary } from '../features/extract.ts';
import type { FlowRecord } from '../flow/record.ts';
import { EXIT, InputError, UsageError } from '../errors.ts';
import { formatLabelReport, loadLabels, type Labeler, type LabelReport } from '../dataset/labels.ts';
import { columnsOf, isCaptureInput, LABEL_COLUMNS, readDataset } from '../dataset/read.ts';
import { openOutput } from '../dataset/output.ts';
import {
  OUTPUT_FORMATS, PartitionedWriter, SPLIT_BY, openWriter, resolveOutputFormat, type OutputFormat, type SplitBy,
} from '../dataset/partition.ts';
import type { ColumnDef, DatasetWriter, Row } from '../dataset/types.ts';
import type { CliIO, CommandDef } from './command.ts';

export interface LabelFlags {
  labels?: string;
  labelsTz?: string;
  labelDefault: string;
  labelTolerance: number;
  labelReport?: string;
}

/** Add --labels, --labels-tz, --label-default, --label-tolerance, --label-report to a command. */
export function withLabelOptions<T>(y: Argv<T>, required = false): Argv<T & LabelFlags> {
  return y
    .option('labels', {
      type: 'string', requiresArg: true, demandOption: required,
      describe: 'Ground truth: a rule CSV (columns any of src_ip, dst_ip [address/CIDR], src_port, dst_port [port/a-b], proto, start, end [bounds of the flow start time], label, category, direction [forward|both]; empty = any; first match wins) or a per-flow truth CSV (flow_id,start_ts,proto,src_ip,src_port,dst_ip,dst_port,…,label)',
    })
    .option('labels-tz', { type: 'string', requiresArg: true, describe: 'Zone of naive start/end times in the rule file: IANA name (Europe/Berlin) or ±HH:MM. Times with an offset or epoch seconds need none' })
    .option('label-default', { type: 'string', default: 'normal', requiresArg: true, describe: 'Label of flows no rule matches' })
    .option('label-tolerance', { type: 'number', default: 1, requiresArg: true, describe: 'Per-flow truth: max seconds between the truth start time and the flow start' })
    .option('label-report', { type: 'string', requiresArg: true, describe: 'Write the labeling report (per rule: flows matched; unmatched rules; flows per label) as JSON to this file' }) as unknown as Argv<T & LabelFlags>;
}

/** Load the truth file of --labels (undefined without --labels). */
export async function openLabeler(a: LabelFlags): Promise<Labeler | undefined> {
  if (a.labels === undefined) {
    for (const [flag, v] of [['labels-tz', a.labelsTz], ['label-report', a.labelReport]] as const) {
      if (v !== undefined) throw new UsageError(`--${flag} needs --labels`);
    }
    return undefined;
  }
  return loadLabels(a.labels, { tz: a.labelsTz, defaultLabel: a.labelDefault, tolerance: a.labelTolerance });
}

/** Print the labeling report on stderr (warnings even when quiet) and write --label-report. */
export async function finishLabels(l: Labeler, a: LabelFlags, io: CliIO, quiet = false): Promise<LabelReport> {
  const r = l.report();
  if (!quiet) io.stderr.write(formatLabelReport(r).replace(/^/gm, 'flowsift: ').replace(/flowsift: $/, ''));
  else for (const w of r.warnings) io.stderr.write(`flowsift: warning: ${w}\n`);
  if (a.labelReport !== undefined) {
    const sink = openOutput(a.labelReport, io.stdout);
    await sink.write(JSON.stringify(r, null, 2) + '\n');
    await sink.close();
  }
  return r;
}

export interface OutputFlags {
  output: string;
  format?: OutputFormat;
  splitBy?: SplitBy;
}

/** Add -o, --format (incl. parquet) and --split-by. */
export function withOutputOptions<T>(y: Argv<T>): Argv<T & OutputFlags> {
  return y
    .option('output', { alias: 'o', type: 'string', default: '-', requiresArg: true, describe: 'Output file (atomic: temp + rename), - = stdout; a directory with --split-by' })
    .option('format', { choices: OUTPUT_FORMATS, describe: 'Output format; default from the -o extension (.csv, .jsonl/.ndjson, .kdd/.txt, .parquet/.pq), else csv' })
    .option('split-by', { choices: SPLIT_BY, describe: 'Partition the output: -o names a directory that gets date=YYYY-MM-DD[/hour=HH]/part-N.<ext> (UTC, by flow start) or file=<input>/part-N.<ext>' }) as unknown as Argv<T & OutputFlags>;
}

/**
 * Open the output for -o/--format/--split-by. `sourceOf` serves --split-by file; `required` names
 * columns the rows always fill (Parquet writes them REQUIRED, faster).
 */
export function openOutputWriter(
  a: OutputFlags, columns: readonly ColumnDef[], io: CliIO, sourceOf?: (row: Row) => string, required?: readonly string[],
): { writer: DatasetWriter & { skipped?: number }; format: OutputFormat } {
  if (a.splitBy !== undefined) {
    if (a.output === '-') throw new UsageError('--split-by writes a directory of parts: give it with -o DIR');
    const format = a.format ?? 'parquet';
    return { writer: new PartitionedWriter(a.output, { splitBy: a.splitBy, format, columns, sourceOf, required }), format };
  }
  const format = resolveOutputFormat(a.format, a.output);
  return { writer: openWriter(format, a.output, columns, { stdout: io.stdout, required }), format };
}

/** For --split-by file: which input file the rows being delivered come from. */
export class FileTracker {
  current = '';
  readonly sourceOf = (_row: Row): string => this.current;
}

function mergeSummary(a: ExtractSummary, b: ExtractSummary): ExtractSummary {
  const skipped = { ...a.skipped };
  for (const [k, v] of Object.entries(b.skipped)) skipped[k] = (skipped[k] ?? 0) + v;
  const flowStats = { ...a.flowStats } as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(b.flowStats)) {
    if (typeof v === 'number') flowStats[k] = k.startsWith('peak') ? Math.max(flowStats[k] as number, v) : (flowStats[k] as number) + v;
  }
  return {
    files: [...a.files, ...b.files], packets: a.packets + b.packets, skipped, skippedTotal: a.skippedTotal + b.skippedTotal,
    flows: a.flows + b.flows, errors: [...a.errors, ...b.errors], warnings: [...a.warnings, ...b.warnings],
    aborted: a.aborted || b.aborted, seconds: a.seconds + b.seconds, peakHeld: Math.max(a.peakHeld, b.peakHeld),
    forcedReleases: a.forcedReleases + b.forcedReleases, outOfOrder: a.outOfOrder + b.outOfOrder,
    flowStats: flowStats as unknown as ExtractSummary['flowStats'],
  };
}

/**
 * extractFlows, or — with a FileTracker (--split-by file) — one independent extraction per input
 * capture (directories: every capture inside, by name), so each flow belongs to exactly one file.
 */
export async function extractFlowsSplit(
  inputs: string[], opts: ExtractOptions, onRow: (row: Row, flow: FlowRecord) => void | Promise<void>, tracker?: FileTracker,
): Promise<ExtractSummary> {
  if (!tracker) return extractFlows(inputs, opts, onRow);
  const files: string[] = [];
  for (const input of inputs) {
    if (input !== '-' && statSync(input, { throwIfNoEntry: false })?.isDirectory()) {
      for (const name of readdirSync(input).sort()) {
        const p = join(input, name);
        if (!name.startsWith('.') && statSync(p).isFile() && (await isCaptureInput(p))) files.push(p);
      }
    } else files.push(input);
  }
  let summary: ExtractSummary | undefined;
  for (const f of files) {
    if (opts.signal?.aborted) break;
    tracker.current = f === '-' ? 'stdin' : basename(f);
    const s = await extractFlows([f], opts, onRow);
    summary = summary ? mergeSummary(summary, s) : s;
  }
  return summary ?? extractFlows([], opts, onRow);
}

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
