/**
 * Parquet's byte-level encodings for the writer (parquet.ts): the Thrift compact protocol of the
 * footer and page headers, the footer's column-chunk and row-group metadata, and page bodies
 * (PLAIN values, the RLE/bit-packed hybrid of levels and dictionary indices).
 */
// --- Parquet's thrift enums (parquet.thrift) ---
export const TYPE = { BOOLEAN: 0, INT32: 1, INT64: 2, DOUBLE: 5, BYTE_ARRAY: 6 } as const;
export const ENC = { PLAIN: 0, RLE: 3, RLE_DICTIONARY: 8 } as const;
export const CODEC_SNAPPY = 1;
export const PAGE = { DATA: 0, DICTIONARY: 2 } as const;

/** Thrift compact protocol, the subset Parquet's footer and page headers use. */
export class Thrift {
  buf = new Uint8Array(1 << 12);
  n = 0;
  private last: number[] = [];
  private lastId = 0;

  private ensure(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const b = new Uint8Array(Math.max(this.buf.length * 2, this.n + k));
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.n++] = b;
  }
  varint(v: number): void {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.n++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.n++] = v;
  }
  private zigzag(v: number): void {
    this.varint(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  private field(id: number, type: number): void {
    const d = id - this.lastId;
    if (d > 0 && d <= 15) this.byte((d << 4) | type);
    else {
      this.byte(type);
      this.zigzag(id);
    }
    this.lastId = id;
  }
  i32(id: number, v: number): void {
    this.field(id, 5);
    this.zigzag(v);
  }
  i64(id: number, v: number): void {
    this.field(id, 6);
    this.zigzag(v);
  }
  bool(id: number, v: boolean): void {
    this.field(id, v ? 1 : 2);
  }
  binary(id: number, bytes: Uint8Array): void {
    this.field(id, 8);
    this.varint(bytes.length);
    this.ensure(bytes.length);
    this.buf.set(bytes, this.n);
    this.n += bytes.length;
  }
  string(id: number, s: string): void {
    this.binary(id, Buffer.from(s, 'utf8'));
  }
  /** Begin a struct field (or a list element when id is undefined). */
  begin(id?: number): void {
    if (id !== undefined) this.field(id, 12);
    this.last.push(this.lastId);
    this.lastId = 0;
  }
  end(): void {
    this.byte(0);
    this.lastId = this.last.pop()!;
  }
  list(id: number, elemType: number, size: number): void {
    this.field(id, 9);
    if (size < 15) this.byte((size << 4) | elemType);
    else {
      this.byte(0xf0 | elemType);
      this.varint(size);
    }
  }
  i32Elem(v: number): void {
    this.zigzag(v);
  }
  stringElem(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.n);
  }
  reset(): void {
    this.n = 0;
    this.lastId = 0;
    this.last.length = 0;
  }
}

export interface ChunkMeta {
  type: number;
  encodings: number[];
  numValues: number;
  uncompressed: number;
  compressed: number;
  dataPageOffset: number;
  dictPageOffset?: number;
  nulls: number;
  min?: Uint8Array;
  max?: Uint8Array;
}

export interface RowGroupMeta {
  rows: number;
  bytes: number;
  offset: number;
  chunks: ChunkMeta[];
}

/** A SchemaElement's converted_type (6) and logicalType (10): UTF8 strings, or µs timestamps adjusted to UTC. */
export function writeLogicalType(th: Thrift, kind: 'STRING' | 'TIMESTAMP'): void {
  th.i32(6, kind === 'STRING' ? 0 : 10);
  th.begin(10);
  if (kind === 'STRING') {
    th.begin(1);
    th.end();
  } else {
    th.begin(8);
    th.bool(1, true);
    th.begin(2);
    th.begin(2);
    th.end();
    th.end();
    th.end();
  }
  th.end();
}

/**
 * FileMetaData's row_groups (field 4): every column chunk's metadata at its path, with min/max/null
 * statistics where `column` says so (parquet-format's ColumnMetaData; Statistics only on flat columns).
 */
