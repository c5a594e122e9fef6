/**
 * Read any dataset flowsift can consume, as a stream of Rows, with the format decided by the
 * content (never the file name):
 *
 *   - Parquet ('PAR1' magic) — read with hyparquet, one row group at a time; TIMESTAMP columns come
 *     back as float epoch seconds (µs-exact), INT64 as numbers.
 *   - JSON Lines (first non-blank byte '{').
 *   - NSL-KDD (43 columns) / KDD Cup 99 (42 columns) tables without header — delegated to kdd.ts.
 *   - flowsift CSV (header line); values typed by the flow schema (FLOW_COLUMNS), unknown columns
 *     by their content (number when the cell is a number); an empty cell is null (the CSV writer
 *     writes null as an empty field).
 * CSV, JSON Lines and KDD files may be gzip-compressed (magic 1f 8b). A directory is a partitioned
 * dataset (`--split-by` output, Hive layout): all its parts in path order. '-' reads stdin (spooled to a
 * temp file first, so Parquet works there too).
 */
import { createReadStream, createWriteStream, readdirSync, statSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse as parseSync } from 'csv-parse/sync';
import { parquetMetadataAsync, parquetRead, parquetReadObjects, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { InputError } from '../errors.ts';
import { maybeGunzip } from '../capture/source.ts';
import { classicMagic } from '../capture/pcap.ts';
import { PCAPNG_SHB } from '../capture/pcapng.ts';
import { FLOW_COLUMNS } from '../features/schema.ts';
import { readKdd, sniffKddLine } from './kdd.ts';
import type { ColumnDef, ColumnType, Row } from './types.ts';

export type DatasetFormat = 'parquet' | 'jsonl' | 'csv' | 'kdd';

/** Columns flowsift adds when labeling (appended after the flow columns). */
export const LABEL_COLUMNS: readonly ColumnDef[] = [
  { name: 'label', type: 'category', group: 'label', description: 'Ground-truth label (rule or per-flow truth file; --label-default for the rest).' },
  { name: 'category', type: 'category', group: 'label', description: 'Attack category: from the truth file, else the KDD category (dos, probe, r2l, u2r) of a KDD attack name, else empty.' },
];

/** A file's byte stream, gunzipped when it starts with the gzip magic. */
export function openText(path: string): Promise<{ stream: Readable; gzip: boolean }> {
  return maybeGunzip(createReadStream(path));
}

/** The first `n` (decompressed) bytes of a file. */
export async function sniffBytes(path: string, n = 65536): Promise<{ head: Buffer; gzip: boolean }> {
  const { stream, gzip } = await openText(path);
  const chunks: Buffer[] = [];
  let len = 0;
  try {
    for await (const c of stream) {
      chunks.push(c as Buffer);
      len += (c as Buffer).length;
      if (len >= n) break;
    }
  } catch (e) {
    if (!gzip || len === 0) throw e; // a gzip stream cut by our early stop is fine
  } finally {
    stream.destroy();
  }
  return { head: Buffer.concat(chunks).subarray(0, n), gzip };
}

/**
 * Is this input a capture rather than a dataset? '-', files with pcap/pcapng magic (possibly
 * gzipped), and directories whose first file is one (else a directory is a partitioned dataset).
 */
export async function isCaptureInput(path: string): Promise<boolean> {
  if (path === '-') return true;
  if (statSync(path).isDirectory()) {
    const first = datasetParts(path)[0];
    return first === undefined || (await isCaptureInput(first));
  }
  const { head } = await sniffBytes(path, 4);
  if (head.length < 4) return false;
  return classicMagic(head) !== null || head.readUInt32LE(0) === PCAPNG_SHB;
}

/** Decide a dataset file's format from its first bytes. */
export async function detectDatasetFormat(path: string): Promise<DatasetFormat> {
  const { head, gzip } = await sniffBytes(path);
  if (head.length >= 4 && head.toString('latin1', 0, 4) === 'PAR1') {
    if (gzip) throw new InputError('E_DATASET_FORMAT', path, undefined, 'gzip-compressed Parquet is not supported (Parquet compresses its pages itself): gunzip it first');
    return 'parquet';
  }
  const text = head.toString('utf8');
  const firstNonBlank = text.trimStart()[0];
  if (firstNonBlank === '{') return 'jsonl';
  const nl = text.indexOf('\n');
  const firstLine = (nl >= 0 ? text.slice(0, nl) : text).replace(/\r$/, '');
  if (sniffKddLine(firstLine)) return 'kdd';
  if (head.length === 0) throw new InputError('E_DATASET_EMPTY', path, 0, 'empty file: expected a dataset (CSV with header, JSON Lines, Parquet, NSL-KDD/KDD99)');
  if (head.includes(0) && !gzip) {
    throw new InputError('E_DATASET_FORMAT', path, 0, `not a dataset: binary content (first bytes ${head.subarray(0, 4).toString('hex')}); expected CSV, JSON Lines, Parquet or a KDD table`);
  }
  return 'csv';
}

/** Files of a partitioned dataset directory, recursively, sorted; hidden and temp files skipped. */
export function datasetParts(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (e.name.startsWith('.') || e.name.startsWith('_')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...datasetParts(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Stream the rows of a dataset file (format from content, gzip transparent) or of every part of a partitioned dataset directory. */
export async function* readDataset(path: string, opts: { signal?: AbortSignal; stdin?: Readable } = {}): AsyncGenerator<Row> {
  if (path === '-') {
    // Parquet needs random access and every format is sniffed from its head: spool stdin to a
    // private temp file (streamed, flat memory), read that, remove it.
    const dir = await mkdtemp(join(tmpdir(), 'flowsift-stdin-'));
    const spool = join(dir, 'stdin');
    try {
      await pipeline(opts.stdin ?? process.stdin, createWriteStream(spool));
      yield* readDataset(spool, { signal: opts.signal });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    return;
  }
  if (statSync(path).isDirectory()) {
    // a partitioned dataset (flowsift --split-by, Hive layout): every part, in path order
    for (const part of datasetParts(path)) yield* readDataset(part, { signal: opts.signal });
    return;
  }
  try {
    const format = await detectDatasetFormat(path);
    if (format === 'kdd') yield* readKdd(path, { signal: opts.signal });
    else if (format === 'parquet') yield* readParquet(path, opts.signal);
    else if (format === 'jsonl') yield* readJsonl(path, opts.signal);
    else yield* readCsv(path, opts.signal);
  } catch (e) {
    // A corrupt or cut gzip stream surfaces as a zlib error: bad input (exit 3), not an internal error.
    const code = (e as NodeJS.ErrnoException | undefined)?.code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw new InputError('E_DATASET_GZIP', path, undefined, `gzip data corrupt or cut short (${(e as Error).message}); rows before the fault were read`);
    }
    throw e;
  }
}

/**
 * Column definitions for rows read back from a dataset: flowsift's own columns keep their schema
 * type; others get a type from the row's value (number → float — a later row may hold a fraction —, boolean → bool,
 * else string).
 * Label columns go last.
 */
export function columnsOf(row: Row, extra: readonly ColumnDef[] = []): ColumnDef[] {
  const known = new Map([...FLOW_COLUMNS, ...LABEL_COLUMNS].map((c) => [c.name, c]));
  const names = [...Object.keys(row), ...extra.map((c) => c.name)];
  const out: ColumnDef[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    const v = row[name];
    out.push(known.get(name) ?? extra.find((c) => c.name === name) ?? {
      name,
      type: typeof v === 'number' ? 'float' : typeof v === 'boolean' ? 'bool' : 'string',
      group: 'extra',
      description: 'Column of the input dataset.',
    });
  }
  const isLabel = (c: ColumnDef): boolean => c.group === 'label';
  return [...out.filter((c) => !isLabel(c)), ...out.filter(isLabel)];
}

// ---------------------------------------------------------------------------------------------

const KNOWN_TYPES = new Map<string, ColumnType>([...FLOW_COLUMNS, ...LABEL_COLUMNS].map((c) => [c.name, c.type]));
const NUMBER_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

type Cast = (v: string) => string | number | boolean | null;

const castNumber: Cast = (v) => (v === '' || v === '-' ? null : Number(v));
const castBool: Cast = (v) => (v === '' ? null : v === 'true' || v === '1' || v === 'T' || v === 'True');
const castString: Cast = (v) => (v === '' ? null : v);
const castInfer: Cast = (v) => (v === '' ? null : NUMBER_RE.test(v) ? Number(v) : v);

function castFor(name: string): Cast {
  const t = KNOWN_TYPES.get(name);
  if (t === 'int' || t === 'float' || t === 'timestamp') return castNumber;
  if (t === 'bool') return castBool;
  if (t === 'string' || t === 'category') return castString;
  return castInfer;
}

async function* readCsv(path: string, signal?: AbortSignal): AsyncGenerator<Row> {
  let names: string[] | undefined;
  let casts: Cast[] = [];
  for await (const { rec, line } of csvRecords(path)) {
    if (signal?.aborted) return;
    if (!names) {
      names = rec.map((h) => h.trim());
      if (names.some((n) => n === '')) throw new InputError('E_DATASET_CSV', path, undefined, `line ${line}: empty column name in the CSV header`);
      casts = names.map(castFor);
      continue;
    }
    if (rec.length !== names.length) {
      throw new InputError('E_DATASET_CSV', path, undefined, `line ${line}: expected ${names.length} fields (header), found ${rec.length}`);
    }
    const row: Row = {};
    for (let i = 0; i < names.length; i++) {
      const v = casts[i]!(rec[i]!);
      if (typeof v === 'number' && Number.isNaN(v)) {
        throw new InputError('E_DATASET_CSV', path, undefined, `line ${line}, column ${names[i]}: expected a number, found ${JSON.stringify(rec[i])}`);
      }
      row[names[i]!] = v;
    }
    yield row;
  }
}

/**
 * CSV records (RFC 4180) of a file, plain or gzipped, with their first line number. Lines without a
 * quote take a split(',') fast path (csv-parse costs ~4× more on big datasets and truth files);
 * quoted records, possibly spanning lines, go through csv-parse. Blank lines are skipped; `trim`
 * trims every cell. A malformed quoted record is an InputError with `code`.
 */
export async function* csvRecords(path: string, opts: { trim?: boolean; code?: string } = {}): AsyncGenerator<{ rec: string[]; line: number }> {
  const trim = opts.trim === true;
  const code = opts.code ?? 'E_DATASET_CSV';
  const { stream } = await openText(path);
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let lineNo = 0;
  let pending = '';
  let pendingLine = 0;
  try {
    for await (let text of rl) {
      lineNo++;
      if (lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (pending) {
        pending += '\n' + text;
      } else {
        if (!text.includes('"')) {
          if (text.trim() === '') continue;
          const rec = text.split(',');
          if (trim) for (let i = 0; i < rec.length; i++) rec[i] = rec[i]!.trim();
          yield { rec, line: lineNo };
          continue;
        }
        pending = text;
        pendingLine = lineNo;
      }
      // a quoted record is complete when its quotes balance
      if ((pending.split('"').length - 1) % 2 !== 0) continue;
      let recs: string[][];
      try {
        recs = parseSync(pending, { relax_column_count: true, trim });
      } catch (e) {
        throw new InputError(code, path, undefined, `line ${pendingLine}: ${(e as Error).message}`);
      }
      pending = '';
      if (recs[0]) yield { rec: recs[0], line: pendingLine };
    }
    if (pending) throw new InputError(code, path, undefined, `line ${pendingLine}: unterminated quoted field`);
  } catch (e) {
    throw gzipError(e, path);
  } finally {
    rl.close();
    stream.destroy();
  }
}

function gzipError(e: unknown, path: string): unknown {
  const err = e as NodeJS.ErrnoException;
  if (err && (err.code === 'Z_DATA_ERROR' || err.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(err.message ?? ''))) {
    return new InputError('E_GZIP', path, undefined, `corrupt or truncated gzip stream (${err.message})`);
  }
  return e;
}

async function* readJsonl(path: string, signal?: AbortSignal): AsyncGenerator<Row> {
  const { stream } = await openText(path);
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of rl) {
      line++;
      if (signal?.aborted) return;
      if (text.trim() === '') continue;
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch (e) {
        throw new InputError('E_DATASET_JSONL', path, undefined, `line ${line}: invalid JSON (${(e as Error).message})`);
      }
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        throw new InputError('E_DATASET_JSONL', path, undefined, `line ${line}: expected a JSON object per line`);
      }
      yield v as Row;
    }
  } catch (e) {
    throw gzipError(e, path);
  } finally {
    rl.close();
    stream.destroy();
  }
}

/** Parquet TIMESTAMP → float epoch seconds (flowsift's Row convention); µs stay exact. */
const PARQUET_PARSERS = {
  timestampFromMilliseconds: (ms: bigint): number => Number(ms) / 1e3,
  timestampFromMicroseconds: (us: bigint): number => Number(us) / 1e6,
  timestampFromNanoseconds: (ns: bigint): number => Number(ns / 1000n) / 1e6,
};

/** A hyparquet AsyncBuffer over one open file handle (positioned reads; no stream per slice). */
async function fileBuffer(path: string): Promise<{ file: AsyncBuffer; close: () => Promise<void> }> {
  const fh = await open(path, 'r');
  const { size } = await fh.stat();
  return {
    file: {
      byteLength: size,
      async slice(start: number, end?: number): Promise<ArrayBuffer> {
        const stop = Math.min(end ?? size, size);
        const bytes = new Uint8Array(Math.max(0, stop - start));
        let off = 0;
        while (off < bytes.length) {
          const { bytesRead } = await fh.read(bytes, off, bytes.length - off, start + off);
          if (bytesRead === 0) break;
          off += bytesRead;
        }
        return bytes.buffer;
      },
    },
    close: () => fh.close(),
  };
}

async function* readParquet(path: string, signal?: AbortSignal): AsyncGenerator<Row> {
  const { file, close } = await fileBuffer(path);
  try {
    let metadata: FileMetaData;
    try {
      metadata = await parquetMetadataAsync(file);
    } catch (e) {
      throw new InputError('E_PARQUET', path, undefined, `not a readable Parquet file: ${(e as Error).message}`);
    }
    // hyparquet starts reading a row group's earlier columns before it resolves a later column's
    // schema path: a path missing from the schema (corrupt metadata) throws while those reads are
    // in flight, and their rejections go unhandled (Node exits). Check every path up front (fuzz).
    const known = new Set(metadata.schema.map((el) => el.name));
    for (const rg of metadata.row_groups) {
      for (const c of rg.columns) {
        const bad = c.meta_data?.path_in_schema.find((part) => !known.has(part));
        if (bad !== undefined) throw new InputError('E_PARQUET', path, undefined, `not a readable Parquet file: column chunk path "${bad}" is not in the schema (corrupt metadata)`);
      }
    }
    // Flat schemas (flowsift's, and most flow tables) are read column-wise and assembled here,
    // 2–3× faster than hyparquet's row objects; nested ones go through parquetReadObjects.
    const flat = metadata.schema.slice(1).every((el) => !el.num_children);
    const names = metadata.schema.slice(1).map((el) => el.name);
    let rowStart = 0;
    for (const rg of metadata.row_groups) {
      if (signal?.aborted) return;
      const count = Number(rg.num_rows);
      const rowEnd = rowStart + count;
      const where = (e: unknown): InputError => new InputError('E_PARQUET', path, Number(rg.columns[0]?.meta_data?.data_page_offset ?? 0),
        `row group at rows ${rowStart}-${rowEnd - 1}: ${(e as Error).message}`);
      if (!flat) {
        let objs: Record<string, unknown>[];
        try {
          objs = await parquetReadObjects({ file, metadata, rowStart, rowEnd, parsers: PARQUET_PARSERS });
        } catch (e) {
          throw where(e);
        }
        for (const r of objs) {
          for (const k in r) {
            const v = r[k];
            if (typeof v === 'bigint') r[k] = Number(v);
            else if (v === undefined) r[k] = null;
          }
          yield r as Row;
        }
      } else {
        const cols = new Map<string, unknown[]>(names.map((n) => [n, new Array<unknown>(count).fill(null)]));
        try {
          await parquetRead({
            file, metadata, rowStart, rowEnd, parsers: PARQUET_PARSERS,
            onChunk: (c) => {
              const dst = cols.get(c.columnName);
              if (!dst) return;
              const data = c.columnData;
              const from = Math.max(c.rowStart, rowStart);
              const to = Math.min(c.rowEnd, rowEnd);
              for (let i = from; i < to; i++) {
                const v = data[i - c.rowStart];
                dst[i - rowStart] = typeof v === 'bigint' ? Number(v) : v === undefined ? null : v;
              }
            },
          });
        } catch (e) {
          throw where(e);
        }
        const arrays = names.map((n) => cols.get(n)!);
        for (let i = 0; i < count; i++) {
          const r: Row = {};
          for (let j = 0; j < names.length; j++) r[names[j]!] = arrays[j]![i] as Row[string];
          yield r;
        }
      }
      rowStart = rowEnd;
    }
  } finally {
    await close();
  }
}
