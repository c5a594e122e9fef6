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
 * The events and their layout: events.ts.
 */
import { Worker } from 'node:worker_threads';
import { workerEntry } from '../workers.ts';
import type { FileReport, ReadReport } from '../capture/index.ts';
import { E } from '../flow/ended.ts';
import type { FlowStats } from '../flow/meter.ts';
import type { FlowResults } from '../flow/plugin.ts';
import type { ContentFeatures } from '../flow/record.ts';
import { makeUid } from '../flow/table.ts';
import { ContentEngine, type ContentOptions, type FlowState } from './content/index.ts';
import type { FeatureStage } from './stage.ts';
import { type EndEvent, type FlowThreadData, type PipelineThreads, ringBytes, threadCpuMs } from './flow-thread.ts';
import {
  Interned, T_BYTES, T_END, T_FILE, T_FLOW, T_PART, T_PAYLOAD, T_PROGRESS, T_RELEASE, bytesAt, bytesLength, decodePayload,
  decodeProgress, decodeRelease, decodeText, eventKind, flowContentSlot, flowHistoryAt, flowHistoryLength, flowNumbers,
  payloadEvent, reviveErrors,
} from './events.ts';
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
  const { f64, u8 } = ring;
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

  const pe = payloadEvent();
  const onRecord = (at: number, type: number, bytes: number): boolean => {
    const t = eventKind(type);
    if (t === T_PAYLOAD) {
      if (engine === undefined) return false;
      const p = decodePayload(ring, at, type, pe);
      let st: FlowState | undefined;
      if (p.kind !== 0) {
        st = engine.begin(p.kind, p.clientIp4);
        live[p.slot] = st;
      } else st = live[p.slot];
      if (p.piecesFollow) {
        // A segment larger than a ring record: its bytes follow in BYTES records.
        big = { st, fromOrig: p.fromOrig, seq: p.seq, flags: p.flags, buf: new Uint8Array(p.len), filled: 0 };
      } else if (st !== undefined) engine.segment(st, p.fromOrig, p.seq, p.flags, u8, p.bytesAt, p.len);
    } else if (t === T_BYTES) {
      const b = big!;
      const n = bytesLength(bytes);
      const from = bytesAt(at);
      b.buf.set(u8.subarray(from, from + Math.min(n, b.buf.length - b.filled)), b.filled);
      b.filled += n;
      if (b.filled >= b.buf.length) {
        big = undefined;
        if (b.st !== undefined) engine!.segment(b.st, b.fromOrig, b.seq, b.flags, b.buf, 0, b.buf.length);
      }
    } else if (t === T_FLOW) {
      const hl = flowHistoryLength(type);
      const base = flowNumbers(at);
      const history = hl === 0 ? '' : histories.get(u8, flowHistoryAt(at), hl);
      let inspected = false;
      let content: ContentFeatures | undefined;
      const slot = flowContentSlot(ring, at);
      if (engine !== undefined && slot >= 0) {
        const st = live[slot];
        if (st !== undefined) {
          live[slot] = undefined;
          // The results go into a small stand-in record (the real one is built at release).
          const out: FlowResults = { uid: hooks.content?.onInspected !== undefined ? makeUid(f64[base + E.SEQ]!, f64[base + E.SALT]!) : '', payloadInspected: false };
          engine.finish(st, out);
          inspected = out.payloadInspected;
          content = out.content;
        }
      }
      stage.pushEnded(f64, base, history, inspected, content, seed);
    } else if (t === T_RELEASE) {
      stage.release(decodeRelease(ring, at));
    } else if (t === T_PROGRESS) {
      if (hooks.onProgress !== undefined) {
        const pr = decodeProgress(ring, text, at, type);
        hooks.onProgress(pr.file, pr.fileBytes, pr.packets);
      }
    } else if (t === T_PART) {
      jsonHead += decodeText(text, at, type);
    } else if (t === T_FILE || t === T_END) {
      const piece = decodeText(text, at, type);
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

