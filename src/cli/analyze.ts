/**
 * `flowsift analyze <capture|dataset>... [--out-dir DIR]`: the one-shot pipeline — flows → train →
 * score the same flows → a terminal summary (flows and anomalies per cluster, top anomalies with
 * their reasons) and, with --out-dir, the files: model.json, scores.jsonl (every flow),
 * anomalies.jsonl (anomalous flows, most anomalous first), each also as Parquet, and summary.txt.
 */
import type { Argv } from 'yargs';
import { mkdir } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EXIT, UsageError } from '../errors.ts';
import type { CliIO, CommandDef } from './command.ts';
import { resolveFeatureList } from '../model/encode.ts';
import { collectTable } from '../model/input.ts';
import { trainModel, TRAIN_DEFAULTS } from '../model/train.ts';
import { describeDetector, saveModel } from '../model/model-file.ts';
import { Scorer } from '../model/score.ts';
import { openOutput, tempPathFor } from '../dataset/output.ts';
import { RECORD_KEEP } from '../report/record.ts';
import { recordAt, scoreTable, writeScored } from '../report/analysis.ts';
import { formatBlock, formatSummary, type ScoreSummary } from '../report/format.ts';
import { reportFromAnalysis } from '../report/build.ts';
import { formatValue } from '../model/score.ts';
import { cliReadOptions, trainOptionsFrom, trainProgress, withTrainOptions, type TrainFlags } from './options.ts';
import { describeSetAside } from '../model/robust.ts';
import { formatIncidents } from '../report/incidents/index.ts';

interface AnalyzeArgs extends TrainFlags {
  inputs: string[];
  quiet: boolean;
  outDir?: string;
  baseline?: string[];
  top: number;
  topFlows: number;
  explain: number;
  incidentGap: number;
  report: boolean;
}

