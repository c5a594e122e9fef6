/**
 * What `flowsift classify train | cv | score` do, callable without the command line: read labeled
 * inputs into a table, train, cross-validate (stratified k-fold) or predict and measure.
 */
import type { RawTable } from '../encode.ts';
import type { Row } from '../../dataset/types.ts';
import { newTableFor, readInputs, type ReadInputsOptions } from '../input.ts';
import { InputError, UsageError } from '../../errors.ts';
import { rng } from './data.ts';
import { argmax, Predictor, targetOf, trainClassifier, type ClassifierFile, type ClassifierOptions, type TargetSpec } from './model.ts';
import { classifierMetrics, type ClassifierMetrics } from './metrics.ts';

/** Columns carried from the input into prediction records when present. */
export const IDENTITY_COLUMNS = ['uid', 'ts', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'protocol_type', 'service', 'difficulty'];

export interface LabeledTable {
  table: RawTable;
  targets: (string | null)[];
  sources: string[];
}

/**
 * Read labeled inputs (datasets or captures) into a table of `features` plus the identity, label
 * and category columns. Fails when the first row lacks feature columns, rather than reading them
 * all as 0.
 */
export async function readLabeled(inputs: string[], features: string[], target: TargetSpec, opts: ReadInputsOptions = {}, extraColumns: string[] = []): Promise<LabeledTable> {
  const keep = [...new Set([...IDENTITY_COLUMNS, target.labelColumn, target.categoryColumn, ...extraColumns])];
  let table: RawTable | undefined;
  const sources: string[] = [];
  for (const input of inputs) {
    await readInputs(
      [input],
      (row) => {
        if (!table) {
          const missing = features.filter((f) => !(f in row));
          if (missing.length) throw new InputError('E_COLUMNS', input, undefined, `missing feature column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (the rows must carry the model's features)`);
          table = newTableFor(features, row, keep);
        }
        table.push(row);
      },
      opts,
    );
    sources.push(input);
  }
  const t = table ?? newTableFor(features, undefined, keep);
  return { table: t, targets: t.kept.map((r) => targetOf(r, target)), sources };
}

export interface Prediction {
  model: ClassifierFile;
  pred: Int32Array;
  proba: Float64Array;
  /** Truth as a class index (−1: unlabeled or a class the model does not know). */
  truth: Int32Array;
  metrics?: ClassifierMetrics;
  unknownClasses: Record<string, number>;
  unlabeled: number;
}

/**
 * Predict every row of a table and, where rows carry labels, measure. The decision is the most
 * probable class, unless an attack threshold is set (the option, else the model's): then a row is
 * an attack when P(not normal) ≥ threshold, and its class the most probable attack class.
 */
export function predictTable(model: ClassifierFile, table: RawTable, targets: (string | null)[], attackThreshold = model.attackThreshold): Prediction {
  const pr = new Predictor(model);
  const e = pr.encode(table);
  const k = model.classes.length;
  const n = table.n;
  const proba = new Float64Array(n * k);
  const pred = new Int32Array(n);
  const out = new Float64Array(k);
  const ni = model.classes.indexOf(model.target.normal);
  for (let i = 0; i < n; i++) {
    pr.proba(e, i, out);
    proba.set(out, i * k);
    pred[i] = attackThreshold === undefined || ni < 0 ? argmax(out, k) : decide(out, k, ni, attackThreshold);
  }
  const cIndex = new Map(model.classes.map((c, i) => [c, i]));
  const truth = new Int32Array(n).fill(-1);
  const unknownClasses: Record<string, number> = {};
  let unlabeled = 0;
  const lab: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = targets[i];
    if (t === null || t === undefined) {
      unlabeled++;
      continue;
    }
    lab.push(i);
    const c = cIndex.get(t);
    if (c === undefined) unknownClasses[t] = (unknownClasses[t] ?? 0) + 1;
    else truth[i] = c;
  }
  const res: Prediction = { model, pred, proba, truth, unknownClasses, unlabeled };
  if (lab.length) {
    const sel = Int32Array.from(lab);
    const tr = Int32Array.from(sel, (i) => truth[i]!);
    const pd = Int32Array.from(sel, (i) => pred[i]!);
    const pb = new Float64Array(sel.length * k);
    sel.forEach((i, r) => pb.set(proba.subarray(i * k, (i + 1) * k), r * k));
    const lc = model.target.labelColumn;
    const labels = Array.from(sel, (i) => String(table.kept[i]![lc]));
    const cats = Array.from(sel, (i) => {
      const r = table.kept[i]!;
      const cv = r[model.target.categoryColumn];
      return cv === null || cv === undefined || cv === '' ? null : String(cv);
    });
    res.metrics = classifierMetrics(model.classes, tr, pd, pb, model.target.mode === 'binary' ? model.target.normal : model.target.normal, labels, cats);
  }
  return res;
}

