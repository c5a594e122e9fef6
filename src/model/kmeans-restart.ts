/**
 * One k-means restart (seeding, then iterations until converged or maxIter) on the fit's state, and
 * the job that spreads its assignment steps over worker threads (share.ts StepPool): each row's
 * step reads the shared centres and writes only that row's label and bounds, and the cluster sums
 * follow the moved rows in row order afterwards, so a restart gives the same centres on any
 * number of threads.
 */
import { Centroids } from './kmeans.ts';
import { blockOffsets, encodedDims, type Preprocessing } from './scale.ts';
import { sampleIndices, subset, type EncodedRows } from './kmeans-rows.ts';
import { seedKMeansPP } from './kmeans-seed.ts';
import {
  GROUP, applyMoves, beginAssign, centreShifts, clusterSums, elkanAssign, inertiaOf, initialAssign, lloydAssign, prepareElkan, updateCentres, type FitState,
} from './kmeans-iterate.ts';
import { sharedF64, sharedI32 } from './share.ts';

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

/** Shared typed arrays when the assignment steps run on several threads. */
function arrays(shared: boolean) {
  return {
    f64: (n: number) => (shared ? sharedF64(n) : new Float64Array(n)),
    f32: (n: number) => (shared ? new Float32Array(new SharedArrayBuffer(Math.max(1, n) * 4), 0, n) : new Float32Array(n)),
    i32: (n: number) => (shared ? sharedI32(n) : new Int32Array(n)),
  };
}

/**
 * The arrays the restarts of a fit work in (one set, reused restart after restart). With `shared`,
 * what the assignment steps read and write lives on shared memory for the step workers.
 */
export function fitState(p: Preprocessing, x: EncodedRows, k: number, lloyd: boolean, shared = false): FitState {
  const dims = encodedDims(p);
  const n = x.n;
  const nGroups = Math.ceil(k / GROUP);
  const a = arrays(shared);
  return {
    x, n, k, dims, nNum: x.nNum, nCat: x.nCat, lloyd,
    labels: a.i32(n),
    prev: new Int32Array(n),
    upper: a.f64(n),
    lower: lloyd ? new Float32Array(0) : a.f32(n * k),
    drift: a.f64(k),
    nGroups,
    gLower: lloyd ? new Float32Array(0) : a.f32(n * nGroups),
    gDrift: a.f64(nGroups),
    s: a.f64(k),
    dcc: a.f64(k * k),
    shift: a.f64(k),
    c: a.f64(k * dims),
    sq: a.f64(k),
    old: new Float64Array(k * dims),
    sums: new Float64Array(k * dims),
    counts: new Float64Array(k),
    offsets: Int32Array.from(blockOffsets(p)),
    weights: Float64Array.from(p.categorical, (c) => c.weight),
  };
}

/** The step workers' view of the fit state: the shared arrays, nothing of the sums. */
export function stepState(job: KMeansSteps): FitState {
  const { p, x, k, lloyd, a } = job;
  return {
    x, n: x.n, k, dims: encodedDims(p), nNum: x.nNum, nCat: x.nCat, lloyd, ...a,
    nGroups: Math.ceil(k / GROUP),
    prev: new Int32Array(0), old: new Float64Array(0), sums: new Float64Array(0), counts: new Float64Array(0),
    offsets: Int32Array.from(blockOffsets(p)),
    weights: Float64Array.from(p.categorical, (c) => c.weight),
  };
}

/** Operations of a step (StepPool op codes): a restart's seeding (a unit a restart), or an assignment step. */
export const OP_SEED = 3;
export const OP_INITIAL = 0;
export const OP_ELKAN = 1;
export const OP_LLOYD = 2;
/** Rows per block of an assignment step. */
export const STEP_ROWS = 2048;

