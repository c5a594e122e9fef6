/**
 * The incidents inbox (EveBox's alert inbox, for anomaly groups): ranked as analyze ranked them,
 * grouped by kind, each with first / last seen, its counts and its triage state. Acknowledge and
 * escalate go through the REST API (PATCH /api/v1/incidents/:id), which persists them beside the
 * analysis; the list filters by kind and by state. A row opens to the incident's details: who,
 * against what, why, the Wireshark filter and its flows in the explorer.
 */
import { html, raw } from 'hono/html';
import type { PageAnalysis, PagesDeps, TriageEntry, TriageStatus } from './deps.ts';
import { href, type Html, type PageOptions } from './layout.ts';
import { bytes, f3, int, sevBadge, span, when } from './format.ts';
import { incidentIds, incidentKinds, incidentsById, type IncidentRow } from './queries.ts';

const STATUSES: TriageStatus[] = ['new', 'acknowledged', 'escalated'];
/** Incidents per page (a large analysis has thousands). */
const PAGE = 200;

/** A counted list ({value, flows}[]) as "a (3), b (1)". */
function counted(v: unknown): string {
  if (!Array.isArray(v)) return v === null || v === undefined ? '' : String(v);
  return v.map((x) => (typeof x === 'object' && x !== null && 'value' in x ? `${String((x as { value: unknown }).value)} (${String((x as { flows?: unknown }).flows ?? '')})` : String(x))).join(', ');
}

/** The last-seen time without its date when the first seen has the same one. */
function sameDay(first: string, last: string): string {
  return first.slice(0, 10) === last.slice(0, 10) ? last.slice(11) : last;
}

function statusBadge(t: TriageEntry | undefined): Html {
  const st = t?.status ?? 'new';
  return html`<span class="status st-${st}" data-status="${st}" title="${t?.at ? `${st} ${t.at}${t.by ? ` by ${t.by}` : ''}` : st}">${st}</span>`;
}

function row(i: IncidentRow, t: TriageEntry | undefined, a: PageOptions['analysis']): Html {
  const id = String(i.incident_id);
  const flowsHref = href('/flows', a, new URLSearchParams({ incident: id }));
  const uids = Array.isArray(i.example_uids) ? (i.example_uids as unknown[]).map(String) : [];
  const st = t?.status ?? 'new';
  const dur = typeof i.duration === 'number' ? span(i.duration) : '';
  return html`<tbody class="inc inc-${st}" id="${id}" data-incident="${id}">
<tr class="main"><td class="num">${i.rank}</td><td>${sevBadge(i.severity)}</td><td class="status-cell">${statusBadge(t)}</td><td><span class="kind">${i.kind}</span></td>
<td class="title"><a class="toggle" href="#${id}" title="details">${i.title}</a></td>
<td class="nowrap">${when(i.first_seen)}</td><td class="nowrap">${sameDay(when(i.first_seen), when(i.last_seen))}</td><td class="num">${dur}</td>
<td class="num"><a href="${flowsHref}" title="this incident's flows in the explorer">${int(i.flows)}</a></td><td class="num">${f3(i.score_max)}</td>
<td class="actions">${STATUSES.filter((s) => s !== 'new').map((s) => html`<button type="button" class="triage" data-set="${s}"${s === st ? raw(' disabled') : ''}>${s === 'acknowledged' ? 'ack' : 'escalate'}</button>`)}<button type="button" class="triage reset" data-set="new"${st === 'new' ? raw(' disabled') : ''} title="back to new">↺</button></td></tr>
<tr class="more"><td></td><td colspan="10"><dl class="facts small wide">
${i.technique ? html`<dt>ATT&amp;CK</dt><dd>${String(i.technique)} ${i.technique_name ? String(i.technique_name) : ''}${i.tactic ? ` (${String(i.tactic)})` : ''}</dd>` : ''}
<dt>sources</dt><dd>${int(i.sources)}: ${counted(i.top_sources)}</dd>
<dt>destinations</dt><dd>${int(i.destinations)}: ${counted(i.top_destinations)}</dd>
<dt>ports</dt><dd>${int(i.dst_ports)}: ${counted(i.top_dst_ports)}</dd>
<dt>services</dt><dd>${counted(i.top_services)}</dd>
<dt>flags</dt><dd>${counted(i.flag_mix)}</dd>
<dt>why</dt><dd>${counted(i.top_reasons)}</dd>
<dt>traffic</dt><dd>${int(i.packets)} packets, ${bytes(i.bytes)}; score max ${f3(i.score_max)}, mean ${f3(i.score_mean)}</dd>
${uids.length ? html`<dt>example flows</dt><dd>${uids.map((u) => html`<a class="uid" href="${href(`/flows/${encodeURIComponent(u)}`, a)}">${u}</a> `)} · <a href="${flowsHref}">all ${int(i.flows)} →</a></dd>` : ''}
${i.wireshark_filter ? html`<dt class="row">Wireshark</dt><dd class="span3"><code class="filter">${String(i.wireshark_filter)}</code> <button type="button" class="copy" data-copy="${String(i.wireshark_filter)}">copy</button></dd>` : ''}
${t?.note ? html`<dt>note</dt><dd>${t.note}</dd>` : ''}
</dl></td></tr>
</tbody>`;
}

