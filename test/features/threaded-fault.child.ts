/**
 * Child process of threaded.test.ts: a run whose main-thread side fails (an onInspected hook
 * throws) must reject AND let the process exit by itself — the worker must not be left waiting
 * for ring space (it would keep the process alive). Prints the rejection; exits 0.
 */
import { extractFlows } from '../../src/features/extract.ts';

const [pcap] = process.argv.slice(2);
let n = 0;
try {
  await extractFlows(Array.from({ length: 8 }, () => pcap!), { worker: true, content: { onInspected: () => { if (++n === 10) throw new Error('analyzer hook failed'); } } }, () => {});
  console.log('resolved');
} catch (e) {
  console.log(`rejected: ${(e as Error).message}`);
}
