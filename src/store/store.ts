/**
 * The analysis store: DuckDB (embedded, in memory) over flowsift's files at rest. openStore(paths)
 * creates one view per output found (views.ts: flows, scores, anomalies, incidents, …) reading the
 * files directly — nothing is copied, a month of Hive-partitioned flows larger than memory is read
 * out of core within `memoryLimit` (DuckDB spills to `tempDirectory`). No .duckdb file is ever
 * opened read-write, so any number of readers (CLI, dashboard, notebooks) share the files.
 *
 * `materialize: true` loads every view into DuckDB's own columnar tables once (sorted by ts when
 * present): the dashboard's mode, where repeated queries answer in milliseconds.
 *
 * Values come back JSON-ready: BIGINT as a number when it is safe (else a string), timestamps as
 * ISO-8601 UTC strings with µs, lists and structs as arrays and objects.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, DuckDBTypeId, type DuckDBConnection, type DuckDBResult, type DuckDBValue } from '@duckdb/node-api';
import { EXIT, FlowsiftError, UsageError } from '../errors.ts';
import { resolveViews, sourceSql, sqlString, type ViewSource } from './views.ts';

export interface StoreOptions {
  /** DuckDB memory limit (default '1GB'); beyond it operators spill to tempDirectory. */
  memoryLimit?: string;
  /** Worker threads (default 2). */
  threads?: number;
  /** Spill directory (default a fresh one under os.tmpdir(), removed by close()). */
  tempDirectory?: string;
  /** Load the views into in-memory tables (sorted by ts) for fast repeated queries. */
  materialize?: boolean;
}

export interface ColumnInfo {
  name: string;
  /** DuckDB type, e.g. BIGINT, TIMESTAMP WITH TIME ZONE, STRUCT(...)[] */
  type: string;
}

export interface QueryResult {
  columns: ColumnInfo[];
  rows: Record<string, unknown>[];
}

export interface StoreView extends ViewSource {
  columns: ColumnInfo[];
}

/** A value usable as a query parameter ($1, $2, …). */
export type Param = string | number | boolean | null | bigint;

export interface Store {
  readonly views: readonly StoreView[];
  /** Run SQL with $1… parameters; the whole result. */
  query(sql: string, params?: readonly Param[]): Promise<QueryResult>;
  /** Run SQL and receive the result in chunks (large results, out of core). */
  stream(sql: string, params?: readonly Param[]): AsyncGenerator<QueryResult>;
  /** Write a query's result to a file with DuckDB's COPY (parquet: Snappy, which every reader has). Returns the row count. */
  copy(sql: string, path: string, format: 'parquet' | 'csv' | 'jsonl'): Promise<number>;
  /** The underlying connection, for what this API does not cover. */
  readonly connection: DuckDBConnection;
  close(): void;
}

/** DuckDB's error as a flowsift error: bad SQL is a usage error (exit 2), a failed read bad input (3). */
export function duckError(e: unknown): FlowsiftError {
  const msg = (e instanceof Error ? e.message : String(e)).replace(/^Failed to extract statements: /, '');
  if (/^(IO|Invalid Input|Conversion) Error/.test(msg) && !/^Conversion Error: Could not convert string .* to /.test(msg)) {
    return new FlowsiftError('E_QUERY_INPUT', msg.trim(), EXIT.BAD_INPUT);
  }
  return new UsageError(msg.trim(), 'E_SQL');
}

const INTEGERS = new Set<number>([DuckDBTypeId.BIGINT, DuckDBTypeId.HUGEINT, DuckDBTypeId.UBIGINT, DuckDBTypeId.UHUGEINT]);
const TIMESTAMPS = new Set<number>([DuckDBTypeId.TIMESTAMP_TZ, DuckDBTypeId.TIMESTAMP]);

/** DuckDB's text '2023-11-14 22:13:20.11282+00' → '2023-11-14T22:13:20.112820Z' (always µs). */
function toIso(s: string): string {
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(?:\+00(?::00)?)?$/.exec(s);
  if (!m) return s;
  return `${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(6, '0')}Z`;
}

/** Convert DuckDB's JSON-ready chunk rows: safe BIGINTs to numbers, timestamps to ISO strings. */
function convert(result: DuckDBResult, rows: Record<string, unknown>[]): Record<string, unknown>[] {
  const names = result.columnNames();
  for (let i = 0; i < names.length; i++) {
    const id = result.columnTypeId(i) as number;
    const name = names[i]!;
    if (INTEGERS.has(id)) {
      for (const r of rows) {
        const v = r[name];
        if (typeof v === 'string') {
          const n = Number(v);
          if (Number.isSafeInteger(n)) r[name] = n;
        }
      }
    } else if (TIMESTAMPS.has(id)) {
      for (const r of rows) if (typeof r[name] === 'string') r[name] = toIso(r[name] as string);
    }
  }
  return rows;
}

function columnsOf(result: DuckDBResult): ColumnInfo[] {
  return result.columnNames().map((name, i) => ({ name, type: result.columnType(i).toString() }));
}

