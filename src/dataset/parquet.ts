/**
 * Parquet dataset writer, streaming and written for the pipeline's speed: rows are buffered column
 * by column in typed arrays up to `rowGroupSize` rows (65,536), each full buffer is encoded as one
 * row group (one Snappy-compressed data page per column) and its bytes go straight to the file, so
 * memory stays flat whatever the row count (only the footer's per-row-group metadata grows).
 *
 * Types from the column schema (src/dataset/types.ts ColumnType):
 *   timestamp → INT64 TIMESTAMP(MICROS, isAdjustedToUTC=true) (+ converted_type TIMESTAMP_MICROS)
 *   int       → INT64 for byte/packet counters (unit 'bytes'/'packets'), else INT32
 *   float     → DOUBLE
 *   string    → BYTE_ARRAY UTF8 (STRING), dictionary-encoded while that pays (fewer distinct values
 *               than half the rows of the row group), else PLAIN
 *   category  → BYTE_ARRAY UTF8, always dictionary-encoded
 *   bool      → BOOLEAN
 * Numbers are PLAIN-encoded straight from their typed arrays (a memory copy), which is why this
 * writer keeps up with the CSV path where a general-purpose encoder (that tries a dictionary and
 * statistics on every column) cost 0.7× the whole pipeline's time again. Columns are OPTIONAL
 * (null = missing value) unless the caller declares them never-null (`required`). Min/max
 * statistics are kept for timestamps and identity integers (ports, proto) — what time-range and port
 * filters in DuckDB/Spark prune on.
 *
 * Atomic: bytes go to a temp file beside the target; close() renames it into place, abort() removes it.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { FlowsiftError, InputError } from '../errors.ts';
import { tempPathFor, writesInPlace } from './output.ts';
import { Column, floatDictionary, intDictionary, physicalOf, statBytes } from './parquet-column.ts';
import { CODEC_SNAPPY, type ChunkMeta, ENC, PAGE, type RowGroupMeta, Scratch, TYPE, Thrift, writeLogicalType, writeRowGroups } from './parquet-encode.ts';
import { snappyCompress, snappyMaxLength } from './snappy.ts';
import type { ColumnDef, DatasetWriter, Row } from './types.ts';

export interface ParquetOptions {
  /** Rows per row group (default 65,536). */
  rowGroupSize?: number;
  /** Where '-' writes (default process.stdout). */
  stdout?: Writable;
  /** Extra key/value metadata for the footer (e.g. the flowsift version, the command line). */
  kvMetadata?: Record<string, string>;
  /** Columns that never hold null (e.g. every flow column straight from the extractor): written as REQUIRED. A null in one is an error. */
  required?: Iterable<string>;
  /** Column statistics (min/max) for every numeric column; default only timestamps and identity ints (ports, proto). */
  statistics?: 'all' | 'default';
}

/** The Parquet schema element of a column, in hyparquet's metadata vocabulary (for tests and docs). */
export interface ParquetColumnSchema {
  name: string;
  type: 'INT32' | 'INT64' | 'DOUBLE' | 'BYTE_ARRAY' | 'BOOLEAN';
  repetition_type: 'REQUIRED' | 'OPTIONAL';
  converted_type?: 'UTF8' | 'TIMESTAMP_MICROS';
  logical_type?: { type: 'STRING' } | { type: 'TIMESTAMP'; isAdjustedToUTC: true; unit: 'MICROS' };
}

