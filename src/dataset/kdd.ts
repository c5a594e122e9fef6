/**
 * Reader for the two KDD table formats, plain or gzip-compressed (detected from magic bytes, never
 * from the file name), streamed line by line:
 *
 * - NSL-KDD (KDDTrain+.txt, KDDTest+.txt, …): 43 comma-separated columns = the 41 features, `label`,
 *   `difficulty` (0–21, the number of the 21 NSL-KDD learners that classified the record correctly).
 * - KDD Cup 1999 (kddcup.data, kddcup.data_10_percent, corrected): 42 columns = the 41 features and
 *   the label with a trailing '.', e.g. `normal.` (the dot is removed).
 *
 * Rows carry the exact KDD feature names (numbers for every numeric column, strings for
 * protocol_type/service/flag), `label`, `category` (normal, dos, probe, r2l, u2r or unknown) and, for
 * NSL-KDD, `difficulty`.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { InputError } from '../errors.ts';
import { isGzip, maybeGunzip } from '../capture/source.ts';
import type { Row } from './types.ts';
import { KDD_COLUMNS } from '../features/schema.ts';
import { compileFunction } from '../v8-workarounds.ts';

/** The 41 KDD-Cup-99 features in their canonical order (kddcup.names), from the flow schema. */
export const KDD_FEATURE_NAMES: readonly string[] = KDD_COLUMNS.map((c) => c.name);

/** The three symbolic (string-valued) KDD features; every other feature is numeric. */
export const KDD_SYMBOLIC: readonly string[] = ['protocol_type', 'service', 'flag'];

export type AttackCategory = 'normal' | 'dos' | 'probe' | 'r2l' | 'u2r' | 'unknown';

/**
 * Attack name → category. Training attacks from UCI `training_attack_types`; test-only attacks of
 * KDDTest+ / KDD99 `corrected` from the DARPA 1998/99 attack taxonomy. Two are
 * ambiguous in public mappings; we follow the majority: `worm` → r2l (it spreads by remote
 * exploitation, not by exhausting resources), `httptunnel` → u2r (a local user opening a covert
 * channel, as in the DARPA 1999 classification).
 */
const CATEGORY: Record<string, AttackCategory> = {
  normal: 'normal',
  // dos
  back: 'dos', land: 'dos', neptune: 'dos', pod: 'dos', smurf: 'dos', teardrop: 'dos',
  apache2: 'dos', mailbomb: 'dos', processtable: 'dos', udpstorm: 'dos',
  // probe
  ipsweep: 'probe', nmap: 'probe', portsweep: 'probe', satan: 'probe', mscan: 'probe', saint: 'probe',
  // r2l
  ftp_write: 'r2l', guess_passwd: 'r2l', imap: 'r2l', multihop: 'r2l', phf: 'r2l', spy: 'r2l',
  warezclient: 'r2l', warezmaster: 'r2l', named: 'r2l', sendmail: 'r2l', snmpgetattack: 'r2l',
  snmpguess: 'r2l', xlock: 'r2l', xsnoop: 'r2l', worm: 'r2l',
  // u2r
  buffer_overflow: 'u2r', loadmodule: 'u2r', perl: 'u2r', rootkit: 'u2r', ps: 'u2r', sqlattack: 'u2r',
  xterm: 'u2r', httptunnel: 'u2r',
};

/** Category of a KDD label (case-insensitive, trailing '.' ignored); 'unknown' for names not in the taxonomy. */
export function attackCategory(label: string): AttackCategory {
  let l = label.trim().toLowerCase();
  if (l.endsWith('.')) l = l.slice(0, -1);
  return CATEGORY[l] ?? 'unknown';
}

export type KddVariant = 'nsl-kdd' | 'kdd99';

const SYMBOLIC_INDEX = new Set([1, 2, 3]);
const PROTOCOLS = new Set(['tcp', 'udp', 'icmp']);

