/**
 * Writers for anomaly records: JSON Lines (one object a flow), CSV (flat; reasons joined with
 * "; "), and the terminal table (summary + one block per top anomaly, sorted by anomaly_score).
 */
import { stringify } from 'csv-stringify/sync';
import type { TextSink } from '../dataset/output.ts';
import { writeRecordJson, type AnomalyRecord, type ReasonsJson } from './record.ts';
import { KddRecordJson } from './score-json.ts';
import { KddRecordCsv, type ReasonTexts } from './score-csv.ts';
import type { KddBatch } from '../dataset/kdd.ts';
import type { Row } from '../dataset/types.ts';
import { formatValue, type FlowScore } from '../model/score.ts';
import { flowFilter } from './wireshark.ts';
import { JsonLines } from './json-line.ts';

export type ReportFormat = 'jsonl' | 'csv' | 'table';
export const REPORT_FORMATS: readonly ReportFormat[] = ['jsonl', 'csv', 'table'];

export interface RecordWriter {
  write(r: AnomalyRecord): void | Promise<void>;
  /**
   * Optional: write the record buildRecord(rowNo, kept, s, labelColumn) would make, without making
   * it (the JSON Lines writer serializes the score straight into its byte buffer).
   */
  writeScored?(rowNo: number, kept: Row, s: FlowScore, labelColumn: string, reasons?: ReasonsJson): void | Promise<void>;
  /**
   * Optional: the same for row r of a KDD column batch, the record of the Row kddTableFiller would
   * keep for it (no Row made).
   */
  writeKdd?(rowNo: number, b: KddBatch, r: number, s: FlowScore, labelColumn: string, reasons?: ReasonsJson): void | Promise<void>;
  /** Finish (table: print the summary and the top blocks). */
  end(summary: ScoreSummary): Promise<void>;
}

export interface ScoreSummary {
  flows: number;
  anomalies: number;
  perCluster: { cluster: number; flows: number; anomalies: number; profile?: string }[];
  threshold: string;
  scope: string;
  model: string;
  /** What the model learned from, e.g. "the baseline: 501 flows from samples/baseline.pcap". */
  trainedOn?: string;
  /** What the run decided on its own (k lowered, …), one line each. */
  notes?: string[];
  /** Heading of the profile column (default: centroid description). */
  profileHeading?: string;
}

export const CSV_COLUMNS = [
  'row', 'ts', 'timestamp', 'uid', 'community_id', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'proto',
  'protocol_type', 'service', 'flag', 'cluster', 'distance', 'threshold', 'anomaly_score', 'is_anomaly',
  'severity', 'reasons', 'label', 'category', 'pca_x', 'pca_y',
] as const;

/** Appended for autoencoder and hybrid models (a k-means model's CSV keeps CSV_COLUMNS). */
export const CSV_DETECTOR_COLUMNS = ['detector', 'kmeans_score', 'ae_error', 'ae_threshold', 'ae_score', 'detectors_fired'] as const;

export function csvRow(r: AnomalyRecord, columns: readonly string[] = CSV_COLUMNS): (string | number | boolean | null)[] {
  const o = r as unknown as Record<string, unknown>;
  return columns.map((c) => {
    if (c === 'reasons') return r.reasons.map((x) => x.text).join('; ');
    if (c === 'detectors_fired') return (r.detectors_fired ?? []).join(';');
    const v = o[c];
    return v === undefined || v === null ? '' : (v as string | number | boolean);
  });
}

/** Bytes handed to the sink at a time. */
const JSONL_BATCH = 1 << 20;

export function jsonlWriter(sink: TextSink): RecordWriter {
  if (!sink.writeBytes) {
    return {
      write: (r) => sink.write(JSON.stringify(r) + '\n'),
      end: async () => undefined,
    };
  }
  const out = new JsonLines(JSONL_BATCH * 2);
  let kdd: KddRecordJson | undefined;
  return {
    write(r) {
      out.line(r);
      if (out.pos >= JSONL_BATCH) return sink.writeBytes!(out.take());
    },
    writeScored(rowNo, kept, s, labelColumn, reasons) {
      writeRecordJson(out, rowNo, kept, s, labelColumn, reasons);
      if (out.pos >= JSONL_BATCH) return sink.writeBytes!(out.take());
    },
    writeKdd(rowNo, b, r, s, labelColumn, reasons) {
      if (kdd?.labelColumn !== labelColumn) kdd = new KddRecordJson(labelColumn);
      kdd.write(out, rowNo, b, r, s, reasons);
      if (out.pos >= JSONL_BATCH) return sink.writeBytes!(out.take());
    },
    async end() {
      if (out.pos > 0) await sink.writeBytes!(out.take());
    },
  };
}

