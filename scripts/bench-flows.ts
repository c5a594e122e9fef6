/**
 * Benchmark of `flowsift flows` (the whole pipeline: read → decode → flows → 41 features → CSV):
 * packets/s and peak RSS on the ~1 GB generated capture, and on a ~0.5 GB one to show RSS is flat
 * in file size. Each size runs in a fresh child process (its own peak RSS), writing CSV to /dev/null.
 *
 *   npx tsx scripts/bench-flows.ts [--runs N] [--only 1g|half|2g|1g-thrice] [--format csv|kdd|jsonl] [--active-timeout S] [--no-content] [--inline] [--nice N|off] [--profile] [--no-walk]
 *
 * --no-content: without the payload stage (`flows --no-content`); --inline: everything on one thread
 * (the default for captures this size runs read → decode → flow engine on a worker thread). With
 * the worker, each thread's CPU seconds and waits are printed: the busier thread sets the pace.
 * --nice: the main thread's nice value while the worker runs (the CLI's --main-nice, through
 * ExtractOptions.onEngineThread); default the CLI's (10), `off` leaves it alone.
 *
 * Captures are cached in os.tmpdir()/flowsift-bench/ (shared with the other benchmarks):
 *   bench1g.pcap    = python3 ../shared/bench/gen_bench_pcap.py bench1g.pcap 118000 42   (~1.0 GB, 4.44 M packets)
 *   bench500m.pcap  = python3 ../shared/bench/gen_bench_pcap.py bench500m.pcap 59000 42  (~0.5 GB)
 *   bench2g.pcap    = python3 ../shared/bench/gen_bench_pcap.py bench2g.pcap 230000 42   (~1.95 GB, 8.70 M packets: the
 *                     file of ../shared/notes/performance.md's anchor table; only with --only 2g)
 *   --only 1g-thrice: bench1g.pcap, then bench1g.then.pcap and bench1g.then.then.pcap (copies whose
 *                     times follow the previous file's: the same traffic for three times as long —
 *                     memory should not grow with capture length; bench2g.pcap's attacks are heavier,
 *                     which is traffic intensity, not length)
 * Targets (issue 3): ≥ 3 M packets/s, i.e. within 5× of a bare record walk, ≤ 250 MB peak RSS,
 * flat in file size. The machine is shared (2 cores) and its speed drifts by 10–20 % from one
 * quarter hour to the next, so every run of the pipeline is paired with a run of that bare walk
 * (../shared/bench/harness/walk_stream.js: stream the file, count record headers — the "Node
 * physical limit" of performance.md) on the same file, alternating, and the ratio of the two
 * medians is printed beside the absolute figures: performance.md asks for side-by-side figures,
 * not comparisons with numbers from another day. --no-walk skips it. The page cache is warmed
 * (file read once, untimed) before each run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { giveWay } from '../src/cli/options.ts';

const GEN = fileURLToPath(new URL('../../shared/bench/gen_bench_pcap.py', import.meta.url));
const DIR = join(tmpdir(), 'flowsift-bench');

const CAPTURES: Record<string, { file: string; flows: number; onlyIfAsked?: boolean; copies?: number }> = {
  '1g': { file: 'bench1g.pcap', flows: 118000 },
  half: { file: 'bench500m.pcap', flows: 59000 },
  '2g': { file: 'bench2g.pcap', flows: 230000, onlyIfAsked: true },
  // The 1 GB capture, then the same traffic twice more right after it (copies with their times
  // shifted): three times as long at the same intensity, so peak RSS shows whether memory grows
  // with capture length.
  '1g-thrice': { file: 'bench1g.pcap', flows: 118000, onlyIfAsked: true, copies: 3 },
};

/** The bare record walk of the peers' harness (performance.md §5), run beside each pipeline run. */
const WALK = fileURLToPath(new URL('../../shared/bench/harness/walk_stream.js', import.meta.url));

/** One run of the bare walk: its own timing (from its start, like the pipeline's: no process start-up). */
function walkOnce(path: string): { packets: number; seconds: number } {
  const r = spawnSync(process.execPath, [WALK, path], { encoding: 'utf8' });
  const m = /packets=(\d+) bytes=\d+ secs=([\d.]+)/.exec(r.stdout);
  if (r.status !== 0 || m === null) throw new Error(`bare walk failed: ${r.stderr || r.stdout}`);
  return { packets: Number(m[1]), seconds: Number(m[2]) };
}

/** Generate (once) a bench capture; written under a temp name and renamed, so readers never see half a file. */
export function benchCapture(file: string, flows: number, seed = 42): string {
  mkdirSync(DIR, { recursive: true });
  const path = join(DIR, file);
  while (!existsSync(path) && existsSync(`${path}.gen.part`)) {
    process.stderr.write(`waiting for ${path} (another process is generating it) …\n`);
    execFileSync('sleep', ['10']);
  }
  if (!existsSync(path)) {
    const tmp = `${path}.gen.part`;
    process.stderr.write(`generating ${path} (${flows} flows, seed ${seed}) …\n`);
    execFileSync('python3', [GEN, tmp, String(flows), String(seed), '--labels', tmp.replace(/\.part$/, '.labels.csv')], { stdio: 'inherit' });
    renameSync(tmp.replace(/\.part$/, '.labels.csv'), path.replace(/\.pcap$/, '.labels.csv'));
    renameSync(tmp, path);
  }
  return path;
}

