/**
 * `flowsift query` and the store under it, on the demo analysis (analyze samples/demo.pcap
 * --baseline samples/baseline.pcap --out-dir): views named after the outputs, Parquet scored flows
 * equal to their JSON Lines (reasons as a list of structs), output formats, parameters, bad SQL
 * (exit 2), missing files (exit 3), `score -o x.parquet`, and --split-by partitions read as one table.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { cli, jsonl } from './model-helpers.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { SCORE_COLUMNS } from '../../src/store/scores.ts';

const SAMPLE = new URL('../../samples/demo.pcap', import.meta.url).pathname;
const BASELINE = new URL('../../samples/baseline.pcap', import.meta.url).pathname;
let dir: string;
let out: string;
let store: Store;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flowsift-query-'));
  out = join(dir, 'demo');
  const r = await cli(['analyze', SAMPLE, '--baseline', BASELINE, '--out-dir', out, '-q']);
  expect(r.code).toBe(0);
  store = await openStore([out]);
}, 120_000);
afterAll(() => {
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the analysis store', () => {
  it('analyze writes scores and anomalies as Parquet beside the JSON Lines, with the documented types', async () => {
    expect(readdirSync(out).sort()).toEqual(['analysis.json', 'anomalies.jsonl', 'anomalies.parquet', 'incidents.jsonl', 'model.json', 'scores.jsonl', 'scores.parquet', 'summary.txt']);
    expect(store.views.map((v) => [v.name, v.format])).toEqual([['anomalies', 'parquet'], ['incidents', 'jsonl'], ['scores', 'parquet']]);
    const scores = store.views.find((v) => v.name === 'scores')!;
    expect(scores.columns.map((c) => c.name)).toEqual(SCORE_COLUMNS.map((c) => c.name));
    for (const c of SCORE_COLUMNS) expect([c.name, scores.columns.find((x) => x.name === c.name)!.type.replace(/"/g, '')]).toEqual([c.name, c.type.replace(/"/g, '')]);
    // hyparquet reads it too: ts a UTC timestamp, reasons a list of structs
    const file = await asyncBufferFromFile(join(out, 'scores.parquet'));
    const md = await parquetMetadataAsync(file);
    expect(md.schema.find((e) => e.name === 'ts')).toMatchObject({ type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' } });
    expect(md.schema.find((e) => e.name === 'reasons')).toMatchObject({ converted_type: 'LIST' });
    const rows = await parquetReadObjects({ file, rowStart: 0, rowEnd: 5 });
    expect(Array.isArray(rows[0]!.reasons)).toBe(true);
    expect(Object.keys((rows[0]!.reasons as object[])[0]!).sort()).toEqual(['detector', 'feature', 'share', 'text', 'typical', 'typical_text', 'value', 'value_text', 'z']);
  });

  it('holds the same records as the JSON Lines, reasons included', async () => {
    const recs = jsonl(readFileSync(join(out, 'scores.jsonl'), 'utf8'));
    const r = await store.query('SELECT * FROM scores ORDER BY "row"');
    expect(r.rows.length).toBe(recs.length);
    r.rows.forEach((row, i) => {
      const want = recs[i]!;
      expect(row.uid).toBe(want.uid);
      expect(row.ts).toBe(new Date(Math.floor(want.ts * 1000)).toISOString().replace(/\.\d+Z$/, '') + '.' + String(Math.round(want.ts * 1e6) % 1e6).padStart(6, '0') + 'Z');
      for (const k of ['row', 'cluster', 'distance', 'threshold', 'anomaly_score', 'is_anomaly', 'severity', 'src_port', 'dst_port', 'service', 'flag', 'pca_x', 'pca_y']) expect([k, row[k]]).toEqual([k, want[k] ?? null]);
      const reasons = row.reasons as Record<string, unknown>[];
      expect(reasons.length).toBe(want.reasons.length);
      reasons.forEach((x, j) => {
        const w = want.reasons[j];
        expect(x.feature).toBe(w.feature);
        expect(x.text).toBe(w.text);
        expect(x.share).toBe(w.share);
        expect(x.z).toBe(w.z ?? null);
        if (typeof w.value === 'number') expect([x.value, x.value_text]).toEqual([w.value, null]);
        else expect([x.value, x.value_text]).toEqual([null, w.value]);
        if (typeof w.typical === 'number') expect([x.typical, x.typical_text]).toEqual([w.typical, null]);
        else expect([x.typical, x.typical_text]).toEqual([null, w.typical]);
      });
    });
    const anomalies = await store.query('SELECT count(*) AS n, min(anomaly_score) > 1 AS all_above FROM anomalies');
    expect(anomalies.rows[0]).toEqual({ n: recs.filter((x) => x.is_anomaly).length, all_above: true });
  });

  it('answers with $1 parameters, BIGINTs as numbers, "cluster" quoted, and unnest over reasons', async () => {
    const r = await store.query('SELECT "cluster", count(*) AS n FROM scores WHERE service = $1 GROUP BY 1 ORDER BY 2 DESC, 1', ['http']);
    expect(r.rows.length).toBeGreaterThan(0);
    expect(typeof r.rows[0]!.n).toBe('number');
    const why = await store.query("SELECT r.feature, count(*) AS n FROM anomalies, unnest(reasons) AS u(r) GROUP BY 1 ORDER BY 2 DESC LIMIT 1");
    expect(typeof why.rows[0]!.feature).toBe('string');
  });
});

describe('flowsift query', () => {
  it('prints CSV (not a terminal), a table, JSON Lines; writes Parquet with -o', async () => {
    const sql = 'SELECT service, count(*) AS n FROM anomalies GROUP BY 1 ORDER BY 2 DESC, 1';
    const want = (await store.query(sql)).rows;
    const csv = await cli(['query', out, sql]);
    expect(csv.code).toBe(0);
    expect(csv.out.trim().split('\n')).toEqual(['service,n', ...want.map((r) => `${r.service},${r.n}`)]);
    const table = await cli(['query', out, sql, '--format', 'table']);
    expect(table.out.split('\n')[0]).toMatch(/^service\s+n$/);
    expect(table.out).toContain(`(${want.length} rows)`);
    const j = await cli(['query', out, sql, '--format', 'jsonl']);
    expect(jsonl(j.out)).toEqual(want);
    const pq = join(dir, 'per-service.parquet');
    const w = await cli(['query', out, sql, '-o', pq]);
    expect(w.code).toBe(0);
    const back = await parquetReadObjects({ file: await asyncBufferFromFile(pq) });
    expect(back.map((r) => ({ service: r.service, n: Number(r.n) }))).toEqual(want);
    const p = await cli(['query', out, 'SELECT count(*) AS n FROM scores WHERE dst_port = $1 AND service = $2', '-p', '80', '-p', 'http']);
    expect(Number(p.out.trim().split('\n')[1])).toBe((await store.query("SELECT count(*) AS n FROM scores WHERE dst_port = 80 AND service = 'http'")).rows[0]!.n);
  });

  it('bad SQL: DuckDB\'s message, exit 2; a missing file or directory: exit 3; an unreadable file: exit 3', async () => {
    const bad = await cli(['query', out, 'SELEC * FROM scores']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^flowsift: Parser Error: syntax error at or near "SELEC"/);
    const noView = await cli(['query', out, 'SELECT * FROM nosuch']);
    expect(noView.code).toBe(2);
    expect(noView.err).toContain('Table with name nosuch does not exist');
    const missing = await cli(['query', join(dir, 'nope'), 'SELECT 1']);
    expect(missing.code).toBe(3);
    expect(missing.err).toBe(`flowsift: ${join(dir, 'nope')}: no such file or directory\n`);
    const broken = join(dir, 'broken.parquet');
    writeFileSync(broken, 'PAR1 this is not parquet');
    const b = await cli(['query', broken, 'SELECT count(*) FROM flows']);
    expect(b.code).toBe(3);
    expect(b.err).toContain(`${broken}: cannot be read as parquet`);
  });

  it('maps outputs generically: analyze\'s incidents.jsonl is the view incidents, and so is any <name>.jsonl', async () => {
    const inc = await cli(['query', out, 'SELECT count(*) AS n FROM incidents']);
    expect(inc.code).toBe(0);
    expect(Number(inc.out.trim().split('\n')[1])).toBe(readFileSync(join(out, 'incidents.jsonl'), 'utf8').trim().split('\n').length);
    const d = join(dir, 'with-incidents');
    rmSync(d, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(d);
    copyFileSync(join(out, 'scores.parquet'), join(d, 'scores.parquet'));
    writeFileSync(join(d, 'incidents.jsonl'), '{"incident":1,"src_ip":"10.0.0.1","flows":12}\n{"incident":2,"src_ip":"10.0.0.2","flows":3}\n');
    const r = await cli(['query', d, 'SELECT sum(flows) AS f, count(*) AS n FROM incidents']);
    expect(r.out).toBe('f,n\n15,2\n');
  });

  it('score -o x.parquet writes the scored flows as Parquet; a single file joins the view its columns say', async () => {
    const pq = join(dir, 'demo-scored.parquet');
    const r = await cli(['score', SAMPLE, '-m', join(out, 'model.json'), '-o', pq, '-q']);
    expect(r.code).toBe(0);
    expect(readdirSync(dir).filter((f) => f.endsWith('.jsonl') || f.includes('.tmp'))).toEqual([]);
    const s = await openStore([pq, out]);
    try {
      expect(s.views.map((v) => v.name).sort()).toEqual(['anomalies', 'demo_scored', 'incidents', 'scores']);
      const same = await s.query('SELECT count(*) AS n FROM (SELECT uid, "cluster", anomaly_score FROM demo_scored EXCEPT SELECT uid, "cluster", anomaly_score FROM scores)');
      expect(same.rows[0]!.n).toBe(0);
    } finally {
      s.close();
    }
  });

  it('reads a --split-by hour directory as one table with its partition keys as columns', async () => {
    const parts = join(dir, 'parts');
    const f = await cli(['flows', SAMPLE, '--split-by', 'hour', '-o', parts, '-q']);
    expect(f.code).toBe(0);
    const flat = join(dir, 'flows.csv');
    await cli(['flows', SAMPLE, '-o', flat, '-q']);
    const s = await openStore([parts]);
    try {
      const v = s.views.find((x) => x.name === 'flows')!;
      expect(v.hive).toBe(true);
      expect(v.columns.map((c) => c.name)).toEqual(expect.arrayContaining(['ts', 'uid', 'date', 'hour']));
      // every row's partition keys are its UTC date and hour
      const r = await s.query(`SELECT count(*) AS n, count(*) FILTER (WHERE "date"::VARCHAR = strftime(ts, '%Y-%m-%d') AND "hour"::INT = hour(ts)) AS ok FROM flows`);
      expect(r.rows[0]!.ok).toBe(r.rows[0]!.n);
      expect(r.rows[0]!.n).toBe(readFileSync(flat, 'utf8').trim().split('\n').length - 1);
    } finally {
      s.close();
    }
    const cliOut = await cli(['query', parts, 'SELECT count(*) AS n, count(DISTINCT hour) AS h FROM flows']);
    expect(cliOut.code).toBe(0);
    const [n] = cliOut.out.trim().split('\n')[1]!.split(',');
    expect(Number(n)).toBe(readFileSync(flat, 'utf8').trim().split('\n').length - 1);
    expect(existsSync(parts)).toBe(true);
  });
});
