/**
 * The two-thread pipeline (src/features/threaded.ts: read → decode → flow engine on a worker,
 * content analyzers → windows → rows on the calling thread) must give exactly what the one-thread
 * path gives: the same rows in the same order, the same summary, the same input errors. Captures
 * of 128 MiB and more take the worker by default, so both paths are forced here on real inputs.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, linkSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Row } from '../../src/dataset/types.ts';
import { WORKER_MIN_BYTES, extractFlows, type ExtractOptions, type ExtractSummary } from '../../src/features/extract.ts';
import { CORPUS, corpusFiles, generatedCapture } from './helpers.ts';

async function run(inputs: string[], opts: ExtractOptions): Promise<{ rows: Row[]; summary: ExtractSummary }> {
  const rows: Row[] = [];
  const summary = await extractFlows(inputs, opts, (row) => {
    rows.push(row);
  });
  return { rows, summary };
}

/** The parts of a summary both paths must agree on (not times, not the thread figures). */
function comparable(s: ExtractSummary): unknown {
  return {
    files: s.files.map((f) => ({ ...f, error: f.error?.message, truncatedTail: f.truncatedTail?.message })),
    packets: s.packets,
    skipped: s.skipped,
    skippedTotal: s.skippedTotal,
    flows: s.flows,
    errors: s.errors.map((e) => [e.name, e.code, e.file, e.byteOffset, e.message]),
    warnings: s.warnings,
    aborted: s.aborted,
    peakHeld: s.peakHeld,
    forcedReleases: s.forcedReleases,
    outOfOrder: s.outOfOrder,
    flowStats: s.flowStats,
  };
}

