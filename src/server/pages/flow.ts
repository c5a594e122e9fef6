/**
 * One flow: its identity and verdict at the top, why it scored as it did (each reason against its
 * cluster's typical value, and what sets the cluster apart), the Wireshark display filter and the
 * Community ID to copy (pivot into Zeek, Suricata, Arkime), the flow's packets as a pcap when its
 * capture is at hand, and every column of the record.
 */
import { html } from 'hono/html';
import type { PageAnalysis } from './deps.ts';
import { href, type Html, type PageOptions } from './layout.ts';
import { bytes, f3, int, pivot, sevBadge, when } from './format.ts';
import { flowByUid } from '../../store/dashboard.ts';
import { flowFilter, flowIdentity } from '../../report/wireshark.ts';
import { RawTable } from '../../model/encode.ts';
import { Scorer } from '../../model/score.ts';
import type { ModelFile } from '../../model/model-file.ts';

const profileCache = new WeakMap<ModelFile, string[]>();

function profiles(m: ModelFile): string[] {
  let p = profileCache.get(m);
  if (!p) {
    const t = new RawTable(m.preprocessing.numeric.map((c) => c.name), m.preprocessing.categorical.map((c) => c.name));
    p = new Scorer(m, t).profiles(3);
    profileCache.set(m, p);
  }
  return p;
}

const plural = (n: number, w: string): string => `${int(n)} ${w}${n === 1 ? '' : 's'}`;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);


/** A reason's value: numbers to 4 significant decimals (the record keeps the exact ones). */
function short(v: unknown): string {
  if (typeof v === 'number' && !Number.isInteger(v)) return String(Number(v.toPrecision(4)));
  return value(v);
}

