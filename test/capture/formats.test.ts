/**
 * Format variants and input kinds: both byte orders, ns pcap, Kuznetzov modified pcap, pcapng
 * sections/interfaces/if_tsresol/if_tsoffset/packet block types, gzip, directories, several inputs,
 * records split across read windows, corrupt headers and blocks, resync, abort.
 * Expected values come from tshark 4.0.17 output for the same files (quoted next to each check).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readCaptures, type CaptureRecord, type ReadOptions } from '../../src/capture/index.ts';
import { NgBuilder, payload, SAMPLE, sampleNg } from './build.ts';
import { CORPUS, reference } from './corpus.ts';

const tmp = mkdtempSync(join(tmpdir(), 'flowsift-capture-'));
let tmpN = 0;
function tmpFile(name: string, data: Uint8Array): string {
  const p = join(tmp, `${tmpN++}-${name}`);
  writeFileSync(p, data);
  return p;
}

interface Rec {
  i: number;
  ifid: number;
  lt: number;
  ts: string;
  caplen: number;
  len: number;
  untimed: boolean;
  at: number;
  file: string;
}
function snap(r: CaptureRecord): Rec {
  return {
    i: r.packetIndex,
    ifid: r.interfaceId,
    lt: r.linktype,
    ts: `${r.tsSec}.${String(r.tsNsec).padStart(9, '0')}`,
    caplen: r.caplen,
    len: r.origLen,
    untimed: r.tsMissing === true,
    at: r.byteOffset,
    file: r.file,
  };
}

async function records(inputs: string[], opts: ReadOptions = {}) {
  const recs: Rec[] = [];
  const bytes: Buffer[] = [];
  const report = await readCaptures(inputs, (r) => {
    recs.push(snap(r));
    bytes.push(Buffer.from(r.buf.subarray(r.offset, r.offset + r.caplen)));
  }, opts);
  return { recs, bytes, report, file: report.files[0]! };
}

/** Digest of every record's time, lengths and bytes. */
async function digest(inputs: string[], opts: ReadOptions = {}): Promise<{ hash: string; packets: number }> {
  const h = createHash('sha256');
  const report = await readCaptures(inputs, (r) => {
    h.update(`${r.tsSec}.${r.tsNsec}/${r.caplen}/${r.origLen}/${r.linktype}/${r.interfaceId}|`);
    h.update(r.buf.subarray(r.offset, r.offset + r.caplen));
  }, opts);
  return { hash: h.digest('hex'), packets: report.packets };
}

/** Rewrite a little-endian µs/ns pcap as big-endian (header and every record header swapped). */
function toBigEndian(le: Buffer): Buffer {
  const out = Buffer.from(le);
  out.writeUInt32BE(le.readUInt32LE(0), 0);
  out.writeUInt16BE(le.readUInt16LE(4), 4);
  out.writeUInt16BE(le.readUInt16LE(6), 6);
  for (const o of [8, 12, 16, 20]) out.writeUInt32BE(le.readUInt32LE(o), o);
  let p = 24;
  while (p + 16 <= le.length) {
    for (let k = 0; k < 16; k += 4) out.writeUInt32BE(le.readUInt32LE(p + k), p + k);
    p += 16 + le.readUInt32LE(p + 8);
  }
  return out;
}

