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
import type { DatasetWriter, Row } from './types.ts';
import type { TextSink } from './output.ts';
import { KDD_COLUMNS } from '../features/schema.ts';

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

/** One KDD line (no line end) for a row, or undefined when the row's protocol has no KDD encoding. */
export function kddLine(row: Row): string | undefined {
  if (!KDD_PROTOCOLS.has(row.protocol_type as string)) return undefined;
  let s = '';
  for (let i = 0; i < PLAN.length; i++) {
    const p = PLAN[i]!;
    if (i > 0) s += ',';
    const v = row[p.name];
    switch (p.kind) {
      case 'duration':
        s += String(Math.trunc(num(v)));
        break;
      case 'symbol': {
        const t = String(v ?? '');
        s += p.name === 'flag' ? (KDD_FLAG[t] ?? t) : t;
        break;
      }
      case 'rate':
        s += rate2(num(v));
        break;
      default: {
        const n = Math.round(num(v));
        s += String(n > p.cap ? p.cap : n);
      }
    }
  }
  const label = row.label;
  if (label !== undefined && label !== null && label !== '') {
    const d = row.difficulty;
    s += ',' + String(label) + ',' + String(typeof d === 'number' && Number.isInteger(d) ? d : 0);
  }
  return s;
}

export class KddWriter implements DatasetWriter {
  private rows = 0;
  /** Rows skipped because their protocol is not tcp/udp/icmp. */
  skipped = 0;

  constructor(private readonly sink: TextSink) {}

  write(row: Row): void | Promise<void> {
    const line = kddLine(row);
    if (line === undefined) {
      this.skipped++;
      return;
    }
    this.rows++;
    return this.sink.write(line + '\n');
  }

  async close(): Promise<number> {
    await this.sink.close();
    return this.rows;
  }

  abort(): Promise<void> {
    return this.sink.abort();
  }
}