/** Recognise a KDD line: 42 (KDD99) or 43 (NSL-KDD) fields, a protocol name in field 2. */
export function sniffKddLine(line: string): KddVariant | undefined {
  const f = line.replace(/\r$/, '').split(',');
  if (f.length !== 42 && f.length !== 43) return undefined;
  if (!PROTOCOLS.has(f[1]!.trim().toLowerCase())) return undefined;
  if (!Number.isFinite(Number(f[0])) || f[0]!.trim() === '') return undefined;
  return f.length === 43 ? 'nsl-kdd' : 'kdd99';
}

/**
 * Is this file a KDD table (plain or gzipped)? Reads only the first line (decompressing the head of a
 * gzip file). Returns the variant or undefined.
 */
export async function detectKdd(path: string): Promise<KddVariant | undefined> {
  const fh = await open(path, 'r');
  let head: Buffer;
  try {
    head = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    head = head.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  let text: string;
  if (isGzip(head)) {
    text = await firstLineOfGzip(path);
  } else {
    text = head.toString('latin1');
  }
  const nl = text.indexOf('\n');
  return sniffKddLine(nl >= 0 ? text.slice(0, nl) : text);
}

async function firstLineOfGzip(path: string): Promise<string> {
  const src = createReadStream(path, { start: 0, end: 1 << 16 });
  const gz = createGunzip();
  src.pipe(gz);
  let acc = '';
  try {
    for await (const chunk of gz) {
      acc += (chunk as Buffer).toString('latin1');
      if (acc.includes('\n') || acc.length > 8192) break;
    }
  } catch {
    // a cut stream (we only read the head) is expected
  } finally {
    src.destroy();
    gz.destroy();
  }
  return acc;
}

export interface KddReadOptions {
  /** Stream to read when path is '-'. */
  stdin?: Readable;
  /** Stop early. */
  signal?: AbortSignal;
}

/** The byte stream of a path (or stdin for '-'), decompressed when it starts with the gzip magic. */
function openMaybeGzip(path: string, opts: KddReadOptions): Promise<{ stream: Readable; gzip: boolean }> {
  return maybeGunzip(path === '-' ? (opts.stdin ?? process.stdin) : createReadStream(path));
}

/**
 * The Row builder of a variant: one object literal (one hidden class, the features in KDD order, then
 * label, category and, for NSL-KDD, difficulty) rather than keyed stores, which would leave every
 * row a slow dictionary-mode object for the consumers too.
 */
type KddRowFn = (f: string[], x: Float64Array, label: string, category: string, difficulty: number) => Row;
function kddRowBuilder(variant: KddVariant): KddRowFn {
  const body = `return {\n${KDD_FEATURE_NAMES.map((n, i) => `  ${JSON.stringify(n)}: ${SYMBOLIC_INDEX.has(i) ? `f[${i}]` : `x[${i}]`},`).join('\n')}\n` +
    `  label: label,\n  category: category,\n${variant === 'nsl-kdd' ? '  difficulty: difficulty,\n' : ''}};`;
  return compileFunction<KddRowFn>(`kddRow_${variant.replace('-', '_')}`, {}, ['f', 'x', 'label', 'category', 'difficulty'], body);
}
const ROW_OF: Record<KddVariant, KddRowFn> = { 'nsl-kdd': kddRowBuilder('nsl-kdd'), kdd99: kddRowBuilder('kdd99') };

/** 10^d for the decimals of a fast-parsed field. */
const POW10 = [1, 10, 100, 1000, 10000, 100000, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * A KDD file's lines, one at a time: the variant from the first line, the 41 feature values, the
 * symbolic fields, label, category and difficulty of the last line parsed, or the fault that
 * stopped it (kept for after the rows before it are out).
 */
class KddLines {
  variant: KddVariant | undefined;
  lineNo = 0;
  fault: InputError | undefined;
  readonly x = new Float64Array(KDD_FEATURE_NAMES.length);
  f: string[] = [];
  label = '';
  category = '';
  difficulty = 0;
  /** Where scan() found the raw label field (it leaves label and category to the caller). */
  labelAt = 0;
  labelEnd = 0;
  private readonly categoryOf = new Map<string, string>();

  constructor(private readonly name: string, private readonly gzip: boolean) {}

  private bad(lineStart: number, detail: string): InputError {
    const { name, gzip, lineNo } = this;
    return new InputError('E_KDD_FIELD', name, gzip ? undefined : lineStart, `line ${lineNo}${gzip ? ' (uncompressed offset ' + lineStart + ')' : ''}: ${detail}`);
  }

  /** The label (trimmed, without KDD99's trailing '.') and its category, remembered per raw field. */
  setLabel(raw: string): void {
    let label = raw.trim();
    if (label.endsWith('.')) label = label.slice(0, -1);
    this.label = label;
    let c = this.categoryOf.get(label);
    if (c === undefined) {
      c = attackCategory(label);
      if (this.categoryOf.size < 4096) this.categoryOf.set(label, c);
    }
    this.category = c;
  }

  /**
   * Parse one line (without its end) by splitting it: true when it is a row (x, f, label, … set),
   * false for a blank line or a fault (this.fault set).
   */
  parse(raw: string, lineStart: number): boolean {
    this.lineNo++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return false;
    const f = line.split(',');
    if (this.variant === undefined) {
      this.variant = sniffKddLine(line);
      if (this.variant === undefined) {
        this.fault = this.bad(lineStart, `not a KDD table: expected 42 (KDD Cup 99) or 43 (NSL-KDD) comma-separated fields with tcp/udp/icmp in field 2, found ${f.length} fields`);
        return false;
      }
    }
    const expect = this.variant === 'nsl-kdd' ? 43 : 42;
    if (f.length !== expect) {
      this.fault = this.bad(lineStart, `expected ${expect} fields (${this.variant}), found ${f.length}`);
      return false;
    }
    const x = this.x;
    for (let i = 0; i < x.length; i++) {
      if (i >= 1 && i <= 3) continue;
      const v = f[i]!;
      const n = Number(v);
      if (v === '' || !Number.isFinite(n)) {
        this.fault = this.bad(lineStart, `field ${i + 1} (${KDD_FEATURE_NAMES[i]}): expected a number, found ${JSON.stringify(v)}`);
        return false;
      }
      x[i] = n;
    }
    this.setLabel(f[x.length]!);
    this.difficulty = 0;
    if (this.variant === 'nsl-kdd') {
      const d = Number(f[42]);
      if (!Number.isInteger(d)) {
        this.fault = this.bad(lineStart, `field 43 (difficulty): expected an integer, found ${JSON.stringify(f[42])}`);
        return false;
      }
      this.difficulty = d;
    }
    this.f = f;
    return true;
  }

  /**
   * The same for a line text[a, b) of plain digits-and-dot numbers (every line of the NSL-KDD and
   * KDD99 files), without splitting it: x, the symbolic field bounds (sym: start, end × 3), the raw
   * label's bounds (labelAt, labelEnd) and difficulty set, or false when the line needs parse() (anything unusual, faults
   * included, goes there so the messages stay the same). A value with at most 15 digits is exactly
   * Number()'s: an integer numerator over a power of ten, divided once (IEEE division rounds
   * correctly, as Number() does).
   */
  scan(text: string, a: number, b: number, sym: Int32Array): boolean {
    if (this.variant === undefined) return false;
    const x = this.x;
    let p = a;
    for (let i = 0; i < 41; i++) {
      if (i >= 1 && i <= 3) {
        const s = p;
        while (p < b && text.charCodeAt(p) !== 44) p++;
        if (p >= b) return false;
        sym[2 * (i - 1)] = s;
        sym[2 * (i - 1) + 1] = p;
        p++;
        continue;
      }
      let c = p < b ? text.charCodeAt(p) : -1;
      if (c < 48 || c > 57) return false;
      let n = 0, digits = 0;
      while (c >= 48 && c <= 57) {
        n = n * 10 + (c - 48);
        digits++;
        c = ++p < b ? text.charCodeAt(p) : -1;
      }
      let d = 0;
      if (c === 46) {
        c = ++p < b ? text.charCodeAt(p) : -1;
        while (c >= 48 && c <= 57) {
          n = n * 10 + (c - 48);
          d++;
          c = ++p < b ? text.charCodeAt(p) : -1;
        }
        if (d === 0) return false;
      }
      if (digits + d > 15 || c !== 44) return false;
      x[i] = d === 0 ? n : n / POW10[d]!;
      p++;
    }
    // the label, then (NSL-KDD) the difficulty: plain digits
    const s = p;
    while (p < b && text.charCodeAt(p) !== 44) p++;
    if (this.variant === 'kdd99') {
      if (p !== b) return false;
      this.labelAt = s;
      this.labelEnd = b;
      this.difficulty = 0;
    } else {
      if (p >= b) return false;
      const e = p;
      let n = 0, digits = 0;
      for (p++; p < b; p++) {
        const c = text.charCodeAt(p);
        if (c < 48 || c > 57) return false;
        n = n * 10 + (c - 48);
        digits++;
      }
      if (digits === 0 || digits > 15) return false;
      this.labelAt = s;
      this.labelEnd = e;
      this.difficulty = n;
    }
    this.lineNo++;
    return true;
  }

  /** An error of the gzip stream as the bad input it is (exit 3), naming the line it stopped at. */
  gzipError(e: unknown): unknown {
    if (e instanceof InputError) return e;
    const err = e as NodeJS.ErrnoException;
    if (err && (err.code === 'Z_DATA_ERROR' || err.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(err.message ?? ''))) {
      return new InputError('E_GZIP', this.name, undefined, `line ${this.lineNo + 1}: corrupt or truncated gzip stream (${err.message})`);
    }
    return e;
  }
}

/**
 * Stream the rows of a NSL-KDD or KDD99 file. Throws InputError (exit 3) naming the file, the line,
 * and the (uncompressed) byte offset of the first bad line; rows before it have already been yielded.
 * The text is parsed a chunk at a time (latin1: one byte, one character, so offsets are string
 * positions); the rows of a chunk are then yielded one by one.
 */
export async function* readKdd(path: string, opts: KddReadOptions = {}): AsyncGenerator<Row> {
  const { stream, gzip } = await openMaybeGzip(path, opts);
  const kdd = new KddLines(path === '-' ? '<stdin>' : path, gzip);
  /** Uncompressed offset of `rest`'s first byte. */
  let base = 0;
  let rest = '';
  const rows: Row[] = [];
  const parse = (raw: string, lineStart: number): void => {
    if (kdd.parse(raw, lineStart)) rows.push(ROW_OF[kdd.variant!](kdd.f, kdd.x, kdd.label, kdd.category, kdd.difficulty));
  };
  try {
    for await (const chunk of stream) {
      if (opts.signal?.aborted) return;
      const text = rest + (chunk as Buffer).toString('latin1');
      let at = 0;
      for (let nl = text.indexOf('\n'); nl >= 0 && kdd.fault === undefined; nl = text.indexOf('\n', at)) {
        parse(text.slice(at, nl), base + at);
        at = nl + 1;
      }
      base += at;
      rest = text.slice(at);
      for (const r of rows) yield r;
      rows.length = 0;
      if (kdd.fault) throw kdd.fault;
    }
    if (rest !== '' && !opts.signal?.aborted) {
      parse(rest, base);
      for (const r of rows) yield r;
      if (kdd.fault) throw kdd.fault;
    }
  } catch (e) {
    throw kdd.gzipError(e);
  } finally {
    stream.destroy();
  }
}

/**
 * Codes of text spans seen before, found by a hash of their characters and checked against the
 * span's own string: no substring made for a span seen before. Holds at most 512 spans (then finds
 * no new ones: the caller falls back to its Map).
 */
class SpanCodes {
  private readonly slot = new Int32Array(1024).fill(-1);
  private readonly spans: string[] = [];
  private readonly codes: number[] = [];

  private static hash(text: string, a: number, b: number): number {
    let h = 0x811c9dc5;
    for (let p = a; p < b; p++) h = Math.imul(h ^ text.charCodeAt(p), 0x01000193);
    return (h ^ (h >>> 15)) & 1023;
  }

  /** The code stored for text[a, b), or −1. */
  find(text: string, a: number, b: number): number {
    const n = b - a;
    for (let h = SpanCodes.hash(text, a, b); ; h = (h + 1) & 1023) {
      const q = this.slot[h]!;
      if (q < 0) return -1;
      const s = this.spans[q]!;
      if (s.length === n) {
        let p = 0;
        while (p < n && s.charCodeAt(p) === text.charCodeAt(a + p)) p++;
        if (p === n) return this.codes[q]!;
      }
    }
  }

  add(text: string, a: number, b: number, code: number): void {
    if (this.spans.length >= 512) return;
    let h = SpanCodes.hash(text, a, b);
    while (this.slot[h]! >= 0) h = (h + 1) & 1023;
    this.slot[h] = this.spans.length;
    this.spans.push(text.slice(a, b));
    this.codes.push(code);
  }
}

/**
 * Rows of a KDD file by column, a chunk of the file at a time (readKddBatches): valid until the
 * callback that receives it returns (or its promise settles); the vocabularies only grow.
 */
export interface KddBatch {
  variant: KddVariant;
  /** Rows in this batch. */
  n: number;
  /** n × 41 feature values in KDD order (the symbolic columns' slots are 0). */
  x: Float64Array;
  /** n × 3 codes of protocol_type, service and flag into `symbols`. */
  sym: Int32Array;
  symbols: [string[], string[], string[]];
  /** n codes into `labels` (and `categories`, the label's attack category). */
  label: Int32Array;
  labels: string[];
  categories: string[];
  /** n difficulties (NSL-KDD; 0 for KDD99). */
  difficulty: Float64Array;
  /** The first row of the file as readKdd yields it (to check a consumer's columns against). */
  first: Row;
}

/**
 * Read a NSL-KDD or KDD99 file (plain or gzipped) into column batches, the same rows and the same
 * errors as readKdd, without a Row object or a string per numeric field: lines of plain numbers are
 * scanned in place, the others split as readKdd does. `onBatch` gets each chunk's rows.
 */
export async function readKddBatches(path: string, onBatch: (b: KddBatch) => void | Promise<void>, opts: KddReadOptions = {}): Promise<number> {
  const { stream, gzip } = await openMaybeGzip(path, opts);
  const kdd = new KddLines(path === '-' ? '<stdin>' : path, gzip);
  const nFeat = KDD_FEATURE_NAMES.length;
  let cap = 1024;
  const batch: KddBatch = {
    variant: 'nsl-kdd', n: 0, x: new Float64Array(cap * nFeat), sym: new Int32Array(cap * 3), symbols: [[], [], []],
    label: new Int32Array(cap), labels: [], categories: [], difficulty: new Float64Array(cap), first: {},
  };
  const symCode = [new Map<string, number>(), new Map<string, number>(), new Map<string, number>()];
  const labelCode = new Map<string, number>();
  const bounds = new Int32Array(6);
  const symSpans = [new SpanCodes(), new SpanCodes(), new SpanCodes()];
  const labelSpans = new SpanCodes();
  let rows = 0;
  const codeOf = (b: number, s: string): number => {
    let c = symCode[b]!.get(s);
    if (c === undefined) {
      c = batch.symbols[b]!.length;
      batch.symbols[b]!.push(s);
      symCode[b]!.set(s, c);
    }
    return c;
  };
  /** The code of kdd.label (with kdd.category), added when new. */
  const labelCodeOf = (): number => {
    let lc = labelCode.get(kdd.label);
    if (lc === undefined) {
      lc = batch.labels.length;
      batch.labels.push(kdd.label);
      batch.categories.push(kdd.category);
      labelCode.set(kdd.label, lc);
    }
    return lc;
  };
  const grow = (): void => {
    cap *= 2;
    const x = new Float64Array(cap * nFeat);
    x.set(batch.x);
    batch.x = x;
    const sym = new Int32Array(cap * 3);
    sym.set(batch.sym);
    batch.sym = sym;
    const label = new Int32Array(cap);
    label.set(batch.label);
    batch.label = label;
    const difficulty = new Float64Array(cap);
    difficulty.set(batch.difficulty);
    batch.difficulty = difficulty;
  };
  /** Parse one line into the batch (fast scan, else split); a fault stays in kdd.fault. */
  const line = (text: string, a: number, b: number, lineStart: number): void => {
    if (batch.n === cap) grow();
    const r = batch.n;
    const end = b > a && text.charCodeAt(b - 1) === 13 ? b - 1 : b;
    let lc = -1;
    if (kdd.scan(text, a, end, bounds)) {
      // symbols and labels repeat: found by their characters, a string made only for a new one
      for (let q = 0; q < 3; q++) {
        const s = bounds[2 * q]!, e = bounds[2 * q + 1]!;
        let c = symSpans[q]!.find(text, s, e);
        if (c < 0) symSpans[q]!.add(text, s, e, (c = codeOf(q, text.slice(s, e))));
        batch.sym[r * 3 + q] = c;
      }
      lc = labelSpans.find(text, kdd.labelAt, kdd.labelEnd);
      if (lc < 0) {
        kdd.setLabel(text.slice(kdd.labelAt, kdd.labelEnd));
        labelSpans.add(text, kdd.labelAt, kdd.labelEnd, (lc = labelCodeOf()));
      }
    } else {
      if (!kdd.parse(text.slice(a, b), lineStart)) return;
      for (let q = 0; q < 3; q++) batch.sym[r * 3 + q] = codeOf(q, kdd.f[q + 1]!);
      if (rows === 0) {
        batch.variant = kdd.variant!;
        batch.first = ROW_OF[kdd.variant!](kdd.f, kdd.x, kdd.label, kdd.category, kdd.difficulty);
      }
      lc = labelCodeOf();
    }
    batch.x.set(kdd.x, r * nFeat);
    for (let q = 1; q <= 3; q++) batch.x[r * nFeat + q] = 0;
    batch.label[r] = lc;
    batch.difficulty[r] = kdd.difficulty;
    batch.n++;
    rows++;
  };
  const deliver = async (): Promise<void> => {
    if (batch.n > 0) {
      const w = onBatch(batch);
      if (w) await w;
    }
    batch.n = 0;
    if (kdd.fault) throw kdd.fault;
  };
  let base = 0;
  // the unfinished line is kept as bytes and decoded with the next chunk: one flat string, which
  // charCodeAt reads several times faster than the concatenation `rest + chunk` would be
  let rest: Buffer = Buffer.alloc(0);
  try {
    for await (const chunk of stream) {
      if (opts.signal?.aborted) return rows;
      const data = rest.length ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
      const text = data.toString('latin1');
      let at = 0;
      for (let nl = text.indexOf('\n'); nl >= 0 && kdd.fault === undefined; nl = text.indexOf('\n', at)) {
        line(text, at, nl, base + at);
        at = nl + 1;
      }
      base += at;
      rest = data.subarray(at);
      await deliver();
    }
    if (rest.length && !opts.signal?.aborted) {
      const text = rest.toString('latin1');
      line(text, 0, text.length, base);
      await deliver();
    }
  } catch (e) {
    throw kdd.gzipError(e);
  } finally {
    stream.destroy();
  }
  return rows;
}
