/**
 * `flowsift classify train | cv | score <labeled inputs...>`: supervised baselines on labeled
 * datasets or captures — random forest, histogram gradient boosting, a decision tree, logistic
 * regression — on the anomaly model's feature encoding; stratified k-fold cross-validation; scoring
 * with accuracy, per-class precision / recall / F1, ROC-AUC and the confusion matrix.
 */
import type { Argv } from 'yargs';
import { EXIT, UsageError } from '../errors.ts';
import type { CliIO, CommandDef } from './command.ts';
import { resolveFeatureList } from '../model/encode.ts';
import { ALGOS, DEFAULTS, PARAMS, TARGETS, checkAttackThreshold, checkParam, loadClassifier, saveClassifier, trainClassifier, type Algo, type ClassifierOptions, type NumericParam, type TargetMode } from '../model/classify/model.ts';
import { crossValidate, meanStd, predictTable, predictionRecord, readLabeled } from '../model/classify/run.ts';
import { formatClassifierMetrics } from '../model/classify/metrics.ts';
import { formatFromPath, openDatasetWriter } from '../dataset/output.ts';
import { columnsOf } from '../dataset/read.ts';

/** yargs' key of a flag: 'max-depth' → 'maxDepth'. */
const camel = (flag: string): string => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

type ClassifyArgs = {
  action: 'train' | 'cv' | 'score';
  inputs: string[];
  model?: string;
  algo: Algo;
  target: TargetMode;
  labelColumn: string;
  categoryColumn: string;
  normal: string;
  features: string;
  seed: number;
  classWeight: 'none' | 'balanced';
  maxFeatures: string;
  threads?: number;
  folds: number;
  groupBy?: string;
  attackThreshold?: number;
  output?: string;
  json: boolean;
  top: number;
  quiet: boolean;
} & Record<string, unknown>;

const pct = (v: number): string => (v * 100).toFixed(2) + ' %';

function options(a: ClassifyArgs, io: CliIO): ClassifierOptions {
  if (a.threads !== undefined && !(Number.isInteger(a.threads) && a.threads > 0)) throw new UsageError(`--threads ${a.threads}: expected a positive integer`);
  const numeric = Object.fromEntries(PARAMS.map((q) => [q.key, checkParam(q.key, Number(a[camel(q.flag)]))])) as Record<NumericParam, number>;
  return {
    ...DEFAULTS,
    ...numeric,
    algo: a.algo,
    target: { mode: a.target, labelColumn: a.labelColumn, categoryColumn: a.categoryColumn, normal: a.normal },
    seed: a.seed,
    classWeight: a.classWeight,
    maxFeatures: a.maxFeatures,
    threads: a.threads,
    ...(a.attackThreshold === undefined ? {} : { attackThreshold: checkAttackThreshold(a.attackThreshold) }),
    signal: io.signal,
    onProgress: a.quiet ? undefined : (m) => io.stderr.write(`flowsift: ${m}\n`),
  };
}

async function train(a: ClassifyArgs, io: CliIO): Promise<number> {
  if (!a.model) throw new UsageError(`classify train: -m/--model <file> is required (where to write the classifier)`);
  const opts = options(a, io);
  const features = resolveFeatureList(a.features);
  const lt = await readLabeled(a.inputs, features, opts.target, { signal: io.signal, stdin: io.stdin });
  const model = await trainClassifier(lt.table, lt.targets, opts, lt.sources);
  if (io.signal.aborted) return EXIT.INTERRUPTED;
  await saveClassifier(a.model, model);
  if (a.json) {
    io.stdout.write(JSON.stringify({ model: a.model, algo: model.algo, classes: model.classes, params: model.params, training: model.training, importances: model.importances }, null, 2) + '\n');
    return EXIT.OK;
  }
  const t = model.training;
  const lines = [
    `${model.algo} classifier → ${a.model}: ${t.rows.toLocaleString('en-US')} rows${t.unlabeled ? ` (${t.unlabeled} unlabeled skipped)` : ''}, ${t.seconds.toFixed(1)} s`,
    `  classes (${a.target}): ${model.classes.map((c) => `${c} ${t.classCounts[c]!.toLocaleString('en-US')}`).join(', ')}`,
    `  class weights: ${a.classWeight === 'balanced' ? model.classes.map((c, i) => `${c} ${model.classWeight[i]!.toFixed(3)}`).join(', ') : 'none'}`,
    `  top features by importance:`,
    ...model.importances.slice(0, a.top).map((f) => `    ${f.feature.padEnd(28)} ${(f.importance * 100).toFixed(1).padStart(5)} %`),
  ];
  io.stdout.write(lines.join('\n') + '\n');
  return EXIT.OK;
}

