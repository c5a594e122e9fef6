/**
 * Hypothesis tests for labeled datasets (used by `explore` and the HTML report): Pearson's
 * chi-square test of independence on a contingency table, the Mann–Whitney U test with tie
 * correction and the normal approximation (scipy.stats.mannwhitneyu, method='asymptotic',
 * use_continuity=True), and Holm's step-down correction for many tests. The tail probabilities
 * come from @stdlib's regularized incomplete gamma and erfc, which keep precision far into the tail
 * (p-values like 1e-300 instead of a 1 − cdf that rounds to 0).
 */
import gammainc from '@stdlib/math-base-special-gammainc';
import erfc from '@stdlib/math-base-special-erfc';

/** Upper tail of the chi-square distribution with `df` degrees of freedom: P(X ≥ x). */
export function chiSquareSf(x: number, df: number): number {
  if (!(df > 0)) return NaN;
  if (x <= 0) return 1;
  return gammainc(x / 2, df / 2, true, true);
}

/** Upper tail of the standard normal distribution: P(Z ≥ z). */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

export interface ChiSquareResult {
  statistic: number;
  df: number;
  pValue: number;
  /** Cramér's V = sqrt(χ² / (n · (min(r, c) − 1))), in [0, 1]: the effect size. */
  cramersV: number;
  n: number;
}

/**
 * Pearson's chi-square test of independence (no Yates correction, as scipy's chi2_contingency with
 * correction=False). Rows or columns whose total is 0 are dropped first, since they carry no
 * information and would make expected counts 0; a table left with fewer than 2 rows or columns
 * gives statistic 0 and p = 1.
 */
export function chiSquareTest(table: ArrayLike<number>[]): ChiSquareResult {
  const rowsAll = table.map((r) => Array.from(r));
  const nColAll = rowsAll.reduce((m, r) => Math.max(m, r.length), 0);
  const colTot = new Array<number>(nColAll).fill(0);
  for (const r of rowsAll) for (let j = 0; j < r.length; j++) colTot[j]! += r[j]!;
  const keepCols = colTot.map((t, j) => (t > 0 ? j : -1)).filter((j) => j >= 0);
  const rows = rowsAll.filter((r) => r.reduce((s, v) => s + v, 0) > 0).map((r) => keepCols.map((j) => r[j] ?? 0));
  const nr = rows.length;
  const nc = keepCols.length;
  const n = rows.reduce((s, r) => s + r.reduce((a, b) => a + b, 0), 0);
  if (nr < 2 || nc < 2) return { statistic: 0, df: Math.max(0, (nr - 1) * (nc - 1)), pValue: 1, cramersV: 0, n };
  const rt = rows.map((r) => r.reduce((a, b) => a + b, 0));
  const ct = keepCols.map((_, j) => rows.reduce((s, r) => s + r[j]!, 0));
  let stat = 0;
  for (let i = 0; i < nr; i++) {
    for (let j = 0; j < nc; j++) {
      const e = (rt[i]! * ct[j]!) / n;
      const d = rows[i]![j]! - e;
      stat += (d * d) / e;
    }
  }
  const df = (nr - 1) * (nc - 1);
  return { statistic: stat, df, pValue: chiSquareSf(stat, df), cramersV: Math.sqrt(stat / (n * (Math.min(nr, nc) - 1))), n };
}

export interface MannWhitneyResult {
  /** U of the first sample (scipy's `statistic`): the number of (x, y) pairs with x > y, ties counting ½. */
  u: number;
  z: number;
  /** Two-sided p-value (normal approximation with tie and continuity correction). */
  pValue: number;
  /** Rank-biserial correlation 2·U/(n1·n2) − 1, in [−1, 1]: > 0 when the first sample tends to be larger. */
  rankBiserial: number;
  /** Common-language effect size U/(n1·n2): P(X > Y) + ½ P(X = Y). */
  cles: number;
  n1: number;
  n2: number;
}

/**
 * Mann–Whitney U test of two samples. Ranks are computed once over the pooled, sorted values
 * (ties get their average rank), σ² uses the tie correction n1·n2/12 · ((n+1) − Σ(t³−t)/(n(n−1))),
 * and the two-sided p-value is 2·P(Z ≥ (max(U1, U2) − μ − ½)/σ), capped at 1 — scipy's asymptotic
 * method. Either sample empty, or all values tied: p = 1.
 */
export function mannWhitneyU(x: ArrayLike<number>, y: ArrayLike<number>): MannWhitneyResult {
  const n1 = x.length;
  const n2 = y.length;
  const n = n1 + n2;
  if (n1 === 0 || n2 === 0) return { u: 0, z: 0, pValue: 1, rankBiserial: 0, cles: 0.5, n1, n2 };
  const v = new Float64Array(n);
  for (let i = 0; i < n1; i++) v[i] = x[i]!;
  for (let i = 0; i < n2; i++) v[n1 + i] = y[i]!;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => v[a]! - v[b]!);
  let r1 = 0;
  let tieSum = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && v[order[j + 1]!] === v[order[i]!]) j++;
    const t = j - i + 1;
    if (t > 1) tieSum += t * t * t - t;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (order[k]! < n1) r1 += avg;
    i = j + 1;
  }
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const mu = (n1 * n2) / 2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieSum / (n * (n - 1))));
  const uMax = Math.max(u1, u2);
  const z = sigma > 0 ? (uMax - mu - 0.5) / sigma : 0;
  const p = sigma > 0 ? Math.min(1, 2 * normalSf(z)) : 1;
  const cles = u1 / (n1 * n2);
  return { u: u1, z: u1 >= mu ? z : -z, pValue: p, rankBiserial: 2 * cles - 1, cles, n1, n2 };
}

/**
 * Holm's step-down adjustment: with p sorted ascending, p'(k) = max over j ≤ k of min(1, (m − j)·p(j)).
 * Returns the adjusted values in the input order (NaN stays NaN and does not count toward m).
 */
export function holm(pValues: ArrayLike<number>): number[] {
  const idx: number[] = [];
  for (let i = 0; i < pValues.length; i++) if (!Number.isNaN(pValues[i]!)) idx.push(i);
  idx.sort((a, b) => pValues[a]! - pValues[b]!);
  const m = idx.length;
  const out = Array.from(pValues, () => NaN);
  let running = 0;
  for (let k = 0; k < m; k++) {
    const adj = Math.min(1, (m - k) * pValues[idx[k]!]!);
    running = Math.max(running, adj);
    out[idx[k]!] = running;
  }
  return out;
}
