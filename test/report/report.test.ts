/**
 * The HTML report of the demo analysis: every chart present with its static SVG and its spec, the
 * numbers its captions quote equal to model.json, the scores and `evaluate`, no URL of any other
 * host, the chi-square test recomputed from the scores; `--charts` SVG + PNG with text drawn; the
 * absent-sweep and scored-file paths; errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { cli, jsonl } from '../cli/model-helpers.ts';
import { demoAnalysis, type DemoAnalysis } from './fixture.ts';
import { CHARTS } from '../../src/report/charts/index.ts';
import { rasterize, renderSvg, toVega } from '../../src/report/charts/render.ts';
import { buildReport, resolveReportInputs } from '../../src/report/build.ts';
import { evaluateFile } from '../../src/cli/evaluate.ts';
import { elbowSpec } from '../../src/report/charts/model.ts';

let demo: DemoAnalysis;
let html: string;
let model: any;
let scores: Record<string, any>[];
const require = createRequire(import.meta.url);

beforeAll(async () => {
  demo = await demoAnalysis('flowsift-report-');
  const r = await cli(['report', demo.dir, '-o', join(demo.tmp, 'r.html'), '--flows', demo.flows, '--charts', join(demo.tmp, 'charts')]);
  expect(r.code, r.err).toBe(0);
  html = readFileSync(join(demo.tmp, 'r.html'), 'utf8');
  model = JSON.parse(readFileSync(join(demo.dir, 'model.json'), 'utf8'));
  scores = jsonl(readFileSync(join(demo.dir, 'scores.jsonl'), 'utf8'));
});
afterAll(() => demo?.cleanup());

/** The text of a figure's caption. */
function caption(page: string, id: string): string {
  const m = new RegExp(`<figure class="chart" id="chart-${id}">[\\s\\S]*?<figcaption>([\\s\\S]*?)</figcaption>`).exec(page);
  expect(m, `figure ${id}`).not.toBeNull();
  return m![1]!.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

function specsOf(page: string): Record<string, any> {
  const m = /<script type="application\/json" id="chart-specs">([\s\S]*?)<\/script>/.exec(page);
  return JSON.parse(m![1]!);
}

describe('flowsift report on the demo analysis', () => {
  it('has every chart, each with a static SVG, a spec that compiles without warnings and a caption', async () => {
    const specs = specsOf(html);
    for (const c of CHARTS) {
      const fig = new RegExp(`<figure class="chart" id="chart-${c.id}"><div class="vis" data-chart="${c.id}">(<svg|<img alt="[a-z-]+ chart" width="\\d+(\\.\\d+)?" src="data:image/png;base64,)`).test(html);
      expect(fig, `static view of ${c.id}`).toBe(true);
      expect(specs[c.id], `spec of ${c.id}`).toBeDefined();
      const warnings: string[] = [];
      toVega(specs[c.id], warnings);
      expect(warnings, c.id).toEqual([]);
      expect(caption(html, c.id).length).toBeGreaterThan(40);
    }
    expect(Object.keys(specs).sort()).toEqual(CHARTS.map((c) => c.id).sort());
    for (const s of ['run', 'model', 'clusters', 'scores', 'traffic', 'anomalies', 'labels']) expect(html).toContain(`<section id="${s}">`);
  });

  it('the run, k choice and threshold quote model.json', () => {
    const k = model.kmeans.k;
    const ks = model.kSelection;
    expect(k).toBe(25);
    expect(html).toContain(`k = ${k} (fixed; sweep ${ks.curve[0].k}–${ks.curve.at(-1).k}: knee at ${ks.elbowK}, best silhouette at ${ks.silhouetteK}; k = ${k} lies outside the sweep)`);
    const elbow = caption(html, 'elbow');
    expect(elbow).toContain(`sweep ${ks.curve[0].k}–${ks.curve.at(-1).k}`);
    expect(elbow).toContain(`knee — where adding clusters stops paying — is at k = ${ks.elbowK}`);
    expect(elbow).toContain(`the model's k = ${k}, outside the sweep`);
    const best = ks.curve.find((p: any) => p.k === ks.silhouetteK);
    expect(caption(html, 'silhouette')).toContain(`Best at k = ${ks.silhouetteK} (${best.silhouette.toFixed(3)})`);
    expect(caption(html, 'score-histogram')).toContain(`(${model.thresholds.spec}, global: distance ${model.thresholds.global.toFixed(3)})`);
    const t = model.training;
    expect(html).toContain(`${t.sources.join(', ')}: ${t.rows} flows of ${t.rowsRead} read; k-means fitted on ${t.fitRows} (seed ${t.seed}, ${t.nInit} restarts`);
    // the chosen k sits outside the sweep: the elbow chart's x axis reaches it
    const spec = elbowSpec({ curve: ks.curve, chosen: k, method: ks.method });
    const dom = (spec as any).layer[0].encoding.x.scale.domain;
    expect(dom[1]).toBeGreaterThanOrEqual(k);
  });

  it('flow, anomaly and cluster counts equal the scores', () => {
    const n = scores.length;
    const anomalies = scores.filter((r) => r.is_anomaly).length;
    expect(html).toContain(`<b>${n.toLocaleString('en-US')}</b><span>flows</span>`);
    expect(html).toContain(`${anomalies} of ${n} flows (${((100 * anomalies) / n).toFixed(1)} %)`);
    expect(caption(html, 'score-histogram')).toContain(`${anomalies} of ${n} flows (${((100 * anomalies) / n).toFixed(1)} %) lie right of it`);
    const perCluster = new Map<number, number>();
    for (const r of scores) perCluster.set(r.cluster, (perCluster.get(r.cluster) ?? 0) + 1);
    const [bigC, bigN] = [...perCluster.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]!;
    expect(caption(html, 'cluster-sizes')).toContain(`${perCluster.size} of the model's ${model.kmeans.k} clusters received flows; the largest is cluster ${bigC} (${bigN} flows)`);
    const tcp = scores.filter((r) => r.protocol_type === 'tcp');
    expect(caption(html, 'protocol')).toContain(`tcp ${tcp.length} (${tcp.filter((r) => r.is_anomaly).length} anomalous)`);
    const sf = scores.filter((r) => r.flag === 'SF').length;
    expect(caption(html, 'flag')).toContain(`${sf} SF flows`);
    // every anomaly is in the table (177 < --top 500), most anomalous first, with reasons and a flow-exact filter
    const top = scores.filter((r) => r.is_anomaly).sort((a, b) => b.anomaly_score - a.anomaly_score)[0]!;
    expect(html).toContain(`All ${anomalies} anomalous flows`);
    expect(html).toContain(`ip.addr==${top.src_ip} &amp;&amp; ip.addr==${top.dst_ip} &amp;&amp; tcp.port==${top.src_port} &amp;&amp; tcp.port==${top.dst_port}`);
    expect(html).toContain(top.reasons.map((x: any) => x.text).join(' · '));
  });

  it('incidents come first, as analyze ranked them, and each anomaly names its incident', () => {
    const incidents = jsonl(readFileSync(join(demo.dir, 'incidents.jsonl'), 'utf8'));
    expect(incidents.length).toBeGreaterThanOrEqual(5);
    expect(html.indexOf('<section id="incidents">')).toBeGreaterThan(0);
    expect(html.indexOf('<section id="incidents">')).toBeLessThan(html.indexOf('<section id="anomalies">'));
    const table = /<table class="sortable" id="table-incidents">([\s\S]*?)<\/table>/.exec(html)![1]!;
    const rows = table.split('<tr>').slice(2);
    expect(rows).toHaveLength(incidents.length);
    const esc = (t: string): string => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
    incidents.forEach((inc, i) => {
      expect(rows[i]).toContain(`<td>${esc(inc.title)}</td>`);
      expect(rows[i]).toContain(esc(inc.wireshark_filter));
    });
    expect(html).toContain(`<b>${incidents.length}</b><span>incidents</span>`);
    // the most anomalous flow's incident rank in the anomaly table
    const top = scores.filter((r) => r.is_anomaly).sort((a, b) => b.anomaly_score - a.anomaly_score)[0]!;
    const rank = incidents.find((x) => x.incident_id === top.incident_id)!.rank;
    const first = /<table class="sortable" id="table-anomalies">[\s\S]*?<tbody>\n<tr>([\s\S]*?)<\/tr>/.exec(html)![1]!;
    expect(first).toContain(`data-v="${rank}">${rank}</td>`);
  });

  it('the PCA scatter states its sample; the timeline its peak', async () => {
    const n = scores.length;
    const anomalies = scores.filter((r) => r.is_anomaly).length;
    expect(caption(html, 'pca')).toContain(`All ${n} flows shown (${anomalies} anomalies)`);
    // a smaller cap samples: anomalies fill at most a quarter of the points, so the normal structure
    // still shows (the demo's 29 % anomalies would otherwise paint the plane red)
    const b = await buildReport(resolveReportInputs(demo.dir), { maxPoints: 300, noStatic: true });
    expect(caption(b.html, 'pca')).toContain(`Sampled: 300 of ${n} flows shown — 75 of ${anomalies} anomalies (the most anomalous first, then evenly)`);
    expect(b.data.pca!.points.length).toBe(300);
    expect(b.data.pca!.points.filter((p) => p.anomaly).length).toBe(75);
    // the most anomalous flow is always among them
    const topScore = Math.max(...scores.map((r) => r.anomaly_score));
    expect(b.data.pca!.points.some((p) => p.anomaly && p.score === topScore)).toBe(true);
    const c = await buildReport(resolveReportInputs(demo.dir), { maxPoints: 580, noStatic: true });
    expect(anomalies).toBeGreaterThan(145);
    expect(c.data.pca!.points.filter((p) => p.anomaly).length).toBe(145);
    expect(c.data.pca!.points.filter((p) => !p.anomaly).length).toBe(435);
    expect(caption(c.html, 'pca')).toContain(`Sampled: 580 of ${n} flows shown — 145 of ${anomalies} anomalies`);
    const perSecond = new Map<number, number>();
    for (const r of scores) perSecond.set(Math.floor(r.ts), (perSecond.get(Math.floor(r.ts)) ?? 0) + 1);
    const [sec, cnt] = [...perSecond.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]!;
    expect(caption(html, 'timeline')).toContain(`Busiest second: ${cnt} flows from ${new Date(sec * 1000).toISOString().replace('.000Z', 'Z')}`);
  });

  it('detection quality equals flowsift evaluate on the same scores', async () => {
    const { metrics: m } = await evaluateFile(join(demo.dir, 'scores.jsonl'));
    expect(caption(html, 'roc')).toContain(`ROC-AUC ${m.rocAuc.toFixed(4)}`);
    expect(caption(html, 'roc')).toContain(`recall ${m.recall.toFixed(3)} at false-positive rate ${m.fpr.toFixed(3)}`);
    expect(caption(html, 'pr')).toContain(`PR-AUC (average precision) ${m.prAuc.toFixed(4)}`);
    const c = m.confusion;
    expect(caption(html, 'confusion')).toContain(`${c.tp} attack flows flagged (true positives), ${c.fn} missed; ${c.fp} normal flows flagged (false positives), ${c.tn} passed`);
    for (const l of m.perLabel.filter((x) => x.category !== 'normal')) expect(caption(html, 'detection-by-label')).toContain(`${l.category} ${l.detected}/${l.total}`);
    expect(m.positives).toBe(123);
  });

  it('the chi-square association equals the statistic recomputed from the scores', () => {
    const labels = [...new Set(scores.map((r) => r.label))];
    for (const f of ['protocol_type', 'service', 'flag']) {
      const values = [...new Set(scores.map((r) => r[f]))];
      const obs = values.map((v) => labels.map((l) => scores.filter((r) => r[f] === v && r.label === l).length));
      const n = scores.length;
      let chi2 = 0;
      for (let i = 0; i < values.length; i++) {
        for (let j = 0; j < labels.length; j++) {
          const e = (obs[i]!.reduce((a, b) => a + b, 0) * obs.reduce((a, r) => a + r[j]!, 0)) / n;
          chi2 += (obs[i]![j]! - e) ** 2 / e;
        }
      }
      const df = (values.length - 1) * (labels.length - 1);
      const v = Math.sqrt(chi2 / (n * (Math.min(values.length, labels.length) - 1)));
      expect(caption(html, 'association')).toContain(`${f} χ² = ${chi2.toFixed(1)}, ${df} df,`);
      expect(caption(html, 'association')).toContain(`V = ${v.toFixed(3)}`);
    }
  });

  it('names no URL of another host: every absolute URL in the file is an inert string of the inlined libraries', () => {
    const libs = ['vega', 'vega-lite', 'vega-embed'].map((p) => {
      let d = dirname(require.resolve(p));
      while (!existsSync(join(d, 'package.json')) || JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')).name !== p) d = dirname(d);
      return readFileSync(join(d, 'build', `${p}.min.js`), 'utf8');
    });
    const url = /\b(?:https?|ftp|wss?):\/\/[^\s"'<>)\\]+/g;
    const fromLibs = new Set(libs.flatMap((js) => js.match(url) ?? []));
    const inPage = html.match(url) ?? [];
    for (const u of inPage) expect(fromLibs.has(u), u).toBe(true);
    // the page itself (library code set aside): nothing loads by attribute or CSS, no source map
    let own = html;
    for (const js of libs) own = own.replace(js.replace(/\/\/# sourceMappingURL=\S*\s*$/, ''), '');
    expect(own.length).toBeLessThan(html.length - 800_000);
    const first = (re: RegExp): string | null => {
      const m = re.exec(own);
      return m ? own.slice(Math.max(0, m.index - 60), m.index + 80) : null;
    };
    expect(first(/\s(?:src|href|action|poster|data|xlink:href)=["']?(?!#|data:)[a-z]*:?\/\//i)).toBeNull();
    expect(first(/url\(\s*["']?(?!data:|#)/)).toBeNull();
    expect(first(/sourceMappingURL/)).toBeNull();
    expect(first(/<script[^>]+src=/)).toBeNull();
    expect(first(/<link\b/)).toBeNull();
    expect(own).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none';`);
    expect(html.length).toBeLessThan(3_000_000);
  });

  it('analyze --report wrote the same report beside its outputs (flow features from memory)', () => {
    const a = readFileSync(join(demo.dir, 'report.html'), 'utf8');
    for (const c of CHARTS) expect(a, c.id).toContain(`<figure class="chart" id="chart-${c.id}">`);
    for (const id of ['elbow', 'roc', 'correlation', 'bytes', 'association']) expect(caption(a, id)).toBe(caption(html, id));
  });

  it('--charts writes each chart as SVG and PNG, and the PNGs have text (fonts given to resvg)', async () => {
    const dir = join(demo.tmp, 'charts');
    const files = readdirSync(dir);
    for (const c of CHARTS) {
      expect(files).toContain(`${c.id}.svg`);
      expect(files).toContain(`${c.id}.png`);
      expect(readFileSync(join(dir, `${c.id}.png`)).subarray(1, 4).toString()).toBe('PNG');
    }
    // the elbow chart's title and axis labels: dark pixels in the title band with fonts, none without
    const svg = readFileSync(join(dir, 'elbow.svg'), 'utf8');
    const dark = (fonts: boolean): number => {
      const { width, pixels } = rasterize(svg, 1, fonts);
      let n = 0;
      for (let y = 0; y < 24; y++) for (let x = 0; x < width; x++) if (pixels[(y * width + x) * 4]! < 128) n++;
      return n;
    };
    expect(dark(false)).toBe(0);
    expect(dark(true)).toBeGreaterThan(150);
  });

  it('a model without a k sweep: the report says so instead of drawing empty curves', async () => {
    const dir = join(demo.tmp, 'nosweep');
    mkdirSync(dir);
    const m = { ...model, kSelection: { ...model.kSelection, curve: [] } };
    writeFileSync(join(dir, 'model.json'), JSON.stringify(m));
    copyFileSync(join(demo.dir, 'scores.jsonl'), join(dir, 'scores.jsonl'));
    const r = await cli(['report', dir, '-o', join(dir, 'r.html')]);
    expect(r.code, r.err).toBe(0);
    const page = readFileSync(join(dir, 'r.html'), 'utf8');
    expect(page).toContain('data-absent="elbow"');
    expect(page).toContain('This model has no k sweep (it was trained with k = 25 fixed and the sweep skipped)');
    expect(page).toContain('k = 25 (fixed; no k sweep in this model)');
    // without --flows: no correlation matrix, said so (bytes come from the scored records)
    expect(page).toContain('data-absent="correlation"');
    expect(page).not.toContain('data-absent="bytes"');
    expect(r.err).toContain('absent: elbow, silhouette, correlation)');
  });

  it('a scored file with -m; usage and input errors exit 2 / 3 with one line', async () => {
    const out = join(demo.tmp, 'file.html');
    const ok = await cli(['report', join(demo.dir, 'anomalies.jsonl'), '-m', join(demo.dir, 'model.json'), '-o', out]);
    expect(ok.code, ok.err).toBe(0);
    const page = readFileSync(out, 'utf8');
    const nAnom = scores.filter((r) => r.is_anomaly).length;
    expect(page.includes(`<b>${nAnom}</b><span>flows</span>`)).toBe(true);
    const noModel = await cli(['report', join(demo.dir, 'scores.jsonl'), '-o', out]);
    expect(noModel.code).toBe(2);
    expect(noModel.err).toMatch(/^flowsift: report: .*scores\.jsonl is a scored file: give its model with -m/);
    const missing = await cli(['report', join(demo.tmp, 'nope'), '-o', out]);
    expect(missing.code).toBe(3);
    expect(missing.err.trim().split('\n')).toHaveLength(1);
    const notScores = await cli(['report', demo.flows, '-m', join(demo.dir, 'model.json'), '-o', out]);
    expect(notScores.code).toBe(3);
    expect(notScores.err).toContain('expected a flowsift score record with cluster, anomaly_score and is_anomaly');
    const noOutDir = await cli(['analyze', demo.flows, '--report']);
    expect(noOutDir.code).toBe(2);
  });

  it('renders a chart to SVG in Node without a browser', async () => {
    const svg = await renderSvg(elbowSpec({ curve: model.kSelection.curve, chosen: 25, method: 'fixed', elbowK: 7 }));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('k = 25 (model, outside the sweep)');
  });
});
