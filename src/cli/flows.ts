/**
 * `flowsift flows <capture|dir|->... [-o FILE|-] [--format csv|kdd|jsonl] [--idle-timeout S]
 *  [--active-timeout S] [--time-window S] [--host-window N] [--strict]`
 *
 * One row per bidirectional flow, ordered by flow start time: identity columns, the 41 KDD features,
 * extras (src/features/schema.ts). Data goes to stdout unless -o; the summary, warnings and the
 * progress bar go to stderr. Files are written atomically (temp + rename).
 *
 * Exit 3 on an input fault — after writing every flow read before it — and when the output would be
 * empty (the message says why; no file is left behind).
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Argv } from 'yargs';
import cliProgress from 'cli-progress';
import { inputBytes } from '../capture/index.ts';
import { EXIT, UsageError } from '../errors.ts';
import { isSupportedLinktype, linktypeName } from '../decode/linktype.ts';
import { extractFlows, type ExtractOptions, type ExtractSummary } from '../features/extract.ts';
import { FLOW_COLUMNS } from '../features/schema.ts';
import { isCaptureInput, LABEL_COLUMNS } from '../dataset/read.ts';
import type { Row } from '../dataset/types.ts';
import type { FlowRecord } from '../flow/record.ts';
import { OUTPUT_FORMATS, SPLIT_BY, outputFormatFromPath, type OutputFormat, type SplitBy } from '../dataset/partition.ts';
import { FlowCsvWriter } from '../dataset/flow-csv.ts';
import { engineThreadPriority, finishLabels, openLabeler, openOutputWriter, withLabelOptions, withPriorityOption, type LabelFlags, type PriorityFlags } from './options.ts';
import type { FlowPlugin } from '../flow/plugin.ts';
import type { CliIO, CommandDef } from './command.ts';

export interface FlowsArgs extends LabelFlags, PriorityFlags {
  captures: string[];
  output: string;
  format?: OutputFormat;
  /** Partitioned output (-o names a directory). */
  splitBy?: SplitBy;
  idleTimeout: number;
  activeTimeout: number;
  timeWindow: number;
  hostWindow: number;
  strict: boolean;
  /** Resource bounds and corrupt-header recovery (issue 7). */
  resync?: boolean;
  maxFlows?: number;
  maxFragmentBuffers?: number;
  maxFragmentBytes?: number;
  quiet: boolean;
  progress?: 'auto' | 'always' | 'never';
  /** Payload stage (content features 10–22); --no-content = false. Default on. */
  content?: boolean;
  /** Payload bytes inspected per flow and direction (default 65,536). */
  contentBytes?: number;
  /** 1: everything on one thread; 2: the packet path on a worker thread; default: 2 from 128 MiB of capture files. */
  threads?: number;
  /** Suricata-style flow key with the VLAN ids (default: Zeek's, VLAN ignored). */
  vlanKey?: boolean;
}

/** Inputs at least this large (bytes) get a progress bar when stderr is a terminal. */
export const PROGRESS_MIN_BYTES = 64 << 20;

