/**
 * Load test of `flowsift serve` (loopback only): the built server in a child process, its RSS
 * sampled every 25 ms from /proc, driven by this process.
 *
 *   npx tsx scripts/load-serve.ts [--rounds 3] [--concurrency 200] [--batch 100] [--upload /tmp/flowsift-bench/bench1g.pcap] [--no-upload]
 *
 * 1. score: `rounds` × `concurrency` concurrent POST /api/v1/score of `batch` flows each (the demo
 *    capture's flows); every record is checked against `flowsift score` of the same flows with the
 *    same model; meanwhile single-flow /score requests go one after another: their latency under
 *    that load (p50 / p95 / max).
 * 2. upload: the 1 GB bench capture streamed to POST /api/v1/analyze (raw body), then its analyze
 *    job followed to the end (the job runs in a child of the server; its RSS is reported apart).
 * 3. queries on the analysis the upload made (~150 k flows): concurrent pages with filters
 *    (service, CIDR, port, time), deep keyset walks, anomalies, incidents, one flow, CSV exports and
 *    a per-flow pcap (which reads the whole 1 GB capture).
 * Peak server RSS is printed for each phase, with the machine's load average: the machine is shared,
 * so compare figures taken in one sitting.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '200' },
    batch: { type: 'string', default: '100' },
    upload: { type: 'string', default: join(tmpdir(), 'flowsift-bench', 'bench1g.pcap') },
    'no-upload': { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(a.rounds);
const CONC = Number(a.concurrency);
const BATCH = Number(a.batch);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/flowsift.js');
const DEMO = join(ROOT, 'samples/demo.pcap');
const BASELINE = join(ROOT, 'samples/baseline.pcap');
const load = (): string => loadavg().map((x) => x.toFixed(1)).join(' ');
const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(0)} MB`;
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

if (!existsSync(CLI)) throw new Error(`${CLI} is missing: npm run build`);
const tmp = mkdtempSync(join(tmpdir(), 'flowsift-load-'));
let server: ChildProcess | undefined;
let errText = '';

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Children of a process (the analyze job). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      const c = readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim();
      if (c) out.push(...c.split(/\s+/).map(Number));
    }
  } catch {
    // gone
  }
  return out;
}

class Sampler {
  peak = 0;
  childPeak = 0;
  private t?: NodeJS.Timeout;
  constructor(private readonly pid: number) {}
  start(): void {
    this.peak = rssOf(this.pid);
    this.childPeak = 0;
    this.t = setInterval(() => {
      this.peak = Math.max(this.peak, rssOf(this.pid));
      const kids = childrenOf(this.pid).reduce((s, p) => s + rssOf(p), 0);
      this.childPeak = Math.max(this.childPeak, kids);
    }, 25);
  }
  stop(): number {
    clearInterval(this.t);
    return this.peak;
  }
}

try {
  // --- fixtures: the demo analysis, its flows, what flowsift score says of them
  const demo = join(tmp, 'demo');
  execFileSync(process.execPath, [CLI, 'analyze', DEMO, '--baseline', BASELINE, '--out-dir', demo, '-q'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const flowsText = execFileSync(process.execPath, [CLI, 'flows', DEMO, '--format', 'jsonl'], { maxBuffer: 1 << 30 }).toString();
  const flows = flowsText.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  writeFileSync(join(tmp, 'flows.jsonl'), flowsText);
  const scored = execFileSync(process.execPath, [CLI, 'score', join(tmp, 'flows.jsonl'), '-m', join(demo, 'model.json'), '--format', 'jsonl', '-q'], { maxBuffer: 1 << 30 }).toString();
  const want = new Map<string, { anomaly_score: number; is_anomaly: boolean; cluster: number }>();
  for (const l of scored.trim().split('\n')) {
    const r = JSON.parse(l);
    want.set(r.uid, r);
  }

  // --- the server (loopback, any free port)
  server = spawn(process.execPath, [CLI, 'serve', demo, '--host', '127.0.0.1', '--port', '0', '--jobs-dir', join(tmp, 'jobs'), '--max-upload', '2GiB'], { stdio: ['ignore', 'ignore', 'pipe'] });
  server.stderr!.on('data', (d) => (errText += String(d)));
  let base: string | undefined;
  for (let i = 0; i < 400 && !base; i++) {
    base = /on (http:\/\/127\.0\.0\.1:\d+)\//.exec(errText)?.[1];
    if (!base) await new Promise((r) => setTimeout(r, 50));
  }
  if (!base) throw new Error(`the server did not start: ${errText}`);
  const pid = server.pid!;
  const sampler = new Sampler(pid);
  console.log(`flowsift serve at ${base} (pid ${pid}); node ${process.version}; load ${load()}`);
  console.log(`idle RSS ${mb(rssOf(pid))}`);

  // --- 1. scoring under load
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < CONC; i++) batches.push(Array.from({ length: BATCH }, (_, j) => flows[(i * BATCH + j) % flows.length]!));
  const bodies = batches.map((b) => JSON.stringify(b));
  const post = (body: string): Promise<Response> => fetch(`${base}/api/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  sampler.start();
  let ok = 0, bad = 0;
  const errors: string[] = [];
  const single: number[] = [];
  const singleErrors: string[] = [];
  // CONC clients, each sending ROUNDS batches one after another: CONC requests in flight throughout;
  // meanwhile single-flow requests go one at a time
  // the single-flow prober is a process of its own, so its timings are the server's and not this
  // process's event loop, busy with the 200 batch clients
  const probeSrc = `
    const [url, body] = [process.argv[1], process.argv[2]];
    const lat = []; const errs = []; let stop = false;
    process.on('message', () => { stop = true; });
    while (!stop) {
      const t = performance.now();
      try { const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }); await r.json(); if (!stop) lat.push(performance.now() - t); }
      catch (e) { errs.push(String(e.cause?.code ?? e)); }
    }
    process.send({ lat, errs }, () => process.exit(0));`;
  const prober = spawn(process.execPath, ['--input-type=module', '-e', probeSrc, `${base}/api/v1/score`, JSON.stringify(flows[7])], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const probed = new Promise<{ lat: number[]; errs: string[] }>((res) => prober.once('message', (m) => res(m as { lat: number[]; errs: string[] })));
  const t0 = performance.now();
  await Promise.all(bodies.map(async (b, i) => {
    for (let round = 0; round < ROUNDS; round++) {
      const r = await post(b).catch((e) => {
        errors.push(String((e as { cause?: { code?: string } }).cause?.code ?? e));
        return undefined;
      });
      if (!r) {
        bad++;
        continue;
      }
      const recs = (await r.json()) as { uid: string; anomaly_score: number; is_anomaly: boolean; cluster: number }[];
      const good = r.status === 200 && recs.length === BATCH && recs.every((x, j) => {
        const w = want.get(String(batches[i]![j]!.uid));
        return x.uid === batches[i]![j]!.uid && w !== undefined && w.anomaly_score === x.anomaly_score && w.is_anomaly === x.is_anomaly && w.cluster === x.cluster;
      });
      if (good) ok++;
      else bad++;
    }
  }));
  const wall = performance.now() - t0;
  prober.send('stop');
  const pr = await probed;
  single.push(...pr.lat);
  singleErrors.push(...pr.errs);
  const scorePeak = sampler.stop();
  console.log(`\n1. score: ${CONC} concurrent clients × ${ROUNDS} POST /score of ${BATCH} flows each: ${ok} of ${CONC * ROUNDS} answered correctly, ${bad} wrong or failed (${(ok * BATCH).toLocaleString('en-US')} flows checked against flowsift score)`);
  console.log(`   ${(wall / 1000).toFixed(1)} s → ${Math.round((CONC * ROUNDS * BATCH) / (wall / 1000)).toLocaleString('en-US')} flows/s, ${((CONC * ROUNDS) / (wall / 1000)).toFixed(0)} requests/s`);
  if (errors.length || singleErrors.length) console.log(`   connection errors: ${errors.length} batch, ${singleErrors.length} single (${[...new Set([...errors, ...singleErrors])].join(', ')})`);
  console.log(`   single-flow /score under that load: n=${single.length}, p50 ${pct(single, 50).toFixed(1)} ms, p95 ${pct(single, 95).toFixed(1)} ms, max ${Math.max(...single).toFixed(1)} ms`);
  console.log(`   peak server RSS ${mb(scorePeak)}; load ${load()}`);

  // --- 2. upload of the bench capture, and its analyze job
  let analysis: string | undefined;
  if (!a['no-upload'] && existsSync(a.upload)) {
    const size = statSync(a.upload).size;
    sampler.start();
    const t0 = performance.now();
    const r = await fetch(`${base}/api/v1/analyze?name=bench1g.pcap`, {
      method: 'POST', headers: { 'content-type': 'application/vnd.tcpdump.pcap', 'content-length': String(size) },
      body: Readable.toWeb(createReadStream(a.upload, { highWaterMark: 1 << 20 })) as ReadableStream, duplex: 'half',
    } as RequestInit);
    const up = (performance.now() - t0) / 1000;
    const j = (await r.json()) as { job: { id: string } };
    const upPeak = sampler.stop();
    console.log(`\n2. upload: ${mb(size)} streamed in ${up.toFixed(1)} s (${(size / 1024 / 1024 / up).toFixed(0)} MB/s), HTTP ${r.status}; peak server RSS during the upload ${mb(upPeak)}; load ${load()}`);
    sampler.start();
    const t1 = performance.now();
    let job: { state: string; analysis?: string; error?: string } = { state: 'queued' };
    while (job.state === 'queued' || job.state === 'running') {
      await new Promise((res) => setTimeout(res, 500));
      job = ((await (await fetch(`${base}/api/v1/jobs/${j.job.id}`)).json()) as { job: typeof job }).job;
    }
    const jobPeak = sampler.stop();
    console.log(`   analyze job ${job.state} in ${((performance.now() - t1) / 1000).toFixed(1)} s${job.error ? `: ${job.error}` : ''}; peak server RSS meanwhile ${mb(jobPeak)}, the job's process ${mb(sampler.childPeak)}; load ${load()}`);
    analysis = job.analysis;
  } else {
    console.log(`\n2. upload: skipped (${a['no-upload'] ? '--no-upload' : `${a.upload} not found`})`);
  }

  // --- 3. queries
  const an = analysis ?? 'demo';
  const q = (p: string): string => `${base}${p}${p.includes('?') ? '&' : '?'}analysis=${an}`;
  const info = (await (await fetch(q('/api/v1/flows?limit=1&total=1'))).json()) as { total: number; rows: { uid: string; ts: string }[] };
  const anom = (await (await fetch(q('/api/v1/anomalies?limit=50'))).json()) as { rows: { uid: string; src_ip: string; service: string }[] };
  const lat = new Map<string, number[]>();
  const timed = async (kind: string, url: string): Promise<Response> => {
    const t = performance.now();
    const r = await fetch(url);
    if (r.status !== 200) throw new Error(`${url}: HTTP ${r.status} ${await r.text()}`);
    await r.arrayBuffer();
    (lat.get(kind) ?? lat.set(kind, []).get(kind)!).push(performance.now() - t);
    return r;
  };
  const walk = async (filter: string, pages: number): Promise<void> => {
    let next: string | null = null;
    for (let i = 0; i < pages; i++) {
      const t = performance.now();
      const r = await fetch(q(`/api/v1/flows?${filter}limit=200${next ? `&after=${next}` : ''}`));
      const j = (await r.json()) as { next: string | null };
      (lat.get('keyset page (200 rows)') ?? lat.set('keyset page (200 rows)', []).get('keyset page (200 rows)')!).push(performance.now() - t);
      next = j.next;
      if (!next) break;
    }
  };
  const ip = anom.rows[0]?.src_ip ?? '10.0.0.1';
  const cidr = ip.includes(':') ? `${ip}/64` : ip.replace(/\.\d+$/, '.0/24');
  sampler.start();
  const tq = performance.now();
  const clients = Array.from({ length: 50 }, async (_, c) => {
    for (let i = 0; i < 4; i++) {
      switch ((c + i) % 8) {
        case 0: await timed('flows, service filter', q(`/api/v1/flows?service=${anom.rows[0]?.service ?? 'http'}&limit=100`)); break;
        case 1: await timed('flows, CIDR either side', q(`/api/v1/flows?addr=${encodeURIComponent(cidr)}&limit=100&total=1`)); break;
        case 2: await timed('anomalies, top 100', q('/api/v1/anomalies?limit=100')); break;
        case 3: await timed('incidents', q('/api/v1/incidents?limit=50')); break;
        case 4: await timed('one flow', q(`/api/v1/flows/${anom.rows[(c + i) % anom.rows.length]!.uid}`)); break;
        case 5: await walk('port=!80&', 10); break;
        case 6: await timed('flows, time range + port', q(`/api/v1/flows?from=${encodeURIComponent(info.rows[0]!.ts)}&port=443&port=53&limit=100`)); break;
        case 7: await timed('CSV export, anomalies', q('/api/v1/flows.csv?anomaly=1')); break;
      }
    }
  });
  await Promise.all(clients);
  await timed('CSV export, every flow', q('/api/v1/flows.csv'));
  if (analysis) await timed('per-flow pcap (reads the whole capture)', q(`/api/v1/flows/${anom.rows[0]!.uid}/pcap`));
  const qPeak = sampler.stop();
  console.log(`\n3. queries on analysis ${an} (${info.total.toLocaleString('en-US')} flows): 50 concurrent clients × 4 requests + exports, ${((performance.now() - tq) / 1000).toFixed(1)} s`);
  for (const [k, xs] of lat) console.log(`   ${k.padEnd(42)} n=${String(xs.length).padStart(3)}  p50 ${pct(xs, 50).toFixed(0).padStart(6)} ms  p95 ${pct(xs, 95).toFixed(0).padStart(6)} ms`);
  console.log(`   peak server RSS during queries ${mb(qPeak)}; load ${load()}`);
  console.log(`\npeak server RSS overall: ${mb(Math.max(scorePeak, qPeak))} (score), ${mb(qPeak)} (queries)`);
} catch (e) {
  console.error(`load-serve: ${(e as Error).message}; the server ${server?.exitCode === null ? 'is running' : `exited with ${String(server?.exitCode)} ${String(server?.signalCode)}`}; its stderr:\n${errText.slice(-3000)}`);
  process.exitCode = 1;
} finally {
  if (server && server.exitCode === null) {
    const gone = new Promise((r) => server!.once('close', r));
    server.kill('SIGINT');
    await gone;
  }
  rmSync(tmp, { recursive: true, force: true });
}
