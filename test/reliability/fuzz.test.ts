/**
 * CI fuzz sample: a fixed-seed run of the mutation fuzzer over every corpus capture, through
 * reader → decoder → flow engine in-process (scripts/fuzz.ts runs more cases, with a watchdog).
 * Contract per case (harness.ts): no uncaught exception, within the time budget, bounded memory,
 * records inside their buffers, packets ≤ what the bytes can hold (exactly the complete records for
 * truncations of cleanly read files), flows never count more packets than were read.
 */
import { describe, expect, it } from 'vitest';
import { cleanCorpusFiles } from './corpus-baseline.ts';
import { runCase, runPipeline, caseFile } from './harness.ts';
import { loadCorpus, makeCase } from './mutate.ts';

const SEED = 20261120;
const CASES = 2000;
// Per-case hang budget: generous because CI runs other test files on the same 2 cores (the slowest case takes ~0.8 s alone).
const BUDGET_MS = 5000;

describe('capture fuzzing (fixed seed)', () => {
  const corpus = loadCorpus();

  it(`${CASES} mutated captures: no crash, no hang, bounded memory, consistent counts`, async () => {
    const clean = await cleanCorpusFiles(corpus);
    // The reader must read the untouched corpus completely, or truncation checks would be vacuous.
    expect(clean.size).toBeGreaterThanOrEqual(60);
    const failures: string[] = [];
    const ops = new Map<string, number>();
    let packets = 0;
    let flows = 0;
    let faults = 0;
    const t0 = performance.now();
    for (let i = 0; i < CASES; i++) {
      const c = makeCase(corpus, SEED, i);
      const out = await runCase(c, BUDGET_MS, clean);
      ops.set(c.op, (ops.get(c.op) ?? 0) + 1);
      packets += out.packets;
      flows += out.flows;
      if (out.errors > 0 || out.warnings > 0) faults++;
      if (out.failures.length) failures.push(`case ${i} (${c.op} on ${c.source || 'synthetic'}: ${c.detail}): ${out.failures.join(' | ')} — reproduce: npx tsx scripts/fuzz.ts --seed ${SEED} --case ${i}`);
    }
    const secs = (performance.now() - t0) / 1000;
    console.log(`fuzz: ${CASES} cases (seed ${SEED}) in ${secs.toFixed(1)} s, ${packets} packets read, ${flows} flows, ${faults} cases reported a fault, ${failures.length} contract failures; ops: ${[...ops].map(([k, v]) => `${k} ${v}`).join(', ')}`);
    expect(failures).toEqual([]);
    // Every class of hostile input named in issue 7 was actually generated.
    for (const op of ['trunc-boundary', 'trunc-random', 'trunc-inside', 'bitflip', 'pcap-caplen', 'ng-blocklen', 'ng-trailer', 'ng-insert', 'ng-option-len', 'linktype', 'ipv4-ihl', 'tcp-doff', 'ipv6-ext-loop', 'ipv6-ext-overrun', 'frag-flood', 'gzip-cut']) {
      expect(ops.get(op) ?? 0, op).toBeGreaterThan(0);
    }
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
