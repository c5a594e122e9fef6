/**
 * KDD-format writer: the file reads like NSL-KDD's KDDTrain+.txt.
 *
 * - Exactly the 41 KDD features in KDD order, comma-separated, no header, `\n` line ends.
 * - By each feature's declaration (features/schema.ts, `kdd`): duration in whole seconds
 *   (truncated); counts capped at the ranges of the KDD data (count/srv_count 511,
 *   dst_host_count/dst_host_srv_count 255); flag values NSL-KDD never shows mapped (RSTRH, SHR → OTH).
 *   The rich formats keep the true values.
 * - Rates with 2 decimals; counts and bytes as integers.
 * - Only tcp, udp and icmp flows: other protocols have no KDD encoding; they are skipped and counted
 *   (`skipped`).
 * - When a row has a `label`, the label and a difficulty column (the row's `difficulty`, else 0 as a
 *   placeholder) are appended: 43 columns, exactly NSL-KDD's layout, so every NSL-KDD reader
 *   (including src/dataset/kdd.ts) loads it.
 */
import type { Row } from './types.ts';
import type { TextSink } from './output.ts';
import { KDD_COLUMNS } from '../features/schema.ts';
import { LineBuffer, LineWriter, flushLines, putPlain, putUint } from './csv.ts';
import { compileFunction } from '../v8-workarounds.ts';

const KDD_PROTOCOLS = new Set(['tcp', 'udp', 'icmp']);

type Kind = 'duration' | 'symbol' | 'rate' | 'int';

const PLAN: { name: string; kind: Kind; cap: number; map: Readonly<Record<string, string>> | undefined }[] = KDD_COLUMNS.map((c) => ({
  name: c.name,
  kind: c.kdd?.whole === true ? 'duration' : c.type === 'category' ? 'symbol' : c.unit === 'fraction' ? 'rate' : 'int',
  cap: c.kdd?.cap ?? Infinity,
  map: c.kdd?.map,
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

/** Per row: bytes reserved for the numbers and separators (symbols check their own length). */
const RESERVE = PLAN.length * 18 + 2;

/** A rate in [0, 1] not near a half-way point, as "0.xx" / "1.00" bytes (rate2's table case); -1 otherwise. */
function putRate2(b: Uint8Array, o: number, v: number): number {
  const x = v * 100;
  const r = Math.round(x);
  if (Math.abs(x - r) > 0.4999) return -1;
  if (r === 100) {
    b[o] = 49;
    b[o + 1] = 46;
    b[o + 2] = 48;
    b[o + 3] = 48;
  } else {
    const t = (r / 10) | 0;
    b[o] = 48;
    b[o + 1] = 46;
    b[o + 2] = 48 + t;
    b[o + 3] = 48 + r - 10 * t;
  }
  return o + 4;
}

/** The generic formatting of field `i` (as the fast paths would, for any value); renews the reservation, returns lb.off. */
function putKddSlow(lb: LineBuffer, o: number, i: number, v: Row[string] | undefined): number {
  lb.off = o;
  const p = PLAN[i]!;
  switch (p.kind) {
    case 'duration':
      lb.int(Math.trunc(num(v)));
      break;
    case 'symbol': {
      const t = String(v ?? '');
      lb.text(p.map !== undefined ? (p.map[t] ?? t) : t);
      break;
    }
    case 'rate':
      lb.text(rate2(num(v)));
      break;
    default: {
      const n = Math.round(num(v));
      lb.int(n > p.cap ? p.cap : n);
    }
  }
  lb.room(RESERVE);
  return lb.off;
}

type KddRowWriter = (row: Row, lb: LineBuffer) => void;

/**
 * The 41 fields of a row (no line end), compiled: per column one constant-key load and the fast
 * path of its kind (a shared loop switching on the kind mispredicted its branches), digits and
 * rates straight into the buffer; any other value takes putKddSlow.
 */
function buildKddRow(): KddRowWriter {
  const lines: string[] = ['lb.room(RESERVE);', 'let b = lb.buf;', 'let o = lb.off;', 'let v, k;'];
  PLAN.forEach((p, i) => {
    if (i > 0) lines.push('b[o++] = 44;');
    // Column names are JSON-quoted string literals: no code from the data.
    lines.push(`v = row[${JSON.stringify(p.name)}];`);
    const slow = `{ o = putKddSlow(lb, o, ${i}, v); b = lb.buf; }`;
    switch (p.kind) {
      case 'duration':
        lines.push(`if (typeof v === 'number' && v >= 0 && v < 9007199254740992) o = putUint(b, o, Math.trunc(v)); else ${slow}`);
        break;
      case 'symbol':
        if (p.map !== undefined) lines.push(`if (typeof v === 'string' && MAP${i}[v] === undefined && (k = putPlain(lb, o, v, RESERVE, false)) >= 0) { o = k; b = lb.buf; } else ${slow}`);
        else lines.push(`if (typeof v === 'string' && (k = putPlain(lb, o, v, RESERVE, false)) >= 0) { o = k; b = lb.buf; } else ${slow}`);
        break;
      case 'rate':
        lines.push(`if (typeof v === 'number' && v >= 0 && v <= 1 && (k = putRate2(b, o, v)) >= 0) o = k; else ${slow}`);
        break;
      default:
        lines.push(`if (typeof v === 'number' && v >= 0 && v < 9007199254740992) { k = Math.round(v); o = putUint(b, o, k > ${p.cap} ? ${p.cap} : k); } else ${slow}`);
    }
  });
  lines.push('lb.off = o;');
  const maps: Record<string, unknown> = {};
  PLAN.forEach((p, i) => { if (p.map !== undefined) maps[`MAP${i}`] = p.map; });
  // Code per column (scripts/bench-rows.ts); column names are JSON-quoted literals, no code from the data.
  return compileFunction<KddRowWriter>('kddRow', { RESERVE, putUint, putPlain, putRate2, putKddSlow, ...maps }, ['row', 'lb'], lines.join('\n'));
}

const kddRow = buildKddRow();

/**
 * Append the KDD line of `row` (no line end) to `lb`; false (nothing written) when the row's
 * protocol has no KDD encoding.
 */
export function writeKddLine(row: Row, lb: LineBuffer): boolean {
  if (!KDD_PROTOCOLS.has(row.protocol_type as string)) return false;
  kddRow(row, lb);
  const label = row.label;
  if (label !== undefined && label !== null && label !== '') {
    const d = row.difficulty;
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
