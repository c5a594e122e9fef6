/**
 * Supervised classifiers on labeled datasets: training (random forest, histogram gradient boosting,
 * a single CART tree, logistic regression), the model file (clf.json) and prediction.
 *
 * Targets: `binary` (normal vs attack), `category` (normal / dos / probe / r2l / u2r / … from the
 * category column, else the label's KDD or generator category), `label` (the raw label).
 * Class weights: `none`, or `balanced` = n / (k · count(class)) as scikit-learn's.
 */
import { readFile } from 'node:fs/promises';
import type { RawTable } from '../encode.ts';
import type { Row } from '../../dataset/types.ts';
import { fitPreprocessing, type Preprocessing } from '../scale.ts';
import { labelCategory } from '../../dataset/category.ts';
import { InputError, UsageError } from '../../errors.ts';
import { saveModel } from '../model-file.ts';
import { binEncoded, encodeTable, type Encoded } from './data.ts';
import { Tree, type TreeJson } from './tree.ts';
import { trainForest } from './forest.ts';
import { trainBoost } from './boost.ts';
import { threadCount } from './threads.ts';
import { blockOffsets, logregScores, trainLogreg } from './logreg.ts';

export const CLASSIFIER_FORMAT = 'flowsift.classifier';
export const CLASSIFIER_SCHEMA_VERSION = 1;

export type Algo = 'rf' | 'gbt' | 'tree' | 'logreg';
export const ALGOS: readonly Algo[] = ['rf', 'gbt', 'tree', 'logreg'];
export type TargetMode = 'binary' | 'category' | 'label';
export const TARGETS: readonly TargetMode[] = ['binary', 'category', 'label'];

export interface TargetSpec {
  mode: TargetMode;
  labelColumn: string;
  categoryColumn: string;
  normal: string;
}

/** The numeric hyper-parameters: declared once, for the options object, the CLI flags and their checks. */
export const PARAMS = [
  { key: 'trees', flag: 'trees', int: true, min: 1, default: 100, describe: 'rf: number of trees' },
  { key: 'iterations', flag: 'iterations', int: true, min: 1, default: 100, describe: 'gbt: boosting iterations' },
  { key: 'maxDepth', flag: 'max-depth', int: true, min: 0, default: 0, describe: 'rf/tree/gbt: maximum depth (0 = none)' },
  { key: 'minSamplesLeaf', flag: 'min-samples-leaf', int: true, min: 0, default: 0, describe: 'Rows per leaf at least (0 = 1 for rf/tree, 20 for gbt)' },
  { key: 'learningRate', flag: 'learning-rate', int: false, min: Number.MIN_VALUE, default: 0.1, describe: 'gbt: shrinkage' },
  { key: 'maxLeafNodes', flag: 'max-leaf-nodes', int: true, min: 2, default: 31, describe: 'gbt: leaves per tree' },
  // XGBoost's default: with 0 (scikit-learn's), rare classes of a multi-class target get huge leaf values
  { key: 'l2', flag: 'l2', int: false, min: 0, default: 1, describe: 'gbt: L2 regularisation of leaf values (XGBoost lambda; scikit-learn l2_regularization)' },
  { key: 'minChildWeight', flag: 'min-child-weight', int: false, min: 0, default: 1e-3, describe: 'gbt: least hessian sum in a leaf (XGBoost min_child_weight, LightGBM min_sum_hessian_in_leaf)' },
  { key: 'colsample', flag: 'colsample', int: false, min: Number.MIN_VALUE, max: 1, default: 1, describe: 'gbt: share of the features each tree may split on, drawn per tree (XGBoost colsample_bytree, LightGBM feature_fraction)' },
  { key: 'c', flag: 'C', int: false, min: Number.MIN_VALUE, default: 1, describe: 'logreg: inverse regularisation strength' },
] as const;

export type NumericParam = (typeof PARAMS)[number]['key'];