/** One prediction record: identity columns, truth, prediction and probabilities. */
export function predictionRecord(p: Prediction, table: RawTable, i: number): Row {
  const m = p.model;
  const k = m.classes.length;
  const kept = table.kept[i] ?? {};
  const rec: Row = {};
  for (const c of IDENTITY_COLUMNS) if (kept[c] !== undefined) rec[c] = kept[c]!;
  const lc = m.target.labelColumn;
  if (kept[lc] !== undefined) rec[lc] = kept[lc]!;
  const cc = m.target.categoryColumn;
  if (kept[cc] !== undefined) rec[cc] = kept[cc]!;
  rec.predicted = m.classes[p.pred[i]!]!;
  rec.probability = round(p.proba[i * k + p.pred[i]!]!);
  const ni = m.classes.indexOf(m.target.normal);
  if (ni >= 0) rec.attack_probability = round(1 - p.proba[i * k + ni]!);
  return rec;
}

const round = (v: number): number => Math.round(v * 1e6) / 1e6;

/** Normal when P(not normal) < threshold, else the most probable attack class (first on ties). */
export function decide(p: ArrayLike<number>, k: number, normal: number, threshold: number): number {
  if (1 - p[normal]! < threshold) return normal;
  let b = -1;
  for (let c = 0; c < k; c++) if (c !== normal && (b < 0 || p[c]! > p[b]!)) b = c;
  return b;
}

/**
 * Folds that hold out whole groups (scikit-learn's GroupKFold, e.g. grouped by label: every attack
 * type is tested by a model that never saw it, as KDDTest+'s new attacks are). Groups go, largest
 * first, to the fold with the fewest grouped rows; rows whose label is the normal one are not a
 * group but dealt to the folds at random (seeded), so every fold tests normal traffic too. −1 for
 * unlabeled rows.
 */
export function groupedFolds(targets: (string | null)[], groups: (string | null)[], isNormal: (i: number) => boolean, folds: number, seed: number): Int32Array {
  const fold = new Int32Array(targets.length).fill(-1);
  const byGroup = new Map<string, number[]>();
  const normal: number[] = [];
  targets.forEach((t, i) => {
    if (t === null) return;
    if (isNormal(i)) {
      normal.push(i);
      return;
    }
    const g = groups[i] ?? '';
    let l = byGroup.get(g);
    if (!l) byGroup.set(g, (l = []));
    l.push(i);
  });
  if (byGroup.size < folds) throw new UsageError(`${byGroup.size} group${byGroup.size === 1 ? '' : 's'} of non-normal rows: grouped cross-validation over ${folds} folds needs at least ${folds}`, 'E_USAGE', 'folds');
  const size = new Array<number>(folds).fill(0);
  const order = [...byGroup.entries()].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1));
  for (const [, rows] of order) {
    let f = 0;
    for (let q = 1; q < folds; q++) if (size[q]! < size[f]!) f = q;
    for (const r of rows) fold[r] = f;
    size[f]! += rows.length;
  }
  const rand = rng(seed);
  for (let i = normal.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [normal[i], normal[j]] = [normal[j]!, normal[i]!];
  }
  normal.forEach((row, q) => (fold[row] = q % folds));
  return fold;
}

