/**
 * The report's numbers: one pass over the scored flows (and, when given, over the flows' numeric
 * features) into the small aggregates the charts and tables show — counts, bins, quantiles, a
 * sample of the PCA plane, curves and tests. Everything the page holds is an aggregate or a
 * stated sample, so the page stays a few MB whatever the number of flows.
 */
import type { ModelFile } from '../model/model-file.ts';
import type { AnomalyRecord } from './record.ts';
import { computeMetrics, type Metrics } from '../model/metrics.ts';
import { attackCategory } from '../dataset/kdd.ts';
import { chiSquareTest } from '../model/stats.ts';
import { flowFilter } from './wireshark.ts';
import type {
  AssociationRow, CategoryCount, Centroid2D, ClusterScoreSummary, CorrelationCell, CurvePoint, KChoice, RateRow,
  ScatterPoint, ScoreBin, ServiceFlagCell, TimeBucket,
} from './charts/types.ts';
import { pcaAnomalyQuota } from './charts/clusters.ts';

/** What a scored flow must carry (a flowsift.anomaly/1 record; other fields are optional). */
export type ScoredFlow = Pick<AnomalyRecord, 'cluster' | 'anomaly_score' | 'is_anomaly'> & Partial<AnomalyRecord>;

export interface ReportOptions {
  /** Most points in the PCA scatter (anomalies first, up to a quarter of them, then an even sample of the rest). */
  maxPoints?: number;
  /** Anomalies listed in the table (most anomalous first). */
  topAnomalies?: number;
  /** Label of benign flows. */
  normalLabel?: string;
  /** Services shown in the distribution and the heatmap (the rest are summed as "(other)"). */
  topServices?: number;
  /** Incidents listed (the highest-ranked; the total is stated). */
  topIncidents?: number;
}

export interface ClusterInfo {
  cluster: number;
  flows: number;
  anomalies: number;
  trainSize: number;
  threshold: number;
  topService: string;
  topFlag: string;
  profile: string;
}

export interface TableRow {
  [key: string]: string | number | boolean | null | undefined;
}

export interface ReportData {
  title: string;
  generatedAt: string;
  flowsiftVersion: string;
  sources: { scores: string; model: string; flows?: string[]; incidents?: string };
  run: {
    flows: number;
    anomalies: number;
    severity: { high: number; medium: number; low: number };
    firstTs?: number;
    lastTs?: number;
    training: ModelFile['training'];
    features: number;
    k: number;
    kMethod: KChoice['method'];
    sweep?: { kMin: number; kMax: number; elbowK: number; silhouetteK: number; sampleSize: number; silhouetteSampleSize: number };
    threshold: { spec: string; scope: string; global: number };
  };
  kChoice: KChoice;
  clusters: ClusterInfo[];
  pca?: { points: ScatterPoint[]; centroids: Centroid2D[]; explained?: [number, number]; shown: number; total: number; anomaliesShown: number; anomaliesTotal: number; source: 'scores' | 'model' };
  scoreHist: { bins: ScoreBin[]; groups: string[]; colors: string[]; above: number; max: number; median: number };
  scoreByCluster: ClusterScoreSummary[];
  timeline?: { buckets: TimeBucket[]; bucketSeconds: number; bucketLabel: string; bytes: boolean; peak: { t: number; flows: number }; peakAnomalies: { t: number; anomalies: number } };
  protocols: CategoryCount[];
  services: CategoryCount[];
  flags: CategoryCount[];
  serviceFlag: ServiceFlagCell[];
  correlation?: { cells: CorrelationCell[]; features: string[]; dropped: string[]; rows: number; strongest: CorrelationCell[] };
  labels?: {
    metrics: Metrics;
    roc: CurvePoint[];
    pr: CurvePoint[];
    perLabel: RateRow[];
    perCategory: RateRow[];
    association: (AssociationRow & { n: number; sparseCells: number; cells: number })[];
    unlabeled: number;
  };
  incidents?: TableRow[];
  incidentsTotal?: number;
  anomalies: { rows: TableRow[]; total: number };
}

