/**
 * scores.parquet / anomalies.parquet written straight from the anomaly records, in the schema the
 * DuckDB conversion of their JSON Lines produces (SCORE_COLUMNS; `reasons` a LIST of STRUCTs,
 * `detectors_fired` a LIST of strings; every column OPTIONAL): the same values read back, without
 * re-parsing 150 MB of JSON in a DuckDB instance (its memory and CPU were a third of analyze's
 * output phase). Row groups of 16,384 records, one Snappy page per column chunk, strings
 * dictionary-encoded while that pays, min/max statistics on the flat columns (what time-range and
 * top-N queries prune on). Atomic: a temp file beside the target, renamed by close().
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { tempPathFor } from '../dataset/output.ts';
import { CODEC_SNAPPY, type ChunkMeta, ENC, PAGE, Scratch, Thrift, TYPE, writeLogicalType, writeRowGroups } from '../dataset/parquet-encode.ts';
import { snappyCompress, snappyMaxLength } from '../dataset/snappy.ts';
import { RECORD_FIELDS, type AnomalyRecord, type FieldOf } from '../report/record.ts';
import type { Row } from '../dataset/types.ts';
import type { FlowScore } from '../model/score.ts';
import type { RecordWriter } from '../report/format.ts';
import { SCORE_COLUMNS } from './scores.ts';

type Phys = 'STRING' | 'INT32' | 'INT64' | 'DOUBLE' | 'BOOLEAN' | 'TIMESTAMP';
type Get = (rec: AnomalyRecord) => unknown;

const PHYS: Record<string, Phys> = { VARCHAR: 'STRING', INTEGER: 'INT32', BIGINT: 'INT64', DOUBLE: 'DOUBLE', BOOLEAN: 'BOOLEAN', 'TIMESTAMP WITH TIME ZONE': 'TIMESTAMP' };
/** The reasons' struct fields: name, type, and the value as the JSON conversion reads it (a number or a string only where the JSON had one). */
const REASON_FIELDS: [string, Phys, (r: Record<string, unknown>) => unknown][] = [
  ['feature', 'STRING', (r) => r.feature],
  ['value', 'DOUBLE', (r) => (typeof r.value === 'number' ? r.value : null)],
  ['value_text', 'STRING', (r) => (typeof r.value === 'string' ? r.value : null)],
  ['typical', 'DOUBLE', (r) => (typeof r.typical === 'number' ? r.typical : null)],
  ['typical_text', 'STRING', (r) => (typeof r.typical === 'string' ? r.typical : null)],
  ['share', 'DOUBLE', (r) => r.share],
  ['z', 'DOUBLE', (r) => r.z],
  ['text', 'STRING', (r) => r.text],
  ['detector', 'STRING', (r) => r.detector],
];

/** One leaf column's buffered levels and values for the row group being filled. */
class Leaf {
  reps = new Uint8Array(1024);
  defs = new Uint8Array(1024);
  levels = 0;
  /** Numbers (booleans as 0/1, timestamps in µs) in a typed array: no boxed value per row. */
  nums = new Float64Array(1024);
  count = 0;
  strs: string[] = [];
  min: number | string | undefined;
  max: number | string | undefined;
  constructor(readonly path: string[], readonly phys: Phys, readonly maxDef: number, readonly maxRep: number, readonly stats: boolean) {}

  /** A level entry, with its value when def = maxDef. */
  add(rep: number, def: number, v?: unknown): void {
    if (this.levels === this.defs.length) {
      const d = new Uint8Array(this.levels * 2), r = new Uint8Array(this.levels * 2);
      d.set(this.defs);
      r.set(this.reps);
      this.defs = d;
      this.reps = r;
    }
    this.reps[this.levels] = rep;
    this.defs[this.levels++] = def;
    if (def < this.maxDef) return;
    if (this.phys === 'STRING') return void this.strs.push(v as string);
    const x = this.phys === 'BOOLEAN' ? (v ? 1 : 0) : this.phys === 'TIMESTAMP' ? Math.round((v as number) * 1e6) : (v as number);
    if (this.count === this.nums.length) {
      const b = new Float64Array(this.count * 2);
      b.set(this.nums);
      this.nums = b;
    }
    this.nums[this.count++] = x;
    if (!this.stats) return;
    if (this.min === undefined || x < (this.min as number)) this.min = x;
    if (this.max === undefined || x > (this.max as number)) this.max = x;
  }

