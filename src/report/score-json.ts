/**
 * The score part of an anomaly record as JSON bytes (cluster … reasons, then PCA and the detector
 * fields), shared by writeRecordJson and by the KDD column writer below, which writes whole records
 * of NSL-KDD / KDD99 rows straight from readKddBatches' columns: no Row, no record object, no
 * string per field. Pieces that repeat (a cluster's threshold, a symbol, a label) are encoded once.
 */
import type { FlowScore, Reason } from '../model/score.ts';
import type { KddBatch } from '../dataset/kdd.ts';
import { KDD_FEATURE_NAMES, KDD_SYMBOLIC } from '../dataset/kdd.ts';
import { JsonLines } from './json-line.ts';

/** Reasons written by the Scorer itself (row i, n of them) instead of from s.reasons (see Scorer.writeReasonsJson). */
export interface ReasonsJson {
  /** writeReasonTexts: the texts joined by "; " (CSV). */
  scorer: { writeReasonsJson(out: JsonLines, i: number, s: FlowScore, n: number): boolean; writeReasonTexts?(out: JsonLines, i: number, s: FlowScore, n: number): boolean };
  i: number;
  n: number;
}

const key = (name: string, first = false): Uint8Array => Buffer.from(`${first ? '' : ','}"${name}":`, 'latin1');
const K_THRESHOLD = key('threshold'), K_SCORE = key('anomaly_score');
const K_PCA_X = key('pca_x'), K_PCA_Y = key('pca_y');
const K_DETECTOR = key('detector'), K_KMEANS_SCORE = key('kmeans_score'), K_AE_ERROR = key('ae_error'), K_AE_THRESHOLD = key('ae_threshold');
const K_AE_SCORE = key('ae_score'), K_FIRED = key('detectors_fired');
const R_FEATURE = key('feature', true), R_VALUE = key('value'), R_TYPICAL = key('typical'), R_SHARE = key('share'), R_Z = key('z'), R_TEXT = key('text');
const R_DETECTOR = key('detector');
/** `,"is_anomaly":…,"severity":…,"reasons":` for (is_anomaly, severity null / 1 / 2 / 3). */
const FLAGS = [false, true].map((a) => ['null', '1', '2', '3'].map((s) => Buffer.from(`,"is_anomaly":${a},"severity":${s},"reasons":`, 'latin1')));

const r6 = (v: number): number => (Number.isFinite(v) ? Math.round(v * 1e6) / 1e6 : v);

/** Pre-encoded pieces per cluster: `,"cluster":j,"distance":` and `,"threshold":t,"anomaly_score":` for the threshold last seen. */
const clusterHead: Uint8Array[] = [];
const thresholdPiece: Uint8Array[] = [];
const thresholdOf: number[] = [];

function piece(write: (j: JsonLines) => void): Uint8Array {
  const j = new JsonLines(256);
  write(j);
  return Uint8Array.from(j.take());
}

/** `,"cluster":…` to the reasons' closing bracket, as buildRecord + JSON.stringify write it. */
export function writeScoreJson(out: JsonLines, s: FlowScore, reasons?: ReasonsJson): void {
  const c = s.cluster;
  let head = clusterHead[c];
  if (head === undefined) {
    head = piece((j) => {
      j.raw(key('cluster'));
      j.number(c);
      j.raw(key('distance'));
    });
    if (Number.isInteger(c) && c >= 0 && c < 1 << 20) clusterHead[c] = head;
  }
  out.raw(head);
  if (Number.isFinite(s.distance)) out.round6(s.distance);
  else out.number(s.distance);
  const t = s.threshold;
  let th = thresholdPiece[c];
  if (th === undefined || thresholdOf[c] !== t) {
    th = piece((j) => {
      j.raw(K_THRESHOLD);
      j.number(r6(t));
      j.raw(K_SCORE);
    });
    if (Number.isInteger(c) && c >= 0 && c < 1 << 20) {
      thresholdPiece[c] = th;
      thresholdOf[c] = t;
    }
  }
  out.raw(th);
  if (Number.isFinite(s.anomalyScore)) out.round6(s.anomalyScore);
  else out.number(s.anomalyScore);
  out.raw(FLAGS[s.isAnomaly ? 1 : 0]![s.severity ?? 0]!);
  if (!reasons?.scorer.writeReasonsJson(out, reasons.i, s, reasons.n)) writeReasons(out, s.reasons);
}

/** The fields buildRecord puts after the label: pca_x / pca_y, then the detector fields. */
export function writeScoreExtras(out: JsonLines, s: FlowScore): void {
  if (s.pca) {
    out.raw(K_PCA_X);
    out.number(r6(s.pca[0]));
    out.raw(K_PCA_Y);
    out.number(r6(s.pca[1]));
  }
  if (s.detector !== undefined) {
    out.raw(K_DETECTOR);
    out.string(s.detector);
    if (s.kmeansScore !== undefined) {
      out.raw(K_KMEANS_SCORE);
      out.number(r6(s.kmeansScore));
    }
    out.raw(K_AE_ERROR);
    out.number(r6(s.aeError!));
    out.raw(K_AE_THRESHOLD);
    out.number(r6(s.aeThreshold!));
    out.raw(K_AE_SCORE);
    out.number(r6(s.aeScore!));
    out.raw(K_FIRED);
    out.value(s.fired ?? []);
  }
}

