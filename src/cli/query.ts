/**
 * `flowsift query <dataset|analysis-dir|partition-dir>... "SQL"`: DuckDB SQL over views named after
 * the outputs (flows, scores, anomalies, incidents, …; src/store/views.ts). A table on a terminal,
 * else CSV; --format/-o for CSV, JSON Lines or Parquet. Bad SQL: DuckDB's message, exit 2; a
 * missing or unreadable file: exit 3.
 */
import type { Argv } from 'yargs';
import { renameSync, rmSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { EXIT, UsageError } from '../errors.ts';
import { tempPathFor, writesInPlace } from '../dataset/output.ts';
import { openStore, type Param, type QueryResult } from '../store/store.ts';
import type { CliIO, CommandDef } from './command.ts';

type QueryFormat = 'table' | 'csv' | 'jsonl' | 'parquet';
const FORMATS: readonly QueryFormat[] = ['table', 'csv', 'jsonl', 'parquet'];

interface QueryArgs {
  inputs: string[];
  output: string;
  format?: QueryFormat;
  param?: string[];
  memoryLimit: string;
  threads: number;
  maxRows: number;
  views: boolean;
}

function formatFor(a: QueryArgs, stdoutTTY: boolean): QueryFormat {
  if (a.format) return a.format;
  if (a.output !== '-') {
    if (/\.(parquet|pq)$/i.test(a.output)) return 'parquet';
    if (/\.(jsonl|ndjson)$/i.test(a.output)) return 'jsonl';
    if (/\.csv$/i.test(a.output)) return 'csv';
    throw new UsageError(`-o ${a.output}: unknown extension; use .csv, .jsonl or .parquet, or give --format`);
  }
  return stdoutTTY ? 'table' : 'csv';
}

/** A command-line parameter: numbers and booleans as such, anything else text. */
function param(s: string): Param {
  if (/^-?\d+$/.test(s) && Number.isSafeInteger(Number(s))) return Number(s);
  if (/^-?(\d+\.\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return Number(s);
  if (s === 'true' || s === 'false') return s === 'true';
  if (s === 'null') return null;
  return s;
}

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Aligned text table (cells cut at 48 characters); numbers right-aligned. */
function renderTable(r: QueryResult, max: number, total: number): string {
  const names = r.columns.map((c) => c.name);
  const numeric = r.columns.map((c) => /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|DOUBLE|FLOAT|DECIMAL|U)/.test(c.type));
  const cut = (s: string): string => (s.length > 48 ? s.slice(0, 47) + '…' : s);
  const cells = r.rows.slice(0, max).map((row) => names.map((n) => cut(text(row[n]).replace(/\s+/g, ' '))));
  const widths = names.map((n, j) => Math.max(n.length, ...cells.map((c) => c[j]!.length)));
  const line = (vals: string[]): string => vals.map((v, j) => (numeric[j] ? v.padStart(widths[j]!) : v.padEnd(widths[j]!))).join('  ').trimEnd();
  const out = [line(names), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line)];
  out.push(total > max ? `(${total.toLocaleString('en-US')} rows, first ${max} shown; -o FILE or --format csv for all)` : `(${total.toLocaleString('en-US')} row${total === 1 ? '' : 's'})`);
  return out.join('\n') + '\n';
}

async function runQuery(a: QueryArgs, io: CliIO): Promise<number> {
  const inputs = a.inputs.map(String);
  if (inputs.length < (a.views ? 1 : 2)) throw new UsageError('usage: flowsift query <dataset|analysis-dir>... "SQL"');
  const sql = a.views ? '' : inputs.pop()!;
  if (!Number.isInteger(a.threads) || a.threads < 1) throw new UsageError(`--threads must be an integer ≥ 1, got ${String(a.threads)}`);
  if (!Number.isInteger(a.maxRows) || a.maxRows < 1) throw new UsageError(`--max-rows must be an integer ≥ 1, got ${String(a.maxRows)}`);
  const format = formatFor(a, Boolean((io.stdout as { isTTY?: boolean }).isTTY));
  if (format === 'parquet' && a.output === '-') throw new UsageError('--format parquet writes a file: give it with -o FILE.parquet');
  const params = (a.param ?? []).map(String).map(param);
  const store = await openStore(inputs, { memoryLimit: a.memoryLimit, threads: a.threads });
  try {
    if (a.views) {
      for (const v of store.views) io.stdout.write(`${v.name}  (${v.format}, ${v.files.length} file${v.files.length === 1 ? '' : 's'}${v.hive ? ', partitioned' : ''})\n${v.columns.map((c) => `  ${c.name} ${c.type}`).join('\n')}\n`);
      return EXIT.OK;
    }
    if (a.output !== '-') {
      if (params.length) throw new UsageError('--param cannot be used with -o (DuckDB\'s COPY takes no parameters): inline the values');
      // DuckDB writes the file (out of core); a temp file beside the target is renamed into place
      const inPlace = writesInPlace(a.output);
      const tmp = inPlace ? a.output : tempPathFor(a.output);
      try {
        const n = await store.copy(sql, tmp, format === 'table' ? 'csv' : format);
        if (!inPlace) renameSync(tmp, a.output);
        io.stderr.write(`flowsift: ${n.toLocaleString('en-US')} rows → ${a.output} (${format})\n`);
      } catch (e) {
        if (!inPlace) rmSync(tmp, { force: true });
        throw e;
      }
      return EXIT.OK;
    }
    if (format === 'table') {
      let first: QueryResult | undefined;
      let total = 0;
      for await (const chunk of store.stream(sql, params)) {
        if (!first) first = { columns: chunk.columns, rows: [] };
        if (first.rows.length < a.maxRows) first.rows.push(...chunk.rows.slice(0, a.maxRows - first.rows.length));
        total += chunk.rows.length;
      }
      if (first) io.stdout.write(renderTable(first, a.maxRows, total));
      else io.stdout.write('(no result set)\n');
      return EXIT.OK;
    }
    let header = false;
    for await (const chunk of store.stream(sql, params)) {
      let out: string;
      if (format === 'csv') {
        const names = chunk.columns.map((c) => c.name);
        const rows = chunk.rows.map((r) => names.map((n) => text(r[n])));
        if (!header) rows.unshift(names);
        out = stringify(rows);
      } else {
        out = chunk.rows.map((r) => JSON.stringify(r)).join('\n') + (chunk.rows.length ? '\n' : '');
      }
      header = true;
      if (!io.stdout.write(out)) await new Promise<void>((resolve) => io.stdout.once('drain', () => resolve()));
      if (io.signal.aborted) return EXIT.INTERRUPTED;
    }
    return EXIT.OK;
  } finally {
    store.close();
  }
}

const def: CommandDef<QueryArgs> = {
  command: 'query <inputs..>',
  describe: 'DuckDB SQL over datasets and analysis outputs (views flows, scores, anomalies, incidents, …)',
  builder: (y) =>
    y
      .positional('inputs', { describe: 'Datasets (.parquet, .jsonl, .csv), analysis directories (analyze --out-dir) or --split-by directories, then the SQL', type: 'string', array: true })
      .option('output', { alias: 'o', type: 'string', default: '-', describe: 'Write the result to a file (.csv, .jsonl, .parquet), atomically; - = stdout', requiresArg: true })
      .option('format', { choices: FORMATS, describe: 'table (default on a terminal), csv (default otherwise), jsonl, parquet (needs -o)' })
      .option('param', { alias: 'p', type: 'string', array: true, describe: 'Values for $1, $2, … in the SQL (numbers, true/false, null, else text)', requiresArg: true })
      .option('views', { type: 'boolean', default: false, describe: 'List the views and their columns instead of running SQL' })
      .option('memory-limit', { type: 'string', default: '1GB', describe: 'DuckDB memory limit; larger work spills to a temp directory', requiresArg: true })
      .option('threads', { type: 'number', default: 2, describe: 'DuckDB threads', requiresArg: true })
      .option('max-rows', { type: 'number', default: 200, describe: 'Rows shown by --format table', requiresArg: true })
      .example('flowsift query out/ "SELECT service, count(*) FROM anomalies GROUP BY 1 ORDER BY 2 DESC"', 'anomalies per service of an analysis')
      .example('flowsift query flows/ "SELECT date, hour, count(*) FROM flows GROUP BY ALL ORDER BY ALL" -o per-hour.csv', 'a --split-by hour directory read as one table') as unknown as Argv<QueryArgs>,
  run: (a, io) => runQuery(a, io),
};

export default def;
