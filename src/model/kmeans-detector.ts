/**
 * K-means as a Detector: the measure is the Euclidean distance to the nearest centroid, the group
 * that centroid's cluster, and the contributions the per-feature terms of the squared distance
 * (a one-hot block counts as one categorical feature).
 */
import type { Detector, DetectorFit, DetectorKind } from './detector.ts';
import { Centroids, fitKMeans, type EncodedRows, type KMeansFit, type KMeansOptions } from './kmeans.ts';
import { rawValueOf, type Preprocessing } from './scale.ts';

export class KMeansDetector implements Detector {
  readonly kind = 'kmeans';
  readonly groups: number;
  readonly cent: Centroids;
  private readonly p: Preprocessing;
  private readonly tmp = new Float64Array(1);
  /** Per cluster and categorical column: Σ c_u² over the column's one-hot block. */
  private readonly blockSq: Float64Array;
  private readonly typNum: Float64Array;
  private readonly typCat: [string, number][][];

  constructor(p: Preprocessing, cent: Centroids) {
    this.p = p;
    this.cent = cent;
    this.groups = cent.k;
    const { k, dims, nNum, nCat, offsets, c } = cent;
    this.blockSq = new Float64Array(k * nCat);
    this.typNum = new Float64Array(k * nNum);
    this.typCat = [];
    for (let j = 0; j < k; j++) {
      for (let u = 0; u < nNum; u++) this.typNum[j * nNum + u] = rawValueOf(p, u, c[j * dims + u]!);
      const cats: [string, number][] = [];
      for (let b = 0; b < nCat; b++) {
        const spec = p.categorical[b]!;
        const off = j * dims + offsets[b]!;
        let s = 0, best = -1, bv = -Infinity;
        for (let v = 0; v < spec.values.length; v++) {
          const x = c[off + v]!;
          s += x * x;
          if (x > bv) {
            bv = x;
            best = v;
          }
        }
        this.blockSq[j * nCat + b] = s;
        cats.push([best >= 0 ? spec.values[best]! : '', spec.weight ? bv / spec.weight : 0]);
      }
      this.typCat.push(cats);
    }
    cent.prepareSearch();
  }

  measure(x: EncodedRows, r: number, hint: number, out: Int32Array): number {
    const j = this.cent.nearestFrom(x, r, hint >= 0 && hint < this.groups ? hint : 0, this.tmp);
    out[0] = j;
    return Math.sqrt(this.tmp[0]!);
  }

  contributions(x: EncodedRows, r: number, group: number, out: Float64Array): void {
    const { dims, nNum, nCat, offsets, weights, c } = this.cent;
    const base = group * dims;
    const zb = r * x.nNum;
    for (let u = 0; u < nNum; u++) {
      const d = x.z[zb + u]! - c[base + u]!;
      out[u] = d * d;
    }
    const ob = r * x.nCat;
    for (let b = 0; b < nCat; b++) {
      let s = this.blockSq[group * nCat + b]!;
      const v = x.oh[ob + b]!;
      if (v >= 0) {
        const cv = c[base + offsets[b]! + v]!;
        s += (weights[b]! - cv) ** 2 - cv * cv;
      }
      out[nNum + b] = s;
    }
  }

  typicalNumeric(group: number, u: number): number {
    return this.typNum[group * this.cent.nNum + u]!;
  }

  typicalCategory(group: number, b: number): [string, number] {
    return this.typCat[group]![b]!;
  }

  /** Rebuild from the centroids stored in model.json. */
  static fromModel(p: Preprocessing, centroids: number[][]): KMeansDetector {
    return new KMeansDetector(p, Centroids.fromArrays(p, centroids));
  }
}

export interface KMeansDetectorFit extends DetectorFit<KMeansDetector> {
  fit: KMeansFit;
}

export const kmeansKind: DetectorKind<KMeansOptions, KMeansDetector> & { fit(p: Preprocessing, x: EncodedRows, o: KMeansOptions): KMeansDetectorFit } = {
  kind: 'kmeans',
  fit(p, x, options) {
    const fit = fitKMeans(p, x, options);
    return { detector: new KMeansDetector(p, fit.centroids), measures: fit.d2.map(Math.sqrt), groups: fit.labels, fit };
  },
};
