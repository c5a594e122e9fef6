/**
 * Scoring one flow against a model: nearest centroid, Euclidean distance in the encoded space,
 * anomaly_score = distance / threshold (> 1 ⇒ anomalous), severity, and the reasons: the features
 * that contribute most to the squared distance, each with the flow's value and the cluster's
 * typical value (the centroid mapped back through the preprocessing).
 */
import type { RawTable } from './encode.ts';
import { Encoder } from './scale.ts';
import type { Centroids, EncodedRows } from './kmeans.ts';
import { KMeansDetector } from './kmeans-detector.ts';
import { detectorOf, type ModelFile } from './model-file.ts';
import { projectDense } from './pca.ts';
import { AutoencoderDetector } from './autoencoder-detector.ts';
import { fuse, RankFusion, type DetectorChoice, type FusionRule } from './hybrid.ts';
import { NearestSearch } from './nearest.ts';

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
  /** Which detector's explanation (autoencoder and hybrid models; k-means: the centroid, autoencoder: the reconstruction). */
  detector?: 'kmeans' | 'autoencoder';
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
  /** Autoencoder and hybrid models: the detector, each detector's score, and which fired (ratio > 1). */
  detector?: DetectorChoice;
  /** k-means distance / its threshold (hybrid). */
  kmeansScore?: number;
  /** Reconstruction error ‖x − x̂‖, its threshold, and their ratio. */
  aeError?: number;
  aeThreshold?: number;
  aeScore?: number;
  fired?: ('kmeans' | 'autoencoder')[];
}

export function severityOf(anomalyScore: number): 1 | 2 | 3 | null {
  if (!(anomalyScore > 1)) return null;
  return anomalyScore >= 3 ? 1 : anomalyScore >= 1.5 ? 2 : 3;
}

const THOUSANDS = new Intl.NumberFormat('en-US');
const NO_REASONS: Reason[] = [];

/** Where Scorer.writeReasonsJson writes (report/json-line.ts's JsonLines): JSON pieces as bytes. */
export interface JsonOut {
  raw(bytes: Uint8Array): void;
  string(s: string): void;
  number(v: number): void;
  byte(c: number): void;
  /** A string of printable ASCII without quote or backslash, as it is (no quotes). */
  ascii(s: string): void;
  /** JSON of Math.round(v × 1e4) / 1e4. */
  round4(v: number): void;
  /** JSON of k / 10^d (integer |k| < 1e15). */
  scaled(k: number, d: number): void;
  /** (k / 10^d).toFixed(d) for an integer |k| < 2^31 × 10^d: k's digits with d decimals. */
  fixed(k: number, d: number): void;
  /** An integer |v| < 2^31 with thousands separators (formatValue's). */
  grouped(v: number): void;
}

/** formatValue of the non-integer values reasons print (rates repeat), at most 4,096. */
const VALUE_TEXT = new Map<number, string>();

/** formatValue(v) for a reason's numeric value: the frequent cases without Intl or toFixed. */
export function reasonValueText(v: number): string {
  if (Number.isInteger(v) && v > -2147483648 && v < 2147483648) return formatInteger(v);
  let t = VALUE_TEXT.get(v);
  if (t === undefined) {
    t = formatValue(v);
    if (VALUE_TEXT.size < 4096) VALUE_TEXT.set(v, t);
  }
  return t;
}

/** formatValue of an integer below 2^31 in magnitude without Intl (digits, commas from 1,000). */
function formatInteger(v: number): string {
  const a = v < 0 ? -v : v;
  if (a < 1000) return String(v);
  let s = '';
  let r = a;
  while (r >= 1000) {
    const g = r % 1000;
    s = (g < 10 ? ',00' : g < 100 ? ',0' : ',') + g + s;
    r = Math.floor(r / 1000);
  }
  return (v < 0 ? '-' : '') + r + s;
}

/** The one number format of summaries and reasons: thousands separators from 1,000 (rounded), else at most 2 decimals. */
export function formatValue(v: number | string): string {
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000) return THOUSANDS.format(Math.round(v));
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

