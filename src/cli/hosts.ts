/**
 * `flowsift hosts <capture|dataset>... [--window S] [-o FILE] [--format csv|jsonl|parquet]
 *  [--labels FILE …]`
 *
 * Per source IP and time window: flows, bytes, packets, failed connections (REJ/S0/RSTO/RSTR/
 * RSTOS0/SH), unique destinations and destination ports (src/dataset/hosts.ts). Inputs may be
 * captures (pcap/pcapng, plain or gzip, or directories of them: flows are extracted first) or flow
 * datasets written by flowsift (CSV, JSON Lines, Parquet) — told apart by content. With --labels
 * (or labeled datasets) each host row gets the dominant attack label of its flows.
 */
import type { Argv } from 'yargs';
import { EXIT, InputError, UsageError } from '../errors.ts';
import { extractFlows } from '../features/extract.ts';
import { HostAggregator } from '../dataset/hosts.ts';
import { isCaptureInput, readDataset } from '../dataset/read.ts';
import type { Row } from '../dataset/types.ts';
import {
  engineThreadPriority, finishLabels, namingFlags, openLabeler, openOutputWriter, withLabelOptions, withOutputOptions, withPriorityOption,
  type LabelFlags, type OutputFlags, type PriorityFlags,
} from './options.ts';
import type { CliIO, CommandDef } from './command.ts';

interface HostsArgs extends LabelFlags, OutputFlags, PriorityFlags {
  inputs: string[];
  window: number;
  quiet: boolean;
}

function builder(y: Argv): Argv<HostsArgs> {
  const y1 = y
    .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'Captures (files, directories, - for stdin) and/or flowsift flow datasets (CSV, JSON Lines, Parquet)' })
    .option('window', { type: 'number', default: 60, requiresArg: true, describe: 'Time window in seconds (aligned to the epoch; a flow counts in the window of its start)' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No summary on stderr' });
  return withPriorityOption(withOutputOptions(withLabelOptions(y1))) as unknown as Argv<HostsArgs>;
}

export async function runHosts(a: HostsArgs, io: CliIO): Promise<number> {
  if (a.splitBy !== undefined) throw new UsageError('hosts writes one table; --split-by is for flow datasets');
  if (a.format === 'kdd') throw new UsageError('--format kdd holds the 41 KDD flow features only; write host aggregates as csv, jsonl or parquet');
  const labeler = await openLabeler(a);
  const agg = namingFlags({ window: '--window' }, () => new HostAggregator(a.window, a.labelDefault));
  const captures: string[] = [];
  const datasets: string[] = [];
  for (const p of a.inputs.map(String)) (await isCaptureInput(p) ? captures : datasets).push(p);
  const add = (row: Row): void => {
    if (labeler) labeler.labelRow(row);
    agg.add(row);
  };
  const faults: InputError[] = [];
  if (captures.length > 0) {
    const s = await extractFlows(captures, { signal: io.signal, stdin: io.stdin, onEngineThread: engineThreadPriority(a) }, add);
    for (const w of s.warnings) io.stderr.write(`flowsift: warning: ${w}\n`);
    faults.push(...s.errors);
  }
  for (const d of datasets) {
    try {
      for await (const row of readDataset(d, { signal: io.signal })) add(row);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      faults.push(e);
    }
  }
  for (const f of faults) io.stderr.write(`flowsift: ${f.message}\n`);
  if (agg.size === 0) {
    io.stderr.write('flowsift: nothing written: the inputs hold no flows\n');
    return EXIT.BAD_INPUT;
  }
  const { writer, format } = openOutputWriter(a, agg.columns, io);
  try {
    for (const r of agg.rows()) await writer.write(r);
  } catch (e) {
    await writer.abort();
    throw e;
  }
  const n = await writer.close();
  if (labeler) await finishLabels(labeler, a, io, a.quiet);
  if (!a.quiet) {
    io.stderr.write(`flowsift: ${agg.rowsIn} flows → ${n} (source, ${a.window} s window) rows written to ${a.output === '-' ? 'stdout' : a.output} (${format})\n`);
  }
  if (faults.length > 0) return EXIT.BAD_INPUT;
  return io.signal.aborted ? EXIT.INTERRUPTED : EXIT.OK;
}

const def: CommandDef<HostsArgs> = {
  command: 'hosts <inputs..>',
  describe: 'Per source IP and time window: flows, bytes, packets, failed connections, unique destinations/ports',
  builder,
  run: runHosts,
};

export default def;
