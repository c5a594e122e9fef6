/**
 * `flowsift flows` through runCli (in-process, stdout/stderr captured): formats, atomic -o, summary,
 * exit codes. Expected flow facts come from tshark on the same files (cited per test).
 */
import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { runCli } from '../../src/cli/main.ts';
import { FLOW_COLUMNS } from '../../src/features/schema.ts';

const CORPUS = new URL('../../../shared/corpus/pcap/', import.meta.url).pathname;
const SSH = CORPUS + 'zeek__ssh.pcap';

function sink(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({ write(c, _e, cb) { chunks.push(Buffer.from(c)); cb(); } });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function flows(args: string[], extra: { stdin?: PassThrough; signal?: AbortSignal } = {}): Promise<{ code: number; out: string; err: string }> {
  const o = sink();
  const e = sink();
  const code = await runCli(['flows', ...args], { stdout: o.stream, stderr: e.stream, ...extra });
  return { code, out: o.text(), err: e.text() };
}

describe('flowsift flows', () => {
  it('default: CSV with header to stdout, rows in start order; summary on stderr', async () => {
    const { code, out, err } = await flows([SSH]);
    expect(code).toBe(0);
    const rows = parse(out, { columns: true }) as Record<string, string>[];
    expect(out.split('\n')[0]).toBe(FLOW_COLUMNS.map((c) => c.name).join(','));
    // tshark -r zeek__ssh.pcap -q -z conv,tcp: 25 TCP conversations (REFERENCE.tsv), no UDP.
    expect(rows).toHaveLength(25);
    for (let i = 1; i < rows.length; i++) expect(Number(rows[i]!.ts)).toBeGreaterThanOrEqual(Number(rows[i - 1]!.ts));
    // tshark: first conversation 192.168.1.79:51880 → 131.159.21.1:22 (frame 1 is its SYN)
    expect(rows[0]).toMatchObject({ src_ip: '192.168.1.79', src_port: '51880', dst_ip: '131.159.21.1', dst_port: '22', protocol_type: 'tcp', service: 'ssh', count: '1', same_srv_rate: '1' });
    expect(err).toMatch(/^flowsift: read 1 file, 1,797 packets, 25 flows written to stdout \(csv\), \d+\.\d\d s\n$/);
  });

  it('--threads 2 writes the same rows as --threads 1 (and the default); --threads 2 on stdin and --threads 3 are usage errors', async () => {
    // zeek__http-methods: HTTP payloads through the content stage on both paths; zeek__ssh: encrypted.
    for (const f of [SSH, CORPUS + 'zeek__http-methods.pcap']) {
      const one = await flows([f, '--threads', '1']);
      const two = await flows([f, '--threads', '2']);
      const auto = await flows([f]);
      expect(one.code).toBe(0);
      expect(two.code).toBe(0);
      expect(two.out).toBe(one.out);
      expect(auto.out).toBe(one.out);
      expect(one.out.split('\n').length).toBeGreaterThan(10);
    }
    const stdin = new PassThrough();
    stdin.end(readFileSync(SSH));
    const piped = await flows(['-', '--threads', '2'], { stdin });
    expect(piped.code).toBe(2);
    expect(piped.err).toBe('flowsift: --threads 2 needs capture files: stdin is read on one thread\n');
    const bad = await flows([SSH, '--threads', '3']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--threads must be 1 or 2, got 3');
  }, 60_000);

  it('-o FILE.kdd: KDD format from the extension, written atomically (no temp left), 41 columns, no header', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowsift-cli-'));
    const out = join(dir, 'ssh.kdd');
    const r = await flows([SSH, '-o', out]);
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    expect(readdirSync(dir)).toEqual(['ssh.kdd']);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(25);
    for (const l of lines) expect(l.split(',')).toHaveLength(41);
    expect(lines[0]!.startsWith('6,tcp,ssh,SF,')).toBe(true); // tshark: conversation 1 lasts 6.159 s
    expect(r.err).toContain(`written to ${out} (kdd)`);
  });

  it('--format jsonl wins over the extension; one object per flow', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowsift-cli-'));
    const out = join(dir, 'x.csv');
    expect((await flows([SSH, '-o', out, '--format', 'jsonl'])).code).toBe(0);
    const objs = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objs).toHaveLength(25);
    expect(Object.keys(objs[0]!)).toEqual(FLOW_COLUMNS.map((c) => c.name));
    expect(typeof objs[0]!.duration).toBe('number');
  });

  it('reads stdin with -', async () => {
    const stdin = new PassThrough();
    stdin.end(readFileSync(CORPUS + 'curated-pcaps__single_syn.pcap'));
    const { code, out } = await flows(['-', '--format', 'kdd'], { stdin });
    expect(code).toBe(0);
    // tshark: one SYN 10.0.0.10:30692 → 10.0.0.80:80, no answer → S0, count 1, serror_rate 1.00
    expect(out).toBe('0,tcp,http,S0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1,1.00,1.00,0.00,0.00,1.00,0.00,0.00,1,1,1.00,0.00,1.00,0.00,1.00,1.00,0.00,0.00\n');
  });

  it('window options change the features', async () => {
    const a = parse((await flows([SSH, '--host-window', '1'])).out, { columns: true }) as Record<string, string>[];
    expect(a.every((r) => r.dst_host_count === '1')).toBe(true);
    const b = parse((await flows([SSH, '--time-window', '1000000000'])).out, { columns: true }) as Record<string, string>[];
    expect(Number(b[b.length - 1]!.srv_count)).toBeGreaterThan(10);
  });

  it('input fault: exit 3 after writing every flow read before it; the message names file and byte offset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowsift-cli-'));
    const bad = join(dir, 'cut.pcap');
    const buf = readFileSync(SSH);
    // Corrupt a record header in the middle: caplen 0xffffffff (records walked from byte 24).
    let off = 24;
    let n = 0;
    while (n < 900) {
      off += 16 + buf.readUInt32LE(off + 8);
      n++;
    }
    buf.writeUInt32LE(0xffffffff, off + 8);
    writeFileSync(bad, buf);
    const out = join(dir, 'cut.csv');
    const r = await flows([bad, '-o', out]);
    expect(r.code).toBe(3);
    expect(r.err).toContain(`${bad}: byte ${off}`);
    const rows = parse(readFileSync(out, 'utf8'), { columns: true }) as unknown[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(25);
    expect(readdirSync(dir).sort()).toEqual(['cut.csv', 'cut.pcap']);
  });

  it('empty output: says why on stderr, exit 3, no file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowsift-cli-'));
    const out = join(dir, 'e.csv');
    const r = await flows([CORPUS + 'tcpdump__empty.pcap', '-o', out]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/nothing written to .*e\.csv: the input holds no packets/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
    const missing = await flows([join(dir, 'nope.pcap')]);
    expect(missing.code).toBe(3);
    expect(missing.out).toBe('');
  });

  it('usage errors exit 2: unknown output extension, bad window values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowsift-cli-'));
    const r = await flows([SSH, '-o', join(dir, 'x.xlsx')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--format');
    expect((await flows([SSH, '--host-window', '0'])).code).toBe(2);
    expect((await flows([SSH, '--time-window', '-1'])).code).toBe(2);
    expect((await flows([SSH, '--format', 'xml'])).code).toBe(2);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('interrupted before reading (SIGINT): exit 130, nothing half-written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowsift-cli-'));
    copyFileSync(SSH, join(dir, 'a.pcap'));
    const ac = new AbortController();
    ac.abort();
    const r = await flows([join(dir, 'a.pcap'), '-o', join(dir, 'a.csv')], { signal: ac.signal });
    expect(r.code).toBe(130);
    expect(readdirSync(dir)).toEqual(['a.pcap']);
  });

  it('--progress always draws the bar on stderr (auto: only on a terminal, for large inputs); data stays on stdout', async () => {
    const r = await flows([SSH, '--format', 'kdd', '--progress', 'always']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/flows \[[\s\S]*\d+% \| [\d,]+ packets \| [\d,]+ flows/);
    expect(r.out.trim().split('\n')).toHaveLength(25);
    expect((await flows([SSH, '--format', 'kdd'])).err).not.toContain('flows [');
  });

  it('--help documents formats, windows and that content features are 0 until the payload stage', async () => {
    const { code, out } = await flows(['--help']);
    expect(code).toBe(0);
    expect(out).toContain('--format');
    expect(out).toContain('--host-window');
    expect(out).toMatch(/Content\s+features\s+10–22[\s\S]*are\s+0\s+unless\s+it\s+inspected\s+the\s+flow/);
  });
});
