/**
 * KDD-format writer: the file reads like NSL-KDD's KDDTrain+.txt.
 *
 * - Exactly the 41 KDD features in KDD order, comma-separated, no header, `\n` line ends.
 * - duration in whole seconds (truncated); rates with 2 decimals; counts and bytes as integers.
 * - count/srv_count are capped at 511 and dst_host_count/dst_host_srv_count at 255, the ranges of the
 *   KDD data (the rich formats keep the true counts).
 * - flag: the 11 NSL-KDD flags. Zeek's RSTRH and SHR (a SYN-ACK seen, never the originator's SYN) do
 *   not occur in NSL-KDD; they are written as OTH (no SYN seen), the rich formats keep them.
 * - Only tcp, udp and icmp flows: other protocols have no KDD encoding; they are skipped and counted
 *   (`skipped`).
 * - When a row has a `label`, the label and a difficulty column (the row's `difficulty`, else 0 as a
 *   placeholder) are appended: 43 columns, exactly NSL-KDD's layout, so every NSL-KDD reader
 *   (including src/dataset/kdd.ts) loads it.
 */
import type { Row } from './types.ts';
import type { TextSink } from './output.ts';
import { KDD_COLUMNS } from '../features/schema.ts';
import { LineBuffer, LineWriter, compileValues, flushLines } from './csv.ts';

const KDD_PROTOCOLS = new Set(['tcp', 'udp', 'icmp']);
/** Zeek states NSL-KDD never shows → the KDD flag written instead. */
const KDD_FLAG: Record<string, string> = { RSTRH: 'OTH', SHR: 'OTH' };
const CAP: Record<string, number> = { count: 511, srv_count: 511, dst_host_count: 255, dst_host_srv_count: 255 };

type Kind = 'duration' | 'symbol' | 'rate' | 'int';

const PLAN: { name: string; kind: Kind; cap: number }[] = KDD_COLUMNS.map((c) => ({
  name: c.name,
  kind: c.name === 'duration' ? 'duration' : c.type === 'category' ? 'symbol' : c.unit === 'fraction' ? 'rate' : 'int',
  cap: CAP[c.name] ?? Infinity,
}));

function num(v: Row[string] | undefined): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'boolean' ? (v ? 1 : 0) : 0;
}

/** "0.00" … "1.00": rates are fractions, so 2-decimal text is a table lookup. */
const RATE2: string[] = Array.from({ length: 101 }, (_, i) => (i / 100).toFixed(2));

/** A rate with 2 decimals, exactly as toFixed(2) / printf("%.2f") round it. */
export function rate2(v: number): string {
  if (!(v >= 0 && v <= 1)) return v.toFixed(2);
  const x = v * 100;
  const r = Math.round(x);
  // Near a half-way point the binary value decides (0.175 is 0.17499…): let toFixed do those.
  return Math.abs(x - r) > 0.4999 ? v.toFixed(2) : RATE2[r]!;
}

const KIND_DURATION = 0;
const KIND_SYMBOL = 1;
const KIND_RATE = 2;
const KIND_INT = 3;
const KINDS = Uint8Array.from(PLAN, (p) => (p.kind === 'duration' ? KIND_DURATION : p.kind === 'symbol' ? KIND_SYMBOL : p.kind === 'rate' ? KIND_RATE : KIND_INT));
const CAPS = Float64Array.from(PLAN, (p) => p.cap);
const FLAG_AT = PLAN.findIndex((p) => p.name === 'flag');
const PROTO_AT = PLAN.findIndex((p) => p.name === 'protocol_type');
const N = PLAN.length;
/** The 41 features, then label and difficulty (compiled monomorphic reads). */
const readValues = compileValues([...PLAN.map((p) => p.name), 'label', 'difficulty']);
const values: Row[string][] = new Array<Row[string]>(N + 2).fill(null);

/**
 * Append the KDD line of `row` (no line end) to `lb`; false (nothing written) when the row's
 * protocol has no KDD encoding.
 */
export function writeKddLine(row: Row, lb: LineBuffer): boolean {
  readValues(row, values);
  if (!KDD_PROTOCOLS.has(values[PROTO_AT] as string)) return false;
  for (let i = 0; i < N; i++) {
    if (i > 0) lb.byte(44);
    const v = values[i];
    switch (KINDS[i]) {
      case KIND_DURATION:
        lb.int(Math.trunc(num(v)));
        break;
      case KIND_SYMBOL: {
        const t = String(v ?? '');
        lb.text(i === FLAG_AT ? (KDD_FLAG[t] ?? t) : t);
        break;
      }
      case KIND_RATE:
        lb.text(rate2(num(v)));
        break;
      default: {
        const n = Math.round(num(v));
        const cap = CAPS[i]!;
        lb.int(n > cap ? cap : n);
      }
    }
  }
  const label = values[N];
  if (label !== undefined && label !== null && label !== '') {
    const d = values[N + 1];
    lb.byte(44);
    lb.text(String(label));
    lb.byte(44);
    lb.int(typeof d === 'number' && Number.isInteger(d) ? d : 0);
  }
  return true;
}

const lineBuffer = new LineBuffer();

/** One KDD line (no line end) for a row, or undefined when the row's protocol has no KDD encoding. */
export function kddLine(row: Row): string | undefined {
  return writeKddLine(row, lineBuffer) ? lineBuffer.take().toString('utf8') : undefined;
}

export class KddWriter extends LineWriter {
  /** Rows skipped because their protocol is not tcp/udp/icmp. */
  skipped = 0;

  constructor(sink: TextSink) {
    super(sink);
  }

  write(row: Row): void | Promise<void> {
    const lb = this.lb;
    if (!writeKddLine(row, lb)) {
      this.skipped++;
      return;
    }
    lb.byte(10);
    this.rows++;
    if (lb.full) return flushLines(lb, this.sink);
  }

}
