/**
 * Inputs of train / score / analyze: captures (pcap, pcapng — plain or gzipped, or directories of
 * them) go through the feature pipeline (extractFlows); datasets (NSL-KDD/KDD99 tables, flowsift
 * CSV / JSON Lines / Parquet) through readDataset. Which one is decided by magic bytes only.
 */
import type { Row } from '../dataset/types.ts';
import { detectDatasetFormat, isCaptureInput, readDataset } from '../dataset/read.ts';
import { extractFlows, type ExtractSummary } from '../features/extract.ts';
import { FLOW_COLUMNS } from '../features/schema.ts';
import { KDD_FEATURE_NAMES, KDD_SYMBOLIC, readKddBatches, type KddBatch } from '../dataset/kdd.ts';
import { RawTable } from './encode.ts';
import { InputError } from '../errors.ts';
import { compileFunction } from '../v8-workarounds.ts';
import { statSync } from 'node:fs';

/** Is this input a capture (pcap/pcapng, possibly gzipped) or a directory of captures? (by magic bytes) */
export { isCaptureInput };

const SCHEMA_TYPES = new Map(FLOW_COLUMNS.map((c) => [c.name, c.type]));

/** Is a feature column categorical (one-hot), by the flow schema, the KDD symbolic list, or the value seen? */
export function categoricalColumn(name: string, first: Row | undefined): boolean {
  if (KDD_SYMBOLIC.includes(name)) return true;
  const t = SCHEMA_TYPES.get(name);
  if (t) return t === 'category' || t === 'string' || t === 'bool';
  const v = first?.[name];
  return typeof v === 'string' && v !== '' && !Number.isFinite(Number(v));
}

export interface InputSummary {
  captures: string[];
  datasets: string[];
  rows: number;
  extract?: ExtractSummary[];
}

export interface ReadInputsOptions {
  signal?: AbortSignal;
  stdin?: NodeJS.ReadableStream;
  /** Called for every capture's extraction summary (errors, warnings). */
  onExtract?(s: ExtractSummary, input: string): void;
  /** Only these columns in the Rows of captures (default all flow columns): fewer values built per flow. */
  columns?: readonly string[];
  /**
   * Take the rows of KDD table files by column (readKddBatches) instead of one Row at a time
   * (captures and other datasets still go to onRow).
   */
  onKddBatch?(b: KddBatch, input: string): void | Promise<void>;
}

/** Is this input a NSL-KDD / KDD99 table file (what readKddBatches reads)? */
async function isKddFile(input: string): Promise<boolean> {
  return input !== '-' && statSync(input).isFile() && (await detectDatasetFormat(input)) === 'kdd';
}

/**
 * Stream the rows of all inputs in order, calling `onRow` for each. Captures are extracted with
 * the default feature options; datasets read as they are.
 */
export async function readInputs(inputs: string[], onRow: (row: Row, input: string) => void | Promise<void>, opts: ReadInputsOptions = {}): Promise<InputSummary> {
  const summary: InputSummary = { captures: [], datasets: [], rows: 0, extract: [] };
  const want = opts.columns && new Set(opts.columns);
  const columns = want ? FLOW_COLUMNS.filter((c) => want.has(c.name)) : undefined;
  for (const input of inputs) {
    if (opts.signal?.aborted) break;
    if (await isCaptureInput(input)) {
      summary.captures.push(input);
      const s = await extractFlows([input], { signal: opts.signal, stdin: opts.stdin, columns }, (row) => {
        summary.rows++;
        return onRow(row, input);
      });
      summary.extract!.push(s);
      opts.onExtract?.(s, input);
    } else if (opts.onKddBatch && (await isKddFile(input))) {
      summary.datasets.push(input);
      const onKddBatch = opts.onKddBatch;
      try {
        summary.rows += await readKddBatches(input, (b) => onKddBatch(b, input), { signal: opts.signal });
      } catch (e) {
        // as readDataset reports a zlib error that escapes the reader
        const code = (e as NodeJS.ErrnoException | undefined)?.code;
        if (typeof code === 'string' && code.startsWith('Z_')) {
          throw new InputError('E_DATASET_GZIP', input, undefined, `gzip data corrupt or cut short (${(e as Error).message}); rows before the fault were read`);
        }
        throw e;
      }
    } else {
      summary.datasets.push(input);
      for await (const row of readDataset(input, { signal: opts.signal })) {
        summary.rows++;
        const r = onRow(row, input);
        if (r) await r;
      }
    }
  }
  return summary;
}

export interface CollectOptions extends ReadInputsOptions {
  /** Feature columns (model order is numeric then categorical, decided from the schema / first row). */
  features: string[];
  /** Extra columns kept per row (identity, label) for reports. */
  keep?: string[];
  /** Keep only rows whose label equals this (semi-supervised training on normal traffic). */
  trainOn?: string;
  labelColumn?: string;
  /**
   * Store the kept columns by column (RawTable.keptColumns, read with keptRow) rather than one
   * object per row, build capture Rows with only the feature and kept columns, and trim the
   * table's spare capacity at the end: for a run that holds a whole capture (analyze).
   */
  compact?: boolean;
}

export interface Collected {
  table: RawTable;
  summary: InputSummary;
  labelCounts: Record<string, number>;
}

/** The feature columns a row lacks (absent keys; an empty value is a missing value, not a missing column). */
export function missingColumns(row: Row, features: readonly string[]): string[] {
  return features.filter((f) => !(f in row));
}

/**
 * Throw a bad-input error when the first row of `input` lacks feature columns: scoring or training on
 * such a file would silently take every missing column as 0 (and flag everything).
 */