  /** Min and max of the strings (of the dictionary when there is one: the same set, fewer to compare). */
  stringStats(values: string[]): void {
    if (!this.stats || values.length === 0) return;
    let mn = values[0]!, mx = mn;
    // JS compares UTF-16 units, Parquet UTF-8 bytes: they agree below U+D800
    const bytes = values.some((s) => HIGH.test(s));
    for (const s of values) {
      if (bytes ? Buffer.compare(Buffer.from(s), Buffer.from(mn)) < 0 : s < mn) mn = s;
      if (bytes ? Buffer.compare(Buffer.from(s), Buffer.from(mx)) > 0 : s > mx) mx = s;
    }
    this.min = mn;
    this.max = mx;
  }

  reset(): void {
    this.levels = 0;
    this.count = 0;
    this.strs.length = 0;
    this.min = this.max = undefined;
  }
}

const HIGH = /[\ud800-\uffff]/;

/** A value the JSON path would have read as null: missing, null, or a number JSON cannot hold. */
const isNull = (v: unknown, phys: Phys): boolean => v === undefined || v === null || (phys !== 'STRING' && phys !== 'BOOLEAN' && !(typeof v === 'number' && Number.isFinite(v)));

interface Top {
  name: string;
  kind: 'flat' | 'reasons' | 'strings';
  get: Get;
  /** The same value read from a record's sources (writeScored). */
  of: FieldOf;
  leaves: Leaf[];
}

export class ScoresParquetWriter {
  private readonly tops: Top[];
  private readonly leaves: Leaf[];
  private readonly tmp: string;
  private fd: number;
  private offset = 0;
  private rows = 0;
  private total = 0;
  private readonly groups: { rows: number; bytes: number; offset: number; chunks: Chunk[] }[] = [];
  private readonly page = new Scratch();
  private readonly th = new Thrift();
  private zbuf = new Uint8Array(1 << 16);

  constructor(readonly path: string, readonly rowGroupSize = 16384) {
    this.tops = SCORE_COLUMNS.map((c): Top => {
      const get: Get = (rec) => (rec as unknown as Record<string, unknown>)[c.name];
      const of = RECORD_FIELDS[c.name];
      if (!of) throw new Error(`scores parquet: no record field for ${c.name}`);
      if (c.name === 'reasons') return { name: c.name, kind: 'reasons', get, of, leaves: REASON_FIELDS.map(([f, p]) => new Leaf([c.name, 'list', 'element', f], p, 4, 1, false)) };
      if (c.type === 'VARCHAR[]') return { name: c.name, kind: 'strings', get, of, leaves: [new Leaf([c.name, 'list', 'element'], 'STRING', 3, 1, false)] };
      const phys = PHYS[c.type];
      if (!phys) throw new Error(`scores parquet: no Parquet type for ${c.name} ${c.type}`);
      return { name: c.name, kind: 'flat', get, of, leaves: [new Leaf([c.name], phys, 1, 0, phys !== 'BOOLEAN')] };
    });
    this.leaves = this.tops.flatMap((t) => t.leaves);
    this.tmp = tempPathFor(path);
    this.fd = openSync(this.tmp, 'wx');
    this.emit(Buffer.from('PAR1'));
  }

  write(rec: AnomalyRecord): void {
    for (const t of this.tops) this.put(t, t.get(rec));
    if (++this.rows === this.rowGroupSize) this.flushGroup();
  }

