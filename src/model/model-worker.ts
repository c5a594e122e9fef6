/** Entry of the model worker threads that share.ts starts: runs units of a shared k-means or isolation-forest job. */
import { workerData } from 'node:worker_threads';
import { claimUnits, type ShareData } from './share.ts';
import { fitState, restartUnit, type KMeansJob } from './kmeans-restart.ts';
import { forestUnit, type ForestJob } from './iforest.ts';
import type { FitState } from './kmeans-iterate.ts';

const { job, units, ctrl } = workerData as ShareData<KMeansJob | ForestJob>;
if (job.kind === 'kmeans') {
  let S: FitState | undefined;
  claimUnits(ctrl, units, (run) => restartUnit(job, (S ??= fitState(job.p, job.x, job.spec.k, job.spec.lloyd)), run), true);
} else if (job.kind === 'forest') {
  claimUnits(ctrl, units, (u) => forestUnit(job, u), true);
} else {
  // a job this worker does not know: every unit it claims fails, and the caller's thread redoes it
  claimUnits(ctrl, units, () => { throw new Error(`model worker: unknown job ${String((job as { kind: unknown }).kind)}`); }, true);
}
