/**
 * The flow explorer (Arkime's session table, anomaly-first): the filters are the URL's query
 * string in the API's grammar, shown as removable chips; every value in the table narrows to it on
 * click or excludes it with ⊖; keyset paging (next page after the last row seen); a column chooser;
 * CSV export of the same filters through GET /api/v1/flows.csv.
 */
import { html, raw } from 'hono/html';
import type { PageAnalysis } from './deps.ts';
import { href, type Html, type PageOptions } from './layout.ts';
import { bytes, chips, f3, int, pivot, sevBadge, when } from './format.ts';
import { listFlows, type FlowList } from './flowlist.ts';

/** How a column shows and which filter a click on its value sets. */
interface ColumnDef {
  title: string;
  filter?: string;
  num?: boolean;
  show?: (v: unknown) => string;
}

export const COLUMNS: Record<string, ColumnDef> = {
  ts: { title: 'time (UTC)', show: when },
  uid: { title: 'uid' },
  src_ip: { title: 'source', filter: 'src' },
  src_port: { title: 'sport', num: true },
  dst_ip: { title: 'destination', filter: 'dst' },
  dst_port: { title: 'dport', filter: 'port', num: true },
  protocol_type: { title: 'proto', filter: 'proto' },
  service: { title: 'service', filter: 'service' },
  flag: { title: 'flag', filter: 'flag' },
  conn_state: { title: 'conn_state' },
  duration: { title: 'duration (s)', num: true, show: (v) => (typeof v === 'number' ? v.toFixed(3) : '') },
  src_bytes: { title: 'bytes out', num: true, show: bytes },
  dst_bytes: { title: 'bytes in', num: true, show: bytes },
  src_pkts: { title: 'pkts out', num: true, show: int },
  dst_pkts: { title: 'pkts in', num: true, show: int },
  cluster: { title: 'cluster', filter: 'cluster', num: true },
  distance: { title: 'distance', num: true, show: f3 },
  anomaly_score: { title: 'score', num: true, show: f3 },
  severity: { title: 'sev' },
  reasons: { title: 'why' },
  label: { title: 'label', filter: 'label' },
  category: { title: 'category' },
  community_id: { title: 'Community ID' },
  incident_id: { title: 'incident', filter: 'incident' },
  num_failed_logins: { title: 'failed logins', num: true },
};

/** What the table shows unless ?columns= says otherwise: fits 1280 px with the reasons readable. */
export const DEFAULT_COLUMNS = ['ts', 'src_ip', 'dst_ip', 'dst_port', 'protocol_type', 'service', 'flag', 'src_bytes', 'dst_bytes', 'cluster', 'anomaly_score', 'severity', 'label', 'reasons'];

const FILTER_FIELDS: { key: string; label: string; placeholder: string; type?: string }[] = [
  { key: 'from', label: 'from', placeholder: 'e.g. 2023-11-14T22:13Z' },
  { key: 'to', label: 'to', placeholder: 'ISO time or epoch s' },
  { key: 'addr', label: 'address', placeholder: 'e.g. 10.0.0.0/8' },
  { key: 'port', label: 'port', placeholder: 'e.g. 443' },
  { key: 'service', label: 'service', placeholder: 'e.g. http' },
  { key: 'flag', label: 'flag', placeholder: 'e.g. S0' },
  { key: 'proto', label: 'proto', placeholder: 'e.g. tcp' },
  { key: 'cluster', label: 'cluster', placeholder: 'e.g. 3' },
  { key: 'min_score', label: 'score ≥', placeholder: 'e.g. 1' },
  { key: 'max_score', label: 'score ≤', placeholder: '' },
  { key: 'label', label: 'label', placeholder: 'e.g. normal' },
];

/** The columns the view asks for (?columns=a,b or repeated), those the data has, in a stable order. */
export function chosenColumns(q: URLSearchParams, available: Set<string>, labeled = true): string[] {
  const asked = q.getAll('columns').flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  const list = asked.length ? asked : DEFAULT_COLUMNS.filter((c) => c !== 'label' || labeled);
  return list.filter((c, i) => COLUMNS[c] && available.has(c) && list.indexOf(c) === i);
}

function cell(col: string, r: Record<string, unknown>, q: URLSearchParams, a: PageOptions['analysis'], day?: string): Html {
  const def = COLUMNS[col]!;
  const v = r[col];
  if (col === 'reasons') {
    const rs = Array.isArray(v) ? (v as { text?: string }[]) : [];
    return html`<td class="why">${r.is_anomaly ? rs.map((x) => x.text ?? '').filter(Boolean).join(' · ') : ''}</td>`;
  }
  if (col === 'severity') return html`<td>${sevBadge(v)}</td>`;
  if (col === 'uid' || col === 'ts') {
    const uid = String(r.uid ?? '');
    const t = when(v);
    const shown = col === 'uid' ? uid : day && t.startsWith(day) ? t.slice(day.length + 1) : t;
    return html`<td class="nowrap"><a href="${href(`/flows/${encodeURIComponent(uid)}`, a)}" title="${col === 'ts' ? `${t} UTC: ` : ''}every column of this flow">${shown}</a></td>`;
  }
  const shown = def.show ? def.show(v) : v === null || v === undefined ? '' : String(v);
  const cls = def.num ? 'num' : '';
  if (def.filter && v !== null && v !== undefined && v !== '') return html`<td class="${cls}">${pivot('/flows', q, def.filter, v, shown)}</td>`;
  return html`<td class="${cls}">${shown}</td>`;
}

