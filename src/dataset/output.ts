/**
 * Atomic text output for the dataset writers.
 *
 * - A regular-file target is written to a temp file in the target's own directory (same filesystem, so the
 *   final rename is atomic) and renamed into place by `close()`; `abort()` removes the temp file. A
 *   failed or interrupted run never leaves a half-written dataset, and never clobbers an existing
 *   file until the new one is complete.
 * - A target that exists and is not a regular file (/dev/null, a FIFO) is written in place: there is
 *   nothing to rename, and renaming over a device node would replace it.
 * - '-' streams to stdout (or the stream given), honouring backpressure: `write` returns a promise
 *   when the stream's buffer is full.
 *
 * Text is batched into ~1 MiB chunks (file: synchronous writes on a private fd, which cannot build
 * up an unbounded in-memory queue).
 */
import { closeSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { UsageError } from '../errors.ts';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import type { ColumnDef, DatasetWriter } from './types.ts';
import { CsvWriter } from './csv.ts';
import { FlowCsvWriter, isFlowColumns } from './flow-csv.ts';
import { JsonlWriter } from './jsonl.ts';
import { KddWriter } from './kdd-format.ts';

export interface TextSink {
  /** Append text. Returns a promise only when the caller should wait (stream backpressure). */
  write(text: string): void | Promise<void>;
  /**
   * Append UTF-8 bytes (optional; writers that build bytes use it when present). The caller reuses
   * `bytes` as soon as this returns, so the sink must write or copy them at once.
   */
  writeBytes?(bytes: Uint8Array): void | Promise<void>;
  /** Flush and commit (file: rename temp → target). */
  close(): Promise<void>;
  /** Discard (file: remove the temp file). Safe after close (no-op). */
  abort(): Promise<void>;
  /** Where the data goes ('-' for stdout). */
  readonly target: string;
}

const CHUNK = 1 << 20;

/** Temp path used for `target` (exported for tests: nothing matching it may be left behind). */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Text batched into one reusable byte buffer (no array of small strings to join: that cost more than
 * formatting the rows). `drain(bytes)` receives each full batch.
 */
class Batcher {
  private buf = Buffer.allocUnsafe(CHUNK);
  private off = 0;

  /** Append; calls `drain` first when the text might not fit. Returns drain's result. */
  add(text: string, drain: (bytes: Buffer) => void | Promise<void>): void | Promise<void> {
    let r: void | Promise<void> = undefined;
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (this.off + text.length * 3 > this.buf.length) {
      r = this.take(drain);
      if (text.length * 3 > this.buf.length) this.buf = Buffer.allocUnsafe(text.length * 3);
    }
    this.off += this.buf.write(text, this.off, 'utf8');
    return r;
  }

  /** Hand the batch to `drain` (the buffer is reused afterwards, so drain must use it at once or copy). */
  take(drain: (bytes: Buffer) => void | Promise<void>): void | Promise<void> {
    if (this.off === 0) return;
    const bytes = this.buf.subarray(0, this.off);
    this.off = 0;
    return drain(bytes);
  }

  clear(): void {
    this.off = 0;
  }
}

class FileSink implements TextSink {
  private fd: number | undefined;
  private readonly batch = new Batcher();
  private done = false;
  readonly temp: string;
  private readonly drainFn = (bytes: Uint8Array): void => {
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd!, bytes, off, bytes.length - off);
  };

  /**
   * `direct`: the target is not a regular file (/dev/null, a FIFO, /dev/stdout): write it in place —
   * renaming a temp file over a device node would replace the device.
   */
  constructor(readonly target: string, private readonly direct = false) {
    this.temp = direct ? target : tempPathFor(target);
    try {
      this.fd = openSync(this.temp, direct ? 'w' : 'wx', 0o644);
    } catch (e) {
      // Name the file the caller asked for, not the temp file beside it.
      const err = e as NodeJS.ErrnoException;
      if (err.path !== undefined) err.path = target;
      throw err;
    }
  }

  write(text: string): void {
    if (this.done) return;
    this.batch.add(text, this.drainFn);
  }

  writeBytes(bytes: Uint8Array): void {
    if (this.done) return;
    this.batch.take(this.drainFn);
    this.drainFn(bytes);
  }

  async close(): Promise<void> {
    if (this.done) return;
    try {
      this.batch.take(this.drainFn);
      closeSync(this.fd!);
      this.fd = undefined;
      if (!this.direct) renameSync(this.temp, this.target);
      this.done = true;
    } catch (e) {
      await this.abort();
      throw e;
    }
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.batch.clear();
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = undefined;
    }
    if (this.direct) return;
    try {
      unlinkSync(this.temp);
    } catch {
      // already gone
    }
  }
}

