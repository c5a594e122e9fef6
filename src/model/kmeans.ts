/**
 * K-means on the encoded space (numeric z-scores + one-hot blocks).
 *
 * - Seeding: ml-kmeans' seeded k-means++ (greedy, 2 + ⌊ln k⌋ local trials, as scikit-learn) on a
 *   seeded sample of at most `seedSample` rows.
 * - Lloyd iterations: our own flat Float64Array loop. One-hot blocks are never materialised: for a
 *   centroid c and a row whose block b has active index v,
 *   Σ_u∈b (x_u − c_u)² = S_b(c) − c_v² + (w − c_v)², with S_b(c) = Σ_u∈b c_u² precomputed per
 *   centroid, so a distance costs O(nNum + nCat) instead of O(dims) (41 vs ~120 for KDD).
 * - n_init restarts with different seeds; the run with the lowest inertia (Σ squared distance to
 *   the nearest centroid, computed here — ml-kmeans does not report it) wins.
 * - Empty clusters are re-seeded with the row farthest from its centroid (as scikit-learn).
 */
import { kmeans as mlKmeans } from 'ml-kmeans';
import type { Encoder } from './scale.ts';
import { blockOffsets, encodedDims, type Preprocessing } from './scale.ts';

/** Rows already encoded: numeric part (n × nNum) and one-hot indices (n × nCat, −1 = unseen). */
export interface EncodedRows {
  n: number;
  nNum: number;
  nCat: number;
  z: Float64Array;
  oh: Int32Array;
}

/** Encode rows of the encoder's table: the first `rows` rows, or the listed row indices. */
export function encodeRows(enc: Encoder, rows: ArrayLike<number> | number): EncodedRows {
  const n = typeof rows === 'number' ? rows : rows.length;
  const z = new Float64Array(n * enc.nNum);
  const oh = new Int32Array(n * enc.nCat);
  const zi = new Float64Array(enc.nNum);
  const oi = new Int32Array(enc.nCat);
  for (let r = 0; r < n; r++) {
    const i = typeof rows === 'number' ? r : rows[r]!;
    enc.encode(i, zi, oi);
    z.set(zi, r * enc.nNum);
    oh.set(oi, r * enc.nCat);
  }
  return { n, nNum: enc.nNum, nCat: enc.nCat, z, oh };
}

/** Centroids in the encoded space plus what a fast distance needs. */
export class Centroids {
  readonly k: number;
  readonly dims: number;
  readonly nNum: number;
  readonly nCat: number;
  /** k × dims, row-major. */
  readonly c: Float64Array;
  readonly offsets: Int32Array;
  readonly weights: Float64Array;
  /** Per centroid: Σ over all one-hot dims of c_u². */
  readonly sq: Float64Array;

  constructor(p: Preprocessing, k: number, c?: Float64Array) {
    this.k = k;
    this.dims = encodedDims(p);
    this.nNum = p.numeric.length;
    this.nCat = p.categorical.length;
    this.c = c ?? new Float64Array(k * this.dims);
    this.offsets = Int32Array.from(blockOffsets(p));
    this.weights = Float64Array.from(p.categorical, (x) => x.weight);
    this.sq = new Float64Array(k);
    this.refresh();
  }

