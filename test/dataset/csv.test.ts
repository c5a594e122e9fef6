import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { CsvWriter, LineBuffer, csvField, formatMicro, formatNumber, putMicro, putUint } from '../../src/dataset/csv.ts';
import { openOutput } from '../../src/dataset/output.ts';
import type { ColumnDef } from '../../src/dataset/types.ts';
import { memorySink } from './sink.ts';

const cols: ColumnDef[] = ['a', 'b', 'c', 'd'].map((name) => ({ name, type: 'string', group: 'extra', description: name }));

describe('CSV writer', () => {
  it('formats numbers without exponents and round-trips them', () => {
    expect(formatNumber(1e-7)).toBe('0.0000001');
    expect(formatNumber(1.5e-7)).toBe('0.00000015');
    expect(formatNumber(-2.5e-9)).toBe('-0.0000000025');
    expect(formatNumber(1e21)).toBe('1000000000000000000000');
    expect(formatNumber(1.234e22)).toBe('12340000000000000000000');
    expect(formatNumber(0.5)).toBe('0.5');
    expect(formatNumber(1700000000.123456)).toBe('1700000000.123456');
    expect(formatNumber(NaN)).toBe('');
    for (const v of [1e-7, 3.3333333333333335e-7, 9.87654321e-12, 1e21, 6.02e23, -4e-8]) expect(Number(formatNumber(v))).toBe(v);
  });

  it('RFC 4180: quotes only fields with comma, quote, CR or LF; empty for null; booleans as words', async () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('x\ny')).toBe('"x\ny"');
    expect(csvField('plain')).toBe('plain');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(true)).toBe('true');
    const chunks: string[] = [];
    const out = new Writable({ write(c, _e, cb) { chunks.push(String(c)); cb(); } });
    const w = new CsvWriter(openOutput('-', out), cols);
    w.write({ a: 'x,y', b: 1e-7, c: null, d: false });
    w.write({ a: 'q"', b: 3, c: 'ok', d: true });
    expect(await w.close()).toBe(2);
    const text = chunks.join('');
    expect(text.split('\n')[0]).toBe('a,b,c,d');
    const back = parse(text, { columns: true }) as Record<string, string>[];
    expect(back).toEqual([
      { a: 'x,y', b: '0.0000001', c: '', d: 'false' },
      { a: 'q"', b: '3', c: 'ok', d: 'true' },
    ]);
  });
});

describe('formatMicro (times and rates in CSV)', () => {
  it('prints at most 6 decimals without trailing zeros, equal to toFixed(6) as a number', () => {
    expect(formatMicro(0.5)).toBe('0.5');
    expect(formatMicro(1 / 3)).toBe('0.333333');
    expect(formatMicro(2 / 3)).toBe('0.666667');
    expect(formatMicro(1700000000.014446)).toBe('1700000000.014446');
    expect(formatMicro(1700000000.0000005)).toBe('1700000000.000001');
    expect(formatMicro(6.159373)).toBe('6.159373');
    expect(formatMicro(0.000001)).toBe('0.000001');
    expect(formatMicro(0.0000004)).toBe('0');
    expect(formatMicro(12)).toBe('12');
    for (let d = 1; d <= 300; d++) for (let n = 0; n <= d; n++) expect(Number(formatMicro(n / d))).toBe(Number((n / d).toFixed(6)));
  });
});

