/**
 * One Parquet column of the writer (parquet.ts) while a row group fills: its physical type, its
 * buffered values in typed arrays, and the dictionaries tried when the chunk is written (strings
 * while they pay, small-range integers, doubles with few distinct values) and its statistics.
 */
import type { ColumnDef } from './types.ts';

export type Physical = 'INT32' | 'INT64' | 'DOUBLE' | 'STRING' | 'BOOLEAN' | 'TIMESTAMP';

export function physicalOf(c: ColumnDef): Physical {
  switch (c.type) {
    case 'timestamp':
      return 'TIMESTAMP';
    case 'int':
      return c.unit === 'bytes' || c.unit === 'packets' ? 'INT64' : 'INT32';
    case 'float':
      return 'DOUBLE';
    case 'bool':
      return 'BOOLEAN';
    default:
      return 'STRING';
  }
}

/** Distinct strings a 'string' column's dictionary may reach per row group before it turns PLAIN (ids, uids). */
const STRING_DICT_LIMIT = 8192;

/** One column's buffer for the current row group. */
export class Column {
  /** Definition levels (OPTIONAL columns): 1 = value, 0 = null. */
  readonly defs: Uint8Array | null;
  /** INT32 values, INT64/TIMESTAMP as (low, high) pairs, dictionary indices, booleans. */
  i32: Int32Array;
  f64: Float64Array | null = null;
  dict: Map<string, number> | null = null;
  dictList: string[] = [];
  /** A string column's values once its dictionary outgrew STRING_DICT_LIMIT (this row group). */
  plain: string[] | null = null;
  private readonly dictLimit: number;
  /** Non-null values buffered. */
  k = 0;
  min = Infinity;
  max = -Infinity;

  constructor(readonly def: ColumnDef, readonly phys: Physical, readonly required: boolean, readonly stats: boolean, size: number) {
    this.defs = required ? null : new Uint8Array(size);
    this.i32 = new Int32Array(phys === 'INT64' || phys === 'TIMESTAMP' ? size * 2 : phys === 'DOUBLE' ? 0 : size);
    if (phys === 'DOUBLE') this.f64 = new Float64Array(size);
    if (phys === 'STRING') this.dict = new Map();
    this.dictLimit = def.type === 'category' ? Infinity : STRING_DICT_LIMIT;
  }

  addString(s: string): void {
    const k = this.k++;
    if (this.plain !== null) {
      this.plain.push(s);
      return;
    }
    let id = this.dict!.get(s);
    if (id === undefined) {
      id = this.dictList.length;
      if (id >= this.dictLimit) {
        // mostly distinct values: a dictionary would only cost time; keep the strings themselves
        const plain: string[] = [];
        for (let i = 0; i < k; i++) plain.push(this.dictList[this.i32[i]!]!);
        plain.push(s);
        this.plain = plain;
        this.dict!.clear();
        this.dictList = [];
        return;
      }
      this.dict!.set(s, id);
      this.dictList.push(s);
    }
    this.i32[k] = id;
  }

  reset(): void {
    this.k = 0;
    this.min = Infinity;
    this.max = -Infinity;
    this.plain = null;
    if (this.dict) {
      this.dict.clear();
      this.dictList = [];
    }
  }
}

/** Slot of each value (value − min) in a small-range integer dictionary; −1 = not seen. */
const slots = new Int32Array(1 << 16).fill(-1);
let dictIndex = new Int32Array(1 << 16);

/**
 * Dictionary of an integer column chunk whose values span less than 65,536 (ports, counts, flags,
 * zeros): the distinct values in first-seen order and each value's index. Undefined when the range is
 * wider (or an INT64 value is negative or beyond 2^31). Found by a counting pass, no hashing.
 */
export function intDictionary(c: Column, k: number): { values: number[]; index: Int32Array } | undefined {
  if (k === 0) return undefined;
  const wide = c.phys === 'INT64';
  const a = c.i32;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < k; i++) {
    if (wide && a[2 * i + 1] !== 0) return undefined;
    const v = wide ? a[2 * i]! : a[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (max - min >= 1 << 16 || (wide && min < 0)) return undefined;
  if (dictIndex.length < k) dictIndex = new Int32Array(k);
  const values: number[] = [];
  for (let i = 0; i < k; i++) {
    const v = wide ? a[2 * i]! : a[i]!;
    const o = v - min;
    let id = slots[o]!;
    if (id < 0) {
      id = slots[o] = values.length;
      values.push(v);
    }
    dictIndex[i] = id;
  }
  for (const v of values) slots[v - min] = -1;
  return { values, index: dictIndex };
}

/** Bytes of a little-endian INT32/INT64/DOUBLE statistic. */
export function statBytes(phys: Physical, v: number): Uint8Array {
  const b = Buffer.allocUnsafe(phys === 'INT32' ? 4 : 8);
  if (phys === 'INT32') b.writeInt32LE(v);
  else if (phys === 'DOUBLE') b.writeDoubleLE(v);
  else b.writeBigInt64LE(BigInt(v));
  return b;
}

/** Distinct doubles a column chunk may hold and still be dictionary-encoded (rates: k/n for small n). */
const FLOAT_DICT_LIMIT = 4096;
const floatIds = new Map<number, number>();

/**
 * Dictionary of a DOUBLE column chunk with few distinct values (the window rates), else undefined
 * (durations: given up as soon as the limit is passed). −0 is not dictionary-encoded (a Map key
 * would merge it with 0).
 */
export function floatDictionary(c: Column, k: number): { values: number[]; index: Int32Array } | undefined {
  if (k === 0) return undefined;
  if (dictIndex.length < k) dictIndex = new Int32Array(k);
  const a = c.f64!;
  const values: number[] = [];
  floatIds.clear();
  for (let i = 0; i < k; i++) {
    const v = a[i]!;
    let id = floatIds.get(v);
    if (id === undefined) {
      if (values.length >= FLOAT_DICT_LIMIT || (v === 0 && 1 / v < 0)) {
        floatIds.clear();
        return undefined;
      }
      id = values.length;
      floatIds.set(v, id);
      values.push(v);
    }
    dictIndex[i] = id;
  }
  floatIds.clear();
  return { values, index: dictIndex };
}
