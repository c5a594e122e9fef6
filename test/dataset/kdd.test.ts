import { describe, it, expect } from 'vitest';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readKdd, detectKdd, attackCategory, KDD_FEATURE_NAMES } from '../../src/dataset/kdd.ts';
import { InputError } from '../../src/errors.ts';
import type { Row } from '../../src/dataset/types.ts';

const KDD = new URL('../../../shared/corpus/kdd/', import.meta.url);
const path = (f: string): string => new URL(f, KDD).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'flowsift-kdd-'));

async function all(p: string): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const r of readKdd(p)) rows.push(r);
  return rows;
}

describe('readKdd', () => {
  it('reads every KDDTest+ row with the kddcup.names feature names, label and difficulty', async () => {
    const lines = gunzipSync(readFileSync(path('KDDTest+.txt.gz'))).toString('latin1').split('\n').filter((l) => l.trim() !== '');
    const names = readFileSync(path('kddcup.names'), 'latin1').split('\n').slice(1).filter((l) => l.includes(':')).map((l) => l.split(':')[0]!);
    expect(KDD_FEATURE_NAMES).toEqual(names);
    const rows = await all(path('KDDTest+.txt.gz'));
    expect(rows.length).toBe(lines.length);
    // every 997th row field by field against the raw text
    for (let i = 0; i < rows.length; i += 997) {
      const f = lines[i]!.split(',');
      names.forEach((n, j) => expect(String(rows[i]![n])).toBe(j >= 1 && j <= 3 ? f[j] : String(Number(f[j]))));
      expect(rows[i]!.label).toBe(f[41]);
      expect(rows[i]!.difficulty).toBe(Number(f[42]));
    }
    const count = (lab: string): number => lines.filter((l) => l.split(',')[41] === lab).length;
    expect(rows.filter((r) => r.label === 'normal').length).toBe(count('normal'));
    expect(rows.filter((r) => r.category === 'normal').length).toBe(count('normal'));
    expect(rows.every((r) => r.category !== 'unknown')).toBe(true);
  });

  it('maps every training attack as UCI training_attack_types does, test-only attacks as documented', () => {
    for (const line of readFileSync(path('training_attack_types'), 'latin1').split('\n')) {
      const [name, cat] = line.trim().split(/\s+/);
      if (name && cat) expect(attackCategory(name)).toBe(cat);
    }
    expect(attackCategory('normal.')).toBe('normal');
    expect(attackCategory('mscan')).toBe('probe');
    expect(attackCategory('apache2')).toBe('dos');
    expect(attackCategory('snmpguess')).toBe('r2l');
    expect(attackCategory('worm')).toBe('r2l');
    expect(attackCategory('httptunnel')).toBe('u2r');
    expect(attackCategory('made_up')).toBe('unknown');
  });

  it('reads KDD Cup 99 rows (42 columns, label with a trailing dot), plain and gzipped, same rows', async () => {
    // first 2000 lines of kddcup.data_10_percent, written plain and re-gzipped
    const text = gunzipSync(readFileSync(path('kddcup.data_10_percent.gz'))).toString('latin1');
    const head = text.split('\n').slice(0, 2000).join('\n') + '\n';
    writeFileSync(join(tmp, 'kdd99.txt'), head);
    writeFileSync(join(tmp, 'kdd99.bin'), gzipSync(head));
    expect(await detectKdd(join(tmp, 'kdd99.txt'))).toBe('kdd99');
    expect(await detectKdd(join(tmp, 'kdd99.bin'))).toBe('kdd99');
    expect(await detectKdd(path('KDDTrain+.txt.gz'))).toBe('nsl-kdd');
    const a = await all(join(tmp, 'kdd99.txt'));
    const b = await all(join(tmp, 'kdd99.bin'));
    expect(a.length).toBe(2000);
    expect(b).toEqual(a);
    const raw0 = head.split('\n')[0]!.split(',');
    expect(raw0[41]).toMatch(/\.$/);
    expect(a[0]!.label).toBe(raw0[41]!.slice(0, -1));
    expect(a[0]!.difficulty).toBeUndefined();
    expect(a[0]!.src_bytes).toBe(Number(raw0[4]));
  });

  it('stops at a bad line with file, line and byte offset; rows before it were delivered', async () => {
    const lines = gunzipSync(readFileSync(path('KDDTest+.txt.gz'))).toString('latin1').split('\n').slice(0, 5);
    const bad = [...lines.slice(0, 3), lines[3]!.split(',').slice(0, 30).join(','), lines[4]].join('\n') + '\n';
    const p = join(tmp, 'bad.txt');
    writeFileSync(p, bad);
    const got: Row[] = [];
    let err: unknown;
    try {
      for await (const r of readKdd(p)) got.push(r);
    } catch (e) {
      err = e;
    }
    expect(got.length).toBe(3);
    expect(err).toBeInstanceOf(InputError);
    const offset = Buffer.byteLength(lines.slice(0, 3).join('\n') + '\n');
    expect((err as InputError).byteOffset).toBe(offset);
    expect((err as InputError).message).toContain('line 4');
    expect((err as InputError).message).toContain('expected 43 fields (nsl-kdd), found 30');
    expect((err as InputError).exitCode).toBe(3);
  });

  it('rejects a non-numeric value in a numeric column and a file that is not a KDD table', async () => {
    const line = gunzipSync(readFileSync(path('KDDTest+.txt.gz'))).toString('latin1').split('\n')[0]!.split(',');
    line[4] = 'abc';
    writeFileSync(join(tmp, 'nan.txt'), line.join(',') + '\n');
    await expect(all(join(tmp, 'nan.txt'))).rejects.toThrow(/field 5 \(src_bytes\): expected a number, found "abc"/);
    writeFileSync(join(tmp, 'csv.txt'), 'a,b,c\n1,2,3\n');
    await expect(all(join(tmp, 'csv.txt'))).rejects.toThrow(/not a KDD table/);
  });
});