const r6 = (v: number): number => Math.round(v * 1e6) / 1e6;

/** Growable typed array (push, then view). */
class F64 {
  a = new Float64Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  view(): Float64Array {
    return this.a.subarray(0, this.n);
  }
}

class I32 {
  a = new Int32Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  view(): Int32Array {
    return this.a.subarray(0, this.n);
  }
}

function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

const BUCKETS: [number, string][] = [
  [1, 'second'], [2, '2 s'], [5, '5 s'], [10, '10 s'], [15, '15 s'], [30, '30 s'], [60, 'minute'], [120, '2 min'],
  [300, '5 min'], [600, '10 min'], [900, '15 min'], [1800, '30 min'], [3600, 'hour'], [7200, '2 h'], [21600, '6 h'],
  [43200, '12 h'], [86400, 'day'], [604800, 'week'],
];

/** The smallest round bucket that cuts the span into at most `max` buckets. */
export function bucketFor(spanSeconds: number, max = 240): [number, string] {
  for (const b of BUCKETS) if (spanSeconds / b[0] <= max) return b;
  const days = Math.ceil(spanSeconds / max / 86400);
  return [days * 86400, `${days} days`];
}

/**
 * Aggregates scored flows (addRecord) and, optionally, their numeric features (addFeatures) for
 * the report. `finish()` returns the ReportData.
 */
export class ReportAggregator {
  private readonly model: ModelFile;
  private readonly opts: Required<ReportOptions>;
  private readonly ts = new F64();
  private readonly score = new F64();
  private readonly cluster = new I32();
  private readonly flagged: number[] = [];
  private readonly px = new F64();
  private readonly py = new F64();
  private hasPca = true;
  private readonly labelCode = new I32();
  private readonly labelNames: string[] = [];
  private readonly labelIndex = new Map<string, number>();
  private readonly categoryOf = new Map<string, string>();
  private readonly protocol = new Map<string, [number, number]>();
  private readonly service = new Map<string, [number, number]>();
  private readonly flag = new Map<string, [number, number]>();
  private readonly serviceFlagCount = new Map<string, [number, number]>();
  private readonly perClusterService: Map<string, number>[];
  private readonly perClusterFlag: Map<string, number>[];
  /** feature → value → per-label counts. */
  private readonly contingency = new Map<string, Map<string, Map<number, number>>>();
  private readonly anomalies: ScoredFlow[] = [];
  private readonly uids: (string | undefined)[] = [];
  private readonly srcBytes = new F64();
  private readonly dstBytes = new F64();
  private recordBytes = true;
  private severity = { high: 0, medium: 0, low: 0 };
  private nAnom = 0;
  // features (correlation, bytes when the records lack them)
  private featNames: string[] = [];
  private featN = 0;
  private sum?: Float64Array;
  private cross?: Float64Array;
  private readonly featTs = new F64();
  private readonly featSrc = new F64();
  private readonly featDst = new F64();
  private srcIdx = -1;
  private dstIdx = -1;
  incidents?: TableRow[];
  sources: ReportData['sources'] = { scores: '', model: '' };

  constructor(model: ModelFile, opts: ReportOptions = {}) {
    this.model = model;
    this.opts = { maxPoints: opts.maxPoints ?? 3000, topAnomalies: opts.topAnomalies ?? 500, normalLabel: opts.normalLabel ?? 'normal', topServices: opts.topServices ?? 25, topIncidents: opts.topIncidents ?? 300 };
    this.perClusterService = Array.from({ length: model.kmeans.k }, () => new Map());
    this.perClusterFlag = Array.from({ length: model.kmeans.k }, () => new Map());
  }

  private static bump(m: Map<string, [number, number]>, key: string, anom: boolean): void {
    let e = m.get(key);
    if (!e) m.set(key, (e = [0, 0]));
    e[0]++;
    if (anom) e[1]++;
  }

