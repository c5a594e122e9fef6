/**
 * JSON Lines straight into a reused byte buffer, byte for byte what `JSON.stringify(v) + '\n'`
 * gives for plain data (objects, arrays, strings, numbers, booleans, null). Writing a score record
 * this way costs a fraction of JSON.stringify plus the UTF-8 copy of its string: most of that went
 * into turning doubles into their shortest decimal, which here takes integer arithmetic whenever the
 * value has at most 6 decimals (every rounded score and share does). Anything else — an object
 * with toJSON, a class instance, a long or non-ASCII string, other doubles — goes through
 * JSON.stringify / String, so the output never differs.
 */

/** 10^d for d = 0..6. */
const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000];

export class JsonLines {
  buf: Buffer;
  pos = 0;

  constructor(size = 1 << 21) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Append JSON.stringify(v) and a line feed. */
  line(v: unknown): void {
    this.value(v);
    this.room(1);
    this.buf[this.pos++] = 10;
  }

  /** The bytes written so far (a view of the buffer, valid until the next write), and start over. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.pos = 0;
    return out;
  }

  /** Append bytes as they are (pre-encoded JSON: keys, punctuation). */
  raw(bytes: Uint8Array): void {
    const n = bytes.length;
    this.room(n);
    if (n > 8) {
      // a native copy beats the byte loop from about a dozen bytes
      this.buf.set(bytes, this.pos);
      this.pos += n;
      return;
    }
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = bytes[i]!;
    this.pos = p;
  }

  byte(c: number): void {
    this.room(1);
    this.buf[this.pos++] = c;
  }

  /** Make room for n more bytes (the buffer grows; it is handed over in take()). */
  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  value(v: unknown): void {
    switch (typeof v) {
      case 'number':
        this.number(v);
        return;
      case 'string':
        this.string(v);
        return;
      case 'boolean':
        this.ascii(v ? 'true' : 'false');
        return;
      case 'object':
        if (v === null) this.ascii('null');
        else if (Array.isArray(v)) this.array(v);
        else this.object(v as Record<string, unknown>);
        return;
      default:
        // undefined, functions, symbols at the top level; bigint throws as JSON.stringify does
        this.fallback(v);
    }
  }

  private array(a: unknown[]): void {
    this.room(1);
    this.buf[this.pos++] = 91; // [
    for (let i = 0; i < a.length; i++) {
      if (i > 0) {
        this.room(1);
        this.buf[this.pos++] = 44;
      }
      const e = a[i];
      const t = typeof e;
      if (e === undefined || t === 'function' || t === 'symbol') this.ascii('null');
      else this.value(e);
    }
    this.room(1);
    this.buf[this.pos++] = 93; // ]
  }

  private object(o: Record<string, unknown>): void {
    const proto = Object.getPrototypeOf(o) as unknown;
    if ((proto !== Object.prototype && proto !== null) || typeof o.toJSON === 'function') {
      this.fallback(o);
      return;
    }
    this.room(1);
    this.buf[this.pos++] = 123; // {
    let first = true;
    for (const key in o) {
      if (!Object.hasOwn(o, key)) continue;
      const e = o[key];
      const t = typeof e;
      if (e === undefined || t === 'function' || t === 'symbol') continue;
      if (!first) {
        this.room(1);
        this.buf[this.pos++] = 44;
      }
      first = false;
      this.string(key);
      this.room(1);
      this.buf[this.pos++] = 58; // :
      this.value(e);
    }
    this.room(1);
    this.buf[this.pos++] = 125; // }
  }

