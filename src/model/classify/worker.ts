/** Entry of a classifier worker thread: builds its share of a forest's trees. */
import { parentPort, workerData } from 'node:worker_threads';
import { forestPart, type ForestTask } from './forest-part.ts';

export function main(): void {
  try {
    const task = workerData as ForestTask;
    parentPort!.postMessage({ ok: true, result: forestPart(task) });
  } catch (e) {
    parentPort!.postMessage({ ok: false, error: (e as Error).stack ?? String(e) });
  }
}
