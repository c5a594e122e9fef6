/** Entry of the thread a `worker: true` ScoresParquetWriter starts: encodes and writes its row groups, then the footer. */
import { parentPort, workerData } from 'node:worker_threads';
import { ScoresFileEncoder, type FileLayout, type LeafData } from './scores-parquet.ts';

const { tmp, layout } = workerData as { tmp: string; layout: FileLayout };
const enc = new ScoresFileEncoder(tmp, layout);
parentPort!.on('message', (m: { rows: number; data: LeafData[] } | { end: true }) => {
  if ('end' in m) {
    enc.finish();
    parentPort!.close();
  } else enc.group(m.rows, m.data);
});