export async function flowsPage(an: PageAnalysis, q: URLSearchParams, a: PageOptions['analysis'], maxPage: number): Promise<{ body: Html; sub: string; status?: 400 }> {
  const available = new Set(an.store.views.find((v) => v.name === 'scores')?.columns.map((c) => c.name) ?? []);
  const labeled = available.has('label') && Number((await an.store.query('SELECT count(label)::INTEGER AS n FROM scores')).rows[0]?.n ?? 0) > 0;
  const cols = chosenColumns(q, available, labeled);
  let list: FlowList;
  let problem: string | undefined;
  try {
    list = await listFlows(an, q, cols, maxPage);
  } catch (e) {
    // a bad filter value: the page stays, with the API's message and the chips to remove it
    if ((e as { status?: number }).status !== 400) throw e;
    problem = (e as Error).message;
    list = { rows: [], total: 0, sort: 'ts', limit: 100 };
  }
  const limit = list.limit;
  // the form keeps every current parameter; its visible fields add to them
  const keep = [...q].filter(([k]) => k !== 'after');
  const form = html`<form class="filters" method="get" action="/flows" data-strip-empty>
${keep.map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}
${FILTER_FIELDS.map((f) => html`<label>${f.label}<input name="${f.key}" placeholder="${f.placeholder}" size="${f.key === 'from' || f.key === 'to' ? 20 : f.key === 'addr' ? 16 : 7}"></label>`)}
<label class="check"><input type="checkbox" name="anomaly" value="1"${q.get('anomaly') === '1' ? raw(' checked disabled') : ''}>anomalies only</label>
<button type="submit">add filters</button>
<span class="note">prefix a value with ! to exclude it; a repeated field matches any of its values</span>
</form>`;
  const apiQ = new URLSearchParams([...q].filter(([k]) => k !== 'after' && k !== 'limit'));
  apiQ.set('columns', cols.join(','));
  const csv = `/api/v1/flows.csv?${apiQ.toString()}`;
  const chooser = html`<details class="columns"><summary>columns (${cols.length})</summary><form method="get" action="/flows" data-join-columns>
${keep.filter(([k]) => k !== 'columns').map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}
<div class="colgrid">${Object.entries(COLUMNS).filter(([c]) => available.has(c)).map(([c, d]) => html`<label><input type="checkbox" name="columns" value="${c}"${cols.includes(c) ? raw(' checked') : ''}>${d.title}</label>`)}</div>
<button type="submit">show these columns</button></form></details>`;
  const first = new URLSearchParams(q);
  first.delete('after');
  const nextQ = new URLSearchParams(q);
  if (list.next) nextQ.set('after', list.next);
  const pager = html`<nav class="pager">${q.has('after') ? html`<a href="/flows${first.toString() ? `?${first.toString()}` : ''}">⇤ first page</a>` : ''}${list.next ? html`<a rel="next" href="/flows?${nextQ.toString()}">next ${limit} →</a>` : html`<span class="note">end of the list</span>`}</nav>`;
  // one day on the page: the time column shows the time of day and its header the date
  const days = new Set(list.rows.map((r) => when(r.ts).slice(0, 10)));
  const day = days.size === 1 ? [...days][0] : undefined;
  const head = (c: string): string => (c === 'ts' && day ? `time (UTC, ${day})` : COLUMNS[c]!.title);
  const table = list.rows.length
    ? html`<div class="tablewrap"><table class="flows"><thead><tr>${cols.map((c) => html`<th${COLUMNS[c]!.num ? raw(' class="num"') : ''} scope="col">${head(c)}</th>`)}</tr></thead><tbody>
${list.rows.map((r) => html`<tr${r.is_anomaly ? raw(' class="anomalous"') : ''} data-uid="${String(r.uid ?? '')}">${cols.map((c) => cell(c, r, q, a, day))}</tr>`)}
</tbody></table></div>`
    : html`<p class="absent">No flow matches these filters.</p>`;
  const sortQ = (k: 'ts' | 'score'): string => {
    const n = new URLSearchParams(q);
    n.delete('after');
    if (k === 'ts') n.delete('sort');
    else n.set('sort', k);
    const t = n.toString();
    return `/flows${t ? `?${t}` : ''}`;
  };
  const sort = html`<span class="sort">order: ${list.sort === 'ts' ? html`<b>time</b>` : html`<a href="${sortQ('ts')}">time</a>`} · ${list.sort === 'score' ? html`<b>most anomalous first</b>` : html`<a href="${sortQ('score')}">most anomalous first</a>`}</span>`;
  const body = html`${chips('/flows', q)}${form}${problem ? html`<p class="error" role="alert" id="filter-error">${problem}</p>` : ''}<div class="toolbar"><span><b>${int(list.total)}</b> flows match</span>${sort}${chooser}<a class="button" href="${csv}" download>export CSV</a>${pager}</div>${table}${list.rows.length ? pager : ''}`;
  return { ...(problem ? { status: 400 as const } : {}), body, sub: 'Click a value to keep only it, ⊖ to exclude it; the filters are in the URL (bookmark it, or use the same query with /api/v1/flows).' };
}