  addRecord(r: ScoredFlow): void {
    const anom = r.is_anomaly === true;
    const ts = typeof r.ts === 'number' ? r.ts : NaN;
    this.ts.push(ts);
    this.score.push(Number(r.anomaly_score));
    const c = Number(r.cluster);
    this.cluster.push(c);
    if (anom) {
      this.nAnom++;
      this.flagged.push(this.score.n - 1);
      this.anomalies.push(r);
      if (r.severity === 1) this.severity.high++;
      else if (r.severity === 2) this.severity.medium++;
      else this.severity.low++;
    }
    this.uids.push(typeof r.uid === 'string' ? r.uid : undefined);
    if (typeof r.pca_x === 'number' && typeof r.pca_y === 'number') {
      this.px.push(r.pca_x);
      this.py.push(r.pca_y);
    } else this.hasPca = false;
    if (typeof r.src_bytes === 'number' && typeof r.dst_bytes === 'number') {
      this.srcBytes.push(r.src_bytes);
      this.dstBytes.push(r.dst_bytes);
    } else this.recordBytes = false;
    const proto = r.protocol_type ?? '(none)';
    const svc = r.service ?? '(none)';
    const flg = r.flag ?? '(none)';
    ReportAggregator.bump(this.protocol, proto, anom);
    ReportAggregator.bump(this.service, svc, anom);
    ReportAggregator.bump(this.flag, flg, anom);
    ReportAggregator.bump(this.serviceFlagCount, `${svc}\u0000${flg}`, anom);
    const pcs = this.perClusterService[c];
    if (pcs) {
      pcs.set(svc, (pcs.get(svc) ?? 0) + 1);
      const pcf = this.perClusterFlag[c]!;
      pcf.set(flg, (pcf.get(flg) ?? 0) + 1);
    }
    const label = r.label === undefined || r.label === null || r.label === '' ? undefined : String(r.label);
    if (label === undefined) {
      this.labelCode.push(-1);
      return;
    }
    let code = this.labelIndex.get(label);
    if (code === undefined) {
      code = this.labelNames.length;
      this.labelNames.push(label);
      this.labelIndex.set(label, code);
      const cat = r.category !== undefined && r.category !== null && r.category !== '' ? String(r.category) : label === this.opts.normalLabel ? label : attackCategory(label);
      this.categoryOf.set(label, cat);
    }
    this.labelCode.push(code);
    for (const [f, v] of [['protocol_type', proto], ['service', svc], ['flag', flg]] as const) {
      let byValue = this.contingency.get(f);
      if (!byValue) this.contingency.set(f, (byValue = new Map()));
      let byLabel = byValue.get(v);
      if (!byLabel) byValue.set(v, (byLabel = new Map()));
      byLabel.set(code, (byLabel.get(code) ?? 0) + 1);
    }
  }

  /** Numeric feature columns the correlation matrix covers (call once before addFeatures). */
  setFeatures(names: string[]): void {
    this.featNames = names;
    this.sum = new Float64Array(names.length);
    this.cross = new Float64Array(names.length * names.length);
    this.srcIdx = names.indexOf('src_bytes');
    this.dstIdx = names.indexOf('dst_bytes');
  }

  /** One flow's numeric features, in setFeatures order (NaN for missing: counted as 0). */
  addFeatures(ts: number, v: ArrayLike<number>): void {
    const sum = this.sum!;
    const cross = this.cross!;
    const m = this.featNames.length;
    for (let i = 0; i < m; i++) {
      const a = Number.isFinite(v[i]!) ? v[i]! : 0;
      sum[i]! += a;
      if (a === 0) continue;
      const row = i * m;
      for (let j = i; j < m; j++) {
        const b = v[j]!;
        if (b !== 0 && Number.isFinite(b)) cross[row + j]! += a * b;
      }
    }
    this.featN++;
    if (this.srcIdx >= 0 && this.dstIdx >= 0) {
      this.featTs.push(ts);
      this.featSrc.push(v[this.srcIdx]!);
      this.featDst.push(v[this.dstIdx]!);
    }
  }

