/**
 * The two-thread pipeline (src/features/threaded.ts: read → decode → flow engine on a worker,
 * content analyzers → windows → rows on the calling thread) must give exactly what the one-thread
 * path gives: the same rows in the same order, the same summary, the same input errors. Captures
 * of 128 MiB and more take the worker by default, so both paths are forced here on real inputs.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, linkSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Row } from '../../src/dataset/types.ts';
import { WORKER_MIN_BYTES, extractFlows, type ExtractOptions, type ExtractSummary } from '../../src/features/extract.ts';
import { flowThreadCode } from '../../src/features/threaded.ts';
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

  it("the worker's bundle is cached on disk and rebuilt when a source file changes (mtime or size)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowsift-bundle-'));
    try {
      const built = flowThreadCode({ cacheDir: dir, memory: false });
      const [file] = readdirSync(dir);
      const cachePath = join(dir, file!);
      const cache = JSON.parse(readFileSync(cachePath, 'utf8')) as { inputs: Record<string, [number, number]>; code: string };
      const meter = Object.keys(cache.inputs).find((f) => f.endsWith(join('src', 'flow', 'meter.ts')));
      expect(meter).toBeDefined();
      expect(cache.inputs[meter!]![1]).toBe(statSync(meter!).size);
      expect(cache.code).toBe(built);
      // Reused as long as the sources match (a marker stands in for the code) …
      writeFileSync(cachePath, JSON.stringify({ ...cache, code: 'cached marker' }));
      expect(flowThreadCode({ cacheDir: dir, memory: false })).toBe('cached marker');
      // … and rebuilt (and rewritten) when one differs.
      writeFileSync(cachePath, JSON.stringify({ ...cache, code: 'cached marker', inputs: { ...cache.inputs, [meter!]: [0, cache.inputs[meter!]![1]] } }));
      expect(flowThreadCode({ cacheDir: dir, memory: false })).toBe(built);
      expect((JSON.parse(readFileSync(cachePath, 'utf8')) as { code: string }).code).toBe(built);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('worker: true with plugins or stdin is refused (they need the packets on the calling thread)', async () => {
    const plugin = { name: 'p', onPacket() {}, onExpire() {} };
    await expect(extractFlows(['x.pcap'], { worker: true, plugins: [plugin] }, () => {})).rejects.toThrow(/plugins/);
    await expect(extractFlows(['-'], { worker: true }, () => {})).rejects.toThrow(/stdin/);
  });
});
