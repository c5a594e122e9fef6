/**
 * Choosing a classifier for KDDTest+ without looking at it. KDDTest+ holds 17 attack types that
 * KDDTrain+ lacks, so ordinary cross-validation on KDDTrain+ (where every test attack type was
 * seen in training) rewards memorising known attacks and cannot tell the settings apart. Here each
 * candidate is cross-validated with whole attack types held out (`classify cv --group-by label`:
 * every attack label tested by a model that never saw it, normal rows split at random), its
 * P(not normal) kept per row, and the normal-vs-attack accuracy read off at every attack threshold
 * of a grid. The candidate and threshold with the best mean grouped-CV accuracy is chosen; only
 * then, with --test, is it trained on all of KDDTrain+ and scored on KDDTest+ and KDDTest-21.
 *
 *   npx tsx scripts/select-classify.ts [--folds 3] [--threads 1] [--only gbt,gbt-category,...]
 *        [--train KDDTrain+.txt.gz] [--test]
 *
 * Candidates are flowsift models only (what `classify train` can save), each with its defaults
 * unless named otherwise.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS, type ClassifierOptions, type TargetMode } from '../src/model/classify/model.ts';
import { crossValidate, predictTable, readLabeled } from '../src/model/classify/run.ts';
import { trainClassifier } from '../src/model/classify/model.ts';
import { resolveFeatureList } from '../src/model/encode.ts';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
};
const root = new URL('..', import.meta.url).pathname;
const KDD = join(root, '../shared/corpus/kdd');
const TRAIN = opt('train', join(KDD, 'KDDTrain+.txt.gz'));
const TESTS = [join(KDD, 'KDDTest+.txt.gz'), join(KDD, 'KDDTest-21.txt.gz')];
const folds = Number(opt('folds', '3'));
const threads = Number(opt('threads', '1'));
const THRESHOLDS = [0.5, 0.3, 0.2, 0.1, 0.05, 0.03, 0.02, 0.01, 0.007, 0.005, 0.003, 0.002, 0.001, 0.0005, 0.0002, 0.0001];

interface Candidate {
  name: string;
  algo: ClassifierOptions['algo'];
  target?: TargetMode;
  set?: Partial<ClassifierOptions>;
}
const CANDIDATES: Candidate[] = [
  { name: 'gbt', algo: 'gbt' },
  { name: 'gbt-balanced', algo: 'gbt', set: { classWeight: 'balanced' } },
  { name: 'gbt-l2-0', algo: 'gbt', set: { l2: 0 } },
  { name: 'gbt-small', algo: 'gbt', set: { maxLeafNodes: 8, minSamplesLeaf: 100 } },
  { name: 'gbt-colsample', algo: 'gbt', set: { colsample: 0.5 } },
  { name: 'gbt-category', algo: 'gbt', target: 'category' },
  { name: 'gbt-label', algo: 'gbt', target: 'label' },
  { name: 'rf', algo: 'rf' },
  { name: 'rf-balanced', algo: 'rf', set: { classWeight: 'balanced' } },
  { name: 'rf-category', algo: 'rf', target: 'category' },
  { name: 'tree', algo: 'tree' },
  { name: 'logreg', algo: 'logreg' },
];
const only = opt('only', '');
const chosen = only ? CANDIDATES.filter((c) => only.split(',').includes(c.name)) : CANDIDATES;

const optionsOf = (c: Candidate): ClassifierOptions => ({
  ...DEFAULTS,
  ...c.set,
  algo: c.algo,
  target: { mode: c.target ?? 'binary', labelColumn: 'label', categoryColumn: 'category', normal: 'normal' },
  threads,
});

const features = resolveFeatureList('kdd');
const pct = (v: number): string => (v * 100).toFixed(2).padStart(6) + ' %';
console.log(`grouped ${folds}-fold CV by label on ${TRAIN}; load average at start: ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);

/** Per candidate and threshold: the normal-vs-attack accuracy of each fold. */
const table: { c: Candidate; acc: number[][]; seconds: number }[] = [];
for (const c of chosen) {
  const o = optionsOf(c);
  // the label column is the group column too; category targets read the category from the label
  const lt = await readLabeled([TRAIN], features, o.target);
  const t0 = performance.now();
  const res = await crossValidate(lt, folds, o, undefined, { groupBy: 'label' });
  const acc = THRESHOLDS.map(() => [] as number[]);
  for (const r of res) {
    const p = r.prediction;
    const k = p.model.classes.length;
    const ni = p.model.classes.indexOf('normal');
    // truth from the label itself: a held-out attack type is an attack whatever the target mode
    const isAttack = r.rows.map((i) => String(lt.table.kept[i]!.label).trim() !== 'normal');
    THRESHOLDS.forEach((t, q) => {
      let ok = 0;
      for (let i = 0; i < isAttack.length; i++) if (1 - p.proba[i * k + ni]! >= t === isAttack[i]) ok++;
      acc[q]!.push(ok / isAttack.length);
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  table.push({ c, acc, seconds });
  const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
  const best = THRESHOLDS.map((t, q) => ({ t, m: mean(acc[q]!) })).sort((a, b) => b.m - a.m)[0]!;
  console.log(`${c.name.padEnd(14)} ${seconds.toFixed(0).padStart(5)} s   ` + THRESHOLDS.map((t, q) => `${t}: ${pct(mean(acc[q]!))}`).join('  ') + `   best ${best.t} ${pct(best.m)}`);
}

const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]): number => {
  const m = mean(v);
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, v.length - 1));
};
let pick = { name: '', t: 0.5, m: -1, s: 0, c: chosen[0]! };
for (const row of table) THRESHOLDS.forEach((t, q) => {
  const m = mean(row.acc[q]!);
  if (m > pick.m) pick = { name: row.c.name, t, m, s: sd(row.acc[q]!), c: row.c };
});
console.log(`chosen by grouped CV: ${pick.name} with attack threshold ${pick.t}: ${pct(pick.m)} ± ${(pick.s * 100).toFixed(2)} (mean ± std over folds)`);
console.log(`the same candidate at the default decision (most probable class): ${pct(mean(table.find((r) => r.c === pick.c)!.acc[0]!))}`);

if (args.includes('--test')) {
  const o = optionsOf(pick.c);
  const lt = await readLabeled([TRAIN], features, o.target);
  const model = await trainClassifier(lt.table, lt.targets, o, [TRAIN]);
  for (const f of TESTS) {
    const t = await readLabeled([f], features, o.target);
    const a = predictTable(model, t.table, t.targets, pick.t).metrics!.attack!;
    const d = predictTable(model, t.table, t.targets).metrics!.attack!;
    console.log(`${f.split('/').pop()}: normal vs attack accuracy ${pct(a.accuracy)} (recall ${pct(a.recall)}, FPR ${pct(a.fpr)}); at the default decision (most probable class) ${pct(d.accuracy)}`);
  }
}
console.log(`load average at end: ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);