async function score(a: ClassifyArgs, io: CliIO): Promise<number> {
  if (!a.model) throw new UsageError(`classify score: -m/--model <file> is required (a classifier from 'flowsift classify train')`);
  let format: 'csv' | 'jsonl' | undefined;
  if (a.output) {
    const f = formatFromPath(a.output);
    if (f === null || f === 'kdd') throw new UsageError(`-o ${a.output}: predictions are written as .jsonl or .csv`);
    format = f ?? 'jsonl';
  }
  const model = await loadClassifier(a.model);
  const threshold = a.attackThreshold === undefined ? model.attackThreshold : checkAttackThreshold(a.attackThreshold);
  const lt = await readLabeled(a.inputs, model.features, model.target, { signal: io.signal, stdin: io.stdin });
  const p = predictTable(model, lt.table, lt.targets, threshold);
  if (a.output && format) {
    const first = lt.table.n ? predictionRecord(p, lt.table, 0) : { predicted: '', probability: 0 };
    const w = openDatasetWriter(format, a.output, columnsOf(first), io.stdout);
    for (let i = 0; i < lt.table.n; i++) await w.write(predictionRecord(p, lt.table, i));
    await w.close();
  }
  const toStdout = a.output === '-';
  const out = toStdout ? io.stderr : io.stdout;
  if (a.json) {
    out.write(JSON.stringify({ model: a.model, algo: model.algo, rows: lt.table.n, unlabeled: p.unlabeled, unknownClasses: p.unknownClasses, metrics: p.metrics ?? null, importances: model.importances }, null, 2) + '\n');
    return EXIT.OK;
  }
  const counts = new Map<string, number>();
  for (let i = 0; i < lt.table.n; i++) counts.set(model.classes[p.pred[i]!]!, (counts.get(model.classes[p.pred[i]!]!) ?? 0) + 1);
  const lines = [`${lt.table.n.toLocaleString('en-US')} rows scored with ${a.model} (${model.algo}, ${model.target.mode}): predicted ${[...counts].map(([c, v]) => `${c} ${v.toLocaleString('en-US')}`).join(', ')}${a.output && !toStdout ? ` → ${a.output}` : ''}`];
  if (p.unlabeled) lines.push(`  ${p.unlabeled} rows without a '${model.target.labelColumn}' value: predicted, not measured`);
  const unk = Object.entries(p.unknownClasses);
  if (unk.length) lines.push(`  classes the model never saw (counted as errors): ${unk.map(([c, v]) => `${c} ${v}`).join(', ')}`);
  out.write(lines.join('\n') + '\n' + (p.metrics ? formatClassifierMetrics(p.metrics) : ''));
  out.write(`  top features by importance: ${model.importances.slice(0, a.top).map((f) => `${f.feature} ${(f.importance * 100).toFixed(1)} %`).join(', ')}\n`);
  return EXIT.OK;
}

