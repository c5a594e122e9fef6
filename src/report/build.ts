/**
 * Building the report: find the inputs (an analysis directory, or a scored file and its model),
 * stream the scored flows (and the flows' features, when given) through the aggregator, render each
 * chart's static SVG, and assemble the HTML. `writeChartFiles` writes every chart as SVG and PNG.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { InputError, UsageError } from '../errors.ts';
import { loadModel, type ModelFile } from '../model/model-file.ts';
import { RawTable } from '../model/encode.ts';
import { Scorer } from '../model/score.ts';
import { readInputs, type ReadInputsOptions } from '../model/input.ts';
import { readDataset } from '../dataset/read.ts';
import { ReportAggregator, type ReportData, type ReportOptions, type ScoredFlow, type TableRow } from './data.ts';
import { CHARTS } from './charts/index.ts';
import { renderSvg, svgToPng } from './charts/render.ts';
import { buildHtml, PNG_SCALE, type RenderedChart } from './html.ts';
import { openOutput } from '../dataset/output.ts';

export interface ReportInputs {
  scores: string;
  model: string;
  incidents?: string;
  /** Captures or datasets holding the scored flows' features (correlation matrix, bytes). */
  flows?: string[];
}

const SCORE_FILES = ['scores.jsonl', 'scores.parquet', 'scores.csv', 'scores.jsonl.gz'];
const FLOW_FILES = ['flows.parquet', 'flows.csv', 'flows.jsonl', 'flows.csv.gz', 'flows.jsonl.gz'];

/**
 * Resolve `report <analysis-dir | scored-file> [-m model]`: a directory must hold model.json and a
 * scores file (incidents.jsonl and a flows dataset are used when present); a scored file needs -m.
 */
export function resolveReportInputs(input: string, model?: string, flows?: string[]): ReportInputs {
  if (!existsSync(input)) throw new InputError('E_REPORT_INPUT', input, undefined, 'no such file or directory');
  if (statSync(input).isDirectory()) {
    const scores = SCORE_FILES.map((f) => join(input, f)).find((p) => existsSync(p));
    if (!scores) throw new InputError('E_REPORT_INPUT', input, undefined, `no scores file in this directory (expected ${SCORE_FILES.slice(0, 3).join(', ')}: an analysis directory is what flowsift analyze writes)`);
    const m = model ?? join(input, 'model.json');
    if (!existsSync(m)) throw new InputError('E_REPORT_INPUT', input, undefined, 'no model.json in this directory (name the model file)', 'model');
    const inc = join(input, 'incidents.jsonl');
    const flowFile = FLOW_FILES.map((f) => join(input, f)).find((p) => existsSync(p));
    return { scores, model: m, incidents: existsSync(inc) ? inc : undefined, flows: flows?.length ? flows : flowFile ? [flowFile] : undefined };
  }
  if (!model) throw new UsageError(`report: ${input} is a scored file: give its model with -m model.json (or pass the analysis directory)`);
  return { scores: input, model, flows: flows?.length ? flows : undefined };
}

export interface BuildOptions extends ReportOptions {
  title?: string;
  signal?: AbortSignal;
  /** Where capture/dataset read errors and warnings go (as the CLI prints them). */
  read?: ReadInputsOptions;
  /** Skip the static SVG fallbacks (the page then needs JavaScript to show charts). */
  noStatic?: boolean;
}

export interface BuiltReport {
  data: ReportData;
  charts: RenderedChart[];
  html: string;
  /** Milliseconds per stage. */
  timings: Record<string, number>;
}

const truthy = (v: unknown): boolean => v === true || v === 'true' || v === 1 || v === '1';

