/**
 * Training: raw table → preprocessing → k (fixed, or by silhouette / elbow on a sample) → k-means
 * with n_init restarts on a seeded fit sample → assignment of every training row → thresholds →
 * PCA projection → ModelFile.
 */
import type { RawTable } from './encode.ts';
import { Encoder, fitPreprocessing, type LogPolicy } from './scale.ts';
import { assignTable, encodeRows, fitKMeans, sampleIndices, type EncodedRows } from './kmeans.ts';
import { sweepK, type KSelection } from './select-k.ts';
import { fitThresholds, parseThreshold, type ThresholdScope } from './threshold.ts';
import { fitPca } from './pca.ts';
import { FLOWSIFT_VERSION, MODEL_FORMAT, MODEL_SCHEMA_VERSION, type ModelFile } from './model-file.ts';
import { UsageError } from '../errors.ts';
import { AE_DEFAULTS, autoencoderKind } from './autoencoder-detector.ts';
import { fitFusion, type DetectorChoice, type FusionRule } from './hybrid.ts';
import { readmitMask, ROBUST_DEFAULTS, setAsideIsolated, withReadmitted, type FitMode, type RobustOptions, type SetAside } from './robust.ts';
import { modelThreads } from './share.ts';

/**
 * Defaults, chosen by measurement on NSL-KDD (train on the normal KDDTrain+ rows, score KDDTest+;
 * scripts/eval-nslkdd.ts and scripts/baseline-sklearn.py; figures in the README):
 * - log1p on every non-negative column whose training max exceeds 1 (bytes, durations, counts —
 *   not the [0, 1] rates);
 * - z-score that never amplifies a column (std floor 1, in the transformed units) and z clipped to
 *   ±5: rates and flags stay in their [0, 1] units, log-counts are divided by their std. Without the
 *   floor a near-constant column (root_shell, su_attempted, land: std 0.01–0.06 in normal traffic)
 *   turns one rare value into a z of 20–100 that swamps every other feature — test-set normals with
 *   such a value become the top "anomalies" and the p95 threshold is inflated (F1 at p95: floor 0
 *   0.86–0.89, 0.5 → 0.92, 1 → 0.92–0.93; clipping at ±5 adds ≈ +0.002 ROC-AUC);
 * - one-hot weight 1 (0.5 and 2 both measured worse);
 * - k = 100: distance to the nearest of many centroids approximates the normal-traffic density;
 *   k ≤ 30 loses 0.01 AUC, k = 200 gains nothing;
 * - global p95 threshold (per-cluster thresholds measured far worse: tiny tight clusters get tiny
 *   thresholds).
 */
export const TRAIN_DEFAULTS = {
  k: 100 as number | 'auto',
  kMin: 2,
  kMax: 12,
  select: 'silhouette' as 'silhouette' | 'elbow',
  threshold: 'p95',
  thresholdScope: 'global' as ThresholdScope,
  seed: 42,
  nInit: 3,
  /** Rows k-means is fitted on (a seeded sample beyond this). */
  sample: 100_000,
  stdFloor: 1,
  clip: 5,
  oneHotWeight: 1,
  log: 'auto' as LogPolicy,
  silhouetteSample: 2000,
  sweepSample: 20_000,
  pcaSample: 2000,
  /** As scikit-learn's KMeans (the relative tolerance stops it long before, as a rule). */
  maxIter: 300,
  /** A fixed k is lowered to keep at least this many training rows per cluster on average (small captures). */
  minRowsPerCluster: 20,
  detector: 'kmeans' as DetectorChoice,
  fusion: 'score' as FusionRule,
  /** Autoencoder: hidden layer widths, epochs over the fit sample, mini-batch rows, Adam step, L2. */
  aeHidden: AE_DEFAULTS.hidden,
  aeEpochs: AE_DEFAULTS.epochs,
  aeBatch: AE_DEFAULTS.batchSize,
  aeLearningRate: AE_DEFAULTS.learningRate,
  aeL2: AE_DEFAULTS.l2,
  /**
   * 'robust' sets aside the rows an isolation forest isolates most easily before fitting (robust.ts);
   * 'clean' fits on every row. The commands choose robust unless the rows are known to be clean.
   */
  fitMode: 'clean' as FitMode,
};

export type TrainOptions = Partial<typeof TRAIN_DEFAULTS> & {
  /**
   * Compute the k sweep (inertia and silhouette curves over kMin..kMax, stored in kSelection.curve
   * for charts) even when k is fixed. Always computed for k 'auto'; default off for a fixed k.
   */
  sweep?: boolean;
  /** One-line notes (k lowered, what is being fitted). */
  onProgress?: (msg: string) => void;
  /** Progress of the long steps: done of total units of `step` (the CLI draws it on stderr). */
  onStep?: (e: TrainStep) => void;
  /** Options of the robust fit's isolation forest and cut (fitMode 'robust'). */
  robust?: RobustOptions;
};

