/**
 * `flowsift analyze <capture|dataset>... [--out-dir DIR]`: the one-shot pipeline — flows → train →
 * score the same flows → a terminal summary (flows and anomalies per cluster, top anomalies with
 * their reasons) and, with --out-dir, the files: model.json, scores.jsonl (every flow),
 * anomalies.jsonl (anomalous flows, most anomalous first) and summary.txt.
 */
import type { Argv } from 'yargs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT } from '../errors.ts';
import type { CliIO, CommandDef } from './command.ts';
import { resolveFeatureList } from '../model/encode.ts';
import { collectTable } from '../model/input.ts';
import { trainModel, TRAIN_DEFAULTS } from '../model/train.ts';
import { saveModel } from '../model/model-file.ts';
import { Scorer } from '../model/score.ts';
import { openOutput } from '../dataset/output.ts';
import { buildRecord, RECORD_KEEP, type AnomalyRecord } from '../report/record.ts';
import { formatBlock, formatSummary, type ScoreSummary } from '../report/format.ts';
import { ClusterProfiler } from '../report/clusters.ts';
import { formatValue } from '../model/score.ts';
import { cliReadOptions, trainOptionsFrom, trainProgress, withTrainOptions, type TrainFlags } from './options.ts';
import { IncidentBuilder, rankIncidents, formatIncidents, writeIncidentsJsonl, type Incident } from '../report/incidents/index.ts';

interface AnalyzeArgs extends TrainFlags {
  inputs: string[];
  quiet: boolean;
  outDir?: string;
  baseline?: string[];
  top: number;
  topFlows: number;
  explain: number;
  incidentGap: number;
}

