/**
 * The API's reads of an analysis's store: pages of flows / anomalies / incidents (keyset paging,
 * LIMIT always), one flow by uid, and the CSV export. Queries on one store run one at a time: a
 * DuckDB connection is not meant for concurrent statements, and the small queries here take
 * milliseconds, so a queue per store costs little.
 */
import type { Analysis } from './context.ts';
import type { Param, QueryResult } from '../store/index.ts';
import { pageSql, encodeCursor, type FlowQuery } from './filters.ts';

const queues = new WeakMap<Analysis, Promise<unknown>>();

/** Run one statement on the analysis's store after the ones queued before it. */
export function query(a: Analysis, sql: string, params: readonly Param[] = []): Promise<QueryResult> {
  const prev = queues.get(a) ?? Promise.resolve();
  const run = (): Promise<QueryResult> => a.store.query(sql, params);
  const next = prev.then(run, run);
  queues.set(a, next.catch(() => undefined));
  return next;
}

export function viewColumns(a: Analysis, view: string): string[] {
  return a.store.views.find((v) => v.name === view)?.columns.map((c) => c.name) ?? [];
}

export function hasView(a: Analysis, view: string): boolean {
  return a.store.views.some((v) => v.name === view);
}

/** Columns of a list row unless `columns=` says otherwise (those the view has, in this order). */
export const DEFAULT_FLOW_COLUMNS = [
  'ts', 'uid', 'community_id', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'proto', 'protocol_type', 'service', 'flag', 'conn_state',
  'duration', 'src_bytes', 'dst_bytes', 'src_pkts', 'dst_pkts', 'cluster', 'anomaly_score', 'is_anomaly', 'severity', 'label', 'incident_id',
];

export function selectList(cols: readonly string[]): string {
  return cols.map((c) => `"${c.replace(/"/g, '""')}"`).join(', ');
}

/** One keyset page of a flow view. The uid and the sort key are always fetched (the cursor needs them). */
export async function flowPage(a: Analysis, view: string, fq: FlowQuery, defaults: readonly string[]): Promise<{ rows: Record<string, unknown>[]; next: string | null; columns: string[] }> {
  const have = new Set(viewColumns(a, view));
  const cols = fq.columns ?? defaults.filter((c) => have.has(c));
  const fetch = [...new Set([...cols, 'uid', fq.sort === 'ts' ? 'ts' : 'anomaly_score'])];
  const { cond, order, params } = pageSql(fq);
  params.push(fq.limit + 1);
  const r = await query(a, `SELECT ${selectList(fetch)} FROM "${view}" WHERE ${cond} ORDER BY ${order} LIMIT $${params.length}`, params);
  const more = r.rows.length > fq.limit;
  const rows = more ? r.rows.slice(0, fq.limit) : r.rows;
  const last = rows[rows.length - 1];
  const next = more && last ? encodeCursor({ sort: fq.sort, key: (fq.sort === 'ts' ? last.ts : last.anomaly_score) as string | number, uid: String(last.uid) }) : null;
  const extra = fetch.filter((c) => !cols.includes(c));
  if (extra.length) for (const row of rows) for (const c of extra) delete row[c];
  return { rows, next, columns: cols };
}

export async function countRows(a: Analysis, view: string, fq: FlowQuery): Promise<number> {
  const r = await query(a, `SELECT count(*)::BIGINT AS n FROM "${view}" WHERE ${fq.where}`, fq.params);
  return Number(r.rows[0]?.n ?? 0);
}

/**
 * Every column of one flow of the scores view (undefined when no such uid). `ts` (a list row has it)
 * lets DuckDB skip the row groups of other times instead of reading every uid.
 */
export async function flowByUid(a: Analysis, uid: string, ts?: string): Promise<Record<string, unknown> | undefined> {
  const all = '*';
  const r = ts === undefined
    ? await query(a, `SELECT ${all} FROM "scores" WHERE uid = $1 LIMIT 1`, [uid])
    : await query(a, `SELECT ${all} FROM "scores" WHERE ts = $2::TIMESTAMPTZ AND uid = $1 LIMIT 1`, [uid, ts]);
  return r.rows[0];
}
