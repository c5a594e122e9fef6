/**
 * Isolation forest (Liu, Ting & Zhou, ICDM 2008) on encoded rows, as scikit-learn's
 * IsolationForest builds it: each tree is grown on a seeded subsample of `maxSamples` rows drawn
 * without replacement, to depth ⌈log2 maxSamples⌉; a node splits on a feature drawn uniformly among
 * the features that are not constant in the node, at a threshold uniform between their min and max.
 * A row's path length is the depth of the leaf it reaches plus c(leaf size), and its score is
 * 2^(−mean path length / c(maxSamples)), in (0, 1]: near 1 = isolated quickly (anomalous), about 0.5
 * or below = ordinary. The features are the encoded space (numeric z-scores and the one-hot columns,
 * which take the values 0 and the block's weight).
 */
import type { EncodedRows } from './kmeans.ts';
import { rng } from './kmeans.ts';
import { modelThreads, shareArray, sharedF64, shareWork } from './share.ts';
import type { Preprocessing } from './scale.ts';

export interface IForestOptions {
  /** Number of trees (scikit-learn: n_estimators = 100; the two-stage fit uses 200). */
  trees?: number;
  /** Rows per tree (Liu et al. and scikit-learn: 256). */
  maxSamples?: number;
  seed?: number;
  /** Split on every encoded feature, or on the numeric ones only (a rare category alone then isolates nothing). */
  features?: 'all' | 'numeric';
}

export const IFOREST_DEFAULTS = { trees: 200, maxSamples: 256, seed: 42, features: 'all' as 'all' | 'numeric' };

const EULER = 0.5772156649015329;

/** Average path length of an unsuccessful binary-search-tree search over n points: c(n). */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER) - (2 * (n - 1)) / n;
}

export class IsolationForest {
  readonly trees: number;
  readonly maxSamples: number;
  /** c(maxSamples): the normaliser of the mean path length. */
  readonly norm: number;
  private readonly nNum: number;
  /** Per one-hot feature f ≥ nNum: its categorical block, active index and weight. */
  private readonly fBlock: Int32Array;
  private readonly fValue: Int32Array;
  private readonly fWeight: Float64Array;
  /** Node arrays of all trees: feature (−1 = leaf), threshold or leaf path length, left child (right = left + 1). */
  private readonly feat: Int32Array;
  private readonly thr: Float64Array;
  private readonly left: Int32Array;
  private readonly roots: Int32Array;
  private nodes = 0;

  private constructor(p: Preprocessing, trees: number, maxSamples: number) {
    this.trees = trees;
    this.maxSamples = maxSamples;
    this.norm = averagePathLength(maxSamples);
    this.nNum = p.numeric.length;
    const fb: number[] = [], fv: number[] = [], fw: number[] = [];
    p.categorical.forEach((c, b) => c.values.forEach((_, v) => (fb.push(b), fv.push(v), fw.push(c.weight))));
    this.fBlock = Int32Array.from(fb);
    this.fValue = Int32Array.from(fv);
    this.fWeight = Float64Array.from(fw);
    const cap = trees * (2 * maxSamples - 1);
    this.feat = new Int32Array(cap);
    this.thr = new Float64Array(cap);
    this.left = new Int32Array(cap);
    this.roots = new Int32Array(trees);
  }

  /** Grow the forest on the rows of x (a subsample of at most maxSamples rows per tree). */
  static fit(p: Preprocessing, x: EncodedRows, options: IForestOptions = {}): IsolationForest {
    const o = { ...IFOREST_DEFAULTS, ...options };
    if (!(Number.isInteger(o.trees) && o.trees >= 1)) throw new RangeError(`isolation forest: trees must be a positive integer, got ${o.trees}`);
    const psi = Math.max(1, Math.min(o.maxSamples, x.n));
    const f = new IsolationForest(p, o.trees, psi);
    const r = rng(o.seed);
    const pool = Int32Array.from({ length: x.n }, (_, i) => i);
    const idx = new Int32Array(psi);
    const vals = new Float64Array(psi);
    const dims = o.features === 'numeric' ? f.nNum : f.nNum + f.fBlock.length;
    const order = Int32Array.from({ length: dims }, (_, i) => i);
    const maxDepth = Math.ceil(Math.log2(Math.max(2, psi)));
    for (let t = 0; t < o.trees; t++) {
      // partial Fisher–Yates: the first psi entries of the pool are this tree's rows
      for (let i = 0; i < psi; i++) {
        const j = i + Math.floor(r() * (x.n - i));
        const s = pool[i]!;
        pool[i] = pool[j]!;
        pool[j] = s;
        idx[i] = pool[i]!;
      }
      const root = f.nodes++;
      f.roots[t] = root;
      f.grow(root, x, idx, 0, psi, 0, maxDepth, r, order, vals);
    }
    return f;
  }

