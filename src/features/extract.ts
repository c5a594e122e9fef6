/**
 * The pipeline driver: captures → records (readCaptures) → decoded packets → flows (FlowMeter, in
 * END order) → the feature stage (stage.ts: held for START order, service, window features) → one
 * Row per flow, or one CSV line straight from the flow (flowWriter). The packet path runs on this
 * thread (runInline) or on a worker (threaded.ts); both feed the same stage with the same events.
 *
 * Per packet: one decode into a reused DecodedPacket and one FlowMeter.packet call; no allocation.
 */
import { inputBytes, readCaptures, type FileReport, type ReadReport } from '../capture/index.ts';
import { inputSalt, saltRecord } from '../capture/salt.ts';
import type { CaptureRecord } from '../capture/record.ts';
import type { InputError } from '../errors.ts';
import { FlowMeter, type FlowOptions, type FlowStats } from '../flow/meter.ts';
import type { FlowPlugin } from '../flow/plugin.ts';
import type { FlowRecord } from '../flow/record.ts';
import { DEFAULT_STREAM_BYTES } from '../flow/reassembly.ts';
import type { FlowLineWriter } from '../dataset/flow-csv.ts';
import type { Row } from '../dataset/types.ts';
import { createContentPlugin, type ContentOptions } from './content/index.ts';
import { PacketPath } from './packet-path.ts';
import type { FlowColumn } from './schema.ts';
import { FeatureStage } from './stage.ts';
import type { PipelineThreads } from './threaded.ts';
import type { WindowFeatures } from './windows.ts';

export { FeatureStage } from './stage.ts';
export { flowRow } from './row.ts';

export interface ExtractOptions {
  /** Idle timeout in seconds (FlowMeter default 120). */
  idleTimeout?: number;
  /** Active timeout in seconds, 0 = off (default off). Also bounds how long rows wait for start order. */
  activeTimeout?: number;
  /** Time window for features 23–31, seconds (default 2). */
  timeWindow?: number;
  /** Host window for features 32–41, connections (default 100). */
  hostWindow?: number;
  /** A file cut inside its last record is an error, not a warning. */
  strict?: boolean;
  /** Classic pcap: skip a corrupt record header to the next plausible one (reported as a warning) instead of stopping. */
  resync?: boolean;
  /** Stop reading when aborted; flows read so far are finished (end_reason eof) and written. */
  signal?: AbortSignal;
  /** Stream for the input '-'. */
  stdin?: NodeJS.ReadableStream;
  /** Flow plugins (e.g. the payload stage filling the content features). */
  plugins?: FlowPlugin[];
  /** The payload stage (KDD content features 10–22, src/features/content): on unless false; an object sets its options. */
  content?: boolean | ContentOptions;
  /** Further FlowMeter options (tcpLinger, maxFlows, fragment limits, …); explicit fields above win. */
  flow?: FlowOptions;
  /**
   * Run the packet path (read → decode → flow engine) on a worker thread, the content analyzers,
   * window features and onRow on this one. Default: when the input is ≥ 128 MiB of files and no
   * `plugins` are given (they need the packets on this thread); stdin always runs here.
   */
  worker?: boolean;
  /**
   * Called on the calling thread once the flow-engine thread runs (two threads only); what it
   * returns is called when that thread is done. The CLI lowers its main thread's priority here
   * (--main-nice); the library itself never changes a priority.
   */
  onEngineThread?: () => (() => void) | undefined;
  /** Most finished flows held back waiting for an earlier-started flow (default 500,000). */
  maxHeld?: number;
  /** The columns of each Row (default FLOW_COLUMNS): flow columns with their readers, e.g. FLOW_COLUMNS plus one of your own. */
  columns?: readonly FlowColumn[];
  /**
   * Rows go to this writer as they are — each flow's record, service and window features, valid
   * during the call — instead of as Row objects to `onRow` (not called then): no Row is built.
   * The `flows` command's fast path to CSV (src/dataset/flow-csv.ts).
   */
  flowWriter?: FlowLineWriter;
  /** Progress: called every 65,536 packets and at each file's end. */
  onProgress?(p: ExtractProgress): void;
  /** A file finished (its reader report). */
  onFile?(f: FileReport): void;
}

export interface ExtractProgress {
  file: string;
  /** Byte offset reached in the current (decompressed) file. */
  fileBytes: number;
  /** Packets read so far (all files). */
  packets: number;
  /** Rows delivered so far. */
  flows: number;
}

