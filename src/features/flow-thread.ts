/**
 * The flow-engine thread of the two-thread pipeline (threaded.ts has the design and the event
 * layout): read → decode → FlowMeter, writing ended flows, payload segments of the flows the
 * content stage inspects, releases, progress and reports into the shared ring. Kept apart from the
 * main-thread side so the worker loads only the packet path (no analyzers, windows or writers).
 */
import { readFileSync } from 'node:fs';
import { readCaptures, type ReadReport } from '../capture/index.ts';
import type { CaptureRecord } from '../capture/record.ts';
import type { DecodedPacket } from '../decode/packet.ts';
import { InputError } from '../errors.ts';
import { E } from '../flow/ended.ts';
import { FlowMeter, type FlowOptions, type FlowStats } from '../flow/meter.ts';
import type { FlowContext, FlowPlugin } from '../flow/plugin.ts';
import { classifyFlow, clientIp4 } from './content/classify.ts';
import { PacketPath } from './packet-path.ts';
import { RingWriter } from './ring.ts';

export const T_FLOW = 1, T_PAYLOAD = 2, T_RELEASE = 3, T_PROGRESS = 4, T_FILE = 5, T_END = 6, T_PART = 7, T_BYTES = 8;
/** Most payload bytes in one ring record; PAYLOAD's PIECES_FOLLOW bit: its bytes come in BYTES records. */
export const MAX_PIECE = 1024 * 1024;
export const PIECES_FOLLOW = 1 << 20;
/** Characters of JSON per ring record (UTF-8: at most 3 bytes each, well under a quarter of the ring). */
const JSON_PIECE = 256 * 1024;
/**
 * Ring data bytes (a record is at most a quarter of it: larger payloads and reports go in pieces).
 * What it holds is how far the flow engine may run ahead of the main thread when the main thread
 * falls behind for a while. Ended flows alone take ~37 MB of events per GB of bench capture: 8 MiB
 * is ~0.2 GB of lead. With the content stage the payload segments add ~240 MB per GB, and 8 MiB
 * filled: on bench1g.pcap the flow engine waited in 10–20 ms stalls mid-run and ~45 ms at the end of
 * input (when ~30 k live flows end at once), ~0.1 s in all. 16 MiB ends most of that wait:
 * alternated runs, median wall 1.66 → 1.59 s (worker wait 0.08 → 0.03 s), peak RSS +9 MB. (Emitting
 * released flows in small budgets, so the main thread reads the ring sooner, did not help: measured,
 * dropped.)
 */
export function ringBytes(content: boolean): number {
  return (content ? 16 : 8) * 1024 * 1024;
}
export const FLOW_HEAD = 16 + E.SIZE * 8;

const align8 = (n: number): number => (n + 7) & ~7;

