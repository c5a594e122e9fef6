/**
 * The training matrix of the supervised models: rows of a RawTable encoded exactly as the anomaly
 * model encodes them (scale.ts: log1p where fitted, z-score; categorical values → index in the
 * training vocabulary, −1 = unseen), then binned for the trees. Binning follows scikit-learn's
 * HistGradientBoosting / LightGBM: at most 255 bins per numeric column (midpoints between distinct
 * values when there are few, quantiles otherwise), so split search scans bins instead of sorted
 * values. A categorical column's bin is its vocabulary index (the vocabulary is most-frequent-first;
 * indices beyond MAX_CAT_BINS − 1 share the last bin, which splits never isolate).
 */
import type { RawTable } from '../encode.ts';
import { Encoder, type Preprocessing } from '../scale.ts';

export const MAX_BINS = 255;
export const MAX_CAT_BINS = 255;

/** Encoded rows: numeric z-values (row-major n × nNum) and categorical indices (row-major n × nCat). */
export interface Encoded {
  n: number;
  nNum: number;
  nCat: number;
  z: Float64Array;
  codes: Int32Array;
}

export function encodeTable(p: Preprocessing, t: RawTable): Encoded {
  const enc = new Encoder(p, t);
  const nNum = enc.nNum;
  const nCat = enc.nCat;
  const n = t.n;
  const z = new Float64Array(n * nNum);
  const codes = new Int32Array(n * nCat);
  const zr = new Float64Array(nNum);
  const oh = new Int32Array(nCat);
  for (let i = 0; i < n; i++) {
    enc.encode(i, zr, oh);
    z.set(zr, i * nNum);
    codes.set(oh, i * nCat);
  }
  return { n, nNum, nCat, z, codes };
}

/** Binned features, column-major: bins[f · n + i] is row i's bin of feature f (numeric first, then categorical). */
export interface Binned {
  n: number;
  nFeat: number;
  nNum: number;
  bins: Uint8Array;
  /** Bins used by each feature. */
  nBins: Int32Array;
  /** Per numeric feature: upper edges; bin b holds values ≤ edges[b] (the last bin is unbounded). */
  edges: Float64Array[];
  /** 1 for a categorical feature whose last bin lumps the rarest values together (never split off alone). */
  lumped: Uint8Array;
}

/** Bin edges of one numeric column (sorted copy of its values). */
export function binEdges(sorted: Float64Array, maxBins = MAX_BINS): Float64Array {
  const distinct: number[] = [];
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]!);
  if (distinct.length <= maxBins) {
    const e = new Float64Array(Math.max(0, distinct.length - 1));
    for (let k = 0; k + 1 < distinct.length; k++) e[k] = (distinct[k]! + distinct[k + 1]!) / 2;
    return e;
  }
  // quantile edges, deduplicated; each edge sits between two distinct values so no value is on one
  const out: number[] = [];
  const n = sorted.length;
  for (let q = 1; q < maxBins; q++) {
    const v = sorted[Math.min(n - 1, Math.floor((q * n) / maxBins))]!;
    // next distinct value above v
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! <= v) lo = mid + 1;
      else hi = mid;
    }
    if (lo >= n) continue;
    const edge = (v + sorted[lo]!) / 2;
    if (out.length === 0 || edge > out[out.length - 1]!) out.push(edge);
  }
  return Float64Array.from(out);
}

/** Bin of value x given edges (first b with x ≤ edges[b]; edges.length when above all). */
export function binOf(edges: Float64Array, x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Fit bin edges on the encoded rows and bin them (shared memory, so worker threads can read it). */
export function binEncoded(e: Encoded, vocabSizes: number[], maxBins = MAX_BINS): Binned {
  const { n, nNum, nCat } = e;
  const nFeat = nNum + nCat;
  const bins = new Uint8Array(new SharedArrayBuffer(Math.max(1, nFeat * n)));
  const nBins = new Int32Array(nFeat);
  const lumped = new Uint8Array(nFeat);
  const edges: Float64Array[] = [];
  const col = new Float64Array(n);
  for (let j = 0; j < nNum; j++) {
    for (let i = 0; i < n; i++) col[i] = e.z[i * nNum + j]!;
    const sorted = col.slice().sort();
    const ed = binEdges(sorted, maxBins);
    edges.push(ed);
    nBins[j] = ed.length + 1;
    const off = j * n;
    for (let i = 0; i < n; i++) bins[off + i] = binOf(ed, col[i]!);
  }
  for (let j = 0; j < nCat; j++) {
    const f = nNum + j;
    const nb = Math.min(MAX_CAT_BINS, Math.max(1, vocabSizes[j] ?? 1));
    nBins[f] = nb;
    if ((vocabSizes[j] ?? 0) > MAX_CAT_BINS) lumped[f] = 1;
    const off = f * n;
    for (let i = 0; i < n; i++) {
      const c = e.codes[i * nCat + j]!;
      bins[off + i] = c < 0 || c >= nb ? nb - 1 : c;
    }
  }
  return { n, nFeat, nNum, bins, nBins, edges, lumped };
}

/** The same seeded PRNG (mulberry32) as k-means: the same seed gives the same model on every machine. */
export { rng } from '../kmeans.ts';