/** Open a store over flowsift outputs (datasets, analysis directories, partitioned directories). */
export async function openStore(paths: readonly string[], opts: StoreOptions = {}): Promise<Store> {
  const sources = resolveViews(paths);
  const ownTemp = opts.tempDirectory === undefined;
  const temp = opts.tempDirectory ?? join(tmpdir(), `flowsift-duckdb-${process.pid}-${Date.now().toString(36)}`);
  mkdirSync(temp, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: opts.memoryLimit ?? '1GB',
    threads: String(opts.threads ?? 2),
    temp_directory: temp,
    // nothing is fetched at run time: only the extensions built into the binary
    autoinstall_known_extensions: 'false',
  });
  const con = await instance.connect();
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    con.closeSync();
    instance.closeSync();
    if (ownTemp) rmSync(temp, { recursive: true, force: true });
  };
  const views: StoreView[] = [];
  const describe = async (what: string): Promise<ColumnInfo[]> =>
    ((await con.runAndReadAll(`DESCRIBE ${what}`)).getRowObjectsJson() as { column_name: string; column_type: string }[])
      .map((r) => ({ name: r.column_name, type: r.column_type }));
  try {
    // timestamps print and compare in UTC whatever the machine's zone
    await con.run("SET TimeZone = 'UTC'");
    for (const v of sources) {
      const src = sourceSql(v);
      let cols = await describe(`SELECT * FROM ${src}`).catch((e) => { throw readError(v, e); });
      // text formats hold ts as epoch seconds: the view gives a timestamp, as Parquet does
      const tsCol = cols.find((c) => c.name === 'ts');
      const select = tsCol && /^(DOUBLE|FLOAT|DECIMAL|BIGINT|INTEGER)/.test(tsCol.type) ? `SELECT * REPLACE (to_timestamp(ts) AS ts) FROM ${src}` : `SELECT * FROM ${src}`;
      const ident = `"${v.name}"`;
      if (opts.materialize) {
        const order = tsCol ? ' ORDER BY ts' : '';
        await con.run(`CREATE TABLE ${ident} AS ${select}${order}`).catch((e) => { throw readError(v, e); });
      } else {
        await con.run(`CREATE VIEW ${ident} AS ${select}`);
      }
      cols = await describe(ident);
      views.push({ ...v, columns: cols });
    }
    // files named otherwise also make up the flows / scores view (unless a file gave it already)
    const groups = new Map<string, StoreView[]>();
    for (const v of views) {
      if (!v.byContent) continue;
      const to = v.columns.some((c) => c.name === 'anomaly_score') ? 'scores' : 'flows';
      if (views.some((w) => w.name === to)) continue;
      groups.set(to, [...(groups.get(to) ?? []), v]);
    }
    for (const [name, members] of groups) {
      await con.run(`CREATE VIEW "${name}" AS ${members.map((m) => `SELECT * FROM "${m.name}"`).join(' UNION ALL BY NAME ')}`);
      views.push({ name, format: members[0]!.format, files: members.flatMap((m) => m.files), hive: false, columns: await describe(`"${name}"`) });
    }
  } catch (e) {
    close();
    throw e instanceof FlowsiftError ? e : duckError(e);
  }

  const bind = (params?: readonly Param[]): DuckDBValue[] | undefined => (params && params.length ? (params as DuckDBValue[]) : undefined);
  const store: Store = {
    views,
    connection: con,
    async query(sql, params) {
      let result: DuckDBResult;
      try {
        result = await con.run(sql, bind(params));
        const chunks = await result.getRowObjectsJson();
        return { columns: columnsOf(result), rows: convert(result, chunks as Record<string, unknown>[]) };
      } catch (e) {
        throw duckError(e);
      }
    },
    async *stream(sql, params) {
      let result: DuckDBResult;
      try {
        result = await con.stream(sql, bind(params));
      } catch (e) {
        throw duckError(e);
      }
      const columns = columnsOf(result);
      try {
        for await (const rows of result.yieldRowObjectJson()) {
          yield { columns, rows: convert(result, rows as Record<string, unknown>[]) };
        }
      } catch (e) {
        throw duckError(e);
      }
    },
    async copy(sql, path, format) {
      const fmt = format === 'parquet' ? "(FORMAT parquet, COMPRESSION snappy)" : format === 'csv' ? '(FORMAT csv, HEADER true)' : '(FORMAT json)';
      try {
        const r = await con.runAndReadAll(`COPY (${sql}) TO ${sqlString(path)} ${fmt}`);
        const n = r.getRows()[0]?.[0];
        return Number(n ?? 0);
      } catch (e) {
        throw duckError(e);
      }
    },
    close,
  };
  return store;
}

function readError(v: ViewSource, e: unknown): FlowsiftError {
  const msg = e instanceof Error ? e.message.split('\n')[0]! : String(e);
  const file = v.files.length === 1 ? v.files[0]! : `${v.files.length} files of view ${v.name}`;
  return new FlowsiftError('E_QUERY_INPUT', `${file}: cannot be read as ${v.format}: ${msg}`, EXIT.BAD_INPUT);
}