/** What the step workers of a fit receive: the rows, the shared arrays of the fit state, and where the seeds go. */
export interface KMeansSteps {
  kind: 'kmeans-steps';
  p: Preprocessing;
  x: EncodedRows;
  k: number;
  lloyd: boolean;
  spec: RestartSpec;
  /** Per restart: its k-means++ centres (k × dims). */
  seeds: Float64Array;
  a: Pick<FitState, 'labels' | 'upper' | 'lower' | 'drift' | 'gLower' | 'gDrift' | 's' | 'dcc' | 'shift' | 'c' | 'sq'>;
}

export function stepsJob(p: Preprocessing, S: FitState, spec: RestartSpec, seeds: Float64Array): KMeansSteps {
  const { labels, upper, lower, drift, gLower, gDrift, s, dcc, shift, c, sq } = S;
  return { kind: 'kmeans-steps', p, x: S.x, k: S.k, lloyd: S.lloyd, spec, seeds, a: { labels, upper, lower, drift, gLower, gDrift, s, dcc, shift, c, sq } };
}

/** Unit b of a step, on any thread: restart b's seeding, or block b of an assignment step. */
export function stepUnit(S: FitState, job: KMeansSteps, op: number, b: number): void {
  if (op === OP_SEED) seedRestart(job, b);
  else stepRows(S, op, b * STEP_ROWS, Math.min(S.n, (b + 1) * STEP_ROWS));
}

/** Restart `run`'s k-means++ centres (seeded with seed + run × 7919, on a sample of seedRows rows) into job.seeds. */
export function seedRestart(job: KMeansSteps, run: number): void {
  const { p, x, k, spec } = job;
  const rs = spec.seed + run * 7919;
  const sx = x.n > spec.seedRows ? subset(x, sampleIndices(x.n, spec.seedRows, rs)) : x;
  const size = k * encodedDims(p);
  job.seeds.set(seedKMeansPP(p, sx, k, rs), run * size);
}

/** Rows [lo, hi) of an assignment step. */
export function stepRows(S: FitState, op: number, lo: number, hi: number): void {
  if (op === OP_INITIAL) initialAssign(S, S.c, S.sq, lo, hi);
  else if (op === OP_ELKAN) elkanAssign(S, S.c, S.sq, lo, hi);
  else lloydAssign(S, S.c, S.sq, lo, hi);
}

/** Runs an assignment step over every row (here, or spread over a StepPool). */
export type RunStep = (op: number) => void;

export interface RestartResult {
  inertia: number;
  iterations: number;
  converged: boolean;
  /** Milliseconds of the whole restart and of its iterations alone. */
  ms: number;
  iterMs: number;
}

/** Restart `run` from its seeds: its centres into out[0, k × dims), its labels left in S.labels. */
export function runRestart(
  p: Preprocessing, S: FitState, spec: RestartSpec, run: number, seeds: Float64Array, out: Float64Array, step: RunStep,
  onIteration?: (run: number, iter: number, changed: number, ms: number) => void,
): RestartResult {
  const tRun = performance.now();
  const k = S.k;
  S.c.set(seeds);
  const cent = new Centroids(p, k, S.c);
  const c = S.c;
  S.sq.set(cent.sq);
  beginAssign(S, c);
  step(OP_INITIAL);
  clusterSums(S);
  let it = 0;
  let converged = false;
  let iterMs = 0;
  while (it < spec.maxIter) {
    const t0 = performance.now();
    it++;
    const relocated = updateCentres(S, p, cent);
    S.sq.set(cent.sq);
    const totalShift = centreShifts(S, c);
    if (spec.lloyd) step(OP_LLOYD);
    else {
      prepareElkan(S, c);
      step(OP_ELKAN);
    }
    const changed = relocated + applyMoves(S);
    const ms = performance.now() - t0;
    iterMs += ms;
    onIteration?.(run, it, changed, ms);
    if (changed === 0 || totalShift <= spec.tolAbs) {
      converged = true;
      break;
    }
  }
  // exact inertia under the final centres (labels are the nearest: the last step assigned them)
  const inertia = inertiaOf(S, c, S.sq);
  out.set(c);
  return { inertia, iterations: it, converged, ms: performance.now() - tRun, iterMs };
}