describe('LineBuffer (the CSV writer builds rows as bytes)', () => {
  const text = (f: (lb: LineBuffer) => void): string => {
    const lb = new LineBuffer();
    f(lb);
    return lb.take().toString('utf8');
  };

  it('int writes exactly the digits String() prints, formatNumber beyond 2^53', () => {
    const ints = [0, -0, 1, 9, 10, 99, 100, 65535, 2 ** 31, -(2 ** 31) - 1, 999999999999999, 1e15, 2 ** 53 - 1, -(2 ** 53) + 1, 2 ** 53, 1e21, -1e22];
    for (const v of ints) expect(text((lb) => lb.int(v))).toBe(formatNumber(v));
    fc.assert(fc.property(fc.maxSafeInteger(), (v) => text((lb) => lb.int(v)) === String(v)));
  });

  it('micro writes exactly what formatMicro returns', () => {
    for (const v of [0.5, 1 / 3, 2 / 3, 1700000000.014446, 1700000000.0000005, 6.159373, 0.000001, 0.0000004, 12.25, 8.9e9, 9e9, -0.5, NaN, Infinity]) {
      expect(text((lb) => lb.micro(v))).toBe(formatMicro(v));
    }
    fc.assert(fc.property(fc.double({ min: 0, max: 2e9, noNaN: true }), (v) => text((lb) => lb.micro(v)) === formatMicro(v)), { numRuns: 3000 });
    for (let d = 1; d <= 60; d++) for (let n = 0; n <= d; n++) expect(text((lb) => lb.micro(n / d))).toBe(formatMicro(n / d));
  });

  it('plain copies ASCII without CSV specials only; text writes any string as UTF-8; grows past its batch size', () => {
    const lb = new LineBuffer();
    expect(lb.plain('a,b', true)).toBe(false);
    expect(lb.plain('héllo', false)).toBe(false);
    expect(lb.off).toBe(0);
    expect(lb.plain('a,b', false)).toBe(true);
    lb.text('→ héllo');
    const long = 'x'.repeat(300_000);
    lb.text(long);
    expect(lb.take().toString('utf8')).toBe('a,b→ héllo' + long);
  });

  it('rows with non-ASCII text, quotes and missing columns survive a parse round trip', async () => {
    const chunks: string[] = [];
    const out = new Writable({ write(c, _e, cb) { chunks.push(String(c)); cb(); } });
    const w = new CsvWriter(openOutput('-', out), cols);
    const rows = Array.from({ length: 5000 }, (_, i) => ({ a: i % 3 ? `h${i}` : `"${i}", ü`, b: i / 7, c: i % 5 ? i : null }));
    for (const r of rows) w.write(r);
    expect(await w.close()).toBe(rows.length);
    const back = parse(chunks.join(''), { columns: true }) as Record<string, string>[];
    expect(back.length).toBe(rows.length);
    back.forEach((r, i) => {
      expect(r.a).toBe(rows[i]!.a);
      expect(r.b).toBe(formatNumber(rows[i]!.b));
      expect(r.c).toBe(rows[i]!.c === null ? '' : String(rows[i]!.c));
      expect(r.d).toBe('');
    });
  });
});

