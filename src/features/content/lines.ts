/**
 * Line assembly for the text protocols: bytes of one stream direction in, complete lines out
 * (LF-terminated, a trailing CR dropped; or, for terminal input, CR alone ends a line), with a
 * byte-skip mode for message bodies, a quiet mode (lines delimited but not decoded — e.g. a mail
 * body) and a bounded line length. Lines are decoded as Latin-1 (one char per byte).
 *
 * A line that lies entirely inside one delivered chunk is decoded straight from that chunk; only
 * the unterminated tail of a chunk is kept, as byte values in a plain array (no per-flow
 * ArrayBuffer, no string built per echoed keystroke), decoded once when the line completes.
 */
import { latin1Slice } from '../../v8-workarounds.ts';

/** Default longest line kept (longer lines are cut: rules look at line starts). */
export const MAX_LINE = 1024;
/**
 * Byte searches first look at this many bytes in JS (most lines and line tails are short), then
 * hand the rest to Buffer#indexOf (memchr: ~60 ns per call + a fraction of a ns per byte). The
 * TypedArray indexOf/lastIndexOf used before scans byte by byte in C++ (~0.5 ns per byte: a
 * 900-byte chunk without the byte cost ~450 ns).
 */
const JS_SCAN = 64;
const bufIndexOf = Buffer.prototype.indexOf as (this: Uint8Array, value: number, from?: number) => number;
const bufLastIndexOf = Buffer.prototype.lastIndexOf as (this: Uint8Array, value: number, from?: number) => number;

/** First index of byte `v` in buf[from, end), or -1: a JS loop for short spans, memchr for long ones. */
export function indexOfByte(buf: Uint8Array, v: number, from: number, end: number): number {
  const lim = end - from > JS_SCAN ? from + JS_SCAN : end;
  let i = from;
  while (i < lim && buf[i] !== v) i++;
  if (i < lim) return i;
  if (lim === end) return -1;
  return nativeIndexOfByte(buf, v, lim, end);
}

/** First index of byte `v` in buf[from, end), or -1, by memchr (for spans where no early hit is expected). */
export function nativeIndexOfByte(buf: Uint8Array, v: number, from: number, end: number): number {
  const k = bufIndexOf.call(plainView(buf, from, end - from), v);
  return k < 0 ? -1 : from + k;
}

/** Last index of byte `v` in buf[from, end), or -1 (JS loop over the last bytes, then native). */
function lastIndexOfByte(buf: Uint8Array, v: number, from: number, end: number): number {
  const lim = end - from > JS_SCAN ? end - JS_SCAN : from;
  let i = end - 1;
  while (i >= lim && buf[i] !== v) i--;
  if (i >= lim) return i;
  if (lim === from) return -1;
  const k = bufLastIndexOf.call(plainView(buf, from, lim - from), v);
  return k < 0 ? -1 : from + k;
}

/**
 * A plain Uint8Array view of buf[off, off + n). Not `subarray`: on a Node Buffer (what capture
 * readers hand out) that builds another Buffer and its indexOf is Node's slower JS wrapper.
 */
export function plainView(buf: Uint8Array, off: number, n: number): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset + off, n);
}

/** One-byte chunk for pushByte's rare cases (body skip, quiet mode, line end). */
const ONE = new Uint8Array(1);

/**
 * Line starts a consumer cares about: names with distinct first letters, compared ASCII
 * case-insensitively (as a regex with the `i` flag compares Latin-1 text with ASCII letters).
 */
export class LinePrefixes {
  /** Per first byte: 1 + index of the name starting with it, or 0. */
  private readonly first = new Uint8Array(256);
  private readonly lower: Uint8Array[] = [];
  private readonly upper: Uint8Array[] = [];

  constructor(names: readonly string[]) {
    for (const name of names) {
      const lo = Buffer.from(name.toLowerCase(), 'latin1');
      const up = Buffer.from(name.toUpperCase(), 'latin1');
      if (this.first[lo[0]!] !== 0) throw new RangeError(`LinePrefixes: two names start with ${name[0]}`);
      this.lower.push(lo);
      this.upper.push(up);
      this.first[lo[0]!] = this.first[up[0]!] = this.lower.length;
    }
  }