describe('extractFlows on a worker thread = on one thread', () => {
  it('every corpus capture in one run (66 files: IPv6, VLAN, fragments, ICMP errors, FTP/Telnet/HTTP payloads, corrupt and cut files): same rows, summary and errors', async () => {
    const files = corpusFiles();
    const one = await run(files, { worker: false });
    const two = await run(files, { worker: true });
    expect(one.summary.threads).toBeUndefined();
    expect(two.summary.threads?.workerCpuSeconds).toBeGreaterThanOrEqual(0);
    // Real work and real faults went through both paths.
    expect(one.rows.length).toBeGreaterThan(1000);
    expect(one.summary.errors.length).toBeGreaterThan(3);
    expect(one.rows.some((r) => r.payload_inspected === true && (r.logged_in === 1 || (r.num_failed_logins as number) > 0))).toBe(true);
    expect(one.rows.some((r) => r.ip_version === 6)).toBe(true);
    expect(one.rows.some((r) => (r.wrong_fragment as number) > 0)).toBe(true);
    expect(two.summary.errors[0]).toBeInstanceOf(Error);
    expect(comparable(two.summary)).toEqual(comparable(one.summary));
    expect(two.rows).toEqual(one.rows);
  }, 60_000);

  it('the generated capture with its attacks, content off, other windows and an active timeout: same rows', async () => {
    const { pcap } = generatedCapture();
    const opts: ExtractOptions = { content: false, timeWindow: 5, hostWindow: 50, activeTimeout: 30 };
    const one = await run([pcap], { ...opts, worker: false });
    const two = await run([pcap], { ...opts, worker: true });
    expect(one.rows.length).toBeGreaterThan(3000);
    expect(one.rows.every((r) => r.payload_inspected === false)).toBe(true);
    expect(comparable(two.summary)).toEqual(comparable(one.summary));
    expect(two.rows).toEqual(one.rows);
  }, 60_000);

  it('content options reach the analyzers on the main thread (hot users, byte bound, onInspected with the uid)', async () => {
    const { pcap } = generatedCapture();
    const seen = (worker: boolean): { inspected: string[]; opts: ExtractOptions } => {
      const inspected: string[] = [];
      return { inspected, opts: { worker, content: { hotUsers: ['guest'], maxBytes: 300, onInspected: (uid, proto) => inspected.push(`${uid} ${proto}`) } } };
    };
    const a = seen(false), b = seen(true);
    const one = await run([pcap], a.opts);
    const two = await run([pcap], b.opts);
    expect(a.inspected.length).toBeGreaterThan(100);
    expect(b.inspected).toEqual(a.inspected);
    expect(two.rows).toEqual(one.rows);
  }, 60_000);

  it('an aborted run stops reading, ends the flows read so far and reports aborted', async () => {
    // The capture eight times over (~460 k packets): the worker reads ahead of the rows by at most
    // the ring (8 MiB of events), so an abort after 100 rows must stop it well before the end.
    const { pcap } = generatedCapture();
    const inputs = Array.from({ length: 8 }, () => pcap);
    const all = await run([pcap], { worker: false, content: false });
    const ac = new AbortController();
    const rows: Row[] = [];
    const summary = await extractFlows(inputs, { worker: true, signal: ac.signal }, (row) => {
      rows.push(row);
      if (rows.length === 100) ac.abort();
    });
    expect(summary.aborted).toBe(true);
    expect(summary.packets).toBeLessThan(4 * all.summary.packets);
    expect(rows.length).toBe(summary.flows);
    expect(rows.length).toBeGreaterThanOrEqual(100);
    expect(rows.some((r) => r.end_reason === 'eof')).toBe(true);
  }, 60_000);

  it('a sink that fails stops the run with its error (no hang, the worker ends)', async () => {
    const { pcap } = generatedCapture();
    let n = 0;
    await expect(
      extractFlows([pcap], { worker: true }, async () => {
        if (++n === 50) throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
  }, 60_000);

  it('by default: one thread below WORKER_MIN_BYTES, the worker from there on (same error for a bad file either way)', async () => {
    // A sparse file of WORKER_MIN_BYTES zero bytes: not a capture (the reader stops at byte 0), but
    // large enough that the default picks the worker; a small capture stays on this thread.
    const dir = mkdtempSync(join(tmpdir(), 'flowsift-threads-'));
    try {
      const big = join(dir, 'zeros.pcap');
      const fd = openSync(big, 'w');
      ftruncateSync(fd, WORKER_MIN_BYTES);
      closeSync(fd);
      const auto = await run([big], {});
      const one = await run([big], { worker: false });
      expect(auto.summary.threads).toBeDefined();
      expect(one.summary.threads).toBeUndefined();
      expect(auto.summary.errors.map((e) => e.message)).toEqual(one.summary.errors.map((e) => e.message));
      expect(auto.summary.errors[0]?.message).toMatch(/zeros\.pcap: byte 0: /);
      const small = await run([generatedCapture().pcap], {});
      expect(small.summary.threads).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('a fault on the main thread (here in onInspected) rejects the run and stops the worker: the process exits by itself', () => {
    // In a child process: a worker left waiting for ring space would keep it alive (until the timeout).
    const { pcap } = generatedCapture();
    const child = fileURLToPath(new URL('./threaded-fault.child.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', child, pcap], { encoding: 'utf8', timeout: 45_000 });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('rejected: analyzer hook failed');
  }, 60_000);

  it('a directory of 3,000 captures (reports far larger than one ring record, non-ASCII names): same summary as on one thread', async () => {
    // One real capture (a single SYN, tshark: 1 frame) linked under 3,000 names: the end report lists
    // every file (~2.7 MB of JSON, more than a quarter of the ring), which the worker sends in pieces.
    const dir = mkdtempSync(join(tmpdir(), 'flowsift-many-'));
    try {
      const src = join(CORPUS, 'curated-pcaps__single_syn.pcap');
      for (let i = 0; i < 3000; i++) linkSync(src, join(dir, `trace-${'🦈'.repeat(40)}-${String(i).padStart(4, '0')}-Überwachung.pcap`));
      const two = await run([dir], { worker: true });
      const one = await run([dir], { worker: false });
      expect(one.summary.files).toHaveLength(3000);
      expect(one.summary.packets).toBe(3000);
      expect(comparable(two.summary)).toEqual(comparable(one.summary));
      expect(two.rows).toEqual(one.rows);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('a TCP segment larger than a ring record (a 9 MB frame whose IPv4 total length is 0) reaches the analyzers whole', async () => {
    // Built here: no corpus capture has such a frame. Classic pcap, snaplen 16 MiB, Ethernet; a client
    // request of 9 MB to port 80 (decoders take an IPv4 total length of 0 as "the rest of the frame",
    // as TSO captures need), then the server's 200. Before the fix the worker waited forever for
    // ring room it could never get.
    const frame = (src: number, dst: number, sport: number, dport: number, seq: number, payload: Buffer): Buffer => {
      const eth = Buffer.from('00112233445566778899aabb0800', 'hex');
      const ip = Buffer.alloc(20);
      ip[0] = 0x45; ip[8] = 64; ip[9] = 6; // total length 0
      ip.writeUInt32BE(src, 12); ip.writeUInt32BE(dst, 16);
      const tcp = Buffer.alloc(20);
      tcp.writeUInt16BE(sport, 0); tcp.writeUInt16BE(dport, 2); tcp.writeUInt32BE(seq, 4);
      tcp[12] = 0x50; tcp[13] = 0x18; tcp.writeUInt16BE(65535, 14);
      return Buffer.concat([eth, ip, tcp, payload]);
    };
    const request = Buffer.concat([Buffer.from('GET /etc/passwd HTTP/1.0\r\nHost: a\r\n\r\n'), Buffer.alloc(9_000_000, 0x41)]);
    const frames = [frame(0x0a000001, 0x0a000002, 40000, 80, 1000, request), frame(0x0a000002, 0x0a000001, 80, 40000, 5000, Buffer.from('HTTP/1.0 200 OK\r\n\r\n'))];
    const head = Buffer.alloc(24);
    head.writeUInt32LE(0xa1b2c3d4, 0); head.writeUInt16LE(2, 4); head.writeUInt16LE(4, 6); head.writeUInt32LE(16 << 20, 16); head.writeUInt32LE(1, 20);
    const parts: Buffer[] = [head];
    frames.forEach((f, i) => {
      const rh = Buffer.alloc(16);
      rh.writeUInt32LE(1_700_000_000 + i, 0); rh.writeUInt32LE(f.length, 8); rh.writeUInt32LE(f.length, 12);
      parts.push(rh, f);
    });
    const dir = mkdtempSync(join(tmpdir(), 'flowsift-big-'));
    try {
      const file = join(dir, 'big-segment.pcap');
      writeFileSync(file, Buffer.concat(parts));
      const one = await run([file], { worker: false, content: { maxBytes: 10_000_000 } });
      const two = await run([file], { worker: true, content: { maxBytes: 10_000_000 } });
      expect(one.rows).toHaveLength(1);
      expect(one.rows[0]).toMatchObject({ service: 'http', src_bytes: request.length, payload_inspected: true, logged_in: 1, num_access_files: 1 });
      expect(two.rows).toEqual(one.rows);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('worker: true with plugins or stdin is refused (they need the packets on the calling thread)', async () => {
    const plugin = { name: 'p', onInit: () => true, onPacket() {}, onExpire() {} };
    await expect(extractFlows(['x.pcap'], { worker: true, plugins: [plugin] }, () => {})).rejects.toThrow(/plugins/);
    await expect(extractFlows(['-'], { worker: true }, () => {})).rejects.toThrow(/stdin/);
  });
});