  /**
   * The row `write(buildRecord(rowNo, kept, s, labelColumn))` (with incident_id) would add, read
   * from the sources without the record object.
   */
  writeScored(rowNo: number, kept: Row, s: FlowScore, labelColumn: string, incidentId?: string): void {
    for (const t of this.tops) this.put(t, t.of(rowNo, kept, s, labelColumn, incidentId));
    if (++this.rows === this.rowGroupSize) this.flushGroup();
  }

  private put(t: Top, v: unknown): void {
    if (t.kind === 'flat') {
      const leaf = t.leaves[0]!;
      if (isNull(v, leaf.phys)) leaf.add(0, 0);
      else leaf.add(0, 1, v);
    } else if (!Array.isArray(v)) {
      for (const leaf of t.leaves) leaf.add(0, 0);
    } else if (v.length === 0) {
      for (const leaf of t.leaves) leaf.add(0, 1);
    } else if (t.kind === 'strings') {
      const leaf = t.leaves[0]!;
      v.forEach((s, q) => (typeof s === 'string' ? leaf.add(q ? 1 : 0, 3, s) : leaf.add(q ? 1 : 0, 2)));
    } else {
      v.forEach((r: Record<string, unknown> | null, q) => {
        REASON_FIELDS.forEach(([, phys, read], f) => {
          const leaf = t.leaves[f]!;
          if (r === null || typeof r !== 'object') return leaf.add(q ? 1 : 0, 2);
          const x = read(r);
          if (isNull(x, phys)) leaf.add(q ? 1 : 0, 3);
          else leaf.add(q ? 1 : 0, 4, phys === 'STRING' ? String(x) : x);
        });
      });
    }
  }

  /** Write the last row group and the footer, then rename the file into place. Returns the records written. */
  close(): number {
    this.flushGroup();
    const f = this.footer();
    const tail = Buffer.alloc(8);
    tail.writeUInt32LE(f.length, 0);
    tail.write('PAR1', 4);
    this.emit(f);
    this.emit(tail);
    closeSync(this.fd);
    this.fd = -1;
    renameSync(this.tmp, this.path);
    return this.total;
  }

  abort(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    rmSync(this.tmp, { force: true });
  }

  private emit(b: Uint8Array): void {
    let o = 0;
    while (o < b.length) o += writeSync(this.fd, b, o, b.length - o);
    this.offset += b.length;
  }

  private flushGroup(): void {
    if (this.rows === 0) return;
    const g = { rows: this.rows, bytes: 0, offset: this.offset, chunks: [] as Chunk[] };
    for (const leaf of this.leaves) {
      const c = this.chunk(leaf);
      g.bytes += c.uncompressed;
      g.chunks.push(c);
      leaf.reset();
    }
    this.groups.push(g);
    this.total += this.rows;
    this.rows = 0;
  }

  /** Compress the page body and write header + bytes; returns [uncompressed, compressed] sizes with the header. */
  private emitPage(type: number, numValues: number, encoding: number): [number, number] {
    const { page, th } = this;
    const body = page.buf.subarray(0, page.n);
    const need = snappyMaxLength(body.length);
    if (this.zbuf.length < need) this.zbuf = new Uint8Array(need);
    const zn = snappyCompress(body, this.zbuf);
    th.reset();
    th.i32(1, type);
    th.i32(2, body.length);
    th.i32(3, zn);
    th.begin(type === PAGE.DICTIONARY ? 7 : 5);
    th.i32(1, numValues);
    th.i32(2, encoding);
    if (type === PAGE.DATA) {
      th.i32(3, ENC.RLE);
      th.i32(4, ENC.RLE);
    }
    th.end();
    th.byte(0);
    const head = th.bytes();
    this.emit(head);
    this.emit(this.zbuf.subarray(0, zn));
    return [head.length + body.length, head.length + zn];
  }

