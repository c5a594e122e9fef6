/**
 * Independent units of model work (k-means restarts, blocks of isolation-forest scoring) shared
 * between this thread and worker threads, synchronously: the fits stay plain function calls. Each
 * thread claims the next unit from a shared counter; when none is left, this thread waits
 * (Atomics.wait) for the units the workers claimed. A worker that starts late claims nothing, and a
 * unit a worker fails on is redone here, so the answer never depends on the workers. Units write
 * their results into SharedArrayBuffers named in the job, so the result is the same on any number
 * of threads.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { workerEntry } from '../workers.ts';

/** ctrl[NEXT]: next unclaimed unit; ctrl[STATE + u]: unit u's state. */
const NEXT = 0;
const STATE = 1;
const DONE = 2;
const FAILED = 3;

/** What a worker receives: the job (plain data and shared typed arrays) and the control words. */
export interface ShareData<J> {
  job: J;
  units: number;
  ctrl: Int32Array;
}

/** Rows from which model work is spread over the cores by default (below, a worker's start-up costs more than it saves). */
export const PARALLEL_MIN_ROWS = 20_000;

/** Threads for model work on n rows: the option, else every core the process may use from PARALLEL_MIN_ROWS rows on. */
export function modelThreads(n: number, requested?: number): number {
  return Math.max(1, Math.floor(requested ?? (n >= PARALLEL_MIN_ROWS ? availableParallelism() : 1)));
}

/** A Float64Array / Int32Array on shared memory (a worker sees the same bytes). */
export function sharedF64(n: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(Math.max(1, n) * 8), 0, n);
}
export function sharedI32(n: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Math.max(1, n) * 4), 0, n);
}

/** The typed array itself when it is on shared memory, else a shared copy of it. */
export function shareArray<T extends Float64Array | Int32Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const s = (a instanceof Float64Array ? sharedF64(a.length) : sharedI32(a.length)) as T;
  s.set(a);
  return s;
}

/**
 * Run units [0, units) of `job`: `run(u)` on this thread, and the same job's units on `threads − 1`
 * workers (model-worker.ts runs them with the unit function registered for `job.kind`).
 */
export function shareWork<J extends { kind: string }>(job: J, units: number, threads: number, run: (u: number) => void): void {
  const workers: Worker[] = [];
  const ctrl = sharedI32(STATE + units);
  const nw = Math.min(threads, units) - 1;
  try {
    for (let i = 0; i < nw; i++) {
      const w = new Worker(workerEntry('model-worker', import.meta.url), { workerData: { job, units, ctrl } satisfies ShareData<J> });
      w.unref();
      // a worker that fails to start claims no unit: this thread does them all
      w.on('error', () => undefined);
      workers.push(w);
    }
  } catch {
    // no worker entry (e.g. a bundled copy of the library): every unit runs here
  }
  try {
    claimUnits(ctrl, units, run);
    for (let u = 0; u < units; u++) {
      let s: number;
      while ((s = Atomics.load(ctrl, STATE + u)) < DONE) Atomics.wait(ctrl, STATE + u, s, 200);
      if (s === FAILED) run(u);
    }
  } finally {
    for (const w of workers) void w.terminate();
  }
}

/** Claim and run units until none is left (both sides of shareWork). */
export function claimUnits(ctrl: Int32Array, units: number, run: (u: number) => void, worker = false): void {
  for (let u = Atomics.add(ctrl, NEXT, 1); u < units; u = Atomics.add(ctrl, NEXT, 1)) {
    let s = DONE;
    try {
      run(u);
    } catch (e) {
      if (!worker) throw e;
      s = FAILED;
    }
    Atomics.store(ctrl, STATE + u, s);
    Atomics.notify(ctrl, STATE + u);
  }
}

/**
 * Control words of a step pool. NEXT packs the step's number (low 15 bits, in the high half) with
 * the next unclaimed block, so a claim is one compare-and-swap that fails for a stale step.
 */
const P_NEXT = 0;
const P_DONE = 1;
const P_OP = 2;
const P_BLOCKS = 3;
const P_STEP = 4;
const P_EXIT = 5;
const P_WORDS = 6;
/** Blocks a step may have (the low half of NEXT). */
export const MAX_BLOCKS = 0xffff;

