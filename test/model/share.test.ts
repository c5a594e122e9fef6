/**
 * Model work spread over worker threads (share.ts) gives the one-thread answer: k-means with its
 * assignment steps on two threads yields the same centres, inertia and labels, and
 * isolation-forest scores computed in blocks on two threads equal score() row by row — on the
 * KDDTest+ rows. Work a worker fails on is redone on the calling thread.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { collectTable } from '../../src/model/input.ts';
import { resolveFeatureList, type RawTable } from '../../src/model/encode.ts';
import { Encoder, fitPreprocessing, type Preprocessing } from '../../src/model/scale.ts';
import { encodeRows, fitKMeans, type EncodedRows } from '../../src/model/kmeans.ts';
import { IsolationForest } from '../../src/model/iforest.ts';
import { claimUnits, sharedI32, shareWork, StepPool } from '../../src/model/share.ts';

const KDD = new URL('../../../shared/corpus/kdd/', import.meta.url).pathname;

let t: RawTable;
let p: Preprocessing;
let x: EncodedRows;
beforeAll(async () => {
  t = (await collectTable([KDD + 'KDDTest+.txt.gz'], { features: resolveFeatureList('kdd'), keep: ['label'] })).table;
  p = fitPreprocessing(t, { clip: 5, stdFloor: 1 });
  x = encodeRows(new Encoder(p, t), t.n);
});

describe('model work on worker threads', () => {
  it('k-means with its steps on two threads gives the one-thread model', () => {
    const opts = { k: 30, seed: 3, nInit: 3, maxIter: 60 };
    const runs: number[] = [];
    const one = fitKMeans(p, x, { ...opts, threads: 1 });
    const two = fitKMeans(p, x, { ...opts, threads: 2, onRun: (r) => runs.push(r) });
    expect(two.centroids.c).toEqual(one.centroids.c);
    expect(two.inertia).toBe(one.inertia);
    expect(two.runs).toEqual(one.runs);
    expect(two.labels).toEqual(one.labels);
    expect(two.d2).toEqual(one.d2);
    // the restarts differ, so the winner was picked among really different fits
    expect(new Set(one.runs.map((r) => r.inertia)).size).toBe(3);
    expect(runs).toEqual([0, 1, 2]);
    // the labels and distances taken from the winning restart are those of a full nearest-centre
    // search under its centres, to the last bit
    const all = fitKMeans(p, x, { ...opts, dedupe: false });
    const labels = new Int32Array(x.n), d2 = new Float64Array(x.n);
    all.centroids.assign(x, labels, d2);
    expect(all.labels).toEqual(labels);
    expect(all.d2).toEqual(d2);
  });

  it('isolation-forest scores on two threads equal score() row by row', () => {
    const f = IsolationForest.fit(p, x, { seed: 9 });
    const rowByRow = Float64Array.from({ length: x.n }, (_, r) => f.score(x, r));
    expect(f.scoreAll(x, 1)).toEqual(rowByRow);
    expect(f.scoreAll(x, 2)).toEqual(rowByRow);
  });

  it('a unit that fails on a worker is redone on the calling thread; one failing here throws', () => {
    const ctrl = sharedI32(1 + 3);
    claimUnits(ctrl, 3, (u) => { if (u === 1) throw new Error('unit 1'); }, true);
    expect(Array.from(ctrl.subarray(1))).toEqual([2, 3, 2]);
    const done: number[] = [];
    // the worker fails every unit of a job it does not know (it starts while this thread sleeps
    // through its first units): each is redone here, once
    const nap = new Int32Array(new SharedArrayBuffer(4));
    shareWork({ kind: 'none' }, 8, 2, (u) => (Atomics.wait(nap, 0, 0, 100), done.push(u)));
    expect(done.sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(() => shareWork({ kind: 'none' }, 2, 1, () => { throw new Error('here'); })).toThrow('here');
  });

  it('a step block that fails on a worker is redone on the calling thread, once', () => {
    // the worker fails every block of a job it does not know (it starts while this thread sleeps
    // through its first blocks); two steps in a row, so the second finds the worker waiting
    const pool = new StepPool({ kind: 'none' }, 2, 8);
    const nap = new Int32Array(new SharedArrayBuffer(4));
    try {
      for (const op of [5, 6]) {
        const done: number[] = [];
        pool.run(op, 8, (o, b) => (expect(o).toBe(op), Atomics.wait(nap, 0, 0, 60), done.push(b)));
        expect(done.sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      }
    } finally {
      pool.close();
    }
  });
});
