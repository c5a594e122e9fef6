/**
 * The whole pipeline: captures → records (readCaptures) → decoded packets (decodePacket) → flows
 * (FlowMeter, emitted in END order) → start-ordered release (StartOrderBuffer) → the 41 KDD
 * features + identity + extras as one Row per flow, delivered in START order.
 *
 * Per packet: one decode into a reused DecodedPacket and one FlowMeter.packet call; no allocation.
 * Per flow: one Row object.
 */
import { inputBytes, readCaptures, type FileReport, type ReadReport } from '../capture/index.ts';
import { inputSalt, saltRecord } from '../capture/salt.ts';
import type { CaptureRecord } from '../capture/record.ts';
import type { InputError } from '../errors.ts';
import { FlowMeter, type FlowOptions, type FlowStats } from '../flow/meter.ts';
import type { FlowPlugin } from '../flow/plugin.ts';
import { createContentPlugin, type ContentOptions } from './content/index.ts';
import type { ContentFeatures, FlowRecord } from '../flow/record.ts';
import { DEFAULT_STREAM_BYTES } from '../flow/reassembly.ts';
import { E, endedRecord } from '../flow/ended.ts';
import type { FlowLineWriter } from '../dataset/flow-csv.ts';
import type { Row } from '../dataset/types.ts';
import { ZERO_CONTENT, contentFeatures, errorClass, flowDuration } from './basic.ts';
import { flowService, SERVICE_INDEX } from './services.ts';
import { PacketPath } from './packet-path.ts';
import type { PipelineThreads } from './threaded.ts';
import { emptyWindowFeatures, StartOrderBuffer, TrafficWindows, type WindowFeatures } from './windows.ts';

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
 * Build the row of a flow: identity, the 41 KDD features, extras — keys in FLOW_COLUMNS order (so
 * JSON keeps the column order). `w` holds the flow's window features.
 */
export function flowRow(f: FlowRecord, service: string, w: WindowFeatures): Row {
  const c = contentFeatures(f);
  return {
    ts: f.startTs,
    uid: f.uid,
    community_id: f.communityId,
    src_ip: f.srcIp,
    src_port: f.srcPort,
    dst_ip: f.dstIp,
    dst_port: f.dstPort,
    proto: f.proto,
    duration: flowDuration(f),
    protocol_type: f.protocolType,
    service,
    flag: f.flag,
    src_bytes: f.srcBytes,
    dst_bytes: f.dstBytes,
    land: f.land,
    wrong_fragment: f.wrongFragment,
    urgent: f.urgent,
    hot: c.hot,
    num_failed_logins: c.num_failed_logins,
    logged_in: c.logged_in,
    num_compromised: c.num_compromised,
    root_shell: c.root_shell,
    su_attempted: c.su_attempted,
    num_root: c.num_root,
    num_file_creations: c.num_file_creations,
    num_shells: c.num_shells,
    num_access_files: c.num_access_files,
    num_outbound_cmds: c.num_outbound_cmds,
    is_host_login: c.is_host_login,
    is_guest_login: c.is_guest_login,
    count: w.count,
    srv_count: w.srv_count,
    serror_rate: w.serror_rate,
    srv_serror_rate: w.srv_serror_rate,
    rerror_rate: w.rerror_rate,
    srv_rerror_rate: w.srv_rerror_rate,
    same_srv_rate: w.same_srv_rate,
    diff_srv_rate: w.diff_srv_rate,
    srv_diff_host_rate: w.srv_diff_host_rate,
    dst_host_count: w.dst_host_count,
    dst_host_srv_count: w.dst_host_srv_count,
    dst_host_same_srv_rate: w.dst_host_same_srv_rate,
    dst_host_diff_srv_rate: w.dst_host_diff_srv_rate,
    dst_host_same_src_port_rate: w.dst_host_same_src_port_rate,
    dst_host_srv_diff_host_rate: w.dst_host_srv_diff_host_rate,
    dst_host_serror_rate: w.dst_host_serror_rate,
    dst_host_srv_serror_rate: w.dst_host_srv_serror_rate,
    dst_host_rerror_rate: w.dst_host_rerror_rate,
    dst_host_srv_rerror_rate: w.dst_host_srv_rerror_rate,
    conn_state: f.connState,
    history: f.history,
    end_reason: f.endReason,
    src_pkts: f.srcPkts,
    dst_pkts: f.dstPkts,
    src_ip_bytes: f.srcIpBytes,
    dst_ip_bytes: f.dstIpBytes,
    vlan: f.vlan,
    payload_inspected: f.payloadInspected,
    ip_version: f.ipVersion,
    tunnel: f.tunnel,
    tunnel_src: f.tunnelSrc,
    tunnel_dst: f.tunnelDst,
  };
}

