/**
 * Encoded rows for k-means: the row layout (numeric z-scores + one-hot indices), encoding, the
 * one-hot distance trick (rowCentre2), centre–centre distances, seeded sampling, subsets, merging
 * of identical rows, and dense views for PCA.
 */
import type { Encoder } from './scale.ts';
import { blockOffsets, encodedDims, type Preprocessing } from './scale.ts';
import { shareArray, sharedF64, sharedI32 } from './share.ts';

/** Rows already encoded: numeric part (n × nNum) and one-hot indices (n × nCat, −1 = unseen). */
export interface EncodedRows {
  n: number;
  nNum: number;
  nCat: number;
  z: Float64Array;
  oh: Int32Array;
  /** Row weights (merged duplicates); absent = every row counts once. */
  w?: Float64Array;
}

/** Encode rows of the encoder's table: the first `rows` rows, or the listed row indices (on shared memory if asked). */
export function encodeRows(enc: Encoder, rows: ArrayLike<number> | number, shared = false): EncodedRows {
  const n = typeof rows === 'number' ? rows : rows.length;
  const z = shared ? sharedF64(n * enc.nNum) : new Float64Array(n * enc.nNum);
  const oh = shared ? sharedI32(n * enc.nCat) : new Int32Array(n * enc.nCat);
  for (let r = 0; r < n; r++) {
    const i = typeof rows === 'number' ? r : rows[r]!;
    enc.encodeInto(i, z, r * enc.nNum, oh, r * enc.nCat);
  }
  return { n, nNum: enc.nNum, nCat: enc.nCat, z, oh };
}

/** Squared distance of encoded row r to the dense centre at c[cb..cb+dims) whose one-hot Σc² is sqj. */
export function rowCentre2(
  z: Float64Array, oh: Int32Array, r: number, nNum: number, nCat: number,
  c: Float64Array, cb: number, sqj: number, offsets: Int32Array, weights: Float64Array,
): number {
  let s = sqj;
  const zb = r * nNum;
  for (let u = 0; u < nNum; u++) {
    const d = z[zb + u]! - c[cb + u]!;
    s += d * d;
  }
  s = addOneHot(s, oh, r * nCat, nCat, c, cb, offsets, weights);
  return s > 0 ? s : 0;
}

/**
 * s plus the one-hot part of a row's squared distance to the centre at c[cb..): per categorical b
 * with value v, (w_b − c_v)² − c_v², the centre's Σc² being counted once elsewhere (the one-hot trick).
 */
export function addOneHot(
  s: number, oh: Int32Array, ob: number, nCat: number,
  c: Float64Array, cb: number, offsets: Int32Array, weights: Float64Array,
): number {
  for (let b = 0; b < nCat; b++) {
    const v = oh[ob + b]!;
    if (v >= 0) {
      const cv = c[cb + offsets[b]! + v]!;
      const d = weights[b]! - cv;
      s += d * d - cv * cv;
    }
  }
  return s;
}

/** Euclidean distances between the k dense centres (k × k). */
export function centreDistances(c: Float64Array, k: number, dims: number, out: Float64Array): void {
  for (let j = 0; j < k; j++) {
    out[j * k + j] = 0;
    for (let j2 = j + 1; j2 < k; j2++) {
      let dd = 0;
      const a = j * dims, b = j2 * dims;
      for (let u = 0; u < dims; u++) {
        const d = c[a + u]! - c[b + u]!;
        dd += d * d;
      }
      const v = Math.sqrt(dd);
      out[j * k + j2] = v;
      out[j2 * k + j] = v;
    }
  }
}

