/**
 * The dashboard pages through app.request(): over the demo analysis (samples/demo.pcap analyzed
 * against the baseline) and over a copy whose records carry hostile strings where captures put
 * attacker-chosen text (uid, service, label, incident title): every page must show them as text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { cli, jsonl } from '../cli/model-helpers.ts';
import { CSP } from '../../src/server/pages/layout.ts';
import { createContext, type ServerContext } from '../../src/server/context.ts';
import { createApp } from '../../src/server/app.ts';

const SAMPLE = new URL('../../samples/demo.pcap', import.meta.url).pathname;
const BASELINE = new URL('../../samples/baseline.pcap', import.meta.url).pathname;
const EVIL = '"><script>alert(1)</script><img src=x onerror=alert(2)>';

let tmp: string;
let demo: string;
let evil: string;
let ctx: ServerContext;
let evilCtx: ServerContext;
let app: Hono;
let evilApp: Hono;
let scores: Record<string, any>[];
let incidents: Record<string, any>[];

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'flowsift-pages-'));
  demo = join(tmp, 'demo');
  const a = await cli(['analyze', SAMPLE, '--baseline', BASELINE, '--out-dir', demo, '-q']);
  if (a.code !== 0) throw new Error(`analyze failed: ${a.err}`);
  scores = jsonl(readFileSync(join(demo, 'scores.jsonl'), 'utf8'));
  incidents = jsonl(readFileSync(join(demo, 'incidents.jsonl'), 'utf8'));
  // the hostile copy: JSON Lines only (the store reads them when no Parquet is there)
  evil = join(tmp, 'evil');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(evil);
  // model.json and summary.txt; not analysis.json, so its captures are not at hand
  for (const f of readdirSync(demo)) if ((f.endsWith('.json') || f.endsWith('.txt')) && f !== 'analysis.json') copyFileSync(join(demo, f), join(evil, f));
  const bad = scores.map((r, i) => (i === 0 ? { ...r, uid: `U${EVIL}`, service: `svc${EVIL}`, label: `lab${EVIL}`, is_anomaly: true, severity: 1 } : r));
  writeFileSync(join(evil, 'scores.jsonl'), bad.map((r) => JSON.stringify(r)).join('\n') + '\n');
  writeFileSync(join(evil, 'incidents.jsonl'), incidents.map((r, i) => JSON.stringify(i === 0 ? { ...r, title: `title${EVIL}`, kind: `kind${EVIL}`, example_uids: [`U${EVIL}`] } : r)).join('\n') + '\n');
  ctx = await createContext({ dirs: [demo], jobsDir: join(tmp, 'jobs') });
  evilCtx = await createContext({ dirs: [evil], jobsDir: join(tmp, 'jobs-evil') });
  app = createApp(ctx);
  evilApp = createApp(evilCtx);
});

afterAll(async () => {
  await ctx?.close();
  await evilCtx?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function get(a: Hono, path: string): Promise<{ status: number; html: string; headers: Headers }> {
  const r = await a.request(path);
  return { status: r.status, html: await r.text(), headers: r.headers };
}

/** The chart specs a page embeds. */
function specsOf(html: string): Record<string, any> {
  const m = /<script type="application\/json" id="chart-specs">([\s\S]*?)<\/script>/.exec(html);
  return m ? JSON.parse(m[1]!) : {};
}

