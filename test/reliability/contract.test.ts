/**
 * The bad-input contract end to end: an output that would be empty says why and exits 3 (leaving no
 * file), a corrupt record header stops the read with file + byte offset (exit 3, flows before it
 * still written), and --resync skips the corrupt bytes, reports the skipped range and continues.
 */
import { existsSync, readdirSync, readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCaptures } from '../../src/capture/index.ts';
import { runCli } from '../../src/cli/main.ts';
import { caseFile } from './harness.ts';
import { writeSynFlood } from './build.ts';
import { put32, walkCapture } from './layout.ts';

const corpus = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../../shared/corpus/pcap/${name}`, import.meta.url)));

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await runCli(argv, { stdout, stderr });
  return { code, out, err };
}

describe('empty output is explained, exit 3', () => {
  it('a capture whose link type is unsupported (105, 802.11) writes nothing and says so', async () => {
    // zeek__http-methods.pcap (655 Ethernet packets per tshark) relabelled as LINKTYPE_IEEE802_11.
    const b = corpus('zeek__http-methods.pcap');
    put32(b, 20, 105, true);
    const dir = mkdtempSync(join(tmpdir(), 'flowsift-rel-empty-'));
    const out = join(dir, 'flows.csv');
    const r = await cli(['flows', caseFile(b), '-o', out]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/nothing written/);
    expect(r.err).toMatch(/655/);
    // Names the link type, as the issue asks ("all packets skipped: link type 105 unsupported").
    expect(r.err).toMatch(/link type 105 \(IEEE802_11\) unsupported/);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a capture with no packets writes nothing and says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowsift-rel-empty-'));
    const out = join(dir, 'flows.csv');
    const r = await cli(['flows', fileURL('tcpdump__empty.pcap'), '-o', out]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/nothing written.*no packets/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

function fileURL(name: string): string {
  return new URL(`../../../shared/corpus/pcap/${name}`, import.meta.url).pathname;
}

describe('corrupt classic-pcap record header', () => {
  const NAME = 'zeek__http-methods.pcap';
  const b = corpus(NAME);
  const L = walkCapture(b);
  const K = 300;
  const bad = L.records[K]!;
  // Record 300's caplen set to 0xffffffff (never allocated: over 256 MiB and the 65535 snaplen).
  const corrupt = b.slice();
  put32(corrupt, bad.caplenField, 0xffffffff, true);

  it('without --resync: stops at the record with file + byte offset, keeps the 300 packets before it, exit 3', async () => {
    const path = caseFile(corrupt);
    let n = 0;
    const r = await readCaptures([path], () => void n++);
    expect(n).toBe(K);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.byteOffset).toBe(bad.hdr);
    expect(r.errors[0]!.message).toContain(path);
    expect(r.errors[0]!.message).toMatch(/4294967295/);

    const dir = mkdtempSync(join(tmpdir(), 'flowsift-rel-corrupt-'));
    const out = join(dir, 'flows.csv');
    const c = await cli(['flows', path, '-o', out]);
    expect(c.code).toBe(3);
    expect(c.err).toContain(`byte ${bad.hdr}`);
    // Everything read before the fault is written.
    expect(readFileSync(out, 'utf8').trim().split('\n').length).toBeGreaterThan(10);
  });

  it('with resync: reports the skipped byte range and reads every other record', async () => {
    const path = caseFile(corrupt);
    let n = 0;
    const r = await readCaptures([path], () => void n++, { resync: true });
    expect(r.errors).toEqual([]);
    // Only the corrupt record is lost: the next header starts right after its real end.
    expect(n).toBe(L.records.length - 1);
    const w = r.warnings.join('\n');
    expect(w).toContain(`byte ${bad.hdr}`);
    expect(w).toContain(`skipped ${bad.end - bad.hdr} bytes`);
    expect(w).toContain(`byte ${bad.end}`);

    const c = await cli(['info', '--resync', path]);
    expect(c.code).toBe(0);
    expect(c.out + c.err).toContain(`skipped ${bad.end - bad.hdr} bytes`);
  });

  it('flows --resync: exit 0, the skipped range on stderr, the flows of every other record written', async () => {
    const path = caseFile(corrupt);
    const dir = mkdtempSync(join(tmpdir(), 'flowsift-rel-resync-'));
    const c = await cli(['flows', '--resync', path, '-o', join(dir, 'r.csv')]);
    expect(c.code, c.err).toBe(0);
    expect(c.err).toContain(`skipped ${bad.end - bad.hdr} bytes`);
    const clean = await cli(['flows', fileURL(NAME), '-o', join(dir, 'clean.csv')]);
    expect(clean.code).toBe(0);
    // One lost packet changes at most one flow: the row count is the clean file's.
    const rows = (f: string): number => readFileSync(join(dir, f), 'utf8').trim().split('\n').length - 1;
    expect(rows('r.csv')).toBe(rows('clean.csv'));
  });
});

describe('resource bounds on the command line', () => {
  it('--max-flows: evictions counted in the summary, every flow still written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowsift-rel-maxflows-'));
    const cap = join(dir, 'syn.pcap');
    writeSynFlood(cap, 2000);
    const c = await cli(['flows', cap, '--max-flows', '100', '-o', join(dir, 'f.csv')]);
    expect(c.code, c.err).toBe(0);
    expect(c.err).toContain('1,900 flows ended early because --max-flows (100 live flows) was reached');
    expect(readFileSync(join(dir, 'f.csv'), 'utf8').trim().split('\n').length - 1).toBe(2000);
    const bad = await cli(['flows', cap, '--max-flows', '0']);
    expect(bad.code).toBe(2);
  });
});
