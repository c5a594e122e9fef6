/**
 * The explorer's rows: one keyset page of the filtered scored flows and the number that match.
 * TEMPORARY bridge to the store's typed dashboard query until the API's filter parser
 * (src/server/filters.ts) lands; then this calls it, so the page and GET /api/v1/flows read a
 * query string the same way.
 */
import type { Store } from '../../store/index.ts';
import { flowPage, type FlowFilter, type PageCursor } from '../../store/dashboard.ts';

export interface FlowList {
  rows: Record<string, unknown>[];
  /** The `after` value of the next page. */
  next?: string;
  /** Rows matching the filters (all pages). */
  total: number;
}

function filterOf(q: URLSearchParams): FlowFilter {
  const f: FlowFilter = {};
  const one = (k: string): string | undefined => q.get(k) ?? undefined;
  if (one('service')) f.service = one('service');
  if (one('flag')) f.flag = one('flag');
  if (one('proto')) f.protocolType = one('proto');
  if (one('src')) f.srcIp = one('src');
  if (one('dst')) f.dstIp = one('dst');
  if (one('addr')) f.ip = one('addr');
  if (one('port')) f.dstPort = Number(one('port'));
  if (q.get('anomaly') === '1') f.isAnomaly = true;
  if (one('min_score')) f.minScore = Number(one('min_score'));
  if (one('from')) f.from = one('from');
  if (one('to')) f.to = one('to');
  if (one('cluster')) f.cluster = Number(one('cluster'));
  return f;
}

export async function listFlows(store: Store, q: URLSearchParams, limit: number): Promise<FlowList> {
  const filter = filterOf(q);
  const a = q.get('after');
  let after: PageCursor | undefined;
  if (a) {
    const i = a.lastIndexOf('|');
    after = { ts: a.slice(0, i), uid: a.slice(i + 1) };
  }
  const page = await flowPage(store, { filter, after, limit });
  const uids = page.rows.map((r) => r.uid);
  const full = uids.length ? (await store.query(`SELECT * EXCLUDE (pca_x, pca_y) FROM scores WHERE uid IN (${uids.map((_, i) => `$${i + 1}`).join(', ')}) ORDER BY ts, uid`, uids)).rows : [];
  const all = await flowPage(store, { filter, limit: 1_000_000_000 });
  return { rows: full, next: page.next ? `${page.next.ts}|${page.next.uid}` : undefined, total: all.rows.length };
}
