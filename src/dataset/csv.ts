/**
 * CSV dataset writer (RFC 4180): a header line with the column names, then one line per row, `\n`
 * line ends. Numbers are plain decimals (never exponent form); times in seconds (unit 's') and rates
 * (unit 'fraction') with at most 6 decimals (µs; JSON Lines keeps the full float); booleans
 * `true`/`false`; null or a missing value is an empty field. Fields that need quoting (a comma, quote, CR or LF inside) are
 * quoted by csv-stringify; everything else takes a fast path (csv-stringify costs ~30 µs a row,
 * which would dominate a 40-column dataset of millions of flows): a row writer compiled per column
 * layout puts digits and ASCII straight into one reused byte buffer (scripts/bench-rows.ts measures it).
 */
import { stringify } from 'csv-stringify/sync';
import type { ColumnDef, DatasetWriter, Row } from './types.ts';
import type { TextSink } from './output.ts';
import { cachedCompile, compileFunction } from '../v8-workarounds.ts';

const NEEDS_QUOTING = /[",\r\n]/;

/** One CSV field (RFC 4180). */
export function csvField(v: Row[string] | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  let plain = true;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    // " , \r \n
    if (c === 34 || c === 44 || c === 13 || c === 10) {
      plain = false;
      break;
    }
  }
  if (plain) return v;
  return stringify([[v]], { eof: false, quoted_match: NEEDS_QUOTING });
}

const ZEROS = ['', '0', '00', '000', '0000', '00000'];

/**
 * A non-negative number with at most 6 decimals, trailing zeros dropped (0.5 → "0.5", 1/3 →
 * "0.333333", 1700000000.0144461 → "1700000000.014446"). Integer arithmetic only: several times
 * faster than the shortest-round-trip String(float) that dominated writing rows. Used for times in
 * seconds (µs precision, which is all a float epoch time holds) and for rates.
 */
export function formatMicro(v: number): string {
  if (!(v >= 0) || v >= 9e9) return formatNumber(v);
  const us = Math.round(v * 1e6);
  const ip = Math.floor(us / 1e6);
  let fp = us - ip * 1e6;
  if (fp === 0) return String(ip);
  let digits = 6;
  while (fp % 10 === 0) {
    fp /= 10;
    digits--;
  }
  const f = String(fp);
  return `${ip}.${ZEROS[digits - f.length]}${f}`;
}

/** Bytes handed to the sink in batches of about this size (one write per batch, not per row). */
const BATCH_BYTES = 1 << 16;

/** "000" … "999" as ASCII: three digits per table load. */
const DIGITS3 = new Uint8Array(3000);
/** Trailing zero digits of the 3-digit group k ("100" → 2; 0 → 3). */
const TRAILING0 = new Uint8Array(1000);
for (let k = 0; k < 1000; k++) {
  DIGITS3[3 * k] = 48 + Math.floor(k / 100);
  DIGITS3[3 * k + 1] = 48 + (Math.floor(k / 10) % 10);
  DIGITS3[3 * k + 2] = 48 + (k % 10);
  TRAILING0[k] = k === 0 ? 3 : k % 100 === 0 ? 2 : k % 10 === 0 ? 1 : 0;
}

/**
 * Write the integer 0 ≤ v < 1e9 at `o` (plain digits, as String(v)); returns the offset after it.
 * 32-bit integer arithmetic, three digits per step.
 */
function putSmallUint(b: Uint8Array, o: number, v: number): number {
  if (v < 10) {
    b[o] = 48 + v;
    return o + 1;
  }
  const len = v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : v < 100000 ? 5 : v < 1000000 ? 6 : v < 10000000 ? 7 : v < 100000000 ? 8 : 9;
  let e = o + len;
  while (v >= 1000) {
    const q = (v / 1000) | 0;
    const r = 3 * (v - q * 1000);
    b[--e] = DIGITS3[r + 2]!;
    b[--e] = DIGITS3[r + 1]!;
    b[--e] = DIGITS3[r]!;
    v = q;
  }
  // 1..3 leading digits
  const r = 3 * v;
  if (v >= 100) b[--e] = DIGITS3[r + 2]!, b[--e] = DIGITS3[r + 1]!, b[--e] = DIGITS3[r]!;
  else if (v >= 10) b[--e] = DIGITS3[r + 2]!, b[--e] = DIGITS3[r + 1]!;
  else b[--e] = DIGITS3[r + 2]!;
  return o + len;
}

/** The three digits of 0 ≤ k < 1000, zero-padded, at `o`. */
function put3(b: Uint8Array, o: number, k: number): void {
  const r = 3 * k;
  b[o] = DIGITS3[r]!;
  b[o + 1] = DIGITS3[r + 1]!;
  b[o + 2] = DIGITS3[r + 2]!;
}

