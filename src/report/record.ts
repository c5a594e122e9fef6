/**
 * The per-flow anomaly record (schema `flowsift.anomaly/1`), one JSON object per flow:
 * identity (ts epoch + ISO `timestamp`, uid, community_id, 5-tuple when the input has them), the
 * flow's protocol_type/service/flag, cluster, distance, threshold, anomaly_score = distance /
 * threshold (> 1 ⇒ anomalous; higher = worse — the opposite polarity of scikit-learn's
 * score_samples, hence the name), is_anomaly, severity (1 high … 3 low, Suricata eve style),
 * reasons (top features by share of the squared distance), and the ground-truth label when present.
 */
import type { Row } from '../dataset/types.ts';
import type { FlowScore, Reason } from '../model/score.ts';
import type { JsonLines } from './json-line.ts';
import { writeScoreExtras, writeScoreJson, type ReasonsJson } from './score-json.ts';

export type { ReasonsJson };

export const ANOMALY_SCHEMA = 'flowsift.anomaly/1';

export interface AnomalyRecord {
  event_type: 'anomaly' | 'flow';
  schema: typeof ANOMALY_SCHEMA;
  /** 1-based row number in the input stream (always present; KDD tables have no uid). */
  row: number;
  ts?: number;
  timestamp?: string;
  uid?: string;
  community_id?: string;
  src_ip?: string;
  src_port?: number;
  dst_ip?: string;
  dst_port?: number;
  proto?: number;
  protocol_type?: string;
  service?: string;
  flag?: string;
  cluster: number;
  distance: number;
  threshold: number;
  anomaly_score: number;
  is_anomaly: boolean;
  severity: 1 | 2 | 3 | null;
  reasons: Reason[];
  label?: string;
  category?: string;
  pca_x?: number;
  pca_y?: number;
  /** Flow size and outcome, copied from the input when it has them (incidents are built from these). */
  duration?: number;
  src_bytes?: number;
  dst_bytes?: number;
  src_pkts?: number;
  dst_pkts?: number;
  conn_state?: string;
  num_failed_logins?: number;
  /** The incident this anomalous flow was grouped into (report/incidents), when incidents were built. */
  incident_id?: string;
  /** Autoencoder and hybrid models: the detector, each detector's score (measure / its threshold) and which fired. */
  detector?: string;
  kmeans_score?: number;
  ae_error?: number;
  ae_threshold?: number;
  ae_score?: number;
  detectors_fired?: string[];
}

const IDENTITY = ['uid', 'community_id', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'proto'] as const;
const STATS = ['duration', 'src_bytes', 'dst_bytes', 'src_pkts', 'dst_pkts', 'num_failed_logins'] as const;

/** Columns a scoring run keeps from each input row for its record. */
export const RECORD_KEEP = ['ts', ...IDENTITY, 'protocol_type', 'service', 'flag', ...STATS, 'conn_state', 'label', 'category'];

const r6 = (v: number): number => (Number.isFinite(v) ? Math.round(v * 1e6) / 1e6 : v);

