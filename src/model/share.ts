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
