/** Entry of the flow-engine worker thread that threaded.ts starts: the packet path of flow-thread.ts. */
import { workerData } from 'node:worker_threads';
import { flowThread, type FlowThreadData } from './flow-thread.ts';

await flowThread(workerData as FlowThreadData);
