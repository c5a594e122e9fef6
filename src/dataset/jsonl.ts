/**
 * JSON Lines dataset writer: one JSON object per line (`\n`), keys in column order; columns missing
 * from a row are null, non-finite numbers are null. Keys of the row that are not columns are kept
 * after the columns (e.g. a `label` added by a caller).
 */
import type { ColumnDef, Row } from './types.ts';
import type { TextSink } from './output.ts';
import { LineBuffer, LineWriter, flushLines, putMicro, putUint } from './csv.ts';
import { cachedCompile, compileFunction } from '../v8-workarounds.ts';

/**
 * The JSON text of `v` exactly as JSON.stringify writes it, appended as bytes: integers digit by
 * digit, ASCII strings that need no escape copied in place; everything else through JSON.stringify.
 */
function jsonValue(lb: LineBuffer, v: Row[string] | undefined): void {
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v < 9007199254740992 && v > -9007199254740992) lb.int(v);
    else lb.text(Number.isFinite(v) ? String(v) : 'null');
  } else if (typeof v === 'string') {
    const n = v.length;
    lb.room(n + 2);
    const b = lb.buf;
    let o = lb.off;
    b[o++] = 34;
    for (let i = 0; i < n; i++) {
      const c = v.charCodeAt(i);
      // control characters, ", \ and non-ASCII: JSON.stringify's escapes
      if (c < 32 || c >= 128 || c === 34 || c === 92) return lb.text(JSON.stringify(v));
      b[o++] = c;
    }
    b[o++] = 34;
    lb.off = o;
  } else if (typeof v === 'boolean') lb.text(v ? 'true' : 'false');
  else lb.text('null');
}

/** Most bytes a number or boolean value written by the fast paths takes (sign and 16 digits). */
const VALUE_MAX = 18;

/**
 * Copy the string `v` as a JSON string at `o` when it is ASCII and needs no escape; returns the
 * offset after the closing quote, or -1 (nothing usable written) otherwise. Grows the buffer so that
 * `reserve` bytes remain after it (callers reload lb.buf).
 */
function putJsonPlain(lb: LineBuffer, o: number, v: string, reserve: number): number {
  const len = v.length;
  if (o + len + 2 + reserve > lb.buf.length) {
    lb.off = o;
    lb.room(len + 2 + reserve);
  }
  const b = lb.buf;
  b[o++] = 34;
  for (let k = 0; k < len; k++) {
    const c = v.charCodeAt(k);
    // control characters, ", \ and non-ASCII: JSON.stringify's escapes
    if (c < 32 || c >= 128 || c === 34 || c === 92) return -1;
    b[o++] = c;
  }
  b[o++] = 34;
  return o;
}

/** Any value the fast paths did not take, at `o`; renews the reservation; returns lb.off. */
function putJsonSlow(lb: LineBuffer, o: number, v: Row[string], reserve: number): number {
  lb.off = o;
  jsonValue(lb, v);
  lb.room(reserve);
  return lb.off;
}

/** Writes the JSON object of a row that has every column (and only those) with its `\n`; false when a column is missing. */
type JsonRowWriter = (row: Row, lb: LineBuffer) => boolean;

/**
 * Copy `n` 8-byte words of key bytes from `words[at..]` to `o`; returns o + len (the bytes past len
 * are overwritten by the value that follows). The words are key text padded with spaces: bytes
 * 0x20–0x7e, so as doubles their exponent field is never 0 or all ones — normal numbers, which
 * loads and stores copy bit for bit (no NaN to canonicalise, no subnormal).
 */
function putKey(dv: DataView, o: number, words: Float64Array, at: number, n: number, len: number): number {
  for (let j = 0; j < n; j++) dv.setFloat64(o + 8 * j, words[at + j]!, true);
  return o + len;
}

/**
 * Below this (2^32) a double's spacing is under 1e-6, so when the µs-grid decimal D nearest to v
 * converts back to v exactly (`Math.round(v · 1e6) / 1e6 === v`: the division is correctly rounded),
 * D without trailing zeros is v's shortest round-trip text — String(v) — and putMicro writes it
 * with integer arithmetic (times and durations are µs values: the costly String(v) for every row).
 * Proof: a shorter decimal C ≠ D that also round-trips would lie on the µs grid too, ≥ 1e-6 from D,
 * yet within one spacing (< 1e-6) of it.
 */
export const MICRO_EXACT_MAX = 4294967296;

/** Shortest round-trip text of rates seen (rates repeat: a/b with small b), bounded. */
const rateText = new Map<number, string>();
const RATE_TEXT_MAX = 1 << 16;

/** A rate column's value: the cached String(v) of a non-integer, else jsonValue; returns lb.off. */
function putJsonRate(lb: LineBuffer, o: number, v: number, reserve: number): number {
  let s = rateText.get(v);
  if (s === undefined) {
    if (rateText.size >= RATE_TEXT_MAX) rateText.clear();
    s = String(v);
    rateText.set(v, s);
  }
  lb.off = o;
  lb.plain(s, false);
  lb.room(reserve);
  return lb.off;
}

