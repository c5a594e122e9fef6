import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawTable } from '../../src/model/encode.ts';
import { Encoder, fitPreprocessing } from '../../src/model/scale.ts';
import { Centroids, encodeRows, fitKMeans, rng, toDense } from '../../src/model/kmeans.ts';
import { kneeIndex, rowDistance, silhouette } from '../../src/model/select-k.ts';
import { fitThresholds, parseThreshold, percentileSorted } from '../../src/model/threshold.ts';
import { averagePrecision, computeMetrics, rocAuc } from '../../src/model/metrics.ts';
import { trainModel } from '../../src/model/train.ts';
import { loadModel, saveModel } from '../../src/model/model-file.ts';
import { Scorer } from '../../src/model/score.ts';
import { InputError } from '../../src/errors.ts';

/** Gaussian blobs around known centres, plus a categorical column tied to the blob. */
function blobs(n: number, seed: number): { t: RawTable; truth: number[] } {
  const r = rng(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  const centres = [[0, 0], [10, 0], [0, 10]];
  const t = new RawTable(['a', 'b'], ['kind'], []);
  const truth: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    truth.push(c);
    t.push({ a: centres[c]![0]! + gauss() * 0.5, b: centres[c]![1]! + gauss() * 0.5, kind: ['x', 'y', 'z'][c]! });
  }
  return { t, truth };
}

const dense2 = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0);

describe('preprocessing', () => {
  it('log1p only on unbounded non-negative columns; constant columns get std 1; unseen categories encode as zeros', () => {
    const t = new RawTable(['bytes', 'rate', 'const', 'neg'], ['service'], []);
    const rows = [
      { bytes: 0, rate: 0.5, const: 7, neg: -3, service: 'http' },
      { bytes: 1000, rate: 1, const: 7, neg: 2, service: 'http' },
      { bytes: 10, rate: 0, const: 7, neg: 5, service: 'smtp' },
    ];
    rows.forEach((r) => t.push(r));
    const p = fitPreprocessing(t, { stdFloor: 0 });
    expect(p.numeric.map((s) => s.log1p)).toEqual([true, false, true, false]); // rate ≤ 1 and neg < 0 stay linear
    const logs = [0, 1000, 10].map(Math.log1p);
    const mean = logs.reduce((s, v) => s + v, 0) / 3;
    expect(p.numeric[0]!.mean).toBeCloseTo(mean, 12);
    expect(p.numeric[0]!.std).toBeCloseTo(Math.sqrt(logs.reduce((s, v) => s + (v - mean) ** 2, 0) / 3), 12);
    expect(p.numeric[2]!.std).toBe(1);
    expect(p.categorical[0]!.values).toEqual(['http', 'smtp']); // most frequent first
    t.push({ bytes: 5, rate: 0.2, const: 7, neg: 0, service: 'gopher' });
    const enc = new Encoder(p, t);
    const x = encodeRows(enc, t.n);
    expect(x.oh[3]).toBe(-1);
    expect(x.z[3 * 4 + 2]).toBe(0); // constant column → 0, not NaN
    expect(enc.rawValue(0, x.z[1 * 4]!)).toBeCloseTo(1000, 9);
  });
});

describe('k-means', () => {
  it('sparse one-hot distance equals the dense Euclidean distance (property)', () => {
    const { t } = blobs(60, 3);
    const p = fitPreprocessing(t, { oneHotWeight: 1.7 });
    const x = encodeRows(new Encoder(p, t), t.n);
    const dense = toDense(p, x);
    fc.assert(
      fc.property(fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 5, maxLength: 5 }), fc.integer({ min: 0, max: 59 }), (c, r) => {
        const cent = Centroids.fromArrays(p, [c]);
        expect(cent.dist2(x, r, 0)).toBeCloseTo(dense2(dense[r]!, c), 9);
      }),
      { numRuns: 200 },
    );
  });

  it('recovers three separated blobs; inertia is the sum of squared distances; Hamerly = plain Lloyd', () => {
    const { t, truth } = blobs(900, 5);
    const p = fitPreprocessing(t);
    const x = encodeRows(new Encoder(p, t), t.n);
    const h = fitKMeans(p, x, { k: 3, seed: 1, nInit: 2 });
    const l = fitKMeans(p, x, { k: 3, seed: 1, nInit: 2, algorithm: 'lloyd' });
    expect(h.inertia).toBeCloseTo(l.inertia, 6);
    const labels = new Int32Array(x.n);
    const d2 = new Float64Array(x.n);
    h.centroids.assign(x, labels, d2);
    // every true blob maps to exactly one cluster
    const map = new Map<number, Set<number>>();
    truth.forEach((c, i) => map.set(c, (map.get(c) ?? new Set()).add(labels[i]!)));
    expect([...map.values()].map((s) => s.size)).toEqual([1, 1, 1]);
    const dense = toDense(p, x);
    const cents = h.centroids.toArrays();
    const inertia = dense.reduce((s, v, i) => s + dense2(v, cents[labels[i]!]!), 0);
    expect(h.inertia).toBeCloseTo(inertia, 6);
    expect(h.runs.length).toBe(2);
    expect(h.inertia).toBe(Math.min(...h.runs.map((r) => r.inertia)));
  });

  it('is reproducible for a seed', () => {
    const { t } = blobs(300, 9);
    const p = fitPreprocessing(t);
    const x = encodeRows(new Encoder(p, t), t.n);
    expect(fitKMeans(p, x, { k: 5, seed: 7 }).centroids.c).toEqual(fitKMeans(p, x, { k: 5, seed: 7 }).centroids.c);
  });
});