export function buildRecord(rowNo: number, kept: Row, s: FlowScore, labelColumn = 'label'): AnomalyRecord {
  const rec: AnomalyRecord = {
    event_type: s.isAnomaly ? 'anomaly' : 'flow',
    schema: ANOMALY_SCHEMA,
    row: rowNo,
  } as AnomalyRecord;
  const ts = kept.ts;
  if (typeof ts === 'number' && Number.isFinite(ts)) {
    rec.ts = ts;
    rec.timestamp = new Date(ts * 1000).toISOString();
  }
  for (const k of IDENTITY) {
    const v = kept[k];
    if (v !== null && v !== undefined && v !== '') (rec as unknown as Record<string, unknown>)[k] = v;
  }
  for (const k of ['protocol_type', 'service', 'flag'] as const) {
    const v = kept[k];
    if (v !== null && v !== undefined && v !== '') rec[k] = String(v);
  }
  rec.cluster = s.cluster;
  rec.distance = r6(s.distance);
  rec.threshold = r6(s.threshold);
  rec.anomaly_score = r6(s.anomalyScore);
  rec.is_anomaly = s.isAnomaly;
  rec.severity = s.severity;
  rec.reasons = s.reasons;
  for (const k of STATS) {
    const v = kept[k];
    if (typeof v === 'number' && Number.isFinite(v)) rec[k] = v;
  }
  if (typeof kept.conn_state === 'string' && kept.conn_state !== '') rec.conn_state = kept.conn_state;
  const label = kept[labelColumn];
  if (label !== null && label !== undefined && label !== '') rec.label = String(label);
  const cat = kept.category;
  if (cat !== null && cat !== undefined && cat !== '') rec.category = String(cat);
  if (s.pca) {
    rec.pca_x = r6(s.pca[0]);
    rec.pca_y = r6(s.pca[1]);
  }
  if (s.detector !== undefined) {
    rec.detector = s.detector;
    if (s.kmeansScore !== undefined) rec.kmeans_score = r6(s.kmeansScore);
    rec.ae_error = r6(s.aeError!);
    rec.ae_threshold = r6(s.aeThreshold!);
    rec.ae_score = r6(s.aeScore!);
    rec.detectors_fired = s.fired ?? [];
  }
  return rec;
}

/** What a record's field is made from, without the record: the row number, kept columns, score and incident. */
export type FieldOf = (rowNo: number, kept: Row, s: FlowScore, labelColumn: string, incidentId: string | undefined) => unknown;

