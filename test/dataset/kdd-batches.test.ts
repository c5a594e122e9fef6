import { describe, it, expect } from 'vitest';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readKdd, readKddBatches, KDD_FEATURE_NAMES, KDD_SYMBOLIC } from '../../src/dataset/kdd.ts';
import type { Row } from '../../src/dataset/types.ts';

const KDD = new URL('../../../shared/corpus/kdd/', import.meta.url);
const path = (f: string): string => new URL(f, KDD).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'flowsift-kddb-'));

/** readKdd's rows and error, and the same rebuilt from readKddBatches' columns. */
async function both(p: string): Promise<{ rows: Row[]; err: string | undefined; fromBatches: Row[]; batchErr: string | undefined }> {
  const rows: Row[] = [];
  let err: string | undefined;
  try {
    for await (const r of readKdd(p)) rows.push(r);
  } catch (e) {
    err = (e as Error).message;
  }
  const fromBatches: Row[] = [];
  let batchErr: string | undefined;
  try {
    await readKddBatches(p, (b) => {
      for (let r = 0; r < b.n; r++) {
        const row: Row = {};
        KDD_FEATURE_NAMES.forEach((n, i) => {
          const q = KDD_SYMBOLIC.indexOf(n);
          row[n] = q >= 0 ? b.symbols[q as 0 | 1 | 2][b.sym[r * 3 + q]!]! : b.x[r * 41 + i]!;
        });
        row.label = b.labels[b.label[r]!]!;
        row.category = b.categories[b.label[r]!]!;
        if (b.variant === 'nsl-kdd') row.difficulty = b.difficulty[r]!;
        fromBatches.push(row);
      }
      if (fromBatches.length === b.n) expect(b.first).toEqual(fromBatches[0]);
    });
  } catch (e) {
    batchErr = (e as Error).message;
  }
  return { rows, err, fromBatches, batchErr };
}

/** Rows compared exactly (Object.is on every value: -0 and NaN would show). */
function expectSameRows(a: Row[], b: Row[]): void {
  expect(b.length).toBe(a.length);
  let differ = 0;
  for (let i = 0; i < a.length; i++) {
    const ka = Object.keys(a[i]!), kb = Object.keys(b[i]!);
    if (ka.join() !== kb.join() || ka.some((k) => !Object.is(a[i]![k], b[i]![k]))) differ++;
  }
  expect(differ).toBe(0);
}

describe('readKddBatches (KDD tables by column)', () => {
  it('gives readKdd’s rows, value for value, for every NSL-KDD and KDD Cup 99 file of the corpus', async () => {
    for (const f of ['KDDTrain+.txt.gz', 'KDDTest+.txt.gz', 'KDDTest-21.txt.gz', 'KDDTrain+_20Percent.txt.gz', 'kddcup.data_10_percent.gz']) {
      const { rows, err, fromBatches, batchErr } = await both(path(f));
      expect(err).toBeUndefined();
      expect(batchErr).toBeUndefined();
      expect(rows.length).toBeGreaterThan(9000);
      expectSameRows(rows, fromBatches);
    }
  }, 300_000);

  it('odd lines (CRLF, blanks, spaces, signs, exponents, hex, long numbers, odd labels) and every fault: same rows, same message', async () => {
    const lines = gunzipSync(readFileSync(path('KDDTest+.txt.gz'))).toString('latin1').split('\n').slice(0, 40);
    const edit = (i: number, field: number, v: string): string => {
      const f = lines[i]!.split(',');
      f[field] = v;
      return f.join(',');
    };
    const odd = [
      lines[0] + '\r', '', '   ', edit(1, 0, ' 5 '), edit(2, 4, '+12'), edit(3, 5, '1e3'), edit(4, 24, '0x1F'), edit(5, 25, '.5'),
      edit(6, 26, '5.'), edit(7, 4, '12345678901234567'), edit(8, 30, '0.1234567890123456789'), edit(9, 41, ' Neptune. '),
      edit(10, 42, '07'), edit(11, 2, ''), edit(12, 1, 'TCP'), edit(13, 0, '-0'), edit(14, 5, '00.250'), lines[15]!, lines[16] + '\r',
    ];
    const cases: [string, string][] = [
      ['odd.txt', odd.join('\n') + '\n'],
      ['no-final-newline.txt', lines.slice(0, 5).join('\n')],
      ['short-line.txt', [lines[0], lines[1], lines[2]!.split(',').slice(0, 30).join(','), lines[3]].join('\n') + '\n'],
      ['bad-number.txt', [lines[0], edit(1, 7, 'abc'), lines[2]].join('\n') + '\n'],
      ['empty-number.txt', [lines[0], edit(1, 8, ''), lines[2]].join('\n') + '\n'],
      ['bad-difficulty.txt', [lines[0], edit(1, 42, '2.5'), lines[2]].join('\n') + '\n'],
      ['extra-field.txt', [lines[0], lines[1] + ',9', lines[2]].join('\n') + '\n'],
      ['not-kdd.txt', 'a,b,c\n1,2,3\n'],
    ];
    for (const [name, text] of cases) {
      for (const gz of [false, true]) {
        const p = join(tmp, name + (gz ? '.gz' : ''));
        writeFileSync(p, gz ? gzipSync(text) : text);
        const { rows, err, fromBatches, batchErr } = await both(p);
        expect(batchErr, name).toBe(err);
        expectSameRows(rows, fromBatches);
      }
    }
    const cut = join(tmp, 'cut.gz');
    writeFileSync(cut, readFileSync(path('KDDTest+.txt.gz')).subarray(0, 100_000));
    const { rows, err, fromBatches, batchErr } = await both(cut);
    expect(err).toMatch(/corrupt or truncated gzip stream/);
    expect(batchErr).toBe(err);
    expectSameRows(rows, fromBatches);
  }, 120_000);
});
