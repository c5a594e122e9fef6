/**
 * The columns a scoring run keeps per row for its records (identity, stats, label), stored by column
 * instead of one object per row: numbers in a Float64Array, strings as codes into a per-column
 * vocabulary (addresses, services, states and labels repeat), or as a plain string array once a
 * column has too many distinct values to be worth a dictionary (uids, community ids). A row object
 * is only built when a record is (row(i)), so holding 150 k flows costs tens of MB rather than a
 * few hundred.
 */
import type { Row } from '../dataset/types.ts';

/** A column's distinct strings beyond which its vocabulary stops (uid-like columns). */
const DICT_LIMIT = 65536;

type Col =
  | { kind: 'none' }
  | { kind: 'num'; v: Float64Array; set: Uint8Array }
  | { kind: 'dict'; v: Int32Array; values: string[]; index: Map<string, number> }
  | { kind: 'str'; v: (string | undefined)[] }
  | { kind: 'bool'; v: Uint8Array };

/** Code of an absent value (null / undefined) in a dictionary or bool column. */
const ABSENT = -1;

export class KeptColumns {
  readonly names: readonly string[];
  n = 0;
  private cols: Col[];
  private cap: number;

  constructor(names: readonly string[], capacity = 1024) {
    this.names = names;
    this.cap = capacity;
    this.cols = names.map(() => ({ kind: 'none' }));
  }

  private grow(need: number): void {
    let cap = this.cap;
    while (cap < need) cap = Math.max(16, Math.ceil(cap * 1.5));
    for (const c of this.cols) {
      if (c.kind === 'num') {
        const v = new Float64Array(cap);
        v.set(c.v);
        c.v = v;
        const s = new Uint8Array(cap);
        s.set(c.set);
        c.set = s;
      } else if (c.kind === 'dict') {
        const v = new Int32Array(cap);
        v.set(c.v);
        c.v = v;
      } else if (c.kind === 'bool') {
        const v = new Uint8Array(cap);
        v.set(c.v);
        c.v = v;
      }
    }
    this.cap = cap;
  }

  /** A column's storage, decided by the first value it sees (rows before it had it absent). */
  private start(j: number, v: string | number | boolean): Col {
    const n = this.n;
    let c: Col;
    if (typeof v === 'number') c = { kind: 'num', v: new Float64Array(this.cap), set: new Uint8Array(this.cap) };
    else if (typeof v === 'boolean') c = { kind: 'bool', v: new Uint8Array(this.cap).fill(2, 0, n) };
    else c = { kind: 'dict', v: new Int32Array(this.cap).fill(ABSENT, 0, n), values: [], index: new Map() };
    this.cols[j] = c;
    return c;
  }

  push(row: Row): void {
    const i = this.n;
    if (i >= this.cap) this.grow(i + 1);
    for (let j = 0; j < this.names.length; j++) {
      const v = row[this.names[j]!];
      let c = this.cols[j]!;
      if (c.kind === 'none') {
        if (v === null || v === undefined) continue;
        c = this.start(j, v);
      }
      this.put(c, j, i, v);
    }
    this.n++;
  }

  private put(c: Col, j: number, i: number, v: Row[string] | undefined): void {
    switch (c.kind) {
      case 'num':
        if (typeof v === 'number') {
          c.v[i] = v;
          c.set[i] = 1;
        } else if (v !== null && v !== undefined) {
          this.toStrings(j);
          this.put(this.cols[j]!, j, i, v);
        }
        return;
      case 'bool':
        if (typeof v === 'boolean' || v === null || v === undefined) c.v[i] = v === true ? 1 : v === false ? 0 : 2;
        else {
          this.toStrings(j);
          this.put(this.cols[j]!, j, i, v);
        }
        return;
      case 'dict': {
        if (v === null || v === undefined) {
          c.v[i] = ABSENT;
          return;
        }
        const s = typeof v === 'string' ? v : String(v);
        let code = c.index.get(s);
        if (code === undefined) {
          if (c.values.length >= DICT_LIMIT) {
            this.toStrings(j);
            this.put(this.cols[j]!, j, i, v);
            return;
          }
          code = c.values.length;
          c.values.push(s);
          c.index.set(s, code);
        }
        c.v[i] = code;
        return;
      }
      case 'str':
        c.v[i] = v === null || v === undefined ? undefined : typeof v === 'string' ? v : String(v);
        return;
    }
  }

  /** A column of mixed or too many distinct values becomes a plain string array (values kept as text). */
  private toStrings(j: number): void {
    const c = this.cols[j]!;
    const out: (string | undefined)[] = new Array(this.n + 1);
    for (let i = 0; i < this.n; i++) {
      const v = this.value(c, i);
      out[i] = v === undefined || v === null ? undefined : String(v);
    }
    this.cols[j] = { kind: 'str', v: out };
  }

  private value(c: Col, i: number): Row[string] | undefined {
    switch (c.kind) {
      case 'num':
        return c.set[i] ? c.v[i]! : undefined;
      case 'bool':
        return c.v[i] === 2 ? undefined : c.v[i] === 1;
      case 'dict':
        return c.v[i]! < 0 ? undefined : c.values[c.v[i]!]!;
      case 'str':
        return c.v[i];
      default:
        return undefined;
    }
  }

  /** One column's value at row i (undefined when the row lacked it). */
  get(i: number, name: string): Row[string] | undefined {
    const j = this.names.indexOf(name);
    return j < 0 ? undefined : this.value(this.cols[j]!, i);
  }

  /** Row i as the object a record is built from (only the columns it had). */
  row(i: number): Row {
    const r: Row = {};
    for (let j = 0; j < this.names.length; j++) {
      const v = this.value(this.cols[j]!, i);
      if (v !== undefined) r[this.names[j]!] = v;
    }
    return r;
  }

  /** Release the spare capacity (after the last push). */
  trim(): void {
    const n = this.n;
    for (const c of this.cols) {
      if (c.kind === 'num') {
        c.v = c.v.slice(0, n);
        c.set = c.set.slice(0, n);
      } else if (c.kind === 'dict' || c.kind === 'bool') c.v = c.v.slice(0, n);
    }
    this.cap = n;
  }
}