/** The nine digits of 0 ≤ v < 1e9, zero-padded, at `o`. */
function putNine(b: Uint8Array, o: number, v: number): void {
  const hi = (v / 1000000) | 0;
  const rest = v - hi * 1000000;
  const mid = (rest / 1000) | 0;
  put3(b, o, hi);
  put3(b, o + 3, mid);
  put3(b, o + 6, rest - mid * 1000);
}

/**
 * Write the integer 0 ≤ v < 2^53 at `o` exactly as String(v) prints it (at most 16 bytes); returns
 * the offset after it.
 */
export function putUint(b: Uint8Array, o: number, v: number): number {
  if (v < 1e9) return putSmallUint(b, o, v);
  const hi = Math.floor(v / 1e9);
  o = putSmallUint(b, o, hi);
  putNine(b, o, v - hi * 1e9);
  return o + 9;
}

/** Most bytes a number written by putUint or putMicro takes, with its separator. */
export const NUM_MAX = 18;

/** Largest value the micro fast path takes (the integer part stays below 2^53 / 1e6). */
const MICRO_MAX = 9e9;

/**
 * Write 0 ≤ v < 9e9 at `o` exactly as formatMicro(v) prints it (at most 17 bytes): the integer part,
 * then up to 6 decimals of Math.round(v · 1e6) without trailing zeros. Returns the offset after it.
 */
export function putMicro(b: Uint8Array, o: number, v: number): number {
  const us = Math.round(v * 1e6);
  const ip = Math.floor(us / 1e6);
  const fp = us - ip * 1e6;
  o = putUint(b, o, ip);
  if (fp === 0) return o;
  const hi = (fp / 1000) | 0;
  const lo = fp - hi * 1000;
  b[o] = 46;
  put3(b, o + 1, hi);
  put3(b, o + 4, lo);
  return lo !== 0 ? o + 7 - TRAILING0[lo]! : o + 4 - TRAILING0[hi]!;
}

/**
 * Text built as bytes in one reusable buffer: ASCII strings are copied char by char and numbers
 * written digit by digit, so a row makes no intermediate strings (the string per field and the
 * joined line were most of the cost of writing a row — formatting and then garbage collection).
 * Anything unusual (non-ASCII text, huge or non-finite numbers) takes the string path.
 */
export class LineBuffer {
  buf: Buffer = Buffer.allocUnsafe(BATCH_BYTES * 2);
  off = 0;
  private viewOf: Buffer | undefined;
  private dv: DataView | undefined;

  /** A DataView of the current buffer (for multi-byte stores; renewed when the buffer grows). */
  view(): DataView {
    if (this.viewOf !== this.buf) {
      this.viewOf = this.buf;
      this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    }
    return this.dv!;
  }

  /** Make room for `n` more bytes (grows; never hands bytes over mid-line). */
  room(n: number): void {
    if (this.off + n <= this.buf.length) return;
    const b = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.off + n));
    this.buf.copy(b, 0, 0, this.off);
    this.buf = b;
  }

  byte(c: number): void {
    this.room(1);
    this.buf[this.off++] = c;
  }

  /**
   * Copy `s` if it is ASCII and (with `csv`) holds no comma, quote, CR or LF; returns false and
   * writes nothing otherwise.
   */
  plain(s: string, csv: boolean): boolean {
    const n = s.length;
    this.room(n);
    const b = this.buf;
    let o = this.off;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 128 || (csv && (c === 34 || c === 44 || c === 13 || c === 10))) return false;
      b[o++] = c;
    }
    this.off = o;
    return true;
  }

  /** Any text, UTF-8. */
  text(s: string): void {
    if (this.plain(s, false)) return;
    this.room(s.length * 3);
    this.off += this.buf.write(s, this.off, 'utf8');
  }

  /** An integer, as String(v) prints it below 1e21 (plain digits). */
  int(v: number): void {
    if (!(v > -9007199254740992 && v < 9007199254740992)) return this.text(formatNumber(v));
    this.room(17);
    if (v < 0) {
      this.buf[this.off++] = 45;
      v = -v;
    }
    this.off = putUint(this.buf, this.off, v);
  }

  /** Exactly formatMicro(v): at most 6 decimals, trailing zeros dropped. */
  micro(v: number): void {
    if (!(v >= 0) || v >= MICRO_MAX) return this.text(formatNumber(v));
    this.room(17);
    this.off = putMicro(this.buf, this.off, v);
  }

  /** A batch is ready to hand over (call at a line end). */
  get full(): boolean {
    return this.off >= BATCH_BYTES;
  }

  /** The bytes so far; the buffer is reused afterwards (the receiver must use or copy them at once). */
  take(): Buffer {
    const bytes = this.buf.subarray(0, this.off);
    this.off = 0;
    return bytes;
  }
}

