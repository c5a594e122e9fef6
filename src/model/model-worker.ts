/** Entry of the model worker threads that share.ts starts: assignment steps of a k-means fit, or units of isolation-forest scoring. */
import { workerData } from 'node:worker_threads';
import { claimUnits, serveSteps, type ShareData, type StepData } from './share.ts';
import { stepState, stepUnit, type KMeansSteps } from './kmeans-restart.ts';
import { forestUnit, type ForestJob } from './iforest.ts';

const data = workerData as ShareData<ForestJob> | StepData<KMeansSteps>;
const unknown = (): never => {
  throw new Error(`model worker: unknown job ${String((data.job as { kind: unknown }).kind)}`);
};
// a job this worker does not know: every unit or block it claims fails, and the caller's thread redoes it
if ('failed' in data) {
  const { job, ctrl, failed } = data;
  const S = job.kind === 'kmeans-steps' ? stepState(job) : undefined;
  serveSteps(ctrl, failed, S ? (op, b) => stepUnit(S, job as KMeansSteps, op, b) : unknown);
} else {
  const { job, units, ctrl } = data;
  claimUnits(ctrl, units, job.kind === 'forest' ? (u) => forestUnit(job, u) : unknown, true);
}