/** Numbers of a held flow that need doubles (times, counters that may pass 2^31), per slot: W64. */
const D_START = 0, D_END = 1, D_SBYTES = 2, D_DBYTES = 3, D_SPKTS = 4, D_DPKTS = 5, D_SIPB = 6, D_DIPB = 7;
const W64 = 8;
/** Small integers of a held flow, per slot (W32): then its content features. */
const I_IPV = 0, I_PROTO = 1, I_SPORT = 2, I_DPORT = 3, I_VLAN = 4, I_ICMPT = 5, I_ICMPC = 6, I_LAND = 7, I_WFRAG = 8,
  I_URG = 9, I_INSPECTED = 10, I_HASCONTENT = 11, I_CONTENT = 12;
const CONTENT_KEYS = Object.keys(ZERO_CONTENT) as (keyof ContentFeatures)[];
const W32 = I_CONTENT + CONTENT_KEYS.length;
/** Strings of a held flow, per slot (S refs): uid, communityId, srcIp, dstIp, history, protocolType, flag, connState, endReason, tunnel, tunnelSrc, tunnelDst. */
const S = 12;
/** Own keys of a FlowRecord the store can rebuild (without / with `content`); anything else is held as the object itself. */
const RECORD_KEYS = 31;

function fitsInt32(v: number): boolean {
  return (v | 0) === v;
}

/**
 * Finished flows waiting for start order, kept compactly: numbers in typed arrays, strings in one
 * array, a slot per flow (slots reused, capacity grown by half). The FlowRecord objects die young
 * instead of being held for seconds of packet time (tens of thousands of them on a large capture):
 * holding them cost scavenges copying them, promotion, and old-space growth (peak RSS) proportional
 * to the capture. A record with fields the store does not know (a plugin's own) or values that do
 * not fit its arrays is held as the object itself.
 */
class HeldFlows {
  private f64 = new Float64Array(1024 * W64);
  private i32 = new Int32Array(1024 * W32);
  private str: (string | undefined)[] = new Array<string | undefined>(1024 * S);
  private obj: (FlowRecord | undefined)[] = [];
  private free: number[] = [];
  private cap = 1024;
  private next = 0;

  private slot(): number {
    if (this.free.length > 0) return this.free.pop()!;
    if (this.next === this.cap) {
      const cap = Math.ceil(this.cap * 1.5);
      const f64 = new Float64Array(cap * W64);
      f64.set(this.f64);
      this.f64 = f64;
      const i32 = new Int32Array(cap * W32);
      i32.set(this.i32);
      this.i32 = i32;
      this.str.length = cap * S;
      this.cap = cap;
    }
    return this.next++;
  }

  /** Whether the store can hold `f` field for field. */
  private fits(f: FlowRecord): boolean {
    const c = f.content;
    let keys = 0;
    for (const _ in f) keys++;
    if (keys !== (c !== undefined ? RECORD_KEYS + 1 : RECORD_KEYS)) return false;
    if (!(fitsInt32(f.ipVersion) && fitsInt32(f.proto) && fitsInt32(f.srcPort) && fitsInt32(f.dstPort) && fitsInt32(f.vlan) &&
      fitsInt32(f.icmpType) && fitsInt32(f.icmpCode) && fitsInt32(f.land) && fitsInt32(f.wrongFragment) && fitsInt32(f.urgent) &&
      typeof f.payloadInspected === 'boolean')) return false;
    if (c === undefined) return true;
    let ck = 0;
    for (const _ in c) ck++;
    if (ck !== CONTENT_KEYS.length) return false;
    for (let k = 0; k < CONTENT_KEYS.length; k++) if (!fitsInt32(c[CONTENT_KEYS[k]!])) return false;
    return true;
  }

