/**
 * `flowsift train --detector hybrid` on the 67,343 normal KDDTrain+ rows beside scikit-learn doing
 * the same work (scripts/sklearn-hybrid.py: KMeans(100, n_init=3) + an MLPRegressor autoencoder of
 * the same shape and epochs, OMP_NUM_THREADS=2, Debian's /usr/bin/python3), alternated in one sitting
 * (the machine is shared: the load is printed with every run). Ours is the whole process (GNU time);
 * scikit-learn's its own clock from before numpy's import to both thresholds. Also times scoring:
 * the hybrid Scorer over KDDTest+ in process (rows/s, one core).
 *
 *   npx tsx scripts/bench-hybrid.ts [--runs 3] [--epochs 15] [--detector hybrid|autoencoder]
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectTable } from '../src/model/input.ts';
import { resolveFeatureList } from '../src/model/encode.ts';
import { loadModel } from '../src/model/model-file.ts';
import { Scorer } from '../src/model/score.ts';
import { TRAIN_DEFAULTS } from '../src/model/train.ts';

const { values: a } = parseArgs({ options: { runs: { type: 'string', default: '3' }, epochs: { type: 'string' }, detector: { type: 'string', default: 'hybrid' } } });
const runs = Number(a.runs);
const epochs = Number(a.epochs ?? TRAIN_DEFAULTS.aeEpochs);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const KDD = fileURLToPath(new URL('../../shared/corpus/kdd/', import.meta.url));
const BIN = join(ROOT, 'dist/cli/flowsift.js');
const dir = mkdtempSync(join(tmpdir(), 'flowsift-bench-hybrid-'));
const load = (): string => `load ${loadavg().map((v) => v.toFixed(1)).join(' ')}`;
const median = (v: number[]): number => {
  const s = [...v].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { wall: number; cpu: number; rss: number; stdout: string } {
  const tf = join(dir, 'time.txt');
  const r = spawnSync('/usr/bin/time', ['-o', tf, '-f', '%e %U %S %M', cmd, ...args], { env, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const [e, u, s, m] = readFileSync(tf, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { wall: e!, cpu: u! + s!, rss: m! / 1024, stdout: r.stdout };
}

try {
  console.log(`== train --detector ${a.detector} on the normal KDDTrain+ rows (k 100, n_init 3, autoencoder ${epochs} epochs) vs scikit-learn, ${runs} alternated pairs (${load()})`);
  const ours: number[] = [], oursCpu: number[] = [], sk: number[] = [], skCpu: number[] = [];
  const m = join(dir, 'm.json');
  for (let r = 0; r < runs; r++) {
    const o = timed('node', [BIN, 'train', join(KDD, 'KDDTrain+.txt.gz'), '--train-on', 'normal', '-m', m, '-q', '--detector', a.detector!, '--epochs', String(epochs)]);
    const model = await loadModel(m);
    ours.push(o.wall);
    oursCpu.push(o.cpu);
    console.log(`  flowsift     ${o.wall.toFixed(1)} s wall, ${o.cpu.toFixed(1)} CPU-s, ${o.rss.toFixed(0)} MB (autoencoder ${model.autoencoder!.training.seconds.toFixed(1)} s, final loss ${model.autoencoder!.training.loss.at(-1)})  (${load()})`);
    const p = timed('/usr/bin/python3', [join(ROOT, 'scripts/sklearn-hybrid.py'), '--json', '--epochs', String(epochs)], { ...process.env, OMP_NUM_THREADS: '2' });
    const j = JSON.parse(p.stdout.trim().split('\n').pop()!);
    sk.push(j.train_seconds);
    skCpu.push(p.cpu);
    console.log(`  scikit-learn ${j.train_seconds.toFixed(1)} s to both thresholds (k-means ${j.kmeans_seconds.toFixed(1)} s, autoencoder ${j.ae_seconds.toFixed(1)} s; whole script ${p.wall.toFixed(1)} s, ${p.cpu.toFixed(1)} CPU-s, ${p.rss.toFixed(0)} MB); ` +
      `ROC-AUC/F1: k-means ${j.kmeans_auc.toFixed(4)}/${j.kmeans_f1.toFixed(4)}, autoencoder ${j.ae_auc.toFixed(4)}/${j.ae_f1.toFixed(4)}, and ${j.and_auc.toFixed(4)}/${j.and_f1.toFixed(4)}  (${load()})`);
  }
  console.log(`  medians: flowsift ${median(ours).toFixed(1)} s (${median(oursCpu).toFixed(1)} CPU-s) vs scikit-learn ${median(sk).toFixed(1)} s (whole script ${median(skCpu).toFixed(1)} CPU-s): ${(median(ours) / median(sk)).toFixed(2)}× its time (goal ≤ 2×)`);
  const model = await loadModel(m);
  const test = await collectTable([join(KDD, 'KDDTest+.txt.gz')], { features: resolveFeatureList('kdd'), keep: ['label'] });
  for (const explain of [0, 3]) {
    const sc = new Scorer(model, test.table);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < test.table.n; i++) sc.score(i, explain);
    const wall = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    console.log(`  scoring KDDTest+ (${test.table.n} rows, ${explain} reasons a detector): ${Math.round(test.table.n / wall).toLocaleString('en-US')} rows/s wall, ${Math.round(test.table.n / ((c.user + c.system) / 1e6)).toLocaleString('en-US')} rows per CPU-second  (${load()})`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
