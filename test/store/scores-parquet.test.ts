/**
 * scores.parquet written from the records (store/scores-parquet.ts) holds what DuckDB's conversion
 * of the same scores.jsonl holds: the same column types and every row equal, reasons and
 * detectors_fired included — on the demo's k-means analysis and a hybrid one (whose records carry
 * detectors_fired and reasons from both detectors) — and hyparquet reads it back as the records;
 * `score -o x.parquet` writes it the same way, checked on NSL-KDD rows with labels.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { DuckDBInstance } from '@duckdb/node-api';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { runCli } from '../../src/cli/main.ts';
import { scoresJsonlToParquet } from '../../src/store/scores.ts';
import { ScoresParquetWriter } from '../../src/store/scores-parquet.ts';
import type { AnomalyRecord } from '../../src/report/record.ts';
import { KDD_DIR } from '../cli/model-helpers.ts';

const SAMPLE = new URL('../../samples/demo.pcap', import.meta.url).pathname;
const BASELINE = new URL('../../samples/baseline.pcap', import.meta.url).pathname;
const quiet = new Writable({ write: (_c, _e, cb) => cb() });
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flowsift-scores-parquet-'));
  expect(await runCli(['analyze', SAMPLE, '--baseline', BASELINE, '--out-dir', join(dir, 'kmeans'), '-q'], { stdout: quiet, stderr: quiet })).toBe(0);
  expect(await runCli(['analyze', SAMPLE, '--baseline', BASELINE, '--detector', 'hybrid', '--epochs', '2', '--out-dir', join(dir, 'hybrid'), '-q'], { stdout: quiet, stderr: quiet })).toBe(0);
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function query(sql: string): Promise<unknown[][]> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    await con.run("SET TimeZone = 'UTC'");
    return (await con.runAndReadAll(sql)).getRows();
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

describe.each(['kmeans', 'hybrid'])('scores.parquet from the records (%s analysis)', (name) => {
  let recs: AnomalyRecord[];
  let viaDuck: string;
  let direct: string;
  beforeAll(async () => {
    const jsonl = join(dir, name, 'scores.jsonl');
    recs = readFileSync(jsonl, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AnomalyRecord);
    viaDuck = join(dir, `${name}.duck.parquet`);
    direct = join(dir, `${name}.direct.parquet`);
    await scoresJsonlToParquet(jsonl, viaDuck);
    // small row groups: several groups, and a last one part full
    const w = new ScoresParquetWriter(direct, 1000);
    for (const r of recs) w.write(r);
    expect(w.close()).toBe(recs.length);
  });

  it('has the columns and types of the DuckDB conversion', async () => {
    const types = async (f: string): Promise<unknown[][]> => query(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${f}'))`);
    expect(await types(direct)).toEqual(await types(viaDuck));
  });

  it('holds the same rows, reasons and detectors_fired included', async () => {
    const [[n]] = await query(`SELECT count(*) FROM read_parquet('${direct}')`);
    expect(Number(n)).toBe(recs.length);
    if (name === 'hybrid') expect(recs.some((r) => r.detectors_fired?.length)).toBe(true);
    expect(recs.some((r) => r.reasons.length > 0)).toBe(true);
    for (const [a, b] of [[direct, viaDuck], [viaDuck, direct]]) {
      const [[d]] = await query(`SELECT count(*) FROM (SELECT * FROM read_parquet('${a}') EXCEPT ALL SELECT * FROM read_parquet('${b}'))`);
      expect(Number(d)).toBe(0);
    }
  });

  it('is what analyze writes from the scores themselves, no record made (writeScored), byte for byte', () => {
    const fromRecords = join(dir, `${name}.records.parquet`);
    const w = new ScoresParquetWriter(fromRecords);
    for (const r of recs) w.write(r);
    w.close();
    expect(readFileSync(join(dir, name, 'scores.parquet')).equals(readFileSync(fromRecords))).toBe(true);
  });

  it('prunes on its statistics: a time range and a top-N read the same answers', async () => {
    const sql = (f: string): string => `SELECT "row", anomaly_score FROM read_parquet('${f}') WHERE ts >= (SELECT quantile_disc(ts, 0.5) FROM read_parquet('${f}')) ORDER BY anomaly_score DESC, "row" LIMIT 25`;
    expect(await query(sql(direct))).toEqual(await query(sql(viaDuck)));
  });

  it('stores each row group\'s min and max of a string and a number column', async () => {
    const stats = await query(`SELECT row_group_id, path_in_schema, stats_min_value, stats_max_value FROM parquet_metadata('${direct}') WHERE path_in_schema IN ('service', 'anomaly_score') ORDER BY 1, 2`);
    expect(stats.length).toBe(2 * Math.ceil(recs.length / 1000));
    for (const [g, col, mn, mx] of stats) {
      const vals = recs.slice(Number(g) * 1000, (Number(g) + 1) * 1000).map((r) => r[col as 'service' | 'anomaly_score']).filter((v) => v !== undefined);
      const sorted = [...vals].sort((a, b) => (a! < b! ? -1 : a! > b! ? 1 : 0));
      expect([mn, mx].map(String)).toEqual([sorted[0], sorted[sorted.length - 1]].map(String));
    }
  });

  it('reads back with hyparquet as the records', async () => {
    const rows = await parquetReadObjects({ file: await asyncBufferFromFile(direct), columns: ['row', 'uid', 'anomaly_score', 'reasons', 'detectors_fired'] });
    expect(rows.length).toBe(recs.length);
    rows.forEach((r, i) => {
      const rec = recs[i]!;
      expect(Number(r.row)).toBe(rec.row);
      expect(r.uid).toBe(rec.uid);
      expect(r.anomaly_score).toBe(Number.isFinite(rec.anomaly_score) ? rec.anomaly_score : null);
      expect((r.reasons as { feature: string; share: number }[]).map((x) => [x.feature, x.share])).toEqual(rec.reasons.map((x) => [x.feature, x.share]));
      expect(r.detectors_fired ?? undefined).toEqual(rec.detectors_fired);
    });
  });
});

describe('score -o x.parquet', () => {
  it('holds what DuckDB makes of the same run\'s JSON Lines: NSL-KDD rows with label, category and difficulty', async () => {
    const model = join(dir, 'kdd-model.json');
    const io = { stdout: quiet, stderr: quiet };
    expect(await runCli(['train', `${KDD_DIR}KDDTrain+_20Percent.txt.gz`, '--train-on', 'normal', '--k', '5', '-m', model, '-q'], io)).toBe(0);
    const test = `${KDD_DIR}KDDTest+.txt.gz`;
    for (const extra of [[], ['--label-column', 'difficulty', '--pca']]) {
      const jsonl = join(dir, 'kdd-scored.jsonl');
      const direct = join(dir, 'kdd-scored.parquet');
      const viaDuck = join(dir, 'kdd-scored.duck.parquet');
      expect(await runCli(['score', test, '-m', model, '-o', jsonl, '-q', ...extra], io)).toBe(0);
      expect(await runCli(['score', test, '-m', model, '-o', direct, '-q', ...extra], io)).toBe(0);
      await scoresJsonlToParquet(jsonl, viaDuck);
      const types = async (f: string): Promise<unknown[][]> => query(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${f}'))`);
      expect(await types(direct)).toEqual(await types(viaDuck));
      const [[n, labelled]] = await query(`SELECT count(*), count(label) FROM read_parquet('${direct}')`);
      expect(Number(n)).toBe(22544);
      expect(Number(labelled)).toBe(22544);
      for (const [a, b] of [[direct, viaDuck], [viaDuck, direct]]) {
        const [[d]] = await query(`SELECT count(*) FROM (SELECT * FROM read_parquet('${a}') EXCEPT ALL SELECT * FROM read_parquet('${b}'))`);
        expect(Number(d)).toBe(0);
      }
    }
  }, 120_000);
});
