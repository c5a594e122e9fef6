/**
 * Worker threads for the tree ensembles: each runs worker.ts (and the builders it imports), started
 * from its built file (src/workers.ts). Binned data and labels travel in
 * SharedArrayBuffers, so starting a worker copies nothing large.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { workerEntry } from '../../workers.ts';

/** Threads to use: the option, else every core the process may use. */
export function threadCount(requested?: number): number {
  return Math.max(1, requested ?? availableParallelism());
}

/** Run one task per worker and collect the answers in order; a worker's error rejects. */
export async function runWorkers<T>(tasks: unknown[], signal?: AbortSignal): Promise<T[]> {
  const workers: Worker[] = [];
  try {
    return await Promise.all(
      tasks.map(
        (task) =>
          new Promise<T>((resolve, reject) => {
            const w = new Worker(workerEntry('worker', import.meta.url), { workerData: task });
            workers.push(w);
            w.once('message', (m: { ok: boolean; result?: T; error?: string }) => (m.ok ? resolve(m.result as T) : reject(new Error(m.error))));
            w.once('error', reject);
            w.once('exit', (c) => (c !== 0 ? reject(new Error(`classifier worker exited with code ${c}`)) : undefined));
            signal?.addEventListener('abort', () => void w.terminate(), { once: true });
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Start the boosting histogram helper thread; resolves once it waits for requests. */
export async function startHistWorker(data: unknown, ctrl: Int32Array): Promise<{ stop(): Promise<void> }> {
  const w = new Worker(workerEntry('worker', import.meta.url), { workerData: data });
  await new Promise<void>((resolve, reject) => {
    w.once('message', (m: { ready?: boolean; ok?: boolean; error?: string }) => (m.ready ? resolve() : reject(new Error(m.error ?? 'histogram worker did not start'))));
    w.once('error', reject);
  });
  return {
    async stop() {
      Atomics.store(ctrl, 0, -1);
      Atomics.notify(ctrl, 0);
      await w.terminate();
    },
  };
}
