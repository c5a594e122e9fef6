/**
 * CI fuzz sample: a fixed-seed run of the mutation fuzzer over every corpus capture, through
 * reader → decoder → flow engine in-process (scripts/fuzz.ts runs more cases, with a watchdog).
 * Contract per case (harness.ts): no uncaught exception, within the time budget, bounded memory,
 * records inside their buffers, packets ≤ what the bytes can hold (exactly the complete records for
 * truncations of cleanly read files), flows never count more packets than were read.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { cleanCorpusFiles } from './corpus-baseline.ts';
import { runPipeline, caseFile } from './harness.ts';
import { FuzzRunner } from './runner.ts';
import { loadCorpus, makeCase } from './mutate.ts';

const SEED = 20261120;
const CASES = 2000;
// Per-case hang budget: generous because CI runs other test files on the same 2 cores (the slowest case takes ~0.8 s alone).
const BUDGET_MS = 5000;
const WATCHDOG_MS = 30_000;

describe('capture fuzzing (fixed seed)', () => {
  const corpus = loadCorpus();

  it(`${CASES} mutated captures: no crash, no hang, bounded memory, consistent counts`, async () => {
    const clean = await cleanCorpusFiles(corpus);
    // The reader must read the untouched corpus completely, or truncation checks would be vacuous.
    expect(clean.size).toBeGreaterThanOrEqual(60);
    // Cases run in a worker under a watchdog, so a busy loop is a named hang, not a test timeout.
    const runner = new FuzzRunner(SEED, BUDGET_MS, WATCHDOG_MS);
    await runner.start();
    const failures: string[] = [];
    const ops = new Map<string, number>();
    let packets = 0;
    let flows = 0;
    let faults = 0;
    const t0 = performance.now();
    try {
      for (let i = 0; i < CASES; i++) {
        const { r, hang, crash } = await runner.run(i);
        const what = (): string => {
          const c = makeCase(corpus, SEED, i);
          return `case ${i} (${c.op} on ${c.source || 'synthetic'}: ${c.detail})`;
        };
        const repro = `reproduce: npx tsx scripts/fuzz.ts --seed ${SEED} --case ${i}`;
        if (hang) failures.push(`${what()}: hang (no answer in ${WATCHDOG_MS} ms) — ${repro}`);
        else if (crash) failures.push(`${what()}: ${crash} — ${repro}`);
        if (!r) continue;
        ops.set(r.op, (ops.get(r.op) ?? 0) + 1);
        packets += r.packets;
        flows += r.flows;
        if (r.errors > 0 || r.warnings > 0) faults++;
        if (r.failures.length) failures.push(`${what()}: ${r.failures.join(' | ')} — ${repro}`);
      }
    } finally {
      await runner.stop();
    }
    const secs = (performance.now() - t0) / 1000;
    console.log(`fuzz: ${CASES} cases (seed ${SEED}) in ${secs.toFixed(1)} s, ${packets} packets read, ${flows} flows, ${faults} cases reported a fault, ${failures.length} failures (crashes, hangs, contract); ops: ${[...ops].map(([k, v]) => `${k} ${v}`).join(', ')}`);
    expect(failures).toEqual([]);
    // Every class of hostile input named in issue 7 was actually generated.
    for (const op of ['trunc-boundary', 'trunc-random', 'trunc-inside', 'bitflip', 'pcap-caplen', 'ng-blocklen', 'ng-trailer', 'ng-insert', 'ng-option-len', 'linktype', 'ipv4-ihl', 'tcp-doff', 'ipv6-ext-loop', 'ipv6-ext-overrun', 'frag-flood', 'gzip-cut', 'tcp-seq', 'payload', 'big-length', 'vlan-chain', 'mpls-chain']) {
      expect(ops.get(op) ?? 0, op).toBeGreaterThan(0);
    }
  });

  it('the watchdog names a case that never answers, replaces the worker and goes on', async () => {
    const runner = new FuzzRunner(SEED, 500, 1500);
    await runner.start();
    try {
      const stuck = await runner.run(-1); // the worker's self-test index: a busy loop
      expect(stuck.hang).toBe(true);
      const next = await runner.run(0);
      expect(next.hang).toBe(false);
      expect(next.r?.index).toBe(0);
    } finally {
      await runner.stop();
    }
  });

  it('the flows and info commands on 40 mutated captures (and a directory of them): exit 0 or 3 only, one-line errors, no temp file, output only with rows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowsift-rel-cli-'));
    const failures: string[] = [];
    const codes = new Map<number, number>();
    for (let i = 0; i < 40; i++) {
      const c = makeCase(corpus, SEED + 1, i);
      const input = caseFile(c.bytes, c.gzip ? '.pcap.gz' : '.pcap');
      const out = join(dir, `out${i}.csv`);
      const stderr = new PassThrough();
      let err = '';
      stderr.on('data', (d: Buffer) => (err += d.toString()));
      const code = await runCli(['flows', input, '-o', out, '-q'], { stdout: new PassThrough(), stderr });
      codes.set(code, (codes.get(code) ?? 0) + 1);
      const what = `case ${i} (${c.op} on ${c.source || 'synthetic'}: ${c.detail})`;
      if (code !== 0 && code !== 3) failures.push(`${what}: exit ${code}: ${err.slice(0, 300)}`);
      if (/internal error|\n\s+at /.test(err)) failures.push(`${what}: stack trace on stderr: ${err.slice(0, 300)}`);
      if (code === 3 && !/^flowsift: /m.test(err)) failures.push(`${what}: exit 3 without a message`);
      if (code === 0 && !existsSync(out)) failures.push(`${what}: exit 0 but no output file`);
      if (existsSync(out) && readFileSync(out, 'utf8').split('\n').length < 3) failures.push(`${what}: output file without a single row`);
      const temps = readdirSync(dir).filter((n) => n.endsWith('.tmp'));
      if (temps.length) failures.push(`${what}: temp files left: ${temps.join(', ')}`);
      // `info` on the same input: the same exit-code contract.
      const info = await runCli(['info', input], { stdout: new PassThrough(), stderr: new PassThrough() });
      if (info !== 0 && info !== 3) failures.push(`${what}: info exit ${info}`);
    }
    // A directory of mutated captures (the last 8 cases): probed, ordered, read; 0 or 3.
    const all = await runCli(['flows', dirname(caseFile(new Uint8Array(0), '.empty')), '-o', join(dir, 'dir.csv'), '-q'], { stdout: new PassThrough(), stderr: new PassThrough() });
    if (all !== 0 && all !== 3) failures.push(`directory of mutated captures: exit ${all}`);
    rmSync(dir, { recursive: true, force: true });
    console.log(`flows CLI fuzz: 40 cases, exit codes ${[...codes].map(([k, v]) => `${k}×${v}`).join(', ')}`);
    expect(failures).toEqual([]);
    // Both outcomes occur (the sample is neither all-clean nor all-broken).
    expect(codes.get(0) ?? 0).toBeGreaterThan(4);
    expect(codes.get(3) ?? 0).toBeGreaterThan(4);
  });

  it('truncation at every record boundary of every small clean capture delivers exactly the complete records', async () => {
    const clean = await cleanCorpusFiles(corpus);
    const failures: string[] = [];
    let cases = 0;
    for (const f of corpus) {
      if (!clean.has(f.name) || f.layout.records.length > 120) continue;
      const rs = f.layout.records;
      for (let k = 0; k <= rs.length; k++) {
        const cut = k === rs.length ? f.bytes.length : rs[k]!.hdr;
        // At the boundary, and one byte past it (a cut inside the next record).
        for (const at of k === rs.length ? [cut] : [cut, cut + 1]) {
          cases++;
          const out = await runPipeline(caseFile(f.bytes.subarray(0, at)), { budgetMs: BUDGET_MS, maxPackets: k, exactPackets: k });
          if (out.failures.length) failures.push(`${f.name} cut at ${at} (after record ${k}): ${out.failures.join(' | ')}`);
        }
      }
    }
    console.log(`truncation: ${cases} prefixes of small clean corpus captures`);
    expect(cases).toBeGreaterThan(300);
    expect(failures).toEqual([]);
  });
});
