/**
 * Random forest (Breiman 2001, as scikit-learn's RandomForestClassifier): each tree is grown fully
 * on a bootstrap sample (rows weighted by their draw count × class weight) with `maxFeatures`
 * candidate features per split; the forest predicts the mean of the trees' class probabilities.
 * Trees are split between worker threads; tree t's randomness depends only on (seed, t), so the
 * model is the same whatever the number of threads.
 */
import type { Binned } from './data.ts';
import type { TreeJson } from './tree.ts';
import { forestPart, type ForestParams, type ForestPart, type ForestTask } from './forest-part.ts';
import { runWorkers, threadCount } from './threads.ts';

export type { ForestParams };

export async function trainForest(binned: Binned, y: Uint8Array, classWeight: number[], k: number, params: ForestParams, signal?: AbortSignal): Promise<{ trees: TreeJson[]; importance: number[] }> {
  const threads = Math.min(threadCount(params.threads), params.trees);
  const ids = Array.from({ length: params.trees }, (_, t) => t);
  const shared = new Uint8Array(new SharedArrayBuffer(y.length));
  shared.set(y);
  let parts: ForestPart[];
  if (threads <= 1) parts = [forestPart({ binned, y: shared, classWeight, k, params, treeIds: ids })];
  else {
    const tasks: ForestTask[] = [];
    for (let w = 0; w < threads; w++) tasks.push({ binned, y: shared, classWeight, k, params, treeIds: ids.filter((t) => t % threads === w) });
    parts = await runWorkers<ForestPart>(tasks, signal);
  }
  const trees = new Array<TreeJson>(params.trees);
  const importance = new Float64Array(binned.nFeat);
  parts.forEach((p, w) => {
    const mine = threads <= 1 ? ids : ids.filter((t) => t % threads === w);
    mine.forEach((t, j) => (trees[t] = p.trees[j]!));
    p.importance.forEach((v, f) => (importance[f]! += v));
  });
  let s = 0;
  for (const v of importance) s += v;
  return { trees, importance: Array.from(importance, (v) => (s > 0 ? v / s : 0)) };
}
