/**
 * Flows to Parquet: the fast path (FlowParquetWriter.writeFlow, no Row objects) and the generic
 * writer over flowRow(), read back by two independent readers — DuckDB and hyparquet — with the
 * documented types (ts TIMESTAMP(MICROS, UTC), INT64 counters, dictionary-encoded categories,
 * Snappy) and the same values as the CSV of the same flows.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { CsvWriter } from '../../src/dataset/csv.ts';
import { FlowParquetWriter } from '../../src/dataset/flow-parquet.ts';
import { createParquetWriter } from '../../src/dataset/parquet.ts';
import { readDataset } from '../../src/dataset/read.ts';
import { extractFlows } from '../../src/features/extract.ts';
import { FLOW_COLUMNS, FLOW_COLUMN_NAMES } from '../../src/features/schema.ts';
import type { ColumnDef, Row } from '../../src/dataset/types.ts';
import { memorySink } from './sink.ts';
import { writeFileSync } from 'node:fs';

const CORPUS = new URL('../../../shared/corpus/pcap/', import.meta.url).pathname;
const DEMO = new URL('../../samples/demo.pcap', import.meta.url).pathname;

let dir: string;
let con: DuckDBConnection;
let inst: DuckDBInstance;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flowsift-flow-parquet-'));
  inst = await DuckDBInstance.create(':memory:', { threads: '1' });
  con = await inst.connect();
});
afterAll(() => {
  con?.closeSync();
  inst?.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

async function rowsOf(sql: string): Promise<Record<string, unknown>[]> {
  return (await con.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

/** Flows of `inputs` as CSV (generic rows), Parquet through writeFlow, and Parquet through rows. */
async function threeWays(inputs: string[], name: string, rowGroupSize: number): Promise<{ csv: string; fast: string; generic: string; flows: number }> {
  const csv = join(dir, `${name}.csv`);
  const fast = join(dir, `${name}.fast.parquet`);
  const generic = join(dir, `${name}.rows.parquet`);
  const sink = memorySink();
  const cw = new CsvWriter(sink, FLOW_COLUMNS);
  const gw = createParquetWriter(generic, FLOW_COLUMNS, { rowGroupSize, required: FLOW_COLUMN_NAMES });
  await extractFlows(inputs, {}, async (row) => {
    await cw.write(row);
    await gw.write(row);
  });
  await cw.close();
  await gw.close();
  writeFileSync(csv, sink.text());
  const fw = new FlowParquetWriter(fast, { rowGroupSize });
  let rowsSeen = 0;
  const s = await extractFlows(inputs, { flowWriter: fw }, () => void rowsSeen++);
  expect(rowsSeen).toBe(0);
  expect(await fw.close()).toBe(s.flows);
  return { csv, fast, generic, flows: s.flows };
}

/** A flowsift-read row with ts as µs (exact) for comparison. */
function norm(r: Row | Record<string, unknown>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const c of FLOW_COLUMNS) {
    let v = r[c.name];
    if (typeof v === 'bigint') v = Number(v);
    if (c.type === 'timestamp') v = v instanceof Date ? v.getTime() * 1000 : Math.round((v as number) * 1e6);
    if (c.type === 'string' || c.type === 'category') v = v ?? '';
    // the CSV has µs precision, Parquet the doubles themselves
    if (c.type === 'float' && typeof v === 'number') v = Math.round(v * 1e6) / 1e6;
    o[c.name] = v;
  }
  return o;
}