describe('classic pcap variants', () => {
  it('big-endian µs (tcpdump__pptp.pcap): tshark frames 1-4', async () => {
    // tshark -T fields -e frame.time_epoch -e frame.cap_len -e frame.len:
    // 954147395.148077000 62 62 / 954147395.148207000 62 62 / 954147395.148313000 62 62 / 954147395.148666000 60 60
    const { recs, file } = await records([CORPUS + 'tcpdump__pptp.pcap']);
    expect(file.byteOrder).toBe('big');
    expect(file.precision).toBe('us');
    expect(recs.slice(0, 4).map((r) => [r.ts, r.caplen, r.len])).toEqual([
      ['954147395.148077000', 62, 62],
      ['954147395.148207000', 62, 62],
      ['954147395.148313000', 62, 62],
      ['954147395.148666000', 60, 60],
    ]);
    expect(recs[0]!.at).toBe(24);
    expect(recs[1]!.at).toBe(24 + 16 + 62);
  });

  it('the same capture in both byte orders reads the same (µs and ns)', async () => {
    for (const name of ['zeek__http-methods.pcap', 'tcpdump__tcp-handshake-nano.pcap']) {
      const le = readFileSync(CORPUS + name);
      expect(le.readUInt32LE(0) >>> 0).toBeOneOf([0xa1b2c3d4, 0xa1b23c4d]);
      const be = tmpFile('be.pcap', toBigEndian(le));
      const a = await digest([CORPUS + name]);
      const b = await digest([be]);
      expect(b).toEqual(a);
      expect((await records([be])).file.byteOrder).toBe('big');
    }
  });

  it('nanosecond pcap keeps every digit (tcpdump__tcp-handshake-nano.pcap)', async () => {
    // tshark: 1418145369.924505488 76 76 / 1418145370.052027262 76 76 / 1418145370.052115157 68 68
    const { recs, file } = await records([CORPUS + 'tcpdump__tcp-handshake-nano.pcap']);
    expect(file.precision).toBe('ns');
    expect(file.linktypes).toEqual([113]);
    expect(recs.map((r) => [r.ts, r.caplen, r.len])).toEqual([
      ['1418145369.924505488', 76, 76],
      ['1418145370.052027262', 76, 76],
      ['1418145370.052115157', 68, 68],
    ]);
  });

  it('Kuznetzov modified pcap: 24-byte record headers (pcap-parser__modified-format.pcap)', async () => {
    // tshark: 1 frame, 1712763541.734807000, cap_len 98, len 98, eth.src 00:00:00:00:00:00
    const { recs, bytes, file } = await records([CORPUS + 'pcap-parser__modified-format.pcap']);
    expect(file.modified).toBe(true);
    expect(recs).toHaveLength(1);
    expect([recs[0]!.ts, recs[0]!.caplen, recs[0]!.len]).toEqual(['1712763541.734807000', 98, 98]);
    // The Ethernet frame starts after the 24-byte file header and the 24-byte record header:
    // EtherType 0x0800 at frame offset 12, IPv4 version/IHL 0x45 at 14.
    expect(recs[0]!.at).toBe(24);
    expect(bytes[0]!.readUInt16BE(12)).toBe(0x0800);
    expect(bytes[0]![14]).toBe(0x45);
  });
});