/** CSV records; `detectors` adds CSV_DETECTOR_COLUMNS (the model has an autoencoder). */
export function csvWriter(sink: TextSink, detectors = false): RecordWriter {
  const columns: readonly string[] = detectors ? [...CSV_COLUMNS, ...CSV_DETECTOR_COLUMNS] : CSV_COLUMNS;
  let header = false;
  let buf: (string | number | boolean | null)[][] = [];
  // KDD rows of a k-means model are written as bytes (KddRecordCsv), the others through csv-stringify
  const out = !detectors && sink.writeBytes ? new JsonLines(JSONL_BATCH * 2) : undefined;
  let kdd: KddRecordCsv | undefined;
  const takeBytes = (): void | Promise<void> => (out && out.pos > 0 ? sink.writeBytes!(out.take()) : undefined);
  const flush = async (): Promise<void> => {
    await takeBytes();
    if (buf.length === 0) return;
    const text = stringify(buf, { cast: { boolean: (b) => (b ? 'true' : 'false') } });
    buf = [];
    await sink.write(text);
  };
  const writer: RecordWriter = {
    write(r) {
      if (!header) {
        buf.push([...columns]);
        header = true;
      }
      if (out && out.pos > 0) {
        // keep the rows in order: bytes written before these
        const w = takeBytes();
        buf.push(csvRow(r, columns));
        return w;
      }
      buf.push(csvRow(r, columns));
      if (buf.length >= 1024) return flush();
    },
    async end() {
      if (!header) buf.push([...columns]);
      await flush();
    },
  };
  if (out) {
    writer.writeKdd = (rowNo, b, r, s, labelColumn, reasons) => {
      if (!header || buf.length > 0) {
        if (!header) buf.push([...columns]);
        header = true;
        const text = stringify(buf, { cast: { boolean: (v) => (v ? 'true' : 'false') } });
        buf = [];
        const w = sink.write(text);
        if (w) return w.then(() => writer.writeKdd!(rowNo, b, r, s, labelColumn, reasons));
      }
      if (kdd?.labelColumn !== labelColumn) kdd = new KddRecordCsv(labelColumn);
      kdd.write(out, rowNo, b, r, s, reasons as ReasonTexts);
      if (out.pos >= JSONL_BATCH) return sink.writeBytes!(out.take());
    };
  }
  return writer;
}

/** One terminal block for an anomaly (conventions.md A3.2 `report` layout). */
export function formatBlock(rank: number, r: AnomalyRecord, scopeText: string): string {
  const proto = r.protocol_type ?? (r.proto !== undefined ? `proto ${r.proto}` : '');
  const where =
    r.src_ip !== undefined
      ? `${proto} ${r.src_ip}:${r.src_port ?? ''} → ${r.dst_ip}:${r.dst_port ?? ''}${r.service ? ` (${r.service})` : ''}`
      : `row ${r.row}  ${proto}${r.service ? ` ${r.service}` : ''}`;
  const when = r.timestamp ? `  ${r.timestamp}` : '';
  const lines = [
    `#${rank}${when}  ${where}${r.flag ? `  ${r.flag}` : ''}`,
    `    cluster ${r.cluster} · distance ${r.distance.toFixed(2)} > ${r.threshold.toFixed(2)} (${scopeText}) · anomaly_score ${r.anomaly_score.toFixed(2)} · severity ${r.severity ?? '-'}`,
  ];
  if (r.reasons.length) lines.push(`    why: ${r.reasons.map((x) => x.text).join(' · ')}`);
  const tail: string[] = [];
  if (r.uid) tail.push(`uid ${r.uid}`);
  if (r.label) tail.push(`label ${r.label}${r.category && r.category !== r.label ? ` (${r.category})` : ''}`);
  const filter = flowFilter(r);
  if (filter) tail.unshift(`wireshark: ${filter}`);
  if (r.incident_id) tail.push(`incident ${r.incident_id}`);
  if (tail.length) lines.push(`    ${tail.join('   ')}`);
  return lines.join('\n');
}

export function formatSummary(s: ScoreSummary, topClusters = 12, bySize = false): string {
  const pct = (a: number, b: number): string => (b ? ((100 * a) / b).toFixed(1) : '0.0');
  const lines = [
    `${formatValue(s.flows)} flows scored with ${s.model}${s.trainedOn ? ` trained on ${s.trainedOn}` : ''}: ${formatValue(s.anomalies)} anomalies (${pct(s.anomalies, s.flows)} %), threshold ${s.threshold} (${s.scope})`,
  ];
  for (const n of s.notes ?? []) lines.push(`  ${n}`);
  if (s.anomalies) lines.push('  flow severity: 1 = anomaly_score ≥ 3 (distance ≥ 3× the threshold) · 2 = ≥ 1.5 · 3 = above the threshold');
  const rows = [...s.perCluster].filter((c) => c.flows > 0).sort((a, b) => (bySize ? b.flows - a.flows : b.anomalies - a.anomalies || b.flows - a.flows));
  const w = Math.max(5, ...rows.map((c) => formatValue(c.flows).length));
  lines.push(`  cluster ${'flows'.padStart(w)}  anomalies${rows.some((c) => c.profile) ? `  ${s.profileHeading ?? 'what sets it apart (centroid vs all)'}` : ''}`);
  for (const c of rows.slice(0, topClusters)) {
    lines.push(`  ${String(c.cluster).padStart(7)} ${formatValue(c.flows).padStart(w)} ${formatValue(c.anomalies).padStart(10)}${c.profile ? '  ' + c.profile : ''}`);
  }
  if (rows.length > topClusters) lines.push(`  … ${rows.length - topClusters} more clusters`);
  return lines.join('\n');
}

/** Terminal output: keeps the top `top` anomalies (by anomaly_score) and prints them at the end. */
export function tableWriter(sink: TextSink, top: number): RecordWriter {
  const best: AnomalyRecord[] = [];
  return {
    write(r) {
      if (!r.is_anomaly) return;
      best.push(r);
      if (best.length > top * 4 + 64) {
        best.sort((a, b) => b.anomaly_score - a.anomaly_score);
        best.length = top;
      }
    },
    async end(s) {
      best.sort((a, b) => b.anomaly_score - a.anomaly_score);
      const shown = best.slice(0, top);
      const parts = [formatSummary(s)];
      if (shown.length) parts.push(`\ntop ${shown.length} anomalies:`);
      shown.forEach((r, i) => parts.push(formatBlock(i + 1, r, s.scope === 'cluster' ? `${s.threshold}, per cluster` : s.threshold)));
      await sink.write(parts.join('\n') + '\n');
    },
  };
}
