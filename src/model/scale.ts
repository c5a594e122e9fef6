/**
 * Preprocessing fitted on the training rows and stored in the model:
 * - numeric features: optional log1p (heavy-tailed non-negative counts), then z-score
 *   (x − mean) / std, where constant columns get std = 1 (they map to 0, never NaN);
 *   optionally clipped to ±clip standard deviations so one rare value cannot dominate a distance.
 * - categorical features: one-hot with value `weight` on the active index; a value never seen in
 *   training encodes as the all-zero vector (so it is far from every centroid that has mass on the
 *   seen values: an unseen service is itself a reason to flag a flow).
 */
import type { RawTable } from './encode.ts';

export interface NumericSpec {
  name: string;
  log1p: boolean;
  mean: number;
  std: number;
  /** Training min/max of the raw value (before log1p), for reports. */
  min: number;
  max: number;
}

export interface CategoricalSpec {
  name: string;
  /** Training vocabulary, most frequent first; the one-hot index is the position here. */
  values: string[];
  /** Value of the active one-hot entry. */
  weight: number;
}

export interface Preprocessing {
  numeric: NumericSpec[];
  categorical: CategoricalSpec[];
  /** |z| is clipped to this many standard deviations (0 = off). */
  clip: number;
  /** Floor on the per-column std, so near-constant columns cannot blow up to z = 100s. */
  stdFloor: number;
}

export type LogPolicy = 'auto' | 'none' | 'all' | string[];

export interface PreprocessOptions {
  /** 'auto' = log1p on every non-negative column whose training max exceeds 1 (counts, bytes, durations; not rates). */
  log?: LogPolicy;
  clip?: number;
  stdFloor?: number;
  oneHotWeight?: number;
}

/** Dimensions of the encoded space: numeric columns first, then one one-hot block per categorical column. */
export function encodedDims(p: Preprocessing): number {
  let d = p.numeric.length;
  for (const c of p.categorical) d += c.values.length;
  return d;
}

/** Offsets of each categorical block inside the encoded vector. */
export function blockOffsets(p: Preprocessing): number[] {
  const off: number[] = [];
  let o = p.numeric.length;
  for (const c of p.categorical) {
    off.push(o);
    o += c.values.length;
  }
  return off;
}

/**
 * Fit log1p choice, mean/std and vocabularies on rows [0, t.n) of a raw table. The numeric passes
 * go row by row over the row-major table (a column at a time would touch a new cache line per
 * value); each column's sums still add its values in row order.
 */
export function fitPreprocessing(t: RawTable, opts: PreprocessOptions = {}): Preprocessing {
  const nn = t.numNames.length;
  const n = t.n;
  const log = opts.log ?? 'auto';
  const num = t.num;
  const min = new Float64Array(nn).fill(Infinity);
  const max = new Float64Array(nn).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    const b = i * nn;
    for (let j = 0; j < nn; j++) {
      const x = num[b + j]!;
      if (x < min[j]!) min[j] = x;
      if (x > max[j]!) max[j] = x;
    }
  }
  if (n === 0) {
    min.fill(0);
    max.fill(0);
  }
  const useLog = Uint8Array.from(t.numNames, (name, j) =>
    (log === 'all' ? min[j]! >= 0 : log === 'none' ? false : Array.isArray(log) ? log.includes(name) : min[j]! >= 0 && max[j]! > 1) ? 1 : 0);
  const sum = new Float64Array(nn);
  for (let i = 0; i < n; i++) {
    const b = i * nn;
    for (let j = 0; j < nn; j++) {
      const x = num[b + j]!;
      sum[j]! += useLog[j] ? Math.log1p(Math.max(0, x)) : x;
    }
  }
  const mean = Float64Array.from(sum, (s) => (n ? s / n : 0));
  const sq = new Float64Array(nn);
  for (let i = 0; i < n; i++) {
    const b = i * nn;
    for (let j = 0; j < nn; j++) {
      const x = num[b + j]!;
      const y = (useLog[j] ? Math.log1p(Math.max(0, x)) : x) - mean[j]!;
      sq[j]! += y * y;
    }
  }
  const numeric: NumericSpec[] = [];
  for (let j = 0; j < nn; j++) {
    const sd = n ? Math.sqrt(sq[j]! / n) : 0;
    numeric.push({ name: t.numNames[j]!, log1p: useLog[j] === 1, mean: mean[j]!, std: sd > 1e-12 ? sd : 1, min: min[j]!, max: max[j]! });
  }
  const nc = t.catNames.length;
  const categorical: CategoricalSpec[] = [];
  for (let j = 0; j < nc; j++) {
    const counts = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const c = t.cat[i * nc + j]!;
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    const values = [...counts.entries()]
      .sort((a, b) => b[1] - a[1] || (t.catValues[j]![a[0]]! < t.catValues[j]![b[0]]! ? -1 : 1))
      .map(([c]) => t.catValues[j]![c]!);
    categorical.push({ name: t.catNames[j]!, values, weight: opts.oneHotWeight ?? 1 });
  }
  return { numeric, categorical, clip: opts.clip ?? 0, stdFloor: opts.stdFloor ?? 0 };
}