async function runAnalyze(a: AnalyzeArgs, io: CliIO): Promise<number> {
  const t0 = performance.now();
  const opts = trainOptionsFrom(a);
  const features = resolveFeatureList(a.features);
  const ro = cliReadOptions(io, a.quiet);
  const keep = [...new Set([...RECORD_KEEP, a.labelColumn])];
  const col = await collectTable(a.inputs, { ...ro, features, keep, labelColumn: a.labelColumn });
  const t = col.table;
  if (t.n < 2) {
    io.stderr.write(`flowsift: analyze: ${t.n} flows in the input: nothing to model\n`);
    return EXIT.BAD_INPUT;
  }
  // train on a clean baseline (--baseline), else on every flow (or the --train-on rows); score every flow
  let trainTable = t;
  let meta = { sources: a.inputs, rowsRead: col.summary.rows, trainOn: a.trainOn ?? null, labelCounts: col.labelCounts };
  if (a.baseline && a.baseline.length) {
    const base = await collectTable(a.baseline.map(String), { ...ro, features, trainOn: a.trainOn, labelColumn: a.labelColumn });
    if (base.table.n < 2) {
      io.stderr.write(`flowsift: analyze: the baseline has ${base.table.n} usable flows: nothing to learn normal traffic from\n`);
      return EXIT.BAD_INPUT;
    }
    trainTable = base.table;
    meta = { sources: a.baseline.map(String), rowsRead: base.summary.rows, trainOn: a.trainOn ?? null, labelCounts: base.labelCounts };
  } else if (a.trainOn !== undefined) {
    const trainIdx: number[] = [];
    for (let i = 0; i < t.n; i++) if (String(t.kept[i]![a.labelColumn] ?? '') === a.trainOn) trainIdx.push(i);
    trainTable = t.select(trainIdx);
  }
  const notes: string[] = [];
  const model = trainModel(trainTable, meta, { ...opts, onProgress: (m) => void (/lowered/.test(m) && notes.push(m)), onStep: trainProgress(io, a.quiet) });
  const trainedOn = a.baseline && a.baseline.length
    ? `the baseline (${formatValue(trainTable.n)} flows from ${a.baseline.join(', ')})`
    : a.trainOn !== undefined
      ? `the input's ${formatValue(trainTable.n)} flows labeled ${a.trainOn} (of ${formatValue(t.n)})`
      : `the input itself (${formatValue(trainTable.n)} flows: anomalies are rare flows of this capture; --baseline learns from attack-free traffic instead)`;
  const scorer = new Scorer(model, t);
  const records: AnomalyRecord[] = [];
  const profiler = new ClusterProfiler();
  const perCluster: ScoreSummary['perCluster'] = Array.from({ length: model.kmeans.k }, (_, j) => ({ cluster: j, flows: 0, anomalies: 0 }));
  let anomalies = 0;
  for (let i = 0; i < t.n; i++) {
    const s = scorer.score(i, a.explain, true);
    perCluster[s.cluster]!.flows++;
    if (s.isAnomaly) {
      perCluster[s.cluster]!.anomalies++;
      anomalies++;
    }
    const rec = buildRecord(i + 1, t.kept[i]!, s, a.labelColumn);
    profiler.add(rec);
    records.push(rec);
  }
  profiler.describe(model.kmeans.k).forEach((p, j) => (perCluster[j]!.profile = p));
  // incidents: the anomalous flows grouped (report/incidents); each record gets its incident_id
  const ib = new IncidentBuilder({ gap: a.incidentGap });
  const byRow = new Map<number, string>();
  ib.onAssign = (row, id) => byRow.set(row, id);
  const incidents: Incident[] = [];
  for (const r of records) incidents.push(...ib.push(r));
  incidents.push(...ib.end());
  rankIncidents(incidents);
  for (const r of records) {
    const id = byRow.get(r.row);
    if (id !== undefined) r.incident_id = id;
  }
  const summary: ScoreSummary = {
    flows: t.n,
    anomalies,
    perCluster,
    threshold: model.thresholds.spec,
    scope: model.thresholds.rule.scope,
    model: `k-means k=${model.kmeans.k}`,
    trainedOn,
    notes,
    profileHeading: 'its flows (scored into it)',
  };
  const top = records.filter((r) => r.is_anomaly).sort((x, y) => y.anomaly_score - x.anomaly_score);
  const labeled = records.filter((r) => r.label !== undefined);
  const parts = [formatSummary(summary, 20, true)];
  if (labeled.length) {
    const by = new Map<string, { n: number; flagged: number }>();
    for (const r of labeled) {
      const e = by.get(r.label!) ?? { n: 0, flagged: 0 };
      e.n++;
      if (r.is_anomaly) e.flagged++;
      by.set(r.label!, e);
    }
    parts.push('\nflagged per label: ' + [...by.entries()].sort((x, y) => y[1].n - x[1].n).map(([l, e]) => `${l} ${formatValue(e.flagged)}/${formatValue(e.n)}`).join(' · '));
  }
  if (ib.skipped < anomalies) parts.push('\n' + formatIncidents(incidents, a.top, anomalies, a.incidentGap));
  else if (anomalies) parts.push('\nno incidents: the input has no flow addresses to group anomalies by (a KDD-style table)');
  if (top.length && a.topFlows > 0) parts.push(`\ntop ${Math.min(a.topFlows, top.length)} anomalous flows:`);
  top.slice(0, a.topFlows).forEach((r, i) => parts.push(formatBlock(i + 1, r, model.thresholds.rule.scope === 'cluster' ? `${model.thresholds.spec}, per cluster` : model.thresholds.spec)));
  const text = parts.join('\n') + '\n';
  io.stdout.write(text);
  if (a.outDir) {
    await mkdir(a.outDir, { recursive: true });
    await saveModel(join(a.outDir, 'model.json'), model);
    const writeLines = async (name: string, rows: AnomalyRecord[]): Promise<void> => {
      const sink = openOutput(join(a.outDir!, name));
      try {
        for (const r of rows) sink.write(JSON.stringify(r) + '\n');
        await sink.close();
      } catch (e) {
        await sink.abort();
        throw e;
      }
    };
    await writeLines('scores.jsonl', records);
    await writeLines('anomalies.jsonl', top);
    const inc = openOutput(join(a.outDir, 'incidents.jsonl'));
    try {
      await writeIncidentsJsonl(inc, incidents);
      await inc.close();
    } catch (e) {
      await inc.abort();
      throw e;
    }
    const sum = openOutput(join(a.outDir, 'summary.txt'));
    sum.write(text);
    await sum.close();
  }
  if (!a.quiet) {
    io.stderr.write(`flowsift: analyzed ${formatValue(t.n)} flows in ${((performance.now() - t0) / 1000).toFixed(1)} s${a.outDir ? ` → ${a.outDir}/{model.json,scores.jsonl,anomalies.jsonl,incidents.jsonl,summary.txt}` : ''}\n`);
  }
  if (io.signal.aborted) return EXIT.INTERRUPTED;
  return ro.errors.count > 0 ? EXIT.BAD_INPUT : EXIT.OK;
}

const def: CommandDef<AnalyzeArgs> = {
  command: 'analyze <inputs..>',
  describe: 'One shot: captures → flows → train → score → terminal summary with the top anomalies (+ files in --out-dir)',
  builder: (y) =>
    withTrainOptions(
      y
        .positional('inputs', { describe: 'Captures (pcap/pcapng, dirs) or datasets', type: 'string', array: true })
        .option('out-dir', { type: 'string', describe: 'Write model.json, scores.jsonl, anomalies.jsonl, incidents.jsonl, summary.txt here', requiresArg: true })
        .option('baseline', { type: 'string', array: true, describe: 'Learn normal traffic from these captures/datasets (attack-free) instead of from the inputs themselves', requiresArg: true })
        .option('top', { type: 'number', default: 10, describe: 'Incidents shown in the summary', requiresArg: true })
        .option('top-flows', { type: 'number', default: 5, describe: 'Anomalous flows shown after the incidents', requiresArg: true })
        .option('incident-gap', { type: 'number', default: 30, describe: 'Seconds without a flow that end an incident', requiresArg: true })
        .option('explain', { type: 'number', default: 3, describe: 'Reasons per flow', requiresArg: true })
        .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No timing line on stderr' }),
      TRAIN_DEFAULTS,
    ) as unknown as Argv<AnalyzeArgs>,
  run: (a, io) => runAnalyze({ ...a, inputs: a.inputs.map(String) }, io),
};

export default def;