  refresh(): void {
    const { k, dims, nNum, c, sq } = this;
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let u = j * dims + nNum; u < (j + 1) * dims; u++) s += c[u]! * c[u]!;
      sq[j] = s;
    }
  }

  /** Squared distance of row r of `x` to centroid j. */
  dist2(x: EncodedRows, r: number, j: number): number {
    const { dims, nNum, nCat, c } = this;
    const zb = r * nNum;
    const cb = j * dims;
    let s = this.sq[j]!;
    for (let u = 0; u < nNum; u++) {
      const d = x.z[zb + u]! - c[cb + u]!;
      s += d * d;
    }
    const ob = r * nCat;
    for (let b = 0; b < nCat; b++) {
      const v = x.oh[ob + b]!;
      if (v >= 0) {
        const cv = c[cb + this.offsets[b]! + v]!;
        const d = this.weights[b]! - cv;
        s += d * d - cv * cv;
      }
    }
    return s > 0 ? s : 0;
  }

  /** Nearest centroid of row r: writes the squared distance into out[0], returns the index. */
  nearest(x: EncodedRows, r: number, out: Float64Array): number {
    let best = 0;
    let bd = Infinity;
    for (let j = 0; j < this.k; j++) {
      const d = this.dist2(x, r, j);
      if (d < bd) {
        bd = d;
        best = j;
      }
    }
    out[0] = bd;
    return best;
  }

  /** Assign every row: labels and squared distances; returns the inertia. */
  assign(x: EncodedRows, labels: Int32Array, d2: Float64Array): number {
    const tmp = new Float64Array(1);
    let inertia = 0;
    for (let r = 0; r < x.n; r++) {
      labels[r] = this.nearest(x, r, tmp);
      d2[r] = tmp[0]!;
      inertia += tmp[0]!;
    }
    return inertia;
  }

  toArrays(): number[][] {
    const out: number[][] = [];
    for (let j = 0; j < this.k; j++) out.push(Array.from(this.c.subarray(j * this.dims, (j + 1) * this.dims)));
    return out;
  }

  static fromArrays(p: Preprocessing, arr: number[][]): Centroids {
    const dims = encodedDims(p);
    const c = new Float64Array(arr.length * dims);
    arr.forEach((row, j) => c.set(row, j * dims));
    return new Centroids(p, arr.length, c);
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

/** Subset of encoded rows. */
export function subset(x: EncodedRows, idx: ArrayLike<number>): EncodedRows {
  const n = idx.length;
  const z = new Float64Array(n * x.nNum);
  const oh = new Int32Array(n * x.nCat);
  for (let r = 0; r < n; r++) {
    const i = idx[r]!;
    z.set(x.z.subarray(i * x.nNum, (i + 1) * x.nNum), r * x.nNum);
    oh.set(x.oh.subarray(i * x.nCat, (i + 1) * x.nCat), r * x.nCat);
  }
  return { n, nNum: x.nNum, nCat: x.nCat, z, oh };
}

/** Dense number[][] view of encoded rows (ml-kmeans / ml-pca input). */
export function toDense(p: Preprocessing, x: EncodedRows): number[][] {
  const dims = encodedDims(p);
  const off = blockOffsets(p);
  const out: number[][] = [];
  for (let r = 0; r < x.n; r++) {
    const v = new Array<number>(dims).fill(0);
    for (let u = 0; u < x.nNum; u++) v[u] = x.z[r * x.nNum + u]!;
    for (let b = 0; b < x.nCat; b++) {
      const k = x.oh[r * x.nCat + b]!;
      if (k >= 0) v[off[b]! + k] = p.categorical[b]!.weight;
    }
    out.push(v);
  }
  return out;
}

export interface KMeansOptions {
  k: number;
  seed?: number;
  nInit?: number;
  maxIter?: number;
  /** Stop when Σ‖centroid shift‖² ≤ tol × (total variance of the data / dims), as scikit-learn. */
  tol?: number;
  /** Max rows given to ml-kmeans' k-means++ seeding. */
  seedSample?: number;
  /**
   * 'hamerly' (default): Lloyd's algorithm with Hamerly's bounds (one upper, one lower bound per row)
   * skipping distance computations that cannot change the assignment — the same result as plain
   * Lloyd, several times fewer distances after the first iterations. 'lloyd': every distance, every
   * iteration (what the benchmark compares with scikit-learn's per-iteration time).
   */
  algorithm?: 'hamerly' | 'lloyd';
  /** Called after each iteration (progress / benchmarks). */
  onIteration?: (run: number, iter: number, changed: number, ms: number) => void;
}

export interface KMeansFit {
  centroids: Centroids;
  inertia: number;
  iterations: number;
  converged: boolean;
  /** Inertia of every restart, in order. */
  runs: { seed: number; inertia: number; iterations: number }[];
  /** Mean milliseconds per iteration (all runs). */
  msPerIteration: number;
}

/** Total variance per dimension of the encoded rows (for the tolerance). */
function meanVariance(p: Preprocessing, x: EncodedRows): number {
  const dims = encodedDims(p);
  let total = 0;
  for (let u = 0; u < x.nNum; u++) {
    let s = 0;
    let s2 = 0;
    for (let r = 0; r < x.n; r++) {
      const v = x.z[r * x.nNum + u]!;
      s += v;
      s2 += v * v;
    }
    total += s2 / x.n - (s / x.n) ** 2;
  }
  for (let b = 0; b < x.nCat; b++) {
    const w = p.categorical[b]!.weight;
    const counts = new Map<number, number>();
    for (let r = 0; r < x.n; r++) {
      const v = x.oh[r * x.nCat + b]!;
      if (v >= 0) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    for (const c of counts.values()) {
      const q = c / x.n;
      total += w * w * q * (1 - q);
    }
  }
  return total / Math.max(1, dims);
}

/** Nearest centroid of row r into labels[r], its distance into upper[r], the second nearest into lower[r]. */
function assignTwo(cent: Centroids, x: EncodedRows, r: number, labels: Int32Array, upper: Float64Array, lower: Float64Array): number {
  let b1 = Infinity, b2 = Infinity, a = 0;
  for (let j = 0; j < cent.k; j++) {
    const d = cent.dist2(x, r, j);
    if (d < b1) {
      b2 = b1;
      b1 = d;
      a = j;
    } else if (d < b2) b2 = d;
  }
  labels[r] = a;
  upper[r] = Math.sqrt(b1);
  lower[r] = Math.sqrt(b2);
  return a;
}

/** Fit k-means with n_init restarts on the encoded rows; returns the lowest-inertia run. */
export function fitKMeans(p: Preprocessing, x: EncodedRows, opts: KMeansOptions): KMeansFit {
  const k = Math.max(1, Math.min(opts.k, x.n));
  const seed = opts.seed ?? 42;
  const nInit = Math.max(1, opts.nInit ?? 3);
  const maxIter = opts.maxIter ?? 100;
  const tolAbs = (opts.tol ?? 1e-4) * meanVariance(p, x);
  const hamerly = (opts.algorithm ?? 'hamerly') === 'hamerly';
  const dims = encodedDims(p);
  const n = x.n;
  const labels = new Int32Array(n);
  const d2 = new Float64Array(n);
  const upper = new Float64Array(n);
  const lower = new Float64Array(n);
  const half = new Float64Array(k);
  const shift = new Float64Array(k);
  const old = new Float64Array(k * dims);
  const sums = new Float64Array(k * dims);
  const counts = new Float64Array(k);
  let best: KMeansFit | undefined;
  const runs: KMeansFit['runs'] = [];
  let totalIter = 0;
  let totalMs = 0;
  for (let run = 0; run < nInit; run++) {
    const s = seed + run * 7919;
    // seeding: ml-kmeans k-means++ on a seeded sample
    const sIdx = sampleIndices(n, Math.max(k, opts.seedSample ?? 10_000), s);
    const cent = Centroids.fromArrays(p, seedKMeansPP(toDense(p, subset(x, sIdx)), k, s));
    // first assignment: best and second-best distance of every row
    for (let r = 0; r < n; r++) assignTwo(cent, x, r, labels, upper, lower);
    let it = 0;
    let converged = false;
    while (it < maxIter) {
      const t0 = performance.now();
      it++;
      let changed = 0;
      if (it > 1) {
        if (hamerly) {
          // half the distance from each centroid to its nearest other centroid
          half.fill(Infinity);
          for (let j = 0; j < k; j++) {
            for (let j2 = j + 1; j2 < k; j2++) {
              let dd = 0;
              for (let u = 0; u < dims; u++) {
                const d = cent.c[j * dims + u]! - cent.c[j2 * dims + u]!;
                dd += d * d;
              }
              const h = Math.sqrt(dd) / 2;
              if (h < half[j]!) half[j] = h;
              if (h < half[j2]!) half[j2] = h;
            }
          }
        }
        for (let r = 0; r < n; r++) {
          const a0 = labels[r]!;
          if (hamerly) {
            const m = Math.max(half[a0]!, lower[r]!);
            if (upper[r]! <= m) continue;
            upper[r] = Math.sqrt(cent.dist2(x, r, a0));
            if (upper[r]! <= m) continue;
          }
          if (assignTwo(cent, x, r, labels, upper, lower) !== a0) changed++;
        }
      } else changed = n;
      // update step
      sums.fill(0);
      counts.fill(0);
      for (let r = 0; r < n; r++) {
        const j = labels[r]!;
        counts[j]!++;
        const cb = j * dims;
        const zb = r * x.nNum;
        for (let u = 0; u < x.nNum; u++) sums[cb + u]! += x.z[zb + u]!;
        const ob = r * x.nCat;
        for (let b = 0; b < x.nCat; b++) {
          const v = x.oh[ob + b]!;
          if (v >= 0) sums[cb + cent.offsets[b]! + v]! += cent.weights[b]!;
        }
      }
      old.set(cent.c);
      for (let j = 0; j < k; j++) {
        if (counts[j]! > 0) {
          const inv = 1 / counts[j]!;
          for (let u = 0; u < dims; u++) cent.c[j * dims + u] = sums[j * dims + u]! * inv;
        } else {
          // empty cluster: move it onto the row farthest from its centroid (upper bound as proxy)
          let far = 0;
          for (let r = 1; r < n; r++) if (upper[r]! > upper[far]!) far = r;
          cent.c.set(toDense(p, subset(x, [far]))[0]!, j * dims);
          upper[far] = 0;
          changed++;
        }
      }
      cent.refresh();
      let totalShift = 0;
      let m1 = 0, m2 = 0, m1j = -1;
      for (let j = 0; j < k; j++) {
        let dd = 0;
        for (let u = 0; u < dims; u++) {
          const d = cent.c[j * dims + u]! - old[j * dims + u]!;
          dd += d * d;
        }
        totalShift += dd;
        const sh = Math.sqrt(dd);
        shift[j] = sh;
        if (sh > m1) {
          m2 = m1;
          m1 = sh;
          m1j = j;
        } else if (sh > m2) m2 = sh;
      }
      if (hamerly) {
        for (let r = 0; r < n; r++) {
          const a = labels[r]!;
          upper[r]! += shift[a]!;
          lower[r]! -= a === m1j ? m2 : m1;
        }
      }
      const ms = performance.now() - t0;
      totalMs += ms;
      totalIter++;
      opts.onIteration?.(run, it, changed, ms);
      if ((it > 1 && changed === 0) || totalShift <= tolAbs) {
        converged = true;
        break;
      }
    }
    const inertia = cent.assign(x, labels, d2);
    runs.push({ seed: s, inertia, iterations: it });
    if (!best || inertia < best.inertia) best = { centroids: cent, inertia, iterations: it, converged, runs, msPerIteration: 0 };
  }
  best!.msPerIteration = totalIter ? totalMs / totalIter : 0;
  return best!;
}

/**
 * Initial centres from ml-kmeans: its seeded k-means++ followed by one Lloyd step on the seeding
 * sample (the library does not expose the bare seeds; one step on a sample is a harmless refinement).
 */
export function seedKMeansPP(dense: number[][], k: number, seed: number): number[][] {
  if (k >= dense.length) return dense.map((r) => r.slice());
  const res = mlKmeans(dense, k, { initialization: 'kmeans++', seed, maxIterations: 1 });
  return res.centroids.map((c) => Array.from(c));
}
