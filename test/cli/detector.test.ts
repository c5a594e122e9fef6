/**
 * `--detector` and `--fusion` on train / analyze / score through runCli, on NSL-KDD samples: the
 * flags are checked, the hybrid model is written and read back by `score`, and its records (JSON
 * Lines and Parquet) carry both detectors' scores and which fired.
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { cli, jsonl, kddSubset } from './model-helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'flowsift-detector-'));

describe('--detector / --fusion', () => {
  it('refuses --fusion without the hybrid, --epochs with k-means, and an unknown detector (exit 2)', async () => {
    const { path } = kddSubset('KDDTest+.txt.gz', 200, dir);
    const m = join(dir, 'x.json');
    const a = await cli(['train', path, '-m', m, '--fusion', 'and']);
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/--fusion combines two detectors: it needs --detector hybrid/);
    const b = await cli(['train', path, '-m', m, '--epochs', '3']);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/--epochs trains the autoencoder/);
    const c = await cli(['train', path, '-m', m, '--detector', 'forest']);
    expect(c.code).toBe(2);
    expect(c.err).toMatch(/detector/);
    const d = await cli(['analyze', path, '--detector', 'autoencoder', '--epochs', '0']);
    expect(d.code).toBe(2);
    expect(d.err).toMatch(/--epochs must be an integer ≥ 1/);
  });

  it('train --detector hybrid prints epoch progress; score reads the model; records and Parquet carry both scores', async () => {
    const tr = kddSubset('KDDTrain+.txt.gz', 50, dir);
    const te = kddSubset('KDDTest+.txt.gz', 40, dir);
    const m = join(dir, 'hybrid.json');
    const t = await cli(['train', tr.path, '-m', m, '--train-on', 'normal', '--detector', 'hybrid', '--fusion', 'or', '--epochs', '2', '--k', '8', '--n-init', '1']);
    expect(t.code).toBe(0);
    expect(t.err).toMatch(/autoencoder epoch 1\/2: loss [\d.]+, [\d.]+ s/);
    expect(t.err).toMatch(/autoencoder epoch 2\/2/);
    expect(t.err).toMatch(/hybrid \(k-means k=8 \+ autoencoder \d+-64-32-16-32-64-\d+, fusion or\), 2 epochs/);
    const doc = JSON.parse(readFileSync(m, 'utf8'));
    expect(doc.detector).toBe('hybrid');
    expect(doc.fusion.rule).toBe('or');
    const out = join(dir, 'scores.jsonl');
    const s = await cli(['score', te.path, '-m', m, '-o', out]);
    expect(s.code).toBe(0);
    const recs = jsonl(readFileSync(out, 'utf8'));
    expect(recs.length).toBe(te.lines.length);
    for (const r of recs) {
      expect(r.is_anomaly).toBe(r.detectors_fired.length > 0); // `or`
      expect(r.anomaly_score).toBeCloseTo(Math.max(r.kmeans_score, r.ae_score), 5);
    }
    const pq = join(dir, 'scores.parquet');
    expect((await cli(['score', te.path, '-m', m, '-o', pq, '--only-anomalies'])).code).toBe(0);
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const rows = (await con.runAndReadAll(
      `SELECT count(*)::INTEGER AS n, count(*) FILTER (WHERE list_contains(detectors_fired, 'autoencoder'))::INTEGER AS ae, ` +
        `count(*) FILTER (WHERE ae_score > 1)::INTEGER AS ae2, max(len(list_filter(reasons, x -> x.detector = 'autoencoder')))::INTEGER AS aer FROM '${pq}'`,
    )).getRowObjectsJson()[0]!;
    con.closeSync();
    db.closeSync();
    expect(rows.n).toBe(recs.filter((r) => r.is_anomaly).length);
    expect(rows.ae).toBe(rows.ae2);
    expect(rows.aer).toBe(3);
  });

  it('score --fusion overrides a hybrid model\'s rule; CSV output carries the detector columns; --fusion on a k-means model is refused', async () => {
    const tr = kddSubset('KDDTrain+.txt.gz', 50, dir);
    const te = kddSubset('KDDTest+.txt.gz', 40, dir);
    const m = join(dir, 'hybrid-and.json');
    expect((await cli(['train', tr.path, '-m', m, '--train-on', 'normal', '--detector', 'hybrid', '--fusion', 'and', '--epochs', '2', '--k', '8', '--n-init', '1', '-q'])).code).toBe(0);
    const runs: Record<string, Record<string, string>[]> = {};
    for (const rule of ['and', 'or', 'score']) {
      const out = join(dir, `fused-${rule}.csv`);
      const s = await cli(['score', te.path, '-m', m, '-o', out, ...(rule === 'and' ? [] : ['--fusion', rule])]);
      expect(s.code).toBe(0);
      const lines = readFileSync(out, 'utf8').trim().split('\n');
      const head = lines[0]!.split(',');
      expect(head.slice(-6)).toEqual(['detector', 'kmeans_score', 'ae_error', 'ae_threshold', 'ae_score', 'detectors_fired']);
      // the last six columns hold no quoted commas: split from the right
      runs[rule] = lines.slice(1).map((l) => {
        const f = l.split(',').slice(-6);
        const flagged = l.split(',')[head.indexOf('is_anomaly')]!;
        return Object.fromEntries([...head.slice(-6).map((h, i) => [h, f[i]!]), ['is_anomaly', flagged]]);
      });
    }
    expect(runs.and!.length).toBe(te.lines.length);
    const fired = (r: Record<string, string>): string[] => (r.detectors_fired ? r.detectors_fired.split(';') : []);
    for (let i = 0; i < te.lines.length; i++) {
      const a = runs.and![i]!, o = runs.or![i]!;
      expect(a.detector).toBe('hybrid');
      expect(fired(a)).toEqual(fired(o));
      expect(fired(a)).toEqual([Number(a.kmeans_score) > 1 ? 'kmeans' : '', Number(a.ae_score) > 1 ? 'autoencoder' : ''].filter(Boolean));
      expect(a.is_anomaly).toBe(String(fired(a).length === 2));
      expect(o.is_anomaly).toBe(String(fired(o).length > 0));
    }
    expect(runs.or!.filter((r) => r.is_anomaly === 'true').length).toBeGreaterThan(runs.and!.filter((r) => r.is_anomaly === 'true').length);
    const km = join(dir, 'km.json');
    expect((await cli(['train', tr.path, '-m', km, '--train-on', 'normal', '--k', '4', '--n-init', '1', '-q'])).code).toBe(0);
    const bad = await cli(['score', te.path, '-m', km, '--fusion', 'or']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--fusion combines two detectors: .*km\.json is a kmeans model, not a hybrid/);
    // a k-means model's CSV keeps its columns
    const kc = join(dir, 'km.csv');
    expect((await cli(['score', te.path, '-m', km, '-o', kc])).code).toBe(0);
    expect(readFileSync(kc, 'utf8').split('\n')[0]).not.toMatch(/kmeans_score/);
  });

  it('analyze --detector autoencoder names the detector in its summary', async () => {
    const te = kddSubset('KDDTest+.txt.gz', 60, dir);
    const a = await cli(['analyze', te.path, '--detector', 'autoencoder', '--epochs', '2', '--top-flows', '1']);
    expect(a.code).toBe(0);
    expect(a.out).toMatch(/autoencoder \d+-64-32-16-32-64-\d+/);
    expect(a.out).toMatch(/reconstructed/);
  });
});
