/**
 * Options, and what they set up, shared by several commands — commands never import each other:
 * ground-truth labels (flows, hosts, label), dataset output (-o, --format, --split-by), the model's
 * training options (train, analyze), reading inputs for the model commands (train, score, analyze)
 * and the main thread's priority while the flow engine runs (flows, hosts).
 */
import { access } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import type { Argv } from 'yargs';
import { UsageError, withOptionFlag } from '../errors.ts';
import type { ExtractSummary } from '../features/extract.ts';
import { formatLabelReport, loadLabels, type Labeler, type LabelReport } from '../dataset/labels.ts';
import { openOutput } from '../dataset/output.ts';
import {
  OUTPUT_FORMATS, PartitionedWriter, SPLIT_BY, openWriter, resolveOutputFormat, type OutputFormat, type SplitBy,
} from '../dataset/partition.ts';
import type { ColumnDef, DatasetWriter, Row } from '../dataset/types.ts';
import type { ReadInputsOptions } from '../model/input.ts';
// Types only: the model code loads with the commands that train (flows must not pay for it).
import type { TRAIN_DEFAULTS, TrainStep, trainModel } from '../model/train.ts';
import { parseThreshold } from '../model/threshold.ts';
import type { FitMode } from '../model/robust.ts';
import type { CliIO } from './command.ts';

// --- flags in library errors --------------------------------------------------------------------

/**
 * Run `f` (sync or async); a library error about one of its options (FlowsiftError.option, the
 * library's name) gets the flag that sets it appended: library messages never name flags.
 */
export function namingFlags<T>(flags: Readonly<Record<string, string>>, f: () => T): T {
  const hint = (e: unknown): unknown => withOptionFlag(e, flags);
  try {
    const r = f();
    return (r instanceof Promise ? r.catch((e: unknown) => { throw hint(e); }) : r) as T;
  } catch (e) {
    throw hint(e);
  }
}

// --- ground-truth labels -------------------------------------------------------------------------

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
  const labels = a.labels;
  return namingFlags({ tz: '--labels-tz', tolerance: '--label-tolerance' },
    () => loadLabels(labels, { tz: a.labelsTz, defaultLabel: a.labelDefault, tolerance: a.labelTolerance }));
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

// --- dataset output ------------------------------------------------------------------------------

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

const OUTPUT_FLAGS = { format: '--format', splitBy: '--split-by' } as const;

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
    const splitBy = a.splitBy;
    return { writer: namingFlags(OUTPUT_FLAGS, () => new PartitionedWriter(a.output, { splitBy, format, columns, sourceOf, required })), format };
  }
  const format = namingFlags(OUTPUT_FLAGS, () => resolveOutputFormat(a.format, a.output));
  return { writer: openWriter(format, a.output, columns, { stdout: io.stdout, required }), format };
}

// --- the model's training options ---------------------------------------------------------------

/** The model's training options (train, analyze). */
export interface TrainFlags {
  k: string;
  kMin: number;
  kMax: number;
  select: 'silhouette' | 'elbow';
  threshold: string;
  thresholdScope: 'global' | 'cluster';
  features: string;
  trainOn?: string;
  labelColumn: string;
  sample: number;
  seed: number;
  nInit: number;
  stdFloor: number;
  clip: number;
  sweep: boolean;
  detector: 'kmeans' | 'autoencoder' | 'hybrid';
  fusion?: 'and' | 'or' | 'rank' | 'score';
  epochs?: number;
  /** Unset: the command decides (robust unless the training rows are known to be clean). */
  fitMode?: FitMode;
}

/** The hybrid's fusion rules (model/hybrid.ts FUSIONS, inline so that commands without a model load none of it). */
export const FUSION_CHOICES = ['and', 'or', 'rank', 'score'] as const;
export const FUSION_HELP =
  "and = both detectors above their thresholds (high confidence), or = either, rank = mean of the two measures' percentile ranks in training, " +
  'thresholded at the --threshold percentile, score = mean of their standardized logs, flagging as many training rows as or';

