/**
 * The explorer's rows: the page's query string read by the API's own filter parser
 * (src/server/filters.ts), so the page, GET /api/v1/flows and the CSV export can never disagree;
 * one keyset page of the scores view and the number of rows that match.
 */
import { parseFlowQuery, type QueryValues } from '../filters.ts';
import { countRows, flowPage, viewColumns } from '../queries.ts';
import type { PageAnalysis } from './deps.ts';

export interface FlowList {
  rows: Record<string, unknown>[];
  /** The `after` value of the next page. */
  next?: string;
  /** Rows matching the filters (all pages). */
  total: number;
  sort: 'ts' | 'score';
  limit: number;
}

/** Columns every row needs besides the shown ones: its link, its highlight, its reasons. */
const ALWAYS = ['uid', 'is_anomaly'];

export async function listFlows(an: PageAnalysis, q: URLSearchParams, columns: string[], maxPage: number): Promise<FlowList> {
  const a = an.api;
  const values: QueryValues = {};
  for (const [k, v] of q) if (k !== 'columns') (values[k] ??= []).push(v);
  const have = viewColumns(a, 'scores');
  const fq = parseFlowQuery(values, { columns: have, defaultSort: 'ts', defaultLimit: 100, maxLimit: maxPage });
  fq.columns = [...new Set([...columns, ...ALWAYS.filter((c) => have.includes(c))])];
  const page = await flowPage(a, 'scores', fq, fq.columns);
  const total = await countRows(a, 'scores', fq);
  return { rows: page.rows, next: page.next ?? undefined, total, sort: fq.sort, limit: fq.limit };
}