  /** A string: printable ASCII without quote or backslash is copied as it is; the rest via JSON.stringify. */
  string(s: string): void {
    const n = s.length;
    this.room(n + 2);
    const b = this.buf;
    let p = this.pos;
    b[p++] = 34;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 32 || c > 126 || c === 34 || c === 92) {
        this.utf8(JSON.stringify(s));
        return;
      }
      b[p++] = c;
    }
    b[p++] = 34;
    this.pos = p;
  }

  /** A number exactly as JSON.stringify writes it. */
  number(v: number): void {
    if (Number.isInteger(v)) {
      if (v >= -2147483647 && v <= 2147483647) {
        this.room(11);
        if (v < 0) {
          this.buf[this.pos++] = 45;
          v = -v;
        }
        this.uint(v);
        return;
      }
    } else if (v > -1e9 && v < 1e9) {
      // v is k / 10^6 for an integer k: its shortest decimal is k's digits with the trailing zeros
      // of the fraction dropped (below 1e9 a double holds every 6-decimal number distinctly)
      const k = Math.round(v * 1e6);
      if (k / 1e6 === v) {
        this.room(18);
        let a = k;
        if (a < 0) {
          this.buf[this.pos++] = 45;
          a = -a;
        }
        let ip = Math.floor(a / 1e6);
        let fp = a - ip * 1e6;
        if (fp < 0) {
          ip--;
          fp += 1e6;
        } else if (fp >= 1e6) {
          ip++;
          fp -= 1e6;
        }
        this.uint(ip);
        this.buf[this.pos++] = 46; // .
        let f = fp | 0;
        let d = 6;
        while (f % 10 === 0) {
          f = (f / 10) | 0;
          d--;
        }
        // leading zeros of the fraction
        for (let z = d - 1; z > 0 && f < POW10[z]!; z--) this.buf[this.pos++] = 48;
        this.uint(f);
        return;
      }
    }
    this.ascii(Number.isFinite(v) ? String(v) : 'null');
  }

  /** JSON.stringify(Math.round(v * 1e6) / 1e6): the rounding's integer written with its point, no division. */
  round6(v: number): void {
    const k = Math.round(v * 1e6);
    if (k > -1e15 && k < 1e15) this.scaled(k, 6);
    else this.number(Math.round(v * 1e6) / 1e6);
  }

  /** JSON.stringify(Math.round(v * 1e4) / 1e4) (reasons' shares and z). */
  round4(v: number): void {
    const k = Math.round(v * 1e4);
    if (k > -1e15 && k < 1e15) this.scaled(k, 4);
    else this.number(Math.round(v * 1e4) / 1e4);
  }

  /**
   * JSON.stringify(k / 10^d) for an integer |k| < 10^15, d ≤ 6: below that a double holds every
   * d-decimal number distinctly, so the shortest decimal is k's digits with the point put back and
   * the fraction's trailing zeros dropped.
   */
  scaled(k: number, d: number): void {
    this.room(20);
    k = this.sign(k);
    const ip = Math.floor(k / POW10[d]!);
    let f = k - ip * POW10[d]!;
    if (ip < 2147483648) this.uint(ip);
    else this.ascii(String(ip));
    if (f === 0) return;
    while (f % 10 === 0) {
      f /= 10;
      d--;
    }
    this.fraction(f, d);
  }

  /** (k / 10^d).toFixed(d) for an integer k with |k / 10^d| < 2^31: its digits with exactly d decimals. */
  fixed(k: number, d: number): void {
    this.room(22);
    k = this.sign(k);
    const ip = Math.floor(k / POW10[d]!);
    this.uint(ip);
    if (d > 0) this.fraction(k - ip * POW10[d]!, d);
  }

  /** Writes the minus sign of a negative k; returns |k|. */
  private sign(k: number): number {
    if (!(k < 0)) return k;
    this.buf[this.pos++] = 45;
    return -k;
  }

  /** The point and an integer 0 ≤ f < 10^d as d digits (leading zeros kept). */
  private fraction(f: number, d: number): void {
    const b = this.buf;
    b[this.pos++] = 46; // .
    for (let z = d - 1; z > 0 && f < POW10[z]!; z--) b[this.pos++] = 48;
    this.uint(f);
  }

  /** An integer |v| < 2^31 with a comma every three digits (en-US grouping). */
  grouped(v: number): void {
    this.room(16);
    const b = this.buf;
    if (v < 0) {
      b[this.pos++] = 45;
      v = -v;
    }
    let n = 1;
    for (let t = v; t >= 10; t = (t / 10) | 0) n++;
    const end = this.pos + n + ((n - 1) / 3 | 0);
    let p = end;
    for (let q = 0; ; q++) {
      if (q > 0 && q % 3 === 0) b[--p] = 44;
      const r = (v / 10) | 0;
      b[--p] = 48 + v - r * 10;
      v = r;
      if (v === 0) break;
    }
    this.pos = end;
  }

  /** Decimal digits of 0 ≤ v < 2^31 (room checked by the caller). */
  uint(v: number): void {
    const b = this.buf;
    let n = 1;
    for (let t = v; t >= 10; t = (t / 10) | 0) n++;
    let p = this.pos + n;
    this.pos = p;
    do {
      const q = (v / 10) | 0;
      b[--p] = 48 + v - q * 10;
      v = q;
    } while (v > 0);
  }

  /** A string of printable ASCII without quote or backslash, as it is (no quotes). */
  ascii(s: string): void {
    this.room(s.length);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  private utf8(s: string): void {
    this.room(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  private fallback(v: unknown): void {
    const s = JSON.stringify(v);
    if (s !== undefined) this.utf8(s);
  }
}