describe('pcapng', () => {
  it('three sections with interface ids restarting per section (pcapng-test__le_test202.pcapng)', async () => {
    // tshark -T fields -e frame.interface_id -e frame.cap_len -e frame.len -e frame.time_epoch
    // (packet records only; SPB rows have no time):
    const tshark = [
      [0, 96, 314, '1340954905.298858000'],
      [0, 96, 342, '1340954905.298858000'],
      [1, 168, 168, '1340954905.301858000'],
      [0, 128, 314, null],
      [0, 128, 342, '1340954905.298858000'],
      [0, 128, 314, null],
      [0, 128, 342, '1340954905.298858000'],
      [1, 168, 168, '1340954905.301858000'],
    ];
    const { recs, file } = await records([CORPUS + 'pcapng-test__le_test202.pcapng']);
    expect(file.sections).toBe(3);
    expect(recs.map((r) => [r.ifid, r.caplen, r.len, r.untimed ? null : r.ts])).toEqual(tshark);
    // encap_type 1 = Ethernet, 15 = NULL in tshark's numbering: link types 1 and 0.
    expect(recs.map((r) => r.lt)).toEqual([1, 1, 0, 1, 1, 1, 1, 0]);
    expect(file.interfaces.map((i) => [i.section, i.id, i.linktype, i.snaplen])).toEqual([
      [0, 0, 1, 96],
      [0, 1, 0, 0],
      [1, 0, 1, 128],
      [2, 0, 1, 96],
      [2, 1, 0, 0],
    ]);
  });

  it('a big-endian section (pcapng-test__be_test100.pcapng) with EPB, SPB and NRB', async () => {
    // tshark: 0 314 314 (no time) / 0 342 342 1340954905.298858 / 0 314 314 (no time) / 0 342 342 1340954905.300858 / 1 168 168 1340954905.301858
    const { recs, file } = await records([CORPUS + 'pcapng-test__be_test100.pcapng']);
    expect(file.byteOrder).toBe('big');
    expect(recs.map((r) => [r.ifid, r.caplen, r.len, r.untimed ? null : r.ts])).toEqual([
      [0, 314, 314, null],
      [0, 342, 342, '1340954905.298858000'],
      [0, 314, 314, null],
      [0, 342, 342, '1340954905.300858000'],
      [1, 168, 168, '1340954905.301858000'],
    ]);
    expect(file.untimed).toBe(2);
  });

  it('interfaces with µs and ns resolution in one file (zeek__pcapng-multi-interface.pcapng)', async () => {
    // tshark: 0 96 1767663089.500330493 / 0 214 1767663089.514291940 / 1 70 1767663437.111897000 /
    //         1 166 1767663437.126460000 / 1 70 1767663437.128303000 / 1 182 1767663437.140942000
    const { recs, file } = await records([CORPUS + 'zeek__pcapng-multi-interface.pcapng']);
    expect(recs.map((r) => [r.ifid, r.caplen, r.ts])).toEqual([
      [0, 96, '1767663089.500330493'],
      [0, 214, '1767663089.514291940'],
      [1, 70, '1767663437.111897000'],
      [1, 166, '1767663437.126460000'],
      [1, 70, '1767663437.128303000'],
      [1, 182, '1767663437.140942000'],
    ]);
    expect(file.interfaces.map((i) => i.tsUnitsPerSecond)).toEqual([1e9, 1e6]);
  });

  it('power-of-2 if_tsresol, if_tsoffset, 64-bit ns timestamps, PB/SPB, skipped blocks (built from the spec)', async () => {
    // tshark 4.0.17 on sampleNg() (frame.interface_id, time_epoch, cap_len, len, encap_type):
    //   0 1700000000.741745948 100 1500 1 / 1 1123456789.012345678 44 44 15 / 0 (none) 64 80 1 /
    //   2 1700000001.000001000 60 60 1 / 0 1700000002.500000000 20 20 7 — capinfos: 5 packets.
    const { recs, bytes, file } = await records([tmpFile('sample.pcapng', sampleNg())]);
    expect(file.error).toBeUndefined();
    expect(file.sections).toBe(2);
    expect(recs.map((r) => [r.ifid, r.lt, r.untimed ? null : r.ts, r.caplen, r.len])).toEqual([
      [0, 1, '1700000000.741745948', 100, 1500],
      [1, 0, '1123456789.012345678', 44, 44],
      [0, 1, null, 64, 80],
      [2, 1, '1700000001.000001000', 60, 60],
      [0, 101, '1700000002.500000000', 20, 20],
    ]);
    // Independent check of the conversions with BigInt arithmetic.
    const frac = (SAMPLE.ts0 % (1n << 20n)) * 1_000_000_000n / (1n << 20n);
    expect(recs[0]!.ts).toBe(`${SAMPLE.ts0 >> 20n}.${String(frac).padStart(9, '0')}`);
    expect(recs[1]!.ts).toBe(`${SAMPLE.ts1 / 1_000_000_000n + SAMPLE.offset1}.${String(SAMPLE.ts1 % 1_000_000_000n).padStart(9, '0')}`);
    expect(bytes.map((b) => b.equals(payload(b.length, [1, 2, 3, 4, 5][bytes.indexOf(b)]!)))).toEqual([true, true, true, true, true]);
    expect(file.truncated).toBe(2);
    expect(file.interfaces.map((i) => [i.name ?? null, i.tsUnitsPerSecond, i.tsOffset, i.packets])).toEqual([
      ['pow2', 2 ** 20, 0, 2],
      ['ns+offset', 1e9, 1e9, 1],
      ['default', 1e6, 0, 1],
      [null, 1e6, 0, 1],
    ]);
  });

  it('rare if_tsresol values convert exactly (2^-30, 10^-12, 10^0, 10^-3) — checked with BigInt', async () => {
    const cases: [number, bigint, bigint][] = [
      // [if_tsresol byte, units per second, raw 64-bit timestamp]
      [0x80 | 30, 1n << 30n, (1_700_000_000n << 30n) + 123_456_789n],
      [12, 10n ** 12n, 1_700_000_000_123_456_789_012n % (1n << 64n)],
      [0, 1n, 1_700_000_000n],
      [3, 1000n, 1_700_000_000_999n],
    ];
    const b = new NgBuilder().shb(true);
    for (const [res] of cases) b.idb(1, 0, { tsresol: res });
    cases.forEach(([, , ts], i) => b.epb(i, ts, payload(14, i)));
    const { recs, file } = await records([tmpFile('resol.pcapng', b.build())]);
    expect(file.error).toBeUndefined();
    expect(recs.map((r) => r.ts)).toEqual(
      cases.map(([, units, ts]) => `${ts / units}.${String(((ts % units) * 1_000_000_000n) / units).padStart(9, '0')}`),
    );
  });

  it('corrupt blocks stop reading with the byte offset; what came before is kept', async () => {
    const good = () => new NgBuilder().shb(true).idb(1, 0).epb(0, 1_700_000_000_000_000n, payload(40, 1));
    const base = good().build().length; // offset of the faulty block
    const cases: [string, Buffer, string, number, RegExp][] = [
      ['length not a multiple of 4', good().block(6, Buffer.alloc(32), 46).build(), 'E_PCAPNG_BAD_BLOCK', base + 4, /length 46 is not a multiple of 4/],
      ['length below the minimum', good().block(6, Buffer.alloc(0), 8).build(), 'E_PCAPNG_BAD_BLOCK', base + 4, /length 8 is less than the minimum 32/],
      ['trailing length differs', good().block(0x99, Buffer.alloc(8), undefined, 24).build(), 'E_PCAPNG_BAD_BLOCK', base + 16, /trailing length 24 does not match its leading length 20/],
      ['unknown interface', good().epb(3, 1n, payload(8, 0)).build(), 'E_PCAPNG_BAD_INTERFACE', base + 8, /interface 3 but section 0 has 1 interface/],
      ['caplen beyond the block', good().epb(0, 1n, payload(8, 0), 8, 4000).build(), 'E_PCAPNG_BAD_BLOCK', base + 20, /caplen 4000 exceeds the block's data area of 8 bytes/],
      ['huge block length', good().raw(Buffer.from([6, 0, 0, 0, 0xf0, 0xff, 0xff, 0xff])).build(), 'E_PCAPNG_BAD_BLOCK', base + 4, /over the maximum/],
      ['IDB option runs past the block', good().block(1, Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0x30, 0x30])).build(), 'E_PCAPNG_BAD_OPTION', base, /option 9 .* has length 12336/],
      ['bad byte-order magic', good().raw(Buffer.from([10, 13, 13, 10, 28, 0, 0, 0, 1, 2, 3, 4])).build(), 'E_PCAPNG_BAD_BOM', base + 8, /byte-order magic is 0x04030201/],
    ];
    for (const [what, data, code, at, re] of cases) {
      const { recs, file } = await records([tmpFile('bad.pcapng', data)]);
      expect({ what, packets: recs.length, code: file.error?.code, at: file.error?.byteOffset }).toEqual({ what, packets: 1, code, at });
      expect(file.error!.message).toMatch(re);
    }
  });
});