async function cv(a: ClassifyArgs, io: CliIO): Promise<number> {
  const opts = options(a, io);
  if (!Number.isInteger(a.folds) || a.folds < 2) throw new UsageError(`--folds ${a.folds}: expected an integer ≥ 2`);
  const features = resolveFeatureList(a.features);
  const lt = await readLabeled(a.inputs, features, opts.target, { signal: io.signal, stdin: io.stdin }, a.groupBy === undefined ? [] : [a.groupBy]);
  const quiet = a.quiet || a.json;
  const kind = a.groupBy === undefined ? 'stratified' : `grouped (by ${a.groupBy})`;
  if (!quiet) io.stderr.write(`flowsift: ${a.folds}-fold ${kind} cross-validation of ${a.algo} on ${lt.table.n.toLocaleString('en-US')} rows\n`);
  const res = await crossValidate(
    lt,
    a.folds,
    { ...opts, onProgress: undefined },
    (r) => {
      if (!quiet) io.stderr.write(`flowsift:   fold ${r.fold}/${a.folds} done (${r.seconds.toFixed(1)} s)${r.groups ? `: held out ${r.groups.join(', ')}` : ''}\n`);
    },
    { groupBy: a.groupBy },
  );
  if (io.signal.aborted) return EXIT.INTERRUPTED;
  const keys: [string, (m: (typeof res)[number]['metrics']) => number][] = [
    ['accuracy', (m) => m.accuracy],
    ['macro_precision', (m) => m.macro.precision],
    ['macro_recall', (m) => m.macro.recall],
    ['macro_f1', (m) => m.macro.f1],
    ['roc_auc', (m) => m.rocAuc],
  ];
  // normal vs attack: with grouped folds the held-out groups are classes a label model never saw,
  // so this view (is it an attack at all?) is the one that measures them
  if (res.length && res.every((r) => r.metrics.attack)) {
    keys.push(['attack_accuracy', (m) => m.attack!.accuracy], ['attack_recall', (m) => m.attack!.recall], ['attack_fpr', (m) => m.attack!.fpr]);
  }
  const summary = Object.fromEntries(keys.map(([k, g]) => [k, meanStd(res.map((r) => g(r.metrics)))]));
  if (a.json) {
    const folds = res.map((r) => ({
      fold: r.fold,
      trainRows: r.trainRows,
      testRows: r.testRows,
      seconds: r.seconds,
      ...(r.groups ? { groups: r.groups } : {}),
      accuracy: r.metrics.accuracy,
      macro: r.metrics.macro,
      rocAuc: r.metrics.rocAuc,
      perClass: r.metrics.perClass,
      confusion: r.metrics.confusion,
      ...(r.metrics.attack ? { attack: { accuracy: r.metrics.attack.accuracy, precision: r.metrics.attack.precision, recall: r.metrics.attack.recall, fpr: r.metrics.attack.fpr, rocAuc: r.metrics.attack.rocAuc } } : {}),
    }));
    io.stdout.write(JSON.stringify({ algo: a.algo, target: a.target, groupBy: a.groupBy ?? null, attackThreshold: opts.attackThreshold ?? null, folds, summary }, null, 2) + '\n');
    return EXIT.OK;
  }
  const f = (v: number): string => v.toFixed(4);
  const atk = keys.length > 5;
  const lines = [
    `${a.folds}-fold ${kind} CV, ${a.algo}, target ${a.target}, seed ${a.seed}${opts.attackThreshold === undefined ? '' : `, attack threshold ${opts.attackThreshold}`}`,
    `  fold   train    test   accuracy  macro-P  macro-R  macro-F1  ROC-AUC${atk ? '  attack: acc   recall      FPR' : ''}`,
  ];
  for (const r of res) {
    const m = r.metrics;
    lines.push(
      `  ${String(r.fold).padStart(4)} ${String(r.trainRows).padStart(7)} ${String(r.testRows).padStart(7)}   ${f(m.accuracy)}   ${f(m.macro.precision)}   ${f(m.macro.recall)}   ${f(m.macro.f1)}   ${f(m.rocAuc)}` +
        (atk ? `       ${f(m.attack!.accuracy)}   ${f(m.attack!.recall)}   ${f(m.attack!.fpr)}` : '') +
        (r.groups ? `   held out: ${r.groups.join(', ')}` : ''),
    );
  }
  lines.push(`  mean ± std      ${keys.map(([k]) => `${f(summary[k]!.mean)} ± ${f(summary[k]!.std)}`).join('  ')}`.replace('mean ± std      ', 'mean ± std: '));
  lines.push(`  (${keys.map(([k]) => k).join(', ')}); accuracy ${pct(summary.accuracy!.mean)}${atk ? `, normal vs attack ${pct(summary.attack_accuracy!.mean)}` : ''}`);
  io.stdout.write(lines.join('\n') + '\n');
  return EXIT.OK;
}