/** A model compiled for scoring rows of one raw table (which keeps growing while streaming). */
export class Scorer {
  readonly model: ModelFile;
  readonly enc: Encoder;
  readonly cent: Centroids;
  readonly detector: KMeansDetector;
  private readonly one: EncodedRows;
  private readonly dense: Float64Array;
  private readonly group = new Int32Array(1);
  private readonly search: NearestSearch;
  private readonly contrib: Float64Array;
  private readonly topIdx: Int32Array;
  private readonly topVal: Float64Array;
  /** Table column of each model numeric / categorical feature (−1 = absent). */
  private readonly numCol: Int32Array;
  private readonly catCol: Int32Array;
  /** Last group seen per combination of categorical values: a close first guess for the search. */
  private readonly hint = new Int32Array(4096).fill(-1);
  /** Per cluster and numeric feature: the typical value, rounded and formatted (reasons repeat them). */
  private readonly typicalText: string[];
  private readonly typicalRounded: Float64Array;
  /** writeReasonsJson's pre-encoded pieces per numeric feature: `{"feature":"name","value":`, `"name ` (the text's start). */
  private readonly reasonHead: Uint8Array[];
  private readonly textHead: Uint8Array[];
  /** Lazily encoded pieces of numeric reasons per cluster × feature, and of categorical reasons per value, cluster and column. */
  private readonly typicalPiece: (Uint8Array | undefined)[];
  private readonly vsPiece: (Uint8Array | undefined)[];
  private readonly catPieces = new Map<number, Uint8Array[]>();
  /** writeReasonTexts' pieces: `name ` per numeric feature, ` vs <typical>` per cluster × feature. */
  private readonly nameSpace: Uint8Array[];
  private readonly vsText: (Uint8Array | undefined)[];
  /** Autoencoder and hybrid models. */
  readonly kind: DetectorChoice;
  readonly ae: AutoencoderDetector | undefined;
  private readonly aeThreshold: number;
  private readonly fusion: FusionRule | undefined;
  private readonly rank: RankFusion | undefined;

  constructor(model: ModelFile, table: RawTable) {
    this.model = model;
    const p = model.preprocessing;
    this.enc = new Encoder(p, table);
    this.detector = KMeansDetector.fromModel(p, model.kmeans.centroids);
    this.cent = this.detector.cent;
    this.search = new NearestSearch(this.cent);
    this.kind = detectorOf(model);
    this.ae = model.autoencoder && this.kind !== 'kmeans' ? AutoencoderDetector.fromModel(p, model.autoencoder, model.kmeans.centroids[0]!) : undefined;
    this.aeThreshold = model.autoencoder?.thresholds.global ?? 0;
    this.fusion = this.kind === 'hybrid' ? model.fusion!.rule : undefined;
    this.rank = this.kind === 'hybrid' ? RankFusion.fromModel(model.fusion!) : undefined;
    this.one = { n: 1, nNum: this.enc.nNum, nCat: this.enc.nCat, z: new Float64Array(this.enc.nNum), oh: new Int32Array(this.enc.nCat) };
    this.dense = new Float64Array(this.enc.dims);
    this.contrib = new Float64Array(this.enc.nNum + this.enc.nCat);
    this.topIdx = new Int32Array(64);
    this.topVal = new Float64Array(64);
    this.numCol = Int32Array.from(p.numeric, (s) => table.numNames.indexOf(s.name));
    this.catCol = Int32Array.from(p.categorical, (s) => table.catNames.indexOf(s.name));
    const k = this.cent.k, nNum = this.enc.nNum;
    const esc = (t: string): string => JSON.stringify(t).slice(1, -1);
    this.reasonHead = p.numeric.map((spec) => Buffer.from(`{"feature":"${esc(spec.name)}","value":`, 'utf8'));
    this.textHead = p.numeric.map((spec) => Buffer.from(`,"text":"${esc(spec.name)} `, 'utf8'));
    this.nameSpace = p.numeric.map((spec) => Buffer.from(`${spec.name} `, 'utf8'));
    this.typicalText = new Array<string>(k * nNum);
    // sized up front: filled out of order, a growing array would turn into a slow dictionary
    this.typicalPiece = new Array<Uint8Array | undefined>(k * nNum).fill(undefined);
    this.vsPiece = new Array<Uint8Array | undefined>(k * nNum).fill(undefined);
    this.vsText = new Array<Uint8Array | undefined>(k * nNum).fill(undefined);
    this.typicalRounded = new Float64Array(k * nNum);
    for (let j = 0; j < k; j++) {
      for (let u = 0; u < nNum; u++) {
        const t = this.detector.typicalNumeric(j, u);
        this.typicalText[j * nNum + u] = formatValue(t);
        this.typicalRounded[j * nNum + u] = round(t);
      }
    }
  }