  private correlation(): ReportData['correlation'] {
    if (this.featN < 3 || !this.sum) return undefined;
    const m = this.featNames.length;
    const n = this.featN;
    const sum = this.sum;
    const cross = this.cross!;
    const sd = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const mean = sum[i]! / n;
      const v = cross[i * m + i]! / n - mean * mean;
      sd[i] = v > 1e-12 * Math.max(1, mean * mean) ? Math.sqrt(v) : 0;
    }
    const keep = this.featNames.map((_, i) => i).filter((i) => sd[i]! > 0);
    const dropped = this.featNames.filter((_, i) => !(sd[i]! > 0));
    const features = keep.map((i) => this.featNames[i]!);
    const cells: CorrelationCell[] = [];
    for (const i of keep) {
      for (const j of keep) {
        const [a, b] = i <= j ? [i, j] : [j, i];
        const cov = cross[a * m + b]! / n - (sum[a]! / n) * (sum[b]! / n);
        const r = Math.max(-1, Math.min(1, cov / (sd[a]! * sd[b]!)));
        cells.push({ a: this.featNames[i]!, b: this.featNames[j]!, r: Math.round(r * 1000) / 1000 });
      }
    }
    const strongest = cells.filter((c) => keep.indexOf(this.featNames.indexOf(c.a)) < keep.indexOf(this.featNames.indexOf(c.b))).sort((x, y) => Math.abs(y.r) - Math.abs(x.r)).slice(0, 5);
    return { cells, features, dropped, rows: n, strongest };
  }

  private timeline(): ReportData['timeline'] {
    const ts = this.ts.view();
    let lo = Infinity;
    let hi = -Infinity;
    for (const t of ts) if (Number.isFinite(t)) {
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    if (!Number.isFinite(lo)) return undefined;
    const [size, label] = bucketFor(Math.max(hi - lo, 1));
    const start = Math.floor(lo / size) * size;
    const nb = Math.floor((hi - start) / size) + 1;
    const flows = new Float64Array(nb);
    const anoms = new Float64Array(nb);
    const src = new Float64Array(nb);
    const dst = new Float64Array(nb);
    const flagged = new Uint8Array(ts.length);
    for (const i of this.flagged) flagged[i] = 1;
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i]!;
      if (!Number.isFinite(t)) continue;
      const b = Math.floor((t - start) / size);
      flows[b]!++;
      if (flagged[i]) anoms[b]!++;
    }
    let bytes = false;
    const addBytes = (tArr: Float64Array, s: Float64Array, d: Float64Array): void => {
      bytes = true;
      for (let i = 0; i < tArr.length; i++) {
        const t = tArr[i]!;
        if (!Number.isFinite(t)) continue;
        const b = Math.floor((t - start) / size);
        if (b < 0 || b >= nb) continue;
        src[b]! += s[i]!;
        dst[b]! += d[i]!;
      }
    };
    if (this.recordBytes && this.srcBytes.n === ts.length) addBytes(ts, this.srcBytes.view(), this.dstBytes.view());
    else if (this.featTs.n > 0) addBytes(this.featTs.view(), this.featSrc.view(), this.featDst.view());
    const buckets: TimeBucket[] = [];
    let peak = { t: 0, flows: -1 };
    let peakA = { t: 0, anomalies: -1 };
    for (let b = 0; b < nb; b++) {
      const t = (start + b * size) * 1000;
      const row: TimeBucket = { t, flows: flows[b]!, anomalies: anoms[b]! };
      if (bytes) {
        row.srcBytes = src[b]!;
        row.dstBytes = dst[b]!;
      }
      buckets.push(row);
      if (flows[b]! > peak.flows) peak = { t, flows: flows[b]! };
      if (anoms[b]! > peakA.anomalies) peakA = { t, anomalies: anoms[b]! };
    }
    return { buckets, bucketSeconds: size, bucketLabel: label, bytes, peak, peakAnomalies: peakA };
  }

  private scoreHistogram(hasLabels: boolean, isPos: (i: number) => boolean | undefined): ReportData['scoreHist'] {
    const s = this.score.view();
    const sorted = Float64Array.from(s).sort();
    let minPos = Infinity;
    for (const v of sorted) if (v > 0) {
      minPos = v;
      break;
    }
    const max = sorted.length ? sorted[sorted.length - 1]! : 1;
    const floor = Math.max(Number.isFinite(minPos) ? minPos : 1e-3, 1e-3);
    const l0 = Math.log10(floor);
    const l1 = Math.log10(Math.max(max, floor * 1.0001, 1.0001));
    // bin width in log10 units, with 1 (the threshold) on a bin edge
    const w = Math.max((l1 - l0) / 48, 0.01);
    const first = Math.floor(l0 / w);
    const nb = Math.floor(l1 / w) - first + 1;
    const groups = hasLabels ? ['normal (ground truth)', 'attack (ground truth)'] : ['below threshold', 'above threshold'];
    const colors = ['#4c78a8', '#d62728'];
    const counts = [new Float64Array(nb), new Float64Array(nb)];
    let above = 0;
    for (let i = 0; i < s.length; i++) {
      const v = s[i]!;
      const b = Math.min(nb - 1, Math.max(0, Math.floor(Math.log10(Math.max(v, floor)) / w) - first));
      const pos = hasLabels ? isPos(i) : v > 1;
      if (pos === undefined) continue;
      counts[pos ? 1 : 0]![b]!++;
      if (v > 1) above++;
    }
    const bins: ScoreBin[] = [];
    for (let g = 0; g < 2; g++) {
      for (let b = 0; b < nb; b++) {
        const c = counts[g]![b]!;
        if (c > 0) bins.push({ lo: r6(10 ** ((first + b) * w)), hi: r6(10 ** ((first + b + 1) * w)), count: c, group: groups[g]! });
      }
    }
    return { bins, groups, colors, above, max, median: quantile(sorted, 0.5) };
  }

  private pcaSample(): ReportData['pca'] {
    const m = this.model;
    const centroids: Centroid2D[] = (m.pca?.centroids ?? []).map(([x, y], cluster) => ({ x: r6(x), y: r6(y), cluster }));
    const explained = m.pca && m.pca.explainedVariance.length >= 2 ? ([m.pca.explainedVariance[0]!, m.pca.explainedVariance[1]!] as [number, number]) : undefined;
    const n = this.score.n;
    if (this.hasPca && this.px.n === n && n > 0) {
      const cap = this.opts.maxPoints;
      const flaggedSet = new Uint8Array(n);
      for (const i of this.flagged) flaggedSet[i] = 1;
      // all anomalies up to a quarter of the points (PCA_ANOMALY_SHARE), then an even stride over the normal flows
      const anomIdx = this.flagged.slice().sort((a, b) => this.score.a[b]! - this.score.a[a]!);
      const quota = pcaAnomalyQuota(cap, anomIdx.length);
      const anomKeep = anomIdx.length <= quota ? anomIdx : evenPick(anomIdx, quota);
      const normalTotal = n - this.flagged.length;
      const normalCap = Math.min(normalTotal, cap - anomKeep.length);
      const normalIdx: number[] = [];
      if (normalCap > 0) {
        const step = normalTotal / normalCap;
        let next = 0;
        let seen = 0;
        for (let i = 0; i < n && normalIdx.length < normalCap; i++) {
          if (flaggedSet[i]) continue;
          if (seen >= next) {
            normalIdx.push(i);
            next += step;
          }
          seen++;
        }
      }
      const labels = this.labelCode.view();
      const points: ScatterPoint[] = [...normalIdx, ...anomKeep].map((i) => {
        const p: ScatterPoint = { x: r6(this.px.a[i]!), y: r6(this.py.a[i]!), cluster: this.cluster.a[i]!, anomaly: flaggedSet[i] === 1, score: r6(this.score.a[i]!) };
        if (labels[i]! >= 0) p.label = this.labelNames[labels[i]!];
        const uid = this.uids[i];
        if (uid) p.uid = uid;
        return p;
      });
      return { points, centroids, explained, shown: points.length, total: n, anomaliesShown: anomKeep.length, anomaliesTotal: this.flagged.length, source: 'scores' };
    }
    if (!m.pca) return undefined;
    const points: ScatterPoint[] = m.pca.points.map(([x, y, cluster]) => ({ x: r6(x), y: r6(y), cluster, anomaly: false, score: NaN }));
    return { points, centroids, explained, shown: points.length, total: m.training.rows, anomaliesShown: 0, anomaliesTotal: 0, source: 'model' };
  }

  finish(title: string, profiles?: string[]): ReportData {
    const m = this.model;
    const n = this.score.n;
    const ts = this.ts.view();
    let firstTs: number | undefined;
    let lastTs: number | undefined;
    for (const t of ts) if (Number.isFinite(t)) {
      if (firstTs === undefined || t < firstTs) firstTs = t;
      if (lastTs === undefined || t > lastTs) lastTs = t;
    }
    const ks = m.kSelection;
    const kChoice: KChoice = { curve: ks.curve, chosen: m.kmeans.k, method: ks.method, elbowK: ks.curve.length ? ks.elbowK : undefined, silhouetteK: ks.curve.length ? ks.silhouetteK : undefined };
    const k = m.kmeans.k;
    const flows = new Array<number>(k).fill(0);
    const anoms = new Array<number>(k).fill(0);
    const cl = this.cluster.view();
    for (let i = 0; i < n; i++) flows[cl[i]!]!++;
    for (const i of this.flagged) anoms[cl[i]!]!++;
    const top = (mm: Map<string, number>): string => {
      let best = '';
      let bc = -1;
      let tot = 0;
      for (const [v, c] of mm) {
        tot += c;
        if (c > bc) [best, bc] = [v, c];
      }
      return tot ? `${best} ${Math.round((100 * bc) / tot)} %` : '';
    };
    const clusters: ClusterInfo[] = flows.map((f, j) => ({
      cluster: j,
      flows: f,
      anomalies: anoms[j]!,
      trainSize: m.kmeans.clusterSizes[j] ?? 0,
      threshold: m.thresholds.perCluster[j] ?? m.thresholds.global,
      topService: top(this.perClusterService[j]!),
      topFlag: top(this.perClusterFlag[j]!),
      profile: profiles?.[j] ?? '',
    }));
    // score spread per cluster
    const byCluster: number[][] = Array.from({ length: k }, () => []);
    const s = this.score.view();
    for (let i = 0; i < n; i++) byCluster[cl[i]!]!.push(s[i]!);
    const scoreByCluster: ClusterScoreSummary[] = [];
    byCluster.forEach((arr, j) => {
      if (!arr.length) return;
      const srt = Float64Array.from(arr).sort();
      const q = (p: number): number => r6(Math.max(quantile(srt, p), 1e-3));
      scoreByCluster.push({ cluster: j, n: arr.length, min: q(0), p25: q(0.25), p50: q(0.5), p75: q(0.75), p95: q(0.95), max: q(1) });
    });
    const counts = (mm: Map<string, [number, number]>, limit = Infinity): CategoryCount[] => {
      const all = [...mm.entries()].map(([value, [f, a]]) => ({ value, flows: f, anomalies: a })).sort((x, y) => y.flows - x.flows || (x.value < y.value ? -1 : 1));
      if (all.length <= limit) return all;
      const rest = all.slice(limit);
      return [...all.slice(0, limit), { value: `(other: ${rest.length})`, flows: rest.reduce((t, r) => t + r.flows, 0), anomalies: rest.reduce((t, r) => t + r.anomalies, 0) }];
    };
    const services = counts(this.service, this.opts.topServices);
    const shownServices = new Set(services.map((x) => x.value));
    const sf = new Map<string, ServiceFlagCell>();
    for (const [key, [f, a]] of this.serviceFlagCount) {
      const [svc0, flg] = key.split('\u0000') as [string, string];
      const svc = shownServices.has(svc0) ? svc0 : services[services.length - 1]!.value;
      const id = `${svc}\u0000${flg}`;
      const cell = sf.get(id) ?? { service: svc, flag: flg, flows: 0, anomalies: 0 };
      cell.flows += f;
      cell.anomalies += a;
      sf.set(id, cell);
    }
    const flagOrder = counts(this.flag).map((x) => x.value);
    const serviceFlag = [...sf.values()].sort((x, y) => services.findIndex((q) => q.value === x.service) - services.findIndex((q) => q.value === y.service) || flagOrder.indexOf(x.flag) - flagOrder.indexOf(y.flag));

    const labelCodes = this.labelCode.view();
    const labeledCount = labelCodes.reduce((t, c) => t + (c >= 0 ? 1 : 0), 0);
    const normalCode = this.labelIndex.get(this.opts.normalLabel);
    const isPos = (i: number): boolean | undefined => (labelCodes[i]! < 0 ? undefined : labelCodes[i] !== normalCode);
    const labels = labeledCount > 0 ? this.labelStats(labelCodes, labeledCount) : undefined;
    const sorted = this.anomalies.sort((a, b) => b.anomaly_score - a.anomaly_score);
    return {
      title,
      generatedAt: new Date().toISOString(),
      flowsiftVersion: m.flowsiftVersion,
      sources: this.sources,
      run: {
        flows: n,
        anomalies: this.nAnom,
        severity: this.severity,
        firstTs,
        lastTs,
        training: m.training,
        features: m.features.length,
        k,
        kMethod: ks.method,
        sweep: ks.curve.length
          ? { kMin: Math.min(...ks.curve.map((p) => p.k)), kMax: Math.max(...ks.curve.map((p) => p.k)), elbowK: ks.elbowK, silhouetteK: ks.silhouetteK, sampleSize: ks.sampleSize, silhouetteSampleSize: ks.silhouetteSampleSize }
          : undefined,
        threshold: { spec: m.thresholds.spec, scope: m.thresholds.rule.scope, global: m.thresholds.global },
      },
      kChoice,
      clusters,
      pca: this.pcaSample(),
      scoreHist: this.scoreHistogram(labels !== undefined, isPos),
      scoreByCluster,
      timeline: this.timeline(),
      protocols: counts(this.protocol),
      services,
      flags: counts(this.flag),
      serviceFlag,
      correlation: this.correlation(),
      labels,
      incidents: this.incidents?.slice(0, this.opts.topIncidents),
      incidentsTotal: this.incidents?.length,
      anomalies: { rows: this.anomalyRows(sorted.slice(0, this.opts.topAnomalies)), total: this.nAnom },
    };
  }

  /** Table rows; the incident column shows the incident's rank when incidents.jsonl was read. */
  private anomalyRows(list: ScoredFlow[]): TableRow[] {
    const rankOf = new Map<string, number>();
    for (const inc of this.incidents ?? []) if (typeof inc.incident_id === 'string' && typeof inc.rank === 'number') rankOf.set(inc.incident_id, inc.rank);
    return list.map((r, i) => {
      const row = anomalyRow(i + 1, r);
      const rank = r.incident_id ? rankOf.get(r.incident_id) : undefined;
      if (rank !== undefined) row.incident = rank;
      return row;
    });
  }

  private labelStats(codes: Int32Array, labeled: number): NonNullable<ReportData['labels']> {
    const normal = this.opts.normalLabel;
    const s = this.score.view();
    const flaggedSet = new Uint8Array(s.length);
    for (const i of this.flagged) flaggedSet[i] = 1;
    const rows: { score: number; flagged: boolean; label: string; category: string }[] = [];
    for (let i = 0; i < s.length; i++) {
      const c = codes[i]!;
      if (c < 0) continue;
      const label = this.labelNames[c]!;
      rows.push({ score: s[i]!, flagged: flaggedSet[i] === 1, label, category: this.categoryOf.get(label)! });
    }
    const metrics = computeMetrics(rows, normal);
    const { roc, pr } = curves(rows.map((r) => r.score), rows.map((r) => r.label !== normal));
    const rate = (list: Metrics['perLabel']): RateRow[] =>
      list.map((x) => ({ name: x.category, total: x.total, detected: x.detected, rate: x.rate, normal: x.category === normal }));
    const association = [...this.contingency.entries()].map(([feature, byValue]) => {
      const table = [...byValue.values()].map((byLabel) => this.labelNames.map((_, c) => byLabel.get(c) ?? 0));
      const t = chiSquareTest(table);
      // Cochran's rule: the chi-square approximation is doubtful when many expected counts are < 5
      const rowT = table.map((r) => r.reduce((a, b) => a + b, 0));
      const colT = this.labelNames.map((_, c) => table.reduce((a, r) => a + r[c]!, 0));
      let sparse = 0;
      let cells = 0;
      for (const rt of rowT) for (const ct of colT) if (rt > 0 && ct > 0) {
        cells++;
        if ((rt * ct) / t.n < 5) sparse++;
      }
      return { feature, chi2: t.statistic, dof: t.df, p: t.pValue, cramersV: t.cramersV, n: t.n, sparseCells: sparse, cells };
    }).sort((a, b) => b.cramersV - a.cramersV);
    return { metrics, roc, pr, perLabel: rate(metrics.perLabel), perCategory: rate(metrics.perCategory), association, unlabeled: s.length - labeled };
  }
}