/** The numeric hyper-parameter flags, from their one declaration (PARAMS). */
function withParams<T>(y: Argv<T>): Argv<T> {
  return PARAMS.reduce((b, q) => b.option(q.flag, { type: 'number', default: q.default, describe: q.describe, requiresArg: true }) as unknown as Argv<T>, y);
}

const def: CommandDef<ClassifyArgs> = {
  command: 'classify <action> <inputs..>',
  optionFlags: { ...Object.fromEntries(PARAMS.map((q) => [q.key, `--${q.flag}`])), folds: '--folds', maxFeatures: '--max-features', target: '--target', groupBy: '--group-by', attackThreshold: '--attack-threshold' },
  describe: 'Supervised baselines on labeled data: train (rf, gbt, tree, logreg), cv (stratified k-fold) or score (accuracy, P/R/F1, ROC-AUC, confusion)',
  builder: (y) =>
    withParams(
      y
        .positional('action', { choices: ['train', 'cv', 'score'] as const, describe: 'train a model, cross-validate, or score labeled data with a model' })
        .positional('inputs', { type: 'string', array: true, describe: 'Labeled datasets (NSL-KDD, flowsift CSV / JSON Lines / Parquet) or captures' })
        .option('model', { alias: 'm', type: 'string', describe: 'Classifier file: written by train, read by score', requiresArg: true })
        .option('algo', { choices: ALGOS, default: 'rf' as Algo, describe: 'rf = random forest, gbt = histogram gradient boosting, tree = one CART tree, logreg = logistic regression' })
        .option('target', { choices: TARGETS, default: 'binary' as TargetMode, describe: 'binary = normal vs attack; category = dos/probe/r2l/u2r/…; label = the raw label' })
        .option('label-column', { type: 'string', default: 'label', describe: 'Ground-truth column', requiresArg: true })
        .option('category-column', { type: 'string', default: 'category', describe: 'Category column (--target category); where empty, the label’s KDD or generator category', requiresArg: true })
        .option('normal', { type: 'string', default: 'normal', describe: 'Label of benign rows', requiresArg: true })
        .option('features', { type: 'string', default: 'kdd', describe: 'kdd (41 features), basic (9), or a comma-separated list', requiresArg: true })
        .option('seed', { type: 'number', default: DEFAULTS.seed, describe: 'Random seed (bootstrap, feature sampling, folds)', requiresArg: true })
        .option('class-weight', { choices: ['none', 'balanced'] as const, default: 'none' as const, describe: 'balanced = n / (classes · count), for imbalanced data' }),
    )
      .option('max-features', { type: 'string', default: 'sqrt', describe: 'rf/tree: candidate one-hot features per split: sqrt (rf default), log2, all (tree default), a count or a fraction', requiresArg: true })
      .option('threads', { type: 'number', describe: 'rf: worker threads (default: all cores)', requiresArg: true })
      .option('folds', { type: 'number', default: 5, describe: 'cv: number of folds', requiresArg: true })
      .option('group-by', { type: 'string', describe: 'cv: hold out whole groups of this column (e.g. label: each attack type tested unseen, as in KDDTest+), normal rows split at random', requiresArg: true })
      .option('attack-threshold', { type: 'number', describe: 'Call a row an attack when P(not normal) ≥ this, then its most probable attack class (default: the most probable class); train keeps it in the model, score overrides it', requiresArg: true })
      .option('output', { alias: 'o', type: 'string', describe: 'score: write one prediction record per row (.jsonl or .csv; - = stdout)', requiresArg: true })
      .option('json', { type: 'boolean', default: false, describe: 'Print the result as JSON' })
      .option('top', { type: 'number', default: 10, describe: 'Feature importances shown', requiresArg: true })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No progress on stderr' }) as unknown as Argv<ClassifyArgs>,
  run: async (a, io) => {
    if (a.action === 'train') return train(a, io);
    if (a.action === 'score') return score(a, io);
    return cv(a, io);
  },
};

export default def;
