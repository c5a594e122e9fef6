/**
 * Which SQL views a set of paths gives: flowsift's outputs are files named after what they hold,
 * so an analysis directory maps to views generically — every `<name>.parquet`, `<name>.jsonl` or
 * `<name>.csv` at its top level becomes the view `<name>` (Parquet preferred when both exist):
 * scores, anomalies, incidents, flows, … A directory of `--split-by` parts (Hive-style
 * `key=value/` sub-directories, or part-N files) is one dataset read as one table (`flows`). A single
 * file named like an output (scores.parquet) is that view; any other file gets a view of its own
 * name and joins `scores` (anomaly records) or `flows` by its content (store.ts), so two days given
 * as monday.parquet tuesday.parquet are `monday`, `tuesday` and both together `flows`. Files that
 * land on the same view are read together.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { InputError, UsageError } from '../errors.ts';

export type SourceFormat = 'parquet' | 'jsonl' | 'csv';

export interface ViewSource {
  /** View name (an SQL identifier). */
  name: string;
  format: SourceFormat;
  /** Files or glob patterns (absolute). */
  files: string[];
  /** Hive partition keys are columns (directory datasets). */
  hive: boolean;
  /**
   * A single file whose name is not one of flowsift's outputs (monday.parquet): its own view
   * (named after the file) that also joins the `flows` or `scores` view, by its columns.
   */
  byContent?: boolean;
}

/** The names flowsift's outputs have (analysis directories, datasets). */
export const KNOWN_VIEWS = ['flows', 'scores', 'anomalies', 'incidents'] as const;

const FORMAT_OF: Record<string, SourceFormat> = { parquet: 'parquet', pq: 'parquet', jsonl: 'jsonl', ndjson: 'jsonl', csv: 'csv' };
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PREFERENCE: SourceFormat[] = ['parquet', 'jsonl', 'csv'];

function formatOf(path: string): SourceFormat | undefined {
  const m = /\.([A-Za-z0-9]+)$/.exec(path);
  return m ? FORMAT_OF[m[1]!.toLowerCase()] : undefined;
}

/** Data files under `dir` (any depth), for a partitioned dataset. */
function partFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) partFiles(p, out);
    else if (formatOf(e.name)) out.push(p);
  }
  return out;
}

/**
 * Resolve paths to view sources. `nameOfFile` decides the view of a single file whose base name
 * is not a usable name (default: 'flows').
 */
export function resolveViews(paths: readonly string[]): ViewSource[] {
  if (paths.length === 0) throw new UsageError('name at least one dataset or analysis directory');
  const byName = new Map<string, ViewSource>();
  const add = (name: string, format: SourceFormat, files: string[], hive: boolean, from: string, byContent = false): void => {
    const v = byName.get(name);
    if (!v) {
      byName.set(name, { name, format, files: [...files], hive, byContent });
      return;
    }
    if (v.format !== format) {
      throw new UsageError(`${from}: view ${name} would mix ${v.format} and ${format} files; give one format per view`);
    }
    v.files.push(...files);
    v.hive ||= hive;
  };
  for (const p0 of paths) {
    const p = resolve(p0);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) throw new InputError('E_NO_SUCH_FILE', p0, undefined, 'no such file or directory');
    if (st.isDirectory()) {
      const entries = readdirSync(p, { withFileTypes: true }).filter((e) => !e.name.startsWith('.'));
      const tops = entries.filter((e) => e.isFile() && formatOf(e.name));
      const partitioned = entries.some((e) => e.isDirectory() && e.name.includes('='));
      if (partitioned || (tops.length > 0 && tops.every((e) => /^part-\d+\./.test(e.name)))) {
        // one dataset in parts: every data file below, one format
        const files = partFiles(p);
        const formats = [...new Set(files.map((f) => formatOf(f)!))];
        if (formats.length !== 1) throw new InputError('E_DATASET_FORMAT', p0, undefined, `partitioned dataset with ${formats.length === 0 ? 'no data files' : `mixed formats (${formats.join(', ')})`}`);
        add('flows', formats[0]!, files, true, p0);
        continue;
      }
      // an analysis directory: each <name>.<ext> is the view <name>, the preferred format first
      const best = new Map<string, { format: SourceFormat; file: string }>();
      for (const e of tops) {
        const format = formatOf(e.name)!;
        const name = e.name.replace(/\.[^.]+$/, '');
        if (!IDENT.test(name)) continue;
        const prev = best.get(name);
        if (!prev || PREFERENCE.indexOf(format) < PREFERENCE.indexOf(prev.format)) best.set(name, { format, file: join(p, e.name) });
      }
      if (best.size === 0) throw new InputError('E_NO_DATA', p0, undefined, 'no dataset files (.parquet, .jsonl, .csv) in this directory');
      for (const [name, b] of best) add(name, b.format, [b.file], false, p0);
      continue;
    }
    const format = formatOf(p);
    if (!format) throw new InputError('E_DATASET_FORMAT', p0, undefined, 'not a dataset file: expected .parquet, .jsonl/.ndjson or .csv');
    const base = basename(p).replace(/\.[^.]+$/, '');
    if ((KNOWN_VIEWS as readonly string[]).includes(base)) add(base, format, [p], false, p0);
    else {
      // a name usable unquoted: demo-scored.parquet → demo_scored
      const name = base.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=[0-9])/, '_');
      if (byName.has(name)) throw new UsageError(`${p0}: two inputs would both be the view ${name}; rename one`);
      add(name, format, [p], false, p0, true);
    }
  }
  return [...byName.values()];
}

/** SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** The table function reading a view's files (out of core: DuckDB streams them). */
export function sourceSql(v: ViewSource): string {
  const list = `[${v.files.map(sqlString).join(', ')}]`;
  switch (v.format) {
    case 'parquet':
      return `read_parquet(${list}, hive_partitioning = ${v.hive}, union_by_name = true)`;
    case 'jsonl':
      return `read_json(${list}, format = 'newline_delimited', hive_partitioning = ${v.hive}, union_by_name = true)`;
    case 'csv':
      return `read_csv(${list}, header = true, hive_partitioning = ${v.hive}, union_by_name = true)`;
  }
}
