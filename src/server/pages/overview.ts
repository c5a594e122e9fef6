/**
 * Overview: what happened, anomalies first — the counts, flows / anomalies / incidents over time,
 * the highest-ranked incidents, the top services, flags, talkers and ports (most anomalous first;
 * each value opens the explorer filtered to it) and the model in a few lines.
 */
import { html } from 'hono/html';
import type { PageAnalysis } from './deps.ts';
import { href, type Html, type PageOptions } from './layout.ts';
import { bytes, f3, int, sevBadge, span, when } from './format.ts';
import { incidents, summary, timeline, top, TOP_FIELDS, type Summary, type TopField } from './queries.ts';
import { timelineSpec } from '../../report/charts/traffic.ts';
import { figure } from './charts.ts';
import { describeDetector } from '../../model/model-file.ts';

const pct = (a: number, b: number): string => (b ? `${((100 * a) / b).toFixed(1)} %` : '0 %');

function kpi(value: string, label: string, cls = ''): Html {
  return html`<div class="kpi ${cls}"><b>${value}</b><span>${label}</span></div>`;
}

function topTable(field: TopField, rows: Awaited<ReturnType<typeof top>>, a: PageOptions['analysis']): Html {
  const f = TOP_FIELDS[field];
  const max = Math.max(1, ...rows.map((r) => r.flows));
  const link = (v: string, anomaly = false): string => {
    const q = new URLSearchParams();
    q.set(f.filter, v);
    if (anomaly) q.set('anomaly', '1');
    return href('/flows', a, q);
  };
  return html`<section class="card top" id="top-${field}"><h3>${f.title}</h3>
<table class="compact"><thead><tr><th>${field}</th><th class="num">anomalies</th><th class="num">flows</th>${rows[0]?.bytes !== undefined ? html`<th class="num">bytes</th>` : ''}</tr></thead><tbody>
${rows.map((r) => html`<tr><td><a href="${link(r.value)}">${r.value}</a><span class="bar" style="width:${Math.round((40 * r.flows) / max)}px"></span></td><td class="num">${r.anomalies ? html`<a class="anom" href="${link(r.value, true)}">${int(r.anomalies)}</a>` : '0'}</td><td class="num">${int(r.flows)}</td>${r.bytes !== undefined ? html`<td class="num">${bytes(r.bytes)}</td>` : ''}</tr>`)}
</tbody></table></section>`;
}

