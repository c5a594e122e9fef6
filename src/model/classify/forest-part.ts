/**
 * The tree-building half of the random forest, kept apart from forest.ts so the worker bundle does
 * not pull in the thread launcher.
 */
import type { Binned } from './data.ts';
import { rng } from './data.ts';
import { buildClassTree, type ClassTreeParams, type TreeJson } from './tree.ts';

export interface ForestParams extends ClassTreeParams {
  trees: number;
  bootstrap: boolean;
  seed: number;
  threads?: number;
}

export interface ForestTask {
  binned: Binned;
  y: Uint8Array;
  classWeight: number[];
  k: number;
  params: ForestParams;
  treeIds: number[];
}

export interface ForestPart {
  trees: TreeJson[];
  importance: number[];
}

/** Seed of tree t (a fixed mix, so trees are independent streams). */
export function treeSeed(seed: number, t: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(t + 1, 0xc2b2ae35)) >>> 0;
}

/** Build the trees listed in the task (in a worker, or in-process for one thread). */
export function forestPart(task: ForestTask): ForestPart {
  const { binned, y, classWeight, k, params, treeIds } = task;
  const n = binned.n;
  const w = new Float64Array(n);
  const imp = new Float64Array(binned.nFeat);
  const trees: TreeJson[] = [];
  for (const t of treeIds) {
    const rand = rng(treeSeed(params.seed, t));
    if (params.bootstrap) {
      w.fill(0);
      for (let d = 0; d < n; d++) w[Math.floor(rand() * n)]! += 1;
      for (let i = 0; i < n; i++) if (w[i]! > 0) w[i]! *= classWeight[y[i]!]!;
    } else {
      for (let i = 0; i < n; i++) w[i] = classWeight[y[i]!]!;
    }
    const { tree, importance } = buildClassTree(binned, y, w, k, params, rand);
    // each tree's importances are normalised before averaging, as scikit-learn does
    let s = 0;
    for (let f = 0; f < importance.length; f++) s += importance[f]!;
    if (s > 0) for (let f = 0; f < importance.length; f++) imp[f]! += importance[f]! / s;
    trees.push(tree);
  }
  return { trees, importance: Array.from(imp) };
}