export interface ExtractSummary {
  files: FileReport[];
  /** Packets read from the captures. */
  packets: number;
  /** Packets that made no flow, by reason (decoder stop reason such as not-ip, or the meter's). */
  skipped: Record<string, number>;
  skippedTotal: number;
  /** Rows delivered (one per flow). */
  flows: number;
  /** Input faults (reading stopped at each; everything before was used). */
  errors: InputError[];
  warnings: string[];
  /** Reading stopped because the signal was aborted. */
  aborted: boolean;
  /** Wall-clock seconds. */
  seconds: number;
  /** Most finished flows held for start order at once. */
  peakHeld: number;
  /** Rows released before an earlier-started flow ended (maxHeld reached). */
  forcedReleases: number;
  /** Flows that started before an already delivered row (input not in time order); their windows are approximate. */
  outOfOrder: number;
  /** The flow meter's own statistics. */
  flowStats: FlowStats;
  /** With the worker thread: how each thread spent its time. */
  threads?: PipelineThreads;
}

/**
 * Run the pipeline over `inputs` (files, directories, '-'), calling `onRow` once per flow in start
 * order. Input faults do not throw: they are in the summary (`errors`), and everything read before
 * a fault is delivered. If `onRow` returns a promise that rejects (e.g. the output failed), reading
 * stops and the rejection is thrown.
 */
export async function extractFlows(
  inputs: string[],
  opts: ExtractOptions,
  onRow: (row: Row, flow: FlowRecord) => void | Promise<void>,
): Promise<ExtractSummary> {
  const t0 = performance.now();
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;

  let pending: Promise<void> | undefined;
  let sinkError: unknown;
  /** A sink's result: a promise is tracked (its failure stops reading and is thrown at the end). */
  const track = (r: void | Promise<void>): void => {
    if (r !== undefined && typeof (r as Promise<void>).then === 'function') {
      // Handle the rejection at once (a handler attached later would leave it "unhandled"); the
      // chain only tracks completion and never rejects.
      const handled = (r as Promise<void>).then(undefined, (e: unknown) => {
        if (sinkError === undefined) sinkError = e;
        stop.abort();
      });
      pending = pending === undefined ? handled : pending.then(() => handled);
    }
  };
  const deliver = (row: Row, flow: FlowRecord): void => {
    if (sinkError === undefined) track(onRow(row, flow));
  };
  const fw = opts.flowWriter;
  const deliverFlow = fw === undefined ? undefined : (f: FlowRecord, service: string, w: Readonly<WindowFeatures>): void => {
    if (sinkError === undefined) track(fw.writeFlow(f, service, w));
  };

  const stage = new FeatureStage(opts, deliver, deliverFlow);
  const meterOpts: FlowOptions = { ...(opts.flow ?? {}) };
  if (opts.idleTimeout !== undefined) meterOpts.idleTimeout = opts.idleTimeout;
  if (opts.activeTimeout !== undefined) meterOpts.activeTimeout = opts.activeTimeout;
  // Uids unique across inputs, reproducible for one: salted by the input's content.
  const saltStdin = meterOpts.uidSalt === undefined && inputs.includes('-');
  meterOpts.uidSalt ??= inputSalt(inputs);
  const onProgress = opts.onProgress;

  let run: { report: ReadReport; flowStats: FlowStats; skipped: Record<string, number>; threads?: PipelineThreads };
  if (useWorker(inputs, opts)) {
    const content = opts.content === false ? undefined : typeof opts.content === 'object' ? opts.content : {};
    const { runThreaded } = await import('./threaded.ts');
    let donePackets = 0; // packets of the files finished so far
    run = await runThreaded(
      {
        inputs,
        strict: opts.strict,
        resync: opts.resync,
        meter: meterOpts,
        contentBytes: content === undefined ? undefined : content.maxBytes ?? DEFAULT_STREAM_BYTES,
      },
      stage,
      {
        content,
        communityIdSeed: meterOpts.communityIdSeed ?? 0,
        onEngineThread: opts.onEngineThread,
        signal,
        onProgress: onProgress === undefined ? undefined : (file, fileBytes, packets) => {
          onProgress({ file, fileBytes, packets, flows: stage.flows });
        },
        onFile: (fr) => {
          donePackets += fr.packets;
          onProgress?.({ file: fr.file, fileBytes: fr.bytesRead, packets: donePackets, flows: stage.flows });
          opts.onFile?.(fr);
        },
        sinkFailed: () => sinkError !== undefined,
      },
    );
  } else {
    run = await runInline(inputs, opts, meterOpts, stage, signal, () => sinkError !== undefined, saltStdin);
  }
  if (pending !== undefined) await pending.catch(() => undefined);
  if (sinkError !== undefined) throw sinkError;

  const { report, flowStats } = run;
  const skipped = run.skipped;
  // IP packets the meter could not use (L4 header cut or bad), by the decoder's stop reason.
  for (const [k, v] of Object.entries(flowStats.skipped)) if (v > 0) skipped[k] = (skipped[k] ?? 0) + v;
  if (flowStats.fragmentTimeouts > 0) skipped['incomplete-fragmented-datagram'] = flowStats.fragmentTimeouts;
  let skippedTotal = 0;
  for (const k in skipped) skippedTotal += skipped[k]!;
  return {
    files: report.files,
    packets: report.packets,
    skipped,
    skippedTotal,
    flows: stage.flows,
    errors: report.errors,
    warnings: report.warnings,
    aborted: opts.signal?.aborted === true,
    seconds: (performance.now() - t0) / 1000,
    peakHeld: stage.buffer.peakHeld,
    forcedReleases: stage.buffer.forcedReleases,
    outOfOrder: stage.outOfOrder,
    flowStats,
    threads: run.threads,
  };
}