/** `k` items spread evenly over `list` (keeps its order). */
function evenPick<T>(list: T[], k: number): T[] {
  if (k >= list.length) return list.slice();
  const out: T[] = [];
  const step = list.length / k;
  for (let i = 0; i < k; i++) out.push(list[Math.floor(i * step)]!);
  return out;
}

/** ROC and precision–recall curves at every distinct score, thinned to at most ~400 points. */
export function curves(scores: number[], isPos: boolean[]): { roc: CurvePoint[]; pr: CurvePoint[] } {
  const idx = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const P = isPos.filter(Boolean).length;
  const N = isPos.length - P;
  const roc: CurvePoint[] = [{ x: 0, y: 0 }];
  const pr: CurvePoint[] = [];
  let tp = 0;
  let fp = 0;
  let i = 0;
  while (i < idx.length) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]!] === scores[idx[i]!]) j++;
    for (let t = i; t <= j; t++) (isPos[idx[t]!] ? tp++ : fp++);
    roc.push({ x: N ? fp / N : 0, y: P ? tp / P : 0 });
    pr.push({ x: P ? tp / P : 0, y: tp / (tp + fp) });
    i = j + 1;
  }
  const thin = (pts: CurvePoint[]): CurvePoint[] => {
    if (pts.length <= 400) return pts.map((p) => ({ x: r6(p.x), y: r6(p.y) }));
    const out: CurvePoint[] = [];
    let last: CurvePoint | undefined;
    for (const p of pts) {
      if (!last || Math.abs(p.x - last.x) + Math.abs(p.y - last.y) >= 0.004) {
        out.push({ x: r6(p.x), y: r6(p.y) });
        last = p;
      }
    }
    const end = pts[pts.length - 1]!;
    if (out[out.length - 1] !== end) out.push({ x: r6(end.x), y: r6(end.y) });
    return out;
  };
  return { roc: thin(roc), pr: thin(pr) };
}

function anomalyRow(rank: number, r: ScoredFlow): TableRow {
  const row: TableRow = {
    rank,
    time: r.timestamp ?? (typeof r.ts === 'number' ? new Date(r.ts * 1000).toISOString() : undefined),
    flow: r.src_ip !== undefined ? `${r.src_ip}:${r.src_port ?? ''} → ${r.dst_ip}:${r.dst_port ?? ''}` : `row ${r.row ?? ''}`,
    proto: r.protocol_type,
    service: r.service,
    flag: r.flag,
    cluster: r.cluster,
    score: r.anomaly_score,
    severity: r.severity ?? undefined,
    reasons: Array.isArray(r.reasons) ? r.reasons.map((x) => x.text).join(' · ') : undefined,
    wireshark: flowFilter(r),
    uid: r.uid,
    label: r.label,
  };
  if (r.incident_id) row.incident = r.incident_id;
  return row;
}
