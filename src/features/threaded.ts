/**
 * extractFlows on two threads. A worker thread runs the packet path — read → decode → FlowMeter,
 * flow-thread.ts — and writes events into a shared ring (ring.ts): each ended flow as numbers (layout E of
 * src/flow/ended.ts) with its history letters, the payload segments of the TCP flows the content
 * stage will inspect (chosen there by classifyFlow, so ~80 % of flows send nothing), "flows that
 * started before T may be released", progress, file reports and the end. The main thread builds
 * the records (uid, Community ID, address strings), runs the content analyzers (ContentEngine)
 * and the window features (FeatureStage) and calls onRow — the same code and the same order of
 * events as the one-thread path, so the rows are identical (test/features/threaded.test.ts).
 *
 * Event layout (8-byte aligned; int32 words from the record's start):
 *   [0] type | small << 8   [1] total bytes   then
 *   FLOW     small = history length; [2] content slot (-1: none); float64 × E.SIZE at byte 16;
 *            history bytes after them
 *   PAYLOAD  small = fromOrig | kind << 1 (kind ≠ 0 on a flow's first segment); [2] content slot
 *            (a small number the worker gives each inspected flow, reused after its FLOW) [3] TCP seq
 *            [4] TCP flags [5] length [6] originator IPv4 [7] bit 0: [6] is set, bits 1–3: pad; bytes
 *            at byte 32 + pad (pad: 0–7, so they are as aligned as in the read buffer), or (bit
 *            PIECES_FOLLOW, segments over MAX_PIECE) in the BYTES records that follow
 *   RELEASE  float64 at byte 8: oldest live flow start
 *   PROGRESS float64 at byte 8 / 16: file byte offset, packets; file name (UTF-8) at byte 24
 *   FILE/END small = JSON length; JSON (UTF-8) at byte 8: a FileReport / the read report and stats;
 *            a long one is preceded by PART records holding its first pieces
 */
import { Worker } from 'node:worker_threads';
import { workerEntry } from '../workers.ts';
import type { FileReport, ReadReport } from '../capture/index.ts';
import { E } from '../flow/ended.ts';
import type { FlowStats } from '../flow/meter.ts';
import type { ContentFeatures, FlowRecord } from '../flow/record.ts';
import { makeUid } from '../flow/table.ts';
import { ContentEngine, type ContentOptions, type FlowState } from './content/index.ts';
import type { FeatureStage } from './extract.ts';
import {
  type EndEvent, FLOW_HEAD, type FlowThreadData, type PipelineThreads, ringBytes,
  PIECES_FOLLOW, T_BYTES, T_END, T_FILE, T_FLOW, T_PART, T_PAYLOAD, T_PROGRESS, T_RELEASE, reviveErrors, threadCpuMs,
} from './flow-thread.ts';
import { RingReader, ringBuffer } from './ring.ts';

export type { FlowThreadData, PipelineThreads } from './flow-thread.ts';

export interface ThreadedRun {
  report: ReadReport;
  flowStats: FlowStats;
  skipped: Record<string, number>;
  threads: PipelineThreads;
}

export interface ThreadedHooks {
  /** Payload stage options, or undefined when it is off. */
  content?: ContentOptions;
  communityIdSeed: number;
  /** ExtractOptions.onEngineThread. */
  onEngineThread?: () => (() => void) | undefined;
  signal: AbortSignal;
  onProgress?(file: string, fileBytes: number, packets: number): void;
  onFile?(f: FileReport): void;
  /** True once the sink failed: rows are no longer delivered and the stage is not finished. */
  sinkFailed(): boolean;
}

/**
 * Run the packet path in a worker over `data.inputs` and feed `stage` on this thread. Resolves
 * with the worker's read report and flow statistics once every flow was pushed (and, unless the
 * sink failed, the stage finished).
 */
