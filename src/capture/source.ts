/**
 * Byte sources and the refillable read window every capture parser walks.
 *
 * A parser reads records straight out of `Window.buf` between `pos` and `end` in a synchronous
 * loop and only awaits `ensure(n)` when the next record is not complete in the window. `ensure`
 * moves the unread tail to the front of the (reused) buffer and refills it with one large read,
 * so records split across read boundaries are handled without per-record copies, and the whole
 * file is never held in memory.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { keepMutable } from '../v8-workarounds.ts';

/** Default window size: 4 MiB (one read syscall per ~20 k typical packets). */
export const DEFAULT_CHUNK = 4 << 20;

export interface ByteSource {
  /** Read up to `len` bytes into dst[off..]; resolves 0 at end of input. */
  read(dst: Uint8Array, off: number, len: number): Promise<number>;
  /** Positional read (files): up to `len` bytes at file offset `position`; 0 at end of input. */
  readAt?(dst: Uint8Array, off: number, len: number, position: number): Promise<number>;
  close(): Promise<void>;
  /** Set when a compressed stream ended before its end marker (treated as end of input). */
  truncatedCompressed?: boolean;
}

/** Thrown by a source when the underlying data cannot be decoded (bad gzip data). */
export class SourceDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceDataError';
  }
}

export class FileSource implements ByteSource {
  constructor(private readonly fh: FileHandle) {}
  async read(dst: Uint8Array, off: number, len: number): Promise<number> {
    const { bytesRead } = await this.fh.read(dst, off, len, null);
    return bytesRead;
  }
  async readAt(dst: Uint8Array, off: number, len: number, position: number): Promise<number> {
    const { bytesRead } = await this.fh.read(dst, off, len, position);
    return bytesRead;
  }
  close(): Promise<void> {
    return this.fh.close();
  }
}

/** Adapts an async iterable of byte chunks (stdin, gunzip output) to ByteSource. */
export class StreamSource implements ByteSource {
  private cur: Uint8Array | null = null;
  private curOff = 0;
  private done = false;
  truncatedCompressed = false;
  private readonly it: AsyncIterator<Uint8Array | string>;

  constructor(iterable: AsyncIterable<Uint8Array | string>, private readonly onClose?: () => void, first?: Uint8Array) {
    this.it = iterable[Symbol.asyncIterator]();
    if (first && first.length > 0) this.cur = first;
  }

  async read(dst: Uint8Array, off: number, len: number): Promise<number> {
    let n = 0;
    while (n < len) {
      if (this.cur === null || this.curOff >= this.cur.length) {
        if (n > 0 || this.done) break; // hand back what we have rather than waiting
        let r: IteratorResult<Uint8Array | string>;
        try {
          r = await this.it.next();
        } catch (err) {
          const e = err as NodeJS.ErrnoException;
          if (e.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(e.message ?? '')) {
            this.truncatedCompressed = true;
            this.done = true;
            break;
          }
          if (typeof e.code === 'string' && e.code.startsWith('Z_')) throw new SourceDataError(`gzip data corrupt (${e.message})`);
          throw err;
        }
        if (r.done) {
          this.done = true;
          break;
        }
        const v = r.value;
        this.cur = typeof v === 'string' ? Buffer.from(v, 'latin1') : v;
        this.curOff = 0;
        continue;
      }
      const take = Math.min(len - n, this.cur.length - this.curOff);
      dst.set(this.cur.subarray(this.curOff, this.curOff + take), off + n);
      this.curOff += take;
      n += take;
    }
    return n;
  }

  async close(): Promise<void> {
    this.done = true;
    this.onClose?.();
    try {
      await this.it.return?.();
    } catch {
      /* closing after an error */
    }
  }
}

