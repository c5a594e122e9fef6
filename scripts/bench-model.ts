/**
 * Model benchmark: train on 1 M flow rows and score them; k-means per-iteration time against
 * scikit-learn on the same matrix.
 *
 *   npx tsx scripts/bench-model.ts [--rows 1000000] [--k 100] [--iters 20] [--no-sklearn]
 *
 * Rows: KDD Cup 99 10 % (494,021 rows) replicated with ±5 % multiplicative jitter on the counts,
 * bytes and durations (seeded) until --rows. The machine is shared: figures are noisy.
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { readKdd, KDD_FEATURE_NAMES } from '../src/dataset/kdd.ts';
import { newTableFor } from '../src/model/input.ts';
import { trainModel, TRAIN_DEFAULTS } from '../src/model/train.ts';
import { Scorer } from '../src/model/score.ts';
import { encodeRows, fitKMeans, rng, sampleIndices, subset, toDense } from '../src/model/kmeans.ts';
import { Encoder, fitPreprocessing } from '../src/model/scale.ts';

const { values: a } = parseArgs({
  options: { rows: { type: 'string', default: '1000000' }, k: { type: 'string', default: '100' }, iters: { type: 'string', default: '20' }, 'no-sklearn': { type: 'boolean' }, 'bench-rows': { type: 'string', default: '100000' } },
});
const target = Number(a.rows);
const K = Number(a.k);
const iters = Number(a.iters);
const src = fileURLToPath(new URL('../../shared/corpus/kdd/kddcup.data_10_percent.gz', import.meta.url));
const mem = (): string => `${Math.round(process.memoryUsage().rss / 2 ** 20)} MB RSS`;
/** CPU seconds of this process (user + system) since `from`: a figure the shared machine's load does not inflate. */
const cpu = (from: NodeJS.CpuUsage): string => { const u = process.cpuUsage(from); return `${((u.user + u.system) / 1e6).toFixed(1)} s CPU`; };

// --- data
let t = performance.now();
const base = [];
for await (const r of readKdd(src)) base.push(r);
const table = newTableFor([...KDD_FEATURE_NAMES], base[0], [], target);
const rand = rng(7);
const rateLike = new Set(KDD_FEATURE_NAMES.filter((n) => /rate$/.test(n)));
for (let i = 0; i < target; i++) {
  const r = base[i % base.length]!;
  if (i < base.length) {
    table.push(r);
    continue;
  }
  const j: Record<string, string | number | boolean | null> = { ...r };
  for (const name of table.numNames) {
    const v = j[name] as number;
    if (v > 1 && !rateLike.has(name)) j[name] = Math.round(v * (1 + (rand() - 0.5) * 0.1));
  }
  table.push(j);
}
base.length = 0;
console.log(`data: ${table.n.toLocaleString('en-US')} rows (KDD99 10% ×${(target / 494021).toFixed(2)} with jitter) in ${((performance.now() - t) / 1000).toFixed(1)} s, ${mem()}`);

// --- train (defaults: k=100, fit sample 100k, n_init 3, Elkan)
t = performance.now();
let c0 = process.cpuUsage();
const model = trainModel(table, { sources: ['bench'], rowsRead: table.n, trainOn: null, labelCounts: {} }, { k: K, sweep: true });
const tr = (performance.now() - t) / 1000;
console.log(`train: ${table.n.toLocaleString('en-US')} rows, k ${model.kmeans.k}, fit sample ${model.training.fitRows.toLocaleString('en-US')}, n_init ${model.training.nInit}, ${model.training.iterations} iterations (best run), ${model.training.msPerIteration.toFixed(1)} ms/iteration (Elkan); total ${tr.toFixed(1)} s incl. k sweep 2..12 + assigning all rows + PCA (${cpu(c0)}), ${mem()}`);

// --- score throughput
for (const explain of [0, 3]) {
  const sc = new Scorer(model, table);
  t = performance.now();
  c0 = process.cpuUsage();
  let anomalies = 0;
  for (let i = 0; i < table.n; i++) if (sc.score(i, explain).isAnomaly) anomalies++;
  const s = (performance.now() - t) / 1000;
  const cs = (process.cpuUsage(c0).user + process.cpuUsage(c0).system) / 1e6;
  console.log(`score (explain ${explain}): ${table.n.toLocaleString('en-US')} rows in ${s.toFixed(2)} s = ${Math.round(table.n / s).toLocaleString('en-US')} rows/s wall, ${Math.round(table.n / cs).toLocaleString('en-US')} rows per CPU second (${anomalies.toLocaleString('en-US')} anomalies)`);
}

// --- k-means per iteration vs scikit-learn on the same matrix
const p = fitPreprocessing(table, { stdFloor: TRAIN_DEFAULTS.stdFloor, clip: TRAIN_DEFAULTS.clip });
const enc = new Encoder(p, table);
const x = subset(encodeRows(enc, table.n), sampleIndices(table.n, Number(a['bench-rows']), 1));
for (const algorithm of ['lloyd', 'elkan'] as const) {
  const times: number[] = [];
  const fit = fitKMeans(p, x, { k: K, seed: 1, nInit: 1, maxIter: iters, tol: 0, algorithm, onIteration: (_r, _i, _c, ms) => times.push(ms) });
  const later = times.slice(1);
  console.log(`flowsift k-means (${algorithm}): ${x.n.toLocaleString('en-US')}×${enc.dims} (one-hot kept sparse), k=${K}: ${times.length} iterations, ${(later.reduce((s, v) => s + v, 0) / Math.max(1, later.length)).toFixed(1)} ms/iteration after the first; inertia ${fit.inertia.toFixed(1)}`);
}
if (!a['no-sklearn']) {
  const dir = mkdtempSync(join(tmpdir(), 'flowsift-bench-'));
  const f = join(dir, 'x.f64');
  const dense = toDense(p, x);
  const buf = new Float64Array(dense.length * enc.dims);
  dense.forEach((r, i) => buf.set(r, i * enc.dims));
  writeFileSync(f, Buffer.from(buf.buffer));
  const py = fileURLToPath(new URL('./baseline-sklearn.py', import.meta.url));
  const args = [py, '--bench', f, '--rows', String(x.n), '--cols', String(enc.dims), '--k', String(K), '--iters', String(iters)];
  process.stdout.write(execFileSync('/usr/bin/python3', args, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } }));
  process.stdout.write(execFileSync('/usr/bin/python3', args, { encoding: 'utf8' }));
}
