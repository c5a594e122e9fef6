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

/**
 * Stream the rows of a NSL-KDD or KDD99 file. Throws InputError (exit 3) naming the file, the line,
 * and the (uncompressed) byte offset of the first bad line; rows before it have already been yielded.
 * The text is parsed a chunk at a time (latin1: one byte, one character, so offsets are string
 * positions); the rows of a chunk are then yielded one by one.
 */
export async function* readKdd(path: string, opts: KddReadOptions = {}): AsyncGenerator<Row> {
  const name = path === '-' ? '<stdin>' : path;
  const { stream, gzip } = await openMaybeGzip(path, opts);
  let variant: KddVariant | undefined;
  let lineNo = 0;
  /** Uncompressed offset of `rest`'s first byte. */
  let base = 0;
  let rest = '';
  const nFeat = KDD_FEATURE_NAMES.length;
  const x = new Float64Array(nFeat);
  const rows: Row[] = [];
  let fault: InputError | undefined;
  /** Parse one line (without its end); a fault is kept for after the rows before it are out. */
  const parse = (raw: string, lineStart: number): void => {
    lineNo++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    const f = line.split(',');
    const bad = (detail: string): InputError =>
      new InputError('E_KDD_FIELD', name, gzip ? undefined : lineStart, `line ${lineNo}${gzip ? ' (uncompressed offset ' + lineStart + ')' : ''}: ${detail}`);
    if (variant === undefined) {
      variant = sniffKddLine(line);
      if (variant === undefined) {
        fault = bad(`not a KDD table: expected 42 (KDD Cup 99) or 43 (NSL-KDD) comma-separated fields with tcp/udp/icmp in field 2, found ${f.length} fields`);
        return;
      }
    }
    const expect = variant === 'nsl-kdd' ? 43 : 42;
    if (f.length !== expect) {
      fault = bad(`expected ${expect} fields (${variant}), found ${f.length}`);
      return;
    }
    for (let i = 0; i < nFeat; i++) {
      if (i >= 1 && i <= 3) continue;
      const v = f[i]!;
      const n = Number(v);
      if (v === '' || !Number.isFinite(n)) {
        fault = bad(`field ${i + 1} (${KDD_FEATURE_NAMES[i]}): expected a number, found ${JSON.stringify(v)}`);
        return;
      }
      x[i] = n;
    }
    let label = f[nFeat]!.trim();
    if (label.endsWith('.')) label = label.slice(0, -1);
    let d = 0;
    if (variant === 'nsl-kdd') {
      d = Number(f[42]);
      if (!Number.isInteger(d)) {
        fault = bad(`field 43 (difficulty): expected an integer, found ${JSON.stringify(f[42])}`);
        return;
      }
    }
    rows.push(ROW_OF[variant](f, x, label, attackCategory(label), d));
  };
  try {
    for await (const chunk of stream) {
      if (opts.signal?.aborted) return;
      const text = rest + (chunk as Buffer).toString('latin1');
      let at = 0;
      for (let nl = text.indexOf('\n'); nl >= 0 && fault === undefined; nl = text.indexOf('\n', at)) {
        parse(text.slice(at, nl), base + at);
        at = nl + 1;
      }
      base += at;
      rest = text.slice(at);
      for (const r of rows) yield r;
      rows.length = 0;
      if (fault) throw fault;
    }
    if (rest !== '' && !opts.signal?.aborted) {
      parse(rest, base);
      for (const r of rows) yield r;
      if (fault) throw fault;
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    const err = e as NodeJS.ErrnoException;
    if (err && (err.code === 'Z_DATA_ERROR' || err.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(err.message ?? ''))) {
      throw new InputError('E_GZIP', name, undefined, `line ${lineNo + 1}: corrupt or truncated gzip stream (${err.message})`);
    }
    throw e;
  } finally {
    stream.destroy();
  }
}
