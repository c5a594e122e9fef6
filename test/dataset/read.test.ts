/**
 * readDataset: format by content (never the name), gzip transparent; NSL-KDD / KDD99 row counts from
 * the corpus MANIFEST (wc -l: 125,973 / 22,544 / 494,021), CSV/JSONL written by the flowsift
 * writers read back with their types.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectDatasetFormat, readDataset, LABEL_COLUMNS } from '../../src/dataset/read.ts';
import { openDatasetWriter } from '../../src/dataset/output.ts';
import { createParquetWriter } from '../../src/dataset/parquet.ts';
import { Readable } from 'node:stream';
import { FLOW_COLUMNS } from '../../src/features/schema.ts';
import { InputError } from '../../src/errors.ts';
import type { Row } from '../../src/dataset/types.ts';

const KDD = fileURLToPath(new URL('../../../shared/corpus/kdd/', import.meta.url));
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flowsift-read-'));
});

async function countAndFirst(path: string): Promise<{ n: number; first: Row; labels: Map<string, number> }> {
  let n = 0;
  let first: Row = {};
  const labels = new Map<string, number>();
  for await (const r of readDataset(path)) {
    if (n === 0) first = r;
    n++;
    labels.set(r.label as string, (labels.get(r.label as string) ?? 0) + 1);
  }
  return { n, first, labels };
}

describe('KDD tables through readDataset', () => {
  it('reads NSL-KDD KDDTrain+ and KDDTest+ (gzipped, 43 columns)', async () => {
    const train = await countAndFirst(join(KDD, 'KDDTrain+.txt.gz'));
    expect(train.n).toBe(125973);
    // first line of KDDTrain+.txt: 0,tcp,ftp_data,SF,491,0,…,normal,20
    expect(train.first).toMatchObject({ duration: 0, protocol_type: 'tcp', service: 'ftp_data', flag: 'SF', src_bytes: 491, label: 'normal', difficulty: 20, category: 'normal' });
    expect(typeof train.first.dst_host_srv_rerror_rate).toBe('number');
    // NSL-KDD paper: 67,343 normal records in KDDTrain+
    expect(train.labels.get('normal')).toBe(67343);
    const test = await countAndFirst(join(KDD, 'KDDTest+.txt.gz'));
    expect(test.n).toBe(22544);
    expect(test.labels.size).toBe(38);
  });

  it('reads KDD Cup 99 10 % (gzipped, 42 columns, labels without the trailing dot)', async () => {
    const k = await countAndFirst(join(KDD, 'kddcup.data_10_percent.gz'));
    expect(k.n).toBe(494021);
    expect(k.first).toMatchObject({ protocol_type: 'tcp', service: 'http', src_bytes: 181, dst_bytes: 5450, label: 'normal', category: 'normal' });
    expect(k.first.difficulty).toBeUndefined();
    // UCI: smurf 280,790 and neptune 107,201 records in the 10 % set
    expect(k.labels.get('smurf')).toBe(280790);
    expect(k.labels.get('neptune')).toBe(107201);
  });
});

describe('flowsift CSV / JSON Lines', () => {
  const cols = [...FLOW_COLUMNS, ...LABEL_COLUMNS];
  const row = (i: number): Row => {
    const r: Row = {};
    for (const c of cols) {
      r[c.name] = c.type === 'timestamp' ? 1700000000.000001 + i : c.type === 'float' ? i / 8 : c.type === 'int' ? i * 3 : c.type === 'bool' ? i % 2 === 1 : `${c.name},"${i}"`;
    }
    r.service = 'http';
    r.category = null;
    return r;
  };

  for (const format of ['csv', 'jsonl'] as const) {
    it(`${format}: written by the flowsift writer, read back with types, plain and gzipped, whatever the file name`, async () => {
      const path = join(dir, `data.${format}`);
      const w = openDatasetWriter(format, path, cols);
      for (let i = 0; i < 50; i++) await w.write(row(i));
      await w.close();
      const odd = join(dir, `data-${format}.bin`);
      writeFileSync(odd, gzipSync(readFileSync(path)));
      for (const p of [path, odd]) {
        expect(await detectDatasetFormat(p)).toBe(format);
        let i = 0;
        for await (const r of readDataset(p)) {
          expect(r).toEqual(row(i));
          i++;
        }
        expect(i).toBe(50);
      }
    });
  }

  it("'-' reads stdin, Parquet included (spooled to a temp file that is removed)", async () => {
    const path = join(dir, 'stdin.parquet');
    const w = createParquetWriter(path, cols);
    for (let i = 0; i < 20; i++) await w.write(row(i));
    await w.close();
    const got: Row[] = [];
    for await (const r of readDataset('-', { stdin: Readable.from([readFileSync(path)]) })) got.push(r);
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => row(i)));
  });

  it('reports a short CSV line with file and line number', async () => {
    const p = join(dir, 'short.csv');
    writeFileSync(p, 'ts,src_ip,label\n1700000000,10.0.0.1,normal\n1700000001,10.0.0.2\n');
    const rows: Row[] = [];
    await expect((async () => {
      for await (const r of readDataset(p)) rows.push(r);
    })()).rejects.toThrow(/short\.csv: line 3: expected 3 fields \(header\), found 2/);
    expect(rows).toEqual([{ ts: 1700000000, src_ip: '10.0.0.1', label: 'normal' }]);
  });

  it('refuses binary input that is no dataset', async () => {
    const p = join(dir, 'x.csv');
    writeFileSync(p, Buffer.from([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0]));
    await expect(detectDatasetFormat(p)).rejects.toThrow(InputError);
  });
});
