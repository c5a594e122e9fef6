/**
 * The data each chart takes: plain rows, the shape a DuckDB query or the report's aggregation
 * returns, so the HTML report and the dashboard feed the same chart definitions.
 */

export interface KCurvePoint {
  k: number;
  inertia: number;
  silhouette: number;
}

export interface KChoice {
  curve: KCurvePoint[];
  /** The k the model uses (may lie outside the sweep). */
  chosen: number;
  method: 'silhouette' | 'elbow' | 'fixed';
  elbowK?: number;
  silhouetteK?: number;
}

export interface ScatterPoint {
  x: number;
  y: number;
  cluster: number;
  anomaly: boolean;
  score: number;
  label?: string;
  uid?: string;
}

export interface Centroid2D {
  x: number;
  y: number;
  cluster: number;
}

export interface ClusterRow {
  cluster: number;
  flows: number;
  anomalies: number;
}

/** One histogram bin of anomaly_score (bins are [lo, hi)); `group` splits the stack (normal/anomalous or label class). */
export interface ScoreBin {
  lo: number;
  hi: number;
  count: number;
  group: string;
}

export interface ClusterScoreSummary {
  cluster: number;
  n: number;
  min: number;
  p25: number;
  p50: number;
  p75: number;
  p95: number;
  max: number;
}

/** One time bucket; `t` is the bucket start in epoch milliseconds. */
export interface TimeBucket {
  t: number;
  flows: number;
  anomalies: number;
  srcBytes?: number;
  dstBytes?: number;
  /** Incidents whose first flow falls in the bucket (the dashboard's overview draws them as a third line). */
  incidents?: number;
}

export interface CategoryCount {
  value: string;
  flows: number;
  anomalies: number;
}

export interface ServiceFlagCell {
  service: string;
  flag: string;
  flows: number;
  anomalies: number;
}

export interface CorrelationCell {
  a: string;
  b: string;
  r: number;
}

export interface CurvePoint {
  x: number;
  y: number;
}

export interface ConfusionCell {
  actual: 'attack' | 'normal';
  predicted: 'flagged' | 'passed';
  count: number;
}

export interface RateRow {
  name: string;
  total: number;
  detected: number;
  rate: number;
  normal?: boolean;
}

export interface AssociationRow {
  feature: string;
  chi2: number;
  dof: number;
  p: number;
  cramersV: number;
}
