/**
 * Capture fuzzer: `npx tsx scripts/fuzz.ts [--cases N] [--seed S] [--from I] [--case I] [--budget MS]`
 *
 * Generates N seeded mutations of every capture in ../shared/corpus/pcap (test/reliability/mutate.ts)
 * and runs each through reader → decoder → flow engine in a worker thread watched by a timer, so a
 * hang (busy loop) is detected and the worker replaced. Prints cases / crashes / hangs / contract
 * failures and saves every failing input to <tmpdir>/flowsift-fuzz/ with a one-line reproduction.
 * `--case I` replays one case in-process and prints its outcome.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCorpus, makeCase } from '../test/reliability/mutate.ts';
import { FuzzRunner } from '../test/reliability/runner.ts';

const argv = process.argv.slice(2);
function arg(name: string, dflt: number): number {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(argv[i + 1]);
  if (!Number.isFinite(v)) {
    console.error(`fuzz: --${name} needs a number`);
    process.exit(2);
  }
  return v;
}

const seed = arg('seed', 1);
const cases = arg('cases', 1000);
const from = arg('from', 0);
const budget = arg('budget', 2000);
const only = argv.includes('--case') ? arg('case', 0) : -1;
const outDir = join(tmpdir(), 'flowsift-fuzz');

if (only >= 0) {
  const { runCase } = await import('../test/reliability/harness.ts');
  const { cleanCorpusFiles } = await import('../test/reliability/corpus-baseline.ts');
  const corpus = loadCorpus();
  const c = makeCase(corpus, seed, only);
  const out = await runCase(c, budget, await cleanCorpusFiles(corpus));
  console.log(`case ${only} seed ${seed}: ${c.op} on ${c.source || '(synthetic)'}: ${c.detail}`);
  console.log(JSON.stringify({ ...out, failures: undefined }, null, 0));
  for (const f of out.failures) console.log(`  FAIL ${f}`);
  process.exit(out.failures.length ? 1 : 0);
}

const corpus = loadCorpus();
const runner = new FuzzRunner(seed, budget);
try {
  await runner.start();
} catch (e) {
  console.error(`fuzz: ${(e as Error).message}`);
  process.exit(1);
}
mkdirSync(outDir, { recursive: true });
let crashes = 0;
let hangs = 0;
let contract = 0;
const byOp = new Map<string, number>();
const t0 = performance.now();
let maxMs = 0;
let slowest = '';
let maxMem = 0;
for (let i = from; i < from + cases; i++) {
  const { r, hang, crash } = await runner.run(i);
  let kind = '';
  let why = '';
  if (hang) { hangs++; kind = 'hang'; why = `no answer within ${budget * 5 + 5000} ms`; }
  else if (crash) { crashes++; kind = 'crash'; why = crash; }
  else if (r && r.failures.length) {
    const isCrash = r.failures.some((f) => f.startsWith('uncaught'));
    const isHang = r.failures.some((f) => f.startsWith('hang'));
    if (isCrash) crashes++; else if (isHang) hangs++; else contract++;
    kind = isCrash ? 'crash' : isHang ? 'hang' : 'contract';
    why = r.failures.join(' | ');
  }
  if (r) {
    byOp.set(r.op, (byOp.get(r.op) ?? 0) + 1);
    if (r.ms > maxMs) {
      maxMs = r.ms;
      slowest = `case ${i}, ${r.op} on ${r.source || 'synthetic'}`;
    }
    maxMem = Math.max(maxMem, r.peakExtra);
  }
  if (kind) {
    const c = makeCase(corpus, seed, i);
    const file = join(outDir, `seed${seed}-case${i}-${c.op}${c.gzip ? '.pcap.gz' : '.pcap'}`);
    writeFileSync(file, c.bytes);
    console.log(`${kind.toUpperCase()} case ${i} (${c.op} on ${c.source || 'synthetic'}: ${c.detail}): ${why.split('\n').slice(0, 4).join(' / ')}`);
    console.log(`  reproduce: npx tsx scripts/fuzz.ts --seed ${seed} --case ${i}    # input saved as ${file}`);
  }
  if ((i - from + 1) % 1000 === 0) console.error(`… ${i - from + 1}/${cases} cases, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
await runner.stop();
const secs = (performance.now() - t0) / 1000;
console.log(`cases ${cases} (seed ${seed}, from ${from}) in ${secs.toFixed(1)} s: crashes ${crashes}, hangs ${hangs}, contract failures ${contract}; slowest case ${maxMs.toFixed(0)} ms (${slowest}); peak extra array-buffer memory ${(maxMem / 2 ** 20).toFixed(1)} MiB`);
console.log(`ops: ${[...byOp].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`);
process.exit(crashes + hangs + contract ? 1 : 0);