/** A numeric hyper-parameter's value checked against its declaration (UsageError naming the flag). */
export function checkParam(key: NumericParam, v: number): number {
  const s: { key: string; int: boolean; min: number; max?: number } = PARAMS.find((q) => q.key === key)!;
  if (!Number.isFinite(v) || v < s.min || (s.max !== undefined && v > s.max) || (s.int && !Number.isInteger(v))) {
    const what = s.int ? 'an integer' : 'a number';
    throw new UsageError(`${s.key} ${v}: expected ${what} ${s.min === Number.MIN_VALUE ? '> 0' : `≥ ${s.min}`}${s.max === undefined ? '' : ` and ≤ ${s.max}`}`, 'E_USAGE', s.key);
  }
  return v;
}

/** An attack threshold checked: a probability in (0, 1]. */
export function checkAttackThreshold(v: number): number {
  if (!(v > 0 && v <= 1)) throw new UsageError(`attackThreshold ${v}: expected a probability > 0 and ≤ 1`, 'E_USAGE', 'attackThreshold');
  return v;
}

export type ClassifierOptions = Record<NumericParam, number> & {
  algo: Algo;
  target: TargetSpec;
  seed: number;
  classWeight: 'none' | 'balanced';
  /** rf / tree: 'sqrt' | 'all' | a count. */
  maxFeatures: string;
  threads?: number;
  /** Decision rule kept in the model: attack when P(not normal) ≥ this (unset: the most probable class). */
  attackThreshold?: number;
  signal?: AbortSignal;
  onProgress?(msg: string): void;
};

export const DEFAULTS: Omit<ClassifierOptions, 'algo' | 'target'> = {
  ...(Object.fromEntries(PARAMS.map((q) => [q.key, q.default])) as Record<NumericParam, number>),
  seed: 42,
  classWeight: 'none',
  maxFeatures: 'sqrt',
};

export interface Importance {
  feature: string;
  importance: number;
}

export interface ClassifierFile {
  format: typeof CLASSIFIER_FORMAT;
  schemaVersion: number;
  createdAt: string;
  algo: Algo;
  target: TargetSpec;
  /** Class names; index = model output. */
  classes: string[];
  features: string[];
  preprocessing: Preprocessing;
  params: Record<string, number | string>;
  classWeight: number[];
  /** Attack when P(not normal) ≥ this; absent: the most probable class. */
  attackThreshold?: number;
  /** Sorted by importance, summing to 1 (rf/tree: Gini decrease; gbt: split gain; logreg: |weight|). */
  importances: Importance[];
  forest?: { trees: TreeJson[] };
  boost?: { init: number[]; trees: TreeJson[][] };
  logreg?: { weights: number[][]; iterations: number; converged: boolean };
  training: { sources: string[]; rows: number; classCounts: Record<string, number>; seconds: number; unlabeled: number };
}

/** Target value of a row (label, category or normal/attack); null when the row has no label. */
export function targetOf(row: Row, t: TargetSpec): string | null {
  const lv = row[t.labelColumn];
  if (lv === null || lv === undefined || lv === '') return null;
  const label = String(lv).trim();
  if (t.mode === 'label') return label;
  if (label === t.normal) return t.normal;
  if (t.mode === 'binary') return 'attack';
  const cv = row[t.categoryColumn];
  if (cv !== null && cv !== undefined && cv !== '' && String(cv) !== t.normal) return String(cv);
  return labelCategory(label);
}

/** Class order: normal first, then by decreasing count (ties by name). */
export function classOrder(counts: Map<string, number>, normal: string): string[] {
  return [...counts.keys()].sort((a, b) => (a === normal ? -1 : b === normal ? 1 : counts.get(b)! - counts.get(a)! || (a < b ? -1 : 1)));
}

function resolveMaxFeatures(spec: string, total: number): number {
  if (spec === 'sqrt') return Math.max(1, Math.floor(Math.sqrt(total)));
  if (spec === 'log2') return Math.max(1, Math.floor(Math.log2(total)));
  if (spec === 'all') return total;
  const v = Number(spec);
  if (Number.isInteger(v) && v > 0) return Math.min(total, v);
  if (v > 0 && v < 1) return Math.max(1, Math.floor(v * total));
  throw new UsageError(`max features '${spec}': expected sqrt, log2, all, a count or a fraction`, 'E_USAGE', 'maxFeatures');
}

