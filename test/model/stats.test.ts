import { describe, expect, it } from 'vitest';
import { chiSquareSf, chiSquareTest, holm, mannWhitneyU, normalSf } from '../../src/model/stats.ts';

// Expected values computed with SciPy 1.10 (Debian python3-scipy):
// stats.chi2_contingency(t, correction=False), stats.chi2.sf, stats.norm.sf,
// stats.mannwhitneyu(x, y, alternative='two-sided', method='asymptotic').
describe('distribution tails', () => {
  it('chi-square survival matches scipy, deep into the tail', () => {
    expect(chiSquareSf(500, 3) / 4.771672031912771e-108).toBeCloseTo(1, 9);
    expect(chiSquareSf(3.2, 1)).toBeCloseTo(0.07363827012030258, 12);
    expect(chiSquareSf(40.5, 17)).toBeCloseTo(0.0010996568444158485, 12);
    expect(chiSquareSf(0, 5)).toBe(1);
  });
  it('normal survival matches scipy where 1 − cdf would round to 0', () => {
    expect(normalSf(30) / 4.906713927147908e-198).toBeCloseTo(1, 9);
    expect(normalSf(0)).toBe(0.5);
    expect(normalSf(1.959963984540054)).toBeCloseTo(0.025, 12);
  });
});

describe('chiSquareTest', () => {
  it('2×3 table', () => {
    const r = chiSquareTest([[10, 20, 30], [20, 25, 5]]);
    expect(r.statistic).toBeCloseTo(21.010582010582013, 10);
    expect(r.df).toBe(2);
    expect(r.pValue).toBeCloseTo(2.739113860948443e-5, 14);
    expect(r.cramersV).toBeCloseTo(Math.sqrt(21.010582010582013 / 110), 12);
  });
  it('2×2 table without Yates correction', () => {
    const r = chiSquareTest([[12, 5], [3, 9]]);
    expect(r.statistic).toBeCloseTo(5.85483193277311, 10);
    expect(r.pValue).toBeCloseTo(0.015534341414683461, 12);
  });
  it('drops empty rows and columns; a degenerate table is independent', () => {
    const a = chiSquareTest([[12, 0, 5], [0, 0, 0], [3, 0, 9]]);
    expect(a.statistic).toBeCloseTo(5.85483193277311, 10);
    expect(a.df).toBe(1);
    const b = chiSquareTest([[4, 5, 6]]);
    expect(b.pValue).toBe(1);
    expect(b.statistic).toBe(0);
  });
});

describe('mannWhitneyU', () => {
  it('with ties, as scipy asymptotic', () => {
    const r = mannWhitneyU([1, 2, 2, 3, 3, 3, 4, 5, 9, 9], [2, 3, 4, 4, 4, 6, 7, 8, 8, 10, 11]);
    expect(r.u).toBe(32);
    expect(r.pValue).toBeCloseTo(0.11005435500133011, 12);
    expect(r.rankBiserial).toBeCloseTo(2 * 32 / 110 - 1, 12);
    expect(r.z).toBeLessThan(0);
  });
  it('heavy ties (count-like data)', () => {
    const r = mannWhitneyU([0, 0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 1, 2, 2, 3, 3]);
    expect(r.u).toBe(17);
    expect(r.pValue).toBeCloseTo(0.12067007504806064, 12);
  });
  it('symmetric in its samples and degenerate cases give p = 1', () => {
    const x = [5, 7, 9, 11, 13];
    const y = [1, 2, 3, 4, 6, 8];
    const a = mannWhitneyU(x, y);
    const b = mannWhitneyU(y, x);
    expect(a.pValue).toBeCloseTo(b.pValue, 14);
    expect(a.rankBiserial).toBeCloseTo(-b.rankBiserial, 14);
    expect(mannWhitneyU([], [1, 2]).pValue).toBe(1);
    expect(mannWhitneyU([3, 3], [3, 3, 3]).pValue).toBe(1);
  });
});

describe('holm', () => {
  it('step-down adjustment, monotone, order kept, NaN ignored', () => {
    const adj = holm([0.01, 0.04, 0.03, 0.005, NaN]);
    expect(adj[0]).toBeCloseTo(0.03, 14);
    expect(adj[1]).toBeCloseTo(0.06, 14);
    expect(adj[2]).toBeCloseTo(0.06, 14);
    expect(adj[3]).toBeCloseTo(0.02, 14);
    expect(adj[4]).toBeNaN();
    expect(holm([0.6, 0.9])).toEqual([1, 1]);
  });
});
