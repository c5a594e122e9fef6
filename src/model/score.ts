/**
 * Scoring one flow against a model: nearest centroid, Euclidean distance in the encoded space,
 * anomaly_score = distance / threshold (> 1 ⇒ anomalous), severity, and the reasons: the features
 * that contribute most to the squared distance, each with the flow's value and the cluster's
 * typical value (the centroid mapped back through the preprocessing).
 */
import type { RawTable } from './encode.ts';
import { Encoder } from './scale.ts';
import { Centroids, type EncodedRows } from './kmeans.ts';
import type { ModelFile } from './model-file.ts';
import { projectDense } from './pca.ts';

export interface Reason {
  feature: string;
  /** The flow's raw value. */
  value: number | string;
  /** The cluster's typical value (centroid, inverse-transformed; for a category its most common value). */
  typical: number | string;
  /** Share of the squared distance (0–1). */
  share: number;
  /** Signed z-distance from the centroid for numeric features. */
  z?: number;
  text: string;
}

export interface FlowScore {
  cluster: number;
  distance: number;
  threshold: number;
  anomalyScore: number;
  isAnomaly: boolean;
  /** 1 = high (≥ 3× threshold), 2 = medium (≥ 1.5×), 3 = low; null for normal flows. */
  severity: 1 | 2 | 3 | null;
  reasons: Reason[];
  pca?: [number, number];
}

export function severityOf(anomalyScore: number): 1 | 2 | 3 | null {
  if (!(anomalyScore > 1)) return null;
  return anomalyScore >= 3 ? 1 : anomalyScore >= 1.5 ? 2 : 3;
}