  put(f: FlowRecord): number {
    const i = this.slot();
    if (!this.fits(f)) {
      this.obj[i] = f;
      return i;
    }
    const d = this.f64;
    const o = i * W64;
    d[o + D_START] = f.startTs;
    d[o + D_END] = f.endTs;
    d[o + D_SBYTES] = f.srcBytes;
    d[o + D_DBYTES] = f.dstBytes;
    d[o + D_SPKTS] = f.srcPkts;
    d[o + D_DPKTS] = f.dstPkts;
    d[o + D_SIPB] = f.srcIpBytes;
    d[o + D_DIPB] = f.dstIpBytes;
    const n = this.i32;
    const p = i * W32;
    n[p + I_IPV] = f.ipVersion;
    n[p + I_PROTO] = f.proto;
    n[p + I_SPORT] = f.srcPort;
    n[p + I_DPORT] = f.dstPort;
    n[p + I_VLAN] = f.vlan;
    n[p + I_ICMPT] = f.icmpType;
    n[p + I_ICMPC] = f.icmpCode;
    n[p + I_LAND] = f.land;
    n[p + I_WFRAG] = f.wrongFragment;
    n[p + I_URG] = f.urgent;
    n[p + I_INSPECTED] = f.payloadInspected ? 1 : 0;
    const c = f.content;
    n[p + I_HASCONTENT] = c !== undefined ? 1 : 0;
    if (c !== undefined) for (let k = 0; k < CONTENT_KEYS.length; k++) n[p + I_CONTENT + k] = c[CONTENT_KEYS[k]!];
    const str = this.str;
    const q = i * S;
    str[q] = f.uid;
    str[q + 1] = f.communityId;
    str[q + 2] = f.srcIp;
    str[q + 3] = f.dstIp;
    str[q + 4] = f.history;
    str[q + 5] = f.protocolType;
    str[q + 6] = f.flag;
    str[q + 7] = f.connState;
    str[q + 8] = f.endReason;
    str[q + 9] = f.tunnel;
    str[q + 10] = f.tunnelSrc;
    str[q + 11] = f.tunnelDst;
    return i;
  }

  /** The flow of slot `i` (rebuilt unless held as the object) — frees the slot. */
  take(i: number): FlowRecord {
    this.free.push(i);
    const held = this.obj[i];
    if (held !== undefined) {
      this.obj[i] = undefined;
      return held;
    }
    const d = this.f64;
    const o = i * W64;
    const n = this.i32;
    const p = i * W32;
    const str = this.str;
    const q = i * S;
    const f: FlowRecord = {
      uid: str[q]!,
      communityId: str[q + 1]!,
      startTs: d[o + D_START]!,
      endTs: d[o + D_END]!,
      ipVersion: n[p + I_IPV] as 4 | 6,
      proto: n[p + I_PROTO]!,
      protocolType: str[q + 5] as FlowRecord['protocolType'],
      srcIp: str[q + 2]!,
      dstIp: str[q + 3]!,
      srcPort: n[p + I_SPORT]!,
      dstPort: n[p + I_DPORT]!,
      vlan: n[p + I_VLAN]!,
      icmpType: n[p + I_ICMPT]!,
      icmpCode: n[p + I_ICMPC]!,
      flag: str[q + 6] as FlowRecord['flag'],
      connState: str[q + 7] as FlowRecord['connState'],
      history: str[q + 4]!,
      endReason: str[q + 8] as FlowRecord['endReason'],
      srcBytes: d[o + D_SBYTES]!,
      dstBytes: d[o + D_DBYTES]!,
      srcPkts: d[o + D_SPKTS]!,
      dstPkts: d[o + D_DPKTS]!,
      srcIpBytes: d[o + D_SIPB]!,
      dstIpBytes: d[o + D_DIPB]!,
      land: n[p + I_LAND] as 0 | 1,
      wrongFragment: n[p + I_WFRAG]!,
      urgent: n[p + I_URG]!,
      payloadInspected: n[p + I_INSPECTED] === 1,
      tunnel: str[q + 9]!,
      tunnelSrc: str[q + 10]!,
      tunnelDst: str[q + 11]!,
    };
    if (n[p + I_HASCONTENT] === 1) {
      const c = {} as Record<keyof ContentFeatures, number>;
      for (let k = 0; k < CONTENT_KEYS.length; k++) c[CONTENT_KEYS[k]!] = n[p + I_CONTENT + k]!;
      f.content = c as ContentFeatures;
    }
    str.fill(undefined, q, q + S);
    return f;
  }
}

/**
 * Finished flows of the two-thread pipeline waiting for start order, as the flow engine sent them:
 * numbers in layout E (src/flow/ended.ts), history letters, content results. The FlowRecord — its
 * strings: uid, Community ID, addresses — is built only when the flow is released, so those
 * strings die young instead of being held (and promoted) for seconds of packet time.
 */
class HeldEnded {
  private f64 = new Float64Array(1024 * E.SIZE);
  private history: string[] = [];
  private inspected = new Uint8Array(1024);
  private content: (ContentFeatures | undefined)[] = [];
  private free: number[] = [];
  private cap = 1024;
  private next = 0;

  constructor(private readonly seed: number) {}

  put(e: Float64Array, at: number, history: string, inspected: boolean, content: ContentFeatures | undefined): number {
    let i: number;
    if (this.free.length > 0) i = this.free.pop()!;
    else {
      if (this.next === this.cap) {
        const cap = Math.ceil(this.cap * 1.5);
        const f64 = new Float64Array(cap * E.SIZE);
        f64.set(this.f64);
        this.f64 = f64;
        const ins = new Uint8Array(cap);
        ins.set(this.inspected);
        this.inspected = ins;
        this.cap = cap;
      }
      i = this.next++;
    }
    const d = this.f64;
    for (let k = 0, o = i * E.SIZE; k < E.SIZE; k++) d[o + k] = e[at + k]!; // no view object per flow
    this.history[i] = history;
    this.inspected[i] = inspected ? 1 : 0;
    this.content[i] = content;
    return i;
  }

