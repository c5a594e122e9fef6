import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { collectTable } from '../../src/model/input.ts';
import { resolveFeatureList } from '../../src/model/encode.ts';
import { trainModel } from '../../src/model/train.ts';
import { Encoder } from '../../src/model/scale.ts';
import { Centroids, rng, type EncodedRows } from '../../src/model/kmeans.ts';
import { NearestSearch } from '../../src/model/nearest.ts';

const KDD = join(import.meta.dirname, '../../../shared/corpus/kdd');

/** All rows of a table encoded into one block. */
function encodeAll(enc: Encoder, n: number): EncodedRows {
  const x: EncodedRows = { n, nNum: enc.nNum, nCat: enc.nCat, z: new Float64Array(n * enc.nNum), oh: new Int32Array(n * enc.nCat) };
  for (let i = 0; i < n; i++) enc.encodeInto(i, x.z, i * enc.nNum, x.oh, i * enc.nCat);
  return x;
}

describe('pruned nearest-centroid search', () => {
  it('finds the same centroid and the same squared distance, to the bit, as nearestFrom and brute force on KDDTest+', async () => {
    const features = resolveFeatureList('kdd');
    const { table: train } = await collectTable([join(KDD, 'KDDTrain+_20Percent.txt.gz')], { features, trainOn: 'normal' });
    const model = trainModel(train, { sources: ['20%'], rowsRead: train.n, trainOn: 'normal', labelCounts: {} }, { k: 60, nInit: 1, seed: 1, fitMode: 'clean' });
    const { table: test } = await collectTable([join(KDD, 'KDDTest+.txt.gz')], { features });
    const enc = new Encoder(model.preprocessing, test);
    const x = encodeAll(enc, test.n);
    const cent = Centroids.fromArrays(model.preprocessing, model.kmeans.centroids);
    const search = new NearestSearch(cent);
    const tmp = new Float64Array(1);
    const r = rng(7);
    let differ = 0, bruteDiffer = 0, anomalies = 0;
    for (let i = 0; i < x.n; i++) {
      // guesses as Scorer makes them (a nearby cluster) and arbitrary ones
      const g = i % 3 === 0 ? Math.floor(r() * cent.k) : search.cluster;
      search.nearest(x.z, x.oh, i, g);
      const want = cent.nearestFrom(x, i, g, tmp);
      if (search.cluster !== want || search.d2 !== tmp[0]) differ++;
      const brute = cent.nearest(x, i, tmp);
      if (brute !== search.cluster) bruteDiffer++;
      expect(Math.abs(tmp[0]! - search.d2)).toBeLessThanOrEqual(1e-9 * (1 + tmp[0]!));
      if (search.d2 > model.thresholds.global ** 2) anomalies++;
    }
    expect(x.n).toBe(22544);
    expect(differ).toBe(0);
    expect(bruteDiffer).toBe(0);
    // the far rows (where the one-hot bound prunes nothing) are well represented
    expect(anomalies).toBeGreaterThan(5000);
  }, 120_000);

  it('breaks exact ties as nearestFrom does (duplicate centroids), from every guess', async () => {
    const features = resolveFeatureList('kdd');
    const { table } = await collectTable([join(KDD, 'KDDTest+.txt.gz')], { features });
    const model = trainModel(table, { sources: ['test'], rowsRead: table.n, trainOn: null, labelCounts: {} }, { k: 6, nInit: 1, seed: 3, fitMode: 'clean' });
    // every centroid twice: each row's two nearest are an exact tie
    const twice = model.kmeans.centroids.flatMap((c) => [c, [...c]]);
    const cent = Centroids.fromArrays(model.preprocessing, twice);
    const search = new NearestSearch(cent);
    const x = encodeAll(new Encoder(model.preprocessing, table), 2000);
    const tmp = new Float64Array(1);
    for (let i = 0; i < x.n; i++) {
      for (let g = 0; g < cent.k; g++) {
        search.nearest(x.z, x.oh, i, g);
        expect(search.cluster).toBe(cent.nearestFrom(x, i, g, tmp));
        expect(search.d2).toBe(tmp[0]);
      }
    }
  }, 120_000);
});