export interface TrainStep {
  step: 'sweep' | 'kmeans' | 'autoencoder' | 'pca' | 'isolation';
  done: number;
  total: number;
  /** A unit finished (restart, k of the sweep, PCA) rather than an iteration inside one. */
  final: boolean;
  detail: string;
}

export interface TrainMeta {
  sources: string[];
  rowsRead: number;
  trainOn: string | null;
  labelCounts: Record<string, number>;
  /** Column of the table's kept rows holding the label (counts what the robust fit set aside). */
  labelColumn?: string;
}

export function trainModel(t: RawTable, meta: TrainMeta, options: TrainOptions = {}): ModelFile {
  const o = { ...TRAIN_DEFAULTS, ...stripUndefined(options) };
  const t0 = performance.now();
  if (t.n < 2) throw new UsageError(`train: need at least 2 training rows, got ${t.n}${meta.trainOn ? ` (after keeping the ${meta.trainOn} rows)` : ''}`);
  const rule = parseThreshold(o.threshold, o.thresholdScope);
  const step = options.onStep;
  let setAside: SetAside | undefined;
  let aside: RawTable | undefined;
  if (o.fitMode === 'robust') {
    // the detector, its preprocessing and thresholds are all fitted on the rows that remain
    const ti = performance.now();
    step?.({ step: 'isolation', done: 0, total: 1, final: false, detail: `isolation forest on ${t.n} rows` });
    ({ table: t, aside, summary: setAside } = setAsideIsolated(t, { log: o.log, clip: o.clip, stdFloor: o.stdFloor, oneHotWeight: o.oneHotWeight }, { ...options.robust, seed: options.robust?.seed ?? o.seed, labelColumn: meta.labelColumn }));
    step?.({ step: 'isolation', done: 1, total: 1, final: true, detail: `isolation forest: set aside ${setAside.rows} of ${setAside.of} rows (${(setAside.share * 100).toFixed(1)} %, score > ${setAside.cut.toFixed(3)}), ${((performance.now() - ti) / 1000).toFixed(1)} s` });
  } else if (o.fitMode !== 'clean') {
    throw new UsageError(`fit mode '${String(o.fitMode)}': expected robust or clean`, 'E_USAGE', 'fitMode');
  }
  const pre = fitPreprocessing(t, { log: o.log, clip: o.clip, stdFloor: o.stdFloor, oneHotWeight: o.oneHotWeight });
  const enc = new Encoder(pre, t);
  // only the fit sample is encoded as a whole; the other rows are encoded a block at a time below
  const fitIdx = sampleIndices(t.n, o.sample, o.seed);
  // on shared memory when k-means will spread its steps over worker threads (no copy then)
  const fitRows = encodeRows(enc, fitIdx.length === t.n ? t.n : fitIdx, modelThreads(fitIdx.length) > 1);

  // k: fixed or selected; the sweep (both curves) only when k is 'auto' or it is asked for (charts)
  let sel: KSelection;
  const sweep = options.sweep || o.k === 'auto'
    ? sweepK(pre, fitRows, {
        kMin: o.kMin, kMax: o.kMax, seed: o.seed, sample: o.sweepSample, silhouetteSample: o.silhouetteSample,
        onK: step && ((pt, done, total) => step({ step: 'sweep', done, total, final: true, detail: `k sweep ${done}/${total}: k ${pt.k}, inertia ${pt.inertia.toFixed(1)}, silhouette ${pt.silhouette.toFixed(3)}` })),
      })
    : { curve: [], elbowK: 0, silhouetteK: 0, sampleSize: 0, silhouetteSampleSize: 0 };
  if (o.k === 'auto') {
    const chosen = o.select === 'elbow' ? sweep.elbowK : sweep.silhouetteK;
    sel = { method: o.select, chosen, ...sweep };
  } else if (o.detector === 'autoencoder') {
    // one centroid (the training mean): cluster views and PCA keep working, every flow in cluster 0
    sel = { method: 'fixed', chosen: 1, ...sweep };
  } else {
    if (!(Number.isInteger(o.k) && o.k >= 1)) throw new UsageError(`k ${o.k}: expected a positive integer or 'auto'`, 'E_USAGE', 'k');
    const cap = Math.max(2, Math.floor(t.n / Math.max(1, o.minRowsPerCluster)));
    if (o.k > cap) options.onProgress?.(`k lowered from ${o.k} to ${cap}: ${t.n} rows, at least ${o.minRowsPerCluster} rows per cluster`);
    sel = { method: 'fixed', chosen: Math.min(o.k, cap), ...sweep };
  }
  if (o.detector !== 'autoencoder') options.onProgress?.(`k = ${sel.chosen} (${sel.method}); fitting k-means on ${fitRows.n} rows, n_init ${o.nInit}`);
  let best = Infinity;
  const fit = fitKMeans(pre, fitRows, {
    k: sel.chosen, seed: o.seed, nInit: o.detector === 'autoencoder' ? 1 : o.nInit, maxIter: o.maxIter,
    onIteration: step && ((run, it, changed) => step({ step: 'kmeans', done: run, total: o.nInit, final: false, detail: `k-means restart ${run + 1}/${o.nInit}, iteration ${it}: ${changed} rows moved` })),
    onRun: (run, inertia, it, ms) => {
      if (o.detector === 'autoencoder') return;
      best = Math.min(best, inertia);
      step?.({ step: 'kmeans', done: run + 1, total: o.nInit, final: true, detail: `k-means restart ${run + 1}/${o.nInit}: inertia ${inertia.toFixed(1)} after ${it} iterations, ${(ms / 1000).toFixed(1)} s (best so far ${best.toFixed(1)})` });
    },
  });
  const k = fit.centroids.k;
  let labels = fit.labels;
  let d2 = fit.d2;
  if (fitRows.n !== t.n) {
    // the fit sample's rows have their nearest centroid already: only the others are searched
    const known = new Int32Array(t.n).fill(-1);
    for (let i = 0; i < fitIdx.length; i++) known[fitIdx[i]!] = labels[i]!;
    labels = new Int32Array(t.n);
    d2 = new Float64Array(t.n);
    assignTable(fit.centroids, enc, t.n, labels, d2, undefined, known);
  }
  let dist = d2.map(Math.sqrt);
  const ae = o.detector === 'kmeans' ? undefined : trainAutoencoder(pre, fitRows, enc, t.n, o, step);
  let errors = ae?.errors;
  if (aside && setAside && aside.n) {
    // the set-aside rows are scored by the fitted model; those it finds within the kept rows' range
    // join the rows the thresholds are taken on (robust.ts, readmit)
    const pct = options.robust?.readmit ?? ROBUST_DEFAULTS.readmit;
    const aEnc = new Encoder(pre, aside);
    const aLabels = new Int32Array(aside.n), aD2 = new Float64Array(aside.n);
    assignTable(fit.centroids, aEnc, aside.n, aLabels, aD2);
    const aDist = aD2.map(Math.sqrt);
    const aErr = ae && measureTable(ae.detector, aEnc, aside.n);
    const kmMask = readmitMask(dist, aDist, pct);
    const aeMask = ae && readmitMask(ae.errors, aErr!, pct);
    // a hybrid's shared rows (its fusion's) are those both detectors readmit
    const both = aeMask ? kmMask.map((m, i) => m & aeMask[i]!) : kmMask;
    const mine = o.detector === 'kmeans' ? kmMask : o.detector === 'autoencoder' ? aeMask! : both;
    let rows = 0;
    for (const m of mine) rows += m;
    setAside.readmitted = { percentile: pct, rows };
    if (o.detector === 'hybrid') {
      dist = withReadmitted(dist, aDist, both);
      labels = withReadmitted(labels, aLabels, both);
      errors = withReadmitted(ae!.errors, aErr!, both);
    } else {
      dist = withReadmitted(dist, aDist, kmMask);
      labels = withReadmitted(labels, aLabels, kmMask);
      if (ae) errors = withReadmitted(ae.errors, aErr!, aeMask!);
    }
  }
  let thresholds = fitThresholds(rule, dist, labels, k);
  const aeThresholds = errors && fitThresholds({ ...rule, scope: 'global' }, errors, new Int32Array(errors.length), 1);
  if (o.detector === 'autoencoder') thresholds = aeThresholds!;
  const fusion = o.detector === 'hybrid'
    ? fitFusion(o.fusion, rule, dist, errors!, thresholds.global, { kmeans: Float64Array.from(labels, (j) => thresholds.perCluster[j]!), autoencoder: aeThresholds!.global })
    : undefined;
  const sizes = new Array<number>(k).fill(0);
  for (let i = 0; i < t.n; i++) sizes[labels[i]!]!++;
  const tp = performance.now();
  step?.({ step: 'pca', done: 0, total: 1, final: false, detail: `PCA on ${Math.min(t.n, o.pcaSample)} rows` });
  const pcaIdx = sampleIndices(t.n, o.pcaSample, o.seed);
  const pca = fitPca(pre, encodeRows(enc, pcaIdx), Int32Array.from(pcaIdx, (i) => labels[i]!), fit.centroids, o.pcaSample, o.seed);
  step?.({ step: 'pca', done: 1, total: 1, final: true, detail: `PCA (2-D projection for charts) on ${Math.min(t.n, o.pcaSample)} rows, ${((performance.now() - tp) / 1000).toFixed(1)} s` });
  return {
    format: MODEL_FORMAT,
    schemaVersion: MODEL_SCHEMA_VERSION,
    flowsiftVersion: FLOWSIFT_VERSION,
    createdAt: new Date().toISOString(),
    features: [...pre.numeric.map((s) => s.name), ...pre.categorical.map((c) => c.name)],
    preprocessing: pre,
    kmeans: { k, centroids: fit.centroids.toArrays(), clusterSizes: sizes },
    thresholds,
    kSelection: sel,
    training: {
      sources: meta.sources,
      rowsRead: meta.rowsRead,
      rows: t.n,
      trainOn: meta.trainOn,
      labelCounts: meta.labelCounts,
      fitRows: fitRows.n,
      seed: o.seed,
      nInit: o.nInit,
      iterations: fit.iterations,
      converged: fit.converged,
      inertia: fit.inertia,
      msPerIteration: fit.msPerIteration,
      seconds: (performance.now() - t0) / 1000,
      missingValues: t.missing,
      fitMode: o.fitMode,
      ...(setAside ? { setAside } : {}),
    },
    ...(pca ? { pca } : {}),
    ...(o.detector !== 'kmeans' ? { detector: o.detector, autoencoder: { ...ae!.model, thresholds: aeThresholds! } } : {}),
    ...(fusion ? { fusion } : {}),
  };
}