  private chunk(leaf: Leaf): Chunk {
    const { page } = this;
    const n = leaf.levels;
    const c: Chunk = { leaf, type: TYPES[leaf.phys], encodings: [ENC.PLAIN, ENC.RLE], numValues: n, uncompressed: 0, compressed: 0, dataPageOffset: 0, nulls: n - (leaf.phys === 'STRING' ? leaf.strs.length : leaf.count) };
    // strings: a dictionary while the distinct values are under half the values
    let index: Int32Array | undefined;
    let dict: string[] = [];
    if (leaf.phys === 'STRING' && leaf.strs.length) {
      const seen = new Map<string, number>();
      index = new Int32Array(leaf.strs.length);
      const limit = leaf.strs.length / 2;
      for (let i = 0; i < leaf.strs.length && index; i++) {
        const s = leaf.strs[i]!;
        let k = seen.get(s);
        if (k === undefined) {
          // give up as soon as the values look mostly distinct (ids, texts): no map of every one
          if (dict.length >= limit || (i >= 1024 && dict.length > i / 2)) index = undefined;
          else seen.set(s, (k = dict.push(s) - 1));
        }
        if (index) index[i] = k!;
      }
      if (index) {
        c.dictPageOffset = this.offset;
        page.n = 0;
        for (const s of dict) page.str(s);
        const [u, z] = this.emitPage(PAGE.DICTIONARY, dict.length, ENC.PLAIN);
        c.uncompressed += u;
        c.compressed += z;
        c.encodings = [ENC.PLAIN, ENC.RLE, ENC.RLE_DICTIONARY];
      } else dict = [];
    }
    if (leaf.phys === 'STRING') leaf.stringStats(index ? dict : leaf.strs);
    c.dataPageOffset = this.offset;
    page.n = 0;
    // v1 data page: repetition then definition levels, each prefixed by its byte length
    for (const [levels, max] of [[leaf.reps, leaf.maxRep], [leaf.defs, leaf.maxDef]] as const) {
      if (max === 0) continue;
      const at = page.n;
      page.u32(0);
      page.hybrid(levels, n, 32 - Math.clz32(max));
      page.buf.writeUInt32LE(page.n - at - 4, at);
    }
    if (index) {
      const width = dict.length <= 1 ? 0 : 32 - Math.clz32(dict.length - 1);
      page.u8(width);
      page.hybrid(index, index.length, width);
    } else if (leaf.phys === 'STRING') {
      for (const s of leaf.strs) page.str(s);
    } else if (leaf.phys === 'BOOLEAN') {
      const bytes = Math.ceil(leaf.count / 8);
      page.ensure(bytes);
      page.buf.fill(0, page.n, page.n + bytes);
      for (let i = 0; i < leaf.count; i++) if (leaf.nums[i]) page.buf[page.n + (i >> 3)]! |= 1 << (i & 7);
      page.n += bytes;
    } else {
      putNumbers(page, leaf.phys, leaf.nums, leaf.count);
    }
    const [u, z] = this.emitPage(PAGE.DATA, n, index ? ENC.RLE_DICTIONARY : ENC.PLAIN);
    c.uncompressed += u;
    c.compressed += z;
    if (leaf.stats && leaf.min !== undefined) {
      c.min = statBytes(leaf.phys, leaf.min);
      c.max = statBytes(leaf.phys, leaf.max!);
    }
    return c;
  }

  private footer(): Uint8Array {
    const th = this.th;
    th.reset();
    th.i32(1, 1);
    let elements = 1;
    // a list adds its group and the repeated `list` group; reasons' element is a group of its fields
    for (const t of this.tops) elements += t.kind === 'flat' ? 1 : t.kind === 'strings' ? 3 : 3 + t.leaves.length;
    th.list(2, 12, elements);
    group(th, 'schema', 0, this.tops.length);
    for (const t of this.tops) {
      if (t.kind === 'flat') {
        leafElement(th, t.leaves[0]!);
        continue;
      }
      group(th, t.name, 1, 1, true);
      group(th, 'list', 2, 1);
      if (t.kind === 'strings') leafElement(th, t.leaves[0]!);
      else {
        group(th, 'element', 1, t.leaves.length);
        for (const l of t.leaves) leafElement(th, l);
      }
    }
    th.i64(3, this.total);
    writeRowGroups(th, this.groups, (_, m) => ({ path: m.leaf.path, stats: m.leaf.maxRep === 0 }));
    th.string(6, 'flowsift scores writer');
    th.byte(0);
    return th.bytes();
  }
}

