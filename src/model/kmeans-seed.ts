/**
 * Greedy k-means++ seeding on typed arrays (scikit-learn's variant), pruned with the triangle
 * inequality; see seedKMeansPP.
 */
import { blockOffsets, encodedDims, type Preprocessing } from './scale.ts';
import { denseRow, rng, rowCentre2, type EncodedRows } from './kmeans-rows.ts';

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
