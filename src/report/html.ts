/**
 * The self-contained HTML report: one file, no request to any host. vega, vega-lite and vega-embed
 * are inlined from node_modules; every chart is there twice — as a static SVG rendered in Node (read
 * without JavaScript, printed, mailed) and as its vega-lite spec, which vega-embed turns into the
 * interactive chart (tooltips, zoom) when scripts run. A Content-Security-Policy forbids any fetch.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { ReportData, TableRow } from './data.ts';
import { CHARTS, f3, f4, int, pct, type ChartDef, type SectionId } from './charts/index.ts';

const require = createRequire(import.meta.url);

export interface RenderedChart {
  def: ChartDef;
  spec: TopLevelSpec | null;
  /** Static SVG (the no-JavaScript view, and `--charts`). */
  svg?: string;
  /** PNG of the static view, when the chart shows it as an image (ChartDef.staticPng). */
  png?: Buffer;
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (s: unknown): string => String(s ?? '').replace(/[&<>"']/g, (c) => ESC[c]!);
/** JSON safe inside a <script> element. */
const scriptJson = (v: unknown): string => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

let bundles: string | undefined;

/** A package's folder (its `exports` hide the build files from require.resolve). */
function packageDir(name: string): string {
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the folder of package ${name}`);
    dir = up;
  }
  return dir;
}

/** vega, vega-lite and vega-embed as inline scripts (source-map comments dropped: they would be fetched). */
function libraryScripts(): string {
  if (!bundles) {
    const files = [['vega', 'vega.min.js'], ['vega-lite', 'vega-lite.min.js'], ['vega-embed', 'vega-embed.min.js']];
    bundles = files
      .map(([pkg, file]) => readFileSync(join(packageDir(pkg!), 'build', file!), 'utf8').replace(/\/\/# sourceMappingURL=\S*\s*$/, ''))
      .map((js) => `<script>${js}</script>`)
      .join('\n');
  }
  return bundles;
}

const SECTIONS: { id: SectionId | 'incidents' | 'anomalies'; title: string }[] = [
  { id: 'run', title: 'Run' },
  { id: 'model', title: 'Model choice' },
  { id: 'clusters', title: 'Clusters' },
  { id: 'scores', title: 'Scores' },
  { id: 'traffic', title: 'Traffic' },
  { id: 'incidents', title: 'Incidents' },
  { id: 'anomalies', title: 'Anomalies' },
  { id: 'labels', title: 'Ground truth' },
];

const CSS = `
:root{--fg:#1d2733;--muted:#5f6b7a;--line:#dfe3e8;--bg:#f6f7f9;--accent:#d62728}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 "DejaVu Sans",Verdana,Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg)}
header{background:#17202b;color:#fff;padding:18px 28px}
header h1{margin:0 0 4px;font-size:22px}
header p{margin:0;color:#c5ccd6}
nav{position:sticky;top:0;z-index:5;background:#fff;border-bottom:1px solid var(--line);padding:8px 28px;display:flex;gap:18px;flex-wrap:wrap}
nav a{color:var(--fg);text-decoration:none;font-weight:bold}
nav a:hover{color:var(--accent)}
main{padding:8px 28px 40px;max-width:1500px}
section{margin-top:22px;scroll-margin-top:48px}
h2{font-size:19px;border-bottom:2px solid var(--fg);padding-bottom:4px}
.lead{color:var(--muted);max-width:75em}
.grid{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}
figure.chart{margin:0;background:#fff;border:1px solid var(--line);border-radius:6px;padding:10px;max-width:100%;overflow-x:auto}
figure.chart figcaption{max-width:600px;color:var(--muted);font-size:13px;margin-top:6px}
.vis svg{max-width:100%;height:auto}
.absent{background:#fff8e6;border:1px solid #f0d58c;border-radius:6px;padding:10px 14px;max-width:60em}
.kpis{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.kpi{background:#fff;border:1px solid var(--line);border-radius:6px;padding:10px 14px;min-width:150px}
.kpi b{display:block;font-size:22px}
.kpi span{color:var(--muted);font-size:12px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;background:#fff;border:1px solid var(--line);border-radius:6px;padding:12px 16px;max-width:75em}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0}
.tablewrap{max-height:620px;overflow:auto;background:#fff;border:1px solid var(--line);border-radius:6px}
table{border-collapse:collapse;font-size:12.5px;width:100%}
th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{position:sticky;top:0;background:#eef1f4;cursor:pointer;white-space:nowrap;user-select:none}
th.sorted-asc::after{content:" ▲"}th.sorted-desc::after{content:" ▼"}
th.num{text-align:right}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td code{font-size:11.5px;display:inline-block;min-width:22em;max-width:34em}
.sev1{color:#b00;font-weight:bold}.sev2{color:#c60}.sev3{color:#555}
.note{color:var(--muted);font-size:12.5px}
footer{color:var(--muted);font-size:12px;padding:0 28px 30px}
`;

/** Sortable tables and the interactive charts; the static SVGs stay when scripts are off or fail. */
const APP_JS = `
(function(){
  function val(td){var v=td.getAttribute('data-v');if(v!==null){var n=Number(v);return isNaN(n)?v:n;}return td.textContent;}
  document.querySelectorAll('table.sortable').forEach(function(t){
    t.querySelectorAll('th').forEach(function(th,i){
      th.addEventListener('click',function(){
        var asc=!th.classList.contains('sorted-asc');
        t.querySelectorAll('th').forEach(function(h){h.classList.remove('sorted-asc','sorted-desc');});
        th.classList.add(asc?'sorted-asc':'sorted-desc');
        var body=t.tBodies[0];var rows=Array.prototype.slice.call(body.rows);
        rows.sort(function(a,b){var x=val(a.cells[i]),y=val(b.cells[i]);
          if(x===y)return 0;if(x===''||x===undefined)return 1;if(y===''||y===undefined)return -1;
          var r=(typeof x==='number'&&typeof y==='number')?x-y:String(x).localeCompare(String(y));return asc?r:-r;});
        rows.forEach(function(r){body.appendChild(r);});
      });
    });
  });
  var specs=JSON.parse(document.getElementById('chart-specs').textContent);
  var done=0,failed=[];
  var ids=Object.keys(specs);
  function finish(){if(done===ids.length){document.body.setAttribute('data-charts-rendered',String(ids.length-failed.length));if(failed.length)document.body.setAttribute('data-charts-failed',failed.join(','));}}
  if(typeof vegaEmbed!=='function'){document.body.setAttribute('data-charts-rendered','0');return;}
  ids.forEach(function(id){
    var el=document.querySelector('[data-chart="'+id+'"]');
    var opts={actions:false,renderer:id==='pca'?'canvas':'svg',tooltip:{theme:'light'}};
    vegaEmbed(el,specs[id],opts).then(function(){el.classList.add('live');done++;finish();})
      .catch(function(e){console.error('chart '+id+': '+e);failed.push(id);done++;finish();});
  });
})();
`;

const CSP = "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:; font-src data:; connect-src 'none'";

function tsText(ts: number | undefined): string {
  return ts === undefined ? '–' : new Date(ts * 1000).toISOString();
}

function spanText(a?: number, b?: number): string {
  if (a === undefined || b === undefined) return '–';
  const s = b - a;
  return s < 120 ? `${s.toFixed(1)} s` : s < 7200 ? `${(s / 60).toFixed(1)} min` : s < 172800 ? `${(s / 3600).toFixed(1)} h` : `${(s / 86400).toFixed(1)} days`;
}

interface Column {
  key: string;
  title: string;
  num?: boolean;
  code?: boolean;
  fmt?: (v: unknown, row: TableRow) => string;
}

function table(id: string, cols: Column[], rows: TableRow[]): string {
  const head = cols.map((c) => `<th scope="col"${c.num ? ' class="num"' : ''}>${esc(c.title)}</th>`).join('');
  const body = rows
    .map((r) => {
      const cells = cols.map((c) => {
        const v = r[c.key];
        const shown = c.fmt ? c.fmt(v, r) : v === undefined || v === null ? '' : esc(v);
        const dv = typeof v === 'number' ? ` data-v="${v}"` : '';
        const cls = c.num ? ' class="num"' : c.key === 'severity' && v ? ` class="sev${esc(v)}"` : '';
        return `<td${cls}${dv}>${c.code && v ? `<code>${shown}</code>` : shown}</td>`;
      });
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
  return `<div class="tablewrap"><table class="sortable" id="table-${esc(id)}"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

/** Scale of the static PNGs in the page (sharp on high-density screens). */
export const PNG_SCALE = 1.5;

const pngWidth = (png: Buffer): number => png.readUInt32BE(16);

function figure(c: RenderedChart, d: ReportData): string {
  if (!c.spec) return `<div class="absent" id="chart-${c.def.id}-absent" data-absent="${c.def.id}">${esc(c.def.absent?.(d) ?? 'No data for this chart.')}</div>`;
  const still = c.png ? `<img alt="${esc(c.def.id)} chart" width="${pngWidth(c.png) / PNG_SCALE}" src="data:image/png;base64,${c.png.toString('base64')}">` : (c.svg ?? '');
  return `<figure class="chart" id="chart-${c.def.id}"><div class="vis" data-chart="${c.def.id}">${still}</div><figcaption>${esc(c.def.caption(d))}</figcaption></figure>`;
}

function runSection(d: ReportData, charts: RenderedChart[]): string {
  const r = d.run;
  const t = r.training;
  const kpi = (v: string, label: string): string => `<div class="kpi"><b>${esc(v)}</b><span>${esc(label)}</span></div>`;
  const kText = r.sweep
    ? `k = ${r.k} (${r.kMethod === 'fixed' ? 'fixed' : `chosen by ${r.kMethod}`}; sweep ${r.sweep.kMin}–${r.sweep.kMax}: knee at ${r.sweep.elbowK}, best silhouette at ${r.sweep.silhouetteK}${r.k < r.sweep.kMin || r.k > r.sweep.kMax ? `; k = ${r.k} lies outside the sweep` : ''})`
    : `k = ${r.k} (${r.kMethod === 'fixed' ? 'fixed' : r.kMethod}; no k sweep in this model)`;
  const facts: [string, string][] = [
    ['scored flows', `${d.sources.scores}`],
    ['model', d.sources.model],
    ...(d.sources.flows?.length ? ([['flow features', d.sources.flows.join(', ')]] as [string, string][]) : []),
    ...(d.sources.incidents ? ([['incidents', d.sources.incidents]] as [string, string][]) : []),
    ['flows', int(r.flows)],
    ['time span', `${tsText(r.firstTs)} → ${tsText(r.lastTs)} (${spanText(r.firstTs, r.lastTs)})`],
    ['trained on', `${t.sources.join(', ')}: ${int(t.rows)} flows${t.trainOn ? ` labeled '${t.trainOn}'` : ''} of ${int(t.rowsRead)} read; k-means fitted on ${int(t.fitRows)} (seed ${t.seed}, ${t.nInit} restarts, ${t.iterations} iterations${t.converged ? ', converged' : ', iteration cap reached'})`],
    ['features', `${r.features} (numeric log1p + z-score, categorical one-hot)`],
    ['clusters', kText],
    ['threshold', `${r.threshold.spec} of the training distances, ${r.threshold.scope}: distance ${f3(r.threshold.global)} (anomaly_score 1)`],
    ['anomalies', `${int(r.anomalies)} of ${int(r.flows)} flows (${pct(r.anomalies, r.flows)}): severity 1 (≥ 3× threshold) ${int(r.severity.high)}, 2 (≥ 1.5×) ${int(r.severity.medium)}, 3 ${int(r.severity.low)}`],
  ];
  const parts = [
    `<div class="kpis">${kpi(int(r.flows), 'flows')}${kpi(int(r.anomalies), `anomalies (${pct(r.anomalies, r.flows)})`)}${kpi(`k = ${r.k}`, 'clusters')}${kpi(r.threshold.spec, `threshold, distance ${f3(r.threshold.global)}`)}${d.incidents ? kpi(int(d.incidentsTotal ?? d.incidents.length), 'incidents') : ''}${d.labels ? kpi(f4(d.labels.metrics.rocAuc), 'ROC-AUC') + kpi(f3(d.labels.metrics.f1), 'F1 at the threshold') : ''}</div>`,
    `<dl class="facts" id="run-facts">${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`,
  ];
  if (d.labels) {
    const m = d.labels.metrics;
    parts.push(
      `<h3>Detection quality against the ground truth</h3><p class="lead">${int(m.n)} labeled flows: ${int(m.positives)} attacks, ${int(m.negatives)} normal${d.labels.unlabeled ? ` (${int(d.labels.unlabeled)} unlabeled left out)` : ''}. The same figures as <code>flowsift evaluate</code>.</p>`,
      table('metrics', [{ key: 'metric', title: 'metric' }, { key: 'value', title: 'value', num: true, fmt: (v) => f4(Number(v)) }, { key: 'meaning', title: 'what it says' }], [
        { metric: 'precision', value: m.precision, meaning: 'flagged flows that are attacks' },
        { metric: 'recall', value: m.recall, meaning: 'attacks that were flagged (detection rate)' },
        { metric: 'F1', value: m.f1, meaning: 'harmonic mean of precision and recall' },
        { metric: 'accuracy', value: m.accuracy, meaning: 'flows decided right' },
        { metric: 'false-positive rate', value: m.fpr, meaning: 'normal flows flagged' },
        { metric: 'ROC-AUC', value: m.rocAuc, meaning: 'chance that an attack outscores a normal flow' },
        { metric: 'PR-AUC', value: m.prAuc, meaning: 'average precision over all thresholds' },
      ]),
      `<div class="grid">${charts.filter((c) => c.def.section === 'run').map((c) => figure(c, d)).join('')}</div>`,
    );
  } else {
    parts.push(`<div class="absent" data-absent="labels">${esc(CHARTS.find((c) => c.id === 'roc')!.absent!(d))}</div>`);
  }
  return parts.join('\n');
}

function clusterTable(d: ReportData): string {
  const rows = d.clusters.filter((c) => c.flows > 0 || c.trainSize > 0).map((c) => ({ ...c, rate: c.flows ? c.anomalies / c.flows : 0 }) as unknown as TableRow);
  return table('clusters', [
    { key: 'cluster', title: 'cluster', num: true },
    { key: 'flows', title: 'flows', num: true, fmt: (v) => int(Number(v)) },
    { key: 'anomalies', title: 'anomalies', num: true, fmt: (v) => int(Number(v)) },
    { key: 'rate', title: 'anomalous', num: true, fmt: (v) => `${(Number(v) * 100).toFixed(1)} %` },
    { key: 'trainSize', title: 'training flows', num: true, fmt: (v) => int(Number(v)) },
    { key: 'threshold', title: 'threshold', num: true, fmt: (v) => f3(Number(v)) },
    { key: 'topService', title: 'top service (scored)' },
    { key: 'topFlag', title: 'top flag (scored)' },
    { key: 'profile', title: 'centroid: what sets it apart (vs all)' },
  ], rows);
}

const ANOMALY_COLUMNS: Column[] = [
  { key: 'rank', title: '#', num: true },
  { key: 'time', title: 'time (UTC)' },
  { key: 'flow', title: 'flow' },
  { key: 'proto', title: 'proto' },
  { key: 'service', title: 'service' },
  { key: 'flag', title: 'flag' },
  { key: 'cluster', title: 'cluster', num: true },
  { key: 'score', title: 'anomaly_score', num: true, fmt: (v) => f3(Number(v)) },
  { key: 'severity', title: 'sev' },
  { key: 'reasons', title: 'why (feature: flow vs cluster typical)' },
  { key: 'wireshark', title: 'Wireshark display filter', code: true },
  { key: 'uid', title: 'uid' },
  { key: 'incident', title: 'incident #', num: true },
];

/** The incident fields (schema flowsift.incident/1) shown, in this order; unknown fields are left out. */
const INCIDENT_COLUMNS: Column[] = [
  { key: 'rank', title: '#', num: true },
  { key: 'severity', title: 'sev' },
  { key: 'kind', title: 'kind' },
  { key: 'title', title: 'what happened' },
  { key: 'technique', title: 'ATT&CK', fmt: (v, r) => (v ? `${esc(v)}${r.technique_name ? `<br><span class="note">${esc(r.technique_name)}</span>` : ''}` : '') },
  { key: 'first_seen', title: 'first seen (UTC)' },
  { key: 'duration', title: 'duration (s)', num: true, fmt: (v) => (typeof v === 'number' ? v.toFixed(1) : '') },
  { key: 'flows', title: 'flows', num: true, fmt: (v) => int(Number(v)) },
  { key: 'bytes', title: 'bytes', num: true, fmt: (v) => int(Number(v)) },
  { key: 'sources', title: 'sources', num: true },
  { key: 'destinations', title: 'dests', num: true },
  { key: 'dst_ports', title: 'ports', num: true },
  { key: 'top_services', title: 'services' },
  { key: 'flag_mix', title: 'flags' },
  { key: 'score_max', title: 'max score', num: true, fmt: (v) => f3(Number(v)) },
  { key: 'top_reasons', title: 'most common reasons' },
  { key: 'labels', title: 'labels' },
  { key: 'wireshark_filter', title: 'Wireshark display filter', code: true },
  { key: 'example_uids', title: 'example uids' },
];

function incidentTable(rows: TableRow[]): string {
  const cols = INCIDENT_COLUMNS.filter((c) => rows.some((r) => r[c.key] !== undefined && r[c.key] !== null && r[c.key] !== ''));
  return table('incidents', cols, rows);
}

export function buildHtml(d: ReportData, charts: RenderedChart[]): string {
  const bySection = (s: SectionId): string => `<div class="grid">${charts.filter((c) => c.def.section === s).map((c) => figure(c, d)).join('\n')}</div>`;
  const specs: Record<string, TopLevelSpec> = {};
  for (const c of charts) if (c.spec) specs[c.def.id] = c.spec;
  const showIncidents = d.incidents !== undefined;
  const sections: string[] = [];
  for (const s of SECTIONS) {
    if (s.id === 'incidents' && !showIncidents) continue;
    if (s.id === 'labels' && !d.labels) continue;
    let inner = '';
    if (s.id === 'run') inner = runSection(d, charts);
    else if (s.id === 'model') inner = `<p class="lead">How many clusters: the curves a k sweep leaves in the model. The model's k is marked on both, even when it lies outside the sweep.</p>${bySection('model')}`;
    else if (s.id === 'clusters') inner = `<p class="lead">Each flow belongs to its nearest centroid. The table describes each cluster by the scored flows it received and by how its centroid differs from the average.</p>${bySection('clusters')}<h3>Cluster profiles</h3>${clusterTable(d)}`;
    else if (s.id === 'scores') inner = bySection('scores');
    else if (s.id === 'traffic') inner = bySection('traffic');
    else if (s.id === 'incidents') {
      const total = d.incidentsTotal ?? d.incidents!.length;
      const shown = d.incidents!.length;
      inner = `<p class="lead">${shown < total ? `The ${int(shown)} highest-ranked of ${int(total)} incidents` : `${int(total)} incidents`}: anomalous flows grouped into what an analyst triages, most severe first (from ${esc(d.sources.incidents)}). Click a header to sort.</p>${incidentTable(d.incidents!)}`;
    }
    else if (s.id === 'anomalies') {
      const shown = d.anomalies.rows.length;
      const cols = ANOMALY_COLUMNS.filter((c) => c.key !== 'incident' || d.anomalies.rows.some((r) => r.incident !== undefined));
      inner = `<p class="lead">${shown < d.anomalies.total ? `The ${int(shown)} most anomalous of ${int(d.anomalies.total)} anomalous flows` : `All ${int(d.anomalies.total)} anomalous flows`}, most anomalous first. Click a header to sort; paste a filter into Wireshark's display filter bar to see the flow's packets.</p>${table('anomalies', d.labels ? [...cols, { key: 'label', title: 'label' }] : cols, d.anomalies.rows)}`;
    } else if (s.id === 'labels') {
      const a = d.labels!.association;
      inner = `${bySection('labels')}<h3>Chi-square tests</h3>${table('association', [
        { key: 'feature', title: 'feature' },
        { key: 'chi2', title: 'χ²', num: true, fmt: (v) => Number(v).toFixed(2) },
        { key: 'dof', title: 'df', num: true },
        { key: 'p', title: 'p-value', num: true, fmt: (v) => (Number(v) < 1e-300 ? '< 1e-300' : Number(v).toExponential(3)) },
        { key: 'cramersV', title: 'Cramér’s V', num: true, fmt: (v) => Number(v).toFixed(4) },
        { key: 'n', title: 'flows', num: true, fmt: (v) => int(Number(v)) },
        { key: 'sparse', title: 'expected < 5', num: true },
      ], a.map((x) => ({ ...x, sparse: `${x.sparseCells} of ${x.cells} cells` }) as unknown as TableRow))}`;
    }
    sections.push(`<section id="${s.id}"><h2>${esc(s.title)}</h2>\n${inner}\n</section>`);
  }
  const nav = SECTIONS.filter((s) => (s.id !== 'incidents' || showIncidents) && (s.id !== 'labels' || d.labels)).map((s) => `<a href="#${s.id}">${esc(s.title)}</a>`).join('');
  const sub = `${int(d.run.flows)} flows · ${int(d.run.anomalies)} anomalies · k = ${d.run.k} · threshold ${d.run.threshold.spec}${d.run.firstTs !== undefined ? ` · ${tsText(d.run.firstTs)} → ${tsText(d.run.lastTs)}` : ''}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="generator" content="flowsift ${esc(d.flowsiftVersion)}">
<title>${esc(d.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${esc(d.title)}</h1><p>${esc(sub)}</p></header>
<nav>${nav}</nav>
<main>
${sections.join('\n')}
</main>
<footer>Made by flowsift ${esc(d.flowsiftVersion)} on ${esc(d.generatedAt)}. Self-contained: opens offline; charts are static images until scripts run, then interactive (hover for values; drag and scroll to zoom the scatter and timelines).</footer>
<script type="application/json" id="chart-specs">${scriptJson(specs)}</script>
${libraryScripts()}
<script>${APP_JS}</script>
</body>
</html>
`;
}