  private value(x: EncodedRows, row: number, feature: number): number {
    if (feature < this.nNum) return x.z[row * x.nNum + feature]!;
    const g = feature - this.nNum;
    return x.oh[row * x.nCat + this.fBlock[g]!] === this.fValue[g] ? this.fWeight[g]! : 0;
  }

  private leaf(id: number, size: number, depth: number): void {
    this.feat[id] = -1;
    this.thr[id] = depth + averagePathLength(size);
  }

  /** Grow the subtree over idx[lo, hi) into node `id` (children are allocated as a pair). */
  private grow(id: number, x: EncodedRows, idx: Int32Array, lo: number, hi: number, depth: number, maxDepth: number, r: () => number, order: Int32Array, vals: Float64Array): void {
    const size = hi - lo;
    if (size <= 1 || depth >= maxDepth) return this.leaf(id, size, depth);
    // draw features without replacement until one varies in the node (scikit-learn skips constant ones)
    let feature = -1, min = 0, max = 0;
    for (let left = order.length; left > 0 && feature < 0; left--) {
      const j = Math.floor(r() * left);
      const f = order[j]!;
      order[j] = order[left - 1]!;
      order[left - 1] = f;
      let mn = Infinity, mx = -Infinity;
      for (let i = lo; i < hi; i++) {
        const v = this.value(x, idx[i]!, f);
        vals[i] = v;
        if (v < mn) mn = v;
        if (v > mx) mx = v;
      }
      if (mx > mn) {
        feature = f;
        min = mn;
        max = mx;
      }
    }
    if (feature < 0) return this.leaf(id, size, depth);
    let t = min + r() * (max - min);
    if (t <= min) t = (min + max) / 2; // keep both sides non-empty
    // partition: values < t to the front (vals holds the chosen feature's values for idx[lo, hi))
    let a = lo, b = hi - 1;
    while (a <= b) {
      if (vals[a]! < t) a++;
      else {
        const s = idx[a]!; idx[a] = idx[b]!; idx[b] = s;
        const v = vals[a]!; vals[a] = vals[b]!; vals[b] = v;
        b--;
      }
    }
    const kids = this.nodes;
    this.nodes += 2;
    this.feat[id] = feature;
    this.thr[id] = t;
    this.left[id] = kids;
    this.grow(kids, x, idx, lo, a, depth + 1, maxDepth, r, order, vals);
    this.grow(kids + 1, x, idx, a, hi, depth + 1, maxDepth, r, order, vals);
  }

  /** Mean path length of row r over the trees. */
  pathLength(x: EncodedRows, r: number): number {
    const { feat, thr, left, roots } = this;
    let sum = 0;
    for (let t = 0; t < roots.length; t++) {
      let node = roots[t]!;
      let f = feat[node]!;
      while (f >= 0) {
        node = this.value(x, r, f) < thr[node]! ? left[node]! : left[node]! + 1;
        f = feat[node]!;
      }
      sum += thr[node]!;
    }
    return sum / roots.length;
  }

  /** Anomaly score 2^(−E[h]/c(ψ)) of row r, in (0, 1] (scikit-learn: −score_samples). */
  score(x: EncodedRows, r: number): number {
    return this.norm > 0 ? Math.pow(2, -this.pathLength(x, r) / this.norm) : 0.5;
  }