/** Inputs of at least this many bytes (files, or files in the directories given) use the worker thread. */
export const WORKER_MIN_BYTES = 128 * 1024 * 1024;

/**
 * Whether the packet path runs on a worker thread: as `opts.worker` says, else when the input is
 * large (≥ WORKER_MIN_BYTES), is not stdin, and no caller plugin needs the packets on this thread.
 */
function useWorker(inputs: string[], opts: ExtractOptions): boolean {
  const local = (opts.plugins?.length ?? 0) > 0 || inputs.includes('-');
  if (opts.worker !== undefined) {
    if (opts.worker && local) throw new RangeError('extractFlows: worker: true needs file inputs and no plugins (plugins and stdin run on the calling thread)');
    return opts.worker;
  }
  if (local) return false;
  return inputBytes(inputs) >= WORKER_MIN_BYTES;
}

/**
 * The packet path on this thread: read → decode → FlowMeter → stage. Without caller plugins, ended
 * flows go to the stage as numbers, exactly as the worker sends them (their records are built when
 * released); a caller's plugins get the record at the flow's end, which the stage then holds.
 */
async function runInline(
  inputs: string[], opts: ExtractOptions, meterOpts: FlowOptions, stage: FeatureStage, signal: AbortSignal, sinkFailed: () => boolean,
  saltStdin = false,
): Promise<{ report: ReadReport; flowStats: FlowStats; skipped: Record<string, number> }> {
  const path = new PacketPath();
  const own = opts.plugins ?? [];
  const co = opts.content === false ? undefined : typeof opts.content === 'object' ? opts.content : {};
  const content = co === undefined ? [] : [createContentPlugin(co)];
  const seed = meterOpts.communityIdSeed ?? 0;
  const meter = own.length === 0
    ? new FlowMeter(meterOpts, {
      ended: (e, history, out) => {
        stage.pushEnded(e, 0, history, out.payloadInspected, out.content, seed);
        path.flowEnded();
      },
    }, content)
    : new FlowMeter(meterOpts, (f) => {
      stage.push(f);
      path.flowEnded();
    }, [...own, ...content]);
  const onProgress = opts.onProgress;
  let unsalted = saltStdin;
  const onRecord = (rec: CaptureRecord): void => {
    if (unsalted && rec.file === '-') {
      // Stdin cannot be read ahead: its first packet salts the uids (before any flow exists from it).
      unsalted = false;
      meter.uidSalt = saltRecord(meter.uidSalt, rec.tsSec, rec.tsNsec, rec.buf.subarray(rec.offset, rec.offset + rec.caplen));
    }
    if (path.record(rec, meter)) stage.release(meter.oldestLiveStart());
    if (onProgress !== undefined && (path.packets & 0xffff) === 0) {
      onProgress({ file: rec.file, fileBytes: rec.byteOffset, packets: path.packets, flows: stage.flows });
    }
  };
  const report = await readCaptures(inputs, onRecord, {
    strict: opts.strict,
    resync: opts.resync,
    signal,
    stdin: opts.stdin,
    onFile: (fr) => {
      opts.onProgress?.({ file: fr.file, fileBytes: fr.bytesRead, packets: path.packets, flows: stage.flows });
      opts.onFile?.(fr);
    },
  });
  if (!sinkFailed()) {
    meter.finish();
    stage.finish();
  }
  return { report, flowStats: meter.stats, skipped: path.skipped };
}