/** Fit the autoencoder on the fit rows, with one progress line per epoch; the errors are of every training row. */
function trainAutoencoder(pre: ReturnType<typeof fitPreprocessing>, fitRows: EncodedRows, enc: Encoder, n: number, o: typeof TRAIN_DEFAULTS, step: TrainOptions['onStep']) {
  const t0 = performance.now();
  if (!(Number.isInteger(o.aeEpochs) && o.aeEpochs >= 1)) throw new UsageError(`autoencoder epochs must be an integer ≥ 1, got ${String(o.aeEpochs)}`, 'E_USAGE', 'aeEpochs');
  const fit = autoencoderKind.fit(pre, fitRows, {
    seed: o.seed, epochs: o.aeEpochs, hidden: o.aeHidden, batchSize: o.aeBatch, learningRate: o.aeLearningRate, l2: o.aeL2,
    onEpoch: step && ((e, loss, sec) => step({ step: 'autoencoder', done: e, total: o.aeEpochs, final: true, detail: `autoencoder epoch ${e}/${o.aeEpochs}: loss ${loss.toFixed(5)}, ${sec.toFixed(1)} s` })),
  });
  // every training row's error, not only the fit sample's
  const errors = fitRows.n === n ? fit.measures : measureTable(fit.detector, enc, n);
  const model = fit.detector.toModel({
    rows: fitRows.n, epochs: o.aeEpochs, batchSize: o.aeBatch, learningRate: o.aeLearningRate, l2: o.aeL2, seed: o.seed,
    loss: fit.loss.map((v) => Number(v.toPrecision(6))), seconds: (performance.now() - t0) / 1000,
  });
  return { model, errors, detector: fit.detector };
}

/** The detector's measure of every row of a table, encoded a block at a time (as k-means assigns them). */
function measureTable(d: { measureAll(x: EncodedRows, out: Float64Array): void }, enc: Encoder, n: number): Float64Array {
  const out = new Float64Array(n);
  const b = Math.max(1, Math.min(n, 16384));
  const x: EncodedRows = { n: 0, nNum: enc.nNum, nCat: enc.nCat, z: new Float64Array(b * enc.nNum), oh: new Int32Array(b * enc.nCat) };
  for (let s = 0; s < n; s += b) {
    x.n = Math.min(b, n - s);
    for (let r = 0; r < x.n; r++) enc.encodeInto(s + r, x.z, r * enc.nNum, x.oh, r * enc.nCat);
    d.measureAll(x, out.subarray(s, s + x.n));
  }
  return out;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const r: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (r as Record<string, unknown>)[k] = v;
  return r;
}