  /**
   * Scores of every row of x (the same as score() row by row), spread over `threads` threads
   * (share.ts; default: every core from PARALLEL_MIN_ROWS rows on).
   */
  scoreAll(x: EncodedRows, threads?: number): Float64Array {
    const units = Math.ceil(x.n / FOREST_BLOCK);
    const t = Math.min(units, modelThreads(x.n, threads));
    const job: ForestJob = {
      kind: 'forest', nNum: this.nNum, fBlock: this.fBlock, fValue: this.fValue, fWeight: this.fWeight,
      feat: this.feat.subarray(0, this.nodes), thr: this.thr.subarray(0, this.nodes), left: this.left.subarray(0, this.nodes), roots: this.roots, norm: this.norm,
      x: t > 1 ? { n: x.n, nNum: x.nNum, nCat: x.nCat, z: shareArray(x.z), oh: shareArray(x.oh) } : x,
      out: t > 1 ? sharedF64(x.n) : new Float64Array(x.n),
    };
    shareWork(job, units, t, (u) => forestUnit(job, u));
    return t > 1 ? Float64Array.from(job.out) : job.out;
  }
}

/** Rows per unit of shared scoring: also the rows that walk each tree together (its nodes stay in cache). */
const FOREST_BLOCK = 4096;
const WALK = 64;

/** A forest's node arrays and the rows to score, as a shared job. */
export interface ForestJob {
  kind: 'forest';
  nNum: number;
  fBlock: Int32Array;
  fValue: Int32Array;
  fWeight: Float64Array;
  feat: Int32Array;
  thr: Float64Array;
  left: Int32Array;
  roots: Int32Array;
  norm: number;
  x: EncodedRows;
  out: Float64Array;
}

/**
 * Score rows [u × FOREST_BLOCK, …) of the job into job.out: WALK rows at a time are laid out dense
 * (the one-hot features as 0 or the block's weight, as value() reads them) and go down each tree in
 * turn, so a step is one load and one comparison whatever the feature; each row's path lengths are
 * summed in tree order (so the sums are score()'s, bit for bit).
 */
export function forestUnit(job: ForestJob, u: number): void {
  const { nNum, fBlock, fValue, fWeight, feat, thr, left, roots, norm, x, out } = job;
  const { z, oh, nCat } = x;
  const dims = nNum + fBlock.length;
  // first one-hot feature of each categorical block (features are listed block by block)
  const first = new Int32Array(nCat).fill(-1);
  for (let g = fBlock.length - 1; g >= 0; g--) first[fBlock[g]!] = g;
  const dense = new Float64Array(WALK * dims);
  const sums = new Float64Array(WALK);
  const end = Math.min(x.n, (u + 1) * FOREST_BLOCK);
  for (let lo = u * FOREST_BLOCK; lo < end; lo += WALK) {
    const m = Math.min(end, lo + WALK) - lo;
    dense.fill(0);
    for (let i = 0; i < m; i++) {
      const r = lo + i;
      dense.set(z.subarray(r * nNum, (r + 1) * nNum), i * dims);
      for (let b = 0; b < nCat; b++) {
        const v = oh[r * nCat + b]!;
        if (v < 0 || first[b]! < 0) continue;
        const g = first[b]! + v;
        if (g < fBlock.length && fBlock[g] === b && fValue[g] === v) dense[i * dims + nNum + g] = fWeight[g]!;
      }
    }
    sums.fill(0);
    for (let t = 0; t < roots.length; t++) {
      const root = roots[t]!;
      for (let i = 0, rb = 0; i < m; i++, rb += dims) {
        let node = root;
        let f = feat[node]!;
        while (f >= 0) {
          // without a branch (the side is unpredictable): right unless below the threshold, NaN included
          node = left[node]! + +!(dense[rb + f]! < thr[node]!);
          f = feat[node]!;
        }
        sums[i]! += thr[node]!;
      }
    }
    for (let i = 0; i < m; i++) out[lo + i] = norm > 0 ? Math.pow(2, -(sums[i]! / roots.length) / norm) : 0.5;
  }
}
