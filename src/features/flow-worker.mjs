// Entry of the flow-engine worker thread (src/features/threaded.ts, flow-thread.ts): registers tsx so the worker
// runs the TypeScript sources as the main thread does, then runs the packet path.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { flowThread } = await import('./flow-thread.ts');
await flowThread(workerData);
