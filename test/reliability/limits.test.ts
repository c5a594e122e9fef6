/**
 * Process-level robustness, in child processes:
 *  - SIGINT during `flowsift flows CAPTURE -o out.csv`: exit 130, the output holds whole rows only
 *    (or is absent), no temp file is left behind.
 *  - 1 M distinct SYN sources with maxFlows: live flows never exceed the bound, every eviction is
 *    counted, every SYN still becomes a row, and peak RSS stays under a fixed bound.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readDataset } from '../../src/dataset/read.ts';
import { FLOW_COLUMNS } from '../../src/features/schema.ts';
import { extractFlows, type ExtractSummary } from '../../src/features/extract.ts';
import type { FlowOptions } from '../../src/flow/meter.ts';
import { TcpStream } from '../../src/flow/reassembly.ts';
import { TCP } from '../../src/decode/packet.ts';
import { ethIpv4, ip4, pcapHeader, tcpSegment, udpDatagram, writePcap, writeTcpSessions, type Frame } from './build.ts';
import { MAX_HELD_TOTAL } from '../../src/features/content/index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The executable as installed: built by test/global-setup.ts. */
const BIN = join(ROOT, 'dist/cli/flowsift.js');
const dir = mkdtempSync(join(tmpdir(), 'flowsift-rel-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SIGINT during flows -o', () => {

  /** Run flows on the sessions capture, SIGINT it once rows reach the temp file; return what is left. */
  async function interrupted(ext: string, sessions: number): Promise<{ code: number | null; stderr: string; out: string; left: string[] }> {
    // Complete TCP sessions (8 packets, ~960 bytes each): long enough to interrupt mid-way.
    const cap = join(dir, `sessions-${sessions}.pcap`);
    if (!existsSync(cap)) writeTcpSessions(cap, sessions);
    const outDir = join(dir, `out-${ext}`);
    mkdirSync(outDir, { recursive: true });
    const out = join(outDir, `flows.${ext}`);
    const child = spawn(process.execPath, [BIN, 'flows', cap, '-o', out], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Interrupt once the writer has put rows into its temp file (the run is genuinely under way).
    let sent = false;
    const t0 = Date.now();
    while (!sent && Date.now() - t0 < 60_000) {
      const temp = readdirSync(outDir).find((n) => n.endsWith('.tmp'));
      if (temp && statSync(join(outDir, temp), { throwIfNoEntry: false })?.size) {
        child.kill('SIGINT');
        sent = true;
      } else if (child.exitCode !== null) break;
      else await new Promise((r) => setTimeout(r, 5));
    }
    const code = await exited;
    expect(sent, `the run ended before it could be interrupted; stderr: ${stderr}`).toBe(true);
    return { code, stderr, out, left: readdirSync(outDir).filter((n) => n !== `flows.${ext}`) };
  }

  /** Rows of an interrupted run: complete sessions are SF 200/200; the few in progress end as they were (eof). */
  function checkRows(rows: Array<Record<string, unknown>>, sessions: number): void {
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(sessions);
    let partial = 0;
    for (const r of rows) {
      if (r.flag === 'SF') {
        expect(Number(r.src_bytes)).toBe(200);
        expect(Number(r.dst_bytes)).toBe(200);
      } else {
        expect(r.end_reason).toBe('eof');
        partial++;
      }
    }
    expect(partial).toBeLessThan(10);
  }

  it('csv: exits 130 with whole rows only and no temp file left', async () => {
    const { code, stderr, out, left } = await interrupted('csv', 60_000);
    expect(code, stderr).toBe(130);
    expect(stderr).not.toMatch(/internal error|\n\s+at /);
    expect(left).toEqual([]);
    // Rows had reached the temp file when the interrupt came: they are kept.
    expect(existsSync(out), 'interrupted run kept no output').toBe(true);
    const text = readFileSync(out, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    const names = FLOW_COLUMNS.map((c) => c.name);
    expect(lines[0]!.split(',')).toEqual(names);
    const rows = lines.slice(1).map((line) => {
      const f = line.split(',');
      expect(f.length).toBe(names.length);
      return Object.fromEntries(names.map((n, i) => [n, f[i]]));
    });
    checkRows(rows, 60_000);
    console.log(`SIGINT csv: ${rows.length} of 60000 rows written before the interrupt; exit ${code}`);
  });

  it('parquet: exits 130 with a readable file of whole rows and no temp file left', async () => {
    // The Parquet writer buffers a row group before its temp file grows: a longer capture.
    const { code, stderr, out, left } = await interrupted('parquet', 100_000);
    expect(code, stderr).toBe(130);
    expect(left).toEqual([]);
    expect(existsSync(out), 'interrupted run kept no output').toBe(true);
    const rows: Array<Record<string, unknown>> = [];
    for await (const r of readDataset(out)) rows.push(r);
    for (const c of FLOW_COLUMNS) expect(rows[0]).toHaveProperty(c.name);
    checkRows(rows, 100_000);
    console.log(`SIGINT parquet: ${rows.length} of 100000 rows written before the interrupt; exit ${code}`);
  });
});

describe('SIGINT while stdin is open and quiet', () => {
  it('flows - -o: exits 130 at once, says it was interrupted, leaves no file', async () => {
    const outDir = mkdtempSync(join(dir, 'stdin-'));
    const child = spawn(process.execPath, [BIN, 'flows', '-', '-o', join(outDir, 'f.csv')], { cwd: ROOT, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // The producer has not written a byte (stdin stays open): Ctrl-C once the command is running.
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(timer);
    child.stdin.destroy();
    expect(code, stderr).toBe(130);
    expect(stderr).toContain('interrupted before any packet was read');
    expect(readdirSync(outDir)).toEqual([]);
  });
});

describe('1 M distinct SYN sources with maxFlows', () => {
  it('keeps live flows at the bound, counts evictions, writes every flow, and stays under 600 MiB RSS', () => {
    const cap = join(dir, 'synflood.pcap');
    const N = 1_000_000;
    const MAX = 50_000;
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test/reliability/syn-flood-child.ts'), cap, String(N), String(MAX)], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
    console.log(`1M SYN sources, maxFlows ${MAX}: ${JSON.stringify(s)}`);
    expect(s.packets).toBe(N);
    expect(s.errors).toBe(0);
    // Every SYN is its own flow (S0), all written; the table never held more than maxFlows.
    expect(s.rows).toBe(N);
    expect(s.s0).toBe(N);
    expect(s.peakFlows).toBeLessThanOrEqual(MAX);
    // 10 µs apart over 10 s: nothing idles out (120 s), so all but the last MAX flows were evicted.
    expect(s.evictions).toBe(N - MAX);
    expect(s.maxRssMiB).toBeLessThan(600);
  });
});

describe('fragment buffers are bounded', () => {
  const A = ip4(10, 1, 0, 1);
  const B = ip4(10, 1, 0, 2);
  async function run(frames: Frame[], flow: FlowOptions): Promise<ExtractSummary> {
    const path = join(dir, 'frags.pcap');
    writeFileSync(path, writePcap(frames));
    return extractFlows([path], { flow }, () => {});
  }

  it('20,000 never-completed datagrams with maxFragmentBuffers 1,000: buffers capped and every drop counted', async () => {
    // First fragments only (MF set, offset 0), each from its own source: no datagram can complete.
    const frames: Frame[] = [];
    for (let i = 0; i < 20_000; i++) {
      frames.push({ ts: 1_700_000_000 + i * 1e-4, data: ethIpv4({ src: (A + i) >>> 0, dst: B, proto: 17, id: i & 0xffff, mf: true, payload: udpDatagram(1000, 53, new Uint8Array(200)) }) });
    }
    const s = await run(frames, { maxFragmentBuffers: 1000 });
    expect(s.packets).toBe(20_000);
    expect(s.flowStats.fragments).toBe(20_000);
    expect(s.flowStats.reassembled).toBe(0);
    // Every datagram is dropped either for the bound (19,000 of them) or at the end of input (the last 1,000).
    expect(s.flowStats.fragmentLimitHits).toBe(19_000);
    expect(s.flowStats.fragmentLimitHits + s.flowStats.fragmentTimeouts).toBe(20_000);
    expect(s.flows).toBe(0);
  });

  it('fragment bytes over maxFragmentBytes drop the oldest datagrams; datagrams that complete still make flows', async () => {
    // 3,000 datagrams of 1,480-byte first fragments (4.4 MB held if unbounded), bound 1 MiB; then
    // one datagram sent complete in two fragments.
    const frames: Frame[] = [];
    for (let i = 0; i < 3000; i++) {
      frames.push({ ts: 1_700_000_000 + i * 1e-4, data: ethIpv4({ src: A, dst: B, proto: 17, id: i, mf: true, payload: new Uint8Array(1480) }) });
    }
    const udp = udpDatagram(4000, 53, new Uint8Array(2000));
    frames.push({ ts: 1_700_000_001, data: ethIpv4({ src: A, dst: B, proto: 17, id: 9999, mf: true, payload: udp.subarray(0, 1480) }) });
    frames.push({ ts: 1_700_000_001.001, data: ethIpv4({ src: A, dst: B, proto: 17, id: 9999, fragOffset: 1480, payload: udp.subarray(1480) }) });
    const s = await run(frames, { maxFragmentBytes: 1 << 20 });
    expect(s.flowStats.fragmentLimitHits).toBeGreaterThanOrEqual(3000 - Math.floor((1 << 20) / 1480));
    expect(s.flowStats.reassembled).toBe(1);
    expect(s.flows).toBe(1);
  });
});

describe('TCP reassembly memory is bounded across flows', () => {
  it('200 streams with a hole each hold at most the shared budget; every byte is delivered or reported as a gap', () => {
    const shared = { held: 0, max: 1 << 20 };
    const seg = new Uint8Array(1400).fill(0x41);
    let delivered = 0;
    let gaps = 0;
    let peak = 0;
    const consumer = { data: (_b: Uint8Array, _o: number, n: number) => void (delivered += n), gap: (n: number) => void (gaps += n) };
    const streams = Array.from({ length: 200 }, () => new TcpStream(consumer, { shared }));
    for (const s of streams) s.segment(0, TCP.SYN, seg, 0, 0);
    // Each stream: the first 1,400 bytes never arrive; the next 20 segments (28,000 bytes) do.
    // Alone each would hold 28,000 bytes (under its own 32 KiB bound): 5.6 MB for 200 streams.
    for (let k = 1; k <= 20; k++) {
      for (const s of streams) {
        s.segment(1 + k * 1400, TCP.ACK, seg, 0, seg.length);
        if (shared.held > peak) peak = shared.held;
      }
    }
    expect(peak).toBeLessThanOrEqual(shared.max + seg.length);
    for (const s of streams) s.end();
    expect(shared.held).toBe(0);
    expect(delivered).toBe(200 * 20 * 1400);
    expect(gaps).toBe(200 * 1400);
  });

  it('5,000 flows with a hole each (147 MB out of order): the payload stage holds at most its 64 MiB budget', async () => {
    const S = ip4(192, 168, 0, 80);
    const data = new Uint8Array(1400).fill(0x41);
    const path = join(dir, 'holes.pcap');
    // Streamed to the file flow by flow.
    const fd = openSync(path, 'w');
    writeSync(fd, pcapHeader());
    let t = 1.7e9;
    for (let i = 0; i < 5000; i++) {
      const C = (0x0a000000 + i) >>> 0;
      const frames: Frame[] = [{ ts: (t += 1e-5), data: ethIpv4({ src: C, dst: S, proto: 6, payload: tcpSegment(C, S, 40000, 21, TCP.SYN, 1000) }) }];
      // Data segments 1, 3, 4, … 23: the stream is picked up at segment 1, segment 2 never
      // arrives, so the 21 segments after the hole (29.4 KB) wait until the flow ends.
      for (let k = 1; k <= 23; k++) if (k !== 2) frames.push({ ts: (t += 1e-5), data: ethIpv4({ src: C, dst: S, proto: 6, payload: tcpSegment(C, S, 40000, 21, TCP.PSH | TCP.ACK, 1001 + k * 1400, 1, data) }) });
      writeSync(fd, writePcap(frames).subarray(24));
    }
    closeSync(fd);
    // Watch the shared budget of the payload stage's streams (the object every stream points to).
    let peak = 0;
    const orig = TcpStream.prototype.segment;
    TcpStream.prototype.segment = function (this: TcpStream, ...a: Parameters<TcpStream['segment']>): void {
      orig.apply(this, a);
      const held = (this as unknown as { shared?: { held: number } }).shared?.held ?? 0;
      if (held > peak) peak = held;
    };
    try {
      const s = await extractFlows([path], {}, () => {});
      expect(s.flows).toBe(5000);
    } finally {
      TcpStream.prototype.segment = orig;
    }
    console.log(`5,000 flows with holes: peak out-of-order bytes held ${peak} (budget ${MAX_HELD_TOTAL}, unbounded would be ${5000 * 21 * 1400})`);
    // The budget is reached (the scenario really stresses it) and never exceeded by more than a segment.
    expect(peak).toBeGreaterThan(MAX_HELD_TOTAL - 2 * 1400);
    expect(peak).toBeLessThanOrEqual(MAX_HELD_TOTAL + 1400);
  });
});
