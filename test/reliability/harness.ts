/**
 * Runs one (possibly hostile) capture through the whole pipeline IN-PROCESS — reader → decoder →
 * flow engine (+ payload stage) → feature stage (rows) — and checks the robustness contract:
 *  - nothing throws (corrupt input comes back as an InputError in the read report),
 *  - every record handed out is self-consistent (caplen inside its buffer, ≤ 256 MiB, ns < 1e9),
 *  - every decoded packet keeps the decoder's bounds invariants (test/decode/corpus.ts),
 *  - packets read ≤ what the bytes can hold (and, for truncations of a cleanly read file, exactly
 *    the complete records before the cut); certainly-corrupt framing is reported, never silent,
 *  - flows account for no more packets than were read; every flow becomes one row with every
 *    column, finite numbers and rates in [0, 1],
 *  - no single Buffer allocation beyond the read window (a caplen of 0xffffffff is never
 *    allocated), and array-buffer memory stays bounded,
 *  - the case finishes within its time budget.
 * Returns the list of contract violations; an empty list = pass.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCaptures } from '../../src/capture/index.ts';
import type { CaptureRecord } from '../../src/capture/record.ts';
import { decodePacket } from '../../src/decode/decoder.ts';
import { DecodedPacket } from '../../src/decode/packet.ts';
import { InputError } from '../../src/errors.ts';
import { boundsViolation } from '../decode/corpus.ts';
import type { Row } from '../../src/dataset/types.ts';
import { createContentPlugin } from '../../src/features/content/index.ts';
import { FeatureStage } from '../../src/features/extract.ts';
import { FLOW_COLUMNS } from '../../src/features/schema.ts';
import { FlowMeter } from '../../src/flow/meter.ts';
import type { FlowRecord } from '../../src/flow/record.ts';
import type { FuzzCase } from './mutate.ts';

export const MAX_RECORD = 256 * 1024 * 1024;
/** Extra ArrayBuffer memory a single case may hold beyond the baseline (reader window + gzip + flows). */
export const MEMORY_BOUND = 96 * 1024 * 1024;

export interface CaseOutcome {
  failures: string[];
  packets: number;
  flows: number;
  errors: number;
  warnings: number;
  ms: number;
  /** Highest ArrayBuffer usage above the baseline seen during the case (bytes). */
  peakExtra: number;
  /** Largest single Buffer allocation requested (bytes). */
  largestAlloc: number;
  /** First error message (for the log). */
  firstError?: string;
}

export interface PipelineOptions {
  resync?: boolean;
  strict?: boolean;
  budgetMs: number;
  /** Expected exact packet count (truncation of a cleanly read file). */
  exactPackets?: number;
  maxPackets: number;
  /** Read through stdin ('-') in chunks of these sizes (cycled) instead of from the file. */
  stdinChunks?: number[];
  /** Extra single-allocation allowance (inputs with genuinely large records). */
  allowAlloc?: number;
  /** The input is certainly corrupt: the read report must carry an error or a warning. */
  expectFault?: boolean;
}

const pkt = new DecodedPacket();

/**
 * Largest single Buffer allocation requested during the current case. Buffer.alloc/allocUnsafe/
 * allocUnsafeSlow are wrapped once (deterministic, unlike sampling memory usage around GC): a
 * header claiming 0xffffffff bytes must never turn into an allocation of that size.
 */