  /** True when buf[s, e) starts with one of the names. */
  starts(buf: Uint8Array, s: number, e: number): boolean {
    const k = this.first[buf[s]!]!;
    if (k === 0) return false;
    const lo = this.lower[k - 1]!;
    const up = this.upper[k - 1]!;
    const n = lo.length;
    if (e - s < n) return false;
    for (let i = 1; i < n; i++) {
      const c = buf[s + i];
      if (c !== lo[i] && c !== up[i]) return false;
    }
    return true;
  }
}

export interface LineOptions {
  /** Terminal input: CR ends a line (CR NUL / CR LF: the byte after CR is dropped if LF or NUL);
   *  BS/DEL erase a char, ^U/^C clear the line, other control bytes are dropped. */
  terminal?: boolean;
  /** Longest line kept (default MAX_LINE); the rest of a longer line is dropped. */
  maxLine?: number;
}

export class LineSplitter {
  /** Delimit lines but do not decode or emit them (keepDot: except a line that is exactly "."). */
  quiet = false;
  keepDot = false;
  /**
   * Bytes of an unterminated line kept while quiet (without keepDot). They matter only when quiet
   * ends before the line does: a consumer that then reads no more than the first N characters of
   * a line may set N here and skip copying the rest of every quiet tail (POP3: 4, for +OK / -ERR).
   */
  quietKeep = Infinity;
  /**
   * When set, a non-empty line that lies inside one chunk and does not start with one of these
   * names (ASCII case-insensitive) is dropped undecoded (the consumer ignores it anyway, e.g. most
   * HTTP headers); other lines as usual.
   */
  prefixes: LinePrefixes | null = null;
  /**
   * Bytes of the unterminated line: pend[0, pendLen). Allocated at the first partial line, 64 bytes
   * (a V8 on-heap typed array: cheap), grown once to maxLine for longer lines; reused for every
   * line of the flow. (A number[] emptied with `length = 0` after each line gave its backing store
   * back and regrew it for the next line: ~100 MB of garbage per bench1g replay.)
   */
  private pend: Uint8Array | null = null;
  private pendLen = 0;
  private afterCr = false;
  private skipBytes = 0;
  private readonly terminal: boolean;
  private readonly maxLine: number;

  constructor(
    private readonly onLine: (line: string) => void,
    opts: LineOptions = {},
  ) {
    this.terminal = opts.terminal ?? false;
    this.maxLine = opts.maxLine ?? MAX_LINE;
  }

  /** Skip the next n raw bytes (a message body) before reading lines again. */
  skip(n: number): void {
    this.skipBytes += n;
  }

  /**
   * `n` bytes of the stream are missing. Inside a skipped body the framing survives (returns true);
   * otherwise the line being assembled is dropped and the bytes after the hole start a new line
   * (false): interactive protocols send one command or reply per segment, so segments usually
   * start lines.
   */
  gap(n: number): boolean {
    if (this.skipBytes >= n) {
      this.skipBytes -= n;
      return true;
    }
    this.skipBytes = 0;
    this.pendLen = 0;
    this.afterCr = false;
    return false;
  }

  push(buf: Uint8Array, off: number, n: number): void {
    if (this.terminal) {
      this.pushTerminal(buf, off, n);
      return;
    }
    const end = off + n;
    let i = off;
    while (i < end) {
      if (this.skipBytes > 0) {
        const k = Math.min(this.skipBytes, end - i);
        this.skipBytes -= k;
        i += k;
        continue;
      }
      if (this.quiet && !this.keepDot) {
        // Nothing is emitted: only the position after the last LF matters.
        const k = lastIndexOfByte(buf, 0x0a, i, end);
        if (k >= i) {
          this.pendLen = 0;
          i = k + 1;
        }
        const keep = this.quietKeep - this.pendLen;
        this.append(buf, i, end - i > keep ? i + keep : end);
        return;
      }
      const k = indexOfByte(buf, 0x0a, i, end);
      if (k < 0) {
        this.append(buf, i, end);
        return;
      }
      if (this.pendLen === 0) this.emit(buf, i, k);
      else {
        this.append(buf, i, k);
        this.emitPending();
      }
      i = k + 1;
    }
  }

  /** The unterminated rest of the current line (e.g. a prompt), or '' when none. */
  partial(): string {
    return this.pendLen === 0 ? '' : latin1Slice(this.pend!, 0, this.pendLen);
  }

  /** Length of the unterminated line. */
  get partialLength(): number {
    return this.pendLen;
  }

