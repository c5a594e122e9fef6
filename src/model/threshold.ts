/**
 * Anomaly thresholds on the Euclidean distance to the nearest centroid, derived from the training
 * distances: a percentile (`p95`, `p97`, `p99`, `p99.5` …) or mean + m × std (`x2`, `x3` …), either
 * one global value or one per cluster (clusters with too few training rows fall back to global).
 */
import { UsageError } from '../errors.ts';

export type ThresholdMethod = 'percentile' | 'multiplier';
export type ThresholdScope = 'global' | 'cluster';

export interface ThresholdRule {
  method: ThresholdMethod;
  /** Percentile (0–100) or multiplier of the std. */
  param: number;
  scope: ThresholdScope;
}

export interface DistanceStats {
  count: number;
  mean: number;
  std: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

export interface Thresholds {
  rule: ThresholdRule;
  /** The rule's text, e.g. 'p95'. */
  spec: string;
  global: number;
  /** One value per cluster (equals `global` for scope 'global' and for small clusters). */
  perCluster: number[];
  globalStats: DistanceStats;
  clusterStats: DistanceStats[];
  /** Clusters smaller than this use the global threshold. */
  minClusterSize: number;
}

/** Parse `p95` / `p99.5` / `x3` / `x2.5`. */
export function parseThreshold(spec: string, scope: ThresholdScope = 'global'): ThresholdRule {
  const m = /^(p|x)(\d+(?:\.\d+)?)$/i.exec(spec.trim());
  if (!m) throw new UsageError(`threshold rule '${spec}': expected p<percentile> (e.g. p95) or x<multiplier> (e.g. x3)`, 'E_USAGE', 'threshold');
  const v = Number(m[2]);
  if (m[1]!.toLowerCase() === 'p') {
    if (!(v > 0 && v < 100)) throw new UsageError(`threshold rule: percentile must be in (0, 100), got ${v}`, 'E_USAGE', 'threshold');
    return { method: 'percentile', param: v, scope };
  }
  if (!(v >= 0)) throw new UsageError(`threshold rule: multiplier must be ≥ 0, got ${v}`, 'E_USAGE', 'threshold');
  return { method: 'multiplier', param: v, scope };
}

export function formatRule(r: ThresholdRule): string {
  return (r.method === 'percentile' ? 'p' : 'x') + r.param;
}

/** Linear-interpolated percentile of a sorted array (numpy's default). */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const pos = (q / 100) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function distanceStats(d: Float64Array): DistanceStats {
  const s = Float64Array.from(d).sort();
  const n = s.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += s[i]!;
  const mean = n ? sum / n : 0;
  let v = 0;
  for (let i = 0; i < n; i++) v += (s[i]! - mean) ** 2;
  return {
    count: n,
    mean,
    std: n ? Math.sqrt(v / n) : 0,
    p50: percentileSorted(s, 50),
    p90: percentileSorted(s, 90),
    p95: percentileSorted(s, 95),
    p99: percentileSorted(s, 99),
    max: n ? s[n - 1]! : 0,
  };
}

function apply(rule: ThresholdRule, d: Float64Array, st: DistanceStats): number {
  if (rule.method === 'multiplier') return st.mean + rule.param * st.std;
  return percentileSorted(Float64Array.from(d).sort(), rule.param);
}

/** Compute thresholds from training distances (Euclidean) and cluster labels. */
export function fitThresholds(rule: ThresholdRule, dist: Float64Array, labels: Int32Array, k: number, minClusterSize = 50): Thresholds {
  const globalStats = distanceStats(dist);
  const global = apply(rule, dist, globalStats);
  const byCluster: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < dist.length; i++) byCluster[labels[i]!]!.push(dist[i]!);
  const clusterStats = byCluster.map((a) => distanceStats(Float64Array.from(a)));
  const perCluster = byCluster.map((a, j) =>
    rule.scope === 'cluster' && a.length >= minClusterSize ? apply(rule, Float64Array.from(a), clusterStats[j]!) : global,
  );
  return { rule, spec: formatRule(rule), global, perCluster, globalStats, clusterStats, minClusterSize };
}
