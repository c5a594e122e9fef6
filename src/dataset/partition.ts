/**
 * Output selection for every dataset format (text writers of output.ts + Parquet) and partitioned
 * output (`--split-by hour|day|file`):
 *
 *   OUT/date=2023-11-14/part-0.parquet                 --split-by day
 *   OUT/date=2023-11-14/hour=22/part-0.parquet         --split-by hour
 *   OUT/file=monday.pcap/part-0.parquet                --split-by file
 *
 * Hive-style `key=value` directories, so DuckDB (`read_parquet('OUT/**', hive_partitioning=true)`),
 * Spark and pyarrow.dataset read the partition keys back as columns. Dates and hours are UTC, from
 * each row's `ts` (flow start). Every part file is atomic (temp + rename). At most `maxOpen`
 * partitions are open at once (rows arrive in start-time order, so normally one or two); a
 * partition that is evicted and later receives rows again continues in a new part-N+1 file.
 * `abort()` removes the parts this run already committed, so an interrupted run leaves nothing.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { UsageError } from '../errors.ts';
import { formatFromPath, openDatasetWriter } from './output.ts';
import { createParquetWriter } from './parquet.ts';
import { FlowParquetWriter } from './flow-parquet.ts';
import { isFlowColumns } from './flow-csv.ts';
import type { ColumnDef, DatasetWriter, Row } from './types.ts';

export type OutputFormat = 'csv' | 'jsonl' | 'kdd' | 'parquet';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['csv', 'jsonl', 'kdd', 'parquet'];
export type SplitBy = 'hour' | 'day' | 'file';
export const SPLIT_BY: readonly SplitBy[] = ['hour', 'day', 'file'];

const EXT: Record<OutputFormat, string> = { csv: 'csv', jsonl: 'jsonl', kdd: 'kdd', parquet: 'parquet' };

/** Format implied by a file name (.parquet/.pq added to output.ts's list); undefined = no hint, null = unknown extension. */
export function outputFormatFromPath(path: string): OutputFormat | undefined | null {
  if (/\.(parquet|pq)$/i.test(path)) return 'parquet';
  return formatFromPath(path);
}

/** Resolve a format and an output path into a format (the format given first, then the path's extension, else csv). */
export function resolveOutputFormat(format: string | undefined, target: string): OutputFormat {
  if (format) {
    if (!OUTPUT_FORMATS.includes(format as OutputFormat)) throw new UsageError(`format ${format}: expected one of ${OUTPUT_FORMATS.join(', ')}`, 'E_USAGE', 'format');
    return format as OutputFormat;
  }
  const f = outputFormatFromPath(target);
  if (f === null) throw new UsageError(`${target}: unknown extension; use .csv, .jsonl, .kdd/.txt or .parquet, or give the format`, 'E_USAGE', 'format');
  return f ?? 'csv';
}

export interface WriterOptions {
  stdout?: Writable;
  /** Parquet row-group size (rows). */
  rowGroupSize?: number;
  /** Parquet: columns that never hold null (REQUIRED, faster); see createParquetWriter. */
  required?: readonly string[];
}