describe('flows to Parquet', () => {
  it('the fast path, the generic writer and the CSV hold the same values for every corpus flow; DuckDB and hyparquet agree', async () => {
    const { csv, fast, generic, flows } = await threeWays([CORPUS], 'corpus', 4096);
    expect(flows).toBeGreaterThan(1000);
    // DuckDB: both Parquet files equal, row for row, in order
    const diff = await rowsOf(`SELECT count(*)::INT AS n FROM (SELECT * FROM read_parquet('${fast}') EXCEPT ALL SELECT * FROM read_parquet('${generic}'))`);
    expect(diff[0]!.n).toBe(0);
    const n = await rowsOf(`SELECT count(*)::INT AS n FROM read_parquet('${fast}')`);
    expect(n[0]!.n).toBe(flows);
    // hyparquet: the same values as flowsift's CSV reader gives for the CSV
    const want: Record<string, unknown>[] = [];
    for await (const r of readDataset(csv)) want.push(norm(r));
    const got = (await parquetReadObjects({ file: await asyncBufferFromFile(fast), parsers: { timestampFromMicroseconds: (us: bigint) => Number(us) } }))
      .map((r) => norm({ ...r, ts: (r.ts as number) / 1e6 }));
    expect(got.length).toBe(want.length);
    for (let i = 0; i < got.length; i++) if (JSON.stringify(got[i]) !== JSON.stringify(want[i])) expect([i, JSON.stringify(got[i])]).toEqual([i, JSON.stringify(want[i])]);
    // DuckDB: same values as the CSV read with the documented types
    const types = FLOW_COLUMNS.map((c) => `'${c.name}': '${c.type === 'timestamp' ? 'DOUBLE' : duckType(c)}'`).join(', ');
    const floats = FLOW_COLUMNS.filter((c) => c.type === 'float').map((c) => `round(${c.name}, 6) AS ${c.name}`).join(', ');
    const csvVsParquet = await rowsOf(`
      WITH c AS (SELECT * REPLACE (make_timestamp(round(ts * 1e6)::BIGINT) AS ts, ${floats}) FROM read_csv('${csv}', header=true, columns={${types}}, nullstr='\\N')),
           p AS (SELECT * REPLACE (ts::TIMESTAMP AS ts, ${floats}) FROM read_parquet('${fast}'))
      SELECT (SELECT count(*) FROM (FROM c EXCEPT ALL FROM p))::INT AS a, (SELECT count(*) FROM (FROM p EXCEPT ALL FROM c))::INT AS b`);
    expect(csvVsParquet[0]).toEqual({ a: 0, b: 0 });
  }, 120_000);

  it('has the documented types, Snappy pages, dictionary-encoded categories and time statistics', async () => {
    const { fast } = await threeWays([DEMO], 'demo', 65536);
    const schema = await rowsOf(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${fast}'))`);
    const t = Object.fromEntries(schema.map((r) => [r.column_name, r.column_type]));
    expect(t).toMatchObject({
      ts: 'TIMESTAMP WITH TIME ZONE', uid: 'VARCHAR', src_port: 'INTEGER', proto: 'INTEGER', duration: 'DOUBLE',
      service: 'VARCHAR', src_bytes: 'BIGINT', dst_bytes: 'BIGINT', src_pkts: 'BIGINT', urgent: 'BIGINT', count: 'INTEGER',
      serror_rate: 'DOUBLE', payload_inspected: 'BOOLEAN', ip_version: 'INTEGER',
    });
    expect(Object.keys(t)).toEqual(FLOW_COLUMN_NAMES);
    const meta = await rowsOf(`SELECT path_in_schema AS c, compression, encodings, stats_min_value AS stats_min, stats_max_value AS stats_max FROM parquet_metadata('${fast}')`);
    expect(new Set(meta.map((m) => m.compression))).toEqual(new Set(['SNAPPY']));
    for (const cat of FLOW_COLUMNS.filter((c) => c.type === 'category')) {
      expect(meta.find((m) => m.c === cat.name)!.encodings).toContain('RLE_DICTIONARY');
    }
    const range = await rowsOf(`SELECT min(ts)::VARCHAR AS lo, max(ts)::VARCHAR AS hi FROM read_parquet('${fast}')`);
    const ts = meta.find((m) => m.c === 'ts')!;
    expect(ts.stats_min).toBe(range[0]!.lo);
    expect(ts.stats_max).toBe(range[0]!.hi);
    // hyparquet sees the logical types too
    const md = await parquetMetadataAsync(await asyncBufferFromFile(fast));
    expect(md.schema.find((e) => e.name === 'ts')).toMatchObject({ type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' } });
    expect(md.schema.find((e) => e.name === 'service')).toMatchObject({ type: 'BYTE_ARRAY', logical_type: { type: 'STRING' } });
  }, 60_000);

  it('writes mostly distinct strings PLAIN, small-range integers and rates as dictionaries, nulls as nulls', async () => {
    const cols: ColumnDef[] = [
      { name: 'id', type: 'string', group: 'identity', description: '' },
      { name: 'cat', type: 'category', group: 'basic', description: '' },
      { name: 'port', type: 'int', group: 'identity', description: '' },
      { name: 'big', type: 'int', group: 'basic', unit: 'bytes', description: '' },
      { name: 'rate', type: 'float', group: 'time', description: '' },
      { name: 'dur', type: 'float', group: 'basic', description: '' },
      { name: 'ok', type: 'bool', group: 'extra', description: '' },
    ];
    const rows: Row[] = [];
    for (let i = 0; i < 30000; i++) {
      rows.push({
        id: i % 7 === 0 ? null : `C${i}-ü`, cat: ['a', 'b', null, 'ç'][i % 4]!, port: i % 5 === 0 ? null : (i * 37) % 65536 - 5,
        big: i % 11 === 0 ? null : i * 2 ** 33 - 7, rate: (i % 100) / 100, dur: i % 13 === 0 ? null : i / 7, ok: i % 3 === 0 ? null : i % 2 === 0,
      });
    }
    const path = join(dir, 'mixed.parquet');
    const w = createParquetWriter(path, cols, { rowGroupSize: 16384 });
    for (const r of rows) await w.write(r);
    await w.close();
    const meta = await rowsOf(`SELECT row_group_id::INT AS g, path_in_schema AS c, encodings FROM parquet_metadata('${path}')`);
    const enc = (g: number, c: string): string => meta.find((m) => m.g === g && m.c === c)!.encodings as string;
    expect(enc(0, 'id')).not.toContain('RLE_DICTIONARY'); // 14 k distinct of 16 k: PLAIN
    expect(enc(0, 'cat')).toContain('RLE_DICTIONARY');
    expect(enc(0, 'port')).toContain('RLE_DICTIONARY');
    expect(enc(0, 'big')).not.toContain('RLE_DICTIONARY');
    expect(enc(0, 'rate')).toContain('RLE_DICTIONARY');
    expect(enc(0, 'dur')).not.toContain('RLE_DICTIONARY');
    const back = await rowsOf(`SELECT id, cat, port, big::DOUBLE AS big, rate, dur, ok FROM read_parquet('${path}')`);
    expect(back).toEqual(rows);
    const hyp = await parquetReadObjects({ file: await asyncBufferFromFile(path) });
    expect(hyp.map((r) => ({ ...r, big: r.big === null ? null : Number(r.big) }))).toEqual(rows);
  }, 60_000);
});

function duckType(c: ColumnDef): string {
  switch (c.type) {
    case 'int': return c.unit === 'bytes' || c.unit === 'packets' ? 'BIGINT' : 'INTEGER';
    case 'float': return 'DOUBLE';
    case 'bool': return 'BOOLEAN';
    default: return 'VARCHAR';
  }
}
