/**
 * NSL-KDD evaluation of the detectors and fusion rules: per seed, one hybrid model is trained on the
 * KDDTrain+ normal rows (k-means and the autoencoder on the same rows), every KDDTest+ row is scored
 * by both, and each rule is computed from the two measures with thresholds at training percentiles:
 * k-means alone, autoencoder alone, and the hybrid with and / or / rank / score at p95 and p97. Prints
 * ROC-AUC, PR-AUC, F1, precision and recall, medians over the seeds with their range.
 *
 *   npx tsx scripts/eval-detectors.ts [--seeds 1,2,3] [--epochs N] [--json FILE]   (one process)
 *   npx tsx scripts/eval-detectors.ts --combine a.json b.json c.json              (seeds run apart)
 */
import { parseArgs } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { collectTable } from '../src/model/input.ts';
import { trainModel, TRAIN_DEFAULTS } from '../src/model/train.ts';
import { Scorer } from '../src/model/score.ts';
import { computeMetrics } from '../src/model/metrics.ts';
import { resolveFeatureList } from '../src/model/encode.ts';
import { percentileSorted } from '../src/model/threshold.ts';
import { fitFusion, fuse, RankFusion, type FusionRule } from '../src/model/hybrid.ts';

type Row = Record<string, number>;
const { values: a } = parseArgs({ options: { seeds: { type: 'string', default: '1,2,3' }, epochs: { type: 'string' }, json: { type: 'string' }, combine: { type: 'boolean' } }, allowPositionals: true, strict: false });

function report(results: Record<string, Row>[]): void {
  const names = Object.keys(results[0]!).filter((n) => n !== '_train');
  const med = (v: number[]): number => {
    const s = [...v].sort((x, y) => x - y);
    return s.length % 2 ? s[(s.length - 1) >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  console.log(`${results.length} seed(s); median [min–max]`);
  console.log('rule'.padEnd(22) + ['ROC-AUC', 'PR-AUC', 'F1', 'precision', 'recall'].map((h) => h.padEnd(24)).join(''));
  for (const n of names) {
    const cells = ['auc', 'ap', 'f1', 'p', 'r'].map((k) => {
      const v = results.map((r) => r[n]![k]!);
      return `${med(v).toFixed(4)} [${Math.min(...v).toFixed(3)}–${Math.max(...v).toFixed(3)}]`.padEnd(24);
    });
    console.log(n.padEnd(22) + cells.join(''));
  }
  const secs = results.map((r) => r._train!.seconds!);
  console.log(`training seconds per seed (hybrid: k-means + autoencoder): ${secs.map((s) => s.toFixed(1)).join(', ')}`);
}

if (a.combine) {
  report(process.argv.slice(2).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(f, 'utf8'))));
  process.exit(0);
}

const KDD = fileURLToPath(new URL('../../shared/corpus/kdd/', import.meta.url));
const features = resolveFeatureList('kdd');
const train = await collectTable([KDD + 'KDDTrain+.txt.gz'], { features, trainOn: 'normal' });
const test = await collectTable([KDD + 'KDDTest+.txt.gz'], { features, keep: ['label', 'category'] });
const labels = Array.from({ length: test.table.n }, (_, i) => String(test.table.kept[i]!.label));
const all: Record<string, Row>[] = [];
for (const seed of String(a.seeds).split(',').map(Number)) {
  const t0 = performance.now();
  const model = trainModel(train.table, { sources: ['KDDTrain+.txt.gz'], rowsRead: train.summary.rows, trainOn: 'normal', labelCounts: train.labelCounts }, {
    seed, detector: 'hybrid', ...(a.epochs ? { aeEpochs: Number(a.epochs) } : {}),
  });
  const seconds = (performance.now() - t0) / 1000;
  const measures = (t: typeof train.table): [Float64Array, Float64Array] => {
    const s = new Scorer(model, t);
    const d = new Float64Array(t.n), e = new Float64Array(t.n);
    for (let i = 0; i < t.n; i++) {
      const r = s.score(i, 0);
      d[i] = r.distance;
      e[i] = r.aeError!;
    }
    return [d, e];
  };
  const [trD, trE] = measures(train.table);
  const [teD, teE] = measures(test.table);
  const sd = Float64Array.from(trD).sort(), se = Float64Array.from(trE).sort();
  const out: Record<string, Row> = {};
  const add = (name: string, score: (i: number) => number): void => {
    const m = computeMetrics(labels.map((label, i) => {
      const s = score(i);
      return { score: s, flagged: s > 1, label, category: String(test.table.kept[i]!.category) };
    }));
    out[name] = { auc: m.rocAuc, ap: m.prAuc, f1: m.f1, p: m.precision, r: m.recall };
  };
  for (const p of [95, 97]) {
    const td = percentileSorted(sd, p), te = percentileSorted(se, p);
    add(`kmeans p${p}`, (i) => teD[i]! / td);
    add(`autoencoder p${p}`, (i) => teE[i]! / te);
    for (const rule of ['and', 'or', 'rank', 'score'] as FusionRule[]) {
      const rf = rule === 'rank' || rule === 'score' ? RankFusion.fromModel(fitFusion(rule, { method: 'percentile', param: p, scope: 'global' }, trD, trE, td, { kmeans: new Float64Array(trD.length).fill(td), autoencoder: te })) : undefined;
      add(`hybrid ${rule} p${p}`, (i) => fuse(rule, teD[i]! / td, teE[i]! / te, rf, teD[i]!, teE[i]!));
    }
  }
  out._train = { seconds, seed, epochs: model.autoencoder!.training.epochs, aeSeconds: model.autoencoder!.training.seconds };
  all.push(out);
  console.error(`seed ${seed}: trained in ${seconds.toFixed(1)} s (autoencoder ${model.autoencoder!.training.seconds.toFixed(1)} s, ${model.autoencoder!.training.epochs} epochs)`);
}
if (a.json) writeFileSync(String(a.json), JSON.stringify(all.length === 1 ? all[0] : all));
console.log(`NSL-KDD: trained on the ${train.table.n} normal KDDTrain+ rows, scored on KDDTest+ (${test.table.n} rows); defaults ${JSON.stringify({ k: TRAIN_DEFAULTS.k, nInit: TRAIN_DEFAULTS.nInit, aeHidden: TRAIN_DEFAULTS.aeHidden, aeEpochs: a.epochs ?? TRAIN_DEFAULTS.aeEpochs })}`);
report(all);
