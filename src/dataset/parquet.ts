/**
 * Parquet dataset writer (hyparquet-writer's incremental ParquetWriter), streaming: rows are
 * buffered column-wise up to `rowGroupSize` rows, each full buffer is encoded as one row group and
 * its bytes go straight to the file, so memory stays flat whatever the row count (only the footer's
 * per-row-group metadata grows).
 *
 * Types from the column schema (src/dataset/types.ts ColumnType):
 *   timestamp → INT64 TIMESTAMP(MICROS, isAdjustedToUTC=true) (+ converted_type TIMESTAMP_MICROS)
 *   int       → INT64 for byte/packet counters (unit 'bytes'/'packets'), else INT32
 *   float     → DOUBLE
 *   string    → BYTE_ARRAY UTF8 (STRING)
 *   category  → BYTE_ARRAY UTF8, dictionary-encoded (what pandas/pyarrow read back as categorical-friendly)
 *   bool      → BOOLEAN
 * Every column is OPTIONAL (null = missing value).
 *
 * Atomic: bytes go to a temp file beside the target; close() renames it into place, abort() removes it.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { SchemaElement } from 'hyparquet';
import { FlowsiftError, InputError } from '../errors.ts';
import { tempPathFor } from './output.ts';
import type { ColumnDef, DatasetWriter, Row } from './types.ts';

export interface ParquetOptions {
  /** Rows per row group (default 65,536). */
  rowGroupSize?: number;
  /** Where '-' writes (default process.stdout). */
  stdout?: Writable;
  /** Extra key/value metadata for the footer (e.g. the flowsift version, the command line). */
  kvMetadata?: Record<string, string>;
}

type Physical = 'INT32' | 'INT64' | 'DOUBLE' | 'STRING' | 'BOOLEAN' | 'TIMESTAMP';

function physicalOf(c: ColumnDef): Physical {
  switch (c.type) {
    case 'timestamp':
      return 'TIMESTAMP';
    case 'int':
      return c.unit === 'bytes' || c.unit === 'packets' ? 'INT64' : 'INT32';
    case 'float':
      return 'DOUBLE';
    case 'bool':
      return 'BOOLEAN';
    default:
      return 'STRING';
  }
}