let largestAlloc = 0;
let spyInstalled = false;
function installAllocSpy(): void {
  if (spyInstalled) return;
  spyInstalled = true;
  for (const name of ['alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const) {
    const orig = Buffer[name] as (size: number, ...rest: unknown[]) => Buffer;
    (Buffer as unknown as Record<string, unknown>)[name] = function (size: number, ...rest: unknown[]): Buffer {
      if (size > largestAlloc) largestAlloc = size;
      return orig.call(Buffer, size, ...rest);
    };
  }
}
/** Run `fn` and return the largest single Buffer allocation it requested. */
export async function largestAllocDuring(fn: () => Promise<unknown>): Promise<number> {
  installAllocSpy();
  largestAlloc = 0;
  await fn();
  return largestAlloc;
}
/** Largest single allocation a case may make: the 4 MiB read window (+ its 512 KiB reserve), doubled once. */
export const MAX_SINGLE_ALLOC = 16 * 1024 * 1024;
const NUMERIC = FLOW_COLUMNS.filter((c) => c.type === 'int' || c.type === 'float' || c.type === 'timestamp').map((c) => c.name);
const RATES = FLOW_COLUMNS.filter((c) => c.name.endsWith('_rate')).map((c) => c.name);

export async function runPipeline(path: string, o: PipelineOptions): Promise<CaseOutcome> {
  const failures: string[] = [];
  installAllocSpy();
  largestAlloc = 0;
  const base = process.memoryUsage().arrayBuffers;
  let peakExtra = 0;
  let delivered = 0;
  let flowPkts = 0;
  let flows = 0;
  let rows = 0;
  const t0 = performance.now();
  const sample = (): void => {
    const extra = process.memoryUsage().arrayBuffers - base;
    if (extra > peakExtra) peakExtra = extra;
  };
  // The feature stage exactly as extractFlows wires it: meter (+ payload stage) → start order → rows.
  const stage = new FeatureStage({}, (row) => {
    rows++;
    if (failures.length < 20) checkRow(row, failures);
  });
  let ended = false;
  const onFlow = (f: FlowRecord): void => {
    flows++;
    flowPkts += f.srcPkts + f.dstPkts;
    if (!(f.endTs >= f.startTs)) failures.push(`flow ${f.uid}: endTs ${f.endTs} < startTs ${f.startTs}`);
    stage.push(f);
    ended = true;
  };
  const meter = new FlowMeter({}, onFlow, [createContentPlugin()]);
  const onRecord = (rec: CaptureRecord): void => {
    delivered++;
    if ((delivered & 1023) === 0) sample();
    if (failures.length > 20) return;
    checkRecord(rec, failures, delivered);
    decodePacket(rec, pkt);
    checkDecoded(rec, pkt, failures, delivered);
    meter.packet(rec, pkt);
    if (ended) {
      ended = false;
      stage.release(meter.oldestLiveStart());
    }
  };
  let report;
  try {
    // stdin: the bytes arrive in the given chunk sizes (records split across reads at odd places).
    const stdin = o.stdinChunks ? Readable.from(chunked(readFileSync(path), o.stdinChunks), { objectMode: false }) : undefined;
    report = await readCaptures([stdin ? '-' : path], onRecord, { resync: o.resync, strict: o.strict, stdin });
    meter.finish();
    stage.finish();
  } catch (err) {
    failures.push(`uncaught ${(err as Error)?.name}: ${(err as Error)?.message}\n${(err as Error)?.stack?.split('\n').slice(1, 6).join('\n')}`);
  }
  sample();
  const ms = performance.now() - t0;
  if (ms > o.budgetMs) failures.push(`hang: ${ms.toFixed(0)} ms > budget ${o.budgetMs} ms`);
  if (largestAlloc > MAX_SINGLE_ALLOC + (o.allowAlloc ?? 0)) failures.push(`allocation: one buffer of ${largestAlloc} bytes requested (bound ${MAX_SINGLE_ALLOC})`);
  if (peakExtra > MEMORY_BOUND) failures.push(`memory: ${(peakExtra / 2 ** 20).toFixed(0)} MiB of array buffers above baseline (bound ${MEMORY_BOUND / 2 ** 20} MiB)`);
  if (report) {
    if (report.packets !== delivered) failures.push(`report says ${report.packets} packets, ${delivered} delivered`);
    if (delivered > o.maxPackets) failures.push(`${delivered} packets read, the bytes can hold at most ${o.maxPackets}`);
    if (o.exactPackets !== undefined && delivered !== o.exactPackets) failures.push(`truncated copy: ${delivered} packets read, ${o.exactPackets} complete records before the cut`);
    for (const e of report.errors) if (!(e instanceof InputError)) failures.push(`report error is not an InputError: ${String(e)}`);
    if (o.expectFault && report.errors.length + report.warnings.length === 0 && !report.files.some((f) => f.truncatedTail)) failures.push('corrupt framing read without any error or warning');
    if (rows !== flows) failures.push(`${flows} flows ended but ${rows} rows came out`);
    if (flowPkts > delivered) failures.push(`flows count ${flowPkts} packets, only ${delivered} read`);
  }
  return {
    failures,
    packets: delivered,
    flows: rows,
    errors: report?.errors.length ?? -1,
    warnings: report?.warnings.length ?? -1,
    ms,
    peakExtra,
    largestAlloc,
    firstError: report?.errors[0]?.message,
  };
}

function checkRow(row: Row, failures: string[]): void {
  for (const c of FLOW_COLUMNS) if (!(c.name in row)) failures.push(`row ${row.uid}: column ${c.name} missing`);
  for (const n of NUMERIC) {
    const v = row[n];
    if (typeof v !== 'number' || !Number.isFinite(v)) failures.push(`row ${row.uid}: ${n} = ${String(v)}`);
  }
  for (const n of RATES) {
    const v = row[n] as number;
    if (!(v >= 0 && v <= 1)) failures.push(`row ${row.uid}: ${n} = ${v} outside [0, 1]`);
  }
  if (!((row.duration as number) >= 0)) failures.push(`row ${row.uid}: duration ${row.duration}`);
}

function checkRecord(rec: CaptureRecord, failures: string[], n: number): void {
  if (!Number.isInteger(rec.caplen) || rec.caplen < 0 || rec.caplen > MAX_RECORD) failures.push(`record ${n}: caplen ${rec.caplen}`);
  else if (rec.offset < 0 || rec.offset + rec.caplen > rec.buf.length) failures.push(`record ${n}: bytes [${rec.offset}, +${rec.caplen}) outside its buffer of ${rec.buf.length}`);
  if (!Number.isInteger(rec.tsNsec) || rec.tsNsec < 0 || rec.tsNsec > 999_999_999) failures.push(`record ${n}: tsNsec ${rec.tsNsec}`);
  if (!Number.isFinite(rec.tsSec)) failures.push(`record ${n}: tsSec ${rec.tsSec}`);
}

function checkDecoded(rec: CaptureRecord, p: DecodedPacket, failures: string[], n: number): void {
  const end = rec.offset + rec.caplen;
  if (p.start < rec.offset || p.end > end) failures.push(`packet ${n}: decode window [${p.start}, ${p.end}) outside record [${rec.offset}, ${end})`);
  // The decoder's own invariants (offsets inside the view, payload inside the captured bytes, sane fields).
  const why = boundsViolation(p);
  if (why) failures.push(`packet ${n}: ${why}`);
}

function* chunked(b: Uint8Array, sizes: number[]): Generator<Uint8Array> {
  for (let o = 0, i = 0; o < b.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length]!);
    yield b.subarray(o, o + n);
    o += n;
  }
}

let dir: string | undefined;
let seq = 0;
/** Write case bytes to a per-process temp file (reused names) and return its path. */
export function caseFile(bytes: Uint8Array, ext = '.pcap'): string {
  dir ??= join(tmpdir(), `flowsift-rel-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `case${seq++ & 7}${ext}`);
  writeFileSync(path, bytes);
  return path;
}

/** Run one fuzz case. `exact` when truncation of a file the reader reads cleanly. */
export async function runCase(c: FuzzCase, budgetMs: number, cleanFiles: ReadonlySet<string>): Promise<CaseOutcome> {
  const path = caseFile(c.bytes, c.gzip ? '.pcap.gz' : '.pcap');
  const exact = c.completeRecords !== undefined && cleanFiles.has(c.source) ? c.completeRecords : undefined;
  return runPipeline(path, { budgetMs, maxPackets: c.maxPackets, exactPackets: exact, expectFault: c.expectFault, resync: c.resync, stdinChunks: c.stdinChunks, allowAlloc: 3 * c.bytes.length });
}
