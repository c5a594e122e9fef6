/**
 * Flow-engine benchmark: packets/s and peak RSS of read → decode → FlowMeter on the ~1 GB
 * generated capture, next to read-only and read+decode passes over the same file, so the flow
 * table's own cost per packet shows. Each pass runs in a fresh child process (its own peak RSS).
 * With the ~0.5 GB capture also present, RSS is shown for both sizes (it must be flat).
 *
 *   npx tsx scripts/bench-flow.ts [--runs N] [--capture FILE]
 *
 * Capture (cached, shared with the other benchmarks): os.tmpdir()/flowsift-bench/bench1g.pcap =
 *   python3 ../shared/bench/gen_bench_pcap.py bench1g.pcap 118000 42   (999 MB, 4.44 M packets)
 * Targets: ≥ 5 M packets/s for read+decode+flows, ≤ 250 MB peak RSS, flat in file size. The
 * machine is shared (2 cores): figures are noisy; the page cache is warmed before each run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

type Mode = 'read' | 'decode' | 'flows';
interface Result { mode: Mode; packets: number; flows: number; seconds: number; cpuSeconds: number; peakRssMB: number }

async function child(path: string, mode: Mode): Promise<void> {
  const { readCaptures } = await import('../src/capture/index.ts');
  const { decodePacket } = await import('../src/decode/decoder.ts');
  const { DecodedPacket } = await import('../src/decode/packet.ts');
  const { FlowMeter } = await import('../src/flow/meter.ts');
  let flows = 0;
  const meter = new FlowMeter({}, () => { flows++; });
  const pkt = new DecodedPacket();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const report = await readCaptures([path], mode === 'read'
    ? () => {}
    : mode === 'decode'
      ? (r) => { decodePacket(r, pkt); }
      : (r) => { decodePacket(r, pkt); meter.packet(r, pkt); });
  if (mode === 'flows') meter.finish();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const res: Result = { mode, packets: report.packets, flows, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssMB: process.resourceUsage().maxRSS / 1024 };
  console.log(JSON.stringify({ ...res, stats: mode === 'flows' ? meter.stats : undefined }));
}

function capture(file: string, flows: number): string {
  const dir = join(tmpdir(), 'flowsift-bench');
  const path = join(dir, file);
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  const gen = fileURLToPath(new URL('../../shared/bench/gen_bench_pcap.py', import.meta.url));
  const part = `${path}.flow.part`;
  process.stderr.write(`generating ${path} (gen_bench_pcap.py ${flows} 42, ~30 s) …\n`);
  execFileSync('python3', [gen, part, String(flows), '42', '--labels', `${part}.labels.csv`], { stdio: 'inherit' });
  if (!existsSync(path)) renameSync(part, path); // another benchmark may have finished it meanwhile
  return path;
}

function run(path: string, mode: Mode, runs: number): Result {
  const out: Result[] = [];
  for (let i = 0; i < runs; i++) {
    // Warm the page cache (untimed) without growing this process: Linux folds the RSS a child
    // inherits through fork into its ru_maxrss, so the parent must stay small.
    execFileSync('cat', [path], { stdio: ['ignore', 'ignore', 'inherit'] });
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', path, mode], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
    out.push(JSON.parse(r.stdout.trim().split('\n').pop()!) as Result);
  }
  out.sort((a, b) => a.seconds - b.seconds);
  const med = out[Math.floor(out.length / 2)]!;
  return { ...med, peakRssMB: Math.max(...out.map((r) => r.peakRssMB)) };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return child(argv[1]!, argv[2] as Mode);
  const runs = argv.includes('--runs') ? Number(argv[argv.indexOf('--runs') + 1]) : 3;
  const given = argv.includes('--capture') ? argv[argv.indexOf('--capture') + 1] : undefined;
  const files = given !== undefined ? [given] : [capture('bench1g.pcap', 118000)];
  const half = join(tmpdir(), 'flowsift-bench', 'bench500m.pcap');
  if (given === undefined && existsSync(half)) files.push(half);
  for (const path of files) {
    const mb = statSync(path).size / 1e6;
    const res = (['read', 'decode', 'flows'] as const).map((m) => run(path, m, runs));
    console.log(`${path}: ${mb.toFixed(0)} MB, ${res[0]!.packets.toLocaleString('en-US')} packets, median of ${runs}`);
    for (const r of res) {
      const pps = r.packets / r.seconds;
      const cpuPps = r.packets / r.cpuSeconds;
      console.log(`  ${r.mode.padEnd(6)} wall ${r.seconds.toFixed(2)} s  ${(pps / 1e6).toFixed(2)} M packets/s | CPU ${r.cpuSeconds.toFixed(2)} s  ${(cpuPps / 1e6).toFixed(2)} M packets/CPU-s  ${(1e9 / cpuPps).toFixed(0)} ns/packet | peak RSS ${r.peakRssMB.toFixed(0)} MB` +
        (r.mode === 'flows' ? `  ${r.flows.toLocaleString('en-US')} flows` : ''));
    }
    const flowNs = (res[2]!.cpuSeconds - res[1]!.cpuSeconds) / res[0]!.packets * 1e9;
    console.log(`  flow table alone ≈ ${flowNs.toFixed(0)} ns/packet of CPU (flows − decode)`);
  }
}

await main();