/** The Parquet schema flowsift writes for a column list (exported for tests and docs). */
export function parquetSchema(columns: readonly ColumnDef[]): SchemaElement[] {
  const schema: SchemaElement[] = [{ name: 'root', num_children: columns.length }];
  for (const c of columns) {
    const p = physicalOf(c);
    const el: SchemaElement = { name: c.name, repetition_type: 'OPTIONAL', type: 'INT32' };
    if (p === 'TIMESTAMP') {
      el.type = 'INT64';
      el.converted_type = 'TIMESTAMP_MICROS';
      el.logical_type = { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' };
    } else if (p === 'STRING') {
      el.type = 'BYTE_ARRAY';
      el.converted_type = 'UTF8';
      el.logical_type = { type: 'STRING' };
    } else if (p === 'INT32') {
      el.type = 'INT32';
    } else if (p === 'INT64') {
      el.type = 'INT64';
    } else {
      el.type = p;
    }
    schema.push(el);
  }
  return schema;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** A hyparquet Writer that hands each flushed chunk to `sink` (a file descriptor or a stream). */
class ChunkWriter extends ByteWriter {
  constructor(private readonly sink: (bytes: Uint8Array) => void | Promise<void>) {
    super(1 << 20);
  }
  flush(): void | Promise<void> {
    if (this.index === 0) return;
    // copy: the sink may keep the bytes (stream) while we reuse the buffer
    const bytes = new Uint8Array(this.buffer.slice(0, this.index));
    this.index = 0;
    return this.sink(bytes);
  }
  override finish(): void | Promise<void> {
    return this.flush();
  }
}

/**
 * Open a streaming Parquet writer for `columns`. Rows may carry extra keys (ignored) or miss some
 * (written as null). Values must match the column types: numbers for int/float/timestamp (float
 * epoch seconds), strings, booleans — a value of the wrong type is an error naming row and column.
 */
export function createParquetWriter(path: string, columns: readonly ColumnDef[], opts: ParquetOptions = {}): DatasetWriter {
  const groupSize = opts.rowGroupSize ?? 65536;
  const schema = parquetSchema(columns);
  const phys = columns.map(physicalOf);
  const names = columns.map((c) => c.name);
  const toStdout = path === '-';
  const tmp = toStdout ? '' : tempPathFor(path);
  let fd = toStdout ? -1 : openSync(tmp, 'wx');
  const out = opts.stdout ?? process.stdout;
  const sink = toStdout
    ? (bytes: Uint8Array): Promise<void> | void => {
        if (!out.write(bytes)) return new Promise<void>((resolve) => out.once('drain', () => resolve()));
      }
    : (bytes: Uint8Array): void => {
        let off = 0;
        while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      };
  const writer = new ChunkWriter(sink);
  const pw = new ParquetWriter({
    writer,
    schema,
    codec: 'SNAPPY',
    kvMetadata: opts.kvMetadata ? Object.entries(opts.kvMetadata).map(([key, value]) => ({ key, value })) : undefined,
    createdBy: 'flowsift (hyparquet-writer 0.17)',
  });
  let buf: unknown[][] = columns.map(() => []);
  let n = 0;
  let total = 0;
  let state: 'open' | 'closed' | 'aborted' = 'open';

  const flushGroup = async (): Promise<void> => {
    if (n === 0) return;
    const columnData = names.map((name, j) => ({ name, data: buf[j]! as never[] }));
    buf = columns.map(() => []);
    n = 0;
    await pw.write({ columnData, rowGroupSize: groupSize });
  };

  const bad = (col: number, v: unknown): FlowsiftError =>
    new InputError('E_PARQUET_VALUE', toStdout ? '<stdout>' : path, undefined,
      `row ${total + 1}, column ${names[col]}: ${JSON.stringify(v)} does not fit Parquet type ${phys[col]}`);

  return {
    write(row: Row): void | Promise<void> {
      if (state !== 'open') throw new FlowsiftError('E_WRITER_CLOSED', `parquet writer for ${path} is ${state}`);
      for (let j = 0; j < names.length; j++) {
        let v = row[names[j]!];
        if (v === undefined || v === null || v === '') {
          if (v === '' && phys[j] === 'STRING') buf[j]!.push('');
          else buf[j]!.push(null);
          continue;
        }
        switch (phys[j]) {
          case 'TIMESTAMP':
            if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(j, v);
            buf[j]!.push(BigInt(Math.round(v * 1e6)));
            break;
          case 'INT32':
            if (typeof v === 'boolean') v = v ? 1 : 0;
            if (typeof v !== 'number' || !Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX) throw bad(j, v);
            buf[j]!.push(v);
            break;
          case 'INT64':
            if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw bad(j, v);
            buf[j]!.push(BigInt(v));
            break;
          case 'DOUBLE':
            if (typeof v !== 'number') throw bad(j, v);
            buf[j]!.push(v);
            break;
          case 'BOOLEAN':
            buf[j]!.push(v === true || v === 1 || v === 'true');
            break;
          default:
            buf[j]!.push(typeof v === 'string' ? v : String(v));
        }
      }
      n++;
      total++;
      if (n >= groupSize) return flushGroup();
    },
    async close(): Promise<number> {
      if (state !== 'open') return total;
      try {
        await flushGroup();
        await pw.finish();
      } catch (e) {
        await this.abort();
        throw e;
      }
      state = 'closed';
      if (!toStdout) {
        closeSync(fd);
        fd = -1;
        renameSync(tmp, path);
      }
      return total;
    },
    async abort(): Promise<void> {
      if (state !== 'open') return;
      state = 'aborted';
      buf = [];
      if (!toStdout) {
        if (fd >= 0) closeSync(fd);
        fd = -1;
        rmSync(tmp, { force: true });
      }
    },
  };
}