/** The Parquet schema flowsift writes for a column list (exported for tests and docs). */
export function parquetSchema(columns: readonly ColumnDef[], required: ReadonlySet<string> = new Set()): ParquetColumnSchema[] {
  return columns.map((c) => {
    const p = physicalOf(c);
    const repetition_type = required.has(c.name) ? 'REQUIRED' : 'OPTIONAL';
    if (p === 'TIMESTAMP') {
      return { name: c.name, type: 'INT64', repetition_type, converted_type: 'TIMESTAMP_MICROS', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' } };
    }
    if (p === 'STRING') return { name: c.name, type: 'BYTE_ARRAY', repetition_type, converted_type: 'UTF8', logical_type: { type: 'STRING' } };
    return { name: c.name, type: p, repetition_type };
  });
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const TWO32 = 4294967296;

/**
 * A Parquet DatasetWriter that also takes a row as typed values column by column (no Row object):
 * call one setter per column, in column order, then endRow(). Only for REQUIRED columns.
 */
export interface ParquetWriter extends DatasetWriter {
  /** INT32 column j (an integer). */
  setInt(j: number, v: number): void;
  /** INT64 or TIMESTAMP column j (a safe integer; for a timestamp, float epoch seconds). */
  setLong(j: number, v: number): void;
  setDouble(j: number, v: number): void;
  setString(j: number, v: string): void;
  setBool(j: number, v: boolean): void;
  endRow(): void | Promise<void>;
}

/**
 * Open a streaming Parquet writer for `columns`. Rows may carry extra keys (ignored) or miss some
 * (written as null). Values must match the column types: numbers for int/float/timestamp (float
 * epoch seconds), strings, booleans — a value of the wrong type is an error naming row and column.
 */
export function createParquetWriter(path: string, columns: readonly ColumnDef[], opts: ParquetOptions = {}): ParquetWriter {
  const groupSize = opts.rowGroupSize ?? 65536;
  const required = new Set(opts.required ?? []);
  const names = columns.map((c) => c.name);
  const cols = columns.map((c) => {
    const p = physicalOf(c);
    const stats = p !== 'STRING' && p !== 'BOOLEAN' && (opts.statistics === 'all' || p === 'TIMESTAMP' || (c.group === 'identity' && p === 'INT32'));
    return new Column(c, p, required.has(c.name), stats, groupSize);
  });
  const toStdout = path === '-';
  // A device or FIFO (-o /dev/null) is written in place: renaming a temp file over it would replace it.
  const inPlace = !toStdout && writesInPlace(path);
  const tmp = toStdout ? '' : inPlace ? path : tempPathFor(path);
  let fd = toStdout ? -1 : openSync(tmp, inPlace ? 'w' : 'wx');
  const out = opts.stdout ?? process.stdout;

  // Output: a 1 MiB batch, flushed to the fd (synchronously) or the stream (with backpressure).
  let obuf = Buffer.allocUnsafe(1 << 20);
  let on = 0;
  let offset = 0;
  let pending: Promise<void> | undefined;
  const flushOut = (): void => {
    if (on === 0) return;
    if (toStdout) {
      if (!out.write(Buffer.from(obuf.subarray(0, on))) && !pending) {
        pending = new Promise<void>((resolve) => out.once('drain', () => { pending = undefined; resolve(); }));
      }
    } else {
      let o = 0;
      while (o < on) o += writeSync(fd, obuf, o, on - o);
    }
    on = 0;
  };
  const emit = (bytes: Uint8Array): void => {
    if (on + bytes.length > obuf.length) {
      flushOut();
      if (bytes.length > obuf.length) obuf = Buffer.allocUnsafe(bytes.length);
    }
    obuf.set(bytes, on);
    on += bytes.length;
    offset += bytes.length;
  };

  const th = new Thrift();
  const page = new Scratch();
  let zbuf = new Uint8Array(1 << 16);
  /** Compress the page body and emit header + bytes; returns the page's total bytes (uncompressed, compressed). */
  const emitPage = (type: number, numValues: number, encoding: number, dictionary: boolean): [number, number] => {
    const body = page.buf.subarray(0, page.n);
    const need = snappyMaxLength(body.length);
    if (zbuf.length < need) zbuf = new Uint8Array(need);
    const zn = snappyCompress(body, zbuf);
    th.reset();
    th.i32(1, type);
    th.i32(2, body.length);
    th.i32(3, zn);
    if (dictionary) {
      th.begin(7);
      th.i32(1, numValues);
      th.i32(2, ENC.PLAIN);
      th.end();
    } else {
      th.begin(5);
      th.i32(1, numValues);
      th.i32(2, encoding);
      th.i32(3, ENC.RLE);
      th.i32(4, ENC.RLE);
      th.end();
    }
    th.byte(0);
    const head = th.bytes();
    emit(head);
    emit(zbuf.subarray(0, zn));
    return [head.length + body.length, head.length + zn];
  };

  const groups: RowGroupMeta[] = [];
  let n = 0;
  let total = 0;
  let state: 'open' | 'closed' | 'aborted' = 'open';

  const writeChunk = (c: Column, rows: number): ChunkMeta => {
    const meta: ChunkMeta = { type: 0, encodings: [], numValues: rows, uncompressed: 0, compressed: 0, dataPageOffset: 0, nulls: rows - c.k };
    const k = c.k;
    const defLevels = (): void => {
      if (!c.defs) return;
      // v1 data page: definition levels prefixed by their byte length
      const at = page.n;
      page.u32(0);
      page.hybrid(c.defs, rows, 1);
      page.buf.writeUInt32LE(page.n - at - 4, at);
    };
    let encoding: number = ENC.PLAIN;
    // dictionaries: strings until they outgrow their limit; integers of a small range (not timestamps)
    const intDict = c.phys === 'INT32' || c.phys === 'INT64' ? intDictionary(c, k) : c.phys === 'DOUBLE' ? floatDictionary(c, k) : undefined;
    const strDict = c.phys === 'STRING' && c.plain === null;
    const useDict = strDict || intDict !== undefined;
    const dictSize = strDict ? c.dictList.length : intDict ? intDict.values.length : 0;
    if (useDict) {
      meta.dictPageOffset = offset;
      page.n = 0;
      if (strDict) for (const s of c.dictList) page.str(s);
      else if (c.phys === 'INT32') for (const v of intDict!.values) page.u32(v);
      else if (c.phys === 'DOUBLE') for (const v of intDict!.values) page.f64(v);
      else for (const v of intDict!.values) { page.u32(v); page.u32(0); }
      const [u, z] = emitPage(PAGE.DICTIONARY, dictSize, ENC.PLAIN, true);
      meta.uncompressed += u;
      meta.compressed += z;
      encoding = ENC.RLE_DICTIONARY;
    }
    meta.dataPageOffset = offset;
    page.n = 0;
    defLevels();
    meta.type = c.phys === 'INT32' ? TYPE.INT32 : c.phys === 'INT64' || c.phys === 'TIMESTAMP' ? TYPE.INT64
      : c.phys === 'DOUBLE' ? TYPE.DOUBLE : c.phys === 'BOOLEAN' ? TYPE.BOOLEAN : TYPE.BYTE_ARRAY;
    if (useDict) {
      // bit width, then the indices as an RLE/bit-packed hybrid
      const width = dictSize <= 1 ? 0 : 32 - Math.clz32(dictSize - 1);
      page.u8(width);
      page.hybrid(strDict ? c.i32 : intDict!.index, k, width);
    } else {
      switch (c.phys) {
        case 'INT32':
          page.bytes(new Uint8Array(c.i32.buffer, 0, k * 4));
          break;
        case 'INT64':
        case 'TIMESTAMP':
          page.bytes(new Uint8Array(c.i32.buffer, 0, k * 8));
          break;
        case 'DOUBLE':
          page.bytes(new Uint8Array(c.f64!.buffer, 0, k * 8));
          break;
        case 'BOOLEAN': {
          const bytes = Math.ceil(k / 8);
          page.ensure(bytes);
          page.buf.fill(0, page.n, page.n + bytes);
          for (let i = 0; i < k; i++) if (c.i32[i]) page.buf[page.n + (i >> 3)]! |= 1 << (i & 7);
          page.n += bytes;
          break;
        }
        default:
          for (const s of c.plain!) page.str(s);
      }
    }
    const [u, z] = emitPage(PAGE.DATA, rows, encoding, false);
    meta.uncompressed += u;
    meta.compressed += z;
    meta.encodings = useDict ? [ENC.PLAIN, ENC.RLE, ENC.RLE_DICTIONARY] : [ENC.PLAIN, ENC.RLE];
    if (c.stats && k > 0) {
      meta.min = statBytes(c.phys, c.min);
      meta.max = statBytes(c.phys, c.max);
    }
    return meta;
  };

  const flushGroup = (): void | Promise<void> => {
    if (n === 0) return;
    const g: RowGroupMeta = { rows: n, bytes: 0, offset, chunks: [] };
    for (const c of cols) {
      const m = writeChunk(c, n);
      g.bytes += m.uncompressed;
      g.chunks.push(m);
      c.reset();
    }
    groups.push(g);
    n = 0;
    flushOut();
    return pending;
  };

  const footer = (): Uint8Array => {
    th.reset();
    th.i32(1, 1);
    th.list(2, 12, columns.length + 1);
    th.begin();
    th.i32(3, 0);
    th.string(4, 'schema');
    th.i32(5, columns.length);
    th.end();
    for (const el of parquetSchema(columns, required)) {
      th.begin();
      th.i32(1, TYPE[el.type]);
      th.i32(3, el.repetition_type === 'REQUIRED' ? 0 : 1);
      th.string(4, el.name);
      if (el.logical_type) writeLogicalType(th, el.logical_type.type);
      th.end();
    }
    th.i64(3, total);
    writeRowGroups(th, groups, (j) => ({ path: [names[j]!], stats: true }));
    const kv = Object.entries(opts.kvMetadata ?? {});
    if (kv.length) {
      th.list(5, 12, kv.length);
      for (const [key, value] of kv) {
        th.begin();
        th.string(1, key);
        th.string(2, value);
        th.end();
      }
    }
    th.string(6, 'flowsift parquet writer');
    th.byte(0);
    return th.bytes();
  };

  const bad = (col: number, v: unknown): FlowsiftError =>
    new InputError('E_PARQUET_VALUE', toStdout ? '<stdout>' : path, undefined,
      `row ${total + 1}, column ${names[col]}: ${JSON.stringify(v)} does not fit Parquet type ${cols[col]!.phys}${v === null || v === undefined ? ' (column declared never-null)' : ''}`);

  emit(Buffer.from('PAR1'));

  return {
    write(row: Row): void | Promise<void> {
      if (state !== 'open') throw new FlowsiftError('E_WRITER_CLOSED', `parquet writer for ${path} is ${state}`);
      // validate the whole row first, so a bad value leaves the buffers as they were
      for (let j = 0; j < cols.length; j++) {
        const c = cols[j]!;
        const v = row[c.def.name];
        if (v === undefined || v === null || (v === '' && c.phys !== 'STRING')) {
          if (c.required) throw bad(j, v ?? null);
          continue;
        }
        switch (c.phys) {
          case 'TIMESTAMP':
          case 'DOUBLE':
            if (typeof v !== 'number' || (c.phys === 'TIMESTAMP' && !Number.isFinite(v))) throw bad(j, v);
            break;
          case 'INT32':
            if (typeof v === 'boolean') break;
            if (typeof v !== 'number' || !Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX) throw bad(j, v);
            break;
          case 'INT64':
            if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw bad(j, v);
            break;
        }
      }
      for (let j = 0; j < cols.length; j++) {
        const c = cols[j]!;
        const v = row[c.def.name];
        if (v === undefined || v === null || (v === '' && c.phys !== 'STRING')) {
          c.defs![n] = 0;
          continue;
        }
        if (c.defs) c.defs[n] = 1;
        if (c.phys === 'STRING') {
          c.addString(typeof v === 'string' ? v : String(v));
          continue;
        }
        const k = c.k++;
        let x: number;
        switch (c.phys) {
          case 'TIMESTAMP':
          case 'INT64':
            x = c.phys === 'TIMESTAMP' ? Math.round((v as number) * 1e6) : (v as number);
            c.i32[2 * k] = x >>> 0;
            c.i32[2 * k + 1] = Math.floor(x / TWO32);
            break;
          case 'INT32':
            x = typeof v === 'boolean' ? (v ? 1 : 0) : (v as number);
            c.i32[k] = x;
            break;
          case 'DOUBLE':
            x = v as number;
            c.f64![k] = x;
            break;
          case 'BOOLEAN':
            c.i32[k] = v === true || v === 1 || v === 'true' ? 1 : 0;
            continue;
          default:
            continue;
        }
        if (c.stats) {
          if (x < c.min) c.min = x;
          if (x > c.max) c.max = x;
        }
      }
      n++;
      total++;
      if (n >= groupSize) return flushGroup();
    },
    setInt(j: number, v: number): void {
      const c = cols[j]!;
      if ((v | 0) !== v) throw bad(j, v);
      c.i32[c.k++] = v;
      if (c.stats) {
        if (v < c.min) c.min = v;
        if (v > c.max) c.max = v;
      }
    },
    setLong(j: number, v: number): void {
      const c = cols[j]!;
      const x = c.phys === 'TIMESTAMP' ? Math.round(v * 1e6) : v;
      if (!Number.isSafeInteger(x)) throw bad(j, v);
      const k = c.k++;
      c.i32[2 * k] = x >>> 0;
      c.i32[2 * k + 1] = Math.floor(x / TWO32);
      if (c.stats) {
        if (x < c.min) c.min = x;
        if (x > c.max) c.max = x;
      }
    },
    setDouble(j: number, v: number): void {
      const c = cols[j]!;
      c.f64![c.k++] = v;
    },
    setString(j: number, s: string): void {
      cols[j]!.addString(s);
    },
    setBool(j: number, v: boolean): void {
      const c = cols[j]!;
      c.i32[c.k++] = v ? 1 : 0;
    },
    endRow(): void | Promise<void> {
      n++;
      total++;
      if (n >= groupSize) return flushGroup();
    },
    async close(): Promise<number> {
      if (state !== 'open') return total;
      try {
        await flushGroup();
        const f = footer();
        emit(f);
        const tail = Buffer.allocUnsafe(8);
        tail.writeUInt32LE(f.length, 0);
        tail.write('PAR1', 4, 'latin1');
        emit(tail);
        flushOut();
        await pending;
      } catch (e) {
        await this.abort();
        throw e;
      }
      state = 'closed';
      if (!toStdout) {
        closeSync(fd);
        fd = -1;
        if (!inPlace) renameSync(tmp, path);
      }
      return total;
    },
    async abort(): Promise<void> {
      if (state !== 'open') return;
      state = 'aborted';
      if (!toStdout) {
        if (fd >= 0) closeSync(fd);
        fd = -1;
        if (!inPlace) rmSync(tmp, { force: true });
      }
    },
  };
}