const nonEmpty = (v: unknown): boolean => v !== null && v !== undefined && v !== '';
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Each field of buildRecord(rowNo, kept, s, labelColumn) (+ analyze's incident_id), read straight from
 * its sources: `RECORD_FIELDS[name](…)` equals `buildRecord(…)[name]` (undefined where the record
 * lacks the field). For column writers (scores Parquet) that would otherwise build a record per flow.
 */
export const RECORD_FIELDS: Record<string, FieldOf> = {
  event_type: (_r, _k, s) => (s.isAnomaly ? 'anomaly' : 'flow'),
  schema: () => ANOMALY_SCHEMA,
  row: (rowNo) => rowNo,
  ts: (_r, k) => (finite(k.ts) ? k.ts : undefined),
  timestamp: (_r, k) => (finite(k.ts) ? new Date(k.ts * 1000).toISOString() : undefined),
  ...Object.fromEntries(IDENTITY.map((f): [string, FieldOf] => [f, (_r, k) => (nonEmpty(k[f]) ? k[f] : undefined)])),
  ...Object.fromEntries((['protocol_type', 'service', 'flag'] as const).map((f): [string, FieldOf] => [f, (_r, k) => (nonEmpty(k[f]) ? String(k[f]) : undefined)])),
  cluster: (_r, _k, s) => s.cluster,
  distance: (_r, _k, s) => r6(s.distance),
  threshold: (_r, _k, s) => r6(s.threshold),
  anomaly_score: (_r, _k, s) => r6(s.anomalyScore),
  is_anomaly: (_r, _k, s) => s.isAnomaly,
  severity: (_r, _k, s) => s.severity,
  reasons: (_r, _k, s) => s.reasons,
  ...Object.fromEntries(STATS.map((f): [string, FieldOf] => [f, (_r, k) => (finite(k[f]) ? k[f] : undefined)])),
  conn_state: (_r, k) => (typeof k.conn_state === 'string' && k.conn_state !== '' ? k.conn_state : undefined),
  label: (_r, k, _s, labelColumn) => (nonEmpty(k[labelColumn]) ? String(k[labelColumn]) : undefined),
  category: (_r, k) => (nonEmpty(k.category) ? String(k.category) : undefined),
  pca_x: (_r, _k, s) => (s.pca ? r6(s.pca[0]) : undefined),
  pca_y: (_r, _k, s) => (s.pca ? r6(s.pca[1]) : undefined),
  detector: (_r, _k, s) => s.detector,
  kmeans_score: (_r, _k, s) => (s.detector !== undefined && s.kmeansScore !== undefined ? r6(s.kmeansScore) : undefined),
  ae_error: (_r, _k, s) => (s.detector !== undefined ? r6(s.aeError!) : undefined),
  ae_threshold: (_r, _k, s) => (s.detector !== undefined ? r6(s.aeThreshold!) : undefined),
  ae_score: (_r, _k, s) => (s.detector !== undefined ? r6(s.aeScore!) : undefined),
  detectors_fired: (_r, _k, s) => (s.detector !== undefined ? (s.fired ?? []) : undefined),
  incident_id: (_r, _k, _s, _l, incidentId) => incidentId,
};

const key = (name: string, first = false): Uint8Array => Buffer.from(`${first ? '' : ','}"${name}":`, 'latin1');
const HEAD_ANOMALY = Buffer.from(`{"event_type":"anomaly","schema":"${ANOMALY_SCHEMA}","row":`, 'latin1');
const HEAD_FLOW = Buffer.from(`{"event_type":"flow","schema":"${ANOMALY_SCHEMA}","row":`, 'latin1');
const K_TS = key('ts'), K_TIMESTAMP = key('timestamp');
const K_IDENTITY = IDENTITY.map((k) => key(k));
const K_SYMBOLIC = (['protocol_type', 'service', 'flag'] as const).map((k) => key(k));
const K_STATS = STATS.map((k) => key(k));
const K_CONN_STATE = key('conn_state'), K_LABEL = key('label'), K_CATEGORY = key('category'), K_INCIDENT = key('incident_id');

/**
 * `JSON.stringify(buildRecord(rowNo, kept, s, labelColumn)) + '\n'` written straight into `out`,
 * without the record object (with `incident_id` last when `incidentId` is given, as analyze sets it): the same fields in the same order, each line of this function
 * mirroring one of buildRecord's (test/report/record.test.ts holds them equal on real runs).
 * Reasons are written as Scorer makes them (feature, value, typical, share, z, text, detector), or
 * by the Scorer itself when `reasons` names it.
 */
export function writeRecordJson(out: JsonLines, rowNo: number, kept: Row, s: FlowScore, labelColumn = 'label', reasons?: ReasonsJson, incidentId?: string): void {
  out.raw(s.isAnomaly ? HEAD_ANOMALY : HEAD_FLOW);
  out.number(rowNo);
  const ts = kept.ts;
  if (typeof ts === 'number' && Number.isFinite(ts)) {
    out.raw(K_TS);
    out.number(ts);
    out.raw(K_TIMESTAMP);
    out.string(new Date(ts * 1000).toISOString());
  }
  for (let q = 0; q < IDENTITY.length; q++) {
    const v = kept[IDENTITY[q]!];
    if (v !== null && v !== undefined && v !== '') {
      out.raw(K_IDENTITY[q]!);
      out.value(v);
    }
  }
  for (let q = 0; q < 3; q++) {
    const v = kept[q === 0 ? 'protocol_type' : q === 1 ? 'service' : 'flag'];
    if (v !== null && v !== undefined && v !== '') {
      out.raw(K_SYMBOLIC[q]!);
      out.string(String(v));
    }
  }
  writeScoreJson(out, s, reasons);
  for (let q = 0; q < STATS.length; q++) {
    const v = kept[STATS[q]!];
    if (typeof v === 'number' && Number.isFinite(v)) {
      out.raw(K_STATS[q]!);
      out.number(v);
    }
  }
  if (typeof kept.conn_state === 'string' && kept.conn_state !== '') {
    out.raw(K_CONN_STATE);
    out.string(kept.conn_state);
  }
  const label = kept[labelColumn];
  if (label !== null && label !== undefined && label !== '') {
    out.raw(K_LABEL);
    out.string(String(label));
  }
  const cat = kept.category;
  if (cat !== null && cat !== undefined && cat !== '') {
    out.raw(K_CATEGORY);
    out.string(String(cat));
  }
  writeScoreExtras(out, s);
  if (incidentId !== undefined) {
    out.raw(K_INCIDENT);
    out.string(incidentId);
  }
  out.byte(125);
  out.byte(10);
}