/** Add the training options (--k … --clip, --features, --train-on, --label-column); `defaults`: model/train.ts TRAIN_DEFAULTS. */
export function withTrainOptions<T>(y: Argv<T>, defaults: typeof TRAIN_DEFAULTS): Argv<T & TrainFlags> {
  return y
    .option('k', { type: 'string', default: String(defaults.k), describe: "Number of clusters, or 'auto' (chosen by --select over --k-min..--k-max)", requiresArg: true })
    .option('k-min', { type: 'number', default: defaults.kMin, describe: 'Smallest k of the sweep', requiresArg: true })
    .option('k-max', { type: 'number', default: defaults.kMax, describe: 'Largest k of the sweep', requiresArg: true })
    .option('select', { choices: ['silhouette', 'elbow'] as const, default: defaults.select, describe: 'How --k auto picks k (silhouette on a seeded sample, or the knee of the inertia curve)' })
    .option('threshold', { type: 'string', default: defaults.threshold, describe: 'p<percentile> of the training distances (p95, p97, p99) or x<m> = mean + m × std', requiresArg: true })
    .option('threshold-scope', { choices: ['global', 'cluster'] as const, default: defaults.thresholdScope, describe: 'One threshold, or one per cluster (small clusters fall back to global)' })
    .option('features', { type: 'string', default: 'kdd', describe: "Feature columns: 'kdd' (the 41), 'basic' (the first 9) or a comma-separated list", requiresArg: true })
    .option('train-on', { type: 'string', describe: "Keep only rows with this label (e.g. 'normal': semi-supervised novelty detection)", requiresArg: true })
    .option('label-column', { type: 'string', default: 'label', describe: 'Column holding the ground-truth label', requiresArg: true })
    .option('sample', { type: 'number', default: defaults.sample, describe: 'Fit k-means on a seeded sample of at most this many rows (all rows are assigned afterwards)', requiresArg: true })
    .option('seed', { type: 'number', default: defaults.seed, describe: 'Seed of every random choice (sampling, k-means++)', requiresArg: true })
    .option('n-init', { type: 'number', default: defaults.nInit, describe: 'k-means restarts; the lowest inertia wins', requiresArg: true })
    .option('std-floor', { type: 'number', default: defaults.stdFloor, describe: 'Floor on each column’s std in the z-score (keeps near-constant columns from dominating distances)', requiresArg: true })
    .option('clip', { type: 'number', default: defaults.clip, describe: 'Clip z-scores to ±this (0 = off): one extreme value cannot dominate a distance', requiresArg: true })
    .option('detector', { choices: ['kmeans', 'autoencoder', 'hybrid'] as const, default: defaults.detector, describe: 'kmeans (distance to the nearest centroid), autoencoder (reconstruction error), or hybrid (both, combined by --fusion); each threshold by --threshold on its own training scores' })
    .option('fusion', { choices: FUSION_CHOICES, describe: `Hybrid: ${FUSION_HELP} (default ${defaults.fusion})` })
    .option('epochs', { type: 'number', describe: `Autoencoder training epochs (default ${defaults.aeEpochs})`, requiresArg: true })
    .option('fit-mode', {
      choices: ['robust', 'clean'] satisfies FitMode[],
      describe: "robust: first set aside the training rows an isolation forest isolates most easily (likely attacks), then learn normal traffic from the rest — for traffic that may hold attacks; clean: learn from every training row (attack-free data). Default: clean with --train-on or analyze --baseline, else robust",
    })
    .option('sweep', { type: 'boolean', default: false, describe: 'Also fit the k sweep (--k-min..--k-max) with a fixed --k and store its inertia and silhouette curves in the model for charts (always done for --k auto)' }) as unknown as Argv<T & TrainFlags>;
}

