/**
 * `flowsift score <capture|dataset>... -m model.json`: one anomaly record per flow (JSON Lines,
 * CSV, or a terminal table of the top anomalies). Exit 4 with --fail-on-anomaly when any flow is
 * anomalous; exit 3 on unreadable input or an incompatible model.
 */
import type { Argv } from 'yargs';
import { EXIT, UsageError } from '../errors.ts';
import type { CliIO, CommandDef } from './command.ts';
import { loadModel } from '../model/model-file.ts';
import { openOutput } from '../dataset/output.ts';
import { csvWriter, jsonlWriter, REPORT_FORMATS, tableWriter, type RecordWriter, type ReportFormat } from '../report/format.ts';
import { scoreInputs } from '../report/score-run.ts';
import { cliReadOptions, FUSION_CHOICES, FUSION_HELP } from './options.ts';
import { scoresParquetWriter } from '../store/scores-parquet.ts';
import { incidentWriter, writeIncidentsJsonl } from '../report/incidents/index.ts';

interface ScoreArgs {
  inputs: string[];
  model: string;
  output: string;
  format?: ReportFormat | 'parquet';
  onlyAnomalies: boolean;
  explain: number;
  failOnAnomaly: boolean;
  pca: boolean;
  top: number;
  labelColumn: string;
  quiet: boolean;
  incidents?: string;
  incidentGap: number;
  fusion?: (typeof FUSION_CHOICES)[number];
}

function formatFor(a: ScoreArgs): ReportFormat | 'parquet' {
  if (a.format) return a.format;
  if (/\.(parquet|pq)$/i.test(a.output)) return 'parquet';
  if (/\.csv$/i.test(a.output)) return 'csv';
  if (a.output === '-' && (process.stdout as { isTTY?: boolean }).isTTY) return 'table';
  return 'jsonl';
}

/** `detectors`: the model has an autoencoder (the CSV gets its and the fusion's columns). */
export function openRecordWriter(format: ReportFormat, sink: ReturnType<typeof openOutput>, top: number, detectors = false): RecordWriter {
  return format === 'csv' ? csvWriter(sink, detectors) : format === 'table' ? tableWriter(sink, top) : jsonlWriter(sink);
}

async function runScore(a: ScoreArgs, io: CliIO): Promise<number> {
  if (!Number.isInteger(a.explain) || a.explain < 0) throw new UsageError(`--explain must be an integer ≥ 0, got ${String(a.explain)}`);
  if (!Number.isInteger(a.top) || a.top < 1) throw new UsageError(`--top must be an integer ≥ 1, got ${String(a.top)}`);
  if (!(a.incidentGap > 0)) throw new UsageError(`--incident-gap must be a number of seconds > 0, got ${String(a.incidentGap)}`);
  const model = await loadModel(a.model);
  if (a.fusion !== undefined) {
    // the model keeps what every rule needs (both thresholds, the training quantiles), so the rule can change at scoring time
    if (!model.fusion) throw new UsageError(`--fusion combines two detectors: ${a.model} is a ${model.detector ?? 'kmeans'} model, not a hybrid (train it with --detector hybrid)`);
    if (a.fusion === 'score' && !model.fusion.score) throw new UsageError(`--fusion score: ${a.model} was trained before the score fusion existed and lacks its parameters: retrain it`);
    model.fusion.rule = a.fusion;
  }
  const format = formatFor(a);
  if (format === 'parquet' && a.output === '-') throw new UsageError('--format parquet writes a file: give it with -o FILE.parquet');
  // Parquet: the records go straight into the file's row groups (renamed into place at the end)
  const pq = format === 'parquet' ? scoresParquetWriter(a.output) : undefined;
  const sink = pq ? { close: async () => undefined, abort: () => pq.abort() } : openOutput(a.output, io.stdout);
  const inner = (): RecordWriter => pq ?? openRecordWriter(format as ReportFormat, sink as ReturnType<typeof openOutput>, a.top, model.autoencoder !== undefined && (model.detector ?? 'kmeans') !== 'kmeans');
  if (!(a.incidentGap > 0)) throw new UsageError(`--incident-gap must be a number of seconds > 0, got ${String(a.incidentGap)}`);
  // --incidents: records pass through the grouping (which tags them with incident_id) on their way out
  const incSink = a.incidents !== undefined ? openOutput(a.incidents) : undefined;
  let nIncidents = 0;
  const writer = incSink
    ? incidentWriter(inner(), { gap: a.incidentGap }, async (list) => {
        nIncidents = list.length;
        await writeIncidentsJsonl(incSink, list);
      })
    : inner();
  const ro = cliReadOptions(io, a.quiet);
  let res;
  try {
    res = await scoreInputs(a.inputs, model, a.model, writer, {
      explain: a.explain,
      onlyAnomalies: a.onlyAnomalies,
      pca: a.pca,
      labelColumn: a.labelColumn,
      ...ro,
    });
    await sink.close();
    await incSink?.close();
  } catch (e) {
    // keep what was scored before a bad input row: close (commit) the outputs, then report
    await sink.close().catch(() => sink.abort());
    await incSink?.close().catch(() => incSink.abort());
    throw e;
  }
  const s = res.summary;
  if (!a.quiet && format !== 'table') {
    io.stderr.write(`flowsift: ${s.flows.toLocaleString('en-US')} flows scored, ${s.anomalies.toLocaleString('en-US')} anomalies (threshold ${s.threshold}, ${s.scope})${a.output !== '-' ? ` → ${a.output}` : ''}${incSink ? `, ${nIncidents.toLocaleString('en-US')} incidents → ${a.incidents}` : ''}\n`);
  }
  if (io.signal.aborted) return EXIT.INTERRUPTED;
  if (ro.errors.count > 0) return EXIT.BAD_INPUT;
  if (a.failOnAnomaly && s.anomalies > 0) return EXIT.ANOMALIES;
  return EXIT.OK;
}

