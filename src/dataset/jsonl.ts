/**
 * JSON Lines dataset writer: one JSON object per line (`\n`), keys in column order; columns missing
 * from a row are null, non-finite numbers are null. Keys of the row that are not columns are kept
 * after the columns (e.g. a `label` added by a caller).
 */
import type { ColumnDef, Row } from './types.ts';
import type { TextSink } from './output.ts';
import { LineBuffer, LineWriter, compileValues, flushLines } from './csv.ts';

/**
 * The JSON text of `v` exactly as JSON.stringify writes it, appended as bytes: integers digit by
 * digit, ASCII strings that need no escape copied in place; everything else through JSON.stringify.
 */
function jsonValue(lb: LineBuffer, v: Row[string] | undefined): void {
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v < 9007199254740992 && v > -9007199254740992) lb.int(v);
    else lb.text(Number.isFinite(v) ? String(v) : 'null');
  } else if (typeof v === 'string') {
    const n = v.length;
    lb.room(n + 2);
    const b = lb.buf;
    let o = lb.off;
    b[o++] = 34;
    for (let i = 0; i < n; i++) {
      const c = v.charCodeAt(i);
      // control characters, ", \ and non-ASCII: JSON.stringify's escapes
      if (c < 32 || c >= 128 || c === 34 || c === 92) return lb.text(JSON.stringify(v));
      b[o++] = c;
    }
    b[o++] = 34;
    lb.off = o;
  } else if (typeof v === 'boolean') lb.text(v ? 'true' : 'false');
  else lb.text('null');
}

export class JsonlWriter extends LineWriter {
  private readonly names: string[];
  private readonly nameSet: Set<string>;
  /** `{"name":` / `,"name":` per column, as UTF-8 bytes: column i is keyBytes[keyAt[i] .. keyAt[i + 1]). */
  private readonly keyBytes: Buffer;
  private readonly keyAt: Int32Array;
  private readonly values: Row[string][];
  private readonly read: (row: Row, out: Row[string][]) => void;

  constructor(sink: TextSink, columns: readonly ColumnDef[]) {
    super(sink);
    this.names = columns.map((c) => c.name);
    this.nameSet = new Set(this.names);
    const keys = this.names.map((n, i) => Buffer.from((i === 0 ? '{' : ',') + JSON.stringify(n) + ':', 'utf8'));
    this.keyBytes = Buffer.concat(keys);
    this.keyAt = new Int32Array(keys.length + 1);
    for (let i = 0; i < keys.length; i++) this.keyAt[i + 1] = this.keyAt[i]! + keys[i]!.length;
    this.values = new Array<Row[string]>(columns.length).fill(null);
    this.read = compileValues(this.names);
  }

  write(row: Row): void | Promise<void> {
    this.rows++;
    const lb = this.lb;
    const names = this.names;
    const values = this.values;
    this.read(row, values);
    // Fast path: the row has exactly the columns (rows from extractFlows do): every column has a
    // value and there is no other key. Then the object is written as JSON.stringify would.
    let present = 0;
    for (let i = 0; i < values.length; i++) if (values[i] !== undefined) present++;
    if (present === names.length && Object.keys(row).length === present && names.length > 0) {
      const kb = this.keyBytes;
      const at = this.keyAt;
      for (let i = 0; i < values.length; i++) {
        const end = at[i + 1]!;
        let k = at[i]!;
        lb.room(end - k);
        const b = lb.buf;
        let o = lb.off;
        while (k < end) b[o++] = kb[k++]!;
        lb.off = o;
        jsonValue(lb, values[i]);
      }
      lb.byte(125);
    } else {
      const o: Row = {};
      for (const n of names) {
        const v = row[n];
        o[n] = v === undefined ? null : v;
      }
      for (const k in row) if (!this.nameSet.has(k)) o[k] = row[k]!;
      lb.text(JSON.stringify(o));
    }
    lb.byte(10);
    if (lb.full) return flushLines(lb, this.sink);
  }

}
