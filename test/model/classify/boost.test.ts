/**
 * Multi-class boosting on NSL-KDD at a scale where the rare classes (r2l, u2r) matter: every 8th
 * KDDTrain+ row to train, the rows half-way between them held out. Within KDDTrain+ the five
 * categories separate almost perfectly, so the held-out accuracy and per-class recall must be high.
 * Without L2 on the leaf values this set-up collapsed: leaves of misclassified rare-class rows
 * (hessian p(1 − p) → 0) took values of 1e11 and every held-out row went to one class.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { KDD_DIR } from '../../cli/model-helpers.ts';
import { predictTable, readLabeled } from '../../../src/model/classify/run.ts';
import { DEFAULTS, trainClassifier, type TargetSpec } from '../../../src/model/classify/model.ts';
import { resolveFeatureList } from '../../../src/model/encode.ts';

const dir = mkdtempSync(join(tmpdir(), 'flowsift-boost-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const all = gunzipSync(readFileSync(join(KDD_DIR, 'KDDTrain+.txt.gz'))).toString('latin1').split('\n').filter((l) => l.trim());
const write = (name: string, offset: number): string => {
  const p = join(dir, name);
  writeFileSync(p, all.filter((_, i) => i % 8 === offset).join('\n') + '\n');
  return p;
};
const trainPath = write('train.txt', 0);
const heldPath = write('held.txt', 4);

describe('gradient boosting, multi-class, on a stratum of KDDTrain+ with its rare classes', () => {
  it('--target category: high held-out accuracy and recall for every class, bounded leaf values', async () => {
    const target: TargetSpec = { mode: 'category', labelColumn: 'label', categoryColumn: 'category', normal: 'normal' };
    const features = resolveFeatureList('kdd');
    const tr = await readLabeled([trainPath], features, target);
    const model = await trainClassifier(tr.table, tr.targets, { ...DEFAULTS, algo: 'gbt', target, iterations: 60 });
    expect(model.classes).toEqual(['normal', 'dos', 'probe', 'r2l', 'u2r']);
    expect(model.training.classCounts.u2r).toBeGreaterThan(0);
    const held = await readLabeled([heldPath], features, target);
    const m = predictTable(model, held.table, held.targets).metrics!;
    expect(m.accuracy).toBeGreaterThan(0.99);
    const recall = Object.fromEntries(m.perClass.map((p) => [p.class, p.recall]));
    for (const c of ['normal', 'dos', 'probe']) expect(recall[c]).toBeGreaterThan(0.98);
    expect(recall.r2l).toBeGreaterThan(0.9);
    // no leaf may move a raw score by more than |G| / l2 × learning rate; far below that in practice
    let most = 0;
    for (const row of model.boost!.trees) for (const t of row) for (const v of t.values) most = Math.max(most, Math.abs(v));
    expect(most).toBeLessThan(10);
  });
});
