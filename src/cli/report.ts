/**
 * `flowsift report <analysis-dir | scored-file -m model.json> -o report.html [--charts DIR]`: one
 * self-contained HTML file with the run, the model choice, clusters, scores, traffic, incidents and
 * anomalies, and — with labels — detection quality and the chi-square association of the
 * categorical features with the label. `--charts DIR` also writes each chart as SVG and PNG.
 */
import type { Argv } from 'yargs';
import { EXIT } from '../errors.ts';
import type { CliIO, CommandDef } from './command.ts';
import { buildReport, resolveReportInputs, writeChartFiles, writeReport } from '../report/build.ts';
import { cliReadOptions } from './options.ts';

interface ReportArgs {
  input: string;
  model?: string;
  output: string;
  charts?: string;
  flows?: string[];
  title?: string;
  maxPoints: number;
  top: number;
  topIncidents: number;
  quiet: boolean;
}

async function runReport(a: ReportArgs, io: CliIO): Promise<number> {
  const t0 = performance.now();
  const inputs = resolveReportInputs(a.input, a.model, a.flows?.map(String));
  const ro = cliReadOptions(io, a.quiet);
  const built = await buildReport(inputs, { title: a.title, maxPoints: a.maxPoints, topAnomalies: a.top, topIncidents: a.topIncidents, signal: io.signal, read: ro });
  if (io.signal.aborted) return EXIT.INTERRUPTED;
  await writeReport(a.output, built.html);
  let charts: string[] = [];
  if (a.charts) charts = await writeChartFiles(a.charts, built.charts);
  if (!a.quiet) {
    const absent = built.charts.filter((c) => !c.spec).map((c) => c.def.id);
    io.stderr.write(
      `flowsift: report ${a.output}: ${built.charts.length - absent.length} charts${absent.length ? ` (absent: ${absent.join(', ')})` : ''}, ${(Buffer.byteLength(built.html) / 1e6).toFixed(2)} MB, ${((performance.now() - t0) / 1000).toFixed(1)} s${a.charts ? `; ${charts.length} charts as SVG + PNG in ${a.charts}` : ''}\n`,
    );
  }
  return ro.errors.count > 0 ? EXIT.BAD_INPUT : EXIT.OK;
}

const def: CommandDef<ReportArgs> = {
  optionFlags: { model: '-m' },
  command: 'report <input>',
  describe: 'Self-contained HTML report (charts, tables, metrics) of an analysis directory or a scored file + model',
  builder: (y) =>
    y
      .positional('input', { describe: "An analysis directory ('analyze --out-dir') or a scored file (JSON Lines, CSV, Parquet) with -m", type: 'string' })
      .option('model', { alias: 'm', type: 'string', describe: 'The model the flows were scored with (default: model.json in the analysis directory)', requiresArg: true })
      .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'The HTML file to write', requiresArg: true })
      .option('charts', { type: 'string', describe: 'Also write every chart as <name>.svg and <name>.png into this directory', requiresArg: true })
      .option('flows', { type: 'string', array: true, describe: 'Captures or datasets of the scored flows: adds the correlation matrix (and bytes over time for scores without byte counts)', requiresArg: true })
      .option('title', { type: 'string', describe: 'Page title', requiresArg: true })
      .option('max-points', { type: 'number', default: 3000, describe: 'Most flows drawn in the PCA scatter (anomalies first, then an even sample)', requiresArg: true })
      .option('top', { type: 'number', default: 500, describe: 'Anomalies listed in the table', requiresArg: true })
      .option('top-incidents', { type: 'number', default: 300, describe: 'Incidents listed (the highest-ranked)', requiresArg: true })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No summary line on stderr' }) as unknown as Argv<ReportArgs>,
  run: (a, io) => runReport({ ...a, input: String(a.input) }, io),
};

export default def;
