/**
 * Every capture of the shared corpus against REFERENCE.tsv (facts from tshark/capinfos 4.0.17):
 * packet count, earliest/latest timestamp (capinfos -a/-e), format variant, link types, snaplen.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptures } from '../../src/capture/index.ts';
import { NgBuilder } from './build.ts';
import { parseEpoch, reference } from './corpus.ts';

const rows = reference();
const readable = rows.filter((r) => r.readStatus === 'ok');
const unreadable = rows.filter((r) => r.fileFormat === 'unreadable');

/**
 * Wireshark encapsulation names (REFERENCE.tsv) → LINKTYPE_* values, per MANIFEST.md. Wireshark's
 * 'ppp' covers both LINKTYPE_PPP (9) and LINKTYPE_PPP_HDLC (50; tcpdump__ppp_ip_udp_dns.pcap).
 */
const ENCAP: Record<string, number[]> = {
  ether: [1],
  rawip: [101],
  rawip4: [228],
  rawip6: [229],
  null: [0],
  'linux-sll': [113],
  'linux-sll2': [276],
  ppp: [9, 50],
};

describe('corpus vs tshark REFERENCE.tsv', () => {
  it('covers the whole table', () => {
    expect(rows.length).toBe(66);
    expect(readable.length + unreadable.length).toBe(rows.length);
    expect(unreadable.length).toBe(4);
  });

  it.each(readable.map((r) => [r.file, r] as const))('%s', async (_name, r) => {
    const bytes = readFileSync(r.path);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(r.sha256);
    let count = 0;
    const report = await readCaptures([r.path], () => {
      count++;
    });
    const f = report.files[0]!;
    expect(f.error).toBeUndefined();
    expect(f.truncatedTail).toBeUndefined();
    expect(f.packets).toBe(r.packets);
    expect(count).toBe(r.packets);
    expect(f.bytesRead).toBe(r.bytes);

    // Format variant.
    const fmt = { pcap: ['pcap', 'us'], nsecpcap: ['pcap', 'ns'], modpcap: ['pcap', 'us'], pcapng: ['pcapng', undefined] }[r.fileFormat];
    expect(fmt, r.fileFormat).toBeDefined();
    expect(f.format).toBe(fmt![0]);
    expect(f.precision).toBe(fmt![1]);
    expect(f.modified === true).toBe(r.fileFormat === 'modpcap');

    // Link types: one named encapsulation, 'per-packet' (several), 'unknown' (no interface at all).
    if (r.encapsulation === 'per-packet') expect(new Set(f.linktypes).size).toBeGreaterThan(1);
    else if (r.encapsulation === 'unknown') expect(f.linktypes).toEqual([]);
    else {
      expect(f.linktypes.length).toBe(1);
      expect(ENCAP[r.encapsulation]).toContain(f.linktypes[0]);
    }
    if (r.snaplen !== '(not set)') expect(f.snaplen).toBe(Number(r.snaplen));

    // Timestamps: capinfos' earliest and latest packet time, compared exactly (ns when tshark
    // prints 9 digits, µs when it prints 6). capinfos prints n/a when there is no packet or when
    // any packet lacks a timestamp: MANIFEST.md, "SPB-only files have none" — the pcapng-test
    // generator's files with Simple Packet Blocks (test010, test100, test102, test202).
    if (r.firstTs === 'n/a') {
      expect(r.lastTs).toBe('n/a');
      if (r.packets > 0) expect(f.untimed).toBeGreaterThan(0);
      else expect(f.minTsExact).toBeNull();
    } else {
      expect(f.untimed).toBe(0);
      const [s0, n0] = parseEpoch(r.firstTs);
      const [s1, n1] = parseEpoch(r.lastTs);
      const digits = r.firstTs.split('.')[1]!.length;
      const unit = 10 ** (9 - digits);
      expect(f.minTsExact![0]).toBe(s0);
      expect(Math.floor(f.minTsExact![1] / unit) * unit).toBe(n0);
      expect(f.maxTsExact![0]).toBe(s1);
      expect(Math.floor(f.maxTsExact![1] / unit) * unit).toBe(n1);
      // Float seconds agree to the µs.
      expect(Math.abs(f.minTs! - Number(r.firstTs))).toBeLessThan(1e-6);
      expect(Math.abs(f.maxTs! - Number(r.lastTs))).toBeLessThan(1e-6);
    }
  });

  it('strict time order agrees with capinfos -o', async () => {
    // `capinfos -o` (4.0.17) over the corpus prints "Strict time order: False" for exactly these
    // files ("Unknown" for files with untimed Simple Packet Blocks, "True" for the rest).
    const unordered = ['zeek__ipv6-http-atomic-frag.pcap', 'zeek__vnc-scanner.pcap', 'pcapng-test__le_test202.pcapng'];
    const report = await readCaptures(readable.map((r) => r.path), () => {});
    for (const [i, f] of report.files.entries()) {
      const name = readable[i]!.file;
      if (unordered.includes(name)) expect({ name, outOfOrder: f.outOfOrder > 0 }).toEqual({ name, outOfOrder: true });
      else if (f.untimed === 0) expect({ name, outOfOrder: f.outOfOrder }).toEqual({ name, outOfOrder: 0 });
    }
  });

  it('FCS length from the pcap link-type field and pcapng if_fcslen', async () => {
    // pcap: link-type field bit 26 = FCS present, bits 28-31 = FCS length in 16-bit words.
    const pcap = Buffer.from(readFileSync(rows.find((r) => r.file === 'zeek__dns53.pcap')!.path));
    pcap.writeUInt32LE(((2 << 28) | 0x04000000 | 1) >>> 0, 20);
    const dir = mkdtempSync(join(tmpdir(), 'flowsift-fcs-'));
    writeFileSync(join(dir, 'fcs.pcap'), pcap);
    const ng = new NgBuilder().shb(true);
    ng.block(1, Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]), ng.option(13, Buffer.from([4])), Buffer.alloc(4)]));
    writeFileSync(join(dir, 'fcs.pcapng'), ng.build());
    const report = await readCaptures([join(dir, 'fcs.pcap'), join(dir, 'fcs.pcapng')], () => {});
    expect(report.errors).toEqual([]);
    expect(report.files.map((f) => [f.linktypes, f.interfaces[0]!.fcsLen])).toEqual([
      [[1], 4],
      [[1], 4],
    ]);
  });

  it.each(unreadable.map((r) => [r.file, r] as const))('%s (unreadable for tshark) is an error with a byte offset', async (_name, r) => {
    const report = await readCaptures([r.path], () => {});
    const f = report.files[0]!;
    expect(f.packets).toBe(0);
    expect(f.error).toBeDefined();
    expect(f.error!.byteOffset).toBeTypeOf('number');
    expect(f.error!.message).toContain(r.path);
    expect(report.errors).toEqual([f.error]);
  });

  it('names the fault tshark names for the deliberately corrupt files', async () => {
    // tshark_read_status of REFERENCE.tsv: "pcap: network type reserved field not zero (0x00300000)",
    // "pcap: major version 1 unsupported", "pcapng: unknown SHB version 0.1".
    const expectations: Record<string, [string, number, RegExp]> = {
      'libpcap__linktype-reserved-field-not-zero.pcap': ['E_PCAP_BAD_LINKTYPE', 20, /reserved bits set \(0x00300000/],
      'libpcap__pcap-invalid-version-1.pcap': ['E_PCAP_BAD_VERSION', 4, /version 1\.4/],
      'libpcap__pcapng-invalid-vers-1.pcapng': ['E_PCAPNG_BAD_VERSION', 12, /version 0\.1/],
    };
    for (const [file, [code, at, re]] of Object.entries(expectations)) {
      const r = rows.find((x) => x.file === file)!;
      expect(r.readStatus).toMatch(/record data that TShark doesn't support/);
      const f = (await readCaptures([r.path], () => {})).files[0]!;
      expect(f.error!.code).toBe(code);
      expect(f.error!.byteOffset).toBe(at);
      expect(f.error!.message).toMatch(re);
    }
  });
});