/** A column chunk's metadata and the leaf column it was written from. */
interface Chunk extends ChunkMeta {
  leaf: Leaf;
}

const TYPES: Record<Phys, number> = { STRING: TYPE.BYTE_ARRAY, INT32: TYPE.INT32, INT64: TYPE.INT64, TIMESTAMP: TYPE.INT64, DOUBLE: TYPE.DOUBLE, BOOLEAN: TYPE.BOOLEAN };

function putNumber(page: Scratch, phys: Phys, v: number): void {
  putNumbers(page, phys, Float64Array.of(v), 1);
}

const LITTLE = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** PLAIN values: doubles as they are, INT32 and INT64 (two's complement, little-endian) from exact integers. */
function putNumbers(page: Scratch, phys: Phys, v: Float64Array, n: number): void {
  const width = phys === 'INT32' ? 4 : 8;
  page.ensure(n * width);
  const at = page.n;
  page.n += n * width;
  if (phys === 'DOUBLE' && LITTLE) return void page.buf.set(new Uint8Array(v.buffer, v.byteOffset, n * 8), at);
  // a fresh aligned array, then its bytes: the page buffer's offset need not be aligned
  const out = new DataView(new ArrayBuffer(n * width));
  for (let i = 0; i < n; i++) {
    const x = v[i]!;
    if (phys === 'DOUBLE') out.setFloat64(i * 8, x, true);
    else if (phys === 'INT32') out.setInt32(i * 4, x, true);
    else if (Number.isSafeInteger(x)) {
      const hi = Math.floor(x / 4294967296);
      out.setUint32(i * 8, x - hi * 4294967296, true);
      out.setInt32(i * 8 + 4, hi, true);
    } else out.setBigInt64(i * 8, BigInt(x), true);
  }
  page.buf.set(new Uint8Array(out.buffer), at);
}

function statBytes(phys: Phys, v: number | string): Uint8Array {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  const s = new Scratch();
  putNumber(s, phys, v);
  return s.buf.subarray(0, s.n);
}

/** A group schema element (LIST-annotated when `list`); repetition 0 required, 1 optional, 2 repeated. */
function group(th: Thrift, name: string, repetition: number, children: number, list = false): void {
  th.begin();
  th.i32(3, repetition);
  th.string(4, name);
  th.i32(5, children);
  if (list) {
    th.i32(6, 3);
    th.begin(10);
    th.begin(3);
    th.end();
    th.end();
  }
  th.end();
}

function leafElement(th: Thrift, l: Leaf): void {
  th.begin();
  th.i32(1, TYPES[l.phys]);
  th.i32(3, 1);
  th.string(4, l.path[l.path.length - 1]!);
  if (l.phys === 'STRING' || l.phys === 'TIMESTAMP') writeLogicalType(th, l.phys);
  th.end();
}

/**
 * The RecordWriter of `score -o x.parquet`: records go into the file's row groups as they come (no
 * temp JSON Lines for DuckDB to convert at the end); end() puts the file in place, abort() leaves nothing.
 */
export function scoresParquetWriter(dest: string): RecordWriter & { abort(): Promise<void> } {
  let w: ScoresParquetWriter | undefined = new ScoresParquetWriter(dest);
  return {
    write: (r: AnomalyRecord) => w!.write(r),
    async end() {
      const x = w;
      w = undefined;
      x?.close();
    },
    async abort() {
      w?.abort();
      w = undefined;
    },
  };
}
