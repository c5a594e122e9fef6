/**
 * Parquet written by flowsift, read back by an independent reader (hyparquet's own reader, with its
 * metadata parser for the logical types) — identical values, identical types; plus atomicity.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { createParquetWriter } from '../../src/dataset/parquet.ts';
import { LABEL_COLUMNS, readDataset } from '../../src/dataset/read.ts';
import { FLOW_COLUMNS } from '../../src/features/schema.ts';
import type { ColumnDef, Row } from '../../src/dataset/types.ts';

const COLUMNS: ColumnDef[] = [...FLOW_COLUMNS, ...LABEL_COLUMNS];
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flowsift-parquet-'));
});

/** Deterministic rows covering every column type, nulls, big counters, non-ASCII strings. */
function makeRows(n: number, nulls = 0.02): Row[] {
  let s = 12345;
  const rnd = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    const r: Row = {};
    for (const c of COLUMNS) {
      if (c.name !== 'ts' && rnd() < nulls) {
        r[c.name] = null;
        continue;
      }
      switch (c.type) {
        case 'timestamp':
          r[c.name] = Math.round((1700000000 + i * 0.013 + rnd()) * 1e6) / 1e6;
          break;
        case 'int':
          r[c.name] = c.unit === 'bytes' ? Math.floor(rnd() * 2 ** 40) : Math.floor(rnd() * 65536) - (c.name === 'src_port' ? 0 : 3);
          break;
        case 'float':
          r[c.name] = rnd() * 1000;
          break;
        case 'bool':
          r[c.name] = rnd() < 0.5;
          break;
        case 'category':
          r[c.name] = ['tcp', 'udp', 'icmp', 'http', 'SF', 'REJ'][Math.floor(rnd() * 6)]!;
          break;
        default:
          r[c.name] = `${c.name}-${i}-${rnd() < 0.1 ? 'ünïcødé ✓,"q"' : 'x'}`;
      }
    }
    rows.push(r);
  }
  return rows;
}

