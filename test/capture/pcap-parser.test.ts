/**
 * pcap-parser (an independent, event-based JS pcap reader; devDependency) as a reference: on every
 * microsecond classic pcap of the corpus, our records must equal its records — timestamp, lengths
 * and bytes — one by one.
 */
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { readCaptures } from '../../src/capture/index.ts';
import { reference } from './corpus.ts';

interface PpPacket {
  header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number };
  data: Buffer;
}
const require = createRequire(import.meta.url);
const pcapParser = require('pcap-parser') as { parse(input: string): EventEmitter };

function parseWithPcapParser(path: string): Promise<{ packets: PpPacket[]; error: Error | null }> {
  return new Promise((resolve) => {
    const packets: PpPacket[] = [];
    let error: Error | null = null;
    const p = pcapParser.parse(path);
    p.on('packet', (pkt: PpPacket) => packets.push(pkt));
    p.on('error', (e: Error) => {
      error = e;
    });
    p.on('end', () => resolve({ packets, error }));
  });
}

// Microsecond classic pcap (magic a1b2c3d4, either byte order) is all pcap-parser reads.
const usPcaps = reference().filter((r) => r.fileFormat === 'pcap' && r.readStatus === 'ok');

describe('records equal pcap-parser’s', () => {
  it('has the µs pcaps to compare', () => {
    expect(usPcaps.length).toBeGreaterThan(40);
  });

  it.each(usPcaps.map((r) => [r.file, r.path] as const))('%s', async (_name, path) => {
    const ref = await parseWithPcapParser(path);
    expect(ref.error).toBeNull();
    let i = 0;
    let mismatches = 0;
    const report = await readCaptures([path], (rec) => {
      const q = ref.packets[i++];
      if (
        !q ||
        rec.tsSec !== q.header.timestampSeconds ||
        rec.tsNsec !== q.header.timestampMicroseconds * 1000 ||
        rec.caplen !== q.header.capturedLength ||
        rec.origLen !== q.header.originalLength ||
        Buffer.compare(rec.buf.subarray(rec.offset, rec.offset + rec.caplen), q.data) !== 0
      ) {
        mismatches++;
      }
    });
    expect(mismatches).toBe(0);
    expect(i).toBe(ref.packets.length);
    expect(report.files[0]!.packets).toBe(ref.packets.length);
  });

  it('pcap-parser is not enough for production: no ns pcap, no pcapng, silent on truncation', async () => {
    const corpus = reference();
    const ns = corpus.find((r) => r.fileFormat === 'nsecpcap')!;
    const ng = corpus.find((r) => r.fileFormat === 'pcapng' && r.packets > 0)!;
    expect((await parseWithPcapParser(ns.path)).error?.message).toMatch(/unknown magic number/);
    expect((await parseWithPcapParser(ng.path)).error?.message).toMatch(/unknown magic number/);
    // A file cut inside its last record: pcap-parser ends without any error; we warn.
    const full = corpus.find((r) => r.file === 'zeek__ftp-bruteforce.pcap')!;
    const dir = mkdtempSync(join(tmpdir(), 'flowsift-pp-'));
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, readFileSync(full.path).subarray(0, full.bytes - 7));
    const pp = await parseWithPcapParser(cut);
    expect(pp.error).toBeNull();
    expect(pp.packets.length).toBe(full.packets - 1);
    const ours = (await readCaptures([cut], () => {})).files[0]!;
    expect(ours.packets).toBe(full.packets - 1);
    expect(ours.truncatedTail?.code).toBe('E_PCAP_TRUNCATED');
  });
});
