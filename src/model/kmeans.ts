/**
 * K-means on the encoded space (numeric z-scores + one-hot blocks), on typed arrays.
 *
 * - One-hot blocks are never materialised: for a centroid c and a row whose block b has active
 *   index v, Σ_u∈b (x_u − c_u)² = S_b(c) − c_v² + (w − c_v)², with S_b(c) = Σ_u∈b c_u² precomputed per
 *   centroid, so a distance costs O(nNum + nCat) instead of O(dims) (41 vs ~120 for KDD).
 * - Identical rows are merged into one weighted row first (same objective, same Lloyd updates):
 *   flows of a capture repeat the same feature vector many times.
 * - Seeding: greedy k-means++ as scikit-learn (candidates drawn in proportion to D², the best of
 *   2 + ⌊ln k⌋ kept), on a seeded sample of at most `seedSample` rows. A candidate's distance to a row
 *   is skipped when the triangle inequality shows it cannot beat the row's current nearest centre.
 * - Iterations: Elkan's algorithm (one upper bound and k lower bounds per row, centre–centre
 *   distances): the same assignments as plain Lloyd, a small fraction of the distances once the
 *   centres settle. Lower bounds are kept in float32, rounded down, to halve their memory.
 * - Convergence as scikit-learn: no label changed, or Σ‖centre shift‖² ≤ tol × mean per-dimension
 *   variance of the data. n_init restarts; the lowest inertia wins.
 * - Empty clusters are re-seeded with the row farthest from its centre (as scikit-learn).
 */
import type { Encoder } from './scale.ts';
import { blockOffsets, encodedDims, type Preprocessing } from './scale.ts';

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

/** Encode rows of the encoder's table: the first `rows` rows, or the listed row indices. */
export function encodeRows(enc: Encoder, rows: ArrayLike<number> | number): EncodedRows {
  const n = typeof rows === 'number' ? rows : rows.length;
  const z = new Float64Array(n * enc.nNum);
  const oh = new Int32Array(n * enc.nCat);
  for (let r = 0; r < n; r++) {
    const i = typeof rows === 'number' ? r : rows[r]!;
    enc.encodeInto(i, z, r * enc.nNum, oh, r * enc.nCat);
  }
  return { n, nNum: enc.nNum, nCat: enc.nCat, z, oh };
}

/**
 * Assign rows [0, n) of the encoder's table to their nearest centroid, encoding a block of rows at
 * a time into one reused buffer (the whole table is never held encoded). Returns the inertia.
 */