/**
 * Train a classifier on the rows of `table` whose target (from `targets`, parallel to the rows) is
 * not null.
 */
export async function trainClassifier(table: RawTable, targets: (string | null)[], opts: ClassifierOptions, sources: string[] = []): Promise<ClassifierFile> {
  const t0 = performance.now();
  if (opts.attackThreshold !== undefined) checkAttackThreshold(opts.attackThreshold);
  const keep: number[] = [];
  for (let i = 0; i < table.n; i++) if (targets[i] !== null) keep.push(i);
  const unlabeled = table.n - keep.length;
  const t = keep.length === table.n ? table : table.select(keep);
  const tg = keep.length === table.n ? (targets as string[]) : keep.map((i) => targets[i]!);
  const counts = new Map<string, number>();
  for (const v of tg) counts.set(v, (counts.get(v) ?? 0) + 1);
  const classes = classOrder(counts, opts.target.normal);
  if (t.n === 0) throw new UsageError(`no labeled rows to train on (label column '${opts.target.labelColumn}')`);
  if (classes.length < 2) throw new UsageError(`only one class (${classes[0]}) in the labeled rows: a classifier needs at least two`);
  if (classes.length > 255) throw new UsageError(`${classes.length} classes: at most 255 are supported (train on categories or on normal vs attack instead)`, 'E_USAGE', 'target');
  const cIndex = new Map(classes.map((c, i) => [c, i]));
  const y = Uint8Array.from(tg, (v) => cIndex.get(v)!);
  const k = classes.length;
  const n = t.n;
  const classWeight = classes.map((c) => (opts.classWeight === 'balanced' ? n / (k * counts.get(c)!) : 1));
  const sw = Float64Array.from(y, (c) => classWeight[c]!);

  const p = fitPreprocessing(t);
  const vocab = p.categorical.map((c) => c.values.length);
  const e = encodeTable(p, t);
  const names = [...p.numeric.map((s) => s.name), ...p.categorical.map((s) => s.name)];
  const progress = opts.onProgress ?? (() => undefined);
  const params: Record<string, number | string> = { seed: opts.seed, classWeight: opts.classWeight };
  let importance: number[];
  const file: Partial<ClassifierFile> = {};
  if (opts.algo === 'rf' || opts.algo === 'tree') {
    const binned = binEncoded(e, vocab);
    const virtual = e.nNum + vocab.reduce((a, b) => a + b, 0);
    const forest = opts.algo === 'rf';
    const maxFeatures = resolveMaxFeatures(forest ? opts.maxFeatures : opts.maxFeatures === 'sqrt' ? 'all' : opts.maxFeatures, virtual);
    const trees = forest ? opts.trees : 1;
    Object.assign(params, { trees, maxFeatures, maxDepth: opts.maxDepth || 0, minSamplesLeaf: opts.minSamplesLeaf || 1, bootstrap: forest ? 'yes' : 'no', bins: 255 });
    progress(`${forest ? `random forest: ${trees} trees` : 'decision tree'} on ${n.toLocaleString('en-US')} rows, ${k} classes, ${maxFeatures} of ${virtual} one-hot features per split`);
    const r = await trainForest(
      binned,
      y,
      classWeight,
      k,
      { trees, bootstrap: forest, seed: opts.seed, maxFeatures, maxDepth: opts.maxDepth || 1e9, minSamplesSplit: 2, minSamplesLeaf: opts.minSamplesLeaf || 1, threads: forest ? opts.threads : 1 },
      opts.signal,
    );
    file.forest = { trees: r.trees.map(roundTree) };
    importance = r.importance;
  } else if (opts.algo === 'gbt') {
    const binned = binEncoded(e, vocab);
    const minLeaf = opts.minSamplesLeaf || 20;
    Object.assign(params, { iterations: opts.iterations, learningRate: opts.learningRate, maxLeafNodes: opts.maxLeafNodes, maxDepth: opts.maxDepth || 0, minSamplesLeaf: minLeaf, l2: opts.l2, minChildWeight: opts.minChildWeight, colsample: opts.colsample, bins: 255 });
    progress(`gradient boosting: ${opts.iterations} iterations × ${k === 2 ? 1 : k} trees on ${n.toLocaleString('en-US')} rows, ${k} classes`);
    const r = await trainBoost(
      binned,
      y,
      sw,
      k,
      { iterations: opts.iterations, learningRate: opts.learningRate, maxLeafNodes: opts.maxLeafNodes, maxDepth: opts.maxDepth || 1e9, minSamplesLeaf: minLeaf, l2: opts.l2, minChildWeight: opts.minChildWeight, colsample: opts.colsample, seed: opts.seed },
      (it) => {
        if (it % 10 === 0 || it === opts.iterations) progress(`  iteration ${it}/${opts.iterations}`);
      },
      opts.signal,
      threadCount(opts.threads),
    );
    file.boost = { init: r.init, trees: r.trees.map((row) => row.map(roundTree)) };
    importance = r.importance;
  } else {
    Object.assign(params, { c: opts.c, maxIter: 1000 });
    progress(`logistic regression (L-BFGS, C = ${opts.c}) on ${n.toLocaleString('en-US')} rows, ${k} classes`);
    const r = trainLogreg(e, vocab, y, sw, k, { c: opts.c, maxIter: 1000, tol: 1e-4 });
    file.logreg = r;
    // importance: numeric |w| (features are z-scored); a categorical block its largest |w|; mean over outputs
    const off = blockOffsets(e.nNum, vocab);
    importance = names.map((_, f) => {
      let s = 0;
      for (const w of r.weights) {
        if (f < e.nNum) s += Math.abs(w[f]!);
        else {
          let mx = 0;
          for (let q = off[f - e.nNum]!; q < off[f - e.nNum + 1]!; q++) mx = Math.max(mx, Math.abs(w[q]!));
          s += mx;
        }
      }
      return s / r.weights.length;
    });
    const tot = importance.reduce((a, b) => a + b, 0);
    importance = importance.map((v) => (tot > 0 ? v / tot : 0));
  }
  const importances = names.map((feature, f) => ({ feature, importance: importance[f] ?? 0 })).sort((a, b) => b.importance - a.importance);
  return {
    format: CLASSIFIER_FORMAT,
    schemaVersion: CLASSIFIER_SCHEMA_VERSION,
    createdAt: new Date().toISOString(),
    algo: opts.algo,
    target: opts.target,
    classes,
    features: names,
    preprocessing: p,
    params,
    classWeight,
    ...(opts.attackThreshold === undefined ? {} : { attackThreshold: opts.attackThreshold }),
    importances,
    ...file,
    training: { sources, rows: n, classCounts: Object.fromEntries(classes.map((c) => [c, counts.get(c)!])), seconds: (performance.now() - t0) / 1000, unlabeled },
  };
}

