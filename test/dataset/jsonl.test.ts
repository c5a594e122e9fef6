import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { JsonlWriter, MICRO_EXACT_MAX } from '../../src/dataset/jsonl.ts';
import { putMicro } from '../../src/dataset/csv.ts';
import { openOutput } from '../../src/dataset/output.ts';
import type { ColumnDef } from '../../src/dataset/types.ts';
import { memorySink } from './sink.ts';

const cols: ColumnDef[] = ['ts', 'service', 'count'].map((name) => ({ name, type: 'string', group: 'extra', description: name }));

describe('JSON Lines writer', () => {
  it('one object per line, keys in column order, missing → null, extra keys kept after', async () => {
    const chunks: string[] = [];
    const out = new Writable({ write(c, _e, cb) { chunks.push(String(c)); cb(); } });
    const w = new JsonlWriter(openOutput('-', out), cols);
    w.write({ count: 3, label: 'normal', ts: 1.5, service: 'http' });
    w.write({ ts: 2, service: 'a"b\nc' });
    expect(await w.close()).toBe(2);
    const lines = chunks.join('').split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(lines[0]).toBe('{"ts":1.5,"service":"http","count":3,"label":"normal"}');
    expect(JSON.parse(lines[1]!)).toEqual({ ts: 2, service: 'a"b\nc', count: null });
  });
});

describe('JSON Lines fast path (compiled per column list) writes exactly what JSON.stringify writes', () => {
  const typed: ColumnDef[] = [
    { name: 'ts', type: 'timestamp', unit: 's', group: 'identity', description: '' },
    { name: 'n', type: 'int', group: 'basic', description: '' },
    { name: 'rate', type: 'float', unit: 'fraction', group: 'time', description: '' },
    { name: 's', type: 'string', group: 'identity', description: '' },
    { name: 'a_rather_long_column_name_past_eight_bytes', type: 'bool', group: 'extra', description: '' },
    { name: 'größe "x"', type: 'float', unit: 'fraction', group: 'extra', description: '' },
  ];
  const collect = (columns: ColumnDef[], rows: Record<string, unknown>[]): string => {
    const sink = memorySink();
    const w = new JsonlWriter(sink, columns);
    for (const r of rows) w.write(r as never);
    void w.close();
    return sink.text();
  };
  /** The documented output: keys in column order, missing → null, extra keys after, as JSON.stringify. */
  const reference = (columns: ColumnDef[], r: Record<string, unknown>): string => {
    const o: Record<string, unknown> = {};
    for (const c of columns) o[c.name] = r[c.name] === undefined ? null : r[c.name];
    for (const k in r) if (!(k in o)) o[k] = r[k];
    return JSON.stringify(o);
  };
  const anyValue = fc.oneof(
    fc.double(), fc.double({ min: 0, max: 1, noNaN: true }), fc.tuple(fc.nat(500), fc.integer({ min: 1, max: 500 })).map(([a, b]) => a / b),
    fc.nat(), fc.maxSafeInteger(), fc.constant(2 ** 53), fc.constant(-0), fc.constant(1e21),
    fc.integer({ min: 1_600_000_000_000_000, max: 1_800_000_000_000_000 }).map((us) => us / 1e6), fc.nat(5_000_000_000).map((us) => us / 1e6),
    fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('tcp', 'q"x', 'back\\slash', 'tab\t', 'ü', '\u2028', ''),
    fc.boolean(), fc.constant(null),
  );

  it('rows with every column (the fast path), in any key order, with gaps or extra keys', () => {
    for (const columns of [typed, typed.slice(0, 5)]) {
      const names = columns.map((c) => c.name);
      const full = fc.tuple(...names.map(() => anyValue)).map((vs) => Object.fromEntries(names.map((n, i) => [n, vs[i]])));
      const sparse = fc.dictionary(fc.constantFrom(...names, 'extra'), fc.oneof(anyValue, fc.constant(undefined)));
      fc.assert(
        fc.property(fc.array(fc.oneof(full, full, sparse), { maxLength: 30 }), (rows) => {
          const want = rows.map((r) => reference(columns, r) + '\n').join('');
          return collect(columns, rows) === want;
        }),
        { numRuns: 300 },
      );
    }
  });

  it('past the batch size, with strings long enough to grow the buffer mid-row', () => {
    const rows = Array.from({ length: 4000 }, (_, i) => ({
      ts: 1_700_000_000 + i * 0.0137, n: i * 7919, rate: (i % 101) / 100, s: i % 700 === 0 ? 'z'.repeat(150_000) : `C${i}`, a_rather_long_column_name_past_eight_bytes: i % 3 === 0, 'größe "x"': i / 7,
    }));
    expect(collect(typed, rows)).toBe(rows.map((r) => reference(typed, r) + '\n').join(''));
  });
});

describe('µs values take the integer path only where it prints String(v)', () => {
  const put = (v: number): string => {
    const b = Buffer.alloc(40);
    return b.subarray(0, putMicro(b, 0, v)).toString('latin1');
  };
  const exact = (v: number): boolean => v > 0 && v < MICRO_EXACT_MAX && Math.round(v * 1e6) / 1e6 === v;
  it('whenever the µs decimal round-trips below 2^32, it is the shortest round-trip text', () => {
    const check = (v: number): boolean => !exact(v) || put(v) === String(v);
    fc.assert(fc.property(fc.double({ min: 0, max: 2 ** 33, noNaN: true }), check), { numRuns: 20000 });
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 * 1e6 - 1 }), (us) => check(us / 1e6)), { numRuns: 20000 });
    fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 32 * 1e6 - 1 }), fc.integer({ min: -2, max: 2 }), (us, k) => check(us / 1e6 + k * 2 ** -30)), { numRuns: 20000 });
    let hits = 0;
    for (let us = 0; us < 3_000_000; us += 37) if (exact(us / 1e6)) hits++, expect(put(us / 1e6)).toBe(String(us / 1e6));
    expect(hits).toBeGreaterThan(80_000);
    // just below the bound the spacing is still < 1e-6; at 2^33 it is not (the bound matters)
    expect(put(4294967295.000001)).toBe(String(4294967295.000001));
  });
});
