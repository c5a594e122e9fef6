// Worker thread for scripts/fuzz.ts: registers tsx (TypeScript sources), then runs fuzz cases by
// index on request so the parent can time each one out and replace a hung worker.
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
  const c = makeCase(corpus, seed, index);
  const out = await runCase(c, budget, clean);
  parentPort.postMessage({ index, op: c.op, source: c.source, detail: c.detail, failures: out.failures, ms: out.ms, packets: out.packets, peakExtra: out.peakExtra });
});
parentPort.postMessage('ready');
