/**
 * Exploratory statistics of a dataset (`flowsift explore`): per-feature summaries, and with labels
 * the hypothesis tests of src/model/stats.ts — chi-square of each categorical feature against the
 * label (effect: Cramér's V), Mann–Whitney U of each numeric feature between normal and attack
 * rows (effect: rank-biserial correlation) — with Holm-corrected p-values over all tests, sorted
 * by the size of the effect (p-values on 100,000 rows are all tiny; the effect says how much).
 */
import type { Row } from '../dataset/types.ts';
import { readInputs, categoricalColumn, type ReadInputsOptions } from './input.ts';
import { chiSquareTest, holm, mannWhitneyU } from './stats.ts';

/** Columns that identify a row or carry the truth: never summarised as features. */
export const NON_FEATURES = new Set(['uid', 'ts', 'timestamp', 'src_ip', 'dst_ip', 'src_port', 'dst_port', 'community_id', 'label', 'category', 'difficulty', 'label_source', 'flow_id', 'start_ts', 'end_ts']);

export interface TopValue {
  value: string;
  count: number;
  share: number;
}

export interface FeatureTest {
  test: 'chi-square' | 'mann-whitney';
  statistic: number;
  /** chi-square: degrees of freedom. */
  df?: number;
  pValue: number;
  pHolm: number;
  /** Cramér's V (chi-square) or rank-biserial correlation attack vs normal (Mann–Whitney), in [−1, 1]. */
  effect: number;
  effectName: 'cramers_v' | 'rank_biserial';
  /** Mann–Whitney: medians of the two groups. */
  medianNormal?: number;
  medianAttack?: number;
}

export interface FeatureSummary {
  feature: string;
  type: 'numeric' | 'categorical';
  count: number;
  missing: number;
  zeros?: number;
  distinct: number;
  min?: number;
  max?: number;
  mean?: number;
  std?: number;
  quantiles?: { p01: number; p25: number; p50: number; p75: number; p99: number };
  top: TopValue[];
  test?: FeatureTest;
}

export interface ExploreResult {
  rows: number;
  sources: string[];
  labelColumn: string;
  labels?: { normal: number; attack: number; perLabel: Record<string, number> };
  features: FeatureSummary[];
}

export interface ExploreOptions extends ReadInputsOptions {
  /** Columns to summarise (default: every column but identity and truth columns). */
  features?: string[];
  labelColumn?: string;
  normal?: string;
  /** Top values listed per feature. */
  top?: number;
}

/** Quantile by linear interpolation between order statistics (numpy's default). */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

function median(v: number[]): number {
  return quantile(Float64Array.from(v).sort(), 0.5);
}