describe('classic pcap corruption', () => {
  const original = readFileSync(CORPUS + 'zeek__ftp-bruteforce.pcap');
  // Offsets of the records (walked by hand: 24-byte header, then 16-byte headers + caplen).
  const starts: number[] = [];
  for (let p = 24; p + 16 <= original.length; p += 16 + original.readUInt32LE(p + 8)) starts.push(p);

  it('a caplen beyond any snaplen is a corrupt record error at its byte offset (never allocated)', async () => {
    const bad = Buffer.from(original);
    const k = 100;
    bad.writeUInt32LE(0xfffffff0, starts[k]! + 8);
    const { recs, file } = await records([tmpFile('bad.pcap', bad)]);
    expect(recs).toHaveLength(k);
    expect(file.error!.code).toBe('E_PCAP_CORRUPT_RECORD');
    expect(file.error!.byteOffset).toBe(starts[k]);
    expect(file.error!.message).toMatch(/record 100: caplen 4294967280 exceeds the maximum 262144 \(snaplen 65535\)/);
  });

  it('resync skips the corrupt record and continues at the next plausible header', async () => {
    const bad = Buffer.from(original);
    const k = 100;
    bad.writeUInt32LE(0xfffffff0, starts[k]! + 8);
    const full = await records([CORPUS + 'zeek__ftp-bruteforce.pcap']);
    const { recs, file } = await records([tmpFile('bad.pcap', bad)], { resync: true });
    expect(file.error).toBeUndefined();
    expect(recs).toHaveLength(606 - 1);
    expect(recs.slice(k).map((r) => [r.at, r.ts, r.caplen])).toEqual(full.recs.slice(k + 1).map((r) => [r.at, r.ts, r.caplen]));
    expect(file.warnings.join('\n')).toMatch(new RegExp(`byte ${starts[k]}: .*skipped ${starts[k + 1]! - starts[k]!} bytes .* at byte ${starts[k + 1]}`));
  });

  it('resync with nothing plausible left reports an error naming the fault', async () => {
    const bad = Buffer.from(original.subarray(0, starts[3]! + 16));
    bad.writeUInt32LE(0xfffffff0, starts[3]! + 8);
    const { recs, file } = await records([tmpFile('bad.pcap', bad)], { resync: true });
    expect(recs).toHaveLength(3);
    expect(file.error!.code).toBe('E_PCAP_CORRUPT_RECORD');
    expect(file.error!.byteOffset).toBe(starts[3]);
  });

  it('a file cut inside its last record is a warning, an error with strict', async () => {
    const cut = tmpFile('cut.pcap', original.subarray(0, starts[10]! + 16 + 5));
    const lax = await records([cut]);
    expect(lax.recs).toHaveLength(10);
    expect(lax.file.error).toBeUndefined();
    expect(lax.file.warnings).toHaveLength(1);
    expect(lax.file.truncatedTail!.message).toContain(`byte ${starts[10]}: truncated dump file; tried to read ${original.readUInt32LE(starts[10]! + 8)} captured bytes of record 10, only got 5`);
    const strict = await records([cut], { strict: true });
    expect(strict.recs).toHaveLength(10);
    expect(strict.file.error!.code).toBe('E_PCAP_TRUNCATED');
    const hdrCut = await records([tmpFile('cut.pcap', original.subarray(0, starts[10]! + 2))]);
    expect(hdrCut.file.truncatedTail!.message).toMatch(/tried to read 16 header bytes, only got 2$/);
  });

  it('not a capture: the magic found and expected are named', async () => {
    const { file } = await records([tmpFile('x.txt', Buffer.from('hello, world\n'))]);
    expect(file.error!.code).toBe('E_PCAP_BAD_MAGIC');
    expect(file.error!.message).toMatch(/byte 0: not a capture file: found magic 0x68656c6c, expected pcap a1b2c3d4/);
    const missing = await records([join(tmp, 'does-not-exist.pcap')]);
    expect(missing.file.error!.code).toBe('E_INPUT_OPEN');
    expect(missing.file.error!.message).toMatch(/no such file or directory/);
  });
});

