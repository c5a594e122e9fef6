/**
 * Issue #22's goals measured side by side, each pair alternated in one sitting (the machine is
 * shared: absolute times drift with the other processes' load, printed with every figure).
 *
 *   npx tsx scripts/bench-speed.ts [--only train|analyze|growth|score|startup] [--runs 3] [--capture PCAP] [--bigger PCAP]
 *
 * train:   `flowsift train KDDTrain+.txt.gz --train-on normal` (today's defaults: k 100, n_init 3)
 *          beside scripts/sklearn-train.py (same preprocessing, KMeans(100, n_init=3),
 *          OMP_NUM_THREADS=2, Debian's /usr/bin/python3): wall and CPU seconds, inertia, ROC-AUC and
 *          F1 at the p95 threshold on KDDTest+. scikit-learn's time is its own clock from before
 *          numpy's import to the threshold (test scoring not included); ours is the whole process.
 * analyze: `flowsift flows CAPTURE -o x.csv` beside `flowsift analyze CAPTURE --out-dir D` (default
 *          /tmp/flowsift-bench/bench1g.pcap): wall, CPU, peak RSS, and the ratios of the medians.
 * growth:  `analyze --out-dir` on CAPTURE and on a bigger input (--bigger: one capture, or several
 *          comma-separated, e.g. bench1g.pcap,bench1g.then.pcap — the same traffic again, times shifted,
 *          as bench-flows.ts --only 1g-thrice makes it), alternated: flows and peak RSS of each, and what
 *          the extra flows cost per 1,000, to show how memory grows with the capture.
 * startup: `node -e 0` beside `flowsift --version` and `flowsift --help` (alternated, medians).
 * --args='A B': extra arguments for this build's analyze runs (e.g. '--fit-mode clean').
 * --base BIN: analyze also runs another build's executable (e.g. a checkout of main before a change,
 *          built with scripts/build.ts) in the same rounds, for a before/after on the same load.
 * score:   Scorer + record + JSON line per row with 3 reasons, in process on one core, over the
 *          KDDTrain+ and KDDTest+ rows (rows/s after start-up); and the `score` command end to end on
 *          KDDTrain+.txt.gz minus the same command on a 1-row file (its start-up).
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectTable } from '../src/model/input.ts';
import { resolveFeatureList } from '../src/model/encode.ts';
import { loadModel } from '../src/model/model-file.ts';
import { Scorer } from '../src/model/score.ts';
import { computeMetrics } from '../src/model/metrics.ts';
import { buildRecord, RECORD_KEEP } from '../src/report/record.ts';

const { values: a } = parseArgs({ options: { only: { type: 'string' }, runs: { type: 'string', default: '3' }, capture: { type: 'string', default: '/tmp/flowsift-bench/bench1g.pcap' }, bigger: { type: 'string' }, base: { type: 'string' }, args: { type: 'string', default: '' } } });
/** Extra arguments for this build's analyze runs (e.g. '--fit-mode clean' to compare with a build that lacks the robust fit). */
const extra = a.args ? a.args.split(' ').filter(Boolean) : [];
const runs = Number(a.runs);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const KDD = fileURLToPath(new URL('../../shared/corpus/kdd/', import.meta.url));
const BIN = join(ROOT, 'dist/cli/flowsift.js');
const dir = mkdtempSync(join(tmpdir(), 'flowsift-bench-speed-'));
const load = (): string => `load ${loadavg().map((v) => v.toFixed(1)).join(' ')}`;
const median = (v: number[]): number => {
  const s = [...v].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

interface Timed { wall: number; cpu: number; rss: number; stdout: string; stderr: string }
/** Run a command under GNU time: wall and CPU seconds, peak RSS in MB. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Timed {
  const tf = join(dir, 'time.txt');
  const r = spawnSync('/usr/bin/time', ['-o', tf, '-f', '%e %U %S %M', cmd, ...args], { env, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const [e, u, s, m] = readFileSync(tf, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { wall: e!, cpu: u! + s!, rss: m! / 1024, stdout: r.stdout, stderr: r.stderr };
}

async function benchTrain(): Promise<void> {
  console.log(`\n== train on the 67,343 normal KDDTrain+ rows, k 100, n_init 3 (${runs} alternated pairs; ${load()})`);
  const features = resolveFeatureList('kdd');
  const test = await collectTable([join(KDD, 'KDDTest+.txt.gz')], { features, keep: ['label'] });
  const ours: { wall: number; cpu: number; inertia: number; auc: number; f1: number }[] = [];
  const sk: { wall: number; selfTimed: number; cpu: number; inertia: number; auc: number; f1: number }[] = [];
  for (let r = 0; r < runs; r++) {
    const m = join(dir, 'm.json');
    const o = timed('node', [BIN, 'train', join(KDD, 'KDDTrain+.txt.gz'), '--train-on', 'normal', '-m', m, '-q']);
    const model = await loadModel(m);
    const sc = new Scorer(model, test.table);
    const rows = Array.from({ length: test.table.n }, (_, i) => {
      const s = sc.score(i, 0);
      return { score: s.anomalyScore, flagged: s.isAnomaly, label: String(test.table.kept[i]!.label) };
    });
    const mt = computeMetrics(rows);
    ours.push({ wall: o.wall, cpu: o.cpu, inertia: model.training.inertia, auc: mt.rocAuc, f1: mt.f1 });
    console.log(`  flowsift     ${o.wall.toFixed(2)} s wall, ${o.cpu.toFixed(2)} CPU-s, ${o.rss.toFixed(0)} MB; inertia ${model.training.inertia.toFixed(1)} (${model.training.iterations} iterations), ROC-AUC ${mt.rocAuc.toFixed(4)}, F1 ${mt.f1.toFixed(4)}  (${load()})`);
    const p = timed('/usr/bin/python3', [join(ROOT, 'scripts/sklearn-train.py'), '--json', '--seed', '42'], { ...process.env, OMP_NUM_THREADS: '2' });
    const j = JSON.parse(p.stdout.trim().split('\n').pop()!);
    sk.push({ wall: p.wall, selfTimed: j.train_seconds, cpu: p.cpu, inertia: j.inertia, auc: j.auc, f1: j.f1 });
    console.log(`  scikit-learn ${j.train_seconds.toFixed(2)} s to the threshold (${p.wall.toFixed(2)} s whole script with test scoring, ${p.cpu.toFixed(2)} CPU-s, ${p.rss.toFixed(0)} MB); inertia ${j.inertia.toFixed(1)} (${j.iterations} iterations), ROC-AUC ${j.auc.toFixed(4)}, F1 ${j.f1.toFixed(4)}  (${load()})`);
  }
  const ow = median(ours.map((x) => x.wall)), sw = median(sk.map((x) => x.selfTimed));
  console.log(`  medians: flowsift ${ow.toFixed(2)} s (${median(ours.map((x) => x.cpu)).toFixed(2)} CPU-s) vs scikit-learn ${sw.toFixed(2)} s (whole script ${median(sk.map((x) => x.cpu)).toFixed(2)} CPU-s): ${(ow / sw).toFixed(2)}× its time`);
  console.log(`  quality: inertia ${ours[0]!.inertia.toFixed(1)} vs ${sk[0]!.inertia.toFixed(1)}; ROC-AUC ${ours[0]!.auc.toFixed(4)} vs ${sk[0]!.auc.toFixed(4)}; F1 ${ours[0]!.f1.toFixed(4)} vs ${sk[0]!.f1.toFixed(4)} (both seeded: the same every run)`);
}

function benchAnalyze(): void {
  console.log(`\n== analyze${extra.length ? ' ' + extra.join(' ') : ''} vs flows on ${a.capture} (${runs} alternated pairs; ${load()})`);
  const f: Timed[] = [];
  const an: Timed[] = [];
  const base: Timed[] = [];
  for (let r = 0; r < runs; r++) {
    const x = timed('node', [BIN, 'flows', a.capture!, '-o', join(dir, 'flows.csv'), '-q']);
    f.push(x);
    console.log(`  flows    ${x.wall.toFixed(2)} s wall, ${x.cpu.toFixed(2)} CPU-s, peak RSS ${x.rss.toFixed(0)} MB  (${load()})`);
    const y = timed('node', [BIN, 'analyze', a.capture!, '--out-dir', join(dir, 'an'), '-q', ...extra]);
    an.push(y);
    console.log(`  analyze  ${y.wall.toFixed(2)} s wall, ${y.cpu.toFixed(2)} CPU-s, peak RSS ${y.rss.toFixed(0)} MB  (${load()})`);
    rmSync(join(dir, 'an'), { recursive: true, force: true });
    if (a.base) {
      const z = timed('node', [a.base, 'analyze', a.capture!, '--out-dir', join(dir, 'an'), '-q']);
      base.push(z);
      console.log(`  analyze (--base) ${z.wall.toFixed(2)} s wall, ${z.cpu.toFixed(2)} CPU-s, peak RSS ${z.rss.toFixed(0)} MB  (${load()})`);
      rmSync(join(dir, 'an'), { recursive: true, force: true });
    }
  }
  if (base.length) console.log(`  --base medians: analyze ${median(base.map((x) => x.wall)).toFixed(2)} s, ${median(base.map((x) => x.cpu)).toFixed(2)} CPU-s, peak RSS ${median(base.map((x) => x.rss)).toFixed(0)} MB`);
  const fw = median(f.map((x) => x.wall)), aw = median(an.map((x) => x.wall));
  const fc = median(f.map((x) => x.cpu)), ac = median(an.map((x) => x.cpu));
  console.log(`  medians: flows ${fw.toFixed(2)} s (${fc.toFixed(2)} CPU-s), analyze --out-dir ${aw.toFixed(2)} s (${ac.toFixed(2)} CPU-s) = ${(aw / fw).toFixed(2)}× wall, ${(ac / fc).toFixed(2)}× CPU (goal ≤ 3×); analyze peak RSS ${median(an.map((x) => x.rss)).toFixed(0)} MB (goal ≤ 400), flows ${median(f.map((x) => x.rss)).toFixed(0)} MB`);
}

/** Flows in an analysis (the summary's first line: "147,904 flows, …"). */
const flowsOf = (stdout: string): number => Number(/([\d,]+) flows/.exec(stdout)?.[1]?.replace(/,/g, '') ?? NaN);

function benchGrowth(): void {
  if (!a.bigger) throw new Error('--only growth needs --bigger PCAP (e.g. gen_bench_pcap.py big.pcap 236000 42)');
  console.log(`\n== analyze memory as the capture grows: ${a.capture} vs ${a.bigger} (${runs} alternated pairs; ${load()})`);
  const res = new Map<string, { flows: number; rss: number[]; cpu: number[] }>();
  for (let r = 0; r < runs; r++) {
    for (const cap of [a.capture!, a.bigger]) {
      const y = timed('node', [BIN, 'analyze', ...cap.split(','), '--out-dir', join(dir, 'an'), '-q', ...extra]);
      rmSync(join(dir, 'an'), { recursive: true, force: true });
      const e = res.get(cap) ?? { flows: flowsOf(y.stdout), rss: [], cpu: [] };
      e.rss.push(y.rss);
      e.cpu.push(y.cpu);
      res.set(cap, e);
      console.log(`  ${cap}: ${e.flows.toLocaleString('en-US')} flows, ${y.wall.toFixed(2)} s wall, ${y.cpu.toFixed(2)} CPU-s, peak RSS ${y.rss.toFixed(0)} MB  (${load()})`);
    }
  }
  const [s1, s2] = [res.get(a.capture!)!, res.get(a.bigger)!];
  const m1 = median(s1.rss), m2 = median(s2.rss);
  console.log(`  medians: ${s1.flows.toLocaleString('en-US')} flows → ${m1.toFixed(0)} MB; ${s2.flows.toLocaleString('en-US')} flows (${(s2.flows / s1.flows).toFixed(2)}×) → ${m2.toFixed(0)} MB (${(m2 / m1).toFixed(2)}×); the extra flows cost ${(((m2 - m1) / (s2.flows - s1.flows)) * 1000).toFixed(2)} MB per 1,000`);
}

function benchStartup(): void {
  console.log(`\n== start-up (${Math.max(5, runs)} alternated rounds; ${load()})`);
  const t: Record<string, number[]> = { 'node -e 0': [], '--version': [], '--help': [] };
  for (let r = 0; r < Math.max(5, runs); r++) {
    t['node -e 0']!.push(timed('node', ['-e', '0']).wall);
    t['--version']!.push(timed('node', [BIN, '--version']).wall);
    t['--help']!.push(timed('node', [BIN, '--help']).wall);
  }
  for (const [k, v] of Object.entries(t)) console.log(`  ${k.padEnd(10)} median ${median(v).toFixed(2)} s (runs ${v.map((x) => x.toFixed(2)).join(' / ')})${k === 'node -e 0' ? '' : ' (goal ≤ 0.15 s)'}`);
}

async function benchScore(): Promise<void> {
  console.log(`\n== score with 3 reasons (${load()})`);
  const m = join(dir, 'm.json');
  execFileSync('node', [BIN, 'train', join(KDD, 'KDDTrain+.txt.gz'), '--train-on', 'normal', '-m', m, '-q']);
  const model = await loadModel(m);
  const features = resolveFeatureList('kdd');
  const keep = [...RECORD_KEEP];
  const tables = [await collectTable([join(KDD, 'KDDTrain+.txt.gz')], { features, keep }), await collectTable([join(KDD, 'KDDTest+.txt.gz')], { features, keep })];
  for (let rep = 0; rep < 3; rep++) {
    let rows = 0, bytes = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (const { table } of tables) {
      const sc = new Scorer(model, table);
      for (let i = 0; i < table.n; i++) {
        const s = sc.score(i, 3);
        bytes += JSON.stringify(buildRecord(i + 1, table.kept[i]!, s)).length + 1;
        rows++;
      }
    }
    const wall = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1e6;
    console.log(`  in process: ${rows.toLocaleString('en-US')} rows scored + records + JSON (${(bytes / 2 ** 20).toFixed(0)} MB) in ${wall.toFixed(2)} s = ${Math.round(rows / wall).toLocaleString('en-US')} rows/s wall, ${Math.round(rows / cpu).toLocaleString('en-US')} rows per CPU-second  (${load()})`);
  }
  const lines = gunzipSync(readFileSync(join(KDD, 'KDDTrain+.txt.gz'))).toString('latin1').split('\n');
  const one = join(dir, 'one.txt.gz');
  writeFileSync(one, gzipSync(lines[0] + '\n'));
  for (let rep = 0; rep < runs; rep++) {
    const full = timed('node', [BIN, 'score', join(KDD, 'KDDTrain+.txt.gz'), '-m', m, '-o', join(dir, 's.jsonl'), '-q']);
    const base = timed('node', [BIN, 'score', one, '-m', m, '-o', join(dir, 's1.jsonl'), '-q']);
    const n = lines.filter((l) => l.trim()).length;
    console.log(`  score command: ${n.toLocaleString('en-US')} rows in ${full.wall.toFixed(2)} s, 1 row in ${base.wall.toFixed(2)} s (start-up): ${Math.round(n / (full.wall - base.wall)).toLocaleString('en-US')} rows/s after start-up, ${Math.round(n / (full.cpu - base.cpu)).toLocaleString('en-US')} rows per CPU-second  (${load()})`);
  }
}

try {
  console.log(`machine: ${execFileSync('nproc').toString().trim()} cores; node ${process.version}`);
  if (!a.only || a.only === 'train') await benchTrain();
  if (!a.only || a.only === 'score') await benchScore();
  if (!a.only || a.only === 'analyze') benchAnalyze();
  if (a.only === 'growth' || (!a.only && a.bigger)) benchGrowth();
  if (!a.only || a.only === 'startup') benchStartup();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