/**
 * A compiled writer of one JSON line for rows with exactly `names` as keys: the `{"name":` /
 * `,"name":` bytes are copied eight at a time (byte by byte they were most of the cost of a row:
 * ~900 key bytes), and each value takes a fast path by its type (non-negative safe integer, plain
 * ASCII string, boolean, a cached rate) or jsonValue, which writes exactly what JSON.stringify writes.
 */
function buildJsonRow(columns: readonly ColumnDef[]): JsonRowWriter {
  const names = columns.map((c) => c.name);
  const keys = names.map((n, i) => Buffer.from((i === 0 ? '{' : ',') + JSON.stringify(n) + ':', 'utf8'));
  const ascii = keys.every((k) => k.every((c) => c >= 0x20 && c < 0x7f));
  const at: number[] = [];
  let total = 0;
  for (const k of keys) {
    at.push(total);
    total += Math.ceil(k.length / 8);
  }
  const padded = Buffer.alloc(total * 8, 0x20);
  keys.forEach((k, i) => k.copy(padded, at[i]! * 8));
  const words = new Float64Array(total);
  for (let j = 0; j < total; j++) words[j] = padded.readDoubleLE(8 * j);
  const reserve = keys.reduce((a, k) => a + k.length, 0) + names.length * (VALUE_MAX + 8) + 2;
  const lines: string[] = ['lb.room(RESERVE);', 'let b = lb.buf;', 'let dv = lb.view();', 'let o = lb.off;', 'let v, k;'];
  const reload = 'if (b !== lb.buf) { b = lb.buf; dv = lb.view(); }';
  columns.forEach((c, i) => {
    const key = keys[i]!;
    // Column names are JSON-quoted string literals, the rest numbers: no code from the data.
    lines.push(`v = row[${JSON.stringify(c.name)}];`, 'if (v === undefined) return false;');
    if (ascii) lines.push(`o = putKey(dv, o, WORDS, ${at[i]}, ${Math.ceil(key.length / 8)}, ${key.length});`);
    else lines.push(`${Array.from(key, (x, j) => `b[o + ${j}] = ${x};`).join(' ')} o += ${key.length};`);
    lines.push(`if (typeof v === 'number' && v >= 0 && v < 9007199254740992 && Number.isInteger(v)) o = putUint(b, o, v);`);
    lines.push(`else if (typeof v === 'number' && v > 0 && v < MICRO_EXACT_MAX && Math.round(v * 1e6) / 1e6 === v) o = putMicro(b, o, v);`);
    if (c.unit === 'fraction') lines.push(`else if (typeof v === 'number' && v > 0 && v < 1) { o = putJsonRate(lb, o, v, RESERVE); ${reload} }`);
    lines.push(
      `else if (typeof v === 'string' && (k = putJsonPlain(lb, o, v, RESERVE)) >= 0) { o = k; ${reload} }`,
      `else if (v === true) { b[o] = 116; b[o + 1] = 114; b[o + 2] = 117; b[o + 3] = 101; o += 4; }`,
      `else if (v === false) { b[o] = 102; b[o + 1] = 97; b[o + 2] = 108; b[o + 3] = 115; b[o + 4] = 101; o += 5; }`,
      `else { o = putJsonSlow(lb, o, v, RESERVE); ${reload} }`,
    );
  });
  lines.push('b[o] = 125; b[o + 1] = 10;', 'lb.off = o + 2;', 'return true;');
  // Code per column (scripts/bench-rows.ts): column names are JSON-quoted literals, the rest numbers.
  return compileFunction<JsonRowWriter>('jsonRow', { RESERVE: reserve, WORDS: words, MICRO_EXACT_MAX, putKey, putUint, putMicro, putJsonPlain, putJsonRate, putJsonSlow }, ['row', 'lb'], lines.join('\n'));
}

const jsonRowCache = new Map<string, JsonRowWriter>();

function compileJsonRow(columns: readonly ColumnDef[]): JsonRowWriter {
  return cachedCompile(jsonRowCache, JSON.stringify(columns.map((c) => [c.name, c.unit === 'fraction'])), () => buildJsonRow(columns));
}

export class JsonlWriter extends LineWriter {
  private readonly names: string[];
  private readonly nameSet: Set<string>;
  private readonly writeRow: JsonRowWriter | undefined;

  constructor(sink: TextSink, columns: readonly ColumnDef[]) {
    super(sink);
    this.names = columns.map((c) => c.name);
    this.nameSet = new Set(this.names);
    this.writeRow = this.names.length > 0 ? compileJsonRow(columns) : undefined;
  }

  write(row: Row): void | Promise<void> {
    this.rows++;
    const lb = this.lb;
    const start = lb.off;
    // Fast path: the row has exactly the columns (rows from extractFlows do): every column has a
    // value and there is no other key. Then the object is written as JSON.stringify would.
    let keys = 0;
    for (const _ in row) keys++;
    if (keys !== this.names.length || this.writeRow === undefined || !this.writeRow(row, lb)) {
      lb.off = start;
      const o: Row = {};
      for (const n of this.names) {
        const v = row[n];
        o[n] = v === undefined ? null : v;
      }
      for (const k in row) if (!this.nameSet.has(k)) o[k] = row[k]!;
      lb.text(JSON.stringify(o));
      lb.byte(10);
    }
    if (lb.full) return flushLines(lb, this.sink);
  }
}
