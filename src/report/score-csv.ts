/**
 * score's CSV rows of NSL-KDD / KDD99 rows written straight from readKddBatches' columns as bytes:
 * what csvWriter makes of buildRecord's record through csvRow and csv-stringify (its quoting: a
 * field with a comma, quote or line break is quoted, quotes doubled), without the record, the
 * array of fields or the string. A k-means model's columns (CSV_COLUMNS) only.
 */
import type { FlowScore } from '../model/score.ts';
import type { KddBatch } from '../dataset/kdd.ts';
import { KDD_FEATURE_NAMES, KDD_SYMBOLIC } from '../dataset/kdd.ts';
import type { JsonLines } from './json-line.ts';
import { KddPieces } from './score-json.ts';

/** Row i's reasons as their texts joined by "; " (Scorer.writeReasonTexts). */
export interface ReasonTexts {
  scorer: { writeReasonTexts(out: JsonLines, i: number, s: FlowScore, n: number): boolean };
  i: number;
  n: number;
}

/** A field as csv-stringify writes it with the default options. */
export function csvField(v: string): string {
  if (v === '') return '';
  const q = v.includes('"');
  return q || v.includes(',') || v.includes('\n') || v.includes('\r') ? `"${q ? v.replaceAll('"', '""') : v}"` : v;
}

const bytes = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const COMMA = 44;
/** After the row number: ts, timestamp, uid, community_id, src_ip, src_port, dst_ip, dst_port and proto are empty. */
const EMPTY_IDENTITY = bytes(',,,,,,,,,,');
const FLAGS = [false, true].map((a) => ['', '1', '2', '3'].map((s) => bytes(`,${a},${s},`)));

/** Symbols are cached as the field and its comma (`tcp,`), labels as `,label,category`. */
export class KddRecordCsv extends KddPieces {
  /** Per cluster: `j,` and `,threshold,` for the threshold last seen. */
  private readonly clusterPiece: Uint8Array[] = [];
  private readonly thresholdPiece: Uint8Array[] = [];
  private readonly thresholdOf: number[] = [];

  write(out: JsonLines, rowNo: number, b: KddBatch, r: number, s: FlowScore, reasons: ReasonTexts): void {
    this.follow(b);
    number(out, rowNo);
    out.raw(EMPTY_IDENTITY);
    for (let q = 0; q < 3; q++) {
      const code = b.sym[r * 3 + q]!;
      out.raw(this.sym[q]![code] ?? (this.sym[q]![code] = bytes(`${csvField(b.symbols[q]![code]!)},`)));
    }
    const c = s.cluster;
    let cp = this.clusterPiece[c];
    if (cp === undefined) {
      cp = bytes(`${c},`);
      if (Number.isInteger(c) && c >= 0 && c < 1 << 20) this.clusterPiece[c] = cp;
    }
    out.raw(cp);
    round6(out, s.distance);
    let tp = this.thresholdPiece[c];
    if (tp === undefined || this.thresholdOf[c] !== s.threshold) {
      tp = bytes(`,${String(r6(s.threshold))},`);
      if (Number.isInteger(c) && c >= 0 && c < 1 << 20) {
        this.thresholdPiece[c] = tp;
        this.thresholdOf[c] = s.threshold;
      }
    }
    out.raw(tp);
    round6(out, s.anomalyScore);
    out.raw(FLAGS[s.isAnomaly ? 1 : 0]![s.severity ?? 0]!);
    const start = out.pos;
    reasons.scorer.writeReasonTexts(out, reasons.i, s, reasons.n);
    quoteFrom(out, start);
    const lc = b.label[r]!;
    if (this.labelColumn === 'label' || this.labelColumn === 'category') {
      let p = this.lab[lc];
      if (p === undefined) {
        const label = this.labelColumn === 'label' ? b.labels[lc]! : b.categories[lc]!;
        this.lab[lc] = p = bytes(`,${csvField(label)},${csvField(b.categories[lc]!)}`);
      }
      out.raw(p);
    } else {
      let label = '';
      if (this.labelColumn === 'difficulty') label = b.variant === 'nsl-kdd' ? String(b.difficulty[r]!) : '';
      else if (this.labelFeature >= 0) {
        const q = KDD_SYMBOLIC.indexOf(this.labelColumn);
        label = q >= 0 ? b.symbols[q]![b.sym[r * 3 + q]!]! : String(b.x[r * KDD_FEATURE_NAMES.length + this.labelFeature]!);
      }
      out.byte(COMMA);
      out.raw(bytes(csvField(label)));
      out.byte(COMMA);
      out.raw(bytes(csvField(b.categories[lc]!)));
    }
    out.byte(COMMA);
    if (s.pca) {
      round6(out, s.pca[0]);
      out.byte(COMMA);
      round6(out, s.pca[1]);
    } else out.byte(COMMA);
    out.byte(10);
  }
}

const r6 = (v: number): number => (Number.isFinite(v) ? Math.round(v * 1e6) / 1e6 : v);

/** `'' + r6(v)` (csv-stringify's number cast): JSON's digits when finite, else NaN / Infinity. */
function round6(out: JsonLines, v: number): void {
  if (Number.isFinite(v)) out.round6(v);
  else out.ascii(String(v));
}

function number(out: JsonLines, v: number): void {
  if (Number.isFinite(v)) out.number(v);
  else out.ascii(String(v));
}

/** Quote the field written from `start` when it holds a comma, quote or line break, doubling its quotes. */
function quoteFrom(out: JsonLines, start: number): void {
  const b = out.buf;
  let quotes = 0, special = false;
  for (let p = start; p < out.pos; p++) {
    const c = b[p]!;
    if (c === 34) quotes++;
    else if (c === 44 || c === 10 || c === 13) special = true;
  }
  if (!special && quotes === 0) return;
  const field = Buffer.from(b.subarray(start, out.pos));
  out.pos = start;
  out.byte(34);
  for (let p = 0; p < field.length; p++) {
    if (field[p] === 34) out.byte(34);
    out.byte(field[p]!);
  }
  out.byte(34);
}