export function trainOptionsFrom(a: Omit<TrainFlags, 'sweep' | 'detector'> & { sweep?: boolean; detector?: TrainFlags['detector'] }): Parameters<typeof trainModel>[2] {
  const k = a.k === 'auto' ? 'auto' : Number(a.k);
  if (k !== 'auto' && !(Number.isInteger(k) && k >= 1)) throw new UsageError(`--k: expected a positive integer or 'auto', got '${a.k}'`);
  const intMin = (name: string, v: number, min: number): void => {
    if (!Number.isInteger(v) || v < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got ${String(v)}`);
  };
  intMin('k-min', a.kMin, 2);
  intMin('k-max', a.kMax, a.kMin);
  intMin('sample', a.sample, 2);
  intMin('n-init', a.nInit, 1);
  intMin('seed', a.seed, 0);
  if (!(a.stdFloor >= 0)) throw new UsageError(`--std-floor must be ≥ 0, got ${String(a.stdFloor)}`);
  if (!(a.clip >= 0)) throw new UsageError(`--clip must be ≥ 0 (0 = off), got ${String(a.clip)}`);
  parseThreshold(a.threshold, a.thresholdScope);
  const detector = a.detector ?? 'kmeans';
  if (a.fusion !== undefined && detector !== 'hybrid') throw new UsageError(`--fusion combines two detectors: it needs --detector hybrid (got --detector ${detector})`);
  if (a.epochs !== undefined) {
    if (detector === 'kmeans') throw new UsageError('--epochs trains the autoencoder: it needs --detector autoencoder or hybrid');
    intMin('epochs', a.epochs, 1);
  }
  return {
    detector,
    ...(a.fusion !== undefined ? { fusion: a.fusion } : {}),
    ...(a.epochs !== undefined ? { aeEpochs: a.epochs } : {}),
    k,
    kMin: a.kMin,
    kMax: a.kMax,
    select: a.select,
    threshold: a.threshold,
    thresholdScope: a.thresholdScope,
    sample: a.sample,
    seed: a.seed,
    nInit: a.nInit,
    stdFloor: a.stdFloor,
    clip: a.clip,
    sweep: a.sweep ?? false,
    ...(a.fitMode !== undefined ? { fitMode: a.fitMode } : {}),
  };
}

/**
 * Progress of training on stderr: one line per finished step (k-means restart, k of the sweep,
 * PCA), and on a terminal a transient status line for the iterations in between.
 */
export function trainProgress(io: CliIO, quiet: boolean): ((e: TrainStep) => void) | undefined {
  if (quiet) return undefined;
  let transient = false;
  let last = 0;
  return (e) => {
    if (!e.final) {
      if (!io.stderrIsTTY) return;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      io.stderr.write(`\r\x1b[2Kflowsift: ${e.detail}`);
      transient = true;
      return;
    }
    io.stderr.write(`${transient ? '\r\x1b[2K' : ''}flowsift: ${e.detail}\n`);
    transient = false;
  };
}


// --- reading inputs (train, score, analyze) ----------------------------------------------------

/**
 * Input options shared by train / score / analyze: stop on SIGINT, stdin, and capture read errors
 * and warnings printed as they come; `errors.count` tells the caller to exit 3 at the end (what was
 * read before a fault is still used).
 */
export function cliReadOptions(io: CliIO, quiet: boolean): ReadInputsOptions & { errors: { count: number } } {
  const errors = { count: 0 };
  return {
    errors,
    signal: io.signal,
    stdin: io.stdin,
    onExtract: (s: ExtractSummary) => {
      errors.count += s.errors.length;
      for (const e of s.errors) io.stderr.write(`flowsift: ${e.message}\n`);
      if (!quiet) for (const w of s.warnings) io.stderr.write(`flowsift: warning: ${w}\n`);
    },
  };
}

// --- the main thread's priority -----------------------------------------------------------------

export interface PriorityFlags {
  mainNice: number;
}

/** Add --main-nice (flows, hosts). */
export function withPriorityOption<T>(y: Argv<T>): Argv<T & PriorityFlags> {
  return y.option('main-nice', {
    type: 'number', default: 10, requiresArg: true,
    describe: 'Two threads, Linux: the nice value the main thread takes while the flow-engine thread runs, so the engine (the critical path) gets the cores first when they are short; never raises a priority (0 = leave it)',
  }) as unknown as Argv<T & PriorityFlags>;
}

/** ExtractOptions.onEngineThread for --main-nice. */
export function engineThreadPriority(a: PriorityFlags): () => (() => void) | undefined {
  if (!(Number.isInteger(a.mainNice) && a.mainNice >= -20 && a.mainNice <= 19)) throw new UsageError(`--main-nice must be an integer from -20 to 19, got ${String(a.mainNice)}`);
  return () => giveWay(a.mainNice);
}

/**
 * Give the cores to the flow-engine thread when they are short: this thread takes nice value
 * `nice` if that is lower priority than it has (Linux: a per-thread value; elsewhere it would lower
 * the whole process, so nothing is done). Threads inherit the nice value of the thread that starts them, so this runs after the
 * worker's thread exists, and after libuv's thread pool does (the worker's reads run there: an
 * fs request made now starts the pool, if no one did yet, at this thread's present priority).
 * Returns what sets it back; that fails quietly where the process may not lower a nice value.
 *
 * Measured by `scripts/bench-flows.ts --nice N|off` (docs: README, performance).
 */
export function giveWay(nice: number): (() => void) | undefined {
  if (process.platform !== 'linux') return undefined;
  let before: number;
  try {
    before = getPriority(0);
    if (nice <= before) return undefined; // already at that priority or lower: never raise it
    access('.', () => {});
    setPriority(0, nice);
  } catch {
    return undefined;
  }
  return () => {
    try {
      setPriority(0, before);
    } catch {
      // not allowed to lower it again: this thread keeps the lower priority
    }
  };
}