/** A scored record as read back from JSON Lines, CSV or Parquet (CSV has reasons as one string). */
function normalise(row: Record<string, unknown>, file: string, n: number): ScoredFlow {
  const o = row as Record<string, unknown>;
  const score = Number(row.anomaly_score);
  const cluster = Number(row.cluster);
  if (!Number.isFinite(score) || !Number.isInteger(cluster) || row.is_anomaly === undefined) {
    throw new InputError('E_SCORED', file, undefined, `row ${n}: expected a flowsift score record with cluster, anomaly_score and is_anomaly (the output of 'flowsift score' or 'analyze')`);
  }
  const r = row as unknown as ScoredFlow;
  r.anomaly_score = score;
  r.cluster = cluster;
  r.is_anomaly = truthy(row.is_anomaly);
  if (typeof row.reasons === 'string') r.reasons = row.reasons ? row.reasons.split('; ').map((text) => ({ text }) as never) : [];
  if (r.severity !== undefined && r.severity !== null) r.severity = Number(r.severity) as 1 | 2 | 3;
  if (typeof row.ts !== 'number' && row.ts !== undefined && row.ts !== null) r.ts = Number(row.ts);
  for (const k of ['pca_x', 'pca_y', 'src_port', 'dst_port', 'src_bytes', 'dst_bytes'] as const) {
    const v = row[k];
    if (v !== undefined && v !== null && v !== '' && typeof v !== 'number') o[k] = Number(v);
    if (v === '' || v === null) delete o[k];
  }
  return r;
}

/** One entry of an incident's list: a counted value ({value, flows}) as "value (n)". */
function listItem(x: unknown): string {
  if (typeof x !== 'object' || x === null) return String(x);
  const o = x as { value?: unknown; flows?: unknown; text?: unknown };
  if (o.value !== undefined && typeof o.flows === 'number') return `${String(o.value)} (${o.flows})`;
  return typeof o.text === 'string' ? o.text : JSON.stringify(x);
}

async function readIncidents(path: string): Promise<TableRow[]> {
  const rows: TableRow[] = [];
  for await (const row of readDataset(path)) {
    const out: TableRow = {};
    for (const [k, v] of Object.entries(row as Record<string, unknown>)) {
      if (v === null || v === undefined) continue;
      if (typeof v === 'object') {
        // lists of hosts, ports, reasons: shown as text
        out[k] = Array.isArray(v) ? v.map(listItem).join(', ') : JSON.stringify(v);
      } else out[k] = v as string | number | boolean;
    }
    rows.push(out);
  }
  return rows;
}

/** Centroid profiles ("what sets this cluster apart") from the model alone. */
function profilesOf(model: ModelFile): string[] {
  const t = new RawTable(model.preprocessing.numeric.map((c) => c.name), model.preprocessing.categorical.map((c) => c.name));
  return new Scorer(model, t).profiles(2);
}

/** Render every chart's spec and (unless noStatic) its static SVG. */
export async function renderCharts(data: ReportData, noStatic = false): Promise<RenderedChart[]> {
  const out: RenderedChart[] = [];
  for (const def of CHARTS) {
    const spec = def.spec(data);
    const svg = spec && !noStatic ? await renderSvg(spec) : undefined;
    out.push({ def, spec, svg, png: svg && def.staticPng ? svgToPng(svg, PNG_SCALE) : undefined });
  }
  return out;
}

/** Aggregate a model + scored records (+ features) into report data. */
export async function aggregateReport(inputs: ReportInputs, model: ModelFile, opts: BuildOptions = {}): Promise<ReportData> {
  const agg = new ReportAggregator(model, opts);
  agg.sources = { scores: inputs.scores, model: inputs.model, flows: inputs.flows, incidents: inputs.incidents };
  let n = 0;
  for await (const row of readDataset(inputs.scores, { signal: opts.signal })) {
    agg.addRecord(normalise(row as Record<string, unknown>, inputs.scores, ++n));
  }
  if (n === 0) throw new InputError('E_SCORED', inputs.scores, undefined, 'no scored flows in this file');
  if (inputs.flows?.length) {
    const names = model.preprocessing.numeric.map((c) => c.name);
    agg.setFeatures(names);
    const v = new Float64Array(names.length);
    await readInputs(
      inputs.flows,
      (row) => {
        for (let j = 0; j < names.length; j++) {
          const x = row[names[j]!];
          v[j] = typeof x === 'number' ? x : typeof x === 'boolean' ? (x ? 1 : 0) : x === null || x === undefined || x === '' ? NaN : Number(x);
        }
        agg.addFeatures(typeof row.ts === 'number' ? row.ts : NaN, v);
      },
      { ...opts.read, signal: opts.signal },
    );
  }
  if (inputs.incidents) agg.incidents = await readIncidents(inputs.incidents);
  return agg.finish(opts.title ?? defaultTitle(inputs), profilesOf(model));
}

