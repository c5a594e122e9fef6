/**
 * The detector interface every anomaly model implements, so training, thresholds, scoring and
 * reasons do not depend on which model it is: a detector turns an encoded row into an anomaly
 * measure (higher = more anomalous; k-means: the distance to the nearest centroid) and a group
 * (k-means: that centroid's cluster; 0 for a detector without groups), and explains a measure by
 * per-feature contributions. Thresholds are fitted on the training rows' measures per group
 * (threshold.ts), so a second detector only has to provide `fit` and these three methods.
 */
import type { EncodedRows } from './kmeans.ts';
import type { Preprocessing } from './scale.ts';

export interface Detector {
  /** Model kind as stored in model.json ('kmeans'). */
  readonly kind: string;
  /** Number of groups (clusters); 1 for a detector without groups. */
  readonly groups: number;
  /**
   * Anomaly measure of row r of x; writes the row's group into out[0]. `hint` is a group the row
   * is likely to fall in (a detector may use it to search faster; the answer does not depend on it).
   */
  measure(x: EncodedRows, r: number, hint: number, out: Int32Array): number;
  /**
   * Contribution of each feature (the numeric columns, then one per categorical column, in model
   * order) to the measure of row r in `group`, into out; contributions are ≥ 0 and comparable.
   */
  contributions(x: EncodedRows, r: number, group: number, out: Float64Array): void;
  /** Typical raw value of numeric feature u in `group` (the "vs" of a reason). */
  typicalNumeric(group: number, u: number): number;
  /** Typical value of categorical column b in `group` and its share of the group (0–1). */
  typicalCategory(group: number, b: number): [string, number];
}

/** What fitting a detector returns: the detector and the training rows' measures and groups. */
export interface DetectorFit<D extends Detector = Detector> {
  detector: D;
  measures: Float64Array;
  groups: Int32Array;
}

/** A detector kind: fit on encoded training rows (options are the kind's own). */
export interface DetectorKind<O, D extends Detector = Detector> {
  kind: string;
  fit(p: Preprocessing, x: EncodedRows, options: O): DetectorFit<D>;
}