export function assignTable(cent: Centroids, enc: Encoder, n: number, labels: Int32Array, d2: Float64Array, block = 16384): number {
  const b = Math.min(n, block);
  const x: EncodedRows = { n: 0, nNum: enc.nNum, nCat: enc.nCat, z: new Float64Array(b * enc.nNum), oh: new Int32Array(b * enc.nCat) };
  let inertia = 0;
  for (let s = 0; s < n; s += b) {
    x.n = Math.min(b, n - s);
    for (let r = 0; r < x.n; r++) enc.encodeInto(s + r, x.z, r * enc.nNum, x.oh, r * enc.nCat);
    inertia += cent.assign(x, labels.subarray(s, s + x.n), d2.subarray(s, s + x.n));
  }
  return inertia;
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
  /** Centre–centre Euclidean distances (k × k), filled by `prepareSearch`. */
  private dcc: Float64Array | undefined;
  /** Per centre, the other centres by increasing distance (k × k), filled by `prepareSearch`. */
  private order: Int32Array | undefined;

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
    this.dcc = undefined;
    this.order = undefined;
  }

  /** Squared distance of row r of `x` to centroid j. */
  dist2(x: EncodedRows, r: number, j: number): number {
    return rowCentre2(x.z, x.oh, r, x.nNum, x.nCat, this.c, j * this.dims, this.sq[j]!, this.offsets, this.weights);
  }

  /** Nearest centroid of row r by exhaustive search: writes the squared distance into out[0], returns the index. */
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

  /** Centre–centre distances and per-centre orders for `nearestFrom` (computed once). */
  prepareSearch(): void {
    if (this.dcc) return;
    const { k, dims, c } = this;
    const dcc = new Float64Array(k * k);
    centreDistances(c, k, dims, dcc);
    const order = new Int32Array(k * k);
    const idx = Array.from({ length: k }, (_, j) => j);
    for (let g = 0; g < k; g++) {
      const row = dcc.subarray(g * k, (g + 1) * k);
      idx.sort((a, b) => row[a]! - row[b]!);
      order.set(idx, g * k);
    }
    this.dcc = dcc;
    this.order = order;
  }

  /**
   * Exact nearest centroid of row r, starting from the guess `g`: centres are visited by increasing
   * distance from g and the search stops once d(g, j) − d(x, g) ≥ the best distance found (the
   * triangle inequality rules out every later one); a distance is abandoned as soon as its partial
   * sum exceeds the best. Same answer as `nearest` (ties aside), a few distances per row when g is close.
   */
  nearestFrom(x: EncodedRows, r: number, g: number, out: Float64Array): number {
    if (!this.dcc) this.prepareSearch();
    const { k, dims, nNum, nCat, c, sq, offsets, weights } = this;
    const dcc = this.dcc!, order = this.order!;
    const z = x.z, oh = x.oh;
    let bd = rowCentre2(z, oh, r, nNum, nCat, c, g * dims, sq[g]!, offsets, weights);
    let best = g;
    const dg = Math.sqrt(bd);
    let bound = dg + Math.sqrt(bd); // d(g, j) beyond this: j cannot beat the best
    const zb = r * nNum;
    const ob = r * nCat;
    const ro = g * k;
    for (let t = 1; t < k; t++) {
      const j = order[ro + t]!;
      if (dcc[ro + j]! >= bound) break;
      const cb = j * dims;
      // one-hot part first (exact, ≥ 0), then the numeric terms with early abandon
      let s = sq[j]!;
      for (let b = 0; b < nCat; b++) {
        const v = oh[ob + b]!;
        if (v >= 0) {
          const cv = c[cb + offsets[b]! + v]!;
          const d = weights[b]! - cv;
          s += d * d - cv * cv;
        }
      }
      let u = 0;
      while (u < nNum && s < bd) {
        const e = u + 8 < nNum ? u + 8 : nNum;
        for (; u < e; u++) {
          const d = z[zb + u]! - c[cb + u]!;
          s += d * d;
        }
      }
      if (s < bd) {
        bd = s > 0 ? s : 0;
        best = j;
        bound = dg + Math.sqrt(bd);
      }
    }
    out[0] = bd;
    return best;
  }

  /** Assign every row: labels and squared distances; returns the inertia (weighted when x.w is set). */
  assign(x: EncodedRows, labels: Int32Array, d2: Float64Array): number {
    const tmp = new Float64Array(1);
    let inertia = 0;
    let g = 0;
    for (let r = 0; r < x.n; r++) {
      g = this.nearestFrom(x, r, g, tmp);
      labels[r] = g;
      d2[r] = tmp[0]!;
      inertia += tmp[0]! * (x.w ? x.w[r]! : 1);
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

/** Squared distance of encoded row r to the dense centre at c[cb..cb+dims) whose one-hot Σc² is sqj. */
function rowCentre2(
  z: Float64Array, oh: Int32Array, r: number, nNum: number, nCat: number,
  c: Float64Array, cb: number, sqj: number, offsets: Int32Array, weights: Float64Array,
): number {
  let s = sqj;
  const zb = r * nNum;
  for (let u = 0; u < nNum; u++) {
    const d = z[zb + u]! - c[cb + u]!;
    s += d * d;
  }
  const ob = r * nCat;
  for (let b = 0; b < nCat; b++) {
    const v = oh[ob + b]!;
    if (v >= 0) {
      const cv = c[cb + offsets[b]! + v]!;
      const d = weights[b]! - cv;
      s += d * d - cv * cv;
    }
  }
  return s > 0 ? s : 0;
}

/** Euclidean distances between the k dense centres (k × k). */
function centreDistances(c: Float64Array, k: number, dims: number, out: Float64Array): void {
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

/** Subset of encoded rows (weights carried). */
export function subset(x: EncodedRows, idx: ArrayLike<number>): EncodedRows {
  const n = idx.length;
  const z = new Float64Array(n * x.nNum);
  const oh = new Int32Array(n * x.nCat);
  const w = x.w ? new Float64Array(n) : undefined;
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
 * for every input row the index of its unique row.
 */
export function dedupe(x: EncodedRows): { rows: EncodedRows; of: Int32Array } {
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
  const rows = subset(x, firsts);
  rows.w = Float64Array.from(counts);
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

export interface KMeansOptions {
  k: number;
  seed?: number;
  nInit?: number;
  maxIter?: number;
  /** Stop when Σ‖centroid shift‖² ≤ tol × (total variance of the data / dims), as scikit-learn. */
  tol?: number;
  /** Max rows the k-means++ seeding looks at (a seeded weighted sample beyond this). */
  seedSample?: number;
  /**
   * 'elkan' (default): Elkan's bounds skip the distances that cannot change an assignment — the same
   * result as plain Lloyd. 'lloyd': every distance, every iteration (what the benchmark compares with
   * scikit-learn's per-iteration time).
   */
  algorithm?: 'elkan' | 'lloyd';
  /** Merge identical rows before fitting (default true). */
  dedupe?: boolean;
  /** Called after each iteration (progress / benchmarks). */
  onIteration?: (run: number, iter: number, changed: number, ms: number) => void;
  /** Called when a restart ends. */
  onRun?: (run: number, inertia: number, iterations: number, ms: number) => void;
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
  /** Nearest centroid and squared distance of every input row under the winning centroids. */
  labels: Int32Array;
  d2: Float64Array;
}

/** Mean per-dimension variance of the (weighted) encoded rows (for the tolerance). */
function meanVariance(p: Preprocessing, x: EncodedRows): number {
  const dims = encodedDims(p);
  let total = 0;
  let W = 0;
  for (let r = 0; r < x.n; r++) W += x.w ? x.w[r]! : 1;
  for (let u = 0; u < x.nNum; u++) {
    let s = 0;
    let s2 = 0;
    for (let r = 0; r < x.n; r++) {
      const v = x.z[r * x.nNum + u]!;
      const w = x.w ? x.w[r]! : 1;
      s += w * v;
      s2 += w * v * v;
    }
    total += s2 / W - (s / W) ** 2;
  }
  for (let b = 0; b < x.nCat; b++) {
    const wt = p.categorical[b]!.weight;
    const counts = new Map<number, number>();
    for (let r = 0; r < x.n; r++) {
      const v = x.oh[r * x.nCat + b]!;
      if (v >= 0) counts.set(v, (counts.get(v) ?? 0) + (x.w ? x.w[r]! : 1));
    }
    for (const c of counts.values()) {
      const q = c / W;
      total += wt * wt * q * (1 - q);
    }
  }
  return total / Math.max(1, dims);
}

/** Index of the first cumulative weight above r (binary search), clamped to [0, n). */
function pick(cum: Float64Array, n: number, r: number): number {
  let lo = 0, hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid]! > r) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** State of one k-means++ seeding (split into small functions: V8 compiles those quickly and well). */
interface SeedState {
  x: EncodedRows;
  p: Preprocessing;
  n: number;
  k: number;
  dims: number;
  trials: number;
  C: Float64Array;
  sq: Float64Array;
  offsets: Int32Array;
  weights: Float64Array;
  cum: Float64Array;
  cds: Float64Array;
  asg: Int32Array;
  /** Members of centre c: mem[start[c] .. start[c] + size[c]). */
  mem: Int32Array;
  mem2: Int32Array;
  size: Int32Array;
  start: Int32Array;
  /** Per centre: largest D² and Σ w·D² of its members. */
  cmax: Float64Array;
  cpot: Float64Array;
  cand: Float64Array;
  csq: Float64Array;
  cdist: Float64Array;
  checked: Uint8Array;
}

function putCentre(S: SeedState, j: number, src: Float64Array, at: number, r: number): void {
  denseRow(S.p, S.x, r, src, at);
  let s = 0;
  for (let u = at + S.x.nNum; u < at + S.dims; u++) s += src[u]! * src[u]!;
  if (src === S.C) S.sq[j] = s;
  else S.csq[j] = s;
}

/** Cumulative w·D² (or w alone before the first centre) for drawing; returns the total. */
function cumulate(S: SeedState, first: boolean): number {
  const { n, cum, cds } = S;
  const w = S.x.w;
  let acc = 0;
  for (let r = 0; r < n; r++) cum[r] = acc += (w ? w[r]! : 1) * (first ? 1 : cds[r]!);
  return acc;
}

/** Potential Σ w·min(D², d(x, candidate)²) if candidate t (row ci) became centre j; distances kept in cdist. */
function candidatePot(S: SeedState, t: number, ci: number, j: number): number {
  const { n, k, dims, C, sq, offsets, weights, cds, mem, size, start, cmax, cpot, cand, cdist, checked } = S;
  const { nNum, nCat, z, oh, w } = S.x;
  const s = S.csq[t]!;
  const cb = t * dims;
  let pot = 0;
  const base = t * n;
  for (let c = 0; c < j; c++) {
    const tc = rowCentre2(z, oh, ci, nNum, nCat, C, c * dims, sq[c]!, offsets, weights);
    if (tc >= 4 * cmax[c]!) {
      checked[t * k + c] = 0;
      pot += cpot[c]!;
      continue;
    }
    checked[t * k + c] = 1;
    const e = start[c]! + size[c]!;
    for (let q = start[c]!; q < e; q++) {
      const r = mem[q]!;
      const cur = cds[r]!;
      // d(cand, c)² ≥ 4·d(x, c)² ⇒ d(x, cand) ≥ d(x, c): the candidate cannot be nearer
      if (tc >= 4 * cur) {
        cdist[base + r] = Infinity;
        pot += (w ? w[r]! : 1) * cur;
        continue;
      }
      const d = rowCentre2(z, oh, r, nNum, nCat, cand, cb, s, offsets, weights);
      cdist[base + r] = d;
      pot += (w ? w[r]! : 1) * (d < cur ? d : cur);
    }
  }
  return pot;
}

/** Candidate bt becomes centre j: rows it is nearer to move to it; member lists rebuilt compactly. */
function takeCandidate(S: SeedState, bt: number, j: number): void {
  const { n, k, dims, C, sq, cds, asg, mem, mem2, size, start, cmax, cpot, cand, cdist, checked } = S;
  const w = S.x.w;
  C.set(cand.subarray(bt * dims, (bt + 1) * dims), j * dims);
  sq[j] = S.csq[bt]!;
  const base = bt * n;
  let q2 = 0;
  let jn = 0;
  for (let c = 0; c < j; c++) {
    const st = start[c]!, e = st + size[c]!;
    start[c] = q2;
    if (!checked[bt * k + c]) {
      for (let q = st; q < e; q++) mem2[q2++] = mem[q]!;
      continue;
    }
    let mx = 0, pt = 0;
    for (let q = st; q < e; q++) {
      const r = mem[q]!;
      const d = cdist[base + r]!;
      if (d < cds[r]!) {
        cds[r] = d;
        asg[r] = j;
        jn++;
      } else {
        mem2[q2++] = r;
        const v = cds[r]!;
        if (v > mx) mx = v;
        pt += (w ? w[r]! : 1) * v;
      }
    }
    size[c] = q2 - start[c]!;
    cmax[c] = mx;
    cpot[c] = pt;
  }
  start[j] = q2;
  size[j] = jn;
  let mx = 0, pt = 0;
  for (let r = 0; r < n && jn > 0; r++) {
    if (asg[r] !== j) continue;
    mem2[q2++] = r;
    const v = cds[r]!;
    if (v > mx) mx = v;
    pt += (w ? w[r]! : 1) * v;
  }
  cmax[j] = mx;
  cpot[j] = pt;
  S.mem = mem2;
  S.mem2 = mem;
}

/** All rows' D² to the first centre; every row a member of it. */
function firstCentre(S: SeedState): void {
  const { n, dims, C, sq, offsets, weights, cds, asg, mem, size, cmax, cpot } = S;
  const { nNum, nCat, z, oh, w } = S.x;
  size[0] = n;
  let mx = 0, pt = 0;
  for (let r = 0; r < n; r++) {
    const d = rowCentre2(z, oh, r, nNum, nCat, C, 0, sq[0]!, offsets, weights);
    cds[r] = d;
    asg[r] = 0;
    mem[r] = r;
    pt += (w ? w[r]! : 1) * d;
    if (d > mx) mx = d;
  }
  cmax[0] = mx;
  cpot[0] = pt;
  void dims;
}

/**
 * Greedy k-means++ (scikit-learn's): the first centre drawn in proportion to the row weights, each
 * next one the best (lowest resulting potential) of 2 + ⌊ln k⌋ candidates drawn in proportion to
 * w·D². Rows are kept in per-centre member lists: a candidate skips a whole cluster when
 * d(candidate, centre)² ≥ 4 × the cluster's largest D², and a row when d(candidate, centre)² ≥ 4·D²
 * (triangle inequality: the candidate cannot be nearer). Returns the dense centres (k × dims).
 */
export function seedKMeansPP(p: Preprocessing, x: EncodedRows, k: number, seed: number): Float64Array {
  const dims = encodedDims(p);
  const n = x.n;
  const trials = 2 + Math.floor(Math.log(k));
  const S: SeedState = {
    x, p, n, k, dims, trials,
    C: new Float64Array(k * dims),
    sq: new Float64Array(k),
    offsets: Int32Array.from(blockOffsets(p)),
    weights: Float64Array.from(p.categorical, (c) => c.weight),
    cum: new Float64Array(n),
    cds: new Float64Array(n),
    asg: new Int32Array(n),
    mem: new Int32Array(n),
    mem2: new Int32Array(n),
    size: new Int32Array(k),
    start: new Int32Array(k),
    cmax: new Float64Array(k),
    cpot: new Float64Array(k),
    cand: new Float64Array(trials * dims),
    csq: new Float64Array(trials),
    cdist: new Float64Array(trials * n),
    checked: new Uint8Array(trials * k),
  };
  const rand = rng(seed);
  putCentre(S, 0, S.C, 0, pick(S.cum, n, rand() * cumulate(S, true)));
  firstCentre(S);
  const candIdx = new Int32Array(trials);
  const pots = new Float64Array(trials);
  for (let j = 1; j < k; j++) {
    const total = cumulate(S, false);
    if (!(total > 0)) {
      // fewer distinct rows than k: repeat a row (its cluster will be re-seeded if it stays empty)
      putCentre(S, j, S.C, j * dims, Math.floor(rand() * n));
      S.size[j] = 0;
      S.start[j] = n;
      continue;
    }
    for (let t = 0; t < trials; t++) candIdx[t] = pick(S.cum, n, rand() * total);
    for (let t = 0; t < trials; t++) {
      putCentre(S, t, S.cand, t * dims, candIdx[t]!);
      pots[t] = candidatePot(S, t, candIdx[t]!, j);
    }
    let bt = 0;
    for (let t = 1; t < trials; t++) if (pots[t]! < pots[bt]!) bt = t;
    takeCandidate(S, bt, j);
  }
  return S.C;
}

/** Arrays of one fit, shared by its steps (each step is its own small function, which V8 optimises far better than one long loop nest). */
interface FitState {
  x: EncodedRows;
  n: number;
  k: number;
  dims: number;
  nNum: number;
  nCat: number;
  lloyd: boolean;
  labels: Int32Array;
  upper: Float64Array;
  /** Elkan's lower bounds (n × k, float32 rounded down), stored as bound + drift[j]. */
  lower: Float32Array;
  drift: Float64Array;
  nGroups: number;
  /** One bound per row and group of GROUP centres (Yinyang), stored as bound + gDrift[g]. */
  gLower: Float32Array;
  gDrift: Float64Array;
  s: Float64Array;
  dcc: Float64Array;
  shift: Float64Array;
  old: Float64Array;
  sums: Float64Array;
  counts: Float64Array;
  offsets: Int32Array;
  weights: Float64Array;
}

const GROUP = 10;
/** Lower bounds are rounded down by this factor when stored in float32 so they stay lower bounds. */
const DOWN = 1 - 2 ** -20;

/** First assignment of a restart: exact nearest centre of every row, every lower bound set. */
function initialAssign(S: FitState, c: Float64Array, sq: Float64Array): void {
  const { n, k, dims, nNum, nCat, lloyd, labels, upper, lower, gLower, nGroups, dcc, offsets, weights } = S;
  const { z, oh } = S.x;
  centreDistances(c, k, dims, dcc);
  S.drift.fill(0);
  S.gDrift.fill(0);
  for (let r = 0; r < n; r++) {
    let a = 0;
    let ua = Math.sqrt(rowCentre2(z, oh, r, nNum, nCat, c, 0, sq[0]!, offsets, weights));
    const lb = r * k;
    if (!lloyd) lower[lb] = ua * DOWN;
    for (let j = 1; j < k; j++) {
      if (!lloyd && dcc[a * k + j]! >= 2 * ua) {
        // d(x, c_j) ≥ d(c_a, c_j) − d(x, c_a) ≥ d(x, c_a)
        lower[lb + j] = (dcc[a * k + j]! - ua) * DOWN;
        continue;
      }
      const d = Math.sqrt(rowCentre2(z, oh, r, nNum, nCat, c, j * dims, sq[j]!, offsets, weights));
      if (!lloyd) lower[lb + j] = d * DOWN;
      if (d < ua) {
        ua = d;
        a = j;
      }
    }
    labels[r] = a;
    upper[r] = ua;
    if (!lloyd) {
      for (let g = 0; g < nGroups; g++) {
        let m = Infinity;
        const end = Math.min(k, (g + 1) * GROUP);
        for (let j = g * GROUP; j < end; j++) if (j !== a && lower[lb + j]! < m) m = lower[lb + j]!;
        gLower[r * nGroups + g] = m;
      }
    }
  }
}

/** Weighted sums and counts of the clusters from scratch (after the first assignment of a restart). */
function clusterSums(S: FitState): void {
  const { n, dims, nNum, nCat, labels, sums, counts, offsets, weights } = S;
  const { z, oh, w } = S.x;
  sums.fill(0);
  counts.fill(0);
  for (let r = 0; r < n; r++) {
    const j = labels[r]!;
    const wr = w ? w[r]! : 1;
    counts[j]! += wr;
    const cb = j * dims;
    const zb = r * nNum;
    for (let u = 0; u < nNum; u++) sums[cb + u]! += wr * z[zb + u]!;
    const ob = r * nCat;
    for (let b = 0; b < nCat; b++) {
      const v = oh[ob + b]!;
      if (v >= 0) sums[cb + offsets[b]! + v]! += wr * weights[b]!;
    }
  }
}

/** Row r moves from cluster `from` to `to`: the sums follow it (they are kept up to date, not recomputed). */
function moveRow(S: FitState, r: number, from: number, to: number): void {
  const { dims, nNum, nCat, sums, counts, offsets, weights } = S;
  const { z, oh, w } = S.x;
  const wr = w ? w[r]! : 1;
  counts[from]! -= wr;
  counts[to]! += wr;
  const fb = from * dims, tb = to * dims;
  const zb = r * nNum;
  for (let u = 0; u < nNum; u++) {
    const v = wr * z[zb + u]!;
    sums[fb + u]! -= v;
    sums[tb + u]! += v;
  }
  const ob = r * nCat;
  for (let b = 0; b < nCat; b++) {
    const v = oh[ob + b]!;
    if (v >= 0) {
      sums[fb + offsets[b]! + v]! -= wr * weights[b]!;
      sums[tb + offsets[b]! + v]! += wr * weights[b]!;
    }
  }
}

/** Weighted means of the clusters into c; empty clusters re-seeded on the farthest row. Returns the rows relocated. */
function updateCentres(S: FitState, p: Preprocessing, cent: Centroids): number {
  const { n, k, dims, labels, upper, sums, counts, old } = S;
  const c = cent.c;
  old.set(c);
  let relocated = 0;
  for (let j = 0; j < k; j++) {
    if (counts[j]! > 0) {
      const inv = 1 / counts[j]!;
      for (let u = 0; u < dims; u++) c[j * dims + u] = sums[j * dims + u]! * inv;
    } else {
      // empty cluster: move it onto the row farthest from its centre (upper bound as proxy)
      let far = 0;
      for (let r = 1; r < n; r++) if (upper[r]! > upper[far]!) far = r;
      denseRow(p, S.x, far, c, j * dims);
      moveRow(S, far, labels[far]!, j);
      labels[far] = j;
      upper[far] = 0;
      if (!S.lloyd) {
        S.lower[far * k + j] = 0;
        S.gLower.fill(0, far * S.nGroups, (far + 1) * S.nGroups);
      }
      relocated++;
    }
  }
  cent.refresh();
  return relocated;
}

/** Shift of every centre (into S.shift); returns Σ shift². */
function centreShifts(S: FitState, c: Float64Array): number {
  const { k, dims, old, shift } = S;
  let total = 0;
  for (let j = 0; j < k; j++) {
    let d2 = 0;
    for (let u = 0; u < dims; u++) {
      const d = c[j * dims + u]! - old[j * dims + u]!;
      d2 += d * d;
    }
    total += d2;
    shift[j] = Math.sqrt(d2);
  }
  return total;
}

/** Plain Lloyd assignment: every distance. Returns the rows that changed cluster. */
function lloydAssign(S: FitState, c: Float64Array, sq: Float64Array): number {
  const { n, k, dims, nNum, nCat, labels, upper, offsets, weights } = S;
  const { z, oh } = S.x;
  let changed = 0;
  for (let r = 0; r < n; r++) {
    let a = 0;
    let ua = rowCentre2(z, oh, r, nNum, nCat, c, 0, sq[0]!, offsets, weights);
    for (let j = 1; j < k; j++) {
      const d = rowCentre2(z, oh, r, nNum, nCat, c, j * dims, sq[j]!, offsets, weights);
      if (d < ua) {
        ua = d;
        a = j;
      }
    }
    if (a !== labels[r]) {
      moveRow(S, r, labels[r]!, a);
      labels[r] = a;
      changed++;
    }
    upper[r] = Math.sqrt(ua);
  }
  return changed;
}

/** Half the distance from each centre to its nearest other centre, after the centres moved. */
function prepareElkan(S: FitState, c: Float64Array): void {
  const { k, dims, drift, shift, gDrift, nGroups, dcc, s } = S;
  // Lower bounds are stored as bound + drift[j] (drift = the centre's total shift so far), so
  // moving the centres costs O(k) here instead of O(n·k); a group's bound drifts by its largest shift.
  for (let j = 0; j < k; j++) drift[j]! += shift[j]!;
  for (let g = 0; g < nGroups; g++) {
    let m = 0;
    const end = Math.min(k, (g + 1) * GROUP);
    for (let j = g * GROUP; j < end; j++) if (shift[j]! > m) m = shift[j]!;
    gDrift[g]! += m;
  }
  centreDistances(c, k, dims, dcc);
  for (let j = 0; j < k; j++) {
    let m = Infinity;
    for (let j2 = 0; j2 < k; j2++) if (j2 !== j && dcc[j * k + j2]! < m) m = dcc[j * k + j2]!;
    s[j] = m / 2;
  }
}

/**
 * Elkan assignment with Yinyang group filtering: a row is skipped when its upper bound is within
 * half the distance from its centre to the nearest other one; otherwise only the groups whose bound
 * it exceeds are scanned, and in them only the centres whose own bound it exceeds.
 */
function elkanAssign(S: FitState, c: Float64Array, sq: Float64Array): number {
  const { n, k, dims, nNum, nCat, labels, upper, lower, drift, gLower, gDrift, nGroups, dcc, s, shift, offsets, weights } = S;
  const { z, oh } = S.x;
  let changed = 0;
  for (let r = 0; r < n; r++) {
    let a = labels[r]!;
    let ua = upper[r]! + shift[a]!;
    upper[r] = ua;
    if (ua <= s[a]!) continue;
    const a0 = a;
    let exact = false;
    const lb = r * k;
    const gb = r * nGroups;
    for (let g = 0; g < nGroups; g++) {
      if (ua <= gLower[gb + g]! - gDrift[g]!) continue;
      let m = Infinity;
      const end = Math.min(k, (g + 1) * GROUP);
      for (let j = g * GROUP; j < end; j++) {
        if (j === a) continue;
        let lj = lower[lb + j]! - drift[j]!;
        if (ua > lj) {
          const half = 0.5 * dcc[a * k + j]!;
          if (ua <= half) {
            // d(x, c_j) ≥ d(c_a, c_j) − d(x, c_a): keep that stronger bound, so this centre does
            // not hold its group's bound down in the next iterations
            lj = 2 * half - ua;
            lower[lb + j] = (lj + drift[j]!) * DOWN;
          } else {
            if (!exact) {
              ua = Math.sqrt(rowCentre2(z, oh, r, nNum, nCat, c, a * dims, sq[a]!, offsets, weights));
              lower[lb + a] = (ua + drift[a]!) * DOWN;
              exact = true;
            }
            if (ua > lj && ua > half) {
              const d = Math.sqrt(rowCentre2(z, oh, r, nNum, nCat, c, j * dims, sq[j]!, offsets, weights));
              lower[lb + j] = (d + drift[j]!) * DOWN;
              lj = d;
              if (d < ua) {
                ua = d;
                a = j;
                continue;
              }
            } else if (ua <= half) {
              lj = 2 * half - ua;
              lower[lb + j] = (lj + drift[j]!) * DOWN;
            }
          }
        }
        if (lj < m) m = lj;
      }
      gLower[gb + g] = (m + gDrift[g]!) * DOWN;
    }
    upper[r] = ua;
    if (a !== a0) {
      moveRow(S, r, a0, a);
      labels[r] = a;
      changed++;
      // every group bound must cover "every centre but the own one" again (the own centre may have
      // changed more than once): recompute them from the per-centre bounds
      for (let g = 0; g < nGroups; g++) refreshGroup(S, r, g, a);
    }
  }
  return changed;
}

function refreshGroup(S: FitState, r: number, g: number, a: number): void {
  const { k, lower, drift, gLower, gDrift, nGroups } = S;
  let m = Infinity;
  const end = Math.min(k, (g + 1) * GROUP);
  for (let j = g * GROUP; j < end; j++) {
    if (j === a) continue;
    const lj = lower[r * k + j]! - drift[j]!;
    if (lj < m) m = lj;
  }
  gLower[r * nGroups + g] = (m + gDrift[g]!) * DOWN;
}

/** Fit k-means with n_init restarts on the encoded rows; returns the lowest-inertia run. */
export function fitKMeans(p: Preprocessing, input: EncodedRows, opts: KMeansOptions): KMeansFit {
  const seed = opts.seed ?? 42;
  const nInit = Math.max(1, opts.nInit ?? 3);
  const maxIter = opts.maxIter ?? 300;
  const lloyd = opts.algorithm === 'lloyd';
  const dd = opts.dedupe ?? true ? dedupe(input) : undefined;
  const x = dd && dd.rows.n < input.n ? dd.rows : input;
  const k = Math.max(1, Math.min(opts.k, x.n));
  const tolAbs = (opts.tol ?? 1e-4) * meanVariance(p, x);
  const dims = encodedDims(p);
  const n = x.n;
  const seedRows = opts.seedSample ?? 20_000;
  const nGroups = Math.ceil(k / GROUP);
  const S: FitState = {
    x, n, k, dims, nNum: x.nNum, nCat: x.nCat, lloyd,
    labels: new Int32Array(n),
    upper: new Float64Array(n),
    lower: lloyd ? new Float32Array(0) : new Float32Array(n * k),
    drift: new Float64Array(k),
    nGroups,
    gLower: lloyd ? new Float32Array(0) : new Float32Array(n * nGroups),
    gDrift: new Float64Array(nGroups),
    s: new Float64Array(k),
    dcc: new Float64Array(k * k),
    shift: new Float64Array(k),
    old: new Float64Array(k * dims),
    sums: new Float64Array(k * dims),
    counts: new Float64Array(k),
    offsets: Int32Array.from(blockOffsets(p)),
    weights: Float64Array.from(p.categorical, (c) => c.weight),
  };
  let best: { c: Float64Array; inertia: number; iterations: number; converged: boolean } | undefined;
  const runs: KMeansFit['runs'] = [];
  let totalIter = 0;
  let totalMs = 0;
  for (let run = 0; run < nInit; run++) {
    const tRun = performance.now();
    const rs = seed + run * 7919;
    const sx = n > seedRows ? subset(x, sampleIndices(n, seedRows, rs)) : x;
    const cent = new Centroids(p, k, seedKMeansPP(p, sx, k, rs));
    const c = cent.c, sq = cent.sq;
    initialAssign(S, c, sq);
    clusterSums(S);
    let it = 0;
    let converged = false;
    while (it < maxIter) {
      const t0 = performance.now();
      it++;
      const relocated = updateCentres(S, p, cent);
      const totalShift = centreShifts(S, c);
      let changed = relocated;
      if (lloyd) changed += lloydAssign(S, c, sq);
      else {
        prepareElkan(S, c);
        changed += elkanAssign(S, c, sq);
      }
      const ms = performance.now() - t0;
      totalMs += ms;
      totalIter++;
      opts.onIteration?.(run, it, changed, ms);
      if (changed === 0 || totalShift <= tolAbs) {
        converged = true;
        break;
      }
    }
    // exact inertia under the final centres (labels are the nearest: the last step assigned them)
    const inertia = inertiaOf(S, c, sq);
    runs.push({ seed: rs, inertia, iterations: it });
    opts.onRun?.(run, inertia, it, performance.now() - tRun);
    if (!best || inertia < best.inertia) best = { c: Float64Array.from(c), inertia, iterations: it, converged };
  }
  const centroids = new Centroids(p, k, best!.c);
  // labels and distances of the input rows under the winning centres
  const uLabels = new Int32Array(x.n);
  const uD2 = new Float64Array(x.n);
  centroids.assign(x, uLabels, uD2);
  let outLabels = uLabels, outD2 = uD2;
  if (x !== input) {
    outLabels = new Int32Array(input.n);
    outD2 = new Float64Array(input.n);
    for (let r = 0; r < input.n; r++) {
      outLabels[r] = uLabels[dd!.of[r]!]!;
      outD2[r] = uD2[dd!.of[r]!]!;
    }
  }
  return {
    centroids,
    inertia: best!.inertia,
    iterations: best!.iterations,
    converged: best!.converged,
    runs,
    msPerIteration: totalIter ? totalMs / totalIter : 0,
    labels: outLabels,
    d2: outD2,
  };
}

function inertiaOf(S: FitState, c: Float64Array, sq: Float64Array): number {
  const { n, dims, nNum, nCat, labels, offsets, weights } = S;
  const { z, oh, w } = S.x;
  let inertia = 0;
  for (let r = 0; r < n; r++) {
    const j = labels[r]!;
    inertia += (w ? w[r]! : 1) * rowCentre2(z, oh, r, nNum, nCat, c, j * dims, sq[j]!, offsets, weights);
  }
  return inertia;
}