export function defaultTitle(inputs: ReportInputs): string {
  const dir = resolve(inputs.scores, '..');
  return `flowsift report — ${basename(dir)}/${basename(inputs.scores)}`;
}

export async function buildReport(inputs: ReportInputs, opts: BuildOptions = {}): Promise<BuiltReport> {
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string): void => {
    const now = performance.now();
    timings[name] = Math.round(now - t);
    t = now;
  };
  const model = await loadModel(inputs.model);
  const data = await aggregateReport(inputs, model, opts);
  lap('read+aggregate');
  return finishReport(data, opts, timings, t);
}

/** Charts and HTML from aggregated data (analyze --report enters here with its in-memory data). */
export async function finishReport(data: ReportData, opts: BuildOptions = {}, timings: Record<string, number> = {}, t0 = performance.now()): Promise<BuiltReport> {
  let t = t0;
  const charts = await renderCharts(data, opts.noStatic);
  timings.charts = Math.round(performance.now() - t);
  t = performance.now();
  const html = buildHtml(data, charts);
  timings.html = Math.round(performance.now() - t);
  return { data, charts, html, timings };
}

/** Write the report atomically. */
export async function writeReport(path: string, html: string): Promise<void> {
  const sink = openOutput(path);
  try {
    await sink.write(html);
    await sink.close();
  } catch (e) {
    await sink.abort();
    throw e;
  }
}

/** `--charts DIR`: every chart as <id>.svg and <id>.png (fonts given to resvg explicitly). */
export async function writeChartFiles(dir: string, charts: RenderedChart[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const c of charts) {
    if (!c.spec) continue;
    const svg = c.svg ?? (await renderSvg(c.spec));
    await writeFile(join(dir, `${c.def.id}.svg`), svg);
    await writeFile(join(dir, `${c.def.id}.png`), c.png ?? svgToPng(svg, PNG_SCALE));
    written.push(c.def.id);
  }
  return written;
}

/**
 * `analyze --report`: the report from an analysis still in memory — its model, every scored record
 * and the flows' feature table (so the correlation matrix and bytes need no second read) — written
 * as report.html in the analysis directory, with incidents.jsonl when the analysis wrote one.
 */
export async function reportFromAnalysis(
  model: ModelFile,
  records: Iterable<ScoredFlow>,
  table: { n: number; numNames: string[]; num: Float64Array; kept: Record<string, unknown>[]; keptValue?(i: number, name: string): unknown },
  outDir: string,
  opts: BuildOptions & { inputs?: string[] } = {},
): Promise<{ path: string; built: BuiltReport }> {
  const t0 = performance.now();
  const agg = new ReportAggregator(model, opts);
  const incidents = join(outDir, 'incidents.jsonl');
  const hasIncidents = existsSync(incidents);
  agg.sources = { scores: join(outDir, 'scores.jsonl'), model: join(outDir, 'model.json'), flows: opts.inputs, incidents: hasIncidents ? incidents : undefined };
  for (const r of records) agg.addRecord(r);
  const names = model.preprocessing.numeric.map((c) => c.name);
  const idx = names.map((nm) => table.numNames.indexOf(nm));
  if (idx.every((i) => i >= 0) && table.n > 0) {
    agg.setFeatures(names);
    const w = table.numNames.length;
    const v = new Float64Array(names.length);
    for (let i = 0; i < table.n; i++) {
      for (let j = 0; j < idx.length; j++) v[j] = table.num[i * w + idx[j]!]!;
      const ts = table.keptValue ? table.keptValue(i, 'ts') : table.kept[i]?.ts;
      agg.addFeatures(typeof ts === 'number' ? ts : NaN, v);
    }
  }
  if (hasIncidents) agg.incidents = await readIncidents(incidents);
  const data = agg.finish(opts.title ?? `flowsift analysis — ${basename(resolve(outDir))}`, profilesOf(model));
  const timings: Record<string, number> = { aggregate: Math.round(performance.now() - t0) };
  const built = await finishReport(data, opts, timings);
  const path = join(outDir, 'report.html');
  await writeReport(path, built.html);
  return { path, built };
}