/**
 * The worker's read window: 2 MiB (the reader's default is 4 MiB). It double-buffers (two buffers
 * of chunk + 512 KiB: 4 MiB less), which pays for the content stage's larger ring; one read per
 * ~10 k packets is still no cost (alternated runs on bench1g.pcap: same wall time, median peak RSS
 * 221 → 204 MB; bench2g.pcap 228–238 MB, as with the 8 MiB ring and 4 MiB reads).
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

class EventWriter {
  private readonly buf: Buffer;
  private srcBuf: Uint8Array | null = null;
  private srcView: Uint8Array = new Uint8Array(0);
  /** Bytes of the record being written (open → close). */
  private size = 0;

  constructor(readonly ring: RingWriter) {
    this.buf = Buffer.from(ring.sab, ring.u8.byteOffset, ring.size);
    // Replaced at each new read buffer: stored twice here so V8 tracks them as mutable from the
    // start (the first replacement, after the packet loop was optimized, deoptimized it).
    this.srcBuf = this.buf;
    this.srcView = new Uint8Array(0);
    this.srcBuf = null;
  }

  /** Reserve a record of `bytes` (rounded up to 8) and write its first word and size; returns its offset. */
  private open(word0: number, bytes: number): number {
    const n = align8(bytes);
    const r = this.ring;
    const at = r.reserve(n);
    r.i32[at >> 2] = word0;
    r.i32[(at >> 2) + 1] = n;
    this.size = n;
    return at;
  }

  private close(): void {
    this.ring.commit(this.size);
  }

  flow(e: Float64Array, history: string, contentSlot: number): void {
    const hl = history.length;
    const at = this.open(T_FLOW | (hl << 8), FLOW_HEAD + hl);
    const r = this.ring;
    r.i32[(at >> 2) + 2] = contentSlot;
    r.f64.set(e, (at >> 3) + 2);
    const u8 = r.u8;
    for (let i = 0, o = at + FLOW_HEAD; i < hl; i++) u8[o + i] = history.charCodeAt(i);
    this.close();
  }

  payload(slot: number, fromOrig: boolean, kind: number, pkt: DecodedPacket): void {
    const len = pkt.payloadCaptured;
    const off = pkt.payloadOffset;
    const src = pkt.buf;
    // A segment larger than a ring record may be (only from odd captures: an IPv4 total length of 0
    // on a huge frame) goes as a header, then its bytes in BYTES records; the reader joins them.
    const big = len > MAX_PIECE;
    // The bytes start `pad` bytes after the header, so that they sit at the same address mod 8 as in
    // the read buffer (the header and the ring's data area are 8-aligned): V8 copies into shared
    // memory with relaxed atomics, a byte at a time unless source and target are equally aligned.
    const pad = big ? 0 : (src.byteOffset + off) & 7;
    const at = this.open(T_PAYLOAD | ((fromOrig ? 1 : 0) << 8) | (kind << 9) | (big ? PIECES_FOLLOW : 0), 32 + (big ? 0 : pad + len));
    const w = at >> 2;
    const i32 = this.ring.i32;
    i32[w + 2] = slot;
    i32[w + 3] = pkt.seq | 0;
    i32[w + 4] = pkt.tcpFlags;
    i32[w + 5] = len;
    let ipWord = 0;
    if (kind !== 0) {
      const ip = clientIp4(pkt, fromOrig);
      i32[w + 6] = ip | 0;
      ipWord = ip >= 0 ? 1 : 0;
    }
    i32[w + 7] = ipWord | (pad << 1);
    if (big) {
      this.close();
      for (let done = 0; done < len; done += MAX_PIECE) {
        const piece = Math.min(MAX_PIECE, len - done);
        this.copy(src, off + done, piece, this.open(T_BYTES, 8 + piece) + 8);
        this.close();
      }
      return;
    }
    const to = at + 32 + pad;
    if (len <= 128) {
      // Keystrokes, short commands and replies: a loop beats making a view to copy from.
      const u8 = this.ring.u8;
      for (let i = 0; i < len; i++) u8[to + i] = src[off + i]!;
    } else {
      this.copy(src, off, len, to);
    }
    this.close();
  }

  /** A plain view of the packet's whole buffer, made once per buffer (not a Buffer: its subarray
   *  goes through the slower Buffer constructor), then one memcpy into the ring at `to`. */
  private copy(src: Uint8Array, off: number, len: number, to: number): void {
    if (src !== this.srcBuf) {
      this.srcBuf = src;
      this.srcView = new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
    }
    this.ring.u8.set(this.srcView.subarray(off, off + len), to);
  }

  release(oldestLiveStart: number): void {
    const at = this.open(T_RELEASE, 16);
    this.ring.f64[(at >> 3) + 1] = oldestLiveStart;
    this.close();
  }

  progress(file: string, fileBytes: number, packets: number): void {
    const bl = Buffer.byteLength(file);
    const at = this.open(T_PROGRESS | (bl << 8), 24 + bl);
    this.ring.f64[(at >> 3) + 1] = fileBytes;
    this.ring.f64[(at >> 3) + 2] = packets;
    this.buf.write(file, at + 24, bl, 'utf8');
    this.close();
  }

  /**
   * A report as JSON. Long ones (a directory of thousands of captures) go in pieces of at most
   * JSON_PIECE characters: T_PART records, then the last piece with `type`.
   */
  json(type: number, value: unknown): void {
    const text = JSON.stringify(value, (_k, v: unknown) => (v instanceof InputError ? errorJson(v) : v));
    let i = 0;
    while (text.length - i > JSON_PIECE) {
      let end = i + JSON_PIECE;
      const c = text.charCodeAt(end);
      if (c >= 0xdc00 && c <= 0xdfff) end--; // never between the two halves of a surrogate pair
      this.text(T_PART, text.slice(i, end));
      i = end;
    }
    this.text(type, i === 0 ? text : text.slice(i));
  }

  private text(type: number, text: string): void {
    const bl = Buffer.byteLength(text);
    this.buf.write(text, this.open(type | (bl << 8), 8 + bl) + 8, bl, 'utf8');
    this.close();
  }
}

