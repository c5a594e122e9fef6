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
import { addOneHot, centreDistances, dedupe, rowCentre2, type EncodedRows } from './kmeans-rows.ts';
import { meanVariance } from './kmeans-iterate.ts';
import { fitState, OP_SEED, runRestart, seedRestart, stepRows, stepsJob, stepUnit, STEP_ROWS, type RestartResult, type RestartSpec } from './kmeans-restart.ts';
import { MAX_BLOCKS, modelThreads, shareArray, sharedF64, StepPool } from './share.ts';

export { encodeRows, rng, sampleIndices, subset, dedupe, toDense, denseRow, type EncodedRows } from './kmeans-rows.ts';
export { seedKMeansPP } from './kmeans-seed.ts';

/**
 * Assign rows [0, n) of the encoder's table to their nearest centroid, encoding a block of rows at
 * a time into one reused buffer (the whole table is never held encoded). Rows with `known[i]` ≥ 0
 * already have their nearest centroid (Centroids.assign). Returns the inertia.
 */
export function assignTable(cent: Centroids, enc: Encoder, n: number, labels: Int32Array, d2: Float64Array, block = 16384, known?: Int32Array): number {
  const b = Math.min(n, block);
  const x: EncodedRows = { n: 0, nNum: enc.nNum, nCat: enc.nCat, z: new Float64Array(b * enc.nNum), oh: new Int32Array(b * enc.nCat) };
  let inertia = 0;
  for (let s = 0; s < n; s += b) {
    x.n = Math.min(b, n - s);
    for (let r = 0; r < x.n; r++) enc.encodeInto(s + r, x.z, r * enc.nNum, x.oh, r * enc.nCat);
    inertia += cent.assign(x, labels.subarray(s, s + x.n), d2.subarray(s, s + x.n), known?.subarray(s, s + x.n));
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
      let s = addOneHot(sq[j]!, oh, ob, nCat, c, cb, offsets, weights);
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

  /**
   * Assign every row: labels and squared distances; returns the inertia (weighted when x.w is set).
   * Each row's search starts from the previous row's centre. Rows whose nearest centre is already
   * known (`known[r]` ≥ 0) skip the search: their distance is summed as that search would have
   * summed it, so the result is the same to the last bit.
   */
  assign(x: EncodedRows, labels: Int32Array, d2: Float64Array, known?: Int32Array): number {
    const tmp = new Float64Array(1);
    let inertia = 0;
    let g = 0;
    for (let r = 0; r < x.n; r++) {
      const j = known ? known[r]! : -1;
      if (j >= 0) {
        tmp[0] = this.distanceFrom(x, r, j, g);
        g = j;
      } else g = this.nearestFrom(x, r, g, tmp);
      labels[r] = g;
      d2[r] = tmp[0]!;
      inertia += tmp[0]! * (x.w ? x.w[r]! : 1);
    }
    return inertia;
  }

  /**
   * Squared distance of row r to centre j, summed as `nearestFrom(x, r, g)` sums it when j is the
   * answer: the guess in rowCentre2's order, any other centre one-hot part first.
   */
  distanceFrom(x: EncodedRows, r: number, j: number, g: number): number {
    const { dims, nNum, nCat, c, sq, offsets, weights } = this;
    if (j === g) return rowCentre2(x.z, x.oh, r, nNum, nCat, c, j * dims, sq[j]!, offsets, weights);
    const cb = j * dims, zb = r * nNum;
    let s = addOneHot(sq[j]!, x.oh, r * nCat, nCat, c, cb, offsets, weights);
    for (let u = 0; u < nNum; u++) {
      const d = x.z[zb + u]! - c[cb + u]!;
      s += d * d;
    }
    return s > 0 ? s : 0;
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
  /**
   * Threads each assignment step is spread over (share.ts StepPool; the result is the same on any
   * number). Default: every core from PARALLEL_MIN_ROWS rows on (share.ts).
   */
  threads?: number;
  /** Called after each iteration of a restart run on this thread (progress / benchmarks). */
  onIteration?: (run: number, iter: number, changed: number, ms: number) => void;
  /** Called as each restart ends (they run in restart order). */
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

/** Fit k-means with n_init restarts on the encoded rows; returns the lowest-inertia run. */
export function fitKMeans(p: Preprocessing, input: EncodedRows, opts: KMeansOptions): KMeansFit {
  const nInit = Math.max(1, opts.nInit ?? 3);
  const lloyd = opts.algorithm === 'lloyd';
  const threads = modelThreads(input.n, opts.threads);
  const dd = opts.dedupe ?? true ? dedupe(input, threads > 1) : undefined;
  const merged = dd !== undefined;
  let x = dd ? dd.rows : input;
  const k = Math.max(1, Math.min(opts.k, x.n));
  const spec: RestartSpec = {
    k, seed: opts.seed ?? 42, maxIter: opts.maxIter ?? 300, tolAbs: (opts.tol ?? 1e-4) * meanVariance(p, x), seedRows: opts.seedSample ?? 20_000, lloyd,
  };
  const dims = encodedDims(p);
  const blocks = Math.ceil(x.n / STEP_ROWS);
  const parallel = threads > 1 && blocks > 1 && blocks <= MAX_BLOCKS;
  if (parallel) x = { n: x.n, nNum: x.nNum, nCat: x.nCat, z: shareArray(x.z), oh: shareArray(x.oh), ...(x.w ? { w: shareArray(x.w) } : {}) };
  // one state for every restart; each assignment step is spread over the threads (the restarts run
  // one after another, so two cores are busy through all of them and one set of bounds is held)
  const S = fitState(p, x, k, lloyd, parallel);
  const job = stepsJob(p, S, spec, parallel ? sharedF64(nInit * k * dims) : new Float64Array(nInit * k * dims));
  const pool = parallel ? new StepPool(job, threads, Math.max(blocks, nInit)) : undefined;
  const unit = (op: number, b: number): void => stepUnit(S, job, op, b);
  const step = pool ? (op: number) => pool.run(op, blocks, unit) : (op: number) => stepRows(S, op, 0, x.n);
  const runs: KMeansFit['runs'] = [];
  let won: RestartResult | undefined;
  let totalIter = 0;
  let totalMs = 0;
  const bestCentres = new Float64Array(k * dims);
  const bestLabels = new Int32Array(x.n);
  try {
    // every restart's seeding first, a restart a unit, then the restarts one after another
    if (pool) pool.run(OP_SEED, nInit, unit);
    else for (let run = 0; run < nInit; run++) seedRestart(job, run);
    for (let run = 0; run < nInit; run++) {
      const out = new Float64Array(k * dims);
      const r = runRestart(p, S, spec, run, job.seeds.subarray(run * k * dims, (run + 1) * k * dims), out, step, opts.onIteration);
      runs.push({ seed: spec.seed + run * 7919, inertia: r.inertia, iterations: r.iterations });
      opts.onRun?.(run, r.inertia, r.iterations, r.ms);
      totalIter += r.iterations;
      totalMs += r.iterMs;
      if (!won || r.inertia < won.inertia) {
        won = r;
        bestCentres.set(out);
        bestLabels.set(S.labels);
      }
    }
  } finally {
    pool?.close();
  }
  const centroids = new Centroids(p, k, bestCentres);
  // labels and distances of the input rows under the winning centres: its last assignment step
  // already found every row's nearest centre
  const uLabels = new Int32Array(x.n);
  const uD2 = new Float64Array(x.n);
  centroids.assign(x, uLabels, uD2, bestLabels);
  let outLabels = uLabels, outD2 = uD2;
  if (merged) {
    outLabels = new Int32Array(input.n);
    outD2 = new Float64Array(input.n);
    for (let r = 0; r < input.n; r++) {
      outLabels[r] = uLabels[dd!.of[r]!]!;
      outD2[r] = uD2[dd!.of[r]!]!;
    }
  }
  return {
    centroids,
    inertia: won!.inertia,
    iterations: won!.iterations,
    converged: won!.converged,
    runs,
    msPerIteration: totalIter ? totalMs / totalIter : 0,
    labels: outLabels,
    d2: outD2,
  };
}