/** Deterministic PRNG (mulberry32) for sampling. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seeded sample of m distinct indices out of [0, n) (all of them, in order, when m ≥ n). */
export function sampleIndices(n: number, m: number, seed: number): Int32Array {
  if (m >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const r = rng(seed);
  const a = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(r() * (n - i));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a.subarray(0, m).sort();
}

/** Subset of encoded rows (weights carried), on shared memory if asked (for worker threads). */
export function subset(x: EncodedRows, idx: ArrayLike<number>, shared = false): EncodedRows {
  const n = idx.length;
  const z = shared ? sharedF64(n * x.nNum) : new Float64Array(n * x.nNum);
  const oh = shared ? sharedI32(n * x.nCat) : new Int32Array(n * x.nCat);
  const w = x.w ? (shared ? sharedF64(n) : new Float64Array(n)) : undefined;
  for (let r = 0; r < n; r++) {
    const i = idx[r]!;
    z.set(x.z.subarray(i * x.nNum, (i + 1) * x.nNum), r * x.nNum);
    oh.set(x.oh.subarray(i * x.nCat, (i + 1) * x.nCat), r * x.nCat);
    if (w) w[r] = x.w![i]!;
  }
  return w ? { n, nNum: x.nNum, nCat: x.nCat, z, oh, w } : { n, nNum: x.nNum, nCat: x.nCat, z, oh };
}

/**
 * Identical rows merged: the unique rows (first occurrence order) with their counts as weights, and
 * for every input row the index of its unique row; undefined when every row is distinct (no copy).
 */
export function dedupe(x: EncodedRows, shared = false): { rows: EncodedRows; of: Int32Array } | undefined {
  const { n, nNum, nCat, z, oh } = x;
  const zi = new Int32Array(z.buffer, z.byteOffset, z.length * 2);
  let size = 1;
  while (size < n * 2) size <<= 1;
  const table = new Int32Array(size).fill(-1);
  const mask = size - 1;
  const of = new Int32Array(n);
  const firsts: number[] = [];
  const counts: number[] = [];
  for (let r = 0; r < n; r++) {
    let h = 0x811c9dc5 | 0;
    const zb = r * nNum * 2;
    for (let u = 0; u < nNum * 2; u++) h = Math.imul(h ^ zi[zb + u]!, 0x01000193);
    const ob = r * nCat;
    for (let b = 0; b < nCat; b++) h = Math.imul(h ^ oh[ob + b]!, 0x01000193);
    h ^= h >>> 15;
    let slot = h & mask;
    for (;;) {
      const e = table[slot]!;
      if (e < 0) {
        table[slot] = firsts.length;
        of[r] = firsts.length;
        firsts.push(r);
        counts.push(x.w ? x.w[r]! : 1);
        break;
      }
      if (sameRow(x, firsts[e]!, r)) {
        of[r] = e;
        counts[e]! += x.w ? x.w[r]! : 1;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  if (firsts.length === n) return undefined;
  const rows = subset(x, firsts, shared);
  rows.w = shared ? shareArray(Float64Array.from(counts)) : Float64Array.from(counts);
  return { rows, of };
}

function sameRow(x: EncodedRows, a: number, b: number): boolean {
  for (let u = 0; u < x.nNum; u++) if (x.z[a * x.nNum + u] !== x.z[b * x.nNum + u]) return false;
  for (let u = 0; u < x.nCat; u++) if (x.oh[a * x.nCat + u] !== x.oh[b * x.nCat + u]) return false;
  return true;
}

/** Dense number[][] view of encoded rows (ml-pca input). */
export function toDense(p: Preprocessing, x: EncodedRows): number[][] {
  const dims = encodedDims(p);
  const out: number[][] = [];
  const v = new Float64Array(dims);
  for (let r = 0; r < x.n; r++) {
    denseRow(p, x, r, v);
    out.push(Array.from(v));
  }
  return out;
}

/** Row r of x as a dense vector into out (dims long). */
export function denseRow(p: Preprocessing, x: EncodedRows, r: number, out: Float64Array, at = 0): void {
  const off = blockOffsets(p);
  out.fill(0, at, at + encodedDims(p));
  for (let u = 0; u < x.nNum; u++) out[at + u] = x.z[r * x.nNum + u]!;
  for (let b = 0; b < x.nCat; b++) {
    const k = x.oh[r * x.nCat + b]!;
    if (k >= 0) out[at + off[b]! + k] = p.categorical[b]!.weight;
  }
}
