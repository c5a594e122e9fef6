/**
 * The autoencoder's training loop side by side: flowsift's typed-array network (src/model/autoencoder.ts)
 * and the same network in TensorFlow.js on its WebAssembly backend (@tensorflow/tfjs-layers +
 * tfjs-backend-wasm 4.22, SIMD, one thread): tanh 64-32-16-32-64, linear output, mean squared error
 * with an L2 penalty of 0.0001 on the kernels, Adam (lr 0.001), batches of 200, shuffled each epoch,
 * on the 67,343 normal KDDTrain+ rows encoded as `train` encodes them (dense 118 columns for tfjs).
 * Runs alternate (A, B, A, B …) because the machine is shared; the load is printed with each run.
 * Also reports each one's ROC-AUC on KDDTest+ (reconstruction error), so speed is compared at
 * equal work and similar accuracy.
 *
 *   npx tsx scripts/bench-ae-tfjs.ts [--epochs 3] [--runs 2]
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { collectTable } from '../src/model/input.ts';
import { resolveFeatureList } from '../src/model/encode.ts';
import { encodeRows, type EncodedRows } from '../src/model/kmeans.ts';
import { Encoder, fitPreprocessing, encodedDims } from '../src/model/scale.ts';
import { Mlp } from '../src/model/autoencoder.ts';
import { AE_DEFAULTS } from '../src/model/autoencoder-detector.ts';
import { TRAIN_DEFAULTS } from '../src/model/train.ts';
import { rocAuc } from '../src/model/metrics.ts';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

const { values: a } = parseArgs({ options: { epochs: { type: 'string', default: '3' }, runs: { type: 'string', default: '2' } } });
const epochs = Number(a.epochs), runs = Number(a.runs);
const KDD = fileURLToPath(new URL('../../shared/corpus/kdd/', import.meta.url));
const features = resolveFeatureList('kdd');
const tr = (await collectTable([KDD + 'KDDTrain+.txt.gz'], { features, trainOn: 'normal' })).table;
const te = (await collectTable([KDD + 'KDDTest+.txt.gz'], { features, keep: ['label'] })).table;
const p = fitPreprocessing(tr, { log: TRAIN_DEFAULTS.log, clip: TRAIN_DEFAULTS.clip, stdFloor: TRAIN_DEFAULTS.stdFloor, oneHotWeight: TRAIN_DEFAULTS.oneHotWeight });
const xtr = encodeRows(new Encoder(p, tr), tr.n);
const xte = encodeRows(new Encoder(p, te), te.n);
const pos = Array.from({ length: te.n }, (_, i) => String(te.keptValue(i, 'label')) !== 'normal');
const D = encodedDims(p);
const dense = (x: EncodedRows, net: Mlp): Float32Array => {
  const out = new Float32Array(x.n * D);
  const row = new Float64Array(D);
  for (let r = 0; r < x.n; r++) {
    net.dense(x, r, row);
    out.set(row, r * D);
  }
  return out;
};
const load = (): string => `load ${loadavg().map((v) => v.toFixed(1)).join(' ')}`;
const cpu = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

const probe = Mlp.init(p, AE_DEFAULTS.hidden, 1);
const Xtr = dense(xtr, probe), Xte = dense(xte, probe);
setWasmPaths(fileURLToPath(new URL('../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url)));
await import('@tensorflow/tfjs-backend-wasm');
await tf.setBackend('wasm');
await tf.ready();

async function ours(seed: number): Promise<{ sec: number; cpu: number; auc: number }> {
  const net = Mlp.init(p, AE_DEFAULTS.hidden, seed);
  const t0 = performance.now(), c0 = cpu();
  net.train(xtr, { ...AE_DEFAULTS, epochs, seed });
  const sec = (performance.now() - t0) / 1000, used = cpu() - c0;
  const acts = net.buffers(1);
  const err = new Float64Array(xte.n);
  for (let r = 0; r < xte.n; r++) {
    net.forward(xte, null, r, 1, acts);
    let s = 0;
    for (let j = 0; j < D; j++) s += (acts[0]![j]! - acts[acts.length - 1]![j]!) ** 2;
    err[r] = s;
  }
  return { sec, cpu: used, auc: rocAuc(err, pos) };
}

async function tfjs(seed: number): Promise<{ sec: number; cpu: number; auc: number }> {
  const m = tfl.sequential();
  const sizes = [...AE_DEFAULTS.hidden, D];
  sizes.forEach((u, l) => m.add(tfl.layers.dense({
    units: u, activation: l < sizes.length - 1 ? 'tanh' : 'linear', ...(l === 0 ? { inputShape: [D] } : {}),
    kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + l }), // scikit-learn's loss is ½·MSE + alpha/(2·batch)·Σw²; tfjs's MSE has no ½, so the same objective ×2
    kernelRegularizer: tfl.regularizers.l2({ l2: AE_DEFAULTS.l2 / AE_DEFAULTS.batchSize }),
  })));
  m.compile({ optimizer: tf.train.adam(AE_DEFAULTS.learningRate), loss: 'meanSquaredError' });
  const x = tf.tensor2d(Xtr, [xtr.n, D]);
  const t0 = performance.now(), c0 = cpu();
  await m.fit(x, x, { epochs, batchSize: AE_DEFAULTS.batchSize, shuffle: true, verbose: 0 });
  const sec = (performance.now() - t0) / 1000, used = cpu() - c0;
  const xt = tf.tensor2d(Xte, [xte.n, D]);
  const rec = m.predict(xt) as tf.Tensor;
  const err = Float64Array.from(await tf.sum(tf.square(tf.sub(rec, xt)), 1).data());
  tf.dispose([x, xt, rec]);
  m.dispose();
  return { sec, cpu: used, auc: rocAuc(err, pos) };
}

console.log(`autoencoder ${D}-${AE_DEFAULTS.hidden.join('-')}-${D}, ${xtr.n} rows, ${epochs} epochs a run, ${runs} alternated pairs; tfjs backend ${tf.getBackend()}, SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT')}, threads ${tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')} (${load()})`);
const A: number[] = [], B: number[] = [], Ac: number[] = [], Bc: number[] = [];
for (let r = 0; r < runs; r++) {
  const o = await ours(r + 1);
  A.push(o.sec / epochs), Ac.push(o.cpu / epochs);
  console.log(`  flowsift  ${(o.sec / epochs).toFixed(2)} s/epoch wall, ${(o.cpu / epochs).toFixed(2)} CPU-s/epoch; KDDTest+ ROC-AUC ${o.auc.toFixed(4)}  (${load()})`);
  const t = await tfjs(r + 1);
  B.push(t.sec / epochs), Bc.push(t.cpu / epochs);
  console.log(`  tfjs-wasm ${(t.sec / epochs).toFixed(2)} s/epoch wall, ${(t.cpu / epochs).toFixed(2)} CPU-s/epoch; KDDTest+ ROC-AUC ${t.auc.toFixed(4)}  (${load()})`);
}
const med = (v: number[]): number => [...v].sort((x, y) => x - y)[(v.length - 1) >> 1]!;
console.log(`  medians: flowsift ${med(A).toFixed(2)} s/epoch (${med(Ac).toFixed(2)} CPU-s), tfjs-wasm ${med(B).toFixed(2)} s/epoch (${med(Bc).toFixed(2)} CPU-s): tfjs takes ${(med(B) / med(A)).toFixed(2)}× flowsift's wall time, ${(med(Bc) / med(Ac)).toFixed(2)}× its CPU time`);