export async function overviewPage(an: PageAnalysis, a: PageOptions['analysis']): Promise<{ body: Html; specs: Record<string, unknown>; sub: string }> {
  const store = an.store;
  const s: Summary = await summary(store);
  const tl = await timeline(store, s);
  const fields: TopField[] = ['service', 'flag', 'src_ip', 'dst_ip', 'dst_port'];
  if (s.labeled > 0) fields.push('label');
  // one statement at a time: a DuckDB connection runs them in turn anyway
  const tops: (readonly [TopField, Awaited<ReturnType<typeof top>>])[] = [];
  for (const f of fields) tops.push([f, await top(store, f)] as const);
  const inc = await incidents(store, { limit: 8 });
  const m = an.model;
  const specs: Record<string, unknown> = {};
  let tlFig: Html = html``;
  if (tl) {
    // usermeta tells the client script the buckets, so a click on a step opens its flows
    specs.timeline = { ...timelineSpec(tl.buckets, tl.label, { log: true }), width: 'container', usermeta: { explore: { startMs: tl.buckets[0]!.t, bucketMs: tl.seconds * 1000, buckets: tl.buckets.length } } };
    const peak = tl.buckets.reduce((p, b) => (b.anomalies > p.anomalies ? b : p), tl.buckets[0]!);
    tlFig = figure('timeline', `One step per ${tl.label}. ${peak.anomalies ? `Most anomalies in one ${tl.label}: ${int(peak.anomalies)}, from ${when(peak.t / 1000)} UTC.` : 'No anomalies.'} Click a step to list its flows; drag to pan, scroll to zoom.`, 'wide');
  }
  const incHref = href('/incidents', a);
  const incTable = inc.length
    ? html`<table class="compact"><thead><tr><th class="num">#</th><th>sev</th><th>kind</th><th>what happened</th><th>first seen (UTC)</th><th class="num">flows</th></tr></thead><tbody>
${inc.map((i) => html`<tr><td class="num">${i.rank}</td><td>${sevBadge(i.severity)}</td><td>${i.kind}</td><td><a href="${href('/incidents', a, new URLSearchParams({ focus: String(i.incident_id) }))}#${String(i.incident_id)}">${i.title}</a></td><td class="nowrap">${when(i.first_seen)}</td><td class="num">${int(i.flows)}</td></tr>`)}
</tbody></table><p class="more"><a href="${incHref}">all ${int(s.incidents ?? inc.length)} incidents →</a></p>`
    : html`<p class="absent">${s.incidents === undefined ? 'This analysis has no incidents file (incidents.jsonl): analyze groups anomalous flows into incidents.' : 'No incidents: no anomalous flows were grouped.'}</p>`;
  const model = m
    ? html`<dl class="facts">
<dt>detector</dt><dd>${describeDetector(m)}</dd>
<dt>clusters</dt><dd>k = ${m.kmeans.k} (${m.kSelection.method === 'fixed' ? 'fixed' : `chosen by ${m.kSelection.method}`})</dd>
<dt>threshold</dt><dd>${m.thresholds.spec} of the training distances (${m.thresholds.rule.scope}), distance ${f3(m.thresholds.global)} = anomaly_score 1</dd>
<dt>features</dt><dd>${m.features.length} (${m.preprocessing.numeric.length} numeric, ${m.preprocessing.categorical.length} categorical)</dd>
<dt>trained on</dt><dd>${m.training.sources.join(', ')}: ${int(m.training.rows)} flows${m.training.trainOn ? ` labeled ${m.training.trainOn}` : ''}, seed ${m.training.seed}</dd>
<dt>created</dt><dd>${when(m.createdAt)} UTC by flowsift ${m.flowsiftVersion}</dd>
</dl><p class="more"><a href="${href('/model', a)}">curves, PCA plane, score histogram →</a></p>`
    : html`<p class="absent">No model.json beside this analysis.</p>`;
  const anomHref = href('/flows', a, new URLSearchParams({ anomaly: '1' }));
  const body = html`<div class="kpis">
${kpi(int(s.flows), 'flows')}
<a class="kpi anom" href="${anomHref}"><b>${int(s.anomalies)}</b><span>anomalies (${pct(s.anomalies, s.flows)})</span></a>
${s.incidents !== undefined ? html`<a class="kpi" href="${incHref}"><b>${int(s.incidents)}</b><span>incidents</span></a>` : ''}
${kpi(int(s.high), 'severity high (≥ 3× threshold)', s.high ? 'sev1' : '')}
${kpi(int(s.medium), 'severity medium (≥ 1.5×)')}
${kpi(int(s.low), 'severity low')}
${kpi(s.first !== undefined && s.last !== undefined ? span(s.last - s.first) : '–', s.first !== undefined ? 'time span' : 'no timestamps')}
</div>
${tlFig}
<div class="cols">
<section class="card" id="top-incidents"><h2>Top incidents</h2>${incTable}</section>
<section class="card" id="model-summary"><h2>Model</h2>${model}</section>
</div>
<h2>Top values <span class="note">most anomalous first; click a value for its flows, an anomaly count for its anomalies</span></h2>
<div class="tops">${tops.map(([f, rows]) => topTable(f, rows, a))}</div>`;
  const sub = `${int(s.flows)} flows · ${int(s.anomalies)} anomalies${s.incidents !== undefined ? ` · ${int(s.incidents)} incidents` : ''}${s.first !== undefined ? ` · ${when(s.first)} → ${when(s.last)} UTC` : ''}`;
  return { body, specs, sub };
}
