/**
 * 2-D PCA projection (ml-pca, SVD) of a seeded sample of the encoded training rows, stored in the
 * model for charts (points coloured by cluster, centroids projected too), and used by `score` to add
 * pca_x / pca_y to each record.
 */
import { PCA } from 'ml-pca';
import type { Preprocessing } from './scale.ts';
import { sampleIndices, subset, toDense, type Centroids, type EncodedRows } from './kmeans.ts';

export interface PcaProjection {
  /** Column means of the encoded space (PCA centring). */
  mean: number[];
  /** 2 × dims loadings (principal axes). */
  components: number[][];
  explainedVariance: number[];
  /** Sample of training points: [x, y, cluster]. */
  points: [number, number, number][];
  centroids: [number, number][];
}

export function fitPca(p: Preprocessing, x: EncodedRows, labels: Int32Array, cent: Centroids, sample: number, seed: number): PcaProjection | undefined {
  if (x.n < 3) return undefined;
  const idx = sampleIndices(x.n, sample, seed);
  const dense = toDense(p, subset(x, idx));
  const pca = new PCA(dense, { method: 'SVD', center: true, scale: false });
  const loadings = pca.getLoadings(); // rows = components
  const components = [0, 1].map((c) => (c < loadings.rows ? loadings.getRow(c) : new Array<number>(dense[0]!.length).fill(0)));
  const dims = dense[0]!.length;
  const mean = new Array<number>(dims).fill(0);
  for (const r of dense) for (let u = 0; u < dims; u++) mean[u]! += r[u]!;
  for (let u = 0; u < dims; u++) mean[u]! /= dense.length;
  const proj: PcaProjection = {
    mean,
    components,
    explainedVariance: pca.getExplainedVariance().slice(0, 2),
    points: [],
    centroids: [],
  };
  dense.forEach((r, i) => {
    const [px, py] = projectDense(proj, r);
    proj.points.push([round(px), round(py), labels[idx[i]!]!]);
  });
  for (const c of cent.toArrays()) {
    const [px, py] = projectDense(proj, c);
    proj.centroids.push([round(px), round(py)]);
  }
  return proj;
}

function round(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}

export function projectDense(p: PcaProjection, v: ArrayLike<number>): [number, number] {
  let a = 0;
  let b = 0;
  const c0 = p.components[0]!, c1 = p.components[1]!;
  for (let u = 0; u < p.mean.length; u++) {
    const d = v[u]! - p.mean[u]!;
    a += d * c0[u]!;
    b += d * c1[u]!;
  }
  return [a, b];
}
