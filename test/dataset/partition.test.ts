/**
 * Partitioned output: Hive paths in UTC, eviction → next part number, abort removes what the run
 * committed, format from flag/extension.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PartitionedWriter, hiveEscape, resolveOutputFormat, timePartition } from '../../src/dataset/partition.ts';
import { readDataset } from '../../src/dataset/read.ts';
import type { ColumnDef, Row } from '../../src/dataset/types.ts';
import { UsageError } from '../../src/errors.ts';

const COLS: ColumnDef[] = [
  { name: 'ts', type: 'timestamp', group: 'identity', description: '' },
  { name: 'src_ip', type: 'string', group: 'identity', description: '' },
  { name: 'n', type: 'int', group: 'extra', description: '' },
];

function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), rel + e.name + '/');
      else out.push(rel + e.name);
    }
  };
  walk(dir, '');
  return out.sort();
}

describe('partitioned output', () => {
  it('names Hive partitions in UTC', () => {
    // 1700000000 = 2023-11-14T22:13:20Z; 1700006400 = 2023-11-15T00:00:00Z
    expect(timePartition(1700000000, 'day')).toBe('date=2023-11-14');
    expect(timePartition(1700000000, 'hour')).toBe('date=2023-11-14/hour=22');
    expect(timePartition(1700006400, 'hour')).toBe('date=2023-11-15/hour=00');
    expect(hiveEscape('a/b=c.pcap')).toBe('a%2Fb%3Dc.pcap');
    expect(resolveOutputFormat(undefined, 'x.parquet')).toBe('parquet');
    expect(resolveOutputFormat(undefined, 'x.PQ')).toBe('parquet');
    expect(resolveOutputFormat('jsonl', 'x.parquet')).toBe('jsonl');
    expect(resolveOutputFormat(undefined, '-')).toBe('csv');
    expect(() => resolveOutputFormat(undefined, 'x.xlsx')).toThrow(UsageError);
  });

  it('evicts the least recently used partition and continues it in part-N+1; every row lands once', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'flowsift-part-')), 'out');
    const w = new PartitionedWriter(dir, { splitBy: 'hour', format: 'jsonl', columns: COLS, maxOpen: 2 });
    const rows: Row[] = [];
    // hours 22, 23, 22, 00, 22, 23 with 2 open at most: 00 evicts 23 (least recently used), the
    // last 23 evicts 00 and continues hour 23 in part-1
    const hours = [1700000000, 1700003600, 1700000100, 1700007200, 1700000200, 1700003700];
    hours.forEach((ts, i) => rows.push({ ts, src_ip: '10.0.0.1', n: i }));
    for (const r of rows) await w.write(r);
    expect(await w.close()).toBe(6);
    expect(files(dir)).toEqual([
      'date=2023-11-14/hour=22/part-0.jsonl',
      'date=2023-11-14/hour=23/part-0.jsonl',
      'date=2023-11-14/hour=23/part-1.jsonl',
      'date=2023-11-15/hour=00/part-0.jsonl',
    ]);
    const back: Row[] = [];
    for (const f of files(dir)) {
      for await (const r of readDataset(join(dir, f))) {
        expect(f.startsWith(timePartition(r.ts as number, 'hour') + '/')).toBe(true);
        back.push(r);
      }
    }
    expect(back.map((r) => r.n).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    // the directory itself reads as one dataset: every part, in path order
    const whole: Row[] = [];
    for await (const r of readDataset(dir)) whole.push(r);
    expect(whole).toEqual(back);
  });

  it('abort removes the parts this run committed and the open ones', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'flowsift-part-')), 'out');
    const w = new PartitionedWriter(dir, { splitBy: 'day', format: 'parquet', columns: COLS, maxOpen: 1 });
    await w.write({ ts: 1700000000, src_ip: 'a', n: 1 });
    await w.write({ ts: 1700100000, src_ip: 'b', n: 2 }); // next day: the first part is committed
    expect(existsSync(join(dir, 'date=2023-11-14', 'part-0.parquet'))).toBe(true);
    await w.abort();
    expect(files(dir)).toEqual([]);
  });
});
