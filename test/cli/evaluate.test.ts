/** `flowsift evaluate`: metrics of a scored file, recomputed here from the records by counting. */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './model-helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'flowsift-eval-'));

// hand-made scored file: scores and labels chosen so every metric is known
const recs = [
  { anomaly_score: 0.2, is_anomaly: false, label: 'normal' },
  { anomaly_score: 0.5, is_anomaly: false, label: 'normal' },
  { anomaly_score: 1.4, is_anomaly: true, label: 'normal' },
  { anomaly_score: 0.9, is_anomaly: false, label: 'guess_passwd' },
  { anomaly_score: 2.0, is_anomaly: true, label: 'neptune' },
  { anomaly_score: 3.0, is_anomaly: true, label: 'neptune' },
  { anomaly_score: 1.2, is_anomaly: true, label: 'satan' },
  { anomaly_score: 0.1, is_anomaly: false },
];

describe('flowsift evaluate', () => {
  it('--json: confusion, precision/recall/F1, ROC-AUC, PR-AUC and per-category rates', async () => {
    const f = join(dir, 'scored.jsonl');
    writeFileSync(f, recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const r = await cli(['evaluate', f, '--json']);
    expect(r.code).toBe(0);
    const m = JSON.parse(r.out);
    expect(m.unlabeled).toBe(1);
    expect(m.confusion).toEqual({ tp: 3, fp: 1, tn: 2, fn: 1 });
    expect(m.precision).toBeCloseTo(3 / 4, 12);
    expect(m.recall).toBeCloseTo(3 / 4, 12);
    expect(m.f1).toBeCloseTo(0.75, 12);
    expect(m.accuracy).toBeCloseTo(5 / 7, 12);
    // ROC-AUC: (attack, normal) pairs ranked correctly: 0.9 and 1.2 beat 0.2, 0.5 (2 + 2); 2.0, 3.0 beat all 3 (6) → 10/12
    expect(m.rocAuc).toBeCloseTo(10 / 12, 12);
    // AP: ranks 3.0(+) 2.0(+) 1.4(-) 1.2(+) 0.9(+): 1/4·1 + 1/4·1 + 1/4·3/4 + 1/4·4/5
    expect(m.prAuc).toBeCloseTo(0.25 * (1 + 1 + 0.75 + 0.8), 12);
    const cat = Object.fromEntries(m.perCategory.map((c: { category: string; rate: number }) => [c.category, c.rate]));
    expect(cat).toEqual({ normal: 1 / 3, dos: 1, r2l: 0, probe: 1 });
    const text = await cli(['evaluate', f]);
    expect(text.out).toContain('ROC-AUC   0.8333');
    expect(text.out).toMatch(/attack\s+3\s+1/);
  });

  it('reads the CSV output of score too', async () => {
    const f = join(dir, 'scored.csv');
    writeFileSync(f, 'row,anomaly_score,is_anomaly,label\n1,0.5,false,normal\n2,1.5,true,neptune\n3,1.2,true,normal\n4,0.7,false,satan\n');
    const m = JSON.parse((await cli(['evaluate', f, '--json'])).out);
    expect(m.confusion).toEqual({ tp: 1, fp: 1, tn: 1, fn: 1 });
    expect(m.rocAuc).toBeCloseTo(0.75, 12); // 1.5 beats both normals, 0.7 beats 0.5 only → 3/4
  });

  it('a file without scores or without labels exits 3', async () => {
    const f = join(dir, 'nolabel.jsonl');
    writeFileSync(f, JSON.stringify({ anomaly_score: 1, is_anomaly: false }) + '\n');
    const r = await cli(['evaluate', f]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/no row has a 'label' value/);
    const g = join(dir, 'plain.jsonl');
    writeFileSync(g, JSON.stringify({ a: 1 }) + '\n');
    expect((await cli(['evaluate', g])).code).toBe(3);
  });
});
