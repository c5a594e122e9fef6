/**
 * Worker threads for the tree ensembles. The worker program (worker.ts and the builders it imports)
 * is bundled by esbuild, as the flow-engine thread is (src/features/threaded.ts), and cached in
 * node_modules/.cache/flowsift/ while its sources are unchanged. Binned data and labels travel in
 * SharedArrayBuffers, so starting a worker copies nothing large.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { createHash } from 'node:crypto';
import { type BundleEntry, esbuildHome, inputStamps, isFresh, writeAtomic } from '../../bundle-cache.mjs';

let bundled: string | undefined;

function workerCode(): string {
  if (bundled !== undefined) return bundled;
  const entry = fileURLToPath(new URL('./worker.ts', import.meta.url));
  const home = esbuildHome();
  const cacheFile = join(home.cacheDir, `classify-worker-${createHash('sha1').update(entry).digest('hex').slice(0, 12)}.json`);
  try {
    const c = JSON.parse(readFileSync(cacheFile, 'utf8')) as BundleEntry & { code: string };
    if (isFresh(c, home.version)) return (bundled = c.code);
  } catch {
    // no cache yet: build
  }
  const require = createRequire(import.meta.url);
  const { buildSync } = require('esbuild') as typeof import('esbuild');
  const out = buildSync({ entryPoints: [entry], bundle: true, write: false, metafile: true, format: 'iife', globalName: 'flowsiftClassifyWorker', platform: 'node', target: 'node20', logLevel: 'silent' });
  bundled = `${out.outputFiles[0]!.text}\nflowsiftClassifyWorker.main();\n`;
  try {
    writeAtomic(cacheFile, JSON.stringify({ esbuild: home.version, inputs: inputStamps(out.metafile), code: bundled }));
  } catch {
    // an input vanished meanwhile: no cache this time
  }
  return bundled;
}

/** Threads to use: the option, else every core the process may use. */
export function threadCount(requested?: number): number {
  return Math.max(1, requested ?? availableParallelism());
}

/** Run one task per worker and collect the answers in order; a worker's error rejects. */
export async function runWorkers<T>(tasks: unknown[], signal?: AbortSignal): Promise<T[]> {
  const code = workerCode();
  const workers: Worker[] = [];
  try {
    return await Promise.all(
      tasks.map(
        (task) =>
          new Promise<T>((resolve, reject) => {
            const w = new Worker(code, { eval: true, workerData: task });
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
  const w = new Worker(workerCode(), { eval: true, workerData: data });
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
