/**
 * CSV dataset writer (RFC 4180): a header line with the column names, then one line per row, `\n`
 * line ends. Numbers are plain decimals (never exponent form), booleans `true`/`false`, null or a
 * missing value is an empty field. Fields that need quoting (a comma, quote, CR or LF inside) are
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
  if (!NEEDS_QUOTING.test(v)) return v;
  return stringify([[v]], { eof: false, quoted_match: NEEDS_QUOTING });
}

export class CsvWriter implements DatasetWriter {
  private rows = 0;
  private headerDone = false;
  private readonly names: string[];

  constructor(private readonly sink: TextSink, columns: readonly ColumnDef[], private readonly opts: { header?: boolean } = {}) {
    this.names = columns.map((c) => c.name);
  }

  private header(): string {
    this.headerDone = true;
    return this.opts.header === false ? '' : stringify([this.names], { eof: true, record_delimiter: 'unix' });
  }

  write(row: Row): void | Promise<void> {
    const names = this.names;
    let line = this.headerDone ? '' : this.header();
    for (let i = 0; i < names.length; i++) {
      if (i > 0) line += ',';
      line += csvField(row[names[i]!]);
    }
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
