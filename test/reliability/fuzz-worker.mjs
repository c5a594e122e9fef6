// Worker thread of runner.ts (scripts/fuzz.ts, fuzz.test.ts): registers tsx (TypeScript sources),
// then runs fuzz cases by index on request so the parent can time each one out and replace a hung
// worker. Index -1 busy-loops forever: the self-test of the parent's watchdog.
import { register } from 'tsx/esm/api';
import { parentPort, workerData } from 'node:worker_threads';

register();
const { loadCorpus, makeCase } = await import('./mutate.ts');
const { runCase } = await import('./harness.ts');
const { cleanCorpusFiles } = await import('./corpus-baseline.ts');
const corpus = loadCorpus();
const clean = await cleanCorpusFiles(corpus);
const { seed, budget } = workerData;
parentPort.on('message', async (index) => {
  if (index === -1) for (;;);
  const c = makeCase(corpus, seed, index);
  const out = await runCase(c, budget, clean);
  parentPort.postMessage({ index, op: c.op, source: c.source, detail: c.detail, failures: out.failures, ms: out.ms, packets: out.packets, flows: out.flows, errors: out.errors, warnings: out.warnings, peakExtra: out.peakExtra });
});
parentPort.postMessage('ready');