describe('CSV fast paths (compiled per column type) write exactly the reference formatting', () => {
  const typed: ColumnDef[] = [
    { name: 'ts', type: 'timestamp', unit: 's', group: 'identity', description: '' },
    { name: 'n', type: 'int', group: 'basic', description: '' },
    { name: 'rate', type: 'float', unit: 'fraction', group: 'time', description: '' },
    { name: 'dur', type: 'float', unit: 's', group: 'basic', description: '' },
    { name: 'x', type: 'float', group: 'extra', description: '' },
    { name: 's', type: 'string', group: 'identity', description: '' },
    { name: 'cat', type: 'category', group: 'basic', description: '' },
    { name: 'b', type: 'bool', group: 'extra', description: '' },
  ];
  const micro = new Set(['ts', 'rate', 'dur']);
  /** The writer's documented formatting of one field, from the string helpers. */
  const reference = (name: string, v: unknown): string => {
    if (typeof v === 'number') return Number.isInteger(v) || !micro.has(name) ? formatNumber(v) : formatMicro(v);
    if (typeof v === 'string' || typeof v === 'boolean' || v === null || v === undefined) return csvField(v);
    throw new Error('unexpected');
  };
  const collect = (rows: Record<string, unknown>[]): string => {
    const sink = memorySink();
    const w = new CsvWriter(sink, typed);
    for (const r of rows) w.write(r as never);
    void w.close();
    return sink.text();
  };
  const anyValue = fc.oneof(
    fc.double(), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 2e10, noNaN: true }),
    fc.integer({ min: 0, max: 1 }).map((k) => k), fc.nat(), fc.maxSafeInteger(), fc.constant(2 ** 53), fc.constant(-0),
    fc.tuple(fc.nat(500), fc.integer({ min: 1, max: 500 })).map(([a, b]) => a / b), fc.integer({ min: 1_600_000_000_000_000, max: 1_800_000_000_000_000 }).map((us) => us / 1e6),
    fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('tcp', 'a,b', 'q"x', 'line\nend', 'cr\r', 'ü', ''),
    fc.boolean(), fc.constant(null), fc.constant(undefined),
  );

  it('any value in any column type', () => {
    fc.assert(
      fc.property(fc.array(fc.dictionary(fc.constantFrom(...typed.map((c) => c.name)), anyValue), { maxLength: 20 }), (rows) => {
        const want = ['ts,n,rate,dur,x,s,cat,b', ...rows.map((r) => typed.map((c) => reference(c.name, r[c.name])).join(','))].join('\n') + '\n';
        return collect(rows) === want;
      }),
      { numRuns: 400 },
    );
  });

  it('rows of the declared types, past the batch size and with long strings (buffer growth mid-row)', () => {
    const rows = Array.from({ length: 3000 }, (_, i) => ({
      ts: 1_700_000_000 + i * 0.0137, n: i * 7919, rate: (i % 101) / 100, dur: i / 3, x: i / 7, s: i % 500 === 0 ? 'z'.repeat(200_000) : `C${i}x`, cat: i % 2 ? 'tcp' : 'a,b', b: i % 3 === 0,
    }));
    const want = ['ts,n,rate,dur,x,s,cat,b', ...rows.map((r) => typed.map((c) => reference(c.name, r[c.name as keyof typeof r])).join(','))].join('\n') + '\n';
    expect(collect(rows)).toBe(want);
  });
});

describe('putUint / putMicro (digits straight into bytes)', () => {
  const put = (f: (b: Uint8Array, o: number, v: number) => number, v: number): string => {
    const b = Buffer.alloc(40, 120);
    const end = f(b, 3, v);
    return b.subarray(3, end).toString('latin1');
  };
  it('putUint prints String(v) for every safe non-negative integer', () => {
    for (const v of [0, 1, 9, 10, 99, 100, 999, 1000, 999999999, 1e9, 1e9 + 1, 4294967295, 4294967296, 1e15, 2 ** 53 - 1]) expect(put(putUint, v)).toBe(String(v));
    for (let v = 0; v < 20000; v++) expect(put(putUint, v)).toBe(String(v));
    fc.assert(fc.property(fc.maxSafeNat(), (v) => put(putUint, v) === String(v)), { numRuns: 20000 });
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (v) => put(putUint, v) === String(v)), { numRuns: 20000 });
  });
  it('putMicro prints formatMicro(v) on [0, 9e9)', () => {
    fc.assert(fc.property(fc.double({ min: 0, max: 9e9, maxExcluded: true, noNaN: true }), (v) => put(putMicro, v) === formatMicro(v)), { numRuns: 10000 });
    fc.assert(fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (v) => put(putMicro, v) === formatMicro(v)), { numRuns: 10000 });
    fc.assert(fc.property(fc.integer({ min: 1_600_000_000_000_000, max: 1_800_000_000_000_000 }), fc.integer({ min: -3, max: 3 }), (us, k) => {
      const v = us / 1e6 + k * 1e-7;
      return put(putMicro, v) === formatMicro(v);
    }), { numRuns: 10000 });
    for (let d = 1; d <= 200; d++) for (let n = 0; n <= d; n++) expect(put(putMicro, n / d)).toBe(formatMicro(n / d));
    const bad: number[] = [];
    for (let k = 0; k < 1_000_000; k += 7) if (put(putMicro, k / 1e6) !== formatMicro(k / 1e6)) bad.push(k);
    expect(bad).toEqual([]);
  });
});