function writeReasons(out: JsonLines, reasons: Reason[]): void {
  out.byte(91);
  for (let q = 0; q < reasons.length; q++) {
    const r = reasons[q]!;
    out.byte(q === 0 ? 123 : 44);
    if (q > 0) out.byte(123);
    out.raw(R_FEATURE);
    out.string(r.feature);
    out.raw(R_VALUE);
    out.value(r.value);
    out.raw(R_TYPICAL);
    out.value(r.typical);
    out.raw(R_SHARE);
    out.number(r.share);
    if (r.z !== undefined) {
      out.raw(R_Z);
      out.number(r.z);
    }
    out.raw(R_TEXT);
    out.string(r.text);
    if (r.detector !== undefined) {
      out.raw(R_DETECTOR);
      out.string(r.detector);
    }
    out.byte(125);
  }
  out.byte(93);
}

const HEADS = ['flow', 'anomaly'].map((t) => Buffer.from(`{"event_type":"${t}","schema":"flowsift.anomaly/1","row":`, 'latin1'));
/** KDD columns a record carries after the reasons (record.ts STATS that KDD rows have), by KDD index. */
const STAT_FIELDS = ['duration', 'src_bytes', 'dst_bytes', 'num_failed_logins'].map((n) => ({ at: KDD_FEATURE_NAMES.indexOf(n), key: key(n) }));
const EMPTY = new Uint8Array(0);

/**
 * What the KDD column writers (JSON here, CSV in score-csv.ts) cache per batch vocabulary: each
 * symbol's and label code's encoded piece, dropped when a batch comes from another file.
 */
export abstract class KddPieces {
  readonly labelColumn: string;
  /** Index of the label column among the KDD features, or −1 (label, category, difficulty or absent). */
  protected readonly labelFeature: number;
  private symbolsOf: KddBatch['symbols'] | undefined;
  private labelsOf: string[] | undefined;
  /** Per symbolic column and code: the encoded field. */
  protected sym: Uint8Array[][] = [[], [], []];
  /** Per label code: the encoded label and category, when both come from the label code. */
  protected lab: Uint8Array[] = [];

  constructor(labelColumn: string) {
    this.labelColumn = labelColumn;
    this.labelFeature = KDD_FEATURE_NAMES.indexOf(labelColumn);
  }

  /** Starts over when b comes from another file: its own vocabularies. */
  protected follow(b: KddBatch): void {
    if (this.symbolsOf === b.symbols && this.labelsOf === b.labels) return;
    this.symbolsOf = b.symbols;
    this.labelsOf = b.labels;
    this.sym = [[], [], []];
    this.lab = [];
  }
}

/**
 * Records of KDD rows (readKddBatches) as JSON Lines: what writeRecordJson writes for the Row that
 * kddTableFiller keeps (RECORD_KEEP plus the label column), taken from the batch's columns.
 */
export class KddRecordJson extends KddPieces {
  write(out: JsonLines, rowNo: number, b: KddBatch, r: number, s: FlowScore, reasons?: ReasonsJson): void {
    this.follow(b);
    out.raw(HEADS[s.isAnomaly ? 1 : 0]!);
    out.number(rowNo);
    for (let q = 0; q < 3; q++) {
      const code = b.sym[r * 3 + q]!;
      let p = this.sym[q]![code];
      if (p === undefined) {
        const v = b.symbols[q]![code]!;
        this.sym[q]![code] = p = v === '' ? EMPTY : piece((j) => {
          j.raw(key(KDD_SYMBOLIC[q]!));
          j.string(v);
        });
      }
      out.raw(p);
    }
    writeScoreJson(out, s, reasons);
    const xo = r * KDD_FEATURE_NAMES.length;
    for (let q = 0; q < STAT_FIELDS.length; q++) {
      const f = STAT_FIELDS[q]!;
      const v = b.x[xo + f.at]!;
      if (Number.isFinite(v)) {
        out.raw(f.key);
        out.number(v);
      }
    }
    const lc = b.label[r]!;
    if (this.labelColumn === 'label' || this.labelColumn === 'category') {
      let p = this.lab[lc];
      if (p === undefined) {
        const label = this.labelColumn === 'label' ? b.labels[lc]! : b.categories[lc]!;
        const cat = b.categories[lc]!;
        this.lab[lc] = p = piece((j) => {
          if (label !== '') {
            j.raw(key('label'));
            j.string(label);
          }
          if (cat !== '') {
            j.raw(key('category'));
            j.string(cat);
          }
        });
      }
      out.raw(p);
    } else {
      let label: string | undefined;
      if (this.labelColumn === 'difficulty') label = b.variant === 'nsl-kdd' ? String(b.difficulty[r]!) : undefined;
      else if (this.labelFeature >= 0) {
        const q = KDD_SYMBOLIC.indexOf(this.labelColumn);
        label = q >= 0 ? b.symbols[q]![b.sym[r * 3 + q]!]! : String(b.x[xo + this.labelFeature]!);
      }
      if (label !== undefined && label !== '') {
        out.raw(K_LABEL);
        out.string(label);
      }
      const cat = b.categories[lc]!;
      if (cat !== '') {
        out.raw(K_CATEGORY);
        out.string(cat);
      }
    }
    writeScoreExtras(out, s);
    out.byte(125);
    out.byte(10);
  }
}

const K_LABEL = key('label'), K_CATEGORY = key('category');
