/**
 * Parquet export benchmark: time and peak RSS (flat memory) of writing flows as Parquet.
 *
 *   npx tsx scripts/bench-parquet.ts                  # the ~1 GB bench capture (generated once, cached)
 *   npx tsx scripts/bench-parquet.ts --capture X.pcap # another capture
 *   npx tsx scripts/bench-parquet.ts --synthetic 1000000,4000000   # writer alone, synthetic rows
 *   … --row-group N                                  # Parquet row-group size (default: the writer's, 32,768)
 *
 * Each measurement runs in a fresh child process so its peak RSS (getrusage maxrss) is its own:
 *   capture mode:   extract only (no output) · extract → CSV · extract → Parquet
 *   synthetic mode: N synthetic flow rows → Parquet, for each N (flat memory = same peak for all N)
 * Outputs are then read back with readDataset (row count checked; time printed; not in peak RSS).
 * The bench capture is os.tmpdir()/flowsift-bench/bench1g.pcap from
 * `python3 ../shared/bench/gen_bench_pcap.py bench1g.pcap 118000 42` (999 MB, 4.44 M packets).
 * Figures on a shared 2-core machine are noisy: run it alone.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractFlows } from '../src/features/extract.ts';
import { FLOW_COLUMNS } from '../src/features/schema.ts';
import { createParquetWriter } from '../src/dataset/parquet.ts';
import { openDatasetWriter } from '../src/dataset/output.ts';
import { readDataset } from '../src/dataset/read.ts';
import type { DatasetWriter, Row } from '../src/dataset/types.ts';

const GEN = fileURLToPath(new URL('../../shared/bench/gen_bench_pcap.py', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const argv = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};

interface Result {
  mode: string;
  rows: number;
  seconds: number;
  peakRssMB: number;
  /** RSS sampled at 10 %, 50 %, 90 % of the rows (MB), to see whether memory grows with rows. */
  rssAtMB: number[];
  outMB: number;
  /** Seconds to read the output back with readDataset (Parquet/CSV modes). */
  readSeconds?: number;
}

async function child(mode: string, input: string): Promise<Result> {
  const out = join(tmpdir(), 'flowsift-bench', `out-${process.pid}.${mode === 'csv' ? 'csv' : 'parquet'}`);
  const t0 = performance.now();
  const samples: number[] = [];
  let writer: DatasetWriter | undefined;
  if (mode === 'parquet' || mode.startsWith('synthetic')) writer = createParquetWriter(out, FLOW_COLUMNS, { required: FLOW_COLUMNS.map((c) => c.name), rowGroupSize: arg('--row-group') ? Number(arg('--row-group')) : undefined });
  else if (mode === 'csv') writer = openDatasetWriter('csv', out, FLOW_COLUMNS);
  let rows = 0;
  if (mode.startsWith('synthetic')) {
    const n = Number(input);
    const marks = new Set([Math.floor(n * 0.1), Math.floor(n * 0.5), Math.floor(n * 0.9)]);
    const services = ['http', 'private', 'domain_u', 'smtp', 'ftp_data', 'ecr_i', 'other'];
    const flags = ['SF', 'S0', 'REJ', 'RSTO', 'SH'];
    for (let i = 0; i < n; i++) {
      const r: Row = {};
      for (const c of FLOW_COLUMNS) {
        r[c.name] = c.type === 'timestamp' ? 1700000000 + i * 0.0007 : c.type === 'float' ? (i % 101) / 100 : c.type === 'int' ? (i * 7919) % 65536 : c.type === 'bool' ? (i & 1) === 1 : c.type === 'category' ? (c.name === 'flag' ? flags[i % 5]! : services[i % 7]!) : `${c.name[0]}${i.toString(36)}`;
      }
      r.src_ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      r.protocol_type = i % 3 === 0 ? 'udp' : 'tcp';
      await writer!.write(r);
      rows++;
      if (marks.has(rows)) samples.push(process.memoryUsage().rss / 2 ** 20);
    }
  } else {
    const expected = Number(arg('--expect-flows') ?? 0);
    const marks = expected > 0 ? [0.1, 0.5, 0.9].map((f) => Math.floor(expected * f)) : [];
    await extractFlows([input], {}, (row) => {
      rows++;
      if (marks.includes(rows)) samples.push(process.memoryUsage().rss / 2 ** 20);
      return writer?.write(row);
    });
  }
  if (writer) await writer.close();
  const seconds = (performance.now() - t0) / 1000;
  const outMB = writer ? statSync(out).size / 2 ** 20 : 0;
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  let readSeconds: number | undefined;
  if (writer) {
    const t1 = performance.now();
    let back = 0;
    for await (const _ of readDataset(out)) back++;
    if (back !== rows) throw new Error(`read back ${back} rows of ${rows}`);
    readSeconds = (performance.now() - t1) / 1000;
    rmSync(out, { force: true });
  }
  return { mode, rows, seconds, peakRssMB, rssAtMB: samples.map((x) => Math.round(x)), outMB, readSeconds };
}

function run(mode: string, input: string, extra: string[] = []): Result {
  const rg = arg('--row-group');
  if (rg) extra = [...extra, '--row-group', rg];
  const r = spawnSync(process.execPath, ['--import', 'tsx', SELF, '--child', mode, input, ...extra], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`child ${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Result;
}

function show(r: Result): void {
  console.log(
    `${r.mode.padEnd(20)} rows ${String(r.rows).padStart(9)}  ${r.seconds.toFixed(1).padStart(6)} s  ${(r.rows / r.seconds / 1000).toFixed(0).padStart(5)} k rows/s  ` +
      `peak RSS ${r.peakRssMB.toFixed(0).padStart(5)} MB  RSS at 10/50/90 %: ${r.rssAtMB.join(' / ') || '-'} MB  output ${r.outMB.toFixed(1)} MB` +
      (r.readSeconds === undefined ? '' : `  read back ${r.readSeconds.toFixed(1)} s`),
  );
}

if (argv[0] === '--child') {
  const res = await child(argv[1]!, argv[2]!);
  res.mode += arg('--row-group') ? ` rg=${arg('--row-group')}` : '';
  process.stdout.write(JSON.stringify(res) + '\n');
} else {
  mkdirSync(join(tmpdir(), 'flowsift-bench'), { recursive: true });
  console.log(`node ${process.version}, ${new Date().toISOString()}`);
  const synthetic = arg('--synthetic');
  if (synthetic) {
    for (const n of synthetic.split(',')) show(run(`synthetic-${n}`, n));
  } else {
    const capture = arg('--capture') ?? join(tmpdir(), 'flowsift-bench', 'bench1g.pcap');
    if (!existsSync(capture)) {
      console.log(`generating ${capture} (gen_bench_pcap.py 118000 42, ~30 s) …`);
      execFileSync('python3', [GEN, capture, '118000', '42'], { stdio: 'inherit' });
    }
    console.log(`capture ${capture}: ${(statSync(capture).size / 2 ** 20).toFixed(0)} MB`);
    const base = run('extract-only', capture);
    show(base);
    const extra = ['--expect-flows', String(base.rows)];
    show(run('csv', capture, extra));
    show(run('parquet', capture, extra));
  }
}