/** Hand the batch to the sink (bytes when it takes them, else text). */
export function flushLines(lb: LineBuffer, sink: TextSink): void | Promise<void> {
  if (lb.off === 0) return;
  const bytes = lb.take();
  return sink.writeBytes ? sink.writeBytes(bytes) : sink.write(bytes.toString('utf8'));
}

/**
 * Shared tail of the line-oriented writers (CSV, JSON Lines, KDD): rows are built as bytes in one
 * LineBuffer and handed to the sink in batches; close() flushes and commits, abort() drops the rest.
 */
export abstract class LineWriter implements DatasetWriter {
  protected rows = 0;
  protected readonly lb = new LineBuffer();
  constructor(protected readonly sink: TextSink) {}

  abstract write(row: Row): void | Promise<void>;

  async close(): Promise<number> {
    await flushLines(this.lb, this.sink);
    await this.sink.close();
    return this.rows;
  }

  abort(): Promise<void> {
    this.lb.take();
    return this.sink.abort();
  }
}

/**
 * Copy the string `v` at `o` when it is ASCII and (with `csv`) holds no comma, quote, CR or LF;
 * returns the offset after it, or -1 (nothing usable written) otherwise. Grows the buffer so that
 * `reserve` bytes remain after the copy (callers reload lb.buf).
 */
export function putPlain(lb: LineBuffer, o: number, v: string, reserve: number, csv: boolean): number {
  const len = v.length;
  if (o + len + reserve > lb.buf.length) {
    lb.off = o;
    lb.room(len + reserve);
  }
  const b = lb.buf;
  for (let k = 0; k < len; k++) {
    const c = v.charCodeAt(k);
    if (c >= 128 || (csv && (c === 34 || c === 44 || c === 13 || c === 10))) return -1;
    b[o++] = c;
  }
  return o;
}

/** Any CSV field the fast paths did not take, at `o`; renews the reservation; returns lb.off. */
export function putCsvSlow(lb: LineBuffer, o: number, v: Row[string] | undefined, micro: boolean, reserve: number): number {
  lb.off = o;
  if (typeof v === 'number') {
    if (Number.isInteger(v)) lb.int(v);
    else if (micro) lb.micro(v);
    else lb.text(formatNumber(v));
  } else if (typeof v === 'string') lb.text(csvField(v));
  else if (typeof v === 'boolean') lb.text(v ? 'true' : 'false');
  // null / missing: empty field
  lb.room(reserve);
  return lb.off;
}

type CsvRowWriter = (row: Row, lb: LineBuffer) => void;

/** How a column is written to CSV, from its declared type and unit. */
export type CsvKind = 'micro' | 'text' | 'bool' | 'int';

export function csvKind(c: ColumnDef): CsvKind {
  if ((c.unit === 'fraction' || c.unit === 's') && (c.type === 'float' || c.type === 'timestamp')) return 'micro';
  if (c.type === 'string' || c.type === 'category') return 'text';
  if (c.type === 'bool') return 'bool';
  return 'int';
}

/**
 * The body of a compiled CSV line writer (with its `\n`) for `columns`: per column one value load
 * (`load(i)`: a constant-key property of a row, or a flow column's reader) and a fast path for the
 * value type the column declares (a non-negative integer, a time or rate with at most 6 decimals, a
 * plain ASCII string, a boolean), written into the buffer at a local offset; any other value takes
 * putCsvSlow, which formats exactly as csvField/formatMicro do. Code per column keeps each type
 * test predictable, which one shared loop over mixed columns does not (scripts/bench-rows.ts).
 */
export function csvLineBody(columns: readonly ColumnDef[], load: (i: number) => string): string {
  const lines: string[] = ['lb.room(RESERVE);', 'let b = lb.buf;', 'let o = lb.off;', 'let v, k;'];
  columns.forEach((c, i) => {
    const kind = csvKind(c);
    if (i > 0) lines.push('b[o++] = 44;');
    lines.push(`v = ${load(i)};`);
    const slow = `{ o = putCsvSlow(lb, o, v, ${kind === 'micro'}, RESERVE); b = lb.buf; }`;
    // Numbers through shared helpers (putMicroCol/putUintCol: 0 and 1 as one byte), not tests
    // written out per column: a test first reached after V8 optimised this function deoptimises it.
    if (kind === 'micro') lines.push(`if ((k = putMicroCol(b, o, v)) >= 0) o = k; else ${slow}`);
    else if (kind === 'text') {
      lines.push(`if (typeof v === 'string' && (k = putPlain(lb, o, v, RESERVE, true)) >= 0) { o = k; b = lb.buf; } else ${slow}`);
    } else if (kind === 'bool') {
      lines.push(`if (v === true) { b[o] = 116; b[o + 1] = 114; b[o + 2] = 117; b[o + 3] = 101; o += 4; }`);
      lines.push(`else if (v === false) { b[o] = 102; b[o + 1] = 97; b[o + 2] = 108; b[o + 3] = 115; b[o + 4] = 101; o += 5; } else ${slow}`);
    } else {
      lines.push(`if ((k = putUintCol(b, o, v)) >= 0) o = k; else ${slow}`);
    }
  });
  lines.push('b[o++] = 10;', 'lb.off = o;');
  return lines.join('\n');
}