/** The one number format of summaries and reasons: thousands separators from 1,000 (rounded), else at most 2 decimals. */
export function formatValue(v: number | string): string {
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

/** A model compiled for scoring rows of one raw table (which keeps growing while streaming). */
export class Scorer {
  readonly model: ModelFile;
  readonly enc: Encoder;
  readonly cent: Centroids;
  private readonly one: EncodedRows;
  private readonly tmp = new Float64Array(1);
  private readonly dense: Float64Array;
  /** Per cluster, per categorical column: [most common value, its share]. */
  private readonly typicalCat: [string, number][][];
  private readonly typicalNum: number[][];

  constructor(model: ModelFile, table: RawTable) {
    this.model = model;
    const p = model.preprocessing;
    this.enc = new Encoder(p, table);
    this.cent = Centroids.fromArrays(p, model.kmeans.centroids);
    this.one = { n: 1, nNum: this.enc.nNum, nCat: this.enc.nCat, z: new Float64Array(this.enc.nNum), oh: new Int32Array(this.enc.nCat) };
    this.dense = new Float64Array(this.enc.dims);
    const { dims, offsets } = this.cent;
    this.typicalNum = [];
    this.typicalCat = [];
    for (let j = 0; j < this.cent.k; j++) {
      this.typicalNum.push(p.numeric.map((_, u) => this.enc.rawValue(u, this.cent.c[j * dims + u]!)));
      this.typicalCat.push(
        p.categorical.map((c, b) => {
          let best = -1;
          let bv = -Infinity;
          for (let v = 0; v < c.values.length; v++) {
            const x = this.cent.c[j * dims + offsets[b]! + v]!;
            if (x > bv) {
              bv = x;
              best = v;
            }
          }
          return [best >= 0 ? c.values[best]! : '', c.weight ? bv / c.weight : 0];
        }),
      );
    }
  }

  /**
   * What sets each cluster apart, for the cluster table: the `n` features whose centroid value is
   * farthest (in z units / one-hot share) from the size-weighted mean of all centroids, e.g.
   * "flag S0 (100%) · serror_rate 1.00 vs 0.06".
   */
  profiles(n = 2): string[] {
    const { cent, model } = this;
    const p = model.preprocessing;
    const sizes = model.kmeans.clusterSizes;
    const total = sizes.reduce((a, b) => a + b, 0) || 1;
    const mean = new Float64Array(cent.dims);
    for (let j = 0; j < cent.k; j++) for (let u = 0; u < cent.dims; u++) mean[u]! += (cent.c[j * cent.dims + u]! * sizes[j]!) / total;
    const out: string[] = [];
    for (let j = 0; j < cent.k; j++) {
      const cand: { d: number; text: string }[] = [];
      for (let u = 0; u < cent.nNum; u++) {
        const d = Math.abs(cent.c[j * cent.dims + u]! - mean[u]!);
        cand.push({ d, text: `${p.numeric[u]!.name} ${formatValue(this.typicalNum[j]![u]!)} vs ${formatValue(this.enc.rawValue(u, mean[u]!))}` });
      }
      p.categorical.forEach((c, b) => {
        const [v, share] = this.typicalCat[j]![b]!;
        const vi = c.values.indexOf(v);
        const g = vi >= 0 && c.weight ? mean[cent.offsets[b]! + vi]! / c.weight : 0;
        // a one-hot share difference of 1 is worth about 2 z units
        cand.push({ d: 2 * Math.abs(share - g), text: `${c.name} ${v} (${Math.round(share * 100)}% vs ${Math.round(g * 100)}%)` });
      });
      cand.sort((a, b) => b.d - a.d);
      out.push(cand.slice(0, n).map((x) => x.text).join(' · '));
    }
    return out;
  }

  /** Table grew (streaming): pick up new categorical values. */
  refresh(): void {
    this.enc.refresh();
  }

  score(i: number, explain: number, withPca = false): FlowScore {
    const { one, cent } = this;
    this.enc.encode(i, one.z, one.oh);
    const cluster = cent.nearest(one, 0, this.tmp);
    const d2 = this.tmp[0]!;
    const distance = Math.sqrt(d2);
    const threshold = this.model.thresholds.perCluster[cluster]!;
    const anomalyScore = threshold > 0 ? distance / threshold : distance > 0 ? Infinity : 0;
    const isAnomaly = distance > threshold;
    const out: FlowScore = { cluster, distance, threshold, anomalyScore, isAnomaly, severity: severityOf(anomalyScore), reasons: [] };
    if (explain > 0) out.reasons = this.explain(i, cluster, d2, explain);
    if (withPca && this.model.pca) {
      out.pca = projectDense(this.model.pca, this.enc.dense(i, this.dense, one.z, one.oh));
    }
    return out;
  }

  /** Top-n contributions to the squared distance of row i (already encoded in `one`) to `cluster`. */
  private explain(i: number, cluster: number, d2: number, n: number): Reason[] {
    const { one, cent, model } = this;
    const p = model.preprocessing;
    const base = cluster * cent.dims;
    const contrib: { idx: number; c: number }[] = [];
    for (let u = 0; u < one.nNum; u++) {
      const d = one.z[u]! - cent.c[base + u]!;
      contrib.push({ idx: u, c: d * d });
    }
    for (let b = 0; b < one.nCat; b++) {
      const off = base + cent.offsets[b]!;
      const size = p.categorical[b]!.values.length;
      let s = 0;
      for (let v = 0; v < size; v++) s += cent.c[off + v]! * cent.c[off + v]!;
      const v = one.oh[b]!;
      if (v >= 0) {
        const cv = cent.c[off + v]!;
        s += (cent.weights[b]! - cv) ** 2 - cv * cv;
      }
      contrib.push({ idx: one.nNum + b, c: s });
    }
    contrib.sort((a, b) => b.c - a.c);
    const reasons: Reason[] = [];
    for (const { idx, c } of contrib) {
      if (reasons.length >= n || c <= 0) break;
      const share = d2 > 0 ? c / d2 : 0;
      if (idx < one.nNum) {
        const spec = p.numeric[idx]!;
        const value = this.rawNumeric(i, spec.name);
        const typical = this.typicalNum[cluster]![idx]!;
        const z = one.z[idx]! - cent.c[base + idx]!;
        reasons.push({ feature: spec.name, value, typical: round(typical), share: round(share), z: round(z), text: `${spec.name} ${formatValue(value)} vs ${formatValue(typical)}` });
      } else {
        const b = idx - one.nNum;
        const spec = p.categorical[b]!;
        const v = one.oh[b]!;
        const value = this.rawCategorical(i, spec.name);
        const [typ, frac] = this.typicalCat[cluster]![b]!;
        const text = v < 0 ? `${spec.name} ${value} (unseen in training) vs ${typ}` : `${spec.name} ${value} vs ${typ} (${Math.round(frac * 100)}%)`;
        reasons.push({ feature: spec.name, value, typical: typ, share: round(share), text });
      }
    }
    return reasons;
  }

  private rawNumeric(i: number, name: string): number {
    const tb = this.tableRef;
    const j = tb.numNames.indexOf(name);
    return j >= 0 ? tb.num[i * tb.numNames.length + j]! : 0;
  }

  private rawCategorical(i: number, name: string): string {
    const tb = this.tableRef;
    const j = tb.catNames.indexOf(name);
    return j >= 0 ? tb.catValue(i, j) : '';
  }

  private get tableRef(): RawTable {
    return this.enc.table;
  }
}

function round(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}
