/**
 * Read benchmark: packets/s, MB/s and peak RSS of
 *   walk        bare record walk: ../shared/bench/harness/walk_stream.js itself (stream + header walk)
 *   read        readCaptures() with a counting sink
 *   decode      readCaptures() + decodePacket() on every record
 *   pcap-parser the pcap-parser npm package (event API), for comparison
 * on a ~1 GB capture generated once with ../shared/bench/gen_bench_pcap.py (118000 flows, seed 42)
 * and cached in $TMPDIR/flowsift-bench/. Each measurement runs in its own child process (clean peak
 * RSS via process.resourceUsage().maxRSS) after an untimed read of the file to warm the page cache,
 * as the shared harness does. Prints the median of --runs runs.
 *
 *   npx tsx scripts/bench-read.ts [--runs 3] [--file capture.pcap] [--only walk,read,decode,pcap-parser]
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventEmitter } from 'node:events';

const MODES = ['walk', 'read', 'decode', 'pcap-parser'] as const;
type Mode = (typeof MODES)[number];

interface Result {
  packets: number;
  bytes: number;
  secs: number;
  /** user + system CPU seconds of the process during the measurement (all threads). */
  cpu: number;
  maxRssKB: number;
}

// ------------------------------------------------------------------------------------------------
// Child side: one measurement.

/**
 * The shared harness's own walker (../shared/bench/harness/walk_stream.js: stream with 1 MiB chunks,
 * zero-copy header walk), run unchanged in this process; it prints
 * `packets=N bytes=B secs=S pps=P` when done.
 */
function walk(file: string): Promise<number> {
  const harness = fileURLToPath(new URL('../../shared/bench/harness/walk_stream.js', import.meta.url));
  return new Promise((resolve, reject) => {
    const log = console.log;
    console.log = (line: string) => {
      console.log = log;
      const m = /packets=(\d+)/.exec(String(line));
      if (m) resolve(Number(m[1]));
      else reject(new Error(`unexpected walk_stream.js output: ${line}`));
    };
    process.argv[2] = file;
    createRequire(import.meta.url)(harness);
  });
}

async function read(file: string): Promise<number> {
  const { readCaptures } = await import('../src/capture/index.ts');
  // Accumulate in a typed array: a captured `let` summing past 2^30 would box a HeapNumber per
  // packet and measure the benchmark's own allocation instead of the reader.
  const acc = new Float64Array(2);
  const report = await readCaptures([file], (rec) => {
    acc[0]!++;
    acc[1]! += rec.caplen;
  });
  if (report.errors.length) throw report.errors[0];
  if (acc[1] === 0 && acc[0]! > 0) throw new Error('no bytes');
  return acc[0]!;
}

async function decode(file: string): Promise<number> {
  const { readCaptures } = await import('../src/capture/index.ts');
  const { decodePacket } = await import('../src/decode/decoder.ts');
  const { DecodedPacket } = await import('../src/decode/packet.ts');
  const pkt = new DecodedPacket();
  const acc = new Float64Array(2);
  const report = await readCaptures([file], (rec) => {
    decodePacket(rec, pkt);
    acc[0]!++;
    acc[1]! += pkt.srcPort + pkt.proto;
  });
  if (report.errors.length) throw report.errors[0];
  if (acc[1] === -1) console.log(acc[1]);
  return acc[0]!;
}

function pcapParser(file: string): Promise<number> {
  const require = createRequire(import.meta.url);
  const pp = require('pcap-parser') as { parse(input: string): EventEmitter };
  return new Promise((resolve, reject) => {
    let n = 0;
    const p = pp.parse(file);
    p.on('packet', () => {
      n++;
    });
    p.on('error', reject);
    p.on('end', () => resolve(n));
  });
}

async function child(mode: Mode, file: string): Promise<void> {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const packets =
    mode === 'walk' ? await walk(file) : mode === 'read' ? await read(file) : mode === 'decode' ? await decode(file) : await pcapParser(file);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  const r: Result = { packets, bytes: statSync(file).size, secs, cpu: (c.user + c.system) / 1e6, maxRssKB: process.resourceUsage().maxRSS };
  process.stdout.write(JSON.stringify(r) + '\n');
}

// ------------------------------------------------------------------------------------------------
// Parent side.

/** Size of gen_bench_pcap.py 118000 42 output (../shared/notes/performance.md, bench1g.pcap). */
const BENCH1G_BYTES = 998_766_663;

function ensureCapture(): string {
  const dir = join(tmpdir(), 'flowsift-bench');
  // Other benchmarks cache the same generator output under this name: reuse it when complete.
  const shared = join(dir, 'bench1g.pcap');
  if (existsSync(shared) && statSync(shared).size === BENCH1G_BYTES) return shared;
  const file = existsSync(shared) ? join(dir, 'bench1g-read.pcap') : shared;
  if (existsSync(file) && statSync(file).size === BENCH1G_BYTES) return file;
  mkdirSync(dir, { recursive: true });
  const gen = fileURLToPath(new URL('../../shared/bench/gen_bench_pcap.py', import.meta.url));
  const part = `${file}.${process.pid}.part`;
  console.error(`generating ${file} with ${gen} 118000 42 (once; ~1 GB, about a minute)...`);
  const r = spawnSync('python3', [gen, part, '118000', '42'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`gen_bench_pcap.py failed (exit ${r.status})`);
  renameSync(part, file);
  return file;
}

async function warm(file: string): Promise<void> {
  for await (const _ of createReadStream(file, { highWaterMark: 4 << 20 })) {
    /* untimed read: page cache */
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    await child(args[1] as Mode, args[2]!);
    return;
  }
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const runs = Number(opt('--runs') ?? 3);
  const file = opt('--file') ?? ensureCapture();
  const only = (opt('--only')?.split(',') ?? [...MODES]) as Mode[];
  const self = fileURLToPath(import.meta.url);
  const size = statSync(file).size;
  console.log(`capture: ${file} (${(size / 1e6).toFixed(1)} MB); median of ${runs} runs; node ${process.version}`);
  console.log('(wall = elapsed seconds of the read; cpu = user+sys seconds of the process, all threads)');
  console.log('(best = fastest run: on a shared, loaded machine the closest to what the code can do)');
  console.log('mode          packets   wall s   Mpkt/s     MB/s    cpu s  Mpkt/cpu-s  best Mpkt/s  peak RSS MB   wall runs (s)');
  for (const mode of only) {
    const results: Result[] = [];
    for (let i = 0; i < runs; i++) {
      await warm(file);
      const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', mode, file], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      });
      if (r.status !== 0) throw new Error(`${mode} failed: ${r.stderr}`);
      results.push(JSON.parse(r.stdout.trim().split('\n').pop()!) as Result);
    }
    const secs = median(results.map((r) => r.secs));
    const cpu = median(results.map((r) => r.cpu));
    const packets = results[0]!.packets;
    const rss = median(results.map((r) => r.maxRssKB)) / 1024;
    const best = Math.min(...results.map((r) => r.secs));
    console.log(
      `${mode.padEnd(12)} ${String(packets).padStart(9)} ${secs.toFixed(3).padStart(8)} ${(packets / secs / 1e6).toFixed(2).padStart(8)} ${(size / secs / 1e6).toFixed(0).padStart(8)} ${cpu.toFixed(3).padStart(8)} ${(packets / cpu / 1e6).toFixed(2).padStart(11)} ${(packets / best / 1e6).toFixed(2).padStart(12)} ${rss.toFixed(0).padStart(12)}   ${results.map((r) => r.secs.toFixed(3)).join(' / ')}`,
    );
  }
}

await main();
