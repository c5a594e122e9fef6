/**
 * `flowsift train` → `score` → `evaluate` on NSL-KDD through runCli, and the detection floor: a model
 * trained on (a seeded sample of) the normal KDDTrain+ rows must reach ROC-AUC ≥ 0.95 on the FULL
 * KDDTest+ (the README reports the full default run, scripts/eval-nslkdd.ts).
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, jsonl, kddSubset, KDD_DIR } from './model-helpers.ts';
import { rocAuc } from '../../src/model/metrics.ts';

const dir = mkdtempSync(join(tmpdir(), 'flowsift-train-'));

describe('flowsift train', () => {
  it('semi-supervised on normal KDDTrain+ rows: ROC-AUC ≥ 0.95 and F1 ≥ 0.85 on the full KDDTest+', async () => {
    const model = join(dir, 'nsl.json');
    const tr = await cli(['train', join(KDD_DIR, 'KDDTrain+.txt.gz'), '-m', model, '--train-on', 'normal', '--sample', '10000', '--n-init', '1', '--k-max', '3', '--seed', '1']);
    expect(tr.code).toBe(0);
    expect(tr.err).toMatch(/trained on 67,343 rows \(label normal, of 125,973\)/);
    const m = JSON.parse(readFileSync(model, 'utf8'));
    expect(m.training.rows).toBe(67343); // normal rows of KDDTrain+ (NSL-KDD paper, Tavallaee et al. 2009)
    expect(m.training.fitRows).toBe(10000);
    expect(m.features.length).toBe(41);
    const scored = join(dir, 'test.jsonl');
    const sc = await cli(['score', join(KDD_DIR, 'KDDTest+.txt.gz'), '-m', model, '-o', scored, '--explain', '0']);
    expect(sc.code).toBe(0);
    const recs = jsonl(readFileSync(scored, 'utf8'));
    expect(recs.length).toBe(22544);
    // AUC recomputed from the records and the labels they carry
    const auc = rocAuc(recs.map((r) => r.anomaly_score), recs.map((r) => r.label !== 'normal'));
    expect(auc).toBeGreaterThanOrEqual(0.95);
    const ev = await cli(['evaluate', scored, '--json']);
    expect(ev.code).toBe(0);
    const metrics = JSON.parse(ev.out);
    expect(metrics.rocAuc).toBeCloseTo(auc, 10);
    expect(metrics.f1).toBeGreaterThanOrEqual(0.85);
    const tp = recs.filter((r) => r.is_anomaly && r.label !== 'normal').length;
    expect(metrics.confusion.tp).toBe(tp);
    expect(metrics.perCategory.map((c: { category: string }) => c.category).sort()).toEqual(['dos', 'normal', 'probe', 'r2l', 'u2r']);
    expect(existsSync(scored)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('--k auto picks the best silhouette of the stored curve; --threshold-scope cluster stores one threshold per cluster', async () => {
    const { path } = kddSubset('KDDTrain+_20Percent.txt.gz', 10, dir);
    const model = join(dir, 'auto.json');
    const r = await cli(['train', path, '-m', model, '--k', 'auto', '--k-min', '2', '--k-max', '6', '--threshold', 'x2', '--threshold-scope', 'cluster', '--n-init', '1', '-q']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const m = JSON.parse(readFileSync(model, 'utf8'));
    const curve = m.kSelection.curve as { k: number; silhouette: number; inertia: number }[];
    expect(curve.map((c) => c.k)).toEqual([2, 3, 4, 5, 6]);
    const best = curve.reduce((a, b) => (b.silhouette > a.silhouette ? b : a));
    expect(m.kSelection.method).toBe('silhouette');
    expect(m.kmeans.k).toBe(best.k);
    expect(m.thresholds.perCluster.length).toBe(best.k);
    expect(m.thresholds.rule).toEqual({ method: 'multiplier', param: 2, scope: 'cluster' });
    expect(m.training.labelCounts.normal).toBeGreaterThan(0);
  });

  it('usage errors exit 2; no training rows exit 3', async () => {
    const { path } = kddSubset('KDDTest+.txt.gz', 50, dir);
    expect((await cli(['train', path, '-m', join(dir, 'x.json'), '--threshold', 'q9'])).code).toBe(2);
    expect((await cli(['train', path, '-m', join(dir, 'x.json'), '--k', 'many'])).code).toBe(2);
    const none = await cli(['train', path, '-m', join(dir, 'x.json'), '--train-on', 'no-such-label']);
    expect(none.code).toBe(3);
    expect(none.err).toMatch(/only 0 of \d+ rows have label 'no-such-label'/);
    expect(existsSync(join(dir, 'x.json'))).toBe(false);
  });

  it('a fixed k skips the k sweep unless --sweep asks for it; progress of restarts, sweep and PCA goes to stderr', async () => {
    const { path } = kddSubset('KDDTrain+_20Percent.txt.gz', 10, dir);
    const plain = join(dir, 'fixed.json');
    const r = await cli(['train', path, '-m', plain, '--k', '8', '--n-init', '2', '--k-max', '4']);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(plain, 'utf8')).kSelection.curve).toEqual([]);
    expect(r.err).toMatch(/k-means restart 1\/2: inertia [\d.]+ after \d+ iterations/);
    expect(r.err).toMatch(/k-means restart 2\/2: inertia [\d.]+ after \d+ iterations, [\d.]+ s \(best so far [\d.]+\)/);
    expect(r.err).toMatch(/PCA \(2-D projection for charts\) on \d+ rows/);
    expect(r.err).not.toMatch(/k sweep/);
    // no --train-on: the rows may hold attacks (this file: 47 %), so the robust fit is the default and says what it set aside
    const fitted = JSON.parse(readFileSync(plain, 'utf8'));
    expect(fitted.training.fitMode).toBe('robust');
    expect(r.err).toMatch(/isolation forest: set aside \d+ of \d+ rows/);
    expect(r.err).toContain(`robust fit: set aside ${fitted.training.setAside.rows.toLocaleString('en-US')} of ${fitted.training.setAside.of.toLocaleString('en-US')} training rows`);
    expect(r.err).toMatch(/by label: \w+ \d/);
    const normalOnly = await cli(['train', path, '-m', join(dir, 'normal.json'), '--k', '8', '--n-init', '1', '--train-on', 'normal']);
    expect(normalOnly.err).toMatch(/clean fit: learned from all [\d,]+ training rows \(--train-on rows are taken as attack-free/);
    expect(JSON.parse(readFileSync(join(dir, 'normal.json'), 'utf8')).training.setAside).toBeUndefined();
    const swept = join(dir, 'swept.json');
    const s = await cli(['train', path, '-m', swept, '--k', '8', '--n-init', '2', '--k-max', '4', '--sweep']);
    expect(s.code).toBe(0);
    const m = JSON.parse(readFileSync(swept, 'utf8'));
    expect(m.kmeans.k).toBe(8);
    expect(m.kSelection.method).toBe('fixed');
    expect(m.kSelection.curve.map((c: { k: number }) => c.k)).toEqual([2, 3, 4]);
    expect(s.err.match(/k sweep \d\/3: k \d, inertia [\d.]+, silhouette -?[\d.]+/g)!.length).toBe(3);
    // the same fit either way: the sweep only adds the curves
    expect(m.kmeans.centroids).toEqual(JSON.parse(readFileSync(plain, 'utf8')).kmeans.centroids);
  });
});