async function runAnalyze(a: AnalyzeArgs, io: CliIO): Promise<number> {
  const t0 = performance.now();
  if (!(a.incidentGap > 0)) throw new UsageError(`--incident-gap must be a number of seconds > 0, got ${String(a.incidentGap)}`);
  if (!Number.isInteger(a.topFlows) || a.topFlows < 0) throw new UsageError(`--top-flows must be an integer ≥ 0, got ${String(a.topFlows)}`);
  if (a.report && !a.outDir) throw new UsageError('analyze: --report writes report.html into --out-dir: give --out-dir DIR');
  // the report draws the elbow and silhouette curves: --report fits the k sweep as --sweep does
  // a baseline or --train-on rows are known to be clean; the input itself may hold the attacks
  const known = (a.baseline !== undefined && a.baseline.length > 0) || a.trainOn !== undefined;
  const opts = { ...trainOptionsFrom({ ...a, sweep: a.sweep || a.report }), fitMode: a.fitMode ?? (known ? 'clean' : 'robust') } as const;
  const features = resolveFeatureList(a.features);
  const ro = cliReadOptions(io, a.quiet);
  const keep = [...new Set([...RECORD_KEEP, a.labelColumn])];
  const col = await collectTable(a.inputs, { ...ro, features, keep, labelColumn: a.labelColumn, compact: true });
  const t = col.table;
  if (t.n < 2) {
    io.stderr.write(`flowsift: analyze: ${t.n} flows in the input: nothing to model\n`);
    return EXIT.BAD_INPUT;
  }
  // train on a clean baseline (--baseline), else on every flow (or the --train-on rows); score every flow
  let trainTable = t;
  let meta = { sources: a.inputs, rowsRead: col.summary.rows, trainOn: a.trainOn ?? null, labelCounts: col.labelCounts, labelColumn: a.labelColumn };
  if (a.baseline && a.baseline.length) {
    const base = await collectTable(a.baseline.map(String), { ...ro, features, trainOn: a.trainOn, labelColumn: a.labelColumn });
    if (base.table.n < 2) {
      io.stderr.write(`flowsift: analyze: the baseline has ${base.table.n} usable flows: nothing to learn normal traffic from\n`);
      return EXIT.BAD_INPUT;
    }
    trainTable = base.table;
    meta = { sources: a.baseline.map(String), rowsRead: base.summary.rows, trainOn: a.trainOn ?? null, labelCounts: base.labelCounts, labelColumn: a.labelColumn };
  } else if (a.trainOn !== undefined) {
    const trainIdx: number[] = [];
    for (let i = 0; i < t.n; i++) if (String(t.keptValue(i, a.labelColumn) ?? '') === a.trainOn) trainIdx.push(i);
    trainTable = t.select(trainIdx);
  }
  const notes: string[] = [];
  const model = trainModel(trainTable, meta, { ...opts, onProgress: (m) => void (/lowered/.test(m) && notes.push(m)), onStep: trainProgress(io, a.quiet) });
  const trainedOn = a.baseline && a.baseline.length
    ? `the baseline (${formatValue(trainTable.n)} flows from ${a.baseline.join(', ')})`
    : a.trainOn !== undefined
      ? `the input's ${formatValue(trainTable.n)} flows labeled ${a.trainOn} (of ${formatValue(t.n)})`
      : `the input itself (${formatValue(trainTable.n)} flows: anomalies are rare flows of this capture; --baseline learns from attack-free traffic instead)`;
  const sa = model.training.setAside;
  if (sa) notes.unshift(describeSetAside(sa));
  else if (!known) notes.unshift('clean fit (--fit-mode clean): every flow of the input was learned as normal, attacks in it included');
  // two passes over the table, no record kept per flow (report/analysis.ts)
  const scorer = new Scorer(model, t);
  if (a.outDir) await mkdir(a.outDir, { recursive: true });
  const spill = a.outDir ? tempPathFor(join(a.outDir, 'incidents.jsonl')) : undefined;
  const ao = { labelColumn: a.labelColumn, explain: a.explain, incidentGap: a.incidentGap, topIncidents: a.top, spill };
  try {
    const st = scoreTable(scorer, t, ao);
    const { perCluster, anomalies, incidents, byLabel } = st;
    if (a.outDir) await writeScored(a.outDir, 'scores', scorer, t, st, ao);
    const top = [...st.anomalous.subarray(0, Math.max(0, a.topFlows))].map((i) => recordAt(scorer, t, st, ao, i));
    const summary: ScoreSummary = {
      flows: t.n,
      anomalies,
      perCluster,
      threshold: model.thresholds.spec,
      scope: model.thresholds.rule.scope,
      model: describeDetector(model),
      trainedOn,
      notes,
      profileHeading: 'its flows (scored into it)',
    };
    const parts = [formatSummary(summary, 20, true)];
    if (byLabel.size) {
      parts.push('\nflagged per label: ' + [...byLabel.entries()].sort((x, y) => y[1].n - x[1].n).map(([l, e]) => `${l} ${formatValue(e.flagged)}/${formatValue(e.n)}`).join(' · '));
    }
    if (st.skipped < anomalies) parts.push('\n' + formatIncidents(incidents.top(), a.top, anomalies, a.incidentGap, { total: incidents.length, bySeverity: incidents.bySeverity }));
    else if (anomalies) parts.push('\nno incidents: the input has no flow addresses to group anomalies by (a KDD-style table)');
    if (top.length) parts.push(`\ntop ${top.length} anomalous flows:`);
    top.forEach((r, i) => parts.push(formatBlock(i + 1, r, model.thresholds.rule.scope === 'cluster' ? `${model.thresholds.spec}, per cluster` : model.thresholds.spec)));
    const text = parts.join('\n') + '\n';
    io.stdout.write(text);
    if (a.outDir) {
      await saveModel(join(a.outDir, 'model.json'), model);
      await writeScored(a.outDir, 'anomalies', scorer, t, st, ao, st.anomalous);
      const inc = openOutput(join(a.outDir, 'incidents.jsonl'));
      try {
        await incidents.writeJsonl(inc);
        await inc.close();
      } catch (e) {
        await inc.abort();
        throw e;
      }
      // what the analysis was made from: the server's per-flow pcap download reads the captures again
      const meta = openOutput(join(a.outDir, 'analysis.json'));
      meta.write(JSON.stringify({ schema: 'flowsift.analysis/1', inputs: a.inputs.map((p) => (p === '-' ? p : resolve(p))), baseline: (a.baseline ?? []).map((p) => resolve(String(p))) }) + '\n');
      await meta.close();
      const sum = openOutput(join(a.outDir, 'summary.txt'));
      sum.write(text);
      await sum.close();
      // the report reads the records as an iterable: each pass re-scores the rows (none are kept)
      const records = { *[Symbol.iterator]() { for (let i = 0; i < t.n; i++) yield recordAt(scorer, t, st, ao, i); } };
      if (a.report) await reportFromAnalysis(model, records, t, a.outDir, { inputs: a.inputs });
    }
    if (!a.quiet) {
      io.stderr.write(`flowsift: analyzed ${formatValue(t.n)} flows in ${((performance.now() - t0) / 1000).toFixed(1)} s${a.outDir ? ` → ${a.outDir}/{model.json,scores.jsonl,anomalies.jsonl,incidents.jsonl,scores.parquet,anomalies.parquet,summary.txt,analysis.json${a.report ? ',report.html' : ''}}` : ''}\n`);
    }
    if (io.signal.aborted) return EXIT.INTERRUPTED;
    return ro.errors.count > 0 ? EXIT.BAD_INPUT : EXIT.OK;
  } finally {
    // the incidents' spill, if anything stopped before incidents.jsonl was made from it
    if (spill) rmSync(spill, { force: true });
  }
}

const def: CommandDef<AnalyzeArgs> = {
  command: 'analyze <inputs..>',
  describe: 'One shot: captures → flows → train → score → terminal summary with the top anomalies (+ files in --out-dir)',
  builder: (y) =>
    withTrainOptions(
      y
        .positional('inputs', { describe: 'Captures (pcap/pcapng, dirs) or datasets', type: 'string', array: true })
        .option('out-dir', { type: 'string', describe: 'Write model.json, scores.jsonl + scores.parquet, anomalies.jsonl + anomalies.parquet, incidents.jsonl, summary.txt here (query them with flowsift query DIR)', requiresArg: true })
        .option('baseline', { type: 'string', array: true, describe: 'Learn normal traffic from these captures/datasets (attack-free) instead of from the inputs themselves', requiresArg: true })
        .option('top', { type: 'number', default: 10, describe: 'Incidents shown in the summary', requiresArg: true })
        .option('top-flows', { type: 'number', default: 5, describe: 'Anomalous flows shown after the incidents', requiresArg: true })
        .option('incident-gap', { type: 'number', default: 30, describe: 'Seconds without a flow that end an incident', requiresArg: true })
        .option('explain', { type: 'number', default: 3, describe: 'Reasons per flow', requiresArg: true })
        .option('report', { type: 'boolean', default: false, describe: 'Also write report.html (the self-contained HTML report, as `flowsift report`) into --out-dir; fits the k sweep for its charts (as --sweep)' })
        .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No timing line on stderr' }),
      TRAIN_DEFAULTS,
    ) as unknown as Argv<AnalyzeArgs>,
  run: (a, io) => runAnalyze({ ...a, inputs: a.inputs.map(String) }, io),
};

export default def;
