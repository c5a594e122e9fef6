/**
 * The dashboard's typical queries over a store's scored flows, typed: top anomalies, counts per
 * hour, service × flag, a page of a filtered flow list (keyset paging on (ts, uid): the next page
 * starts after the last row seen, so page 10,000 costs what page 1 does — no deep OFFSET), one flow
 * by uid, the score histogram. Every value is a $n parameter, never spliced into the SQL.
 */
import { UsageError } from '../errors.ts';
import type { Param, Store } from './store.ts';

/** Filters of the flow list (all optional, combined with AND). */
export interface FlowFilter {
  service?: string;
  flag?: string;
  protocolType?: string;
  srcIp?: string;
  dstIp?: string;
  /** Either end's address. */
  ip?: string;
  dstPort?: number;
  isAnomaly?: boolean;
  minScore?: number;
  /** ISO-8601 time range [from, to). */
  from?: string;
  to?: string;
  /** Nearest centroid. */
  cluster?: number;
}

/** The columns a list row carries. */
export const LIST_COLUMNS = ['ts', 'uid', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'protocol_type', 'service', 'flag', 'cluster', 'anomaly_score', 'is_anomaly', 'severity', 'label'] as const;

export interface FlowRow {
  ts: string;
  uid: string;
  src_ip: string | null;
  src_port: number | null;
  dst_ip: string | null;
  dst_port: number | null;
  protocol_type: string | null;
  service: string | null;
  flag: string | null;
  cluster: number;
  anomaly_score: number;
  is_anomaly: boolean;
  severity: number | null;
  label: string | null;
}

export interface AnomalyRow extends FlowRow {
  reasons: { feature: string; value: number | null; value_text: string | null; typical: number | null; typical_text: string | null; share: number; z: number | null; text: string }[];
}

/** Where a keyset page ends: pass it back as `after` for the next page. */
export interface PageCursor {
  ts: string;
  uid: string;
}

function viewOf(store: Store, wanted: string): string {
  if (!store.views.some((v) => v.name === wanted)) {
    throw new UsageError(`no ${wanted} view in this store (views: ${store.views.map((v) => v.name).join(', ') || 'none'})`);
  }
  return `"${wanted}"`;
}

function listColumns(store: Store, view: string): string {
  const have = new Set(store.views.find((v) => `"${v.name}"` === view)!.columns.map((c) => c.name));
  return LIST_COLUMNS.map((c) => (have.has(c) ? `"${c}"` : `NULL AS "${c}"`)).join(', ');
}

/** WHERE clause and parameters of a filter (parameters numbered from `first`). */
function where(f: FlowFilter, params: Param[]): string {
  const conds: string[] = [];
  const p = (v: Param): string => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.service !== undefined) conds.push(`service = ${p(f.service)}`);
  if (f.flag !== undefined) conds.push(`flag = ${p(f.flag)}`);
  if (f.protocolType !== undefined) conds.push(`protocol_type = ${p(f.protocolType)}`);
  if (f.srcIp !== undefined) conds.push(`src_ip = ${p(f.srcIp)}`);
  if (f.dstIp !== undefined) conds.push(`dst_ip = ${p(f.dstIp)}`);
  if (f.ip !== undefined) {
    const x = p(f.ip);
    conds.push(`(src_ip = ${x} OR dst_ip = ${x})`);
  }
  if (f.dstPort !== undefined) conds.push(`dst_port = ${p(f.dstPort)}`);
  if (f.isAnomaly !== undefined) conds.push(`is_anomaly = ${p(f.isAnomaly)}`);
  if (f.minScore !== undefined) conds.push(`anomaly_score >= ${p(f.minScore)}`);
  if (f.from !== undefined) conds.push(`ts >= ${p(f.from)}::TIMESTAMPTZ`);
  if (f.to !== undefined) conds.push(`ts < ${p(f.to)}::TIMESTAMPTZ`);
  if (f.cluster !== undefined) conds.push(`"cluster" = ${p(f.cluster)}`);
  return conds.length ? conds.join(' AND ') : 'true';
}

/** The most anomalous flows (from the anomalies view when there is one), optionally of one service. */
export async function topAnomalies(store: Store, opts: { service?: string; limit?: number } = {}): Promise<AnomalyRow[]> {
  const hasAnomalies = store.views.some((v) => v.name === 'anomalies');
  const view = viewOf(store, hasAnomalies ? 'anomalies' : 'scores');
  const params: Param[] = [];
  const cond = where({ service: opts.service, isAnomaly: hasAnomalies ? undefined : true }, params);
  params.push(opts.limit ?? 100);
  const r = await store.query(`SELECT ${listColumns(store, view)}, reasons FROM ${view} WHERE ${cond} ORDER BY anomaly_score DESC, uid LIMIT $${params.length}`, params);
  return r.rows as unknown as AnomalyRow[];
}

