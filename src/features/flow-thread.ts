/**
 * The flow-engine thread of the two-thread pipeline (threaded.ts has the design, events.ts
 * the event layout): read → decode → FlowMeter, writing ended flows, payload segments of the flows the
 * content stage inspects, releases, progress and reports into the shared ring. Kept apart from the
 * main-thread side so the worker loads only the packet path (no analyzers, windows or writers).
 */
import { readFileSync } from 'node:fs';
import { readCaptures, type ReadReport } from '../capture/index.ts';
import type { CaptureRecord } from '../capture/record.ts';
import type { DecodedPacket } from '../decode/packet.ts';
import { FlowMeter, type FlowOptions, type FlowStats } from '../flow/meter.ts';
import type { FlowContext, FlowPlugin, FlowResults } from '../flow/plugin.ts';
import { classifyFlow } from './content/classify.ts';
import { PacketPath } from './packet-path.ts';
import { RingWriter } from './ring.ts';
import { EventWriter, T_END, T_FILE } from './events.ts';

/**
 * Ring data bytes (a record is at most a quarter of it: larger payloads and reports go in pieces):
 * how far the flow engine may run ahead when the main thread falls behind for a while. Payload
 * segments of the content stage are most of the traffic, so it gets the larger ring; the flow
 * engine's waits for ring space are printed by scripts/bench-flows.ts.
 */
export function ringBytes(content: boolean): number {
  return (content ? 16 : 8) * 1024 * 1024;
}
/**
 * The worker's read window: 2 MiB (the reader's default is 4 MiB). It double-buffers, so the
 * smaller window saves the memory the content stage's larger ring takes; one read per ~10 k
 * packets costs nothing measurable (scripts/bench-flows.ts: peak RSS).
 */
const READ_CHUNK = 2 * 1024 * 1024;

/** What the worker needs (structured-cloneable). */
export interface FlowThreadData {
  sab: SharedArrayBuffer;
  inputs: string[];
  strict?: boolean;
  resync?: boolean;
  meter: FlowOptions;
  /** Payload bytes per direction the content stage inspects; undefined = no content stage. */
  contentBytes?: number;
}

/** What the worker reports at its end. */
export interface EndEvent {
  report: ReadReport;
  flowStats: FlowStats;
  skipped: Record<string, number>;
  /** NaN off Linux, which JSON carries as null. */
  cpuMs: number | null;
  waitMs: number;
}

/** How the two threads of a run spent their time (benchmarks: which one is the bottleneck). */
export interface PipelineThreads {
  /** CPU seconds of the flow-engine (worker) thread / the main thread during the run; NaN where the OS does not say (not Linux). */
  workerCpuSeconds: number;
  mainCpuSeconds: number;
  /** Seconds the worker waited for the main thread (ring full) / the main thread waited for the worker (ring empty). */
  workerWaitSeconds: number;
  mainWaitSeconds: number;
}

/** CPU milliseconds used by the calling thread so far (Linux /proc, 10 ms ticks); NaN elsewhere. */
export function threadCpuMs(): number {
  try {
    const fields = readFileSync('/proc/thread-self/stat', 'utf8');
    const f = fields.slice(fields.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, in USER_HZ (100) ticks
  } catch {
    return NaN;
  }
}

/**
 * The worker's only plugin: passes payload segments of the flows classifyFlow picks to the main
 * thread. Each such flow gets a small content slot number (its plugin state) that names it in the
 * events, so the main thread keeps its analyzer state in an array, not a map; a slot is free again
 * once the flow's end event is written (events are read in order).
 */
class PayloadTap implements FlowPlugin<number, FlowResults> {
  readonly name = 'payload-tap';
  readonly payloadOnly = true;
  private readonly free: number[] = [];
  private next = 0;
  /** The content slot of the flow being ended (onExpire → the FLOW event), -1 when it has none. */
  private ending = -1;

  constructor(private readonly out: EventWriter, private readonly maxBytes: number) {}

  onInit(flow: FlowContext, pkt: DecodedPacket, _rec: CaptureRecord, fromOrig: boolean): number | undefined {
    const kind = classifyFlow(flow.proto, flow.dstPort, fromOrig, pkt.buf, pkt.payloadOffset, pkt.payloadCaptured, this.maxBytes);
    if (kind === 0) return undefined;
    // One path for new and reused slots (a branch first taken at the first reuse deoptimized the packet loop).
    if (this.free.length === 0) this.free.push(this.next++);
    const slot = this.free.pop()!;
    this.out.payload(slot, fromOrig, kind, pkt);
    return slot;
  }

  onPacket(slot: number, _flow: FlowContext, pkt: DecodedPacket, _rec: CaptureRecord, fromOrig: boolean): void {
    this.out.payload(slot, fromOrig, 0, pkt);
  }

  onExpire(slot: number): void {
    this.free.push(slot);
    this.ending = slot;
  }

  /** The content slot of the flow that just ended (-1: none); called once per ended flow. */
  ended(): number {
    const s = this.ending;
    this.ending = -1;
    return s;
  }
}

/** The worker thread's body (flow-worker.ts runs it). */
export async function flowThread(d: FlowThreadData): Promise<void> {
  const cpu0 = threadCpuMs();
  const ring = new RingWriter(d.sab);
  const out = new EventWriter(ring);
  const path = new PacketPath();
  const tap = d.contentBytes !== undefined ? new PayloadTap(out, d.contentBytes) : undefined;
  const meter = new FlowMeter(d.meter, {
    ended: (e, history) => {
      out.flow(e, history, tap !== undefined ? tap.ended() : -1);
      path.flowEnded();
    },
  }, tap !== undefined ? [tap] : []);
  const stop = new AbortController();
  const onRecord = (rec: CaptureRecord): void => {
    if (path.record(rec, meter)) out.release(meter.oldestLiveStart());
    // From packet 512 on (512, 4608, …; progress at 512, 66048, …): calls first made at packet
    // 4,096 or 65,536, after V8 optimized the packet loop, deoptimized it (and the first packets run
    // before V8 records type feedback).
    const packets = path.packets;
    if ((packets & 0xfff) === 512) {
      if (ring.aborted) stop.abort();
      if ((packets & 0xffff) === 512) out.progress(rec.file, rec.byteOffset, packets);
    }
  };
  const report = await readCaptures(d.inputs, onRecord, {
    chunkSize: READ_CHUNK,
    strict: d.strict,
    resync: d.resync,
    signal: stop.signal,
    onFile: (fr) => {
      out.json(T_FILE, fr);
      if (ring.aborted) stop.abort();
    },
  });
  meter.finish();
  const end: EndEvent = { report, flowStats: meter.stats, skipped: path.skipped, cpuMs: threadCpuMs() - cpu0, waitMs: ring.waitedMs };
  out.json(T_END, end);
  ring.publish();
}
