/**
 * Choosing k: silhouette on a seeded sample (the full silhouette is O(n²): 72 s and 1.2 GB at
 * n = 100k in scikit-learn, while a 10k sample is within 2e-4 of it — dependencies.md §3c) and the
 * elbow (knee) of the inertia curve. Both curves are kept in the model for charts.
 */
import type { Preprocessing } from './scale.ts';
import { fitKMeans, sampleIndices, subset, type EncodedRows } from './kmeans.ts';

export interface KCurvePoint {
  k: number;
  inertia: number;
  silhouette: number;
}

export interface KSelection {
  method: 'silhouette' | 'elbow' | 'fixed';
  chosen: number;
  curve: KCurvePoint[];
  /** k at the knee of the inertia curve. */
  elbowK: number;
  /** k with the best silhouette. */
  silhouetteK: number;
  sampleSize: number;
  silhouetteSampleSize: number;
}

/** Euclidean distance between two encoded rows (one-hot blocks compared by index). */
export function rowDistance(p: Preprocessing, x: EncodedRows, a: number, b: number): number {
  let s = 0;
  const nn = x.nNum;
  for (let u = 0; u < nn; u++) {
    const d = x.z[a * nn + u]! - x.z[b * nn + u]!;
    s += d * d;
  }
  const nc = x.nCat;
  for (let j = 0; j < nc; j++) {
    const va = x.oh[a * nc + j]!;
    const vb = x.oh[b * nc + j]!;
    if (va !== vb) {
      const w = p.categorical[j]!.weight;
      s += (va >= 0 ? w * w : 0) + (vb >= 0 ? w * w : 0);
    }
  }
  return Math.sqrt(s);
}

/** Condensed pairwise distance matrix (n × n, Float64Array) of the rows of `x`: O(n²) once, reused for every k. */
export function pairwiseDistances(p: Preprocessing, x: EncodedRows): Float64Array {
  const n = x.n;
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = rowDistance(p, x, i, j);
      d[i * n + j] = v;
      d[j * n + i] = v;
    }
  }
  return d;
}

/** Mean silhouette coefficient of n rows under `labels`, from their pairwise distances. */
export function silhouetteFromDistances(dist: Float64Array, n: number, labels: Int32Array, k: number): number {
  if (n < 2 || k < 2) return 0;
  const sizes = new Float64Array(k);
  for (let i = 0; i < n; i++) sizes[labels[i]!]!++;
  const sums = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < n; i++) {
    sums.fill(0);
    const row = i * n;
    for (let j = 0; j < n; j++) sums[labels[j]!]! += dist[row + j]!;
    const li = labels[i]!;
    if (sizes[li]! <= 1) continue; // s(i) = 0 for singletons
    const a = sums[li]! / (sizes[li]! - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== li && sizes[c]! > 0) b = Math.min(b, sums[c]! / sizes[c]!);
    if (b === Infinity) continue;
    const m = Math.max(a, b);
    total += m > 0 ? (b - a) / m : 0;
  }
  return total / n;
}

/** Mean silhouette coefficient of the rows of `x` under `labels` (exact on these rows: O(n²)). */
export function silhouette(p: Preprocessing, x: EncodedRows, labels: Int32Array, k: number): number {
  return silhouetteFromDistances(pairwiseDistances(p, x), x.n, labels, k);
}

/**
 * Knee of a decreasing curve (Kneedle, Satopää et al. 2011): normalise both axes to [0, 1] and take
 * the point farthest below the chord from the first to the last point.
 */
export function kneeIndex(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n <= 2) return 0;
  const x0 = xs[0]!, x1 = xs[n - 1]!;
  const ymin = Math.min(...ys), ymax = Math.max(...ys);
  const dy = ymax - ymin || 1;
  let best = 0;
  let bestGap = -Infinity;
  for (let i = 0; i < n; i++) {
    const xn = (xs[i]! - x0) / (x1 - x0 || 1);
    const yn = (ys[i]! - ymin) / dy;
    // chord from (0, y0n) to (1, y1n); for a decreasing convex curve the knee maximises chord − y
    const y0n = (ys[0]! - ymin) / dy, y1n = (ys[n - 1]! - ymin) / dy;
    const gap = y0n + (y1n - y0n) * xn - yn;
    if (gap > bestGap) {
      bestGap = gap;
      best = i;
    }
  }
  return best;
}

export interface SelectKOptions {
  kMin: number;
  kMax: number;
  seed: number;
  /** Rows the sweep's k-means runs on. */
  sample: number;
  /** Rows the silhouette is computed on (O(m²)). */
  silhouetteSample: number;
  nInit?: number;
  /** Called after each k of the sweep. */
  onK?: (point: KCurvePoint, done: number, total: number) => void;
}

/** Sweep k over [kMin, kMax] on a seeded sample; returns both curves and both choices. */
export function sweepK(p: Preprocessing, x: EncodedRows, opts: SelectKOptions): Omit<KSelection, 'method' | 'chosen'> {
  const idx = sampleIndices(x.n, opts.sample, opts.seed);
  const xs = subset(x, idx);
  const sil = subset(xs, sampleIndices(xs.n, opts.silhouetteSample, opts.seed + 1));
  const curve: KCurvePoint[] = [];
  const labels = new Int32Array(sil.n);
  const d2 = new Float64Array(sil.n);
  const dist = pairwiseDistances(p, sil);
  const kMax = Math.max(opts.kMin, Math.min(opts.kMax, xs.n - 1));
  for (let k = opts.kMin; k <= kMax; k++) {
    const fit = fitKMeans(p, xs, { k, seed: opts.seed, nInit: opts.nInit ?? 1, maxIter: 300 });
    fit.centroids.assign(sil, labels, d2);
    curve.push({ k, inertia: fit.inertia, silhouette: silhouetteFromDistances(dist, sil.n, labels, k) });
    opts.onK?.(curve[curve.length - 1]!, k - opts.kMin + 1, kMax - opts.kMin + 1);
  }
  const ki = kneeIndex(curve.map((c) => c.k), curve.map((c) => c.inertia));
  let si = 0;
  for (let i = 1; i < curve.length; i++) if (curve[i]!.silhouette > curve[si]!.silhouette) si = i;
  return {
    curve,
    elbowK: curve[ki]?.k ?? opts.kMin,
    silhouetteK: curve[si]?.k ?? opts.kMin,
    sampleSize: xs.n,
    silhouetteSampleSize: sil.n,
  };
}
