/**
 * analyze's scoring of a whole table and its per-flow files, without a record object kept (or
 * built) per flow. Pass 1 scores every row (nearest centroid; reasons for the anomalous ones, which
 * the incidents group by) for the counts, the cluster profiles and the incidents; it keeps a few
 * numbers per row. Pass 2 (writeScored) scores the rows again, each once, with reasons and PCA
 * position, and writes the JSON Lines and the Parquet from the same score: incident ids are only
 * known once pass 1 has seen the whole stream.
 */
import { join } from 'node:path';
import type { RawTable } from '../model/encode.ts';
import type { Scorer } from '../model/score.ts';
import type { ScoreSummary } from './format.ts';
import { openOutput } from '../dataset/output.ts';
import { JsonLines } from './json-line.ts';
import { buildRecord, writeRecordJson, type AnomalyRecord } from './record.ts';
import { ClusterProfiler } from './clusters.ts';
import { IncidentBuilder } from './incidents/index.ts';
import { RankedIncidents } from './incidents/ranked.ts';
import { ScoresParquetWriter } from '../store/scores-parquet.ts';

export interface AnalysisOptions {
  labelColumn: string;
  /** Reasons per flow. */
  explain: number;
  /** Seconds without a flow that end an incident. */
  incidentGap: number;
  /** Incidents kept whole for the summary (the rest are only counted and, with `spill`, spilled). */
  topIncidents: number;
  /** A temp file for the incidents' JSON lines (analyze --out-dir writes incidents.jsonl from it). */
  spill?: string;
}

/** What pass 1 found: enough for the summary, the incidents and the files, a few bytes a row. */
export interface ScoredTable {
  flows: number;
  anomalies: number;
  perCluster: ScoreSummary['perCluster'];
  /** Flows and flagged flows per ground-truth label, when the input has labels. */
  byLabel: Map<string, { n: number; flagged: number }>;
  /** The incidents, ranked: counts, the top ones, incidents.jsonl. */
  incidents: RankedIncidents;
  /** Anomalous flows the incidents could not group (no addresses: KDD-style tables). */
  skipped: number;
  /** Rows (0-based) of the anomalous flows, most anomalous first (row order among equal scores). */
  anomalous: Int32Array;
  /** The incident id of row i's flow, if it was grouped into one. */
  incidentOf(i: number): string | undefined;
}

export function scoreTable(scorer: Scorer, t: RawTable, o: AnalysisOptions): ScoredTable {
  const k = scorer.model.kmeans.k;
  const perCluster: ScoreSummary['perCluster'] = Array.from({ length: k }, (_, j) => ({ cluster: j, flows: 0, anomalies: 0 }));
  const profiler = new ClusterProfiler();
  const builder = new IncidentBuilder({ gap: o.incidentGap });
  // incident per row as an index into `ids` (0: none): 4 bytes a flow instead of a map entry
  const incidentIdx = new Int32Array(t.n);
  const ids: string[] = [''];
  const idIndex = new Map<string, number>();
  builder.onAssign = (row, id) => {
    let x = idIndex.get(id);
    if (x === undefined) idIndex.set(id, (x = ids.push(id) - 1));
    incidentIdx[row - 1] = x;
  };
  const incidents = new RankedIncidents(Math.max(0, Math.trunc(o.topIncidents)) || 0, o.spill);
  let rows = new Int32Array(1024);
  let scores = new Float64Array(1024);
  let anomalies = 0;
  const byLabel = new Map<string, { n: number; flagged: number }>();
  for (let i = 0; i < t.n; i++) {
    const s = scorer.score(i, 0);
    const kept = t.keptRow(i);
    const c = perCluster[s.cluster]!;
    c.flows++;
    profiler.addFlow(s.cluster, kept);
    const lv = kept[o.labelColumn];
    if (lv !== null && lv !== undefined && lv !== '') {
      const label = String(lv);
      let e = byLabel.get(label);
      if (!e) byLabel.set(label, (e = { n: 0, flagged: 0 }));
      e.n++;
      if (s.isAnomaly) e.flagged++;
    }
    if (!s.isAnomaly) continue;
    c.anomalies++;
    if (anomalies === rows.length) {
      rows = grow(rows, new Int32Array(rows.length * 2));
      scores = grow(scores, new Float64Array(scores.length * 2));
    }
    rows[anomalies] = i;
    scores[anomalies++] = s.anomalyScore;
    scorer.explainScored(i, s, o.explain);
    for (const x of builder.push(buildRecord(i + 1, kept, s, o.labelColumn))) incidents.add(x);
  }
  for (const x of builder.end()) incidents.add(x);
  profiler.describe(k).forEach((p, j) => (perCluster[j]!.profile = p));
  const order = new Int32Array(anomalies);
  for (let q = 0; q < anomalies; q++) order[q] = q;
  order.sort((x, y) => scores[y]! - scores[x]! || x - y);
  for (let q = 0; q < anomalies; q++) order[q] = rows[order[q]!]!;
  return {
    flows: t.n,
    anomalies,
    perCluster,
    byLabel,
    incidents,
    skipped: builder.skipped,
    anomalous: order,
    incidentOf: (i) => (incidentIdx[i] ? ids[incidentIdx[i]!] : undefined),
  };
}

function grow<T extends Int32Array | Float64Array>(a: T, b: T): T {
  b.set(a);
  return b;
}

/** The record of row i as the files hold it (reasons, PCA position, incident id). */
export function recordAt(scorer: Scorer, t: RawTable, st: ScoredTable, o: AnalysisOptions, i: number): AnomalyRecord {
  const r = buildRecord(i + 1, t.keptRow(i), scorer.score(i, o.explain, true), o.labelColumn);
  const id = st.incidentOf(i);
  if (id !== undefined) r.incident_id = id;
  return r;
}

/**
 * `<dir>/<name>.jsonl` and `<name>.parquet`, both atomically, with the records of `rows` (every row
 * of the table when undefined) in that order: each row scored once, both files written from that
 * score, no record object made.
 */
export async function writeScored(dir: string, name: string, scorer: Scorer, t: RawTable, st: ScoredTable, o: AnalysisOptions, rows?: Int32Array): Promise<void> {
  const sink = openOutput(join(dir, `${name}.jsonl`));
  let pq: ScoresParquetWriter | undefined;
  try {
    // in this thread: a worker would get each row group's strings copied into its own heap, which
    // raised the peak more than the overlap saved
    pq = new ScoresParquetWriter(join(dir, `${name}.parquet`));
    // JSON.stringify's bytes, handed to the sink a MiB at a time instead of one string a line
    const out = new JsonLines(2 << 20);
    const flush = () => (sink.writeBytes ? sink.writeBytes(out.take()) : sink.write(out.take().toString()));
    const n = rows ? rows.length : t.n;
    for (let q = 0; q < n; q++) {
      const i = rows ? rows[q]! : q;
      const s = scorer.score(i, o.explain, true);
      const kept = t.keptRow(i);
      const id = st.incidentOf(i);
      writeRecordJson(out, i + 1, kept, s, o.labelColumn, undefined, id);
      pq.writeScored(i + 1, kept, s, o.labelColumn, id);
      if (out.pos >= 1 << 20) await flush();
    }
    if (out.pos > 0) await flush();
    await sink.close();
    pq.close();
  } catch (e) {
    await sink.abort();
    pq?.abort();
    throw e;
  }
}
