/**
 * Report benchmark: time and size of the HTML report for the 1 GB bench capture's analysis
 * (≈ 148 k flows), stage by stage, in-process, run after run.
 *
 *   npx tsx scripts/bench-report.ts [--dir ANALYSIS_DIR] [--flows FLOWS.csv] [--runs 3]
 *
 * Without --dir it makes the analysis once (labeled flows of bench1g.pcap, then analyze) in
 * $TMPDIR/flowsift-bench/report/ and reuses it. Each run reports read+aggregate, charts (static SVG /
 * PNG), HTML, total wall and CPU time, the HTML size, and the process's peak RSS. The machine is
 * shared: compare runs made together (medians), not absolute times.
 */
import { parseArgs } from 'node:util';
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildReport, resolveReportInputs } from '../src/report/build.ts';

const { values: a } = parseArgs({ options: { dir: { type: 'string' }, flows: { type: 'string' }, runs: { type: 'string', default: '3' } } });
const bench = join(tmpdir(), 'flowsift-bench');
let dir = a.dir;
let flows = a.flows;
if (!dir) {
  const pcap = join(bench, 'bench1g.pcap');
  if (!existsSync(pcap)) throw new Error(`${pcap} is missing: generate it with ../shared/bench/gen_bench_pcap.py (see scripts/bench-flows.ts)`);
  // the generator writes the ground truth beside the capture (which may be a link to it)
  const truth = [join(bench, 'bench1g.labels.csv'), join(dirname(realpathSync(pcap)), 'bench1g.labels.csv')].find((p) => existsSync(p));
  dir = join(bench, 'report', 'analysis');
  flows = join(bench, 'report', 'flows.csv');
  if (!existsSync(join(dir, 'scores.jsonl'))) {
    mkdirSync(dir, { recursive: true });
    const cli = [fileURLToPath(new URL('../dist/cli/flowsift.js', import.meta.url))];
    console.log(`making the analysis once in ${dir} (flows + analyze: minutes)`);
    execFileSync(process.execPath, [...cli, 'flows', pcap, ...(truth ? ['--labels', truth] : []), '-o', flows, '-q'], { stdio: 'inherit' });
    execFileSync(process.execPath, [...cli, 'analyze', flows, '--out-dir', dir, '-q'], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
}
const runs = Number(a.runs);
const med = (xs: number[]): number => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;
for (const withFlows of flows ? [false, true] : [false]) {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const b = await buildReport(resolveReportInputs(dir!, undefined, withFlows ? [flows!] : undefined));
    const w = performance.now() - t0;
    const c = process.cpuUsage(c0);
    wall.push(w);
    cpu.push((c.user + c.system) / 1000);
    console.log(
      `${withFlows ? 'with --flows' : 'scores only '} run ${r + 1}: ${b.data.run.flows.toLocaleString('en-US')} flows, ` +
        `${Object.entries(b.timings).map(([k, v]) => `${k} ${v} ms`).join(', ')}; total ${Math.round(w)} ms wall, ${Math.round((c.user + c.system) / 1000)} ms CPU; ` +
        `HTML ${(Buffer.byteLength(b.html) / 1e6).toFixed(2)} MB; peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
    );
  }
  console.log(`${withFlows ? 'with --flows' : 'scores only '}: median ${Math.round(med(wall))} ms wall, ${Math.round(med(cpu))} ms CPU over ${runs} runs`);
}