export async function explore(inputs: string[], opts: ExploreOptions = {}): Promise<ExploreResult> {
  const labelColumn = opts.labelColumn ?? 'label';
  const normal = opts.normal ?? 'normal';
  const topN = opts.top ?? 5;
  let cols: string[] | undefined;
  let isCat: boolean[] = [];
  const values: (string | number | null)[][] = [];
  const labels: (string | null)[] = [];
  const sources: string[] = [];
  let rows = 0;
  for (const input of inputs) {
    await readInputs(
      [input],
      (row: Row) => {
        if (!cols) {
          cols = (opts.features ?? Object.keys(row)).filter((c) => c !== labelColumn && (opts.features || !NON_FEATURES.has(c)));
          isCat = cols.map((c) => categoricalColumn(c, row));
          for (let j = 0; j < cols.length; j++) values.push([]);
        }
        rows++;
        const lv = row[labelColumn];
        labels.push(lv === null || lv === undefined || lv === '' ? null : String(lv));
        for (let j = 0; j < cols.length; j++) {
          const v = row[cols[j]!];
          if (v === null || v === undefined || v === '') values[j]!.push(null);
          else if (isCat[j]) values[j]!.push(String(v));
          else {
            const x = typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : Number(v);
            values[j]!.push(Number.isFinite(x) ? x : null);
          }
        }
      },
      opts,
    );
    sources.push(input);
  }
  const hasLabels = labels.some((l) => l !== null);
  const isAttack = labels.map((l) => (l === null ? null : l !== normal));
  const features: FeatureSummary[] = (cols ?? []).map((feature, j) => {
    const v = values[j]!;
    let missing = 0;
    const counts = new Map<string, number>();
    for (const x of v) {
      if (x === null) missing++;
      else counts.set(String(x), (counts.get(String(x)) ?? 0) + 1);
    }
    const count = v.length - missing;
    const top = [...counts.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, topN)
      .map(([value, c]) => ({ value, count: c, share: count ? c / count : 0 }));
    const s: FeatureSummary = { feature, type: isCat[j] ? 'categorical' : 'numeric', count, missing, distinct: counts.size, top };
    if (!isCat[j]) {
      const nums = new Float64Array(count);
      let q = 0;
      let zeros = 0;
      let sum = 0;
      for (const x of v) {
        if (x === null) continue;
        nums[q++] = x as number;
        if (x === 0) zeros++;
        sum += x as number;
      }
      nums.sort();
      const mean = count ? sum / count : NaN;
      let ss = 0;
      for (let i = 0; i < count; i++) ss += (nums[i]! - mean) ** 2;
      Object.assign(s, {
        zeros,
        min: count ? nums[0] : NaN,
        max: count ? nums[count - 1] : NaN,
        mean,
        std: count > 1 ? Math.sqrt(ss / (count - 1)) : 0,
        quantiles: { p01: quantile(nums, 0.01), p25: quantile(nums, 0.25), p50: quantile(nums, 0.5), p75: quantile(nums, 0.75), p99: quantile(nums, 0.99) },
      });
      if (hasLabels) {
        const a: number[] = [];
        const b: number[] = [];
        v.forEach((x, i) => {
          if (x === null || isAttack[i] === null) return;
          (isAttack[i] ? a : b).push(x as number);
        });
        if (a.length && b.length) {
          const r = mannWhitneyU(a, b);
          s.test = { test: 'mann-whitney', statistic: r.u, pValue: r.pValue, pHolm: NaN, effect: r.rankBiserial, effectName: 'rank_biserial', medianNormal: median(b), medianAttack: median(a) };
        }
      }
    } else if (hasLabels) {
      // contingency table: feature values × labels
      const li = new Map<string, number>();
      for (const l of labels) if (l !== null && !li.has(l)) li.set(l, li.size);
      const vi = new Map<string, number>();
      const table: number[][] = [];
      v.forEach((x, i) => {
        const l = labels[i];
        if (x === null || l === null) return;
        let r = vi.get(x as string);
        if (r === undefined) {
          vi.set(x as string, (r = table.length));
          table.push(new Array<number>(li.size).fill(0));
        }
        table[r]![li.get(l!)!]!++;
      });
      if (table.length) {
        const r = chiSquareTest(table);
        s.test = { test: 'chi-square', statistic: r.statistic, df: r.df, pValue: r.pValue, pHolm: NaN, effect: r.cramersV, effectName: 'cramers_v' };
      }
    }
    return s;
  });
  const tested = features.filter((f) => f.test);
  const adj = holm(tested.map((f) => f.test!.pValue));
  tested.forEach((f, i) => (f.test!.pHolm = adj[i]!));
  if (hasLabels) features.sort((a, b) => Math.abs(b.test?.effect ?? -1) - Math.abs(a.test?.effect ?? -1) || (a.feature < b.feature ? -1 : 1));
  const res: ExploreResult = { rows, sources, labelColumn, features };
  if (hasLabels) {
    const perLabel: Record<string, number> = {};
    for (const l of labels) if (l !== null) perLabel[l] = (perLabel[l] ?? 0) + 1;
    res.labels = { normal: perLabel[normal] ?? 0, attack: labels.filter((l) => l !== null && l !== normal).length, perLabel };
  }
  return res;
}

const num = (v: number | undefined): string => {
  if (v === undefined || !Number.isFinite(v)) return '-';
  if (Number.isInteger(v)) return Math.abs(v) >= 1e6 ? v.toExponential(2) : String(v);
  return Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : Number(v.toPrecision(4)).toString();
};

const pfmt = (p: number): string => (p === 0 ? '<1e-300' : p < 1e-4 ? p.toExponential(1) : p.toFixed(4));

/** The terminal table of an explore result. */
export function formatExplore(r: ExploreResult): string {
  const lines = [`${r.rows.toLocaleString('en-US')} rows, ${r.features.length} features from ${r.sources.join(', ')}`];
  if (r.labels) lines.push(`labels ('${r.labelColumn}'): ${r.labels.normal.toLocaleString('en-US')} normal, ${r.labels.attack.toLocaleString('en-US')} attack; tests: chi-square vs the label (Cramér's V), Mann-Whitney U attack vs normal (rank-biserial r), Holm-corrected p; sorted by |effect|`);
  const w = Math.max(7, ...r.features.map((f) => f.feature.length));
  const head = `${'feature'.padEnd(w)}  type  missing    zeros     min      p50      p99      max  top value (share)         `;
  lines.push('', r.labels ? head + '  test     effect   p (Holm)   medians normal → attack' : head.trimEnd());
  for (const f of r.features) {
    const t = f.top[0];
    const topS = t ? `${t.value.slice(0, 16)} (${(t.share * 100).toFixed(1)} %)` : '-';
    let line = `${f.feature.padEnd(w)}  ${f.type === 'numeric' ? 'num ' : 'cat '}  ${String(f.missing).padStart(7)}  ${(f.zeros === undefined ? '-' : String(f.zeros)).padStart(7)}  ${num(f.min).padStart(7)}  ${num(f.quantiles?.p50).padStart(7)}  ${num(f.quantiles?.p99).padStart(7)}  ${num(f.max).padStart(7)}  ${topS.padEnd(26)}`;
    if (r.labels && f.test) {
      const tt = f.test;
      line += `  ${tt.test === 'chi-square' ? 'χ² V   ' : 'MW r   '} ${tt.effect.toFixed(3).padStart(6)}   ${pfmt(tt.pHolm).padStart(8)}`;
      if (tt.test === 'mann-whitney') line += `   ${num(tt.medianNormal)} → ${num(tt.medianAttack)}`;
    }
    lines.push(r.labels ? line : line.trimEnd());
  }
  return lines.join('\n') + '\n';
}
