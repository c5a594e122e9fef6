import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { KddWriter, kddLine } from '../../src/dataset/kdd-format.ts';
import { openOutput } from '../../src/dataset/output.ts';
import { readKdd } from '../../src/dataset/kdd.ts';
import { formatNumber } from '../../src/dataset/csv.ts';
import { KDD_COLUMNS } from '../../src/features/schema.ts';
import type { Row } from '../../src/dataset/types.ts';

function row(over: Row = {}): Row {
  const r: Row = {};
  for (const c of KDD_COLUMNS) r[c.name] = c.type === 'category' ? '' : 0;
  return Object.assign(r, { protocol_type: 'tcp', service: 'http', flag: 'SF', uid: 'Cx', src_ip: '10.0.0.1' }, over);
}

describe('KDD format', () => {
  it('41 columns in KDD order; whole-second duration (truncated); 2-decimal rates; integer counts', () => {
    const line = kddLine(row({ duration: 2.999, src_bytes: 491, count: 3, serror_rate: 1 / 3, same_srv_rate: 1, dst_host_same_src_port_rate: 0.175 }))!;
    const f = line.split(',');
    expect(f).toHaveLength(41);
    expect(f[0]).toBe('2');
    expect(f.slice(1, 4)).toEqual(['tcp', 'http', 'SF']);
    expect(f[4]).toBe('491');
    expect(f[22]).toBe('3');
    expect(f[24]).toBe('0.33');
    expect(f[28]).toBe('1.00');
    expect(f[35]).toBe('0.17'); // 0.175 is 0.17499… in binary, as printf("%.2f") would also print
  });

  it('caps counts at the KDD ranges (count/srv_count 511, dst_host_* 255)', () => {
    const f = kddLine(row({ count: 9000, srv_count: 512, dst_host_count: 300, dst_host_srv_count: 255 }))!.split(',');
    expect(f[22]).toBe('511');
    expect(f[23]).toBe('511');
    expect(f[31]).toBe('255');
    expect(f[32]).toBe('255');
  });

  it('skips other IP protocols and counts them; appends label + difficulty when a row has a label', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowsift-kdd-'));
    const path = join(dir, 'out.txt');
    const w = new KddWriter(openOutput(path));
    w.write(row({ protocol_type: 'other', service: 'other' }));
    w.write(row({ label: 'neptune', flag: 'S0', service: 'private' }));
    w.write(row({ protocol_type: 'icmp', service: 'eco_i', label: 'normal', difficulty: 21 }));
    expect(await w.close()).toBe(2);
    expect(w.skipped).toBe(1);
    const text = readFileSync(path, 'utf8');
    expect(text.split('\n')[0]!.split(',')).toHaveLength(43);
    // The model stage's NSL-KDD reader loads it.
    const rows: Row[] = [];
    for await (const r of readKdd(path)) rows.push(r);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ protocol_type: 'tcp', flag: 'S0', service: 'private', label: 'neptune', difficulty: 0, category: 'dos' });
    expect(rows[1]).toMatchObject({ protocol_type: 'icmp', service: 'eco_i', label: 'normal', difficulty: 21 });
  });

  it('no label → exactly 41 columns, no header', () => {
    expect(kddLine(row())!.split(',')).toHaveLength(41);
    expect(kddLine(row())!.startsWith('0,tcp,http,SF,')).toBe(true);
  });
});

describe('rate2', () => {
  it('equals toFixed(2) on every fraction n/d with d ≤ 600 (the rounding printf("%.2f") does)', async () => {
    const { rate2 } = await import('../../src/dataset/kdd-format.ts');
    const bad: string[] = [];
    for (let d = 1; d <= 600; d++) for (let n = 0; n <= d; n++) if (rate2(n / d) !== (n / d).toFixed(2)) bad.push(`${n}/${d}`);
    expect(bad).toEqual([]);
  });
});

describe('KDD line fast paths (compiled per column) write exactly the documented formatting', () => {
  const CAPS: Record<string, number> = { count: 511, srv_count: 511, dst_host_count: 255, dst_host_srv_count: 255 };
  const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'boolean' ? (v ? 1 : 0) : 0);
  /** The rules of the module header, field by field: plain digits (no exponent), toFixed(2) for rates. */
  const reference = (r: Row): string | undefined => {
    if (!['tcp', 'udp', 'icmp'].includes(r.protocol_type as string)) return undefined;
    const f = KDD_COLUMNS.map((c) => {
      const v = r[c.name];
      if (c.name === 'duration') return formatNumber(Math.trunc(num(v)));
      if (c.type === 'category') {
        const t = String(v ?? '');
        return c.name === 'flag' && (t === 'RSTRH' || t === 'SHR') ? 'OTH' : t;
      }
      if (c.unit === 'fraction') return num(v).toFixed(2);
      const n = Math.round(num(v));
      return formatNumber(Math.min(n, CAPS[c.name] ?? Infinity));
    });
    if (r.label !== undefined && r.label !== null && r.label !== '') f.push(String(r.label), String(typeof r.difficulty === 'number' && Number.isInteger(r.difficulty) ? r.difficulty : 0));
    return f.join(',');
  };
  const names = KDD_COLUMNS.map((c) => c.name);
  const value = fc.oneof(
    fc.double({ min: 0, max: 1, noNaN: true }), fc.tuple(fc.nat(600), fc.integer({ min: 1, max: 600 })).map(([a, b]) => Math.min(1, a / b)),
    fc.nat(2000), fc.double({ min: 0, max: 1e6, noNaN: true }), fc.double(), fc.maxSafeNat(),
    fc.constantFrom('SF', 'S0', 'RSTRH', 'SHR', 'http', 'ü', 'a,b', ''), fc.boolean(), fc.constant(null), fc.constant(undefined),
  );

  it('any value in any column', () => {
    const rowArb = fc.tuple(fc.constantFrom('tcp', 'udp', 'icmp', 'other'), fc.array(value, { minLength: names.length, maxLength: names.length }), fc.option(fc.constantFrom('normal', 'neptune', 'ü')), fc.option(fc.integer({ min: 0, max: 21 })))
      .map(([proto, vs, label, difficulty]) => {
        const r: Row = {};
        names.forEach((n, i) => {
          if (vs[i] !== undefined) r[n] = vs[i] as Row[string];
        });
        r.protocol_type = proto;
        if (label !== null) r.label = label;
        if (difficulty !== null) r.difficulty = difficulty;
        return r;
      });
    fc.assert(fc.property(rowArb, (r) => kddLine(r) === reference(r)), { numRuns: 2000 });
  });

  it('every rate n/d (d ≤ 200) and whole-row values past the batch size', () => {
    const bad: string[] = [];
    for (let d = 1; d <= 200; d++) for (let n = 0; n <= d; n++) {
      const r = row({ serror_rate: n / d, dst_host_same_src_port_rate: 1 - n / d, duration: n / 7, count: n * d, src_bytes: n * 1e9 + d });
      if (kddLine(r) !== reference(r)) bad.push(`${n}/${d}`);
    }
    expect(bad).toEqual([]);
  });
});
