/**
 * Column-wise encoding of dataset rows into a compact table the model works on:
 * numeric features → Float64Array (n × nNum, row-major), categorical features → Int32Array codes
 * (n × nCat, -1 = value not in the training vocabulary). One-hot vectors are never materialised:
 * the distance code in kmeans.ts handles a one-hot block as "one index set", which keeps the cost
 * per centroid at O(nNum + nCat) instead of O(nNum + Σ|vocab|).
 */
import type { Row } from '../dataset/types.ts';
import { KDD_FEATURE_NAMES } from '../dataset/kdd.ts';
import { UsageError } from '../errors.ts';
import { KeptColumns } from './kept.ts';

/** The nine "basic" (intrinsic) KDD features: the ones a single connection defines. */
export const KDD_BASIC = KDD_FEATURE_NAMES.slice(0, 9);

/** Resolve `--features kdd|basic|a,b,c` to a list of column names. */
export function resolveFeatureList(spec: string | undefined): string[] {
  const s = (spec ?? 'kdd').trim();
  if (s === 'kdd') return [...KDD_FEATURE_NAMES];
  if (s === 'basic') return [...KDD_BASIC];
  const list = s.split(',').map((x) => x.trim()).filter(Boolean);
  if (list.length === 0) throw new UsageError('empty feature list', 'E_USAGE', 'features');
  return list;
}

/** Growing column store filled row by row while streaming a dataset. */
export class RawTable {
  readonly numNames: string[];
  readonly catNames: string[];
  n = 0;
  num: Float64Array;
  cat: Int32Array;
  /** Per categorical column: value → code (in order of first appearance). */
  readonly catValues: string[][];
  private readonly catIndex: Map<string, number>[];
  /** Rows kept aside for reports (identity, label) — only the columns listed in `keep`. */
  readonly kept: Row[] = [];
  /** The same, stored by column instead (`compactKeep`): read them with keptRow(i). */
  readonly keptColumns?: KeptColumns;
  private readonly keep: string[];
  missing = 0;

  constructor(numNames: string[], catNames: string[], keep: string[] = [], capacity = 1024, opts: { compactKeep?: boolean } = {}) {
    this.numNames = numNames;
    this.catNames = catNames;
    this.num = new Float64Array(capacity * numNames.length);
    this.cat = new Int32Array(capacity * catNames.length);
    this.catValues = catNames.map(() => []);
    this.catIndex = catNames.map(() => new Map());
    this.keep = keep;
    if (opts.compactKeep && keep.length) this.keptColumns = new KeptColumns(keep, capacity);
  }

  /** The kept columns of row i, whichever way they are stored. */
  keptRow(i: number): Row {
    return this.keptColumns ? this.keptColumns.row(i) : this.kept[i] ?? {};
  }

  /** One kept column of row i. */
  keptValue(i: number, name: string): Row[string] | undefined {
    return this.keptColumns ? this.keptColumns.get(i, name) : this.kept[i]?.[name];
  }

  /** Release the spare capacity of the growing arrays (after the last push): up to a third of the table. */
  trim(): void {
    this.num = this.num.slice(0, this.n * this.numNames.length);
    this.cat = this.cat.slice(0, this.n * this.catNames.length);
    this.keptColumns?.trim();
  }

  private grow(): void {
    // ×1.5 rather than ×2: less spare capacity left over when the input ends
    const cap = Math.max(1024, Math.ceil((this.num.length / Math.max(1, this.numNames.length)) * 1.5));
    const num = new Float64Array(cap * this.numNames.length);
    num.set(this.num);
    this.num = num;
    const cat = new Int32Array(cap * this.catNames.length);
    cat.set(this.cat);
    this.cat = cat;
  }

  get capacity(): number {
    return this.numNames.length ? this.num.length / this.numNames.length : this.cat.length / Math.max(1, this.catNames.length);
  }

