/**
 * `flowsift info` end to end through runCli: --json against tshark's REFERENCE.tsv for the whole
 * corpus, exit 3 with a one-line byte-offset message for every deliberately corrupt file, stdin,
 * truncated tails (warning, or error with --strict), decode counts against tshark's filters.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { NgBuilder, payload } from '../capture/build.ts';
import { Collect, CORPUS, reference } from '../capture/corpus.ts';

async function info(args: string[], stdin?: Readable): Promise<{ code: number; out: string; err: string }> {
  const stdout = new Collect();
  const stderr = new Collect();
  const code = await runCli(['info', ...args], { stdout, stderr, ...(stdin ? { stdin } : {}) });
  return { code, out: stdout.text, err: stderr.text };
}

function jsonLines(out: string): Record<string, any>[] {
  return out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

const rows = reference();
const tmp = mkdtempSync(join(tmpdir(), 'flowsift-info-'));

describe('flowsift info', () => {
  it('--json: packet count and first/last time of every file tshark reads, one object per line', async () => {
    const ok = rows.filter((r) => r.readStatus === 'ok');
    const { code, out, err } = await info(['--json', ...ok.map((r) => r.path)]);
    expect(err).toBe('');
    expect(code).toBe(0);
    const objs = jsonLines(out);
    expect(objs.map((o) => o.file)).toEqual(ok.map((r) => r.path));
    for (const [i, r] of ok.entries()) {
      const o = objs[i]!;
      expect({ file: r.file, packets: o.packets }).toEqual({ file: r.file, packets: r.packets });
      expect(o.format).toBe(r.fileFormat === 'pcapng' ? 'pcapng' : 'pcap');
      expect(o.errors).toEqual([]);
      expect(Array.isArray(o.linktypes)).toBe(true);
      // 'n/a' in REFERENCE: no packets, or packets without timestamps (SPB, see MANIFEST.md).
      if (r.firstTs === 'n/a') {
        expect(o.packets === 0 || o.untimed > 0).toBe(true);
      } else {
        expect(Math.abs(o.first_ts - Number(r.firstTs))).toBeLessThan(1e-6);
        expect(Math.abs(o.last_ts - Number(r.lastTs))).toBeLessThan(1e-6);
        expect(o.first_ts_exact.slice(0, r.firstTs.length)).toBe(r.firstTs);
        expect(o.last_ts_exact.slice(0, r.lastTs.length)).toBe(r.lastTs);
      }
    }
  });

  it.each(rows.filter((r) => r.fileFormat === 'unreadable').map((r) => [r.file, r.path] as const))(
    'exit 3 and a one-line message with the byte offset for corrupt %s',
    async (_name, path) => {
      const { code, out, err } = await info([path]);
      expect(code).toBe(3);
      const lines = err.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^flowsift: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: byte \\d+: \\S`));
      expect(err).not.toMatch(/\n\s+at /); // no stack trace
      expect(out).toContain(path); // what was read is still reported
      const j = jsonLines((await info(['--json', path])).out)[0]!;
      expect(j.errors).toHaveLength(1);
      expect(j.errors[0].byte_offset).toBeTypeOf('number');
    },
  );

  it('reads stdin, plain or gzipped', async () => {
    const bytes = readFileSync(CORPUS + 'zeek__krb-kinit.pcap');
    for (const data of [bytes, gzipSync(bytes)]) {
      const { code, out } = await info(['--json', '-'], Readable.from([data]));
      expect(code).toBe(0);
      const [o] = jsonLines(out);
      // REFERENCE.tsv: 229 packets, 1421708030.829536 .. 1421708129.822853
      expect([o!.file, o!.packets, o!.first_ts_exact, o!.last_ts_exact]).toEqual(['-', 229, '1421708030.829536000', '1421708129.822853000']);
      expect(o!.gzip).toBe(data !== bytes);
    }
  });

  it('a file cut inside its last record: warning and exit 0; --strict makes it exit 3', async () => {
    const full = readFileSync(CORPUS + 'zeek__http-methods.pcap');
    const cut = join(tmp, 'cut.pcap');
    writeFileSync(cut, full.subarray(0, full.length - 10));
    const lax = await info(['--json', cut]);
    expect(lax.code).toBe(0);
    expect(lax.err).toMatch(/^flowsift: warning: .*cut\.pcap: byte \d+: truncated dump file; tried to read \d+ captured bytes of record 654, only got \d+\n$/);
    const o = jsonLines(lax.out)[0]!;
    expect(o.packets).toBe(654);
    expect(o.warnings).toHaveLength(1);
    const strict = await info(['--strict', cut]);
    expect(strict.code).toBe(3);
    expect(strict.err).toMatch(/^flowsift: .*cut\.pcap: byte \d+: truncated dump file/);
    expect(strict.out).toMatch(/Number of packets:\s+654/);
  });

  it('network-layer and undecodable counts agree with tshark display filters', async () => {
    // tshark -Y 'ip && !ipv6' | wc -l, -Y 'ipv6 && !ip', -Y '!ip && !ipv6':
    //   zeek__var-services-std-ports.pcap 253 / 6 / 4; zeek__ldap-modify-request.pcapng 0 / 17 / 0;
    //   zeek__pppoe-over-qinq.pcap 86 / 0 / 0.
    // zeek__trunc-hdr.pcap: 1 frame of 8 captured bytes (snaplen 1): tshark flags it malformed
    // (REFERENCE malformed_or_error_frames = 1); no IP header is present.
    const files = ['zeek__var-services-std-ports.pcap', 'zeek__ldap-modify-request.pcapng', 'zeek__pppoe-over-qinq.pcap', 'zeek__trunc-hdr.pcap'];
    const objs = jsonLines((await info(['--json', ...files.map((f) => CORPUS + f)])).out);
    expect(objs.map((o) => [o.decode.ipv4, o.decode.ipv6, o.decode.non_ip, o.undecodable, o.truncated])).toEqual([
      [253, 6, 4, 0, 0],
      [0, 17, 0, 0, 0],
      [86, 0, 0, 0, 0],
      [0, 0, 0, 1, 1],
    ]);
    // A link type flowsift does not decode (802.11, 105) counts as undecodable, not as an error.
    const wifi = join(tmp, 'wifi.pcapng');
    writeFileSync(wifi, new NgBuilder().shb(true).idb(105, 0).epb(0, 1n, payload(30, 0)).epb(0, 2n, payload(30, 1)).build());
    const w = await info(['--json', wifi]);
    expect(w.code).toBe(0);
    const o = jsonLines(w.out)[0]!;
    expect([o.undecodable, o.decode.unsupported_linktype, o.linktype_names]).toEqual([2, 2, ['IEEE802_11']]);
  });

  it('human output reads like capinfos', async () => {
    const { code, out } = await info([CORPUS + 'zeek__pcapng-multi-interface.pcapng', CORPUS + 'tcpdump__pptp.pcap']);
    expect(code).toBe(0);
    expect(out).toMatch(/File type:\s+pcapng \(little-endian\)/);
    expect(out).toMatch(/Number of interfaces:\s+2\n {2}#0: ETHERNET \(1\) "eth0", snaplen 262144, timestamps ns, 2 packets/);
    expect(out).toMatch(/First packet time:\s+2026-01-06T01:31:29\.500330493Z \(1767663089\.500330493\)/);
    expect(out).toMatch(/File type:\s+pcap \(microsecond, big-endian\)/);
    expect(out).toMatch(/Number of packets:\s+23\n/);
    expect(out).toMatch(/Snapshot length:\s+65535/);
  });

  it('a missing file is bad input (exit 3); no argument is a usage error (exit 2)', async () => {
    const missing = await info([join(tmp, 'nope.pcap')]);
    expect(missing.code).toBe(3);
    expect(missing.err).toMatch(/nope\.pcap: no such file or directory/);
    const none = await runCli(['info'], { stdout: new Collect(), stderr: new Collect() });
    expect(none).toBe(2);
    const bogus = await info(['--bogus', CORPUS + 'zeek__dns53.pcap']);
    expect(bogus.code).toBe(2);
    expect(bogus.err).toMatch(/unknown option '--bogus'/);
  });
});
