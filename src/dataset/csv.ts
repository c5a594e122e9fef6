/**
 * CSV dataset writer (RFC 4180): a header line with the column names, then one line per row, `\n`
 * line ends. Numbers are plain decimals (never exponent form); times in seconds (unit 's') and rates
 * (unit 'fraction') with at most 6 decimals (µs; JSON Lines keeps the full float); booleans
 * `true`/`false`; null or a missing value is an empty field. Fields that need quoting (a comma, quote, CR or LF inside) are
 * quoted by csv-stringify; everything else takes a fast path (csv-stringify costs ~30 µs a row,
 * which would dominate a 40-column dataset of millions of flows).
 */
import { stringify } from 'csv-stringify/sync';
import type { ColumnDef, DatasetWriter, Row } from './types.ts';
import type { TextSink } from './output.ts';

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

/** 10^k for k = 0..15 (digit counts of integers below 2^53). */
const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);

/**
 * Text built as bytes in one reusable buffer: ASCII strings are copied char by char and numbers
 * written digit by digit, so a row makes no intermediate strings (the string per field and the
 * joined line were most of the cost of writing a row — formatting and then garbage collection).
 * Anything unusual (non-ASCII text, huge or non-finite numbers) takes the string path.
 */
export class LineBuffer {
  buf: Buffer = Buffer.allocUnsafe(BATCH_BYTES * 2);
  off = 0;

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
    const b = this.buf;
    let o = this.off;
    if (v < 0) {
      b[o++] = 45;
      v = -v;
    }
    if (v < 10) {
      b[o] = 48 + v;
      this.off = o + 1;
      return;
    }
    let len = 2;
    while (len < 16 && v >= POW10[len]!) len++;
    let e = o + len;
    this.off = e;
    while (v >= 10) {
      const q = Math.floor(v / 10);
      b[--e] = 48 + (v - q * 10);
      v = q;
    }
    b[--e] = 48 + v;
  }

  /** Exactly formatMicro(v): at most 6 decimals, trailing zeros dropped. */
  micro(v: number): void {
    if (!(v >= 0) || v >= 9e9) return this.text(formatNumber(v));
    const us = Math.round(v * 1e6);
    const ip = Math.floor(us / 1e6);
    let fp = us - ip * 1e6;
    this.int(ip);
    if (fp === 0) return;
    this.room(7);
    const b = this.buf;
    const o = this.off;
    b[o] = 46;
    let end = 0;
    for (let k = 6; k >= 1; k--) {
      const q = Math.floor(fp / 10);
      const d = fp - q * 10;
      b[o + k] = 48 + d;
      if (end === 0 && d !== 0) end = o + k + 1;
      fp = q;
    }
    this.off = end;
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
 * A compiled reader of a row's column values into `out` (column order): one constant-key property
 * load per column, so V8 keeps each load site monomorphic for rows of one shape (a keyed load by a
 * variable name, or Object.values plus a key check, cost more than formatting the field).
 */
export function compileValues(names: readonly string[]): (row: Row, out: Row[string][]) => void {
  const body = names.map((n, i) => `out[${i}] = row[${JSON.stringify(n)}];`).join('\n');
  // Column names are JSON-quoted string literals: no code from the data.
  return new Function('row', 'out', body) as (row: Row, out: Row[string][]) => void;
}

export class CsvWriter extends LineWriter {
  private headerDone = false;
  private readonly names: string[];
  /** Per column: printed with at most 6 decimals (seconds and fractions). */
  private readonly micro: boolean[];
  private readonly values: Row[string][];
  private readonly read: (row: Row, out: Row[string][]) => void;

  constructor(sink: TextSink, columns: readonly ColumnDef[], private readonly opts: { header?: boolean } = {}) {
    super(sink);
    this.names = columns.map((c) => c.name);
    this.micro = columns.map((c) => (c.unit === 'fraction' || c.unit === 's') && (c.type === 'float' || c.type === 'timestamp'));
    this.values = new Array<Row[string]>(columns.length).fill(null);
    this.read = compileValues(this.names);
  }

  private header(): void {
    this.headerDone = true;
    if (this.opts.header !== false) this.lb.text(stringify([this.names], { eof: true, record_delimiter: 'unix' }));
  }

  write(row: Row): void | Promise<void> {
    const lb = this.lb;
    if (!this.headerDone) this.header();
    const values = this.values;
    const micro = this.micro;
    this.read(row, values);
    for (let i = 0; i < values.length; i++) {
      if (i > 0) lb.byte(44);
      const v = values[i];
      if (typeof v === 'number') {
        if (Number.isInteger(v)) lb.int(v);
        else if (micro[i]) lb.micro(v);
        else lb.text(formatNumber(v));
      } else if (typeof v === 'string') {
        if (!lb.plain(v, true)) lb.text(csvField(v));
      } else if (typeof v === 'boolean') lb.text(v ? 'true' : 'false');
      // null / missing: empty field
    }
    lb.byte(10);
    this.rows++;
    if (lb.full) return flushLines(lb, this.sink);
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