  /** Last byte of the unterminated line, or -1. */
  lastByte(): number {
    return this.pendLen === 0 ? -1 : this.pend![this.pendLen - 1]!;
  }

  /**
   * True when the unterminated line could be a prompt as ShellSession.serverPartial reads one: it
   * ends in `:` + optional white space (login/password prompts) or in one of `$#%>` + a space (shell
   * prompts). Lets the caller skip decoding the line at every echoed space of a typed command.
   */
  promptLike(): boolean {
    const p = this.pend;
    if (p === null) return false;
    let k = this.pendLen - 1;
    if (k >= 1 && p[k] === 0x20) {
      const c = p[k - 1]!;
      if (c === 0x24 || c === 0x23 || c === 0x25 || c === 0x3e) return true;
    }
    // JS \s on Latin-1 text: TAB, LF, VT, FF, CR, space, NBSP.
    while (k >= 0) {
      const c = p[k]!;
      if (c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0) k--;
      else break;
    }
    return k >= 0 && p[k] === 0x3a;
  }

  /** End of stream: an unterminated last line counts as a line. */
  flush(): void {
    if (this.pendLen > 0) this.emitPending();
  }

  /**
   * push() of one byte: the per-keystroke path of interactive sessions (one-byte segments both
   * ways), without the chunk scan set-up.
   */
  pushByte(b: number): void {
    if (this.terminal) this.terminalByte(b);
    else if (this.skipBytes > 0 || this.quiet || b === 0x0a) {
      ONE[0] = b;
      this.push(ONE, 0, 1);
    } else this.add(b);
  }

  private pushTerminal(buf: Uint8Array, off: number, n: number): void {
    for (let i = off, end = off + n; i < end; i++) this.terminalByte(buf[i]!);
  }

  private terminalByte(b: number): void {
    if (this.afterCr) {
      this.afterCr = false;
      if (b === 0x0a || b === 0x00) return;
    }
    if (b === 0x0d || b === 0x0a) {
      this.emitPending();
      this.afterCr = b === 0x0d;
    } else if (b < 0x20 || b === 0x7f) {
      if (b === 0x08 || b === 0x7f) {
        if (this.pendLen > 0) this.pendLen--;
      } else if (b === 0x15 || b === 0x03) this.pendLen = 0;
      else if (b === 0x09) this.add(0x20);
    } else this.add(b);
  }

  /** One byte onto the unterminated line (dropped past maxLine). */
  private add(b: number): void {
    const n = this.pendLen;
    if (n >= this.maxLine) return;
    const p = this.pend !== null && n < this.pend.length ? this.pend : this.grow(n + 1);
    p[n] = b;
    this.pendLen = n + 1;
  }

  /** The line buffer with room for `need` ≤ maxLine bytes (64 bytes first, then maxLine). */
  private grow(need: number): Uint8Array {
    const old = this.pend;
    if (old !== null && old.length >= need) return old;
    const p = new Uint8Array(need <= 64 && this.maxLine > 64 ? 64 : this.maxLine);
    if (old !== null) p.set(old.subarray(0, this.pendLen));
    this.pend = p;
    return p;
  }

  private append(buf: Uint8Array, s: number, e: number): void {
    const n = this.pendLen;
    const room = this.maxLine - n;
    if (e - s > room) e = s + room;
    if (e <= s) return;
    const p = this.grow(n + e - s);
    let j = n;
    for (let k = s; k < e; k++) p[j++] = buf[k]!;
    this.pendLen = j;
  }

  private emitPending(): void {
    const p = this.pend;
    let n = this.pendLen;
    this.pendLen = 0;
    if (n > 0 && p![n - 1] === 0x0d) n--;
    if (this.quiet && !(this.keepDot && n === 1 && p![0] === 0x2e)) return;
    this.onLine(n === 0 ? '' : latin1Slice(p!, 0, n));
  }

  private emit(buf: Uint8Array, s: number, e: number): void {
    if (e > s && buf[e - 1] === 0x0d) e--;
    if (e - s > this.maxLine) e = s + this.maxLine;
    if (this.quiet && !(this.keepDot && e - s === 1 && buf[s] === 0x2e)) return;
    if (this.prefixes !== null && e > s && !this.prefixes.starts(buf, s, e)) return;
    this.onLine(e === s ? '' : latin1Slice(buf, s, e));
  }
}