/** Leaf values and thresholds to 9 significant digits: a smaller file, the same predictions. */
function roundTree(t: TreeJson): TreeJson {
  const r = (v: number): number => Number(v.toPrecision(9));
  return { ...t, values: t.values.map(r), threshold: t.threshold.map((v, i) => (t.feature[i]! >= 0 ? v : 0)) };
}

/** Class probabilities for encoded rows. */
export class Predictor {
  readonly k: number;
  private readonly trees: Tree[] = [];
  private readonly boostTrees: Tree[][] = [];
  private readonly init: number[] = [];
  private readonly off: number[];
  constructor(readonly model: ClassifierFile) {
    this.k = model.classes.length;
    if (model.forest) for (const t of model.forest.trees) this.trees.push(new Tree(t));
    if (model.boost) {
      this.init = model.boost.init;
      for (const row of model.boost.trees) this.boostTrees.push(row.map((t) => new Tree(t)));
    }
    this.off = blockOffsets(model.preprocessing.numeric.length, model.preprocessing.categorical.map((c) => c.values.length));
  }

  encode(t: RawTable): Encoded {
    return encodeTable(this.model.preprocessing, t);
  }

  /** Probabilities of row i of `e` into out[0..k). */
  proba(e: Encoded, i: number, out: Float64Array): void {
    const k = this.k;
    const { nNum, nCat, z, codes } = e;
    if (this.trees.length) {
      out.fill(0, 0, k);
      for (const t of this.trees) {
        const leaf = t.leaf(z, i * nNum, codes, i * nCat, nNum);
        for (let c = 0; c < k; c++) out[c]! += t.values[leaf * k + c]!;
      }
      for (let c = 0; c < k; c++) out[c]! /= this.trees.length;
      return;
    }
    const m = k === 2 ? 1 : k;
    const raw = new Float64Array(m);
    if (this.boostTrees.length) {
      for (let c = 0; c < m; c++) raw[c] = this.init[c]!;
      for (const row of this.boostTrees) for (let c = 0; c < m; c++) raw[c]! += row[c]!.values[row[c]!.leaf(z, i * nNum, codes, i * nCat, nNum)]!;
    } else logregScores(this.model.logreg!.weights, this.off, e, i, raw);
    if (m === 1) {
      out[1] = 1 / (1 + Math.exp(-raw[0]!));
      out[0] = 1 - out[1]!;
      return;
    }
    let mx = -Infinity;
    for (let c = 0; c < m; c++) mx = Math.max(mx, raw[c]!);
    let s = 0;
    for (let c = 0; c < m; c++) s += out[c] = Math.exp(raw[c]! - mx);
    for (let c = 0; c < m; c++) out[c]! /= s;
  }
}