function value(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export async function flowPage(an: PageAnalysis, uid: string, a: PageOptions['analysis'], pcap: (r: Record<string, unknown>) => Promise<boolean> | boolean): Promise<{ body: Html; title: string; sub: Html } | undefined> {
  const r = await flowByUid(an.store, uid);
  if (!r) return undefined;
  const q = new URLSearchParams();
  if (a?.keep) q.set('analysis', a.name);
  const m = an.model;
  const cluster = num(r.cluster);
  const ws = flowFilter(flowIdentity(r));
  const reasons = Array.isArray(r.reasons) ? (r.reasons as Record<string, unknown>[]) : [];
  const canPcap = await pcap(r);
  const pcapHref = href(`/api/v1/flows/${encodeURIComponent(uid)}/pcap`, a);
  const incident = typeof r.incident_id === 'string' ? r.incident_id : undefined;
  const convQ = new URLSearchParams(q);
  if (typeof r.src_ip === 'string') convQ.append('addr', r.src_ip);
  if (typeof r.dst_ip === 'string') convQ.append('addr', r.dst_ip);
  const verdict = r.is_anomaly
    ? html`<span class="verdict anomalous">anomalous</span> ${sevBadge(r.severity)}`
    : html`<span class="verdict">normal</span>`;
  const proto = String(r.protocol_type ?? r.proto ?? '');
  const sub = html`${verdict} anomaly_score <b>${f3(r.anomaly_score)}</b> (distance ${f3(r.distance)} ÷ threshold ${f3(r.threshold)}) · ${proto} ${String(r.service ?? '')} ${String(r.flag ?? '')} · ${when(r.ts)} UTC`;
  const reasonTable = reasons.length
    ? html`<table class="compact reasons"><thead><tr><th>feature</th><th class="num">this flow</th><th class="num">cluster ${cluster ?? ''} typical</th><th class="num">share</th><th class="num">z</th></tr></thead><tbody>
${reasons.map((x) => html`<tr><td><b>${String(x.feature ?? '')}</b></td><td class="num">${short(x.value_text ?? x.value)}</td><td class="num">${short(x.typical_text ?? x.typical)}</td><td class="num"><span class="bar share" style="width:${Math.round(80 * (num(x.share) ?? 0))}px"></span>${num(x.share) !== undefined ? `${(100 * num(x.share)!).toFixed(1)} %` : ''}</td><td class="num">${num(x.z) !== undefined ? num(x.z)!.toFixed(2) : ''}</td></tr>`)}
</tbody></table>`
    : html`<p class="note">No reasons recorded for this flow.</p>`;
  const clusterFacts = m && cluster !== undefined
    ? html`<dl class="facts small"><dt>cluster ${cluster}</dt><dd>${profiles(m)[cluster] ?? ''}</dd>
<dt>its threshold</dt><dd>distance ${f3(m.thresholds.perCluster[cluster] ?? m.thresholds.global)} (${m.thresholds.spec}, ${m.thresholds.rule.scope})</dd>
<dt>training flows in it</dt><dd>${int(m.kmeans.clusterSizes[cluster] ?? 0)}</dd>
<dt>explore</dt><dd><a href="${href('/flows', a, new URLSearchParams({ cluster: String(cluster) }))}">this cluster's flows</a> · <a href="${href('/flows', a, new URLSearchParams({ cluster: String(cluster), anomaly: '1' }))}">its anomalies</a></dd></dl>`
    : html``;
  const pkts = [num(r.src_pkts), num(r.dst_pkts)];
  const tools = html`<dl class="facts">
<dt>flow</dt><dd>${pivot('/flows', q, 'addr', r.src_ip)}:${String(r.src_port ?? '')} → ${pivot('/flows', q, 'addr', r.dst_ip)}:${pivot('/flows', q, 'port', r.dst_port)} ${pivot('/flows', q, 'proto', r.protocol_type)} ${pivot('/flows', q, 'service', r.service)} ${pivot('/flows', q, 'flag', r.flag)}</dd>
<dt>size</dt><dd>${pkts[0] !== undefined ? `${plural(pkts[0], 'packet')} / ${bytes(num(r.src_bytes) ?? 0)} out, ${plural(pkts[1] ?? 0, 'packet')} / ${bytes(num(r.dst_bytes) ?? 0)} in` : `${bytes(num(r.src_bytes))} out, ${bytes(num(r.dst_bytes))} in`}${num(r.duration) !== undefined ? ` in ${num(r.duration)!.toFixed(3)} s` : ''}</dd>
${ws ? html`<dt>Wireshark filter</dt><dd><code class="filter" id="wireshark-filter">${ws}</code> <button type="button" class="copy" data-copy="${ws}">copy</button></dd>` : ''}
${r.community_id ? html`<dt>Community ID</dt><dd><code id="community-id">${String(r.community_id)}</code> <button type="button" class="copy" data-copy="${String(r.community_id)}">copy</button> <span class="note">the same id Zeek, Suricata and Arkime give this connection</span></dd>` : ''}
<dt>uid</dt><dd><code>${uid}</code></dd>
<dt>packets</dt><dd>${canPcap ? html`<a class="button" id="pcap-link" href="${pcapHref}" download="${`${uid}.pcap`}">download this flow's packets (pcap)</a>` : html`<span class="note">the source capture is not at hand on this server, so its packets cannot be cut out; open the capture in Wireshark with the filter above</span>`}</dd>
<dt>pivot</dt><dd><a href="${href('/flows', a, convQ)}">flows of either host</a>${r.community_id ? html` · <a href="${href('/flows', a, new URLSearchParams({ community_id: String(r.community_id) }))}">same Community ID</a>` : ''}${incident ? html` · <a href="${href('/incidents', a)}#${incident}">its incident ${incident}</a> · <a href="${href('/flows', a, new URLSearchParams({ incident }))}">the incident's flows</a>` : ''}</dd>
</dl>`;
  const all = Object.entries(r).filter(([k]) => k !== 'reasons');
  const cols = html`<dl class="facts wide kv">${all.map(([k, v]) => html`<dt>${k}</dt><dd>${value(v)}</dd>`)}</dl>`;
  const title = `${String(r.src_ip ?? '?')}:${String(r.src_port ?? '')} → ${String(r.dst_ip ?? '?')}:${String(r.dst_port ?? '')}`;
  const body = html`<div class="cols even">
<section class="card"><h2>Identity and tools</h2>${tools}</section>
<section class="card"><h2>Why this score</h2>${reasonTable}${clusterFacts}</section>
</div>
<section class="card"><h2>Every column</h2>${cols}</section>`;
  return { body, title, sub };
}