describe('inputs', () => {
  it('records split across small read windows are identical to one big window', async () => {
    for (const name of ['zeek__ftp-cwd-navigation.pcap', 'pcap-parser__wireshark_samples-test.pcapng']) {
      const a = await digest([CORPUS + name]);
      const b = await digest([CORPUS + name], { chunkSize: 1000 });
      const c = await digest([CORPUS + name], { chunkSize: 7 });
      expect(b).toEqual(a);
      expect(c).toEqual(a);
    }
  });

  it('every corpus file reads the same through 100-byte windows (read-ahead, carried tails, growth)', async () => {
    for (const r of reference().filter((x) => x.readStatus === 'ok')) {
      const a = await digest([r.path]);
      expect({ file: r.file, ...(await digest([r.path], { chunkSize: 100 })) }).toEqual({ file: r.file, ...a });
    }
  });

  it('gzip is detected by its magic, whatever the name; a cut gzip is a truncation warning', async () => {
    for (const name of ['zeek__http-methods.pcap', 'pcap-parser__wireshark_samples-test.pcapng']) {
      const plain = readFileSync(CORPUS + name);
      const gz = tmpFile('no-extension', gzipSync(plain));
      const a = await digest([CORPUS + name]);
      expect(await digest([gz])).toEqual(a);
      const { file } = await records([gz]);
      expect(file.gzip).toBe(true);
      expect(file.bytesRead).toBe(plain.length);
    }
    const gzAll = gzipSync(readFileSync(CORPUS + 'zeek__http-methods.pcap'));
    const cut = await records([tmpFile('cut.pcap.gz', gzAll.subarray(0, gzAll.length >> 1))]);
    expect(cut.recs.length).toBeGreaterThan(10);
    expect(cut.recs.length).toBeLessThan(655);
    expect(cut.file.error).toBeUndefined();
    expect(cut.file.truncatedTail).toBeDefined();
    const corrupt = Buffer.from(gzAll);
    for (let i = 2000; i < 2100; i++) corrupt[i] = 0xff;
    const bad = await records([tmpFile('bad.gz', corrupt)]);
    expect(bad.file.error!.code).toBe('E_GZIP_CORRUPT');
  });

  it('a directory reads every capture in it ordered by first packet time; several inputs in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowsift-dir-'));
    // First packet times (REFERENCE.tsv): ssh 1324071333.493287, pptp 954147395.148077,
    // vlan-pcp-dei 1763070394.994237 — alphabetical order differs on purpose.
    copyFileSync(CORPUS + 'zeek__ssh.pcap', join(dir, 'a.pcap'));
    copyFileSync(CORPUS + 'tcpdump__pptp.pcap', join(dir, 'b.cap'));
    writeFileSync(join(dir, 'c'), gzipSync(readFileSync(CORPUS + 'zeek__vlan-pcp-dei.pcapng')));
    writeFileSync(join(dir, 'README.txt'), 'not a capture\n');
    const seen: string[] = [];
    const indexes = new Map<string, number>();
    const report = await readCaptures([dir, CORPUS + 'zeek__dns53.pcap'], (r) => {
      if (seen[seen.length - 1] !== r.file) seen.push(r.file);
      expect(r.packetIndex).toBe(indexes.get(r.file) ?? 0);
      indexes.set(r.file, r.packetIndex + 1);
    });
    expect(seen).toEqual([join(dir, 'b.cap'), join(dir, 'a.pcap'), join(dir, 'c'), CORPUS + 'zeek__dns53.pcap']);
    expect(report.files.map((f) => f.packets)).toEqual([23, 1797, 9, 1]);
    expect(report.packets).toBe(23 + 1797 + 9 + 1);
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([`${join(dir, 'README.txt')}: skipped (not a capture file)`]);
  });

  it('an aborted signal stops reading at the next window', async () => {
    const ac = new AbortController();
    let n = 0;
    const report = await readCaptures([CORPUS + 'zeek__ftp-cwd-navigation.pcap'], () => {
      if (++n === 10) ac.abort();
    }, { signal: ac.signal, chunkSize: 4096 });
    expect(report.aborted).toBe(true);
    expect(n).toBeLessThan(100);
    expect(report.files[0]!.error).toBeUndefined();
  });
});
