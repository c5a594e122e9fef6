/**
 * Line assembly for the text protocols: bytes of one stream direction in, complete lines out
 * (CR LF or LF; optionally a lone CR as typed on a terminal), with a byte-skip mode for message
 * bodies and a bounded line length. Lines are decoded as Latin-1 (one char per byte).
 */

export const MAX_LINE = 2048;

const latin1 = new TextDecoder('latin1');

export interface LineOptions {
  /** A CR alone ends a line (terminal input: CR NUL / CR LF); the byte after it is dropped if LF/NUL. */
  crEndsLine?: boolean;
  /** Terminal line editing: BS/DEL erase a char, ^U/^C clear the line, other controls are dropped. */
  editing?: boolean;
}

export class LineSplitter {
  private readonly line = new Uint8Array(MAX_LINE);
  private len = 0;
  private afterCr = false;
  private skipBytes = 0;
  private readonly crEndsLine: boolean;
  private readonly editing: boolean;

  constructor(
    private readonly onLine: (line: string) => void,
    opts: LineOptions = {},
  ) {
    this.crEndsLine = opts.crEndsLine ?? false;
    this.editing = opts.editing ?? false;
  }

  /** Skip the next n raw bytes (a message body) before reading lines again. */
  skip(n: number): void {
    this.skipBytes += n;
  }

  get skipping(): boolean {
    return this.skipBytes > 0;
  }

  push(buf: Uint8Array, off: number, n: number): void {
    const end = off + n;
    let i = off;
    while (i < end) {
      if (this.skipBytes > 0) {
        const k = Math.min(this.skipBytes, end - i);
        this.skipBytes -= k;
        i += k;
        continue;
      }
      const b = buf[i++]!;
      if (this.afterCr) {
        this.afterCr = false;
        if (b === 0x0a || b === 0x00) continue;
      }
      if (b === 0x0a) {
        this.emit();
      } else if (b === 0x0d) {
        if (this.crEndsLine) {
          this.emit();
          this.afterCr = true;
        } else if (i < end && buf[i] === 0x0a) {
          // CR LF: the LF ends the line
        } else if (i === end) {
          this.afterCrLf();
        } else this.put(b);
      } else if (this.editing && (b < 0x20 || b === 0x7f)) {
        if (b === 0x08 || b === 0x7f) {
          if (this.len > 0) this.len--;
        } else if (b === 0x15 || b === 0x03) this.len = 0;
        else if (b === 0x09) this.put(0x20);
      } else if (b !== 0x00) this.put(b);
    }
  }

  /** The unterminated rest of the current line (e.g. a prompt), or '' when none. */
  partial(): string {
    return this.len === 0 ? '' : latin1.decode(this.line.subarray(0, this.len));
  }

  /** Last byte of the unterminated line, or -1. */
  lastByte(): number {
    return this.len === 0 ? -1 : this.line[this.len - 1]!;
  }

  get partialLength(): number {
    return this.len;
  }

  /** End of stream: an unterminated last line counts as a line. */
  flush(): void {
    if (this.len > 0) this.emit();
  }

  /** A CR at the very end of a chunk: treat as CR LF (the LF, if it comes, is dropped). */
  private afterCrLf(): void {
    this.emit();
    this.afterCr = true;
  }

  private put(b: number): void {
    if (this.len < MAX_LINE) this.line[this.len++] = b;
  }

  private emit(): void {
    const s = this.len === 0 ? '' : latin1.decode(this.line.subarray(0, this.len));
    this.len = 0;
    this.onLine(s);
  }
}
