/**
 * One k-means restart (seeding, then iterations until converged or maxIter) on the state it owns,
 * and the job that runs the restarts of a fit on worker threads (share.ts): restarts are
 * independent and seeded, so each gives the same centres on whichever thread runs it.
 */
import { Centroids } from './kmeans.ts';
import { blockOffsets, encodedDims, type Preprocessing } from './scale.ts';
import { sampleIndices, subset, type EncodedRows } from './kmeans-rows.ts';
import { seedKMeansPP } from './kmeans-seed.ts';
import {
  GROUP, centreShifts, clusterSums, elkanAssign, inertiaOf, initialAssign, lloydAssign, prepareElkan, updateCentres, type FitState,
} from './kmeans-iterate.ts';

export interface RestartSpec {
  k: number;
  /** Seed of the fit: restart r is seeded with seed + r × 7919. */
  seed: number;
  maxIter: number;
  /** Absolute tolerance on Σ‖centre shift‖². */
  tolAbs: number;
  seedRows: number;
  lloyd: boolean;
}

/** The arrays one restart works in (reused by the restarts a thread runs). */
export function fitState(p: Preprocessing, x: EncodedRows, k: number, lloyd: boolean): FitState {
  const dims = encodedDims(p);
  const n = x.n;
  const nGroups = Math.ceil(k / GROUP);
  return {
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
}

export interface RestartResult {
  inertia: number;
  iterations: number;
  converged: boolean;
  /** Milliseconds of the whole restart and of its iterations alone. */
  ms: number;
  iterMs: number;
}

/** Restart `run`: its centres into out[0, k × dims). */
export function runRestart(
  p: Preprocessing, S: FitState, spec: RestartSpec, run: number, out: Float64Array,
  onIteration?: (run: number, iter: number, changed: number, ms: number) => void,
): RestartResult {
  const tRun = performance.now();
  const { x, n, k } = S;
  const rs = spec.seed + run * 7919;
  const sx = n > spec.seedRows ? subset(x, sampleIndices(n, spec.seedRows, rs)) : x;
  const cent = new Centroids(p, k, seedKMeansPP(p, sx, k, rs));
  const c = cent.c, sq = cent.sq;
  initialAssign(S, c, sq);
  clusterSums(S);
  let it = 0;
  let converged = false;
  let iterMs = 0;
  while (it < spec.maxIter) {
    const t0 = performance.now();
    it++;
    const relocated = updateCentres(S, p, cent);
    const totalShift = centreShifts(S, c);
    let changed = relocated;
    if (spec.lloyd) changed += lloydAssign(S, c, sq);
    else {
      prepareElkan(S, c);
      changed += elkanAssign(S, c, sq);
    }
    const ms = performance.now() - t0;
    iterMs += ms;
    onIteration?.(run, it, changed, ms);
    if (changed === 0 || totalShift <= spec.tolAbs) {
      converged = true;
      break;
    }
  }
  // exact inertia under the final centres (labels are the nearest: the last step assigned them)
  const inertia = inertiaOf(S, c, sq);
  out.set(c);
  return { inertia, iterations: it, converged, ms: performance.now() - tRun, iterMs };
}

/** The restarts of one fit as a shared job: rows and results on shared memory. */
export interface KMeansJob {
  kind: 'kmeans';
  p: Preprocessing;
  x: EncodedRows;
  spec: RestartSpec;
  /** Per restart: centres (k × dims); STATS numbers: inertia, iterations, converged (0/1), ms, iteration ms. */
  centres: Float64Array;
  stats: Float64Array;
  /** Per restart: the nearest centre of every row (x.n) under its final centres. */
  labels: Int32Array;
}

/** Run restart `run` of the job and store its result (either thread). */
export function restartUnit(job: KMeansJob, S: FitState, run: number, onIteration?: Parameters<typeof runRestart>[5]): void {
  const size = job.spec.k * encodedDims(job.p);
  const r = runRestart(job.p, S, job.spec, run, job.centres.subarray(run * size, (run + 1) * size), onIteration);
  job.stats.set([r.inertia, r.iterations, r.converged ? 1 : 0, r.ms, r.iterMs], run * STATS);
  job.labels.set(S.labels, run * S.n);
}

export const STATS = 5;

/** Restart `run`'s result as restartUnit stored it. */
export function restartResult(job: KMeansJob, run: number): RestartResult {
  const s = job.stats.subarray(run * STATS, (run + 1) * STATS);
  return { inertia: s[0]!, iterations: s[1]!, converged: s[2] === 1, ms: s[3]!, iterMs: s[4]! };
}
