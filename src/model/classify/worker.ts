/** Entry of a classifier worker thread: a forest's share of trees, or the boosting histogram helper. */
import { parentPort, workerData } from 'node:worker_threads';
import { forestPart, type ForestTask } from './forest-part.ts';
import { histWorkerLoop, type HistWorkerData } from './hist.ts';

export function main(): void {
  try {
    const task = workerData as ForestTask | HistWorkerData;
    if ('kind' in task && task.kind === 'hist') {
      histWorkerLoop(task, () => parentPort!.postMessage({ ready: true }));
      parentPort!.postMessage({ ok: true, result: null });
      return;
    }
    parentPort!.postMessage({ ok: true, result: forestPart(task as ForestTask) });
  } catch (e) {
    parentPort!.postMessage({ ok: false, error: (e as Error).stack ?? String(e) });
  }
}

main();