const def: CommandDef<ScoreArgs> = {
  command: 'score <inputs..>',
  describe: 'Score flows (captures or datasets) against a model: one anomaly record per flow',
  builder: (y) =>
    y
      .positional('inputs', { describe: 'Captures (pcap/pcapng, dirs) or datasets (flowsift CSV/JSONL/Parquet, NSL-KDD/KDD99)', type: 'string', array: true })
      .option('model', { alias: 'm', type: 'string', demandOption: true, describe: 'Model file (flowsift train)', requiresArg: true })
      .option('output', { alias: 'o', type: 'string', default: '-', describe: 'Output file, written atomically; - = stdout', requiresArg: true })
      .option('format', { choices: [...REPORT_FORMATS, 'parquet'], describe: 'jsonl (one object a flow), csv, table (summary + top anomalies), or parquet (typed columns, reasons as a list of structs; needs -o). Default: csv for *.csv, parquet for *.parquet, table on a terminal, else jsonl' })
      .option('only-anomalies', { type: 'boolean', default: false, describe: 'Write only the anomalous flows' })
      .option('explain', { type: 'number', default: 3, describe: 'Reasons per flow: the top N features by share of the distance', requiresArg: true })
      .option('fail-on-anomaly', { type: 'boolean', default: false, describe: 'Exit 4 when any flow is anomalous (CI / cron)' })
      .option('pca', { type: 'boolean', default: false, describe: 'Add pca_x / pca_y (the model’s 2-D projection) to each record' })
      .option('top', { type: 'number', default: 20, describe: 'Anomalies shown by --format table', requiresArg: true })
      .option('label-column', { type: 'string', default: 'label', describe: 'Ground-truth column carried into the records', requiresArg: true })
      .option('incidents', { type: 'string', describe: 'Also group the anomalies into incidents and write them here (JSON Lines, ranked); each anomaly record gets its incident_id', requiresArg: true })
      .option('incident-gap', { type: 'number', default: 30, describe: 'Seconds without a flow that end an incident', requiresArg: true })
      .option('fusion', { choices: FUSION_CHOICES, describe: `A hybrid model: score with this fusion rule instead of the model's (${FUSION_HELP})` })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No summary on stderr' }) as unknown as Argv<ScoreArgs>,
  run: (a, io) => runScore({ ...a, inputs: a.inputs.map(String) }, io),
};

export default def;