function builder(y: Argv): Argv<FlowsArgs> {
  return withPriorityOption(withLabelOptions(y))
    .positional('captures', {
      describe: 'Capture files (pcap/pcapng, plain or gzip), directories (every capture inside, ordered by first packet), or - (or nothing) for stdin',
      type: 'string',
      array: true,
    })
    .option('output', { alias: 'o', type: 'string', default: '-', describe: 'Output file, written atomically (temp + rename); - = stdout', requiresArg: true })
    .option('format', {
      choices: OUTPUT_FORMATS,
      describe: 'csv: header + all columns; kdd: the 41 KDD features like KDDTrain+.txt (no header, whole-second duration, 2-decimal rates; tcp/udp/icmp only); jsonl: one JSON object per line; parquet: typed columns (ts TIMESTAMP(MICROS, UTC)) in streamed row groups. Default: from the -o extension (.csv; .kdd/.txt; .jsonl/.ndjson; .parquet/.pq), else csv',
    })
    .option('split-by', { choices: SPLIT_BY, describe: 'Partitioned output: -o names a directory that gets date=YYYY-MM-DD[/hour=HH]/part-N.<ext> (UTC, by flow start) or file=<capture>/part-N.<ext> (each capture on its own); default format parquet' })
    .option('idle-timeout', { type: 'number', default: 120, describe: 'End a flow after this many seconds without a packet (packet time)', requiresArg: true })
    .option('active-timeout', { type: 'number', default: 0, describe: 'Cut a flow this many seconds after its start (0 = off); also bounds how long rows wait to come out in start order', requiresArg: true })
    .option('time-window', { type: 'number', default: 2, describe: 'Time window of features 23–31, seconds by flow start time', requiresArg: true })
    .option('host-window', { type: 'number', default: 100, describe: 'Host window of features 32–41, in connections', requiresArg: true })
    .option('content', { type: 'boolean', default: true, describe: 'Payload stage: KDD content features 10–22 from cleartext TCP payloads (ftp, telnet, rlogin/rsh, pop3, imap, smtp, http; rules in README). --no-content turns it off (faster; features 0, payload_inspected false)' })
    .option('content-bytes', { type: 'number', default: 65536, describe: 'Payload bytes the content stage inspects per flow and direction', requiresArg: true })
    .option('threads', { type: 'number', describe: 'Threads: 1 = read, decode, flows, features and output on one; 2 = read → decode → flow engine on a second thread (the rows are the same). Default: 2 when the capture files add up to 128 MiB or more, else 1; stdin is always read on one', requiresArg: true })
    .option('vlan-key', { type: 'boolean', default: false, describe: 'Suricata-style flow key: packets on different VLANs (802.1Q id, and the QinQ inner id) are different flows. Default: Zeek\'s key, VLAN ignored, so a connection tagged on one side and untagged on the other stays one flow' })
    .option('strict', { type: 'boolean', default: false, describe: 'A capture cut inside its last record is an error (exit 3), not a warning' })
    .option('resync', { type: 'boolean', default: false, describe: 'Classic pcap: after a corrupt record header, skip to the next plausible record (the skipped byte range is reported) instead of stopping' })
    .option('max-flows', { type: 'number', default: 500_000, describe: 'Live flows at most; beyond it the least recently active flow is ended early (counted in the summary)', requiresArg: true })
    .option('max-fragment-buffers', { type: 'number', default: 4096, describe: 'Partially reassembled IP datagrams held at once (drops counted in the summary)', requiresArg: true })
    .option('max-fragment-bytes', { type: 'number', default: 32 * 1024 * 1024, describe: 'Fragment bytes held at once (drops counted in the summary)', requiresArg: true })
    .option('progress', { choices: ['auto', 'always', 'never'] as const, default: 'auto', describe: 'Progress bar on stderr: auto = when stderr is a terminal and the input is ≥ 64 MiB' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No summary on stderr (errors and warnings still)' })
    .epilog(
      'Rows are ordered by flow start time. Windows include the current connection. Content features 10–22 (hot … is_guest_login) ' +
        'come from the payload stage (cleartext login protocols) and are 0 unless it inspected the flow (column payload_inspected: ' +
        'false for encrypted or unrecognised traffic). Columns: see README "Flow columns".',
    ) as unknown as Argv<FlowsArgs>;
}

function validate(a: FlowsArgs): OutputFormat {
  if (a.format !== undefined && !OUTPUT_FORMATS.includes(a.format)) {
    throw new UsageError(`--format must be one of ${OUTPUT_FORMATS.join(', ')}, got ${String(a.format)}`);
  }
  const num = (name: string, v: number, min: number, integer = false): void => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
      throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got ${String(v)}`);
    }
  };
  num('idle-timeout', a.idleTimeout, 0);
  if (a.idleTimeout === 0) throw new UsageError('--idle-timeout must be > 0');
  num('active-timeout', a.activeTimeout, 0);
  num('time-window', a.timeWindow, 0);
  num('host-window', a.hostWindow, 1, true);
  num('max-flows', a.maxFlows ?? 500_000, 1, true);
  num('max-fragment-buffers', a.maxFragmentBuffers ?? 4096, 1, true);
  num('max-fragment-bytes', a.maxFragmentBytes ?? 32 * 1024 * 1024, 1, true);
  if (a.contentBytes !== undefined) num('content-bytes', a.contentBytes, 0, true);
  if (a.threads !== undefined && a.threads !== 1 && a.threads !== 2) throw new UsageError(`--threads must be 1 or 2, got ${String(a.threads)}`);
  if (a.splitBy !== undefined) return a.format ?? 'parquet';
  const fromExt = outputFormatFromPath(a.output);
  if (a.format !== undefined) return a.format;
  if (fromExt === null) {
    throw new UsageError(`cannot tell the output format from '${a.output}': use --format csv|kdd|jsonl|parquet (or an extension .csv, .kdd, .txt, .jsonl, .ndjson, .parquet)`);
  }
  return fromExt ?? 'csv';
}

const nf = new Intl.NumberFormat('en-US');

function skippedText(s: ExtractSummary): string {
  if (s.skippedTotal === 0) return '';
  const parts = Object.entries(s.skipped).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${nf.format(v)} ${k}`);
  return ` (${nf.format(s.skippedTotal)} skipped: ${parts.join(', ')})`;
}

/** Why an output is empty, in one line. */
function emptyReason(s: ExtractSummary, format: OutputFormat, nonKdd: number): string {
  if (s.packets === 0) {
    if (s.aborted) return 'interrupted before any packet was read';
    if (s.errors.length > 0) return 'no packets could be read';
    return s.files.length === 0 ? 'no capture files found in the input' : 'the input holds no packets';
  }
  if (s.flows === 0) {
    // Name the link types the decoder does not support ("link type 105 (IEEE802_11) unsupported").
    const lts = [...new Set(s.files.flatMap((f) => f.linktypes))].filter((lt) => !isSupportedLinktype(lt));
    const why = lts.length > 0 && (s.skipped['unsupported-linktype'] ?? 0) > 0 ? `; link type ${lts.map((lt) => `${lt} (${linktypeName(lt)})`).join(', ')} unsupported` : '';
    return `none of the ${nf.format(s.packets)} packets belongs to an IP flow${skippedText(s)}${why}`;
  }
  if (format === 'kdd' && nonKdd === s.flows) return `all ${nf.format(nonKdd)} flows use IP protocols other than tcp/udp/icmp, which the KDD format cannot encode (use --format csv)`;
  return 'no flows';
}

export async function runFlows(args: FlowsArgs, io: CliIO, plugins: FlowPlugin[] = []): Promise<number> {
  const format = validate(args);
  // yargs drops a lone '-' positional, so `flows -` arrives with no captures: both mean stdin.
  const inputs = (args.captures ?? []).map(String);
  if (inputs.length === 0) {
    if ((io.stdin as { isTTY?: boolean }).isTTY) throw new UsageError('name a capture file or directory, or pipe a capture to stdin (-)');
    inputs.push('-');
  }
  if (args.threads === 2 && inputs.includes('-')) throw new UsageError('--threads 2 needs capture files: stdin is read on one thread');
  if (args.threads === 2 && plugins.length > 0) throw new UsageError('--threads 2 cannot be used with flow plugins (they need the packets on the calling thread)');
  const labeler = await openLabeler(args);
  const byFile = args.splitBy === 'file' ? new FileTracker() : undefined;
  const columns = labeler ? [...FLOW_COLUMNS, ...LABEL_COLUMNS] : FLOW_COLUMNS;
  const { writer } = openOutputWriter({ output: args.output, format, splitBy: args.splitBy }, columns, io, byFile?.sourceOf, FLOW_COLUMNS.map((c) => c.name));

  let bar: cliProgress.SingleBar | undefined;
  const progress = args.progress ?? 'auto';
  const total = progress === 'always' || (progress === 'auto' && io.stderrIsTTY && !args.quiet) && !inputs.includes('-') ? inputBytes(inputs) : 0;
  let doneBytes = 0;
  let fileBase = 0;
  if (total > 0 && (progress === 'always' || total >= PROGRESS_MIN_BYTES)) {
    bar = new cliProgress.SingleBar(
      { stream: io.stderr as NodeJS.WritableStream, format: 'flows [{bar}] {percentage}% | {packets} packets | {flows} flows | {eta_formatted}', hideCursor: false, clearOnComplete: true, noTTYOutput: progress === 'always', notTTYSchedule: 1000 },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { packets: 0, flows: 0 });
  }
  const opts: ExtractOptions = {
    idleTimeout: args.idleTimeout,
    activeTimeout: args.activeTimeout,
    timeWindow: args.timeWindow,
    hostWindow: args.hostWindow,
    strict: args.strict,
    resync: args.resync,
    flow: { vlanKey: args.vlanKey === true, maxFlows: args.maxFlows, maxFragmentBuffers: args.maxFragmentBuffers, maxFragmentBytes: args.maxFragmentBytes },
    signal: io.signal,
    stdin: io.stdin,
    plugins,
    content: args.content === false ? false : { maxBytes: args.contentBytes ?? 65536 },
    worker: args.threads === undefined ? undefined : args.threads === 2,
    onEngineThread: engineThreadPriority(args),
    onProgress: bar && ((p) => {
      doneBytes = Math.min(total, fileBase + p.fileBytes);
      bar!.update(doneBytes, { packets: nf.format(p.packets), flows: nf.format(p.flows) });
    }),
    onFile: (fr) => {
      fileBase += fr.bytesRead;
    },
  };

  // Unlabeled CSV: flows are written straight from their records (no Row objects; same bytes).
  opts.flowWriter = !labeler && writer instanceof FlowCsvWriter ? writer : undefined;
  let summary: ExtractSummary;
  try {
    summary = await extractFlowsSplit(inputs, opts, (row) => {
      labeler?.labelRow(row);
      return writer.write(row);
    }, byFile);
  } catch (e) {
    bar?.stop();
    await writer.abort();
    throw e;
  }
  bar?.stop();

  const nonKdd = writer.skipped ?? 0;
  const written = summary.flows - nonKdd;
  for (const w of summary.warnings) io.stderr.write(`flowsift: warning: ${w}\n`);
  for (const e of summary.errors) io.stderr.write(`flowsift: ${e.message}\n`);

  if (written === 0) {
    await writer.abort();
    io.stderr.write(`flowsift: nothing written${args.output === '-' ? '' : ` to ${args.output}`}: ${emptyReason(summary, format, nonKdd)}\n`);
    return summary.aborted ? EXIT.INTERRUPTED : EXIT.BAD_INPUT;
  }
  const n = await writer.close();
  if (labeler) await finishLabels(labeler, args, io, args.quiet);

  if (!args.quiet) {
    const files = summary.files.length;
    let line = `flowsift: read ${nf.format(files)} file${files === 1 ? '' : 's'}, ${nf.format(summary.packets)} packets${skippedText(summary)}, ` +
      `${nf.format(n)} flow${n === 1 ? '' : 's'} written to ${args.output === '-' ? 'stdout' : args.output} (${format})`;
    if (nonKdd > 0) line += `, ${nf.format(nonKdd)} flows of other IP protocols not written (no KDD encoding)`;
    line += `, ${summary.seconds.toFixed(2)} s`;
    if (summary.aborted) line += ' (interrupted: flows read so far were written)';
    io.stderr.write(line + '\n');
    if (summary.forcedReleases > 0) {
      io.stderr.write(`flowsift: warning: ${nf.format(summary.forcedReleases)} rows were written before an earlier-started flow ended (too many flows held back); set --active-timeout to bound long flows\n`);
    }
    const fs = summary.flowStats;
    if (fs.evictions > 0) {
      io.stderr.write(`flowsift: warning: ${nf.format(fs.evictions)} flows ended early because --max-flows (${nf.format(args.maxFlows ?? 500_000)} live flows) was reached\n`);
    }
    if (fs.fragmentLimitHits > 0) {
      io.stderr.write(`flowsift: warning: ${nf.format(fs.fragmentLimitHits)} partially reassembled datagrams dropped at the fragment limits (--max-fragment-buffers / --max-fragment-bytes)\n`);
    }
    if (summary.outOfOrder > 0) {
      io.stderr.write(`flowsift: warning: ${nf.format(summary.outOfOrder)} flows started before rows already written (packets not in time order); their window features are approximate\n`);
    }
  }
  if (summary.errors.length > 0) return EXIT.BAD_INPUT;
  if (summary.aborted) return EXIT.INTERRUPTED;
  return EXIT.OK;
}

/** For --split-by file: which input file the rows being delivered come from. */
export class FileTracker {
  current = '';
  readonly sourceOf = (_row: Row): string => this.current;
}

function mergeSummary(a: ExtractSummary, b: ExtractSummary): ExtractSummary {
  const skipped = { ...a.skipped };
  for (const [k, v] of Object.entries(b.skipped)) skipped[k] = (skipped[k] ?? 0) + v;
  const flowStats = { ...a.flowStats } as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(b.flowStats)) {
    if (typeof v === 'number') flowStats[k] = k.startsWith('peak') ? Math.max(flowStats[k] as number, v) : (flowStats[k] as number) + v;
  }
  return {
    files: [...a.files, ...b.files], packets: a.packets + b.packets, skipped, skippedTotal: a.skippedTotal + b.skippedTotal,
    flows: a.flows + b.flows, errors: [...a.errors, ...b.errors], warnings: [...a.warnings, ...b.warnings],
    aborted: a.aborted || b.aborted, seconds: a.seconds + b.seconds, peakHeld: Math.max(a.peakHeld, b.peakHeld),
    forcedReleases: a.forcedReleases + b.forcedReleases, outOfOrder: a.outOfOrder + b.outOfOrder,
    flowStats: flowStats as unknown as ExtractSummary['flowStats'],
  };
}

