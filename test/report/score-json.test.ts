import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { join } from 'node:path';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { JsonLines } from '../../src/report/json-line.ts';
import { csvWriter, jsonlWriter, type RecordWriter } from '../../src/report/format.ts';
import { scoreInputs } from '../../src/report/score-run.ts';
import { collectTable } from '../../src/model/input.ts';
import { resolveFeatureList } from '../../src/model/encode.ts';
import { trainModel } from '../../src/model/train.ts';
import { KDD_DIR } from '../cli/model-helpers.ts';
import { memorySink } from '../dataset/sink.ts';

const bytes = (write: (j: JsonLines) => void): string => {
  const j = new JsonLines(8);
  write(j);
  return j.take().toString('latin1');
};

describe('JsonLines number pieces', () => {
  const doubles = fc.oneof(
    fc.double({ min: -2e9, max: 2e9, noNaN: true }),
    fc.double({ min: -1, max: 1, noNaN: true }),
    fc.tuple(fc.integer({ min: -(10 ** 9), max: 10 ** 9 }), fc.integer({ min: 0, max: 6 })).map(([k, d]) => k / 10 ** d),
    fc.constantFrom(0, -0, 5e-7, -5e-7, 4.9999e-7, 1e-7, 0.00005, 999999999.9999995, 1e15, 1e21, Infinity, -Infinity, NaN),
  );

  it('round6 / round4 write JSON.stringify of the rounded value', () => {
    fc.assert(
      fc.property(doubles, (v) => {
        expect(bytes((j) => j.round6(v))).toBe(JSON.stringify(Math.round(v * 1e6) / 1e6));
        expect(bytes((j) => j.round4(v))).toBe(JSON.stringify(Math.round(v * 1e4) / 1e4));
      }),
      { numRuns: 50000 },
    );
  });

  it('scaled and fixed write a 2-decimal value as JSON.stringify and toFixed(2) do; grouped as en-US', () => {
    const cents = fc.integer({ min: -99999, max: 99999 });
    fc.assert(
      fc.property(cents, (k) => {
        const v = k / 100;
        expect(bytes((j) => j.scaled(k, 2))).toBe(JSON.stringify(v));
        expect(bytes((j) => j.fixed(k, 2))).toBe(v.toFixed(2));
      }),
      { numRuns: 50000 },
    );
    const big = fc.oneof(fc.integer({ min: 1000, max: 2 ** 31 - 1 }), fc.integer({ min: -(2 ** 31) + 1, max: -1000 }));
    const en = new Intl.NumberFormat('en-US');
    fc.assert(fc.property(big, (v) => {
      expect(bytes((j) => j.grouped(v))).toBe(en.format(v));
    }), { numRuns: 50000 });
  });
});

describe('score of KDD rows written from the reader’s columns', () => {
  it('is byte for byte buildRecord + JSON.stringify, and csv-stringify for CSV (labels, difficulty, PCA, reasons, only anomalies, two files)', async () => {
    const features = resolveFeatureList('kdd');
    const { table: train } = await collectTable([join(KDD_DIR, 'KDDTrain+_20Percent.txt.gz')], { features, trainOn: 'normal' });
    const meta = { sources: ['20%'], rowsRead: train.n, trainOn: 'normal', labelCounts: {} };
    const model = trainModel(train, meta, { k: 20, nInit: 1, seed: 1 });
    // a KDD99 file as a second input: its own vocabularies, no difficulty column
    const dir = mkdtempSync(join(tmpdir(), 'flowsift-score-json-'));
    try {
      const kdd99 = join(dir, 'kdd99.txt');
      const lines = gunzipSync(readFileSync(join(KDD_DIR, 'kddcup.data_10_percent.gz'))).toString('latin1').split('\n');
      const sample = lines.filter((l, i) => i % 97 === 0 && l !== '');
      writeFileSync(kdd99, sample.join('\n') + '\n');
      const inputs = [join(KDD_DIR, 'KDDTest+.txt.gz'), kdd99];
      const runs: [string, number, boolean, boolean][] = [
        ['label', 3, false, false],
        ['difficulty', 5, true, false],
        ['category', 0, false, true],
        ['service', 1, false, false],
        ['src_bytes', 3, false, false],
        ['nosuch', 2, true, true],
      ];
      for (const [labelColumn, explain, pca, onlyAnomalies] of runs) {
        const sink = memorySink();
        const fast = jsonlWriter(sink);
        let want = '';
        const slow: RecordWriter = { write: (r) => void (want += JSON.stringify(r) + '\n'), end: async () => undefined };
        const opts = { explain, pca, onlyAnomalies, labelColumn };
        const a = await scoreInputs(inputs, model, 'm', fast, opts);
        const b = await scoreInputs(inputs, model, 'm', slow, opts);
        expect(a.summary).toEqual(b.summary);
        expect(a.summary.flows).toBe(22544 + sample.length);
        const got = sink.text();
        expect(got.length).toBeGreaterThan(1000);
        expect(got).toBe(want);
        // CSV: the byte writer against csv-stringify (a sink without writeBytes takes that path)
        const csvFast = memorySink();
        const csvSlow = memorySink();
        delete csvSlow.writeBytes;
        await scoreInputs(inputs, model, 'm', csvWriter(csvFast), opts);
        await scoreInputs(inputs, model, 'm', csvWriter(csvSlow), opts);
        expect(csvFast.text().length).toBeGreaterThan(1000);
        expect(csvFast.text()).toBe(csvSlow.text());
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
