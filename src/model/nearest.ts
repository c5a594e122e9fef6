/**
 * Nearest-centroid search for scoring: the same answer (cluster and squared distance, to the last
 * bit) as `Centroids.nearestFrom` started from the same guess, with far fewer distances.
 *
 * Rows that share their categorical values (the combination of protocol, service and flag) share
 * the one-hot part of their distance to every centroid: S_j = Σ_b S_b(c_j) − c_jv² + (w − c_jv)²
 * (kmeans.ts). That part is computed once per combination, with the centroids sorted by it. It is a
 * lower bound of the whole squared distance (the numeric terms only add), so the search walks
 * centroids by increasing S_j and stops at the first S_j above the best distance so far. Far rows
 * (anomalies), where that stops nothing, are pruned by a second bound: the numeric part projected
 * on the centroids' 4 principal axes plus the difference of the residual norms (Pythagoras and the
 * triangle inequality), 6 numbers a centroid. A distance is abandoned once its partial sum passes
 * the best.
 *
 * Sums are taken in the order nearestFrom takes them (the guess in rowCentre2's order, the others
 * one-hot part first, then the numeric terms), and exact ties go to the centroid nearestFrom visits
 * first, so scores stay byte-identical.
 */
import { PCA } from 'ml-pca';
import type { Centroids } from './kmeans.ts';
import { addOneHot, centreDistances, rowCentre2 } from './kmeans-rows.ts';

interface Combination {
  /** Per centroid: the one-hot part of the squared distance. */
  cat: Float64Array;
  /** Centroids by increasing `cat` (the index breaks ties). */
  order: Int32Array;
  /** In that order, STRIDE numbers per centroid: `cat`, its 4 projection coordinates, its residual norm. */
  packed: Float64Array;
}

/** Combinations kept at most (a capture with unusual values cannot grow the cache without bound). */
const MAX_COMBINATIONS = 8192;
/** Principal axes of the centroids in the projection bound (unrolled below). */
const AXES = 4;
const STRIDE = 6;

export class NearestSearch {
  private readonly cent: Centroids;
  /** Projection bound: m orthonormal axes (m × nNum), the centroids' mean, their coordinates (k × m) and residual norms. */
  private readonly axes: Float64Array;
  private readonly mu: Float64Array;
  private readonly pc: Float64Array;
  private readonly res: Float64Array;
  /** Mixed-radix key of a combination: Σ (oh_b + 1) × radix_b (undefined when it could overflow 2^53). */
  private readonly radix: number[] | undefined;
  private readonly cache = new Map<number, Combination>();
  private readonly scratch: Combination;
  /**
   * Centroids with an identical twin of a lower index: nearestFrom's order from them starts with
   * the twin, which it then never visits, and visits the guess a second time. Rows guessed there
   * go to nearestFrom itself, to keep its answer exactly (duplicate centroids are rare).
   */
  private readonly twinBefore: Uint8Array;
  /** nearestFrom's visiting order from each guess (built on the first exact tie only). */
  private rankFrom: Int32Array[] = [];
  private dcc: Float64Array | undefined;
  /** Results of the last search. */
  cluster = 0;
  d2 = 0;
  private readonly tmp: Float64Array;