export function requireColumns(row: Row, features: readonly string[], input: string, purpose: string): void {
  const miss = missingColumns(row, features);
  if (miss.length === 0) return;
  throw new InputError(
    'E_MISSING_COLUMNS',
    input === '-' ? '<stdin>' : input,
    undefined,
    `lacks ${miss.length} of the ${features.length} feature columns ${purpose}: ${miss.join(', ')} (a flow dataset from 'flowsift flows', NSL-KDD/KDD99, or a capture is needed${'is_anomaly' in row ? '; this looks like scoring output' : ''})`,
  );
}

/** Read all inputs into a column table (optionally only the rows with label `trainOn`). */
export async function collectTable(inputs: string[], opts: CollectOptions): Promise<Collected> {
  let table: RawTable | undefined;
  const labelCounts: Record<string, number> = {};
  const labelCol = opts.labelColumn ?? 'label';
  let checked = '';
  const summary = await readInputs(
    inputs,
    (row, input) => {
      if (checked !== input) {
        requireColumns(row, opts.features, input, 'to train on');
        checked = input;
      }
      const lv = row[labelCol];
      const label = lv === null || lv === undefined ? '' : String(lv);
      if (label) labelCounts[label] = (labelCounts[label] ?? 0) + 1;
      if (opts.trainOn !== undefined && label !== opts.trainOn) return;
      if (!table) table = newTableFor(opts.features, row, opts.keep ?? [], undefined, opts.compact);
      table.push(row);
    },
    opts.compact ? { ...opts, columns: [...opts.features, ...(opts.keep ?? []), labelCol] } : opts,
  );
  if (opts.compact) table?.trim();
  return { table: table ?? newTableFor(opts.features, undefined, opts.keep ?? [], undefined, opts.compact), summary, labelCounts };
}

/** An empty table for the features, split into numeric and categorical using `first` for unknown columns. */
export function newTableFor(features: string[], first: Row | undefined, keep: string[], capacity?: number, compactKeep = false): RawTable {
  const cat = features.filter((f) => categoricalColumn(f, first));
  const num = features.filter((f) => !cat.includes(f));
  return new RawTable(num, cat, keep, capacity, { compactKeep });
}

/**
 * Fills a RawTable from KDD column batches, as table.push(row) would from readKdd's Rows (same
 * numbers, codes and kept columns), or undefined when the table has a column KDD rows cannot give
 * that way (a categorical column other than the three symbolic ones).
 */
export function kddTableFiller(table: RawTable, keep: readonly string[]): ((b: KddBatch, r: number) => void) | undefined {
  const nFeat = KDD_FEATURE_NAMES.length;
  const numIdx = table.numNames.map((n) => KDD_FEATURE_NAMES.indexOf(n));
  const symIdx = table.catNames.map((n) => KDD_SYMBOLIC.indexOf(n));
  if (numIdx.some((i) => i < 0 || KDD_SYMBOLIC.includes(KDD_FEATURE_NAMES[i]!)) || symIdx.some((q) => q < 0)) return undefined;
  const num = new Float64Array(numIdx.length);
  const cat = new Int32Array(symIdx.length);
  /** Per categorical column: batch vocabulary code → table code (−1 = not yet looked up). */
  const toTable: Int32Array[] = symIdx.map(() => new Int32Array(0));
  const kept = keptBuilder(keep);
  return (b, r) => {
    const xo = r * nFeat;
    for (let j = 0; j < numIdx.length; j++) num[j] = b.x[xo + numIdx[j]!]!;
    for (let j = 0; j < symIdx.length; j++) {
      const q = symIdx[j]!;
      const code = b.sym[r * 3 + q]!;
      let map = toTable[j]!;
      if (code >= map.length) {
        const grown = new Int32Array(Math.max(16, b.symbols[q]!.length * 2)).fill(-1);
        grown.set(map);
        toTable[j] = map = grown;
      }
      let c = map[code]!;
      if (c < 0) map[code] = c = table.catCode(j, b.symbols[q]![code]!);
      cat[j] = c;
    }
    const lc = b.label[r]!;
    table.pushCoded(num, cat, kept ? kept(b.x, xo, b.symbols[0][b.sym[r * 3]!]!, b.symbols[1][b.sym[r * 3 + 1]!]!, b.symbols[2][b.sym[r * 3 + 2]!]!, b.labels[lc]!, b.categories[lc]!, b.difficulty[r]!, b.variant === 'nsl-kdd') : NO_KEPT);
  };
}

/** The kept Row of every row when nothing is kept (a writer takes those columns from the batch). */
const NO_KEPT: Row = Object.freeze({});

type KeptFn = (x: Float64Array, xo: number, s0: string, s1: string, s2: string, label: string, category: string, difficulty: number, nsl: boolean) => Row;

/** The kept columns a KDD row has, in `keep` order, as one object literal (what RawTable.push keeps). */
function keptBuilder(keep: readonly string[]): KeptFn | undefined {
  if (keep.length === 0) return undefined;
  const fields: string[] = [];
  for (const name of new Set(keep)) {
    const i = KDD_FEATURE_NAMES.indexOf(name);
    if (i >= 0) fields.push(`${JSON.stringify(name)}: ${KDD_SYMBOLIC.includes(name) ? `s${KDD_SYMBOLIC.indexOf(name)}` : `x[xo + ${i}]`}`);
    else if (name === 'label' || name === 'category') fields.push(`${name}: ${name}`);
  }
  const body = `const k = { ${fields.join(', ')} };\n` + (keep.includes('difficulty') ? 'if (nsl) k.difficulty = difficulty;\n' : '') + 'return k;';
  return compileFunction<KeptFn>('kddKept', {}, ['x', 'xo', 's0', 's1', 's2', 'label', 'category', 'difficulty', 'nsl'], body);
}