describe('k selection', () => {
  it('silhouette matches the hand-computed value', () => {
    // 1-D points 0, 1, 10, 11 in two clusters: a = 1, b = 10 or 10.5 / 9.5 ...
    const t = new RawTable(['v'], [], []);
    [0, 1, 10, 11].forEach((v) => t.push({ v }));
    const p = { numeric: [{ name: 'v', log1p: false, mean: 0, std: 1, min: 0, max: 11 }], categorical: [], clip: 0, stdFloor: 0 };
    const x = encodeRows(new Encoder(p, t), 4);
    expect(rowDistance(p, x, 0, 3)).toBe(11);
    const s = [(10.5 - 1) / 10.5, (9.5 - 1) / 9.5, (9.5 - 1) / 9.5, (10.5 - 1) / 10.5];
    expect(silhouette(p, x, Int32Array.from([0, 0, 1, 1]), 2)).toBeCloseTo(s.reduce((a, b) => a + b) / 4, 12);
  });

  it('finds the knee of an inertia curve', () => {
    const ks = [1, 2, 3, 4, 5, 6, 7, 8];
    const inertia = [1000, 400, 120, 100, 90, 82, 76, 71];
    expect(ks[kneeIndex(ks, inertia)]).toBe(3);
  });
});

describe('thresholds and metrics', () => {
  it('percentiles interpolate like numpy; x<m> is mean + m·std; per cluster falls back for small clusters', () => {
    const sorted = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(percentileSorted(sorted, 95)).toBeCloseTo(9.55, 12); // numpy.percentile(range(1, 11), 95)
    const labels = Int32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    const th = fitThresholds(parseThreshold('x2', 'cluster'), sorted, labels, 2, 5);
    const m0 = 4.5;
    const s0 = Math.sqrt([1, 2, 3, 4, 5, 6, 7, 8].reduce((s, v) => s + (v - m0) ** 2, 0) / 8);
    expect(th.perCluster[0]).toBeCloseTo(m0 + 2 * s0, 12);
    expect(th.perCluster[1]).toBe(th.global);
    expect(th.global).toBeCloseTo(5.5 + 2 * Math.sqrt(8.25), 12);
    expect(() => parseThreshold('q95')).toThrow(/^threshold rule 'q95': expected p<percentile>/);
  });

  it('ROC-AUC and average precision match scikit-learn’s documented examples', () => {
    // sklearn.metrics.roc_auc_score / average_precision_score docstring: y=[0,0,1,1], s=[0.1,0.4,0.35,0.8]
    const y = [false, false, true, true];
    const s = [0.1, 0.4, 0.35, 0.8];
    expect(rocAuc(s, y)).toBeCloseTo(0.75, 12);
    expect(averagePrecision(s, y)).toBeCloseTo(0.8333333333, 9);
    const m = computeMetrics(s.map((v, i) => ({ score: v, flagged: v > 0.3, label: y[i] ? 'neptune' : 'normal', category: y[i] ? 'dos' : 'normal' })));
    expect(m.confusion).toEqual({ tp: 2, fp: 1, tn: 1, fn: 0 });
    expect(m.f1).toBeCloseTo(0.8, 12);
    expect(m.perCategory.find((c) => c.category === 'dos')!.rate).toBe(1);
  });
});

describe('model file and scoring', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowsift-model-'));
  const { t } = blobs(600, 11);
  const model = trainModel(t, { sources: ['blobs'], rowsRead: 600, trainOn: null, labelCounts: {} }, { k: 3, kMax: 5, nInit: 1, threshold: 'p99', sweep: true });

  it('round-trips through model.json and scores a far point as anomalous with reasons', async () => {
    const f = join(dir, 'm.json');
    await saveModel(f, model);
    const m = await loadModel(f);
    expect(m.kmeans.k).toBe(3);
    expect(m.kSelection.curve.map((c) => c.k)).toEqual([2, 3, 4, 5]);
    expect(m.kSelection.silhouetteK).toBe(3);
    expect(m.pca!.points.length).toBeGreaterThan(0);
    const q = new RawTable(['a', 'b'], ['kind'], []);
    q.push({ a: 10, b: 0, kind: 'y' });
    q.push({ a: 10, b: -25, kind: 'y' });
    const sc = new Scorer(m, q);
    const near = sc.score(0, 2);
    const far = sc.score(1, 2);
    expect(near.isAnomaly).toBe(false);
    expect(far.isAnomaly).toBe(true);
    expect(far.anomalyScore).toBeCloseTo(far.distance / far.threshold, 12);
    expect(far.reasons[0]!.feature).toBe('b');
    expect(far.reasons[0]!.value).toBe(-25);
    expect(Number(far.reasons[0]!.typical)).toBeCloseTo(0, 0);
    expect(far.reasons[0]!.text).toMatch(/^b -25 vs /);
  });

  it('refuses a model of another schema version and an invalid model (exit 3)', async () => {
    const f = join(dir, 'v2.json');
    writeFileSync(f, JSON.stringify({ ...model, schemaVersion: 3, flowsiftVersion: '9.0.0' }));
    const err = await loadModel(f).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).exitCode).toBe(3);
    expect((err as InputError).message).toMatch(/model schema version 3 \(written by flowsift 9\.0\.0\) is not supported/);
    const g = join(dir, 'bad.json');
    const doc = JSON.parse(readFileSync(join(dir, 'm.json'), 'utf8'));
    doc.kmeans.centroids[0].pop();
    writeFileSync(g, JSON.stringify(doc));
    await expect(loadModel(g)).rejects.toThrow(/kmeans\.centroids\.0: \d+ values/);
  });
});