describe('pages over the demo analysis', () => {
  it('the overview counts what the files hold and links each top value into the explorer', async () => {
    const { status, html, headers } = await get(app, '/');
    expect(status).toBe(200);
    expect(headers.get('content-security-policy')).toBe(CSP);
    expect(CSP).not.toContain('unsafe-eval');
    const anomalies = scores.filter((r) => r.is_anomaly).length;
    expect(html).toContain(`<b>${scores.length}</b><span>flows</span>`);
    expect(html).toContain(`<b>${anomalies}</b><span>anomalies (`);
    expect(html).toContain(`<b>${incidents.length}</b><span>incidents</span>`);
    // the most anomalous service first, with its anomalous-flow link
    const perService = new Map<string, number>();
    for (const r of scores) if (r.is_anomaly) perService.set(r.service, (perService.get(r.service) ?? 0) + 1);
    const [svc, n] = [...perService].sort((x, y) => y[1] - x[1])[0]!;
    const top = /<section class="card top" id="top-service">([\s\S]*?)<\/section>/.exec(html)![1]!;
    expect(top.indexOf(`href="/flows?service=${svc}"`)).toBeGreaterThan(0);
    expect(top).toContain(`href="/flows?service=${svc}&amp;anomaly=1">${n}</a>`);
    // the timeline spec counts every flow once and has the incidents line
    const spec = specsOf(html).timeline;
    const values = spec.data.values as { series: string; value: number }[];
    expect(values.filter((v) => v.series === 'flows').reduce((t, v) => t + v.value, 0)).toBe(scores.length);
    expect(values.filter((v) => v.series === 'anomalies').reduce((t, v) => t + v.value, 0)).toBe(anomalies);
    expect(values.filter((v) => v.series === 'incidents').reduce((t, v) => t + v.value, 0)).toBe(incidents.length);
    // the highest-ranked incident links to its place in the inbox
    expect(html).toContain(`#${incidents[0]!.incident_id}">`);
  });

  it('the incidents inbox lists every incident in rank order, grouped by kind, with triage buttons', async () => {
    const { html } = await get(app, '/incidents');
    const ids = [...html.matchAll(/<tbody class="inc inc-new" id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual(incidents.map((i) => i.incident_id));
    const kinds = new Map<string, number>();
    for (const i of incidents) kinds.set(i.kind, (kinds.get(i.kind) ?? 0) + 1);
    for (const [k, n] of kinds) expect(html).toContain(`href="/incidents?kind=${k}">${k} <b>${n}</b>`);
    expect(html).toContain(`href="/flows?incident=${incidents[0]!.incident_id}"`);
    // one kind, and the state filter reads the triage state
    const one = await get(app, '/incidents?kind=port_scan');
    expect([...one.html.matchAll(/<tbody class="inc /g)]).toHaveLength(kinds.get('port_scan')!);
    const set = await app.request(`/api/v1/incidents/${incidents[1]!.incident_id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'escalated' }) });
    expect(set.status).toBe(200);
    const esc = await get(app, '/incidents?status=escalated');
    expect([...esc.html.matchAll(/<tbody class="inc inc-escalated" id="([^"]+)"/g)].map((m) => m[1])).toEqual([incidents[1]!.incident_id]);
    expect(esc.html).toContain('escalated <b data-count="escalated">1</b>');
    await app.request(`/api/v1/incidents/${incidents[1]!.incident_id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'new' }) });
  });

  it('the explorer shows a keyset page, click-to-filter links in the API grammar, and the CSV export of the same filters', async () => {
    const { html } = await get(app, '/flows?limit=50');
    const rows = [...html.matchAll(/<tr(?: class="anomalous")? data-uid="([^"]+)">/g)].map((m) => m[1]);
    const ordered = [...scores].sort((a, b) => a.ts - b.ts || (a.uid < b.uid ? -1 : 1));
    expect(rows).toEqual(ordered.slice(0, 50).map((r) => r.uid));
    expect(html).toContain(`<b>${scores.length}</b> flows match`);
    // a value links to "only it" and ⊖ to "not it"
    const r0 = ordered[0]!;
    expect(html).toContain(`href="/flows?limit=50&amp;service=${r0.service}"`);
    expect(html).toContain(`href="/flows?limit=50&amp;service=%21${r0.service}"`);
    expect(html).toContain(`href="/flows?limit=50&amp;dst=${r0.dst_ip}"`);
    // next page starts after the last row; it holds the next 50
    const next = /<a rel="next" href="([^"]+)">/.exec(html)![1]!.replace(/&amp;/g, '&');
    const page2 = await get(app, next);
    const rows2 = [...page2.html.matchAll(/<tr(?: class="anomalous")? data-uid="([^"]+)">/g)].map((m) => m[1]);
    expect(rows2).toEqual(ordered.slice(50, 100).map((r) => r.uid));
    expect(page2.html).toContain('⇤ first page');
    expect(html).toContain('href="/api/v1/flows.csv?columns=ts%2Csrc_ip%2Cdst_ip');
  });

  it('filters narrow the list and show as removable chips', async () => {
    const want = scores.filter((r) => r.service === 'http' && r.is_anomaly);
    const { html } = await get(app, '/flows?service=http&anomaly=1');
    expect(html).toContain(`<b>${want.length}</b> flows match`);
    expect(html).toContain('<span class="chip"><b>service</b> = http<a href="/flows?anomaly=1"');
    expect(html).toContain('<span class="chip"><b>anomaly</b> = 1<a href="/flows?service=http"');
    // the form keeps the current filters as hidden fields
    expect(html).toContain('<input type="hidden" name="service" value="http">');
    // empty form fields redirect to the URL without them
    const r = await app.request('/flows?service=http&port=&addr=');
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe('/flows?service=http');
  });

  it('the column chooser picks the columns, in the API parameter', async () => {
    const { html } = await get(app, '/flows?columns=uid,community_id,anomaly_score');
    expect(html).toMatch(/<thead><tr><th scope="col">uid<\/th><th scope="col">Community ID<\/th><th class="num" scope="col">score<\/th><\/tr><\/thead>/);
    expect(html).toContain(`>${scores[0]!.community_id}<`);
  });

  it('a flow shows every column, its reasons against the cluster, the Wireshark filter and the Community ID', async () => {
    const top = [...scores].sort((a, b) => b.anomaly_score - a.anomaly_score)[0]!;
    const { status, html } = await get(app, `/flows/${top.uid}`);
    expect(status).toBe(200);
    for (const x of top.reasons) {
      expect(html).toContain(`<td><b>${x.feature}</b></td>`);
    }
    expect(html).toContain(`cluster ${top.cluster} typical`);
    expect(html).toContain(`data-copy="ip.addr==${top.src_ip} &amp;&amp; ip.addr==${top.dst_ip} &amp;&amp; tcp.port==${top.src_port} &amp;&amp; tcp.port==${top.dst_port}"`);
    expect(html).toContain(`<code id="community-id">${top.community_id}</code>`);
    for (const k of Object.keys(top).filter((k) => k !== 'reasons' && k !== 'timestamp')) expect(html, k).toContain(`<dt>${k}</dt>`);
    // the analysis names its capture: the pcap link is there
    expect(html).toContain(`id="pcap-link" href="/api/v1/flows/${top.uid}/pcap"`);
    const missing = await get(app, '/flows/Cnosuchflow');
    expect(missing.status).toBe(404);
  });

  it('the model page feeds the report chart definitions from the store', async () => {
    const { html } = await get(app, '/model');
    const specs = specsOf(html);
    expect(Object.keys(specs).sort()).toEqual(['cluster-sizes', 'pca', 'score-by-cluster', 'score-histogram']);
    const bins = specs['score-histogram'].layer[0].data.values as { count: number; group: string }[];
    expect(bins.reduce((t, b) => t + b.count, 0)).toBe(scores.length);
    expect(bins.filter((b) => b.group === 'above threshold').reduce((t, b) => t + b.count, 0)).toBe(scores.filter((r) => r.anomaly_score > 1).length);
    const pts = [...specs.pca.layer[0].data.values, ...specs.pca.layer[1].data.values];
    expect(pts).toHaveLength(scores.length);
    expect(html).toContain('This model has no k sweep');
  });

  it('serves the assets from this server and nothing from elsewhere', async () => {
    for (const f of ['vega.min.js', 'vega-lite.min.js', 'vega-embed.min.js']) {
      const r = await app.request(`/assets/vendor/${f}`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toContain('javascript');
      expect(await r.text()).not.toContain('sourceMappingURL');
    }
    expect((await app.request('/assets/app.css')).status).toBe(200);
    expect((await app.request('/assets/app.js')).status).toBe(200);
    expect((await app.request('/assets/../../package.json')).status).toBe(404);
    expect((await app.request('/assets/vendor/vega.js')).status).toBe(404);
    for (const p of ['/', '/incidents', '/flows', '/model', '/analyze', '/login']) {
      const { html } = await get(app, p);
      expect(html, p).not.toMatch(/(src|href)="(https?:)?\/\//);
    }
  });

  it('the login form posts the token to /login and only ever returns to this site', async () => {
    const { html } = await get(app, '/login?next=%2Fflows%3Fservice%3Dhttp');
    expect(html).toContain('<form method="post" action="/login" id="login-form">');
    expect(html).toContain('<input type="hidden" name="next" value="/flows?service=http">');
    expect((await get(app, '/login?next=//evil.example/')).html).toContain('name="next" value="/"');
    const bad = await get(app, '/login?error=invalid');
    expect(bad.status).toBe(401);
    expect(bad.html).toContain('That token is not valid.');
  });

  it('the search box goes to an address, a port or a flow', async () => {
    const r0 = scores[0]!;
    expect((await app.request('/search?q=10.0.0.0%2F8')).headers.get('location')).toBe('/flows?addr=10.0.0.0%2F8');
    expect((await app.request('/search?q=443')).headers.get('location')).toBe('/flows?port=443');
    expect((await app.request(`/search?q=${r0.uid}`)).headers.get('location')).toBe(`/flows/${r0.uid}`);
    expect((await app.request(`/search?q=${encodeURIComponent(r0.community_id)}`)).headers.get('location')).toBe(`/flows/${r0.uid}`);
  });
});

describe('hostile values from the capture', () => {
  const raw = /<script>alert|<img src=x/;
  it('are escaped on every page that shows them', async () => {
    for (const p of ['/', '/incidents', '/flows', '/flows?service=!x', `/flows/${encodeURIComponent(`U${EVIL}`)}`, '/model']) {
      const { status, html } = await get(evilApp, p);
      expect(status, p).toBe(200);
      expect(html, p).not.toMatch(raw);
    }
    const flows = (await get(evilApp, '/flows')).html;
    expect(flows).toContain('svc&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    const inc = (await get(evilApp, '/incidents')).html;
    expect(inc).toContain('title&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    // as a filter value too, in the chip and the links
    const f = await get(evilApp, `/flows?service=${encodeURIComponent(`svc${EVIL}`)}`);
    expect(f.html).not.toMatch(raw);
    expect(f.html).toContain('<b>1</b> flows match');
    // no captures recorded beside this copy: no pcap link, and the page says why
    const one = await get(evilApp, `/flows/${encodeURIComponent(scores[1]!.uid)}`);
    expect(one.html).not.toContain('id="pcap-link"');
    expect(one.html).toContain('the source capture is not at hand');
  });
});