  /**
   * What sets each cluster apart, for the cluster table: the `n` features whose centroid value is
   * farthest (in z units / one-hot share) from the size-weighted mean of all centroids, e.g.
   * "flag S0 (100%) · serror_rate 1.00 vs 0.06".
   */
  profiles(n = 2): string[] {
    const { cent, model, detector } = this;
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
        cand.push({ d, text: `${p.numeric[u]!.name} ${formatValue(detector.typicalNumeric(j, u))} vs ${formatValue(this.enc.rawValue(u, mean[u]!))}` });
      }
      p.categorical.forEach((c, b) => {
        const [v, share] = detector.typicalCategory(j, b);
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

  /** Encode row i into `one` and find its nearest centroid (this.search.cluster / d2). */
  private locate(i: number): void {
    const { one } = this;
    this.enc.encode(i, one.z, one.oh);
    let h = 0;
    for (let b = 0; b < one.nCat; b++) h = Math.imul(h ^ (one.oh[b]! + 1), 0x9e3779b1);
    h = (h ^ (h >>> 16)) & 4095;
    const g = this.hint[h]!;
    this.search.nearest(one.z, one.oh, 0, g >= 0 && g < this.cent.k ? g : 0);
    this.hint[h] = this.search.cluster;
  }

  /**
   * score(i, 0, withPca) of a k-means model into `out`, an object the caller reuses (it writes the
   * score at once): no FlowScore a row. Returns false, `out` untouched, for the other models.
   */
  scoreInto(i: number, out: FlowScore, withPca = false): boolean {
    if (this.ae) return false;
    this.locate(i);
    const distance = Math.sqrt(this.search.d2);
    const cluster = this.search.cluster;
    const threshold = this.model.thresholds.perCluster[cluster]!;
    const anomalyScore = ratio(distance, threshold);
    out.cluster = cluster;
    out.distance = distance;
    out.threshold = threshold;
    out.anomalyScore = anomalyScore;
    out.isAnomaly = distance > threshold;
    out.severity = severityOf(anomalyScore);
    out.reasons = NO_REASONS;
    out.pca = withPca && this.model.pca ? projectDense(this.model.pca, this.enc.dense(i, this.dense, this.one.z, this.one.oh)) : undefined;
    return true;
  }

  score(i: number, explain: number, withPca = false): FlowScore {
    const { one } = this;
    this.locate(i);
    const distance = Math.sqrt(this.search.d2);
    const cluster = this.search.cluster;
    const threshold = this.model.thresholds.perCluster[cluster]!;
    let out: FlowScore;
    if (!this.ae) {
      const anomalyScore = ratio(distance, threshold);
      const isAnomaly = distance > threshold;
      out = { cluster, distance, threshold, anomalyScore, isAnomaly, severity: severityOf(anomalyScore), reasons: [] };
    } else {
      const err = this.ae.measure(one, 0, 0, this.group);
      const aeScore = ratio(err, this.aeThreshold);
      const fired: ('kmeans' | 'autoencoder')[] = [];
      let anomalyScore: number;
      let kmeansScore: number | undefined;
      if (this.kind === 'autoencoder') {
        anomalyScore = aeScore;
      } else {
        kmeansScore = ratio(distance, threshold);
        if (kmeansScore > 1) fired.push('kmeans');
        anomalyScore = fuse(this.fusion!, kmeansScore, aeScore, this.rank, distance, err);
      }
      if (aeScore > 1) fired.push('autoencoder');
      const isAnomaly = anomalyScore > 1;
      const own = this.kind === 'autoencoder';
      out = {
        cluster, distance: own ? err : distance, threshold: own ? this.aeThreshold : threshold, anomalyScore, isAnomaly, severity: severityOf(anomalyScore), reasons: [],
        detector: this.kind, ...(kmeansScore !== undefined ? { kmeansScore } : {}), aeError: err, aeThreshold: this.aeThreshold, aeScore, fired,
      };
    }
    if (explain > 0) this.explainScored(i, out, explain);
    if (withPca && this.model.pca) {
      out.pca = projectDense(this.model.pca, this.enc.dense(i, this.dense, one.z, one.oh));
    }
    return out;
  }

  /** Reasons for a score just computed by score(i, 0, …): row i must be the last row scored. */
  explainScored(i: number, s: FlowScore, n: number): void {
    if (!(n > 0)) return;
    if (!this.ae) {
      s.reasons = this.explain(i, s.cluster, s.distance * s.distance, n);
      return;
    }
    // hybrid: the k-means reasons (centroid profile), then the autoencoder's largest errors
    const km = this.kind === 'hybrid' ? this.explain(i, s.cluster, s.distance * s.distance, n) : [];
    for (const r of km) r.detector = 'kmeans';
    s.reasons = [...km, ...this.explainAe(i, s.aeError!, n)];
  }

  /** Top-n per-feature reconstruction errors of row i (encoded in `one`), each against what the autoencoder reconstructed. */
  private explainAe(i: number, err: number, n: number): Reason[] {
    const { one, model, contrib } = this;
    const ae = this.ae!;
    const p = model.preprocessing;
    const nNum = one.nNum;
    ae.contributions(one, 0, 0, contrib);
    const idx = this.top(n);
    const rec = ae.reconstruction();
    const t = this.enc.table;
    const e2 = err * err;
    return idx.map(([f, c]) => {
      const share = e2 > 0 ? round(c / e2) : 0;
      if (f < nNum) {
        const spec = p.numeric[f]!;
        const col = this.numCol[f]!;
        const value = col >= 0 ? t.num[i * t.numNames.length + col]! : 0;
        const typical = ae.reconstructedNumeric(f);
        return { feature: spec.name, value, typical: round(typical), share, z: round(one.z[f]! - rec[f]!), text: `${spec.name} ${formatValue(value)} vs ${formatValue(typical)} reconstructed`, detector: 'autoencoder' as const };
      }
      const b = f - nNum;
      const spec = p.categorical[b]!;
      const col = this.catCol[b]!;
      const value = col >= 0 ? t.catValue(i, col) : '';
      const [typ] = ae.reconstructedCategory(b);
      const text = one.oh[b]! < 0 ? `${spec.name} ${value} (unseen in training) vs ${typ} reconstructed` : `${spec.name} ${value} vs ${typ} reconstructed`;
      return { feature: spec.name, value, typical: typ, share, text, detector: 'autoencoder' as const };
    });
  }

  /** The n largest entries of `contrib` as [feature, value], earlier features first on ties. */
  private top(n: number): [number, number][] {
    const { topIdx, topVal } = this;
    const have = this.rankContributions(n);
    return Array.from({ length: have }, (_, q) => [topIdx[q]!, topVal[q]!]);
  }

  /** Put the n largest entries of `contrib` into topIdx/topVal (earlier features first on ties); how many there are. */
  private rankContributions(n: number): number {
    const { contrib, topIdx, topVal } = this;
    const m = Math.min(n, topIdx.length);
    let have = 0;
    for (let f = 0; f < contrib.length; f++) {
      const c = contrib[f]!;
      if (!(c > 0) || (have === m && c <= topVal[m - 1]!)) continue;
      let q = have < m ? have++ : m - 1;
      while (q > 0 && topVal[q - 1]! < c) {
        topVal[q] = topVal[q - 1]!;
        topIdx[q] = topIdx[q - 1]!;
        q--;
      }
      topVal[q] = c;
      topIdx[q] = f;
    }
    return have;
  }

  /** Does writeReasonsJson write this model's reasons (k-means models)? */
  get writesReasonsJson(): boolean {
    return !this.ae;
  }

  /**
   * JSON of the reasons explainScored(i, s, n) would set, written to `out` without the Reason
   * objects (score's JSON Lines): a k-means model only (false, nothing written, for the others).
   * Mirrors explain() line by line; test/report/record.test.ts holds the two equal.
   */
  writeReasonsJson(out: JsonOut, i: number, s: FlowScore, n: number): boolean {
    if (this.ae) return false;
    out.byte(91);
    if (n > 0) {
      const { one, topIdx, topVal } = this;
      const cluster = s.cluster;
      const d2 = s.distance * s.distance;
      const nNum = one.nNum;
      this.detector.contributions(one, 0, cluster, this.contrib);
      const have = this.rankContributions(n);
      const t = this.enc.table;
      for (let q = 0; q < have; q++) {
        if (q > 0) out.byte(44);
        const idx = topIdx[q]!;
        const share = d2 > 0 ? topVal[q]! / d2 : 0;
        if (idx < nNum) {
          const col = this.numCol[idx]!;
          const value = col >= 0 ? t.num[i * t.numNames.length + col]! : 0;
          const z = one.z[idx]! - this.cent.c[cluster * this.cent.dims + idx]!;
          const at = cluster * nNum + idx;
          out.raw(this.reasonHead[idx]!);
          // the value, then (below) its formatValue text: integers and 2-decimal values by digits
          let text = 0;
          let k = 0;
          if (Number.isInteger(value) && value > -2147483648 && value < 2147483648) {
            out.number(value);
            text = value > -1000 && value < 1000 ? 1 : 2;
          } else if (value > -1000 && value < 1000 && (k = Math.round(value * 100)) / 100 === value) {
            out.scaled(k, 2);
            text = 3;
          } else out.number(value);
          out.raw(this.typicalPiece[at] ?? this.makeTypicalPiece(at, cluster, idx));
          out.round4(share);
          out.raw(R_Z);
          out.round4(z);
          out.raw(this.textHead[idx]!);
          if (text === 1) out.number(value);
          else if (text === 2) out.grouped(value);
          else if (text === 3) out.fixed(k, 2);
          else out.ascii(reasonValueText(value));
          out.raw(this.vsPiece[at] ?? this.makeVsPiece(at));
        } else {
          const b = idx - nNum;
          const col = this.catCol[b]!;
          const code = col >= 0 ? t.cat[i * t.catNames.length + col]! : -1;
          const key = (code * one.nCat + b) * this.cent.k + cluster;
          const pieces = this.catPieces.get(key) ?? this.makeCatPieces(key, i, cluster, b);
          out.raw(pieces[0]!);
          out.round4(share);
          out.raw(pieces[1]!);
        }
      }
    }
    out.byte(93);
    return true;
  }

  /**
   * The reasons' texts as explainScored(i, s, n) would make them, joined by "; " (score's CSV
   * column), written to `out` as UTF-8 without quoting: a k-means model only (false, nothing
   * written, for the others).
   */
  writeReasonTexts(out: JsonOut, i: number, s: FlowScore, n: number): boolean {
    if (this.ae) return false;
    if (!(n > 0)) return true;
    const { one, topIdx } = this;
    const cluster = s.cluster;
    const nNum = one.nNum;
    this.detector.contributions(one, 0, cluster, this.contrib);
    const have = this.rankContributions(n);
    const t = this.enc.table;
    for (let q = 0; q < have; q++) {
      if (q > 0) out.raw(SEMI);
      const idx = topIdx[q]!;
      if (idx < nNum) {
        const col = this.numCol[idx]!;
        const value = col >= 0 ? t.num[i * t.numNames.length + col]! : 0;
        const at = cluster * nNum + idx;
        out.raw(this.nameSpace[idx]!);
        let k = 0;
        if (Number.isInteger(value) && value > -2147483648 && value < 2147483648) {
          if (value > -1000 && value < 1000) out.number(value);
          else out.grouped(value);
        } else if (value > -1000 && value < 1000 && (k = Math.round(value * 100)) / 100 === value) out.fixed(k, 2);
        else out.ascii(reasonValueText(value));
        out.raw(this.vsText[at] ?? (this.vsText[at] = utf8(` vs ${this.typicalText[at]!}`)));
      } else {
        const b = idx - nNum;
        const col = this.catCol[b]!;
        const code = col >= 0 ? t.cat[i * t.catNames.length + col]! : -1;
        const key = (code * one.nCat + b) * this.cent.k + cluster;
        out.raw((this.catPieces.get(key) ?? this.makeCatPieces(key, i, cluster, b))[2]!);
      }
    }
    return true;
  }

  /** `,"typical":t,"share":` of cluster j's numeric feature u (at = j × nNum + u). */
  private makeTypicalPiece(at: number, j: number, u: number): Uint8Array {
    return (this.typicalPiece[at] = utf8(`,"typical":${JSON.stringify(this.typicalRounded[j * this.enc.nNum + u]!)},"share":`));
  }

  /** ` vs <typical text>"}`: the end of a numeric reason's text. */
  private makeVsPiece(at: number): Uint8Array {
    return (this.vsPiece[at] = utf8(` vs ${JSON.stringify(this.typicalText[at]!).slice(1, -1)}"}`));
  }

  /** A categorical reason around its share, `{"feature":…,"share":` and `,"text":…}`, and its bare text (row i's value in cluster j, column b). */
  private makeCatPieces(key: number, i: number, j: number, b: number): Uint8Array[] {
    const spec = this.model.preprocessing.categorical[b]!;
    const col = this.catCol[b]!;
    const value = col >= 0 ? this.enc.table.catValue(i, col) : '';
    const [typ, frac] = this.detector.typicalCategory(j, b);
    const text = this.one.oh[b]! < 0 ? `${spec.name} ${value} (unseen in training) vs ${typ}` : `${spec.name} ${value} vs ${typ} (${Math.round(frac * 100)}%)`;
    const q = JSON.stringify;
    const pieces = [
      Buffer.from(`{"feature":${q(spec.name)},"value":${q(value)},"typical":${q(typ)},"share":`, 'utf8'),
      Buffer.from(`,"text":${q(text)}}`, 'utf8'),
      Buffer.from(text, 'utf8'),
    ];
    if (this.catPieces.size >= 65536) this.catPieces.clear();
    this.catPieces.set(key, pieces);
    return pieces;
  }

  /** Top-n contributions to the squared distance of row i (already encoded in `one`) to `cluster`. */
  private explain(i: number, cluster: number, d2: number, n: number): Reason[] {
    const { one, model, contrib, topIdx, topVal } = this;
    const p = model.preprocessing;
    const nNum = one.nNum;
    this.detector.contributions(one, 0, cluster, contrib);
    const have = this.rankContributions(n);
    const reasons: Reason[] = [];
    const t = this.enc.table;
    for (let q = 0; q < have; q++) {
      const idx = topIdx[q]!;
      const share = d2 > 0 ? topVal[q]! / d2 : 0;
      if (idx < nNum) {
        const spec = p.numeric[idx]!;
        const col = this.numCol[idx]!;
        const value = col >= 0 ? t.num[i * t.numNames.length + col]! : 0;
        const z = one.z[idx]! - this.cent.c[cluster * this.cent.dims + idx]!;
        reasons.push({
          feature: spec.name, value, typical: this.typicalRounded[cluster * nNum + idx]!, share: round(share), z: round(z),
          text: `${spec.name} ${formatValue(value)} vs ${this.typicalText[cluster * nNum + idx]!}`,
        });
      } else {
        const b = idx - nNum;
        const spec = p.categorical[b]!;
        const v = one.oh[b]!;
        const col = this.catCol[b]!;
        const value = col >= 0 ? t.catValue(i, col) : '';
        const [typ, frac] = this.detector.typicalCategory(cluster, b);
        const text = v < 0 ? `${spec.name} ${value} (unseen in training) vs ${typ}` : `${spec.name} ${value} vs ${typ} (${Math.round(frac * 100)}%)`;
        reasons.push({ feature: spec.name, value, typical: typ, share: round(share), text });
      }
    }
    return reasons;
  }
}

/** A string's UTF-8 bytes: ASCII copied by hand (Buffer.from costs microseconds for a few bytes), the rest through Buffer. */
function utf8(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 127) return Buffer.from(s, 'utf8');
    b[i] = c;
  }
  return b;
}

function ratio(measure: number, threshold: number): number {
  return threshold > 0 ? measure / threshold : measure > 0 ? Infinity : 0;
}

function round(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}

const SEMI = Buffer.from('; ', 'latin1');
const R_Z = Buffer.from(',"z":', 'latin1');
const R_VS = Buffer.from(' vs ', 'latin1');
const R_END = Buffer.from('"}', 'latin1');

