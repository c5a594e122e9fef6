/**
 * Property test (fast-check): any sequence of records, written as classic pcap (either byte order,
 * µs/ns/modified) or pcapng (either byte order, µs/ns), delivered in arbitrary pieces through
 * arbitrary window sizes, reads back exactly — timestamps, lengths and bytes.
 */
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCaptures } from '../../src/capture/index.ts';
import { NgBuilder } from './build.ts';

interface R {
  sec: number;
  frac: number;
  data: Uint8Array;
  extra: number;
}

const recArb = fc.record({
  sec: fc.integer({ min: 0, max: 0xffffffff }),
  frac: fc.integer({ min: 0, max: 999_999_999 }),
  data: fc.uint8Array({ minLength: 0, maxLength: 300, size: 'max' }),
  extra: fc.integer({ min: 0, max: 2000 }),
});

function classic(recs: R[], le: boolean, kind: 'us' | 'ns' | 'mod'): Buffer {
  const magic = kind === 'ns' ? 0xa1b23c4d : kind === 'mod' ? 0xa1b2cd34 : 0xa1b2c3d4;
  const hdrLen = kind === 'mod' ? 24 : 16;
  const parts: Buffer[] = [];
  const h = Buffer.alloc(24);
  const w32 = (b: Buffer, v: number, o: number) => (le ? b.writeUInt32LE(v >>> 0, o) : b.writeUInt32BE(v >>> 0, o));
  const w16 = (b: Buffer, v: number, o: number) => (le ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  w32(h, magic, 0);
  w16(h, 2, 4);
  w16(h, 4, 6);
  w32(h, 65535, 16);
  w32(h, 1, 20);
  parts.push(h);
  for (const r of recs) {
    const rh = Buffer.alloc(hdrLen);
    w32(rh, r.sec, 0);
    w32(rh, kind === 'ns' ? r.frac : Math.floor(r.frac / 1000), 4);
    w32(rh, r.data.length, 8);
    w32(rh, r.data.length + r.extra, 12);
    parts.push(rh, Buffer.from(r.data));
  }
  return Buffer.concat(parts);
}

function ng(recs: R[], le: boolean, ns: boolean): Buffer {
  const b = new NgBuilder().shb(le).idb(1, 0, ns ? { tsresol: 9 } : {});
  for (const r of recs) {
    const units = ns ? 1_000_000_000n : 1_000_000n;
    const frac = ns ? BigInt(r.frac) : BigInt(Math.floor(r.frac / 1000));
    b.epb(0, BigInt(r.sec) * units + frac, Buffer.from(r.data), r.data.length + r.extra);
  }
  return b.build();
}

/** Split `buf` at the given cut points. */
function pieces(buf: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of at) {
    if (c > prev) out.push(buf.subarray(prev, c));
    prev = Math.max(prev, c);
  }
  out.push(buf.subarray(prev));
  return out;
}

describe('round trip', () => {
  it('any records, any format variant, any read boundaries', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(recArb, { maxLength: 40, size: 'medium' }),
        fc.constantFrom('pcap-us', 'pcap-ns', 'pcap-mod', 'ng-us', 'ng-ns'),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 12, size: 'max' }),
        fc.integer({ min: 1, max: 600 }),
        async (recs, variant, le, cuts, chunkSize) => {
          const ns = variant.endsWith('ns');
          const bytes = variant.startsWith('ng') ? ng(recs, le, ns) : classic(recs, le, variant === 'pcap-ns' ? 'ns' : variant === 'pcap-mod' ? 'mod' : 'us');
          const got: [number, number, number, number, string][] = [];
          const report = await readCaptures(['-'], (r) => {
            got.push([r.tsSec, r.tsNsec, r.caplen, r.origLen, Buffer.from(r.buf.subarray(r.offset, r.offset + r.caplen)).toString('hex')]);
          }, { stdin: Readable.from(pieces(bytes, cuts)), chunkSize });
          const f = report.files[0]!;
          expect(f.error).toBeUndefined();
          expect(f.warnings).toEqual([]);
          expect(got).toEqual(
            recs.map((r) => [r.sec, ns ? r.frac : Math.floor(r.frac / 1000) * 1000, r.data.length, r.data.length + r.extra, Buffer.from(r.data).toString('hex')]),
          );
        },
      ),
      { numRuns: 150, seed: 20261120 },
    );
  });
});
