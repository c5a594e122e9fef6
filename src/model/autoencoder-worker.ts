/** Entry of the autoencoder's worker thread (autoencoder.ts, Mlp.train): computes the second half of each mini-batch. */
import { workerData } from 'node:worker_threads';
import { aeWorkerLoop, type AeJob } from './autoencoder.ts';

aeWorkerLoop(workerData as AeJob);