/**
 * A copy of a classic little-endian pcap whose records come right after the original's last one
 * (every timestamp shifted by the original's span + 1 s): made once, next to it (`.then.pcap`).
 * Read in pieces: a child's peak RSS counts its parent's at the time of the spawn (Linux keeps the
 * forking process's high-water mark across exec), so this process must stay small.
 */
function laterCopy(path: string): string {
  const out = path.replace(/\.pcap$/, '.then.pcap');
  if (existsSync(out)) return out;
  /** Calls `each(buf, at)` for every record header, 8 MiB of whole records at a time; `done(buf, n)` after each piece. */
  const walk = (each: (buf: Buffer, at: number) => void, done?: (buf: Buffer, n: number) => void): void => {
    const fd = openSync(path, 'r');
    const buf = Buffer.alloc(8 << 20);
    try {
      let pos = 0;
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, pos);
        let at = pos === 0 ? 24 : 0;
        if (pos === 0 && buf.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${path}: not a little-endian microsecond pcap`);
        while (at + 16 <= n && at + 16 + buf.readUInt32LE(at + 8) <= n) {
          each(buf, at);
          at += 16 + buf.readUInt32LE(at + 8);
        }
        done?.(buf, at);
        if (at === 0 || n < buf.length) return;
        pos += at;
      }
    } finally {
      closeSync(fd);
    }
  };
  let first = Infinity, last = 0;
  walk((b, at) => {
    const t = b.readUInt32LE(at);
    if (t < first) first = t;
    if (t > last) last = t;
  });
  const shift = last - first + 1;
  const fd = openSync(`${out}.part`, 'w');
  try {
    walk((b, at) => b.writeUInt32LE(b.readUInt32LE(at) + shift, at), (b, n) => writeSync(fd, b, 0, n));
  } finally {
    closeSync(fd);
  }
  renameSync(`${out}.part`, out);
  return out;
}

interface Result {
  packets: number;
  flows: number;
  seconds: number;
  cpuSeconds: number;
  peakRssMB: number;
  heldPeak: number;
  threads?: { workerCpuSeconds: number; mainCpuSeconds: number; workerWaitSeconds: number; mainWaitSeconds: number };
}

/** Child mode: run the pipeline once and print a JSON result line. */
async function child(paths: string[], format: string, activeTimeout: number, content: boolean, inline: boolean, mainNice: number | undefined): Promise<void> {
  const { extractFlows } = await import('../src/features/extract.ts');
  const { openDatasetWriter } = await import('../src/dataset/output.ts');
  const { FLOW_COLUMNS } = await import('../src/features/schema.ts');
  const { FlowCsvWriter } = await import('../src/dataset/flow-csv.ts');
  // Loaded before the clock starts, as the others: extractFlows imports it when it takes the worker
  // — from the executable's prebuilt bundle in ~1 ms, but tsx would compile it in the timed window (11–14 ms).
  await import('../src/features/threaded.ts');
  // As `flowsift flows F -o /dev/null`: the sink writes the device in place, synchronously.
  const w = openDatasetWriter(format as 'csv', '/dev/null', FLOW_COLUMNS);
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    const r = process.memoryUsage.rss();
    if (r > peak) peak = r;
  }, 50);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  // Unlabeled CSV takes the writer's flow fast path, as in `flowsift flows` (no Row objects).
  const flowWriter = w instanceof FlowCsvWriter ? w : undefined;
  const s = await extractFlows(paths, { activeTimeout, content, worker: !inline, flowWriter, onEngineThread: mainNice === undefined ? undefined : () => giveWay(mainNice) }, (row) => w.write(row));
  await w.close();
  const seconds = (performance.now() - t0) / 1000;
  const cu = process.cpuUsage(c0);
  clearInterval(timer);
  // getrusage maxrss (kB) is the true peak.
  const maxrss = process.resourceUsage().maxRSS / 1024;
  peak = Math.max(peak / 1048576, maxrss);
  const res: Result = { packets: s.packets, flows: s.flows, seconds, cpuSeconds: (cu.user + cu.system) / 1e6, peakRssMB: peak, heldPeak: s.peakHeld, threads: s.threads };
  process.stdout.write(JSON.stringify(res) + '\n');
}

function warm(path: string): void {
  // Untimed read so every run starts with the file in the page cache (performance.md §3).
  execFileSync('sh', ['-c', `cat '${path}' > /dev/null`]);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const ci = argv.indexOf('--child');
  if (ci >= 0) {
    const nice = argv[ci + 6] ?? 'off';
    return child(JSON.parse(argv[ci + 1]!) as string[], argv[ci + 2] ?? 'csv', Number(argv[ci + 3] ?? 0), argv[ci + 4] !== 'nocontent', argv[ci + 5] === 'inline', nice === 'off' ? undefined : Number(nice));
  }
  const runs = Number(argv[argv.indexOf('--runs') + 1] ?? 3) || 3;
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
  const format = argv.includes('--format') ? argv[argv.indexOf('--format') + 1]! : 'csv';
  const profile = argv.includes('--profile');
  const content = !argv.includes('--no-content');
  const inline = argv.includes('--inline');
  const activeTimeout = argv.includes('--active-timeout') ? Number(argv[argv.indexOf('--active-timeout') + 1]) : 0;
  // As the CLI runs it (the flows command's main thread gives way to the flow engine).
  const nice = argv.includes('--nice') ? argv[argv.indexOf('--nice') + 1]! : '10';
  const self = fileURLToPath(import.meta.url);
  const walk = !argv.includes('--no-walk') && !profile && existsSync(WALK);
  if (!walk && !argv.includes('--no-walk') && !profile) console.log(`(no bare-walk comparison: ${WALK} not found)`);
  for (const [name, c] of Object.entries(CAPTURES)) {
    if (only !== undefined ? only !== name : c.onlyIfAsked === true) continue;
    const first = benchCapture(c.file, c.flows);
    const paths = [first];
    while (paths.length < (c.copies ?? 1)) paths.push(laterCopy(paths[paths.length - 1]!));
    const bytes = paths.reduce((n, p) => n + statSync(p).size, 0);
    const results: Result[] = [];
    const walks: { packets: number; seconds: number }[] = [];
    for (let i = 0; i < (profile ? 1 : runs); i++) {
      if (walk) {
        paths.forEach(warm);
        const each = paths.map(walkOnce);
        walks.push({ packets: each.reduce((n, w) => n + w.packets, 0), seconds: each.reduce((n, w) => n + w.seconds, 0) });
      }
      paths.forEach(warm);
      const nodeArgs = ['--import', 'tsx', ...(profile ? ['--cpu-prof', '--cpu-prof-dir', join(DIR, 'prof')] : []), self, '--child', JSON.stringify(paths), format, String(activeTimeout), content ? 'content' : 'nocontent', inline ? 'inline' : 'worker', nice];
      const r = spawnSync(process.execPath, nodeArgs, { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
      const line = r.stdout.trim().split('\n').pop()!;
      results.push(JSON.parse(line) as Result);
    }
    // Median by wall time (throughput is packets per wall second; with the worker thread, CPU
    // seconds add up two threads). Run it on an idle machine: other load shows up in wall time.
    results.sort((a, b) => a.seconds - b.seconds);
    const med = results[Math.floor(results.length / 2)]!;
    const pps = med.packets / med.seconds;
    console.log(
      `${paths.map((p) => basename(p)).join(' + ')}: ${(bytes / 1e6).toFixed(0)} MB, ${med.packets.toLocaleString('en-US')} packets, ${med.flows.toLocaleString('en-US')} flows → ${format} /dev/null${activeTimeout ? `, --active-timeout ${activeTimeout}` : ''}${content ? '' : ', --no-content'}${inline ? ', one thread' : nice !== 'off' ? `, main thread nice ${nice}` : ''} | ` +
        `median of ${results.length}: ${med.seconds.toFixed(2)} s wall (${med.cpuSeconds.toFixed(2)} s CPU), ${(pps / 1e6).toFixed(2)} M packets/s (${(med.packets / med.cpuSeconds / 1e6).toFixed(2)} M/s per CPU s), ${(bytes / 1e6 / med.seconds).toFixed(0)} MB/s | ` +
        `peak RSS ${Math.max(...results.map((r) => r.peakRssMB)).toFixed(0)} MB | held for start order ≤ ${med.heldPeak.toLocaleString('en-US')} flows | runs (CPU s / wall s): ${results.map((r) => `${r.cpuSeconds.toFixed(2)}/${r.seconds.toFixed(2)}`).join(' ')}` +
        (med.threads ? ` | threads (median run): flow engine ${med.threads.workerCpuSeconds.toFixed(2)} CPU s (waited ${med.threads.workerWaitSeconds.toFixed(2)} s), main ${med.threads.mainCpuSeconds.toFixed(2)} CPU s (waited ${med.threads.mainWaitSeconds.toFixed(2)} s)` : ''),
    );
    if (walks.length > 0) {
      walks.sort((a, b) => a.seconds - b.seconds);
      const w = walks[Math.floor(walks.length / 2)]!;
      console.log(
        `  bare record walk, same file, alternating runs (${walks.length}): median ${w.seconds.toFixed(3)} s = ${(w.packets / w.seconds / 1e6).toFixed(2)} M packets/s ` +
          `(runs ${walks.map((x) => x.seconds.toFixed(3)).join(' ')}) → flows took ${(med.seconds / w.seconds).toFixed(2)}× the walk's time ` +
          `(goal ≤ 5×: ${(w.packets / w.seconds / 5e6).toFixed(2)} M packets/s in this sitting)`,
      );
    }
    if (profile) console.log(`CPU profile in ${join(DIR, 'prof')} (open in Chrome DevTools)`);
  }
}

// Importable (benchCapture) without running the benchmark.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