interface ErrorJson { $inputError: true; code: string; file: string; byteOffset: number | null; message: string }

function errorJson(e: InputError): ErrorJson {
  return { $inputError: true, code: e.code, file: e.file, byteOffset: e.byteOffset ?? null, message: e.message };
}

export function reviveErrors(_k: string, v: unknown): unknown {
  if (v !== null && typeof v === 'object' && (v as ErrorJson).$inputError === true) {
    const j = v as ErrorJson;
    const e = new InputError(j.code, j.file, j.byteOffset ?? undefined, '');
    e.message = j.message;
    return e;
  }
  return v;
}

/** Flows the content stage will not inspect (set in the flow's plugin slot). */
const SKIP = -1;

/**
 * The worker's only plugin: passes payload segments of the flows classifyFlow picks to the main
 * thread. Each such flow gets a small content slot number (its plugin slot holds it) that names it
 * in the events, so the main thread keeps its analyzer state in an array, not a map; a slot is
 * free again once the flow's end event is written (events are read in order).
 */
class PayloadTap implements FlowPlugin {
  readonly name = 'payload-tap';
  readonly payloadOnly = true;
  private readonly free: number[] = [];
  private next = 0;

  constructor(private readonly out: EventWriter, private readonly maxBytes: number) {}

  onPacket(flow: FlowContext, pkt: DecodedPacket, _rec: CaptureRecord, fromOrig: boolean): boolean | void {
    const len = pkt.payloadCaptured;
    if (len === 0) return;
    const st = flow.slots[0] as number | undefined;
    if (st === undefined) {
      const kind = classifyFlow(flow.proto, flow.dstPort, fromOrig, pkt.buf, pkt.payloadOffset, len, this.maxBytes);
      if (kind === 0) {
        flow.slots[0] = SKIP;
        return false;
      }
      // One path for new and reused slots (a branch first taken at the first reuse deoptimized the packet loop).
      if (this.free.length === 0) this.free.push(this.next++);
      const slot = this.free.pop()!;
      flow.slots[0] = slot;
      this.out.payload(slot, fromOrig, kind, pkt);
      return;
    }
    if (st === SKIP) return false;
    this.out.payload(st, fromOrig, 0, pkt);
  }

  onExpire(): void {}

  /** The content slot of an ending flow (-1: none), freed for later flows. */
  release(flow: FlowContext): number {
    const st = flow.slots[0] as number | undefined;
    if (st === undefined || st === SKIP) return -1;
    this.free.push(st);
    return st;
  }
}

/** The worker thread's body (flow-worker.ts runs it). */
export async function flowThread(d: FlowThreadData): Promise<void> {
  const cpu0 = threadCpuMs();
  const ring = new RingWriter(d.sab);
  const out = new EventWriter(ring);
  const path = new PacketPath();
  const tap = d.contentBytes !== undefined ? new PayloadTap(out, d.contentBytes) : undefined;
  const meter = new FlowMeter(d.meter, () => {}, tap !== undefined ? [tap] : []);
  meter.endedSink = (e, history, flow) => {
    out.flow(e, history, tap !== undefined ? tap.release(flow) : -1);
    path.flowEnded();
  };
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