/** Stratified fold of every labeled row (−1 for unlabeled): each class dealt round-robin after a seeded shuffle. */
export function stratifiedFolds(targets: (string | null)[], folds: number, seed: number): Int32Array {
  const fold = new Int32Array(targets.length).fill(-1);
  const byClass = new Map<string, number[]>();
  targets.forEach((t, i) => {
    if (t === null) return;
    let l = byClass.get(t);
    if (!l) byClass.set(t, (l = []));
    l.push(i);
  });
  const rand = rng(seed);
  let start = 0;
  for (const key of [...byClass.keys()].sort()) {
    const l = byClass.get(key)!;
    for (let i = l.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [l[i], l[j]] = [l[j]!, l[i]!];
    }
    // continue the round-robin where the previous class stopped, so fold sizes stay within one
    l.forEach((row, q) => (fold[row] = (start + q) % folds));
    start = (start + l.length) % folds;
  }
  return fold;
}

export interface FoldResult {
  fold: number;
  trainRows: number;
  testRows: number;
  seconds: number;
  metrics: ClassifierMetrics;
  /** Groups tested in this fold (grouped CV). */
  groups?: string[];
  /** The fold's test rows (indices into the table) and their predictions, for callers that measure more. */
  rows: number[];
  prediction: Prediction;
}

export interface CvOptions {
  /** Hold out whole groups of this column (normal rows dealt at random) instead of stratified folds. */
  groupBy?: string;
}

export async function crossValidate(lt: LabeledTable, folds: number, opts: ClassifierOptions, onFold?: (r: FoldResult) => void, cvo: CvOptions = {}): Promise<FoldResult[]> {
  if (!(folds >= 2)) throw new UsageError(`${folds} folds: cross-validation needs at least 2`, 'E_USAGE', 'folds');
  const gcol = cvo.groupBy;
  const groups = gcol === undefined ? [] : lt.table.kept.map((r) => (r[gcol] === null || r[gcol] === undefined ? null : String(r[gcol]).trim()));
  if (gcol !== undefined && lt.table.n && groups.every((g) => g === null || g === '')) throw new UsageError(`group column '${gcol}': no row has a value in it`, 'E_USAGE', 'groupBy');
  const lc = opts.target.labelColumn;
  const fold =
    gcol === undefined
      ? stratifiedFolds(lt.targets, folds, opts.seed)
      : groupedFolds(lt.targets, groups, (i) => String(lt.table.kept[i]![lc] ?? '').trim() === opts.target.normal, folds, opts.seed);
  const out: FoldResult[] = [];
  for (let f = 0; f < folds; f++) {
    if (opts.signal?.aborted) break;
    const trainIdx: number[] = [];
    const testIdx: number[] = [];
    for (let i = 0; i < fold.length; i++) {
      if (fold[i] === f) testIdx.push(i);
      else if (fold[i]! >= 0) trainIdx.push(i);
    }
    const t0 = performance.now();
    const model = await trainClassifier(lt.table.select(trainIdx), trainIdx.map((i) => lt.targets[i]!), { ...opts, onProgress: undefined });
    const p = predictTable(model, lt.table.select(testIdx), testIdx.map((i) => lt.targets[i]!));
    const r: FoldResult = { fold: f + 1, trainRows: trainIdx.length, testRows: testIdx.length, seconds: (performance.now() - t0) / 1000, metrics: p.metrics!, rows: testIdx, prediction: p };
    if (gcol !== undefined) {
      const isNormal = (i: number): boolean => String(lt.table.kept[i]![lc] ?? '').trim() === opts.target.normal;
      r.groups = [...new Set(testIdx.filter((i) => !isNormal(i)).map((i) => groups[i] ?? ''))].sort();
    }
    out.push(r);
    onFold?.(r);
  }
  return out;
}

/** Mean and (sample) standard deviation. */
export function meanStd(v: number[]): { mean: number; std: number } {
  const mean = v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { mean, std: sd };
}