/** What a compiled CSV line writer needs besides its values (bind with compileFunction). */
export function csvLineHelpers(columns: readonly ColumnDef[]): Record<string, unknown> {
  return { RESERVE: columns.length * NUM_MAX + 2, putUintCol, putMicroCol, putPlain, putCsvSlow };
}

/** A compiled writer of one CSV line of a Row (see csvLineBody). */
function compileCsvRow(columns: readonly ColumnDef[]): CsvRowWriter {
  const key = JSON.stringify(columns.map((c) => [c.name, csvKind(c)]));
  // Column names are JSON-quoted string literals: no code from the data (scripts/bench-rows.ts).
  return cachedCompile(csvRowCache, key, () => compileFunction<CsvRowWriter>('csvRow', csvLineHelpers(columns), ['row', 'lb'], csvLineBody(columns, (i) => `row[${JSON.stringify(columns[i]!.name)}]`)));
}

const csvRowCache = new Map<string, CsvRowWriter>();

/** An integer column's value (0 ≤ v < 2^53) at `o`; the offset after it, or -1 for the slow path. */
export function putUintCol(b: Uint8Array, o: number, v: unknown): number {
  if (v === 0 || v === 1) {
    b[o] = 48 + v;
    return o + 1;
  }
  return typeof v === 'number' && v >= 0 && v < 9007199254740992 && Number.isInteger(v) ? putUint(b, o, v) : -1;
}

/** A time or rate column's value (0 ≤ v < MICRO_MAX) at `o`; the offset after it, or -1 for the slow path. */
export function putMicroCol(b: Uint8Array, o: number, v: unknown): number {
  if (v === 0 || v === 1) {
    b[o] = 48 + v;
    return o + 1;
  }
  return typeof v === 'number' && v >= 0 && v < MICRO_MAX ? putMicro(b, o, v) : -1;
}

export class CsvWriter extends LineWriter {
  protected headerDone = false;
  private readonly names: string[];
  private readonly writeRow: CsvRowWriter;

  constructor(sink: TextSink, columns: readonly ColumnDef[], private readonly opts: { header?: boolean } = {}) {
    super(sink);
    this.names = columns.map((c) => c.name);
    this.writeRow = compileCsvRow(columns);
  }

  protected header(): void {
    this.headerDone = true;
    if (this.opts.header !== false) this.lb.text(stringify([this.names], { eof: true, record_delimiter: 'unix' }));
  }

  write(row: Row): void | Promise<void> {
    if (!this.headerDone) this.header();
    this.writeRow(row, this.lb);
    this.rows++;
    if (this.lb.full) return flushLines(this.lb, this.sink);
  }

  override close(): Promise<number> {
    if (!this.headerDone) this.header();
    return super.close();
  }
}

/**
 * Numbers as plain decimal text, never in exponent form (1e-7 → "0.0000001", 1e21 → "1000000000000000000000"),
 * shortest round-trip digits otherwise. NaN/±Infinity → '' (no value).
 */
export function formatNumber(n: number): string {
  const s = String(n);
  if (s.indexOf('e') < 0) return Number.isFinite(n) ? s : '';
  const neg = n < 0;
  const [mant, expStr] = (neg ? s.slice(1) : s).split('e') as [string, string];
  const exp = Number(expStr);
  const dot = mant.indexOf('.');
  const digits = dot < 0 ? mant : mant.slice(0, dot) + mant.slice(dot + 1);
  const intLen = (dot < 0 ? mant.length : dot) + exp;
  let out: string;
  if (intLen <= 0) out = '0.' + '0'.repeat(-intLen) + digits;
  else if (intLen >= digits.length) out = digits + '0'.repeat(intLen - digits.length);
  else out = digits.slice(0, intLen) + '.' + digits.slice(intLen);
  return neg ? '-' + out : out;
}