  take(i: number): FlowRecord {
    this.free.push(i);
    const f = endedRecord(this.f64, i * E.SIZE, this.history[i]!, this.seed);
    if (this.inspected[i] === 1) f.payloadInspected = true;
    const c = this.content[i];
    if (c !== undefined) {
      f.content = c;
      this.content[i] = undefined;
    }
    return f;
  }
}

/** Slots of the HeldEnded store carry this bit in the start-order buffer. */
const ENDED_SLOT = 0x40000000;

/**
 * Turns finished flows (END order) into rows (START order) with the window features. Usable on its
 * own with any flow source: `push` each finished flow, `release(oldestLiveStart)` when the source's
 * earliest open flow changes, `finish()` at the end.
 */
export class FeatureStage {
  readonly windows: TrafficWindows;
  /** Held flows in start order (slots of the compact store). */
  readonly buffer: StartOrderBuffer<number>;
  flows = 0;
  outOfOrder = 0;
  private readonly held = new HeldFlows();
  private heldEnded: HeldEnded | undefined;
  private readonly win = emptyWindowFeatures();
  private readonly conn = { startTs: 0, dstHost: '', service: 0, srcPort: 0, err: 0 };
  private readonly emitFn: (slot: number) => void;

  /**
   * `onFlow`, when given, takes each flow instead of `onRow` (no Row built): its record, service and
   * window features (reused: valid during the call).
   */
  constructor(
    opts: { timeWindow?: number; hostWindow?: number; maxHeld?: number },
    private readonly onRow: (row: Row, flow: FlowRecord) => void,
    private readonly onFlow?: (f: FlowRecord, service: string, w: Readonly<WindowFeatures>) => void,
  ) {
    this.windows = new TrafficWindows(opts);
    this.buffer = new StartOrderBuffer<number>(opts.maxHeld);
    this.emitFn = (slot) => this.emit(slot >= ENDED_SLOT ? this.heldEnded!.take(slot - ENDED_SLOT) : this.held.take(slot));
  }

  push(f: FlowRecord): void {
    this.buffer.add(this.held.put(f), f.startTs);
  }

  /**
   * A finished flow as numbers (`e[at …]` in layout E of src/flow/ended.ts) with its history and
   * content results: its FlowRecord is built when it is released (seed = Community ID seed).
   */
  pushEnded(e: Float64Array, at: number, history: string, inspected: boolean, content: ContentFeatures | undefined, seed: number): void {
    const store = (this.heldEnded ??= new HeldEnded(seed));
    this.buffer.add(store.put(e, at, history, inspected, content) + ENDED_SLOT, e[at + E.START]!);
  }
  release(oldestLiveStart: number): void {
    this.buffer.release(oldestLiveStart, this.emitFn);
  }

  finish(): void {
    this.buffer.drain(this.emitFn);
  }

  private emit(f: FlowRecord): void {
    const service = flowService(f);
    const c = this.conn;
    if (f.startTs < this.windows.lastStart) this.outOfOrder++;
    c.startTs = f.startTs;
    c.dstHost = f.dstIp;
    c.service = SERVICE_INDEX.get(service)!;
    c.srcPort = f.srcPort;
    c.err = errorClass(f.flag);
    this.windows.add(c, this.win);
    this.flows++;
    if (this.onFlow !== undefined) this.onFlow(f, service, this.win);
    else this.onRow(flowRow(f, service, this.win), f);
  }
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

/** The packet path on this thread: read → decode → FlowMeter (with plugins) → stage. */
async function runInline(
  inputs: string[], opts: ExtractOptions, meterOpts: FlowOptions, stage: FeatureStage, signal: AbortSignal, sinkFailed: () => boolean,
  saltStdin = false,
): Promise<{ report: ReadReport; flowStats: FlowStats; skipped: Record<string, number> }> {
  const path = new PacketPath();
  const meter = new FlowMeter(
    meterOpts,
    (f) => {
      stage.push(f);
      path.flowEnded();
    },
    pipelinePlugins(opts),
  );
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

/** The caller's plugins, then the payload stage (content features) unless `content: false`. */
function pipelinePlugins(opts: ExtractOptions): FlowPlugin[] {
  const plugins = [...(opts.plugins ?? [])];
  if (opts.content !== false) {
    const co = typeof opts.content === 'object' ? opts.content : {};
    plugins.push(createContentPlugin({ ...co, slot: plugins.length }));
  }
  return plugins;
}