describe('Parquet writer', () => {
  it('writes typed columns in streamed row groups that hyparquet reads back identically', async () => {
    const rows = makeRows(2500);
    const path = join(dir, 'flows.parquet');
    const w = createParquetWriter(path, COLUMNS, { rowGroupSize: 1000 });
    for (const r of rows) await w.write(r);
    expect(existsSync(path)).toBe(false); // nothing at the target before close
    expect(await w.close()).toBe(2500);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);

    const file = await asyncBufferFromFile(path);
    const md = await parquetMetadataAsync(file);
    expect(Number(md.num_rows)).toBe(2500);
    expect(md.row_groups.map((g) => Number(g.num_rows))).toEqual([1000, 1000, 500]);
    const el = (name: string) => md.schema.find((e) => e.name === name)!;
    expect(el('ts')).toMatchObject({ type: 'INT64', converted_type: 'TIMESTAMP_MICROS', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' } });
    expect(el('src_bytes')).toMatchObject({ type: 'INT64' });
    expect(el('src_pkts')).toMatchObject({ type: 'INT64' });
    expect(el('src_port')).toMatchObject({ type: 'INT32' });
    expect(el('count')).toMatchObject({ type: 'INT32' });
    expect(el('serror_rate')).toMatchObject({ type: 'DOUBLE' });
    expect(el('payload_inspected')).toMatchObject({ type: 'BOOLEAN' });
    expect(el('src_ip')).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'UTF8' });
    expect(el('service')).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'UTF8' });
    expect(el('label')).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'UTF8' });
    // categorical columns are dictionary-encoded
    const svc = md.row_groups[0]!.columns[COLUMNS.findIndex((c) => c.name === 'service')]!;
    expect(svc.meta_data!.encodings).toContain('RLE_DICTIONARY');

    // hyparquet's reader with raw timestamps: µs since the epoch as bigint
    const back = await parquetReadObjects({ file, parsers: { timestampFromMicroseconds: (us: bigint) => us } });
    expect(back).toHaveLength(2500);
    const want = rows.map((r) => Object.fromEntries(COLUMNS.map((c) => {
      const v = r[c.name];
      if (v === null) return [c.name, null];
      if (c.type === 'timestamp') return [c.name, BigInt(Math.round((v as number) * 1e6))];
      if (c.type === 'int' && el(c.name).type === 'INT64') return [c.name, BigInt(v as number)];
      return [c.name, v];
    })));
    const got = back.map((r) => Object.fromEntries(COLUMNS.map((c) => [c.name, r[c.name] ?? null])));
    expect(got).toEqual(want);
    // and hyparquet's default conversion gives a UTC Date for ts
    const first = await parquetReadObjects({ file, rowStart: 0, rowEnd: 1 });
    expect((first[0]!.ts as Date).toISOString()).toBe(new Date(Math.floor((rows[0]!.ts as number) * 1000)).toISOString());

    // flowsift's own reader gives back the original rows (ts as float seconds, counters as numbers)
    const mine: Row[] = [];
    for await (const r of readDataset(path)) mine.push(r);
    expect(mine).toEqual(rows);
  });

  it('declared never-null columns are REQUIRED, from typed buffers, with the same values; a null in one is an error', async () => {
    const rows = makeRows(1500, 0);
    const path = join(dir, 'required.parquet');
    const w = createParquetWriter(path, COLUMNS, { rowGroupSize: 1000, required: FLOW_COLUMNS.map((c) => c.name) });
    for (const r of rows) await w.write(r);
    await w.close();
    const file = await asyncBufferFromFile(path);
    const md = await parquetMetadataAsync(file);
    expect(md.schema.find((e) => e.name === 'src_bytes')!.repetition_type).toBe('REQUIRED');
    expect(md.schema.find((e) => e.name === 'label')!.repetition_type).toBe('OPTIONAL');
    // statistics: kept for ts and ports (pruning), min/max as written
    const tsStats = md.row_groups[1]!.columns[0]!.meta_data!.statistics!;
    const minTs = Math.min(...rows.slice(1000, 1500).map((r) => r.ts as number)); // the random rows are not sorted
    expect(tsStats.min_value).toEqual(new Date(Math.floor(minTs * 1000)));
    const back = await parquetReadObjects({ file, parsers: { timestampFromMicroseconds: (us: bigint) => Number(us) / 1e6 } });
    expect(back.map((r) => Object.fromEntries(COLUMNS.map((c) => [c.name, typeof r[c.name] === 'bigint' ? Number(r[c.name]) : r[c.name]])))).toEqual(rows);
    const w2 = createParquetWriter(join(dir, 'required-null.parquet'), COLUMNS, { required: ['src_port'] });
    expect(() => w2.write({ ...rows[0]!, src_port: null })).toThrow(/column src_port: null does not fit Parquet type INT32 \(column declared never-null\)/);
    await w2.abort();
  });

  it('abort leaves nothing behind; a value of the wrong type names row and column', async () => {
    const path = join(dir, 'aborted.parquet');
    const w = createParquetWriter(path, COLUMNS);
    await w.write(makeRows(1)[0]!);
    await w.abort();
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('.aborted'))).toEqual([]);

    const w2 = createParquetWriter(join(dir, 'bad.parquet'), COLUMNS);
    const row = makeRows(1)[0]!;
    row.src_port = 'http';
    expect(() => w2.write(row)).toThrow(/row 1, column src_port: "http" does not fit Parquet type INT32/);
    await w2.abort();
  });

  it('writes an empty dataset as a valid file with the schema', async () => {
    const path = join(dir, 'empty.parquet');
    const w = createParquetWriter(path, COLUMNS);
    expect(await w.close()).toBe(0);
    const md = await parquetMetadataAsync(await asyncBufferFromFile(path));
    expect(Number(md.num_rows)).toBe(0);
    expect(md.schema.length).toBe(COLUMNS.length + 1);
  });
});
