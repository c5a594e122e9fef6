/**
 * Dashboard query benchmark: the store's typed queries (src/store/dashboard.ts) over ~1 M scored
 * flows, each timed warm (the first run is discarded; median and least of --runs), wall and CPU
 * (all of DuckDB's threads: on a loaded machine the wall time is mostly waiting for a core, the CPU
 * time is what the query costs), with the process's peak RSS. Each mode runs in its own child process so its peak RSS is its own:
 *
 *   parquet       views straight over the Parquet files (what `flowsift query` does)
 *   materialized  the views loaded once into DuckDB's in-memory tables, sorted by ts (openStore
 *                 { materialize: true }: the dashboard's mode); the load time is printed apart
 *
 *   npx tsx scripts/make-scored.ts                     # once: /tmp/flowsift-bench/scored1m
 *   npx tsx scripts/bench-store.ts [DIR] [--runs 7] [--mode parquet|materialized|both] (default parquet) [--memory-limit 1GB]
 *
 * The machine is shared: figures are noisy; compare modes side by side in one sitting.
 */
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore, type Store } from '../src/store/store.ts';
import { countsPerHour, flowByUid, flowPage, scoreHistogram, serviceByFlag, topAnomalies } from '../src/store/dashboard.ts';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1]! : dflt;
};
const DIR = argv[0] && !argv[0].startsWith('--') ? argv[0] : join(tmpdir(), 'flowsift-bench', 'scored1m');
const RUNS = Math.max(2, Number(opt('--runs', '7')));
const MODE = opt('--mode', 'parquet');
const MEM = opt('--memory-limit', '1GB');

async function child(mode: string): Promise<void> {
  const t0 = performance.now();
  const store = await openStore([DIR], { materialize: mode === 'materialized', memoryLimit: MEM, threads: 2 });
  const open = performance.now() - t0;
  const n = (await store.query('SELECT count(*) AS n FROM scores')).rows[0]!.n as number;
  // realistic arguments taken from the data: the busiest service, a uid from the middle, a page deep in time
  const svc = (await store.query('SELECT service FROM anomalies GROUP BY 1 ORDER BY count(*) DESC LIMIT 1')).rows[0]!.service as string;
  const mid = (await store.query('SELECT uid, ts FROM scores LIMIT 1 OFFSET $1', [Math.floor(n * 0.6)])).rows[0]!;
  const queries: [string, (s: Store) => Promise<unknown>][] = [
    [`top 100 anomalies, service=${svc}`, (s) => topAnomalies(s, { service: svc, limit: 100 })],
    ['counts per hour', (s) => countsPerHour(s)],
    ['service × flag', (s) => serviceByFlag(s)],
    [`keyset page (50, service=${svc}, after 60 %)`, (s) => flowPage(s, { filter: { service: svc }, after: { ts: mid.ts as string, uid: mid.uid as string }, limit: 50 })],
    ['one flow by uid', (s) => flowByUid(s, mid.uid as string)],
    ['one flow by uid, with its ts (from a list row)', (s) => flowByUid(s, mid.uid as string, { ts: mid.ts as string })],
    ['score histogram (50 bins)', (s) => scoreHistogram(s, { bins: 50 })],
  ];
  const lines: string[] = [];
  for (const [name, q] of queries) {
    await q(store); // cold
    const ms: number[] = [];
    const cpu: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const t = performance.now();
      const c = process.cpuUsage();
      await q(store);
      const d = process.cpuUsage(c);
      ms.push(performance.now() - t);
      cpu.push((d.user + d.system) / 1000);
    }
    ms.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    const med = (xs: number[]): string => xs[Math.floor(xs.length / 2)]!.toFixed(1).padStart(7);
    lines.push(`  ${name.padEnd(48)} wall median ${med(ms)} ms, least ${ms[0]!.toFixed(1).padStart(7)} ms   CPU median ${med(cpu)} ms`);
  }
  store.close();
  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(`${mode}: ${n.toLocaleString('en-US')} scored flows, open ${(open / 1000).toFixed(2)} s, memory_limit ${MEM}\n${lines.join('\n')}\n  peak RSS ${rss.toFixed(0)} MB`);
}

if (argv.includes('--child')) {
  await child(opt('--child', 'parquet'));
} else {
  const modes = MODE === 'both' ? ['parquet', 'materialized'] : [MODE];
  console.log(`bench-store: ${DIR}, ${RUNS} warm runs per query (after one cold run); load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`);
  for (const m of modes) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), DIR, '--child', m, '--runs', String(RUNS), '--memory-limit', MEM], { stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
}