class StreamSink implements TextSink {
  readonly target = '-';
  private readonly batch = new Batcher();
  private done = false;
  private error: Error | undefined;
  /** Resolves when the stream has drained (one shared promise while it is full). */
  private waiting: Promise<void> | undefined;
  private readonly onError = (e: Error): void => {
    this.error = e;
  };
  private readonly drainFn = (bytes: Uint8Array): void | Promise<void> => {
    if (this.error) throw this.error;
    // The batch buffer is reused: the stream gets a copy.
    if (!this.stream.write(Buffer.from(bytes)) && this.waiting === undefined) {
      this.waiting = new Promise<void>((resolve) => {
        const done = (): void => {
          this.stream.off('drain', done);
          this.stream.off('close', done);
          this.waiting = undefined;
          resolve();
        };
        this.stream.on('drain', done);
        this.stream.on('close', done);
      });
    }
    return this.waiting;
  };

  constructor(private readonly stream: Writable) {
    stream.on('error', this.onError);
  }

  write(text: string): void | Promise<void> {
    if (this.done) return;
    return this.batch.add(text, this.drainFn);
  }

  writeBytes(bytes: Uint8Array): void | Promise<void> {
    if (this.done) return;
    const r = this.batch.take(this.drainFn);
    const w = this.drainFn(bytes);
    return r ?? w;
  }

  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.batch.take(this.drainFn);
    // Wait until everything handed to the stream has been processed.
    await new Promise<void>((resolve, reject) => {
      this.stream.write('', (err) => (err ? reject(err) : resolve()));
    });
    this.stream.off('error', this.onError);
    if (this.error) throw this.error;
  }

  async abort(): Promise<void> {
    // What was streamed is gone; drop what is still batched.
    this.done = true;
    this.batch.clear();
    this.stream.off('error', this.onError);
  }
}

/** Open an atomic output: a file path, or '-' for `stdout`. */
export function openOutput(target: string, stdout: Writable = process.stdout): TextSink {
  if (target === '-') return new StreamSink(stdout);
  return new FileSink(target, writesInPlace(target));
}

/**
 * True when `target` exists and is not a regular file (/dev/null, a FIFO, a terminal): such a target
 * must be opened and written in place — a temp file renamed over it would REPLACE the device node
 * (as root, `-o /dev/null` would turn /dev/null into a regular file for the whole machine). Every
 * atomic writer must check this before its temp + rename. Throws a UsageError for a directory.
 */
export function writesInPlace(target: string): boolean {
  const st = statSync(target, { throwIfNoEntry: false });
  if (st?.isDirectory()) throw new UsageError(`output ${target} is a directory`);
  return st !== undefined && !st.isFile();
}

/** Text dataset formats `flowsift flows` writes. */
export type DatasetFormat = 'csv' | 'kdd' | 'jsonl';

/**
 * Format implied by an output file name: .csv → csv; .kdd and .txt → kdd (NSL-KDD's own files are
 * KDDTrain+.txt); .jsonl, .ndjson → jsonl. Undefined for '-' and names without an extension;
 * null for an extension we do not write.
 */
export function formatFromPath(path: string): DatasetFormat | undefined | null {
  if (path === '-') return undefined;
  const m = /\.([A-Za-z0-9]+)$/.exec(basename(path));
  if (!m) return undefined;
  switch (m[1]!.toLowerCase()) {
    case 'csv': return 'csv';
    case 'kdd': case 'txt': return 'kdd';
    case 'jsonl': case 'ndjson': return 'jsonl';
    default: return null;
  }
}

/** Open a dataset writer of `format` on `target` ('-' = stdout), atomic for files. */
export function openDatasetWriter(
  format: DatasetFormat, target: string, columns: readonly ColumnDef[], stdout: Writable = process.stdout,
): DatasetWriter & { skipped?: number } {
  const sink = openOutput(target, stdout);
  switch (format) {
    case 'csv': return isFlowColumns(columns) ? new FlowCsvWriter(sink, columns) : new CsvWriter(sink, columns);
    case 'jsonl': return new JsonlWriter(sink, columns);
    case 'kdd': return new KddWriter(sink);
  }
}