/** The promise's result, or `aborted` as soon as `signal` aborts (the operation itself is abandoned). */
function abortable<T>(p: Promise<T>, signal: AbortSignal, aborted: T): Promise<T> {
  if (signal.aborted) return Promise.resolve(aborted);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve(aborted);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * Whether bytes start with gzip's magic (RFC 1952: 1f 8b): how every input, capture or dataset, is
 * told to be compressed (never by its name).
 */
export function isGzip(b: Uint8Array, n = b.length): boolean {
  return n >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** A byte stream (a file or stdin), gunzipped when it starts with gzip's magic; its first bytes are peeked, not consumed. */
export async function maybeGunzip(raw: Readable): Promise<{ stream: Readable; gzip: boolean }> {
  const first = await new Promise<Buffer | null>((resolve, reject) => {
    const onReadable = (): void => {
      const chunk = raw.read() as Buffer | null;
      cleanup();
      if (chunk) raw.unshift(chunk);
      resolve(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(null);
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(e);
    };
    const cleanup = (): void => {
      raw.off('readable', onReadable);
      raw.off('end', onEnd);
      raw.off('error', onError);
    };
    raw.on('readable', onReadable);
    raw.on('end', onEnd);
    raw.on('error', onError);
  });
  if (first === null || !isGzip(first)) return { stream: raw, gzip: false };
  // 256 KiB out at a time, not 16: each chunk is a trip through the thread pool and the stream,
  // which at 16 KiB cost 3–5× the inflating itself
  const gz = createGunzip({ chunkSize: 1 << 18 });
  raw.on('error', (e) => gz.destroy(e));
  return { stream: raw.pipe(gz), gzip: true };
}

export interface OpenedSource {
  source: ByteSource;
  gzip: boolean;
}

/** Open a file; gzip is detected from its first two bytes (never the extension). */
export async function openFileSource(path: string): Promise<OpenedSource> {
  const fh = await open(path, 'r');
  try {
    const probe = new Uint8Array(2);
    const { bytesRead } = await fh.read(probe, 0, 2, 0);
    if (!isGzip(probe, bytesRead)) return { source: new FileSource(fh), gzip: false };
  } catch (err) {
    await fh.close();
    throw err;
  }
  await fh.close();
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  raw.on('error', (err) => gunzip.destroy(err));
  raw.pipe(gunzip);
  return {
    source: new StreamSource(gunzip, () => {
      raw.destroy();
      gunzip.destroy();
    }),
    gzip: true,
  };
}

/** Wrap a readable stream (stdin); gzip detected from the first bytes. */
export async function openStreamSource(stream: NodeJS.ReadableStream, signal?: AbortSignal): Promise<OpenedSource> {
  const it = (stream as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]();
  // Collect at least 2 bytes to look at the magic.
  const parts: Uint8Array[] = [];
  let have = 0;
  let ended = false;
  while (have < 2) {
    // Ctrl-C before the producer wrote anything: stop waiting (the stream is destroyed so the
    // pending read settles) and hand back an empty source; the caller sees the abort.
    const r = signal ? await abortable(it.next(), signal, null) : await it.next();
    if (r === null) {
      (stream as Readable).destroy?.();
      ended = true;
      break;
    }
    if (r.done) {
      ended = true;
      break;
    }
    const c = typeof r.value === 'string' ? Buffer.from(r.value, 'latin1') : r.value;
    parts.push(c);
    have += c.length;
  }
  const first = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  const rest: AsyncIterable<Uint8Array | string> = {
    [Symbol.asyncIterator]: () =>
      ended ? { next: async () => ({ done: true, value: undefined }) } : it,
  };
  // Closing destroys the stream: an iterator waiting on a quiet stdin (aborted read) only settles then.
  const destroy = (): void => void (stream as Readable).destroy?.();
  if (!isGzip(first, first.length)) return { source: new StreamSource(rest, destroy, first), gzip: false };
  async function* all(): AsyncGenerator<Uint8Array> {
    yield first;
    for await (const c of rest) yield typeof c === 'string' ? Buffer.from(c, 'latin1') : c;
  }
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  const input = Readable.from(all());
  input.on('error', (err) => gunzip.destroy(err));
  input.pipe(gunzip);
  return {
    source: new StreamSource(gunzip, () => {
      input.destroy();
      gunzip.destroy();
      destroy();
    }),
    gzip: true,
  };
}

/**
 * Unread bytes a prefetched buffer keeps free in front of the data it receives, so the tail of the
 * current window (a record split by the read boundary) can be placed right before it without
 * moving the new data. Larger tails (records > 512 KiB) take a copying path.
 */
const RESERVE = 512 * 1024;

/**
 * The refillable window over a source. `buf[pos, end)` is unread data; `base` is the file offset
 * of `buf[0]`, so the file offset of `buf[i]` is `base + i`.
 *
 * For files (positional reads) the window double-buffers: while the parser walks `buf`, the next
 * chunk is already being read into a second buffer on the libuv thread pool; `ensure` then only
 * moves the short tail of `buf` in front of it and swaps the two. No data is copied twice and the
 * read overlaps the parsing.
 */
export class Window {
  buf: Uint8Array;
  dv: DataView;
  pos = 0;
  end = 0;
  base = 0;
  eof = false;
  private spare: Uint8Array | null = null;
  private pending: Promise<number> | null = null;
  private pendingAt = 0;
  /** Positional sources: file offset of the next byte not yet requested. */
  private srcPos = 0;
  private readonly positional: boolean;
  private readonly reserve: number;

  constructor(
    private readonly src: ByteSource,
    chunkSize = DEFAULT_CHUNK,
    private readonly signal?: AbortSignal,
  ) {
    this.positional = typeof src.readAt === 'function';
    this.reserve = Math.min(RESERVE, chunkSize);
    this.buf = Buffer.allocUnsafeSlow(this.positional ? chunkSize + this.reserve : chunkSize);
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    // `base` first changes at the first refill, after the record loop was optimised (scripts/bench-read.ts).
    keepMutable(this, 'base', -1, 0);
  }

  /** Bytes available from pos. */
  get avail(): number {
    return this.end - this.pos;
  }

  /** File offset of the read position. */
  get offset(): number {
    return this.base + this.pos;
  }

  private setBuf(b: Uint8Array): void {
    this.buf = b;
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  /** Move unread data to the front; grow the buffer to hold `need` unread bytes. */
  private compact(need: number): void {
    if (this.pos > 0) {
      if (this.end > this.pos) this.buf.copyWithin(0, this.pos, this.end);
      this.end -= this.pos;
      this.base += this.pos;
      this.pos = 0;
    }
    if (need > this.buf.length) {
      let size = this.buf.length;
      while (size < need) size *= 2;
      const nb = Buffer.allocUnsafeSlow(size);
      nb.set(this.buf.subarray(0, this.end));
      this.setBuf(nb);
    }
  }

  private startPrefetch(): void {
    if (!this.positional || this.eof || this.pending !== null) return;
    if (this.spare === null || this.spare.length < this.buf.length) this.spare = Buffer.allocUnsafeSlow(this.buf.length);
    const len = this.spare.length - this.reserve;
    this.pendingAt = this.srcPos;
    this.srcPos += len;
    this.pending = this.src.readAt!(this.spare, this.reserve, len, this.pendingAt);
  }

  /** Take the prefetched chunk: the unread tail goes in front of it and the buffers swap. */
  private async integrate(): Promise<void> {
    const p = this.pending!;
    let n: number;
    try {
      n = await p;
    } finally {
      this.pending = null;
    }
    this.srcPos = this.pendingAt + n;
    if (n === 0) {
      this.eof = true;
      return;
    }
    const spare = this.spare!;
    const tail = this.end - this.pos;
    if (tail <= this.reserve) {
      const start = this.reserve - tail;
      if (tail > 0) spare.set(this.buf.subarray(this.pos, this.end), start);
      this.base += this.pos - start;
      this.spare = this.buf;
      this.setBuf(spare);
      this.pos = start;
      this.end = this.reserve + n;
    } else {
      this.compact(this.end - this.pos + n);
      this.buf.set(spare.subarray(this.reserve, this.reserve + n), this.end);
      this.end += n;
    }
  }

  /**
   * Make at least `need` bytes available from `pos` (fewer only at end of input). Grows the
   * buffer when a single record is larger than it; callers bound `need` before asking.
   * Resolves to whether `need` bytes are available.
   */
  async ensure(need: number): Promise<boolean> {
    if (this.end - this.pos >= need) return true;
    if (this.signal?.aborted) return false;
    while (this.end - this.pos < need) {
      if (this.pending !== null) {
        await this.integrate();
        continue;
      }
      if (this.eof) break;
      // Grow at most by doubling, and only once the unread data fills the buffer: a header claiming
      // a huge length never allocates more than a few times the data actually present (fuzz regression).
      this.compact(Math.min(need, Math.max(this.buf.length, 2 * (this.end - this.pos))));
      const room = this.buf.length - this.end;
      let n: number;
      if (this.positional) {
        n = await this.src.readAt!(this.buf, this.end, room, this.srcPos);
        this.srcPos += n;
      } else {
        // A stream (stdin) can block indefinitely: an abort (SIGINT) ends the wait instead of
        // waiting for more data or EOF (fuzz/reliability regression).
        n = this.signal ? await abortable(this.src.read(this.buf, this.end, room), this.signal, -1) : await this.src.read(this.buf, this.end, room);
        if (n < 0) return false;
      }
      if (n === 0) this.eof = true;
      else this.end += n;
    }
    this.startPrefetch();
    return this.end - this.pos >= need;
  }

  /** Wait for an outstanding read-ahead (before the source is closed). */
  async drain(): Promise<void> {
    const p = this.pending;
    this.pending = null;
    if (p !== null) {
      try {
        await p;
      } catch {
        /* the read-ahead's failure no longer matters */
      }
    }
  }
}
