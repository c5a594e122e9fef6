/**
 * The iterations of one k-means restart on the state they share (FitState): the first exact
 * assignment, cluster sums kept incrementally, centre updates with empty-cluster re-seeding, and the
 * assignment steps — plain Lloyd or Elkan with Yinyang group bounds (the same assignments) — plus
 * the data variance behind the tolerance and the final inertia.
 */
import type { Centroids } from './kmeans.ts';
import { encodedDims, type Preprocessing } from './scale.ts';
import { centreDistances, denseRow, rowCentre2, type EncodedRows } from './kmeans-rows.ts';

/** Mean per-dimension variance of the (weighted) encoded rows (for the tolerance). */
export function meanVariance(p: Preprocessing, x: EncodedRows): number {
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

/** Arrays of one fit, shared by its steps (each step is its own small function, which V8 optimises far better than one long loop nest). */
export interface FitState {
  x: EncodedRows;
  n: number;
  k: number;
  dims: number;
  nNum: number;
  nCat: number;
  lloyd: boolean;
  labels: Int32Array;
  /** The labels the cluster sums were last brought up to date with (applyMoves). */
  prev: Int32Array;
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
  /** The centres (k × dims) and their one-hot Σc², as the assignment steps read them. */
  c: Float64Array;
  sq: Float64Array;
  old: Float64Array;
  sums: Float64Array;
  counts: Float64Array;
  offsets: Int32Array;
  weights: Float64Array;
}

export const GROUP = 10;
/** Lower bounds are rounded down by this factor when stored in float32 so they stay lower bounds. */
const DOWN = 1 - 2 ** -20;

/** Before the first assignment of a restart: centre–centre distances, no drift yet. */
export function beginAssign(S: FitState, c: Float64Array): void {
  centreDistances(c, S.k, S.dims, S.dcc);
  S.drift.fill(0);
  S.gDrift.fill(0);
}

/**
 * First assignment of a restart, rows [lo, hi) (after beginAssign): exact nearest centre of every
 * row, every lower bound set. Each row's work reads the shared centres and writes its own entries only.
 */
export function initialAssign(S: FitState, c: Float64Array, sq: Float64Array, lo: number, hi: number): void {
  const { k, dims, nNum, nCat, lloyd, labels, upper, lower, gLower, nGroups, dcc, offsets, weights } = S;
  const { z, oh } = S.x;
  for (let r = lo; r < hi; r++) {
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
export function clusterSums(S: FitState): void {
  const { n, dims, nNum, nCat, labels, sums, counts, offsets, weights } = S;
  S.prev.set(labels);
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
export function updateCentres(S: FitState, p: Preprocessing, cent: Centroids): number {
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
      S.prev[far] = j;
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
export function centreShifts(S: FitState, c: Float64Array): number {
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

/**
 * The cluster sums follow the rows whose label the last assignment step changed, in row order (so
 * they are the same whichever threads ran the step). Returns the rows that changed cluster.
 */
export function applyMoves(S: FitState): number {
  const { n, labels, prev } = S;
  let changed = 0;
  for (let r = 0; r < n; r++) {
    const a = labels[r]!;
    if (a !== prev[r]) {
      moveRow(S, r, prev[r]!, a);
      prev[r] = a;
      changed++;
    }
  }
  return changed;
}

/** Plain Lloyd assignment of rows [lo, hi): every distance (applyMoves then updates the sums). */
export function lloydAssign(S: FitState, c: Float64Array, sq: Float64Array, lo: number, hi: number): void {
  const { k, dims, nNum, nCat, labels, upper, offsets, weights } = S;
  const { z, oh } = S.x;
  for (let r = lo; r < hi; r++) {
    let a = 0;
    let ua = rowCentre2(z, oh, r, nNum, nCat, c, 0, sq[0]!, offsets, weights);
    for (let j = 1; j < k; j++) {
      const d = rowCentre2(z, oh, r, nNum, nCat, c, j * dims, sq[j]!, offsets, weights);
      if (d < ua) {
        ua = d;
        a = j;
      }
    }
    labels[r] = a;
    upper[r] = Math.sqrt(ua);
  }
}

/** Half the distance from each centre to its nearest other centre, after the centres moved. */
export function prepareElkan(S: FitState, c: Float64Array): void {
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
 * Elkan assignment with Yinyang group filtering, rows [lo, hi): a row is skipped when its upper
 * bound is within half the distance from its centre to the nearest other one; otherwise only the
 * groups whose bound it exceeds are scanned, and in them only the centres whose own bound it
 * exceeds. Each row writes its own entries only (applyMoves then updates the sums).
 */
export function elkanAssign(S: FitState, c: Float64Array, sq: Float64Array, lo: number, hi: number): void {
  const { k, dims, nNum, nCat, labels, upper, lower, drift, gLower, gDrift, nGroups, dcc, s, shift, offsets, weights } = S;
  const { z, oh } = S.x;
  for (let r = lo; r < hi; r++) {
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
      labels[r] = a;
      // every group bound must cover "every centre but the own one" again (the own centre may have
      // changed more than once): recompute them from the per-centre bounds
      for (let g = 0; g < nGroups; g++) refreshGroup(S, r, g, a);
    }
  }
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

export function inertiaOf(S: FitState, c: Float64Array, sq: Float64Array): number {
  const { n, dims, nNum, nCat, labels, offsets, weights } = S;
  const { z, oh, w } = S.x;
  let inertia = 0;
  for (let r = 0; r < n; r++) {
    const j = labels[r]!;
    inertia += (w ? w[r]! : 1) * rowCentre2(z, oh, r, nNum, nCat, c, j * dims, sq[j]!, offsets, weights);
  }
  return inertia;
}