/**
 * A compiled preprocessor bound to one raw table's categorical codes: turns row i into the numeric
 * z-vector (Float64Array nNum) and the one-hot indices (Int32Array nCat, −1 = unseen).
 */
export class Encoder {
  readonly p: Preprocessing;
  readonly nNum: number;
  readonly nCat: number;
  private readonly mean: Float64Array;
  private readonly inv: Float64Array;
  private readonly log: Uint8Array;
  private readonly remap: Int32Array[];
  private readonly offsets: number[];
  readonly dims: number;

  constructor(p: Preprocessing, t: RawTable) {
    this.p = p;
    this.nNum = p.numeric.length;
    this.nCat = p.categorical.length;
    this.mean = Float64Array.from(p.numeric, (s) => s.mean);
    this.inv = Float64Array.from(p.numeric, (s) => 1 / Math.max(s.std, p.stdFloor || 0));
    this.log = Uint8Array.from(p.numeric, (s) => (s.log1p ? 1 : 0));
    this.offsets = blockOffsets(p);
    this.dims = encodedDims(p);
    // table column order may differ from the model's: map by name
    const numIdx = p.numeric.map((s) => t.numNames.indexOf(s.name));
    const catIdx = p.categorical.map((s) => t.catNames.indexOf(s.name));
    this.numCols = Int32Array.from(numIdx);
    this.catCols = Int32Array.from(catIdx);
    this.remap = p.categorical.map((s, j) => {
      const col = catIdx[j]!;
      const tv = col >= 0 ? t.catValues[col]! : [];
      const index = new Map(s.values.map((v, k) => [v, k]));
      return Int32Array.from(tv, (v) => index.get(v) ?? -1);
    });
    this.table = t;
  }
  private readonly numCols: Int32Array;
  private readonly catCols: Int32Array;
  readonly table: RawTable;

  /** Refresh the categorical code maps after the table grew (new values appear while streaming). */
  refresh(): void {
    const t = this.table;
    for (let j = 0; j < this.nCat; j++) {
      const col = this.catCols[j]!;
      if (col < 0) continue;
      const tv = t.catValues[col]!;
      if (this.remap[j]!.length === tv.length) continue;
      const index = new Map(this.p.categorical[j]!.values.map((v, k) => [v, k]));
      this.remap[j] = Int32Array.from(tv, (v) => index.get(v) ?? -1);
    }
  }

  /** Encode row i of the bound table into z (numeric part) and oh (one-hot indices). */
  encode(i: number, z: Float64Array, oh: Int32Array): void {
    this.encodeInto(i, z, 0, oh, 0);
  }

  /** Encode row i into z[zo..zo+nNum) and oh[oo..oo+nCat). */
  encodeInto(i: number, z: Float64Array, zo: number, oh: Int32Array, oo: number): void {
    const t = this.table;
    const tn = t.numNames.length;
    const tc = t.catNames.length;
    const clip = this.p.clip;
    const num = t.num;
    const cols = this.numCols, logs = this.log, mean = this.mean, inv = this.inv;
    for (let j = 0; j < this.nNum; j++) {
      const col = cols[j]!;
      let x = col >= 0 ? num[i * tn + col]! : 0;
      if (logs[j]) x = Math.log1p(x > 0 ? x : 0);
      let v = (x - mean[j]!) * inv[j]!;
      if (clip > 0) v = v > clip ? clip : v < -clip ? -clip : v;
      z[zo + j] = v;
    }
    for (let j = 0; j < this.nCat; j++) {
      const col = this.catCols[j]!;
      oh[oo + j] = col >= 0 ? this.remap[j]![t.cat[i * tc + col]!]! : -1;
    }
  }

  /** Dense encoded vector of row i (for PCA). */
  dense(i: number, out: Float64Array, z: Float64Array, oh: Int32Array): Float64Array {
    this.encode(i, z, oh);
    out.fill(0);
    out.set(z.subarray(0, this.nNum), 0);
    for (let j = 0; j < this.nCat; j++) {
      const k = oh[j]!;
      if (k >= 0) out[this.offsets[j]! + k] = this.p.categorical[j]!.weight;
    }
    return out;
  }

  /** Inverse of the numeric transform: the raw value of a z-score (for "typical value" reasons). */
  rawValue(j: number, z: number): number {
    return rawValueOf(this.p, j, z);
  }
}

/** Raw value of numeric feature j for a z-score, kept inside the training range (a centroid is a mean in the transformed space). */
export function rawValueOf(p: Preprocessing, j: number, z: number): number {
  const s = p.numeric[j]!;
  const y = z * Math.max(s.std, p.stdFloor || 0) + s.mean;
  const v = s.log1p ? Math.expm1(y) : y;
  return Math.min(s.max, Math.max(s.min, v));
}