export function writeRowGroups<C extends ChunkMeta>(
  th: Thrift,
  groups: readonly (Omit<RowGroupMeta, 'chunks'> & { chunks: readonly C[] })[],
  column: (j: number, m: C) => { path: readonly string[]; stats: boolean },
): void {
  th.list(4, 12, groups.length);
  for (const g of groups) {
    th.begin();
    th.list(1, 12, g.chunks.length);
    g.chunks.forEach((m, j) => {
      const { path, stats } = column(j, m);
      th.begin();
      th.i64(2, m.dictPageOffset ?? m.dataPageOffset);
      th.begin(3);
      th.i32(1, m.type);
      th.list(2, 5, m.encodings.length);
      for (const e of m.encodings) th.i32Elem(e);
      th.list(3, 8, path.length);
      for (const p of path) th.stringElem(p);
      th.i32(4, CODEC_SNAPPY);
      th.i64(5, m.numValues);
      th.i64(6, m.uncompressed);
      th.i64(7, m.compressed);
      th.i64(9, m.dataPageOffset);
      if (m.dictPageOffset !== undefined) th.i64(11, m.dictPageOffset);
      if (stats) {
        th.begin(12);
        th.i64(3, m.nulls);
        if (m.max) th.binary(5, m.max);
        if (m.min) th.binary(6, m.min);
        th.end();
      }
      th.end();
      th.end();
    });
    th.i64(2, g.bytes);
    th.i64(3, g.rows);
    th.i64(5, g.offset);
    th.i64(6, g.chunks.reduce((s, m) => s + m.compressed, 0));
    th.end();
  }
}

/** Growable scratch bytes for one page body. */
export class Scratch {
  buf = Buffer.allocUnsafe(1 << 16);
  n = 0;
  ensure(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const b = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.n + k));
    this.buf.copy(b, 0, 0, this.n);
    this.buf = b;
  }
  u8(b: number): void {
    this.ensure(1);
    this.buf[this.n++] = b;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.n);
    this.n += 4;
  }
  varint(v: number): void {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.n++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.n++] = v;
  }
  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.n);
    this.n += 8;
  }
  bytes(src: Uint8Array): void {
    this.ensure(src.length);
    this.buf.set(src, this.n);
    this.n += src.length;
  }
  str(s: string): void {
    // 4-byte length + UTF-8 (PLAIN BYTE_ARRAY)
    this.ensure(4 + s.length * 3);
    const len = this.buf.write(s, this.n + 4, 'utf8');
    this.buf.writeUInt32LE(len, this.n);
    this.n += 4 + len;
  }
  /** RLE/bit-packed hybrid of `n` values (width ≤ 32) as bit-packed runs of 8; one RLE run when all equal. */
  hybrid(values: Int32Array | Uint8Array, n: number, width: number): void {
    if (n === 0) return;
    let allSame = true;
    const v0 = values[0]!;
    for (let i = 1; i < n; i++) if (values[i] !== v0) { allSame = false; break; }
    if (allSame) {
      this.varint(n * 2);
      const vb = Math.ceil(width / 8);
      for (let k = 0; k < vb; k++) this.u8((v0 >>> (8 * k)) & 0xff);
      return;
    }
    const groups = Math.ceil(n / 8);
    this.varint(groups * 2 + 1);
    this.ensure(groups * width + 8);
    const b = this.buf;
    let o = this.n;
    let acc = 0;
    let bits = 0;
    const total = groups * 8;
    for (let i = 0; i < total; i++) {
      const v = i < n ? values[i]! : 0;
      // width ≤ 24 keeps acc within 32 bits; wider values go in two steps
      if (width <= 24) {
        acc |= v << bits;
        bits += width;
      } else {
        acc |= (v & 0xffff) << bits;
        bits += 16;
        while (bits >= 8) { b[o++] = acc & 0xff; acc >>>= 8; bits -= 8; }
        acc |= (v >>> 16) << bits;
        bits += width - 16;
      }
      while (bits >= 8) {
        b[o++] = acc & 0xff;
        acc >>>= 8;
        bits -= 8;
      }
    }
    this.n = o;
  }
}