  push(row: Row): void {
    if (this.n >= this.capacity) this.grow();
    const nn = this.numNames.length;
    const base = this.n * nn;
    for (let j = 0; j < nn; j++) {
      const v = row[this.numNames[j]!];
      let x: number;
      if (typeof v === 'number') x = v;
      else if (typeof v === 'boolean') x = v ? 1 : 0;
      else if (v === null || v === undefined || v === '') x = NaN;
      else x = Number(v);
      if (!Number.isFinite(x)) {
        this.missing++;
        x = 0;
      }
      this.num[base + j] = x;
    }
    const nc = this.catNames.length;
    const cbase = this.n * nc;
    for (let j = 0; j < nc; j++) {
      const v = row[this.catNames[j]!];
      this.cat[cbase + j] = this.catCode(j, v === null || v === undefined ? '' : String(v));
    }
    if (this.keptColumns) this.keptColumns.push(row);
    else if (this.keep.length) {
      const k: Row = {};
      for (const name of this.keep) if (row[name] !== undefined) k[name] = row[name]!;
      this.kept.push(k);
    }
    this.n++;
  }

  /** The code of categorical column j's value `s` (added to the vocabulary when new), as push assigns it. */
  catCode(j: number, s: string): number {
    const idx = this.catIndex[j]!;
    let code = idx.get(s);
    if (code === undefined) {
      code = this.catValues[j]!.length;
      idx.set(s, code);
      this.catValues[j]!.push(s);
    }
    return code;
  }

  /**
   * Append a row given by value rather than as a Row: numbers in numNames order, categorical codes
   * (from catCode) in catNames order, and the kept columns (already only those of `keep`). The same
   * table as push(row) gives.
   */
  pushCoded(num: Float64Array, cat: Int32Array, kept: Row | undefined): void {
    if (this.n >= this.capacity) this.grow();
    const nn = this.numNames.length;
    const base = this.n * nn;
    for (let j = 0; j < nn; j++) {
      let x = num[j]!;
      if (!Number.isFinite(x)) {
        this.missing++;
        x = 0;
      }
      this.num[base + j] = x;
    }
    this.cat.set(cat.subarray(0, this.catNames.length), this.n * this.catNames.length);
    if (this.keptColumns) this.keptColumns.push(kept ?? {});
    else if (this.keep.length) this.kept.push(kept ?? {});
    this.n++;
  }

  /** A new table with rows `idx` of this one (vocabularies shared, kept Rows copied; compact kept columns are not: a selection is for training). */
  select(idx: ArrayLike<number>): RawTable {
    const t = new RawTable(this.numNames, this.catNames, this.keep, Math.max(1, idx.length));
    const nn = this.numNames.length;
    const nc = this.catNames.length;
    for (let r = 0; r < idx.length; r++) {
      const i = idx[r]!;
      t.num.set(this.num.subarray(i * nn, (i + 1) * nn), r * nn);
      t.cat.set(this.cat.subarray(i * nc, (i + 1) * nc), r * nc);
      if (this.kept.length) t.kept.push(this.kept[i]!);
    }
    t.n = idx.length;
    for (let j = 0; j < nc; j++) {
      t.catValues[j]!.push(...this.catValues[j]!);
      this.catValues[j]!.forEach((v, c) => t.catIndex[j]!.set(v, c));
    }
    t.missing = this.missing;
    return t;
  }

  /** Drop all rows but keep the categorical vocabularies (streaming in batches). */
  clear(): void {
    this.n = 0;
    this.kept.length = 0;
    if (this.keptColumns) this.keptColumns.n = 0;
  }

  /** Keep only the rows for which `pred(i)` holds (in place). */
  filter(pred: (i: number) => boolean): void {
    const nn = this.numNames.length;
    const nc = this.catNames.length;
    let w = 0;
    for (let i = 0; i < this.n; i++) {
      if (!pred(i)) continue;
      if (w !== i) {
        this.num.copyWithin(w * nn, i * nn, (i + 1) * nn);
        this.cat.copyWithin(w * nc, i * nc, (i + 1) * nc);
        if (this.kept.length) this.kept[w] = this.kept[i]!;
      }
      w++;
    }
    if (this.kept.length) this.kept.length = w;
    this.n = w;
  }

  /** Categorical value (string) of row i, column j. */
  catValue(i: number, j: number): string {
    return this.catValues[j]![this.cat[i * this.catNames.length + j]!]!;
  }
}