export async function runThreaded(data: Omit<FlowThreadData, 'sab'>, stage: FeatureStage, hooks: ThreadedHooks): Promise<ThreadedRun> {
  const cpu0 = threadCpuMs();
  const sab = ringBuffer(ringBytes(hooks.content !== undefined));
  const ring = new RingReader(sab);
  const text = Buffer.from(sab, ring.u8.byteOffset, ring.size);
  const engine = hooks.content !== undefined ? new ContentEngine(hooks.content) : undefined;
  /** Analyzer state of each inspected flow, by content slot. */
  const live: (FlowState | undefined)[] = [];
  const seed = hooks.communityIdSeed;
  const { i32, f64, u8 } = ring;
  const histories = new Interned();
  /** A segment whose bytes come in BYTES records, while they do. */
  let big: { st: FlowState | undefined; fromOrig: boolean; seq: number; flags: number; buf: Uint8Array; filled: number } | undefined;
  /** Pieces of a long report read so far (T_PART records). */
  let jsonHead = '';
  let end: EndEvent | undefined;
  let workerError: unknown;

  const abort = (): void => ring.abort();
  if (hooks.signal.aborted) abort();
  else hooks.signal.addEventListener('abort', abort, { once: true });

  const worker = new Worker(workerEntry('flow-worker', import.meta.url), { workerData: { ...data, sab } satisfies FlowThreadData, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
  const engineDone = hooks.onEngineThread?.();
  worker.on('error', (e) => {
    workerError = e;
    ring.writerDied();
  });
  worker.on('exit', () => ring.writerDied());

  const onRecord = (at: number, type: number, bytes: number): boolean => {
    const w = at >> 2;
    const t = type & 0xff;
    if (t === T_PAYLOAD) {
      if (engine === undefined) return false;
      const slot = i32[w + 2]!;
      const kind = (type >> 9) & 0x7ff;
      let st: FlowState | undefined;
      if (kind !== 0) {
        st = engine.begin(kind, (i32[w + 7]! & 1) === 1 ? i32[w + 6]! >>> 0 : -1);
        live[slot] = st;
      } else st = live[slot];
      if ((type & PIECES_FOLLOW) !== 0) {
        // A segment larger than a ring record: its bytes follow in BYTES records.
        big = { st, fromOrig: ((type >> 8) & 1) === 1, seq: i32[w + 3]! >>> 0, flags: i32[w + 4]!, buf: new Uint8Array(i32[w + 5]!), filled: 0 };
      } else if (st !== undefined) engine.segment(st, ((type >> 8) & 1) === 1, i32[w + 3]! >>> 0, i32[w + 4]!, u8, at + 32 + ((i32[w + 7]! >> 1) & 7), i32[w + 5]!);
    } else if (t === T_BYTES) {
      const b = big!;
      const n = bytes - 8;
      b.buf.set(u8.subarray(at + 8, at + 8 + Math.min(n, b.buf.length - b.filled)), b.filled);
      b.filled += n;
      if (b.filled >= b.buf.length) {
        big = undefined;
        if (b.st !== undefined) engine!.segment(b.st, b.fromOrig, b.seq, b.flags, b.buf, 0, b.buf.length);
      }
    } else if (t === T_FLOW) {
      const hl = type >>> 8;
      const base = (at >> 3) + 2;
      const history = hl === 0 ? '' : histories.get(u8, at + FLOW_HEAD, hl);
      let inspected = false;
      let content: ContentFeatures | undefined;
      const slot = i32[w + 2]!;
      if (engine !== undefined && slot >= 0) {
        const st = live[slot];
        if (st !== undefined) {
          live[slot] = undefined;
          // The results go into a small stand-in record (the real one is built at release).
          const out = { uid: hooks.content?.onInspected !== undefined ? makeUid(f64[base + E.SEQ]!, f64[base + E.SALT]!) : '', payloadInspected: false } as FlowRecord;
          engine.finish(st, out);
          inspected = out.payloadInspected;
          content = out.content;
        }
      }
      stage.pushEnded(f64, base, history, inspected, content, seed);
    } else if (t === T_RELEASE) {
      stage.release(f64[(at >> 3) + 1]!);
    } else if (t === T_PROGRESS) {
      hooks.onProgress?.(text.toString('utf8', at + 24, at + 24 + (type >>> 8)), f64[(at >> 3) + 1]!, f64[(at >> 3) + 2]!);
    } else if (t === T_PART) {
      jsonHead += text.toString('utf8', at + 8, at + 8 + (type >>> 8));
    } else if (t === T_FILE || t === T_END) {
      const piece = text.toString('utf8', at + 8, at + 8 + (type >>> 8));
      const value: unknown = JSON.parse(jsonHead === '' ? piece : jsonHead + piece, reviveErrors);
      jsonHead = '';
      if (t === T_FILE) hooks.onFile?.(value as FileReport);
      else {
        end = value as EndEvent;
        return true;
      }
    }
    return false;
  };

  try {
    await ring.drain(onRecord, () => {
      const e = workerError instanceof Error ? workerError : new Error(`flow engine thread stopped: ${String(workerError ?? 'exited')}`);
      return e;
    });
  } catch (e) {
    // A fault on this side (or the worker's death): the worker may be waiting for ring space that
    // will never come, and would keep the process alive.
    await worker.terminate();
    throw e;
  } finally {
    hooks.signal.removeEventListener('abort', abort);
    engineDone?.();
  }
  if (!hooks.sinkFailed()) stage.finish();
  const mainCpuMs = threadCpuMs() - cpu0;
  await new Promise<void>((resolve) => {
    if (worker.threadId === -1) resolve();
    else worker.once('exit', () => resolve());
  });
  const e = end!;
  return {
    report: e.report,
    flowStats: e.flowStats,
    skipped: e.skipped,
    threads: { workerCpuSeconds: (e.cpuMs ?? NaN) / 1000, mainCpuSeconds: mainCpuMs / 1000, workerWaitSeconds: e.waitMs / 1000, mainWaitSeconds: ring.waitedMs / 1000 },
  };
}

/**
 * Strings of a few bytes that repeat (history letters: a few hundred distinct values over millions
 * of flows), looked up by a hash of their bytes instead of decoded each time.
 */
class Interned {
  private readonly map = new Map<number, string>();

  get(u8: Uint8Array, at: number, len: number): string {
    let h = len;
    for (let i = 0; i < len; i++) h = Math.imul(h ^ u8[at + i]!, 0x01000193);
    const hit = this.map.get(h);
    if (hit !== undefined && hit.length === len) {
      let same = true;
      for (let i = 0; i < len && same; i++) same = hit.charCodeAt(i) === u8[at + i];
      if (same) return hit;
    }
    let s = '';
    for (let i = 0; i < len; i++) s += String.fromCharCode(u8[at + i]!);
    if (this.map.size < 65_536) this.map.set(h, s);
    return s;
  }
}

