/**
 * NSL-KDD evaluation: train on KDDTrain+ (normal rows only = semi-supervised novelty detection, and
 * all rows = the seeds' fully unsupervised mode), score the full KDDTest+, print ROC-AUC, PR-AUC,
 * precision/recall/F1 at the model's threshold, and detection rate per attack category.
 *
 *   npx tsx scripts/eval-nslkdd.ts [--k 100] [--threshold p95] [--std-floor 0.3] [--mode semi|unsup|both]
 *                                  [--sample N] [--n-init 3] [--seed 42] [--scope global|cluster] [--json]
 *                                  [--bench-capture FLOWS] (also: generated captures, normal-only training)
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { collectTable } from '../src/model/input.ts';
import { trainModel, TRAIN_DEFAULTS } from '../src/model/train.ts';
import { Scorer } from '../src/model/score.ts';
import { computeMetrics, type Metrics } from '../src/model/metrics.ts';
import { resolveFeatureList } from '../src/model/encode.ts';
import { percentileSorted } from '../src/model/threshold.ts';
import type { LogPolicy } from '../src/model/scale.ts';

const KDD = fileURLToPath(new URL('../../shared/corpus/kdd/', import.meta.url));
const { values: a } = parseArgs({
  options: {
    k: { type: 'string' }, threshold: { type: 'string' }, 'std-floor': { type: 'string' }, mode: { type: 'string', default: 'both' },
    sample: { type: 'string' }, 'n-init': { type: 'string' }, seed: { type: 'string' }, scope: { type: 'string' },
    clip: { type: 'string' }, 'one-hot-weight': { type: 'string' }, log: { type: 'string' }, json: { type: 'boolean' },
    'train-rows': { type: 'string' }, sweep: { type: 'boolean' }, labels: { type: 'boolean' }, 'bench-capture': { type: 'string' },
  },
});
const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
const features = resolveFeatureList('kdd');
const opts = {
  k: a.k === 'auto' ? ('auto' as const) : num(a.k),
  threshold: a.threshold,
  stdFloor: num(a['std-floor']),
  sample: num(a.sample),
  nInit: num(a['n-init']),
  seed: num(a.seed),
  thresholdScope: a.scope as 'global' | 'cluster' | undefined,
  clip: num(a.clip),
  oneHotWeight: num(a['one-hot-weight']),
  log: (a.log === undefined ? undefined : a.log === 'auto' || a.log === 'none' || a.log === 'all' ? a.log : a.log.split(',')) as LogPolicy | undefined,
  sweep: a.sweep ?? false,
};

const t0 = performance.now();
const test = await collectTable(a.mode === 'none' ? [] : [KDD + 'KDDTest+.txt.gz'], { features, keep: ['label', 'category'] });
const results: Record<string, { metrics: Metrics; k: number; threshold: number; trainRows: number; seconds: number; bestF1: number; bestPct: number; altF1: Record<string, string>; iterations: number; msPerIteration: number }> = {};
for (const mode of a.mode === 'both' ? ['semi', 'unsup'] : a.mode === 'none' ? [] : [a.mode!]) {
  const t1 = performance.now();
  const train = await collectTable([KDD + 'KDDTrain+.txt.gz'], { features, trainOn: mode === 'semi' ? 'normal' : undefined });
  const model = trainModel(train.table, { sources: ['KDDTrain+.txt.gz'], rowsRead: train.summary.rows, trainOn: mode === 'semi' ? 'normal' : null, labelCounts: train.labelCounts }, opts);
  const scorer = new Scorer(model, test.table);
  const rows: { score: number; flagged: boolean; label: string; category: string }[] = [];
  for (let i = 0; i < test.table.n; i++) {
    const s = scorer.score(i, 0);
    const kept = test.table.kept[i]!;
    rows.push({ score: s.anomalyScore, flagged: s.isAnomaly, label: String(kept.label), category: String(kept.category) });
  }
  const metrics = computeMetrics(rows);
  // the same model at other thresholds (training-distance percentiles and mean + m·std)
  const tr = new Scorer(model, train.table);
  const trainDist = Float64Array.from({ length: train.table.n }, (_, i) => tr.score(i, 0).distance).sort();
  const st = model.thresholds.globalStats;
  const dist = rows.map((r) => r.score * model.thresholds.global);
  const alt: Record<string, number> = {};
  for (const p of [80, 85, 90, 95, 97, 99]) alt['p' + p] = percentileSorted(trainDist, p);
  for (const m of [1, 2, 3]) alt['x' + m] = st.mean + m * st.std;
  const altF1: Record<string, string> = {};
  for (const [name, thr] of Object.entries(alt)) {
    const mm = computeMetrics(rows.map((r, i) => ({ ...r, flagged: dist[i]! > thr })));
    altF1[name] = `F1 ${mm.f1.toFixed(3)} FPR ${mm.fpr.toFixed(3)}`;
  }
  // oracle: best F1 over all thresholds (reference only)
  let best = 0;
  const pos = rows.filter((r) => r.label !== 'normal').length;
  const order = rows.map((_, i) => i).sort((x, y) => rows[y]!.score - rows[x]!.score);
  let tp = 0, fp = 0, bestThr = 0;
  for (const i of order) {
    rows[i]!.label !== 'normal' ? tp++ : fp++;
    const f1 = (2 * tp) / (tp + fp + pos);
    if (f1 > best) { best = f1; bestThr = dist[i]!; }
  }
  let below = 0;
  for (const d of trainDist) if (d < bestThr) below++;
  const bestPct = (100 * below) / trainDist.length;
  results[mode] = { metrics, k: model.kmeans.k, threshold: model.thresholds.global, trainRows: model.training.rows, seconds: (performance.now() - t1) / 1000, bestF1: best, bestPct, altF1, iterations: model.training.iterations, msPerIteration: model.training.msPerIteration };
}

if (a.json) {
  console.log(JSON.stringify(results, null, 2));
} else {
  const f = (v: number): string => v.toFixed(4);
  console.log(`NSL-KDD: train KDDTrain+, score KDDTest+ (${test.table.n} rows); options ${JSON.stringify({ ...TRAIN_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) })}`);
  for (const [mode, r] of Object.entries(results)) {
    const m = r.metrics;
    console.log(`\n[${mode === 'semi' ? 'semi-supervised: trained on normal rows' : 'unsupervised: trained on all rows'}] train rows ${r.trainRows}, k ${r.k}, threshold ${r.threshold.toFixed(3)}, ${r.seconds.toFixed(1)} s`);
    console.log(`  ROC-AUC ${f(m.rocAuc)}  PR-AUC ${f(m.prAuc)}  precision ${f(m.precision)}  recall ${f(m.recall)}  F1 ${f(m.f1)}  accuracy ${f(m.accuracy)}  FPR ${f(m.fpr)}   (oracle best F1 ${f(r.bestF1)} at training-distance percentile ${r.bestPct.toFixed(1)})`);
    console.log(`  k-means: ${r.iterations} iterations, ${r.msPerIteration.toFixed(1)} ms/iteration`);
    console.log('  other thresholds: ' + Object.entries(r.altF1).map(([k, v]) => `${k} ${v}`).join(' · '));
    console.log(`  confusion: TP ${m.confusion.tp}  FP ${m.confusion.fp}  TN ${m.confusion.tn}  FN ${m.confusion.fn}`);
    if (a.labels) console.log('  per label: ' + m.perLabel.filter((c) => c.total >= 20).map((c) => `${c.category} ${(c.rate * 100).toFixed(0)}%/${c.total}`).join(' · '));
    console.log('  per category: ' + m.perCategory.map((c) => `${c.category} ${c.detected}/${c.total} (${(c.rate * 100).toFixed(1)}%)`).join(' · '));
  }
  console.log(`\ntotal ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

// --- generated captures (--bench-capture N): train on a normal-only capture (seed 101), score one
// with attacks (seed 202), ground truth from the generator's labels CSV joined on the 5-tuple.
if (a['bench-capture']) {
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync, readFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const flows = String(Number(a['bench-capture']));
  const dir = mkdtempSync(join(tmpdir(), 'flowsift-benchcap-'));
  const gen = fileURLToPath(new URL('../../shared/bench/gen_bench_pcap.py', import.meta.url));
  const trainCap = join(dir, 'normal.pcap');
  const testCap = join(dir, 'attacks.pcap');
  execFileSync('python3', [gen, trainCap, flows, '101', '--no-attacks'], { stdio: 'ignore' });
  execFileSync('python3', [gen, testCap, flows, '202', '--labels', join(dir, 'attacks.labels.csv')], { stdio: 'ignore' });
  const truth = new Map<string, string>();
  const lines = readFileSync(join(dir, 'attacks.labels.csv'), 'utf8').trim().split('\n');
  const h = lines[0]!.split(',');
  for (const l of lines.slice(1)) {
    const f = l.split(',');
    truth.set(['src_ip', 'src_port', 'dst_ip', 'dst_port'].map((c) => f[h.indexOf(c)]).join('|'), f[h.indexOf('label')]!);
  }
  const tr = await collectTable([trainCap], { features });
  const model = trainModel(tr.table, { sources: [trainCap], rowsRead: tr.summary.rows, trainOn: null, labelCounts: {} }, opts);
  const te = await collectTable([testCap], { features, keep: ['src_ip', 'src_port', 'dst_ip', 'dst_port'] });
  const sc = new Scorer(model, te.table);
  const rows: { score: number; flagged: boolean; label: string }[] = [];
  for (let i = 0; i < te.table.n; i++) {
    const k = te.table.kept[i]!;
    const label = truth.get([k.src_ip, k.src_port, k.dst_ip, k.dst_port].join('|')) ?? '?';
    const s = sc.score(i, 0);
    rows.push({ score: s.anomalyScore, flagged: s.isAnomaly, label });
  }
  // threshold for FPR ≤ 2 % on the normal test flows
  const normals = rows.filter((r) => r.label === 'normal').map((r) => r.score).sort((x, y) => x - y);
  const thr2 = normals[Math.min(normals.length - 1, Math.ceil(normals.length * 0.98) - 1)]!;
  const labels = [...new Set(rows.map((r) => r.label))];
  console.log(`\n[generated captures] train: ${tr.table.n} flows of a normal-only capture (${flows} flows, seed 101); score: ${rows.length} flows (seed 202); k ${model.kmeans.k}, threshold ${model.thresholds.spec}`);
  const m = computeMetrics(rows.filter((r) => r.label !== '?'));
  console.log(`  at ${model.thresholds.spec}: FPR ${m.fpr.toFixed(4)}, recall ${m.recall.toFixed(4)}, ROC-AUC ${m.rocAuc.toFixed(4)}`);
  for (const l of labels.filter((x) => x !== 'normal').sort()) {
    const of = rows.filter((r) => r.label === l);
    const atDefault = of.filter((r) => r.flagged).length / of.length;
    const at2 = of.filter((r) => r.score > thr2).length / of.length;
    console.log(`  ${l.padEnd(11)} ${String(of.length).padStart(6)} flows: recall ${(atDefault * 100).toFixed(1)} % at ${model.thresholds.spec}, ${(at2 * 100).toFixed(1)} % at FPR ≤ 2 %`);
  }
}