/** What a step-pool worker receives. */
export interface StepData<J> {
  job: J;
  ctrl: Int32Array;
  /** Per block: 1 when a worker failed it (the caller redoes it). */
  failed: Uint8Array;
}

/**
 * Worker threads that stay for many short steps (the assignment passes of k-means iterations):
 * each step splits its rows into blocks that this thread and the workers claim from a shared word,
 * and `run` returns when every block is done. As with shareWork, a worker that starts late or never
 * claims nothing, and a block a worker fails on is redone here, so the answer does not depend on
 * the workers — as long as a block's work depends on its rows only.
 */
export class StepPool<J extends { kind: string }> {
  private readonly ctrl = sharedI32(P_WORDS);
  private readonly failed: Uint8Array;
  private readonly workers: Worker[] = [];
  private step = 0;

  constructor(job: J, threads: number, maxBlocks: number) {
    this.failed = new Uint8Array(new SharedArrayBuffer(Math.max(1, maxBlocks)));
    // nothing is claimable before the first step: its block index is past any block count
    Atomics.store(this.ctrl, P_NEXT, MAX_BLOCKS);
    try {
      for (let i = 0; i < threads - 1; i++) {
        const w = new Worker(workerEntry('model-worker', import.meta.url), { workerData: { job, ctrl: this.ctrl, failed: this.failed } satisfies StepData<J> });
        w.unref();
        w.on('error', () => undefined);
        this.workers.push(w);
      }
    } catch {
      // no worker entry (a bundled copy of the library): every block runs here
    }
  }

  /** Run blocks [0, blocks) of operation `op`: `unit(op, b)` here and on the workers. */
  run(op: number, blocks: number, unit: (op: number, b: number) => void): void {
    const ctrl = this.ctrl;
    this.step = (this.step + 1) & 0x7fff;
    Atomics.store(ctrl, P_OP, op);
    Atomics.store(ctrl, P_BLOCKS, blocks);
    Atomics.store(ctrl, P_DONE, 0);
    Atomics.store(ctrl, P_NEXT, this.step << 16);
    Atomics.add(ctrl, P_STEP, 1);
    Atomics.notify(ctrl, P_STEP);
    claimBlocks(ctrl, unit);
    let d: number;
    while ((d = Atomics.load(ctrl, P_DONE)) < blocks) Atomics.wait(ctrl, P_DONE, d, 50);
    for (let b = 0; b < blocks; b++) {
      if (this.failed[b]) {
        this.failed[b] = 0;
        unit(op, b);
      }
    }
  }

  close(): void {
    Atomics.store(this.ctrl, P_EXIT, 1);
    Atomics.notify(this.ctrl, P_STEP);
    for (const w of this.workers) void w.terminate();
  }
}

/** Claim and run blocks of the current step until none is left; a failure is recorded (worker) or thrown (caller). */
function claimBlocks(ctrl: Int32Array, unit: (op: number, b: number) => void, failed?: Uint8Array): void {
  for (;;) {
    const w = Atomics.load(ctrl, P_NEXT);
    const b = w & 0xffff;
    if (b >= Atomics.load(ctrl, P_BLOCKS)) return;
    if (Atomics.compareExchange(ctrl, P_NEXT, w, w + 1) !== w) continue;
    // the claim succeeded for the step whose words are published now: its op and count hold until this block is done
    const blocks = Atomics.load(ctrl, P_BLOCKS);
    if (b >= blocks) return;
    if (failed) {
      try {
        unit(Atomics.load(ctrl, P_OP), b);
      } catch {
        failed[b] = 1;
      }
    } else unit(Atomics.load(ctrl, P_OP), b);
    if (Atomics.add(ctrl, P_DONE, 1) + 1 === blocks) Atomics.notify(ctrl, P_DONE);
  }
}

/** A step-pool worker's loop: wait for a step, claim its blocks, until the pool closes. */
export function serveSteps(ctrl: Int32Array, failed: Uint8Array, unit: (op: number, b: number) => void): void {
  let seen = 0;
  for (;;) {
    while (Atomics.load(ctrl, P_STEP) === seen && !Atomics.load(ctrl, P_EXIT)) Atomics.wait(ctrl, P_STEP, seen, 200);
    if (Atomics.load(ctrl, P_EXIT)) return;
    seen = Atomics.load(ctrl, P_STEP);
    claimBlocks(ctrl, unit, failed);
  }
}