export async function incidentsPage(an: PageAnalysis, deps: PagesDeps, q: URLSearchParams, a: PageOptions['analysis']): Promise<{ body: Html; sub: string }> {
  const store = an.store;
  const kind = q.get('kind') ?? undefined;
  const status = q.get('status') ?? 'all';
  const kinds = await incidentKinds(store);
  // every incident's id and rank (small), their triage states, then one page of full rows by rank
  const ids = await incidentIds(store, kind);
  const states = new Map<string, TriageEntry | undefined>();
  for (const x of ids) states.set(x.id, await deps.triage(an.name, x.id));
  const counts: Record<string, number> = { all: ids.length, new: 0, acknowledged: 0, escalated: 0 };
  for (const t of states.values()) counts[t?.status ?? 'new']!++;
  const matching = ids.filter((x) => status === 'all' || (states.get(x.id)?.status ?? 'new') === status);
  const after = Number(q.get('after') ?? 0) || 0;
  const pageIds = matching.filter((x) => x.rank > after).slice(0, PAGE);
  const rows = await incidentsById(store, pageIds.map((x) => x.id));
  const shown = rows.map((r) => [r, states.get(String(r.incident_id))] as const);
  const more = matching.filter((x) => x.rank > after).length > PAGE;
  const link = (k: string | undefined, s: string): string => {
    const n = new URLSearchParams();
    if (k) n.set('kind', k);
    if (s !== 'all') n.set('status', s);
    return href('/incidents', a, n);
  };
  const total = kinds.reduce((t, k) => t + k.n, 0);
  const kindBar = html`<nav class="groups" aria-label="incident kinds"><a href="${link(undefined, status)}"${!kind ? raw(' aria-current="true"') : ''}>all kinds <b>${int(total)}</b></a>${kinds.map((k) => html`<a href="${link(k.kind, status)}"${k.kind === kind ? raw(' aria-current="true"') : ''}>${k.kind} <b>${int(k.n)}</b>${k.high ? html` <span class="sev sev1">${int(k.high)} high</span>` : ''}</a>`)}</nav>`;
  const statusBar = html`<nav class="groups states" aria-label="triage state">${['all', ...STATUSES].map((s) => html`<a href="${link(kind, s)}"${s === status ? raw(' aria-current="true"') : ''}>${s} <b data-count="${s}">${int(counts[s] ?? 0)}</b></a>`)}</nav>`;
  const table = shown.length
    ? html`<div class="tablewrap"><table class="incidents" data-analysis="${an.name}"><thead><tr><th class="num">#</th><th>sev</th><th>state</th><th>kind</th><th>what happened <span class="note">(click for details)</span></th><th>first seen (UTC)</th><th>last seen</th><th class="num">lasted</th><th class="num">flows</th><th class="num">score</th><th>triage</th></tr></thead>
${shown.map(([r, t]) => row(r, t, a))}
</table></div>`
    : html`<p class="absent">${store.views.some((v) => v.name === 'incidents') ? 'No incident matches.' : 'This analysis has no incidents file (incidents.jsonl).'}</p>`;
  const nextQ = new URLSearchParams(q);
  const lastRank = pageIds[pageIds.length - 1]?.rank;
  if (lastRank !== undefined) nextQ.set('after', String(lastRank));
  const firstQ = new URLSearchParams(q);
  firstQ.delete('after');
  const pager = html`<nav class="pager">${after ? html`<a href="/incidents${firstQ.toString() ? `?${firstQ.toString()}` : ''}">⇤ first page</a>` : ''}${more ? html`<a rel="next" href="/incidents?${nextQ.toString()}">next ${PAGE} →</a>` : ''}</nav>`;
  const body = html`${kindBar}${statusBar}<p class="note" id="triage-msg" role="status"></p>${table}${pager}`;
  return { body, sub: `${int(matching.length)} of ${int(total)} incidents${matching.length > PAGE ? ` (${PAGE} a page)` : ''}, ranked as analyze ranked them (severity, then size); acknowledge or escalate each — the state is saved beside the analysis.` };
}