  constructor(cent: Centroids) {
    this.cent = cent;
    const { k, dims, nNum, c } = cent;
    const rows = Array.from({ length: k }, (_, j) => Array.from(c.subarray(j * dims, j * dims + nNum)));
    const m = AXES;
    this.axes = new Float64Array(m * nNum);
    this.mu = new Float64Array(nNum);
    for (const r of rows) for (let u = 0; u < nNum; u++) this.mu[u]! += r[u]! / k;
    // any orthonormal axes keep the bound valid; the centroids' principal axes make it tight. Fewer
    // than 4 (tiny models) or none (degenerate centroids): the others stay zero, a weaker bound.
    try {
      const load = k > 1 && nNum > 0 ? new PCA(rows, { center: true, scale: false }).getLoadings() : undefined;
      for (let a = 0; load && a < m && a < load.rows; a++) {
        const v = load.getRow(a);
        if (v.every(Number.isFinite)) this.axes.set(v, a * nNum);
      }
    } catch {
      this.axes.fill(0);
    }
    this.pc = new Float64Array(k * m);
    this.res = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      let all = 0, inAxes = 0;
      for (let u = 0; u < nNum; u++) all += (rows[j]![u]! - this.mu[u]!) ** 2;
      for (let a = 0; a < m; a++) {
        let t = 0;
        for (let u = 0; u < nNum; u++) t += this.axes[a * nNum + u]! * (rows[j]![u]! - this.mu[u]!);
        this.pc[j * m + a] = t;
        inAxes += t * t;
      }
      this.res[j] = Math.sqrt(Math.max(0, all - inAxes));
    }
    const radix: number[] = [];
    let span = 1;
    for (let b = 0; b < cent.nCat; b++) {
      radix.push(span);
      const width = (b + 1 < cent.nCat ? cent.offsets[b + 1]! : dims) - cent.offsets[b]! + 1;
      span *= width;
    }
    this.radix = span < 2 ** 52 ? radix : undefined;
    this.twinBefore = new Uint8Array(k);
    for (let g = 0; g < k; g++) {
      for (let j = 0; j < g && !this.twinBefore[g]; j++) {
        let u = 0;
        while (u < dims && c[g * dims + u] === c[j * dims + u]) u++;
        if (u === dims) this.twinBefore[g] = 1;
      }
    }
    this.tmp = new Float64Array(1);
    this.scratch = { cat: new Float64Array(k), order: new Int32Array(k), packed: new Float64Array(k * STRIDE) };
  }

  /**
   * Nearest centroid of row r of (z, oh) (nNum numbers, nCat one-hot indices a row), starting from
   * the guess g as nearestFrom does: sets `cluster` and `d2`.
   */
  nearest(z: Float64Array, oh: Int32Array, r: number, g: number): void {
    const cent = this.cent;
    const { dims, nNum, nCat, c, sq, offsets, weights } = cent;
    if (this.twinBefore[g]) {
      this.cluster = cent.nearestFrom({ n: r + 1, nNum, nCat, z, oh }, r, g, this.tmp);
      this.d2 = this.tmp[0]!;
      return;
    }
    const zb = r * nNum;
    const ob = r * nCat;
    let bd = rowCentre2(z, oh, r, nNum, nCat, c, g * dims, sq[g]!, offsets, weights);
    let best = g;
    const comb = this.combination(oh, ob);
    const order = comb.order, packed = comb.packed;
    const { axes, mu } = this;
    let all = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0;
    for (let u = 0; u < nNum; u++) {
      const y = z[zb + u]! - mu[u]!;
      all += y * y;
      q0 += axes[u]! * y;
      q1 += axes[nNum + u]! * y;
      q2 += axes[2 * nNum + u]! * y;
      q3 += axes[3 * nNum + u]! * y;
    }
    const rz = Math.sqrt(Math.max(0, all - (q0 * q0 + q1 * q1 + q2 * q2 + q3 * q3)));
    // rounding room: rz may be off by ~1e-8 × ‖z − μ‖ (a difference of squares)
    const eps = 1e-6 * (1 + Math.sqrt(all));
    const k = order.length;
    for (let t = 0, o = 0; t < k; t++, o += STRIDE) {
      let s = packed[o]!;
      if (s > bd) break;
      // ‖z − c‖² ≥ ‖q − p_j‖² + (‖residual of z‖ − ‖residual of c_j‖)²: skip when that alone passes the best
      const d0 = q0 - packed[o + 1]!, d1 = q1 - packed[o + 2]!, d2 = q2 - packed[o + 3]!, d3 = q3 - packed[o + 4]!;
      const gap = Math.abs(rz - packed[o + 5]!) - eps;
      const lb = s + d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3 + (gap > 0 ? gap * gap : 0);
      if (lb * (1 - 1e-9) > bd) continue;
      const j = order[t]!;
      if (j === g) continue;
      const cb = j * dims;
      let u = 0;
      while (u < nNum && s <= bd) {
        const e = u + 8 < nNum ? u + 8 : nNum;
        for (; u < e; u++) {
          const d = z[zb + u]! - c[cb + u]!;
          s += d * d;
        }
      }
      if (s < bd || (s === bd && u === nNum && this.visitedFirst(g, j, best))) {
        bd = s > 0 ? s : 0;
        best = j;
      }
    }
    this.cluster = best;
    this.d2 = bd;
  }

  /** The one-hot part of the distance to every centroid for the categorical values of a row, sorted. */
  private combination(oh: Int32Array, ob: number): Combination {
    const nCat = this.cent.nCat;
    let key = 0;
    if (this.radix) {
      for (let b = 0; b < nCat; b++) key += (oh[ob + b]! + 1) * this.radix[b]!;
      const hit = this.cache.get(key);
      if (hit) return hit;
    }
    const comb = this.radix ? { cat: new Float64Array(this.cent.k), order: new Int32Array(this.cent.k), packed: new Float64Array(this.cent.k * STRIDE) } : this.scratch;
    const { k, dims, c, sq, offsets, weights } = this.cent;
    const cat = comb.cat;
    for (let j = 0; j < k; j++) {
      const cb = j * dims;
      cat[j] = addOneHot(sq[j]!, oh, ob, nCat, c, cb, offsets, weights);
    }
    const idx = Array.from({ length: k }, (_, j) => j);
    idx.sort((x, y) => cat[x]! - cat[y]! || x - y);
    comb.order.set(idx);
    const { packed } = comb, pc = this.pc, res = this.res;
    for (let t = 0; t < k; t++) {
      const j = idx[t]!;
      packed[t * STRIDE] = cat[j]!;
      for (let a = 0; a < AXES; a++) packed[t * STRIDE + 1 + a] = pc[j * AXES + a]!;
      packed[t * STRIDE + 5] = res[j]!;
    }
    if (this.radix) {
      if (this.cache.size >= MAX_COMBINATIONS) this.cache.clear();
      this.cache.set(key, comb);
    }
    return comb;
  }

  /** Does nearestFrom, started at g, visit centroid j before `best`? (exact ties keep the first visited) */
  private visitedFirst(g: number, j: number, best: number): boolean {
    if (best === g) return false;
    let rank = this.rankFrom[g];
    if (!rank) {
      const { k, dims, c } = this.cent;
      if (!this.dcc) {
        this.dcc = new Float64Array(k * k);
        centreDistances(c, k, dims, this.dcc);
      }
      const row = this.dcc.subarray(g * k, (g + 1) * k);
      const idx = Array.from({ length: k }, (_, x) => x);
      idx.sort((x, y) => row[x]! - row[y]!);
      rank = new Int32Array(k);
      idx.forEach((x, t) => (rank![x] = t));
      this.rankFrom[g] = rank;
    }
    return rank[j]! < rank[best]!;
  }
}