/** Flows and anomalies per hour (UTC), in time order. */
export async function countsPerHour(store: Store, filter: FlowFilter = {}): Promise<{ hour: string; flows: number; anomalies: number }[]> {
  const view = viewOf(store, 'scores');
  const params: Param[] = [];
  const r = await store.query(
    // epoch arithmetic: date_trunc on a TIMESTAMPTZ goes through ICU's calendar, 10× slower
    `SELECT make_timestamp(h * 3600000000)::TIMESTAMPTZ AS hour, flows, anomalies FROM (
       SELECT epoch_us(ts) // 3600000000 AS h, count(*)::INTEGER AS flows, count(*) FILTER (WHERE is_anomaly)::INTEGER AS anomalies
       FROM ${view} WHERE ${where(filter, params)} GROUP BY 1) ORDER BY h`,
    params,
  );
  return r.rows as { hour: string; flows: number; anomalies: number }[];
}

/** Flows and anomalies per (service, flag), largest first. */
export async function serviceByFlag(store: Store, filter: FlowFilter = {}): Promise<{ service: string; flag: string; flows: number; anomalies: number }[]> {
  const view = viewOf(store, 'scores');
  const params: Param[] = [];
  const r = await store.query(
    `SELECT service, flag, count(*)::INTEGER AS flows, count(*) FILTER (WHERE is_anomaly)::INTEGER AS anomalies FROM ${view} WHERE ${where(filter, params)} GROUP BY 1, 2 ORDER BY flows DESC, 1, 2`,
    params,
  );
  return r.rows as { service: string; flag: string; flows: number; anomalies: number }[];
}

/** One page of the filtered flow list in (ts, uid) order, starting after `after`. */
export async function flowPage(store: Store, opts: { filter?: FlowFilter; after?: PageCursor; limit?: number } = {}): Promise<{ rows: FlowRow[]; next?: PageCursor }> {
  const view = viewOf(store, 'scores');
  const params: Param[] = [];
  let cond = where(opts.filter ?? {}, params);
  if (opts.after) {
    params.push(opts.after.ts, opts.after.uid);
    const t = `$${params.length - 1}::TIMESTAMPTZ`;
    cond += ` AND (ts > ${t} OR (ts = ${t} AND uid > $${params.length}))`;
  }
  const limit = opts.limit ?? 50;
  params.push(limit);
  const r = await store.query(`SELECT ${listColumns(store, view)} FROM ${view} WHERE ${cond} ORDER BY ts, uid LIMIT $${params.length}`, params);
  const rows = r.rows as unknown as FlowRow[];
  const last = rows[rows.length - 1];
  return { rows, next: rows.length === limit && last ? { ts: last.ts, uid: last.uid } : undefined };
}

/**
 * Every column of one flow, by uid (undefined when absent). `ts`, when the caller knows it (a list
 * row does), lets DuckDB skip every row group whose time range excludes it instead of scanning uids.
 */
export async function flowByUid(store: Store, uid: string, opts: { ts?: string } = {}): Promise<Record<string, unknown> | undefined> {
  const view = viewOf(store, 'scores');
  const r = opts.ts === undefined
    ? await store.query(`SELECT * FROM ${view} WHERE uid = $1 LIMIT 1`, [uid])
    : await store.query(`SELECT * FROM ${view} WHERE ts = $2::TIMESTAMPTZ AND uid = $1 LIMIT 1`, [uid, opts.ts]);
  return r.rows[0];
}

/**
 * Histogram of anomaly_score: `bins` equal bins over [0, max], flows and anomalies per bin (empty
 * bins included).
 */
export async function scoreHistogram(store: Store, opts: { bins?: number; filter?: FlowFilter } = {}): Promise<{ lo: number; hi: number; flows: number; anomalies: number }[]> {
  const view = viewOf(store, 'scores');
  const bins = opts.bins ?? 50;
  if (!Number.isInteger(bins) || bins < 1) throw new UsageError(`bins must be an integer ≥ 1, got ${String(bins)}`);
  const params: Param[] = [];
  const cond = where(opts.filter ?? {}, params);
  params.push(bins);
  const n = `$${params.length}`;
  const r = await store.query(
    `WITH s AS (SELECT anomaly_score AS x, is_anomaly FROM ${view} WHERE ${cond} AND isfinite(anomaly_score)),
          m AS (SELECT greatest(max(x), 1e-9) AS top FROM s),
          b AS (SELECT least(${n}::INTEGER - 1, floor(x / m.top * ${n}::INTEGER)::INTEGER) AS bin, count(*)::INTEGER AS flows,
                       count(*) FILTER (WHERE is_anomaly)::INTEGER AS anomalies FROM s, m GROUP BY 1)
     SELECT g.bin * m.top / ${n}::INTEGER AS lo, (g.bin + 1) * m.top / ${n}::INTEGER AS hi, coalesce(b.flows, 0) AS flows, coalesce(b.anomalies, 0) AS anomalies
     FROM m, range(${n}::INTEGER) g(bin) LEFT JOIN b ON b.bin = g.bin ORDER BY g.bin`,
    params,
  );
  return r.rows as { lo: number; hi: number; flows: number; anomalies: number }[];
}
