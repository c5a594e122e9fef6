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

/** Default window size: 4 MiB (one read syscall per ~20 k typical packets). */
export const DEFAULT_CHUNK = 4 << 20;

export interface ByteSource {
  /** Read up to `len` bytes into dst[off..]; resolves 0 at end of input. */
  read(dst: Uint8Array, off: number, len: number): Promise<number>;
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

function isGzip(b: Uint8Array, n: number): boolean {
  return n >= 2 && b[0] === 0x1f && b[1] === 0x8b;
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
export async function openStreamSource(stream: NodeJS.ReadableStream): Promise<OpenedSource> {
  const it = (stream as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]();
  // Collect at least 2 bytes to look at the magic.
  const parts: Uint8Array[] = [];
  let have = 0;
  let ended = false;
  while (have < 2) {
    const r = await it.next();
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
  if (!isGzip(first, first.length)) return { source: new StreamSource(rest, undefined, first), gzip: false };
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
    }),
    gzip: true,
  };
}

/**
 * The refillable window over a source. `buf[pos, end)` is unread data; `base` is the file offset
 * of `buf[0]`, so the file offset of `buf[i]` is `base + i`.
 */
export class Window {
  buf: Uint8Array;
  dv: DataView;
  pos = 0;
  end = 0;
  base = 0;
  eof = false;

  constructor(
    private readonly src: ByteSource,
    chunkSize = DEFAULT_CHUNK,
    private readonly signal?: AbortSignal,
  ) {
    this.buf = Buffer.allocUnsafeSlow(chunkSize);
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /** Bytes available from pos. */
  get avail(): number {
    return this.end - this.pos;
  }

  /** File offset of the read position. */
  get offset(): number {
    return this.base + this.pos;
  }

  /**
   * Make at least `need` bytes available from `pos` (fewer only at end of input). Grows the
   * buffer when a single record is larger than it; callers bound `need` before asking.
   * Resolves to whether `need` bytes are available.
   */
  async ensure(need: number): Promise<boolean> {
    if (this.end - this.pos >= need) return true;
    if (this.signal?.aborted) return false;
    if (this.pos > 0) {
      if (this.end > this.pos) this.buf.copyWithin(0, this.pos, this.end);
      this.end -= this.pos;
      this.base += this.pos;
      this.pos = 0;
    }
    while (this.end < need && !this.eof) {
      // Grow only when the window is full and the input still has bytes: a header claiming a huge
      // length in a short file never allocates more than twice the data actually present.
      if (this.end === this.buf.length) {
        const nb = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, 4096));
        nb.set(this.buf.subarray(0, this.end));
        this.buf = nb;
        this.dv = new DataView(nb.buffer, nb.byteOffset, nb.byteLength);
      }
      const n = await this.src.read(this.buf, this.end, this.buf.length - this.end);
      if (n === 0) this.eof = true;
      else this.end += n;
    }
    return this.end - this.pos >= need;
  }

  /** Skip `n` bytes (may run past the window: reads and discards). Resolves to bytes skipped. */
  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      const a = this.end - this.pos;
      if (a >= left) {
        this.pos += left;
        return n;
      }
      this.pos = this.end;
      left -= a;
      if (!(await this.ensure(1))) return n - left;
    }
    return n;
  }
}