/**
 * extractFlows, or — with a FileTracker (--split-by file) — one independent extraction per input
 * capture (directories: every capture inside, by name), so each flow belongs to exactly one file.
 */
export async function extractFlowsSplit(
  inputs: string[], opts: ExtractOptions, onRow: (row: Row, flow: FlowRecord) => void | Promise<void>, tracker?: FileTracker,
): Promise<ExtractSummary> {
  if (!tracker) return extractFlows(inputs, opts, onRow);
  const files: string[] = [];
  for (const input of inputs) {
    if (input !== '-' && statSync(input, { throwIfNoEntry: false })?.isDirectory()) {
      for (const name of readdirSync(input).sort()) {
        const p = join(input, name);
        if (!name.startsWith('.') && statSync(p).isFile() && (await isCaptureInput(p))) files.push(p);
      }
    } else files.push(input);
  }
  let summary: ExtractSummary | undefined;
  for (const f of files) {
    if (opts.signal?.aborted) break;
    tracker.current = f === '-' ? 'stdin' : basename(f);
    const s = await extractFlows([f], opts, onRow);
    summary = summary ? mergeSummary(summary, s) : s;
  }
  return summary ?? extractFlows([], opts, onRow);
}

const def: CommandDef<FlowsArgs> = {
  command: 'flows [captures..]',
  describe: 'Captures → one row per bidirectional flow with the 41 KDD features (CSV, KDD, JSON Lines or Parquet), optionally labeled from ground truth',
  builder,
  run: (args, io) => runFlows(args, io),
};

export default def;