/** Index of the largest probability (first on ties, as numpy's argmax). */
export function argmax(p: ArrayLike<number>, k: number): number {
  let b = 0;
  for (let c = 1; c < k; c++) if (p[c]! > p[b]!) b = c;
  return b;
}

export async function saveClassifier(path: string, m: ClassifierFile): Promise<void> {
  // saveModel writes any JSON document atomically; its type is the anomaly model's
  await saveModel(path, m as never);
}

export async function loadClassifier(path: string): Promise<ClassifierFile> {
  const text = await readFile(path, 'utf8');
  let doc: ClassifierFile;
  try {
    doc = JSON.parse(text) as ClassifierFile;
  } catch (e) {
    throw new InputError('E_MODEL_JSON', path, undefined, `not JSON: ${(e as Error).message}`);
  }
  if (doc?.format !== CLASSIFIER_FORMAT) {
    throw new InputError('E_MODEL_FORMAT', path, undefined, doc && (doc as { format?: string }).format === 'flowsift.model' ? `an anomaly model (flowsift train), not a classifier: use 'flowsift score'` : `not a flowsift classifier (format '${String((doc as { format?: unknown })?.format)}')`);
  }
  if (doc.schemaVersion !== CLASSIFIER_SCHEMA_VERSION) throw new InputError('E_MODEL_VERSION', path, undefined, `classifier schema version ${doc.schemaVersion}, this flowsift reads version ${CLASSIFIER_SCHEMA_VERSION}`);
  if (!ALGOS.includes(doc.algo) || !Array.isArray(doc.classes) || doc.classes.length < 2 || !doc.preprocessing || !(doc.forest || doc.boost || doc.logreg)) {
    throw new InputError('E_MODEL_INVALID', path, undefined, `invalid classifier: algo, classes, preprocessing and the model itself are required`);
  }
  const at = doc.attackThreshold;
  if (at !== undefined && !(typeof at === 'number' && at > 0 && at <= 1)) throw new InputError('E_MODEL_INVALID', path, undefined, `invalid classifier: attackThreshold ${JSON.stringify(at)} is not a probability in (0, 1]`);
  return doc;
}
