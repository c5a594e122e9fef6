/**
 * `flowsift train <capture|dataset>... -m model.json`: fit the anomaly model (preprocessing,
 * k-means with k fixed or chosen by silhouette/elbow, distance thresholds, PCA) and save it.
 */
import type { Argv } from 'yargs';
import { EXIT, UsageError } from '../errors.ts';
import type { CliIO, CommandDef } from './command.ts';
import { resolveFeatureList } from '../model/encode.ts';
import { collectTable, type ReadInputsOptions } from '../model/input.ts';
import { trainModel, TRAIN_DEFAULTS, type TrainStep } from '../model/train.ts';
import { saveModel, type ModelFile } from '../model/model-file.ts';
import { parseThreshold } from '../model/threshold.ts';
import type { ExtractSummary } from '../features/extract.ts';

export interface TrainArgs {
  inputs: string[];
  model: string;
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
  quiet: boolean;
}

export function trainBuilder<T>(y: Argv<T>): Argv<T> {
  return y
    .option('k', { type: 'string', default: String(TRAIN_DEFAULTS.k), describe: "Number of clusters, or 'auto' (chosen by --select over --k-min..--k-max)", requiresArg: true })
    .option('k-min', { type: 'number', default: TRAIN_DEFAULTS.kMin, describe: 'Smallest k of the sweep', requiresArg: true })
    .option('k-max', { type: 'number', default: TRAIN_DEFAULTS.kMax, describe: 'Largest k of the sweep', requiresArg: true })
    .option('select', { choices: ['silhouette', 'elbow'] as const, default: TRAIN_DEFAULTS.select, describe: 'How --k auto picks k (silhouette on a seeded sample, or the knee of the inertia curve)' })
    .option('threshold', { type: 'string', default: TRAIN_DEFAULTS.threshold, describe: 'p<percentile> of the training distances (p95, p97, p99) or x<m> = mean + m × std', requiresArg: true })
    .option('threshold-scope', { choices: ['global', 'cluster'] as const, default: TRAIN_DEFAULTS.thresholdScope, describe: 'One threshold, or one per cluster (small clusters fall back to global)' })
    .option('features', { type: 'string', default: 'kdd', describe: "Feature columns: 'kdd' (the 41), 'basic' (the first 9) or a comma-separated list", requiresArg: true })
    .option('train-on', { type: 'string', describe: "Keep only rows with this label (e.g. 'normal': semi-supervised novelty detection)", requiresArg: true })
    .option('label-column', { type: 'string', default: 'label', describe: 'Column holding the ground-truth label', requiresArg: true })
    .option('sample', { type: 'number', default: TRAIN_DEFAULTS.sample, describe: 'Fit k-means on a seeded sample of at most this many rows (all rows are assigned afterwards)', requiresArg: true })
    .option('seed', { type: 'number', default: TRAIN_DEFAULTS.seed, describe: 'Seed of every random choice (sampling, k-means++)', requiresArg: true })
    .option('n-init', { type: 'number', default: TRAIN_DEFAULTS.nInit, describe: 'k-means restarts; the lowest inertia wins', requiresArg: true })
    .option('std-floor', { type: 'number', default: TRAIN_DEFAULTS.stdFloor, describe: 'Floor on each column’s std in the z-score (keeps near-constant columns from dominating distances)', requiresArg: true })
    .option('clip', { type: 'number', default: TRAIN_DEFAULTS.clip, describe: 'Clip z-scores to ±this (0 = off): one extreme value cannot dominate a distance', requiresArg: true })
    .option('sweep', { type: 'boolean', default: false, describe: 'Also fit the k sweep (--k-min..--k-max) with a fixed --k and store its inertia and silhouette curves in the model for charts (always done for --k auto)' });
}

export function trainOptionsFrom(a: Omit<TrainArgs, 'inputs' | 'model' | 'quiet' | 'sweep'> & { sweep?: boolean }): Parameters<typeof trainModel>[2] {
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
  return {
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

export async function runTrain(a: TrainArgs, io: CliIO): Promise<{ code: number; model?: ModelFile }> {
  const opts = trainOptionsFrom(a);
  const features = resolveFeatureList(a.features);
  const ro = cliReadOptions(io, a.quiet);
  const col = await collectTable(a.inputs, { ...ro, features, trainOn: a.trainOn, labelColumn: a.labelColumn });
  if (io.signal.aborted) return { code: EXIT.INTERRUPTED };
  if (col.table.n < 2) {
    const why = a.trainOn !== undefined
      ? `only ${col.table.n} of ${col.summary.rows} rows have ${a.labelColumn} '${a.trainOn}'${Object.keys(col.labelCounts).length ? ` (labels: ${Object.entries(col.labelCounts).slice(0, 8).map(([l, n]) => `${l} ${n}`).join(', ')})` : ' (no labels in the input)'}`
      : `only ${col.table.n} rows in the input`;
    io.stderr.write(`flowsift: train: need at least 2 rows: ${why}\n`);
    return { code: EXIT.BAD_INPUT };
  }
  const model = trainModel(
    col.table,
    { sources: a.inputs, rowsRead: col.summary.rows, trainOn: a.trainOn ?? null, labelCounts: col.labelCounts },
    { ...opts, onProgress: a.quiet ? undefined : (m) => io.stderr.write(`flowsift: ${m}\n`), onStep: trainProgress(io, a.quiet) },
  );
  await saveModel(a.model, model);
  if (!a.quiet) {
    const t = model.training;
    io.stderr.write(
      `flowsift: trained on ${t.rows.toLocaleString('en-US')} rows${t.trainOn ? ` (label ${t.trainOn}, of ${t.rowsRead.toLocaleString('en-US')})` : ''}: ` +
        `k ${model.kmeans.k} (${model.kSelection.method}${model.kSelection.curve.length ? `; silhouette best k ${model.kSelection.silhouetteK}, elbow k ${model.kSelection.elbowK}` : ''}), ` +
        `${t.iterations} iterations, threshold ${model.thresholds.spec} ${model.thresholds.rule.scope} = ${model.thresholds.global.toFixed(3)}, ${t.seconds.toFixed(1)} s → ${a.model}\n`,
    );
  }
  return { code: ro.errors.count > 0 ? EXIT.BAD_INPUT : EXIT.OK, model };
}

const def: CommandDef<TrainArgs> = {
  command: 'train <inputs..>',
  describe: 'Fit the anomaly model (scaling, k-means, thresholds) on captures or flow datasets',
  builder: (y) =>
    trainBuilder(
      y
        .positional('inputs', { describe: 'Captures (pcap/pcapng, dirs) or datasets (flowsift CSV/JSONL/Parquet, NSL-KDD/KDD99)', type: 'string', array: true })
        .option('model', { alias: 'm', type: 'string', demandOption: true, describe: 'Model file to write (atomic)', requiresArg: true })
        .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No summary on stderr' }),
    ) as unknown as Argv<TrainArgs>,
  run: async (a, io) => (await runTrain({ ...a, inputs: a.inputs.map(String) }, io)).code,
};

export default def;
