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

export class CsvWriter implements DatasetWriter {
  private rows = 0;
  private headerDone = false;
  private readonly names: string[];
  /** Per column: printed with at most 6 decimals (seconds and fractions). */
  private readonly micro: boolean[];
  private readonly parts: string[];

  constructor(private readonly sink: TextSink, columns: readonly ColumnDef[], private readonly opts: { header?: boolean } = {}) {
    this.names = columns.map((c) => c.name);
    this.parts = new Array<string>(columns.length).fill('');
    this.micro = columns.map((c) => (c.unit === 'fraction' || c.unit === 's') && (c.type === 'float' || c.type === 'timestamp'));
  }

  private header(): string {
    this.headerDone = true;
    return this.opts.header === false ? '' : stringify([this.names], { eof: true, record_delimiter: 'unix' });
  }

  write(row: Row): void | Promise<void> {
    const names = this.names;
    const micro = this.micro;
    let line = this.headerDone ? '' : this.header();
    // Rows whose keys are exactly the columns in order (extractFlows' rows) are read with
    // Object.values: one keyed lookup per field by name cost more than formatting the field.
    let i = 0;
    for (const k in row) {
      if (k !== names[i]) {
        i = -1;
        break;
      }
      i++;
    }
    const values: Row[string][] = i === names.length ? Object.values(row) : names.map((n) => row[n] ?? null);
    // Fields into one reused array, joined once (a flat string; `+=` per field built ropes that cost
    // more in GC and flattening than the formatting).
    const parts = this.parts;
    for (i = 0; i < values.length; i++) {
      const v = values[i];
      parts[i] = typeof v !== 'number' ? csvField(v) : Number.isInteger(v) ? String(v) : micro[i] ? formatMicro(v) : formatNumber(v);
    }
    line += parts.join(',');
    this.rows++;
    return this.sink.write(line + '\n');
  }

  async close(): Promise<number> {
    if (!this.headerDone) await this.sink.write(this.header());
    await this.sink.close();
    return this.rows;
  }

  abort(): Promise<void> {
    return this.sink.abort();
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