/** Open one (atomic) dataset writer of any format. */
export function openWriter(format: OutputFormat, target: string, columns: readonly ColumnDef[], opts: WriterOptions = {}): DatasetWriter & { skipped?: number } {
  if (format === 'parquet') {
    // the flow columns, all never-null: a writer that also takes flows without Row objects
    if (isFlowColumns(columns) && opts.required && columns.every((c) => opts.required!.includes(c.name))) {
      return new FlowParquetWriter(target, { stdout: opts.stdout, rowGroupSize: opts.rowGroupSize });
    }
    return createParquetWriter(target, columns, { stdout: opts.stdout, rowGroupSize: opts.rowGroupSize, required: opts.required });
  }
  return openDatasetWriter(format, target, columns, opts.stdout);
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** Hive partition path of a timestamp (UTC): 'date=YYYY-MM-DD' or 'date=YYYY-MM-DD/hour=HH'. */
export function timePartition(ts: number, by: 'hour' | 'day'): string {
  if (!Number.isFinite(ts)) return 'date=__HIVE_DEFAULT_PARTITION__';
  const d = new Date(Math.floor(ts) * 1000);
  const day = `date=${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
  return by === 'day' ? day : `${day}/hour=${pad2(d.getUTCHours())}`;
}

/** A partition value usable as a directory name (Hive escapes '/', '=', '%' and control characters). */
export function hiveEscape(v: string): string {
  return v.replace(/[\x00-\x1f%/\\=:*?"<>|#'{}[\]^]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

export interface PartitionOptions extends WriterOptions {
  splitBy: SplitBy;
  format: OutputFormat;
  columns: readonly ColumnDef[];
  /** For --split-by file: the source file of a row (e.g. the capture it came from). */
  sourceOf?: (row: Row) => string;
  /** Most partitions open at once (default 8). */
  maxOpen?: number;
}

interface OpenPart {
  writer: DatasetWriter;
  path: string;
}

export class PartitionedWriter implements DatasetWriter {
  private readonly open = new Map<string, OpenPart>();
  private readonly nextPart = new Map<string, number>();
  private readonly committed: string[] = [];
  private readonly createdDirs = new Set<string>();
  private rows = 0;
  private state: 'open' | 'closed' | 'aborted' = 'open';

  constructor(private readonly dir: string, private readonly opts: PartitionOptions) {
    if (opts.splitBy === 'file' && !opts.sourceOf) throw new UsageError('splitBy \'file\' needs sourceOf (each row\'s source file)', 'E_USAGE', 'splitBy');
    if (existsSync(dir) && readdirSync(dir).length > 0) {
      throw new UsageError(`${dir}: output directory is not empty (partitioned output would mix with old parts); remove it or choose another`);
    }
    mkdirSync(dir, { recursive: true });
  }

  /** Files committed so far (relative to the output directory). */
  get parts(): readonly string[] {
    return this.committed;
  }

  private keyOf(row: Row): string {
    if (this.opts.splitBy === 'file') return `file=${hiveEscape(this.opts.sourceOf!(row))}`;
    return timePartition(Number(row.ts), this.opts.splitBy);
  }

  write(row: Row): void | Promise<void> {
    const key = this.keyOf(row);
    let part = this.open.get(key);
    if (!part) return this.openPart(key).then((p) => p.writer.write(row)).then(() => void this.rows++);
    // keep most-recently-used order for eviction
    this.open.delete(key);
    this.open.set(key, part);
    this.rows++;
    return part.writer.write(row);
  }

  private async openPart(key: string): Promise<OpenPart> {
    if (this.open.size >= (this.opts.maxOpen ?? 8)) {
      const [oldKey, old] = this.open.entries().next().value as [string, OpenPart];
      this.open.delete(oldKey);
      await old.writer.close();
      this.committed.push(old.path);
    }
    const n = this.nextPart.get(key) ?? 0;
    this.nextPart.set(key, n + 1);
    const sub = join(this.dir, key);
    if (!this.createdDirs.has(sub)) {
      mkdirSync(sub, { recursive: true });
      this.createdDirs.add(sub);
    }
    const rel = join(key, `part-${n}.${EXT[this.opts.format]}`);
    const part: OpenPart = { writer: openWriter(this.opts.format, join(this.dir, rel), this.opts.columns, this.opts), path: rel };
    this.open.set(key, part);
    return part;
  }

  async close(): Promise<number> {
    if (this.state !== 'open') return this.rows;
    try {
      for (const [key, p] of this.open) {
        await p.writer.close();
        this.committed.push(p.path);
        this.open.delete(key);
      }
    } catch (e) {
      await this.abort();
      throw e;
    }
    this.state = 'closed';
    return this.rows;
  }

  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    for (const p of this.open.values()) await p.writer.abort();
    this.open.clear();
    for (const rel of this.committed) rmSync(join(this.dir, rel), { force: true });
    this.committed.length = 0;
  }
}
