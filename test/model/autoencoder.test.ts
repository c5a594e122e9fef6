/**
 * The autoencoder and hybrid detectors on NSL-KDD samples cut from the corpus (a few thousand rows,
 * a few epochs): reproducible from the seed, saved and reloaded to the same scores, attacks scored
 * above normal rows, the fusion rules, records carrying both scores, and the model file versions.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectTable } from '../../src/model/input.ts';
import { resolveFeatureList } from '../../src/model/encode.ts';
import { trainModel } from '../../src/model/train.ts';
import { Scorer } from '../../src/model/score.ts';
import { loadModel, saveModel, type ModelFile } from '../../src/model/model-file.ts';
import { rocAuc } from '../../src/model/metrics.ts';
import { buildRecord } from '../../src/report/record.ts';
import { fuse, fitFusion, quantileGrid, RankFusion, tailShare } from '../../src/model/hybrid.ts';
import { parseThreshold } from '../../src/model/threshold.ts';
import { Mlp } from '../../src/model/autoencoder.ts';
import { Encoder, fitPreprocessing } from '../../src/model/scale.ts';
import { encodeRows } from '../../src/model/kmeans.ts';
import { InputError } from '../../src/errors.ts';
import { kddSubset } from '../cli/model-helpers.ts';
import type { RawTable } from '../../src/model/encode.ts';

const dir = mkdtempSync(join(tmpdir(), 'flowsift-ae-'));
const features = resolveFeatureList('kdd');
let train: RawTable;
let test: RawTable;
const meta = { sources: ['KDDTrain+ sample'], rowsRead: 0, trainOn: 'normal', labelCounts: {} };
const opts = { k: 10, nInit: 1, seed: 7, aeEpochs: 3, aeHidden: [32, 16, 32] };

beforeAll(async () => {
  const tr = kddSubset('KDDTrain+.txt.gz', 40, dir); // 3,150 rows, ~1,680 normal
  const te = kddSubset('KDDTest+.txt.gz', 15, dir); // 1,503 rows, attacks and normal
  train = (await collectTable([tr.path], { features, trainOn: 'normal' })).table;
  test = (await collectTable([te.path], { features, keep: ['label', 'category'] })).table;
});

function scoresOf(m: ModelFile, t: RawTable): ReturnType<Scorer['score']>[] {
  const s = new Scorer(m, t);
  return Array.from({ length: t.n }, (_, i) => s.score(i, 0));
}

describe('autoencoder detector', () => {
  it('is reproducible: the same seed gives the same weights and thresholds, another seed other weights', () => {
    const a = trainModel(train, meta, { ...opts, detector: 'autoencoder' });
    const b = trainModel(train, meta, { ...opts, detector: 'autoencoder' });
    const c = trainModel(train, meta, { ...opts, detector: 'autoencoder', seed: 8 });
    expect(a.autoencoder!.weights).toEqual(b.autoencoder!.weights);
    expect(a.autoencoder!.training.loss).toEqual(b.autoencoder!.training.loss);
    expect(a.thresholds.global).toBe(b.thresholds.global);
    expect(c.autoencoder!.weights[0]).not.toEqual(a.autoencoder!.weights[0]);
    // the layers: input and output as wide as the encoding, the hidden widths asked for
    const L = a.autoencoder!.layers;
    expect(L.slice(1, -1)).toEqual([32, 16, 32]);
    expect(L[0]).toBe(L[L.length - 1]);
    expect(a.autoencoder!.training.loss.length).toBe(3);
    expect(a.autoencoder!.training.loss[2]!).toBeLessThan(a.autoencoder!.training.loss[0]!);
    // an autoencoder model: one cluster, its top-level thresholds are the autoencoder's
    expect(a.kmeans.k).toBe(1);
    expect(a.thresholds).toEqual(a.autoencoder!.thresholds);
  });

  it('trains the same weights on one thread and on two (the second half of each batch on a worker)', () => {
    const p = fitPreprocessing(train, { clip: 5, stdFloor: 1 });
    const x = encodeRows(new Encoder(p, train), train.n);
    const run = (threads: number): { W: Float64Array[]; b: Float64Array[]; loss: number[]; helper: number } => {
      const net = Mlp.init(p, [32, 16, 32], 5);
      // batches of 201 rows: unequal halves, and a last batch of its own size
      const loss = net.train(x, { hidden: [32, 16, 32], epochs: 30, batchSize: 201, learningRate: 1e-3, l2: 1e-4, seed: 5, threads });
      return { W: net.W.map((w) => Float64Array.from(w)), b: net.b.map((v) => Float64Array.from(v)), loss, helper: net.helperHalves };
    };
    const one = run(1);
    const two = run(2);
    expect(one.helper).toBe(0);
    expect(two.helper).toBeGreaterThan(0);
    expect(two.loss).toEqual(one.loss);
    expect(two.W).toEqual(one.W);
    expect(two.b).toEqual(one.b);
    expect(one.loss[1]!).toBeLessThan(one.loss[0]!);
  });

  it('scores the test attacks above the test normal rows (ROC-AUC ≥ 0.9 on the sample), 5 % of training rows above p95', () => {
    const m = trainModel(train, meta, { ...opts, detector: 'autoencoder' });
    const s = scoresOf(m, test);
    const isPos = Array.from({ length: test.n }, (_, i) => test.kept[i]!.label !== 'normal');
    const auc = rocAuc(s.map((x) => x.anomalyScore), isPos);
    expect(auc).toBeGreaterThanOrEqual(0.9);
    const tr = scoresOf(m, train);
    const share = tr.filter((x) => x.isAnomaly).length / train.n;
    expect(share).toBeGreaterThan(0.04);
    expect(share).toBeLessThan(0.06);
    // the measure is the reconstruction error; reasons are the largest per-feature errors
    const sc = new Scorer(m, test);
    const top = s.map((x, i) => [x.anomalyScore, i] as const).sort((x, y) => y[0] - x[0])[0]![1];
    const r = sc.score(top, 3);
    expect(r.distance).toBe(r.aeError);
    expect(r.reasons.length).toBe(3);
    expect(r.reasons.every((x) => x.detector === 'autoencoder' && /reconstructed$/.test(x.text))).toBe(true);
    expect(r.reasons[0]!.share).toBeGreaterThanOrEqual(r.reasons[1]!.share);
  });

  it('saves and reloads to the same scores (weights inline, float32)', async () => {
    const m = trainModel(train, meta, { ...opts, detector: 'hybrid', fusion: 'rank' });
    const f = join(dir, 'hybrid.json');
    await saveModel(f, m);
    const back = await loadModel(f);
    expect(back.schemaVersion).toBe(2);
    expect(back.detector).toBe('hybrid');
    const a = scoresOf(m, test), b = scoresOf(back, test);
    for (let i = 0; i < test.n; i++) {
      expect(b[i]!.anomalyScore).toBe(a[i]!.anomalyScore);
      expect(b[i]!.aeError).toBe(a[i]!.aeError);
    }
    // compact: the weights are base64 strings, not JSON number arrays
    expect(typeof back.autoencoder!.weights[0]).toBe('string');
  });

  it('refuses a model with a truncated weight array and one of a newer schema; reads version 1 as k-means', async () => {
    const m = trainModel(train, meta, { ...opts, detector: 'autoencoder' });
    const doc = JSON.parse(JSON.stringify(m));
    doc.autoencoder.weights[1] = doc.autoencoder.weights[1].slice(0, 40);
    const f = join(dir, 'bad-ae.json');
    writeFileSync(f, JSON.stringify(doc));
    const err = await loadModel(f).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/autoencoder\.weights\.1: \d+ weights/);
    writeFileSync(f, JSON.stringify({ ...m, schemaVersion: 3 }));
    await expect(loadModel(f)).rejects.toThrow(/model schema version 3 .* reads versions 1 and 2/);
    const km = trainModel(train, meta, { k: 5, nInit: 1, seed: 1 });
    const v1 = { ...JSON.parse(JSON.stringify(km)), schemaVersion: 1 };
    delete v1.detector;
    writeFileSync(f, JSON.stringify(v1));
    const back = await loadModel(f);
    expect(back.detector).toBeUndefined();
    expect(scoresOf(back, test)[0]!.anomalyScore).toBe(scoresOf(km, test)[0]!.anomalyScore);
  });
});

describe('hybrid fusion', () => {
  it('and / or / rank: the rules on ratios, and rank flags the threshold percentile of the training rows', () => {
    expect(fuse('and', 2, 0.5, undefined, 0, 0)).toBe(0.5);
    expect(fuse('or', 2, 0.5, undefined, 0, 0)).toBe(2);
    expect(fuse('and', 1.5, 3, undefined, 0, 0)).toBe(1.5);
    // tail shares: 1 below the minimum, decreasing, floored at 1/(n+1), then max/x beyond the max
    const v = Float64Array.from({ length: 1000 }, (_, i) => i + 1);
    const g = quantileGrid(v);
    expect(tailShare(g, 1000, 0)).toBe(1);
    expect(tailShare(g, 1000, 500.5)).toBeCloseTo(0.5, 2);
    expect(tailShare(g, 1000, 950)).toBeGreaterThan(tailShare(g, 1000, 990));
    expect(tailShare(g, 1000, 2000)).toBeCloseTo(0.5 / 1001, 8);
    // rank: two detectors, 10,000 training rows; p95 flags 5 % of them
    let s = 1;
    const r = (): number => ((s = (s * 16807) % 2147483647) / 2147483647);
    const km = Float64Array.from({ length: 10000 }, () => r() * 3);
    const ae = Float64Array.from(km, (x) => x * 0.5 + r());
    const f = fitFusion('rank', parseThreshold('p95'), km, ae, 0);
    const rf = RankFusion.fromModel(f);
    let flagged = 0;
    for (let i = 0; i < km.length; i++) if (fuse('rank', 0, 0, rf, km[i]!, ae[i]!) > 1) flagged++;
    expect(flagged / km.length).toBeGreaterThan(0.045);
    expect(flagged / km.length).toBeLessThan(0.055);
    // a row far beyond both training maxima outranks one just beyond them
    expect(fuse('rank', 0, 0, rf, 100, 100)).toBeGreaterThan(fuse('rank', 0, 0, rf, 4, 3));
  });

  it('score: flags as many training rows as or does, ranked by the standardized logs', () => {
    let s = 7;
    const r = (): number => ((s = (s * 16807) % 2147483647) / 2147483647);
    const km = Float64Array.from({ length: 10000 }, () => r() * 3);
    const ae = Float64Array.from(km, (x) => x * 0.5 + r());
    const kmThr = Float64Array.from(km).sort()[9500]!, aeThr = Float64Array.from(ae).sort()[9500]!;
    const f = fitFusion('score', parseThreshold('p95'), km, ae, kmThr, { kmeans: new Float64Array(km.length).fill(kmThr), autoencoder: aeThr });
    let either = 0, flagged = 0;
    const rf = RankFusion.fromModel(f);
    for (let i = 0; i < km.length; i++) {
      if (km[i]! > kmThr || ae[i]! > aeThr) either++;
      if (fuse('score', km[i]! / kmThr, ae[i]! / aeThr, rf, km[i]!, ae[i]!) > 1) flagged++;
    }
    // two partly correlated detectors at p95: the union is more than 5 % and less than 10 %
    expect(either / km.length).toBeGreaterThan(0.06);
    expect(either / km.length).toBeLessThan(0.1);
    expect(f.score!.budget).toBeCloseTo(either / km.length, 10);
    expect(Math.abs(flagged - either)).toBeLessThanOrEqual(2);
    // monotone in each measure; far out on one detector beats a little out on both
    expect(fuse('score', 0, 0, rf, 3, 1.5)).toBeGreaterThan(fuse('score', 0, 0, rf, 2.9, 1.5));
    expect(fuse('score', 0, 0, rf, 2, 1.6)).toBeGreaterThan(fuse('score', 0, 0, rf, 2, 1.5));
    const aeMedian = Float64Array.from(ae).sort()[5000]!;
    expect(fuse('score', 0, 0, rf, 100 * kmThr, aeMedian)).toBeGreaterThan(fuse('score', 0, 0, rf, kmThr * 1.05, aeThr * 1.05));
    expect(fuse('score', 0, 0, rf, 100 * kmThr, aeMedian)).toBeGreaterThan(1);
    // a zero distance (a row on a centroid) stays finite
    expect(Number.isFinite(fuse('score', 0, 0, rf, 0, 0))).toBe(true);
    expect(fuse('score', 0, 0, rf, 0, 0)).toBeLessThan(1);
  });

  it('records carry both scores and which detectors fired; the and rule needs both', () => {
    const base = trainModel(train, meta, { ...opts, detector: 'hybrid', fusion: 'and', threshold: 'p97' });
    const sc = new Scorer(base, test);
    let both = 0, one = 0;
    for (let i = 0; i < test.n; i++) {
      const s = sc.score(i, 2);
      const rec = buildRecord(i + 1, test.kept[i]!, s);
      expect(rec.detector).toBe('hybrid');
      expect(rec.kmeans_score).toBeCloseTo(s.distance / s.threshold, 5);
      expect(rec.ae_score).toBeCloseTo(rec.ae_error! / rec.ae_threshold!, 5);
      const fired = [rec.kmeans_score! > 1 ? 'kmeans' : '', rec.ae_score! > 1 ? 'autoencoder' : ''].filter(Boolean);
      expect(rec.detectors_fired).toEqual(fired);
      expect(rec.is_anomaly).toBe(fired.length === 2);
      expect(rec.anomaly_score).toBeCloseTo(Math.min(rec.kmeans_score!, rec.ae_score!), 5);
      if (fired.length === 2) both++;
      if (fired.length === 1) one++;
      // reasons: k-means's first, then the autoencoder's
      expect(rec.reasons.map((x) => x.detector)).toEqual(['kmeans', 'kmeans', 'autoencoder', 'autoencoder'].slice(0, rec.reasons.length));
    }
    expect(both).toBeGreaterThan(100);
    expect(one).toBeGreaterThan(0);
    // the same training with `or` flags every row either detector flags
    const orModel = { ...base, fusion: { ...base.fusion!, rule: 'or' as const } };
    const so = new Scorer(orModel, test);
    let orFlagged = 0;
    for (let i = 0; i < test.n; i++) if (so.score(i, 0).isAnomaly) orFlagged++;
    expect(orFlagged).toBe(both + one);
  });
});

describe('model file', () => {
  it('a k-means model is written as version 2 without detector sections', () => {
    const m = trainModel(train, meta, { k: 5, nInit: 1, seed: 1 });
    expect(m.schemaVersion).toBe(2);
    expect(m.autoencoder).toBeUndefined();
    expect(m.fusion).toBeUndefined();
    expect(readFileSync(new URL('../../src/model/model-file.ts', import.meta.url), 'utf8')).toMatch(/2 — more than one detector/);
  });
});
