/**
 * JSON Lines dataset writer: one JSON object per line (`\n`), keys in column order; columns missing
 * from a row are null, non-finite numbers are null. Keys of the row that are not columns are kept
 * after the columns (e.g. a `label` added by a caller).
 */
import type { ColumnDef, DatasetWriter, Row } from './types.ts';
import type { TextSink } from './output.ts';

export class JsonlWriter implements DatasetWriter {
  private rows = 0;
  private readonly names: string[];
  private readonly nameSet: Set<string>;

  constructor(private readonly sink: TextSink, columns: readonly ColumnDef[]) {
    this.names = columns.map((c) => c.name);
    this.nameSet = new Set(this.names);
  }

  write(row: Row): void | Promise<void> {
    this.rows++;
    // Fast path: the row already has exactly the columns, in order (rows from extractFlows do).
    const names = this.names;
    let i = 0;
    for (const k in row) {
      if (k !== names[i] || row[k] === undefined) {
        i = -1;
        break;
      }
      i++;
    }
    if (i === names.length) return this.sink.write(JSON.stringify(row) + '\n');
    const o: Row = {};
    for (const n of names) {
      const v = row[n];
      o[n] = v === undefined ? null : v;
    }
    for (const k in row) if (!this.nameSet.has(k)) o[k] = row[k]!;
    return this.sink.write(JSON.stringify(o) + '\n');
  }

  async close(): Promise<number> {
    await this.sink.close();
    return this.rows;
  }

  abort(): Promise<void> {
    return this.sink.abort();
  }
}
