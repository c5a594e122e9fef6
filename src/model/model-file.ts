/**
 * model.json: a versioned, self-describing model file. Loading validates the whole document with
 * zod and refuses a model written for another schema version with a one-line error (exit 3).
 *
 * Schema version history:
 *   1 — flowsift 0.1: preprocessing (log1p + z-score with std floor and clip, one-hot), k-means
 *       centroids, thresholds (global / per cluster), k-selection curves, PCA, training summary;
 *       later (still version 1, optional fields): training.fitMode and training.setAside (robust fit).
 *   2 — more than one detector: `detector` (kmeans | autoencoder | hybrid; absent = kmeans),
 *       `autoencoder` (weights inline as base64 float32, its thresholds), `fusion` (hybrid). An
 *       autoencoder model keeps a one-centroid `kmeans` section (the training mean) and its
 *       top-level `thresholds` are the autoencoder's. Version 1 files still load (as kmeans).
 */
import { readFile, rename, writeFile, unlink } from 'node:fs/promises';
import { writesInPlace } from '../dataset/output.ts';
import { z } from 'zod';
import { InputError } from '../errors.ts';
import type { Preprocessing } from './scale.ts';
import type { Thresholds } from './threshold.ts';
import type { KSelection } from './select-k.ts';
import type { PcaProjection } from './pca.ts';
import type { AutoencoderModel } from './autoencoder-detector.ts';
import { DETECTORS, FUSIONS, type DetectorChoice, type FusionModel } from './hybrid.ts';
import type { FitMode, SetAside } from './robust.ts';

export const MODEL_FORMAT = 'flowsift.model';
export const MODEL_SCHEMA_VERSION = 2;
/** Schema versions this flowsift reads. */
export const MODEL_SCHEMA_READS = [1, 2];
export const FLOWSIFT_VERSION = '0.1.0';

export interface TrainingSummary {
  sources: string[];
  /** Rows read from the inputs. */
  rowsRead: number;
  /** Rows the model was trained on (after --train-on). */
  rows: number;
  trainOn: string | null;
  labelCounts: Record<string, number>;
  /** Rows k-means was fitted on (a seeded sample when the data is large). */
  fitRows: number;
  seed: number;
  nInit: number;
  iterations: number;
  converged: boolean;
  inertia: number;
  msPerIteration: number;
  seconds: number;
  /** Numeric values that were missing or not numbers (encoded as 0). */
  missingValues: number;
  /** 'robust': the rows in setAside were left out of the fit; 'clean': every row was used (absent in older files: clean). */
  fitMode?: FitMode;
  /** What the robust fit set aside and why (rows counts `rows` + setAside.rows = rows scored by the forest). */
  setAside?: SetAside;
}

export interface ModelFile {
  format: typeof MODEL_FORMAT;
  schemaVersion: number;
  flowsiftVersion: string;
  createdAt: string;
  /** Input columns, in model order (numeric first, then categorical). */
  features: string[];
  preprocessing: Preprocessing;
  kmeans: { k: number; centroids: number[][]; clusterSizes: number[] };
  thresholds: Thresholds;
  kSelection: KSelection;
  training: TrainingSummary;
  pca?: PcaProjection;
  /** Which detector scores (absent = kmeans, as every version-1 file). */
  detector?: DetectorChoice;
  /** The autoencoder (autoencoder and hybrid models). */
  autoencoder?: AutoencoderModel & { thresholds: Thresholds };
  /** How the hybrid combines its two detectors. */
  fusion?: FusionModel;
}

/** One line naming the model's detector: 'k-means k=100', 'autoencoder 118-64-…-118', 'hybrid (…, fusion rank)'. */
export function describeDetector(m: ModelFile): string {
  const km = `k-means k=${m.kmeans.k}`;
  const ae = m.autoencoder ? `autoencoder ${m.autoencoder.layers.join('-')}` : '';
  const det = detectorOf(m);
  return det === 'kmeans' ? km : det === 'autoencoder' ? ae : `hybrid (${km} + ${ae}, fusion ${m.fusion?.rule})`;
}

/** The detector a model scores with. */
export function detectorOf(m: ModelFile): DetectorChoice {
  return m.detector ?? 'kmeans';
}

const num = z.number();
const stats = z.object({ count: num, mean: num, std: num, p50: num, p90: num, p95: num, p99: num, max: num });

const thresholdsSchema = z.object({
  rule: z.object({ method: z.enum(['percentile', 'multiplier']), param: num, scope: z.enum(['global', 'cluster']) }),
  spec: z.string(),
  global: num,
  perCluster: z.array(num),
  globalStats: stats,
  clusterStats: z.array(stats),
  minClusterSize: num,
});

const ModelSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  schemaVersion: z.number().int(),
  flowsiftVersion: z.string(),
  createdAt: z.string(),
  features: z.array(z.string()).min(1),
  preprocessing: z.object({
    numeric: z.array(z.object({ name: z.string(), log1p: z.boolean(), mean: num, std: num.positive(), min: num, max: num })),
    categorical: z.array(z.object({ name: z.string(), values: z.array(z.string()), weight: num })),
    clip: num.min(0),
    stdFloor: num.min(0),
  }),
  kmeans: z.object({ k: z.number().int().min(1), centroids: z.array(z.array(num)).min(1), clusterSizes: z.array(num) }),
  thresholds: thresholdsSchema,
  kSelection: z.object({
    method: z.enum(['silhouette', 'elbow', 'fixed']),
    chosen: z.number().int(),
    curve: z.array(z.object({ k: num, inertia: num, silhouette: num })),
    elbowK: num,
    silhouetteK: num,
    sampleSize: num,
    silhouetteSampleSize: num,
  }),
  training: z.object({
    sources: z.array(z.string()),
    rowsRead: num,
    rows: num,
    trainOn: z.string().nullable(),
    labelCounts: z.record(z.string(), num),
    fitRows: num,
    seed: num,
    nInit: num,
    iterations: num,
    converged: z.boolean(),
    inertia: num,
    msPerIteration: num,
    seconds: num,
    missingValues: num,
    fitMode: z.enum(['robust', 'clean']).optional(),
    setAside: z
      .object({
        method: z.literal('isolation-forest-otsu'),
        of: num,
        rows: num,
        share: num,
        cut: num,
        otsuShare: num,
        capped: z.boolean(),
        maxShare: num,
        separability: num,
        trees: num,
        maxSamples: num,
        seed: num,
        labels: z.record(z.string(), num).optional(),
        features: z.enum(['all', 'numeric']).optional(),
        readmitted: z.object({ percentile: num, rows: num }).optional(),
      })
      .optional(),
  }),
  pca: z
    .object({
      mean: z.array(num),
      components: z.array(z.array(num)),
      explainedVariance: z.array(num),
      points: z.array(z.tuple([num, num, num])),
      centroids: z.array(z.tuple([num, num])),
    })
    .optional(),
  detector: z.enum(DETECTORS).optional(),
  autoencoder: z
    .object({
      layers: z.array(z.number().int().min(1)).min(2),
      activation: z.literal('tanh'),
      weights: z.array(z.string()),
      biases: z.array(z.string()),
      thresholds: thresholdsSchema,
      training: z.object({ rows: num, epochs: num, batchSize: num, learningRate: num, l2: num, seed: num, loss: z.array(num), seconds: num }),
    })
    .optional(),
  fusion: z
    .object({
      rule: z.enum(FUSIONS), n: num, kmeansQuantiles: z.string(), autoencoderQuantiles: z.string(), rankThreshold: num,
      score: z.object({
        kmeansEps: num, kmeansLogMean: num, kmeansLogStd: num, autoencoderEps: num, autoencoderLogMean: num, autoencoderLogStd: num, budget: num, threshold: num,
      }).optional(),
    })
    .optional(),
});

/** Validate a parsed model document; throws InputError naming the file and the first problem. */
export function validateModel(doc: unknown, file = 'model'): ModelFile {
  const d = doc as { format?: unknown; schemaVersion?: unknown; flowsiftVersion?: unknown } | null;
  if (!d || typeof d !== 'object' || d.format !== MODEL_FORMAT) {
    if (d && typeof d === 'object' && d.format === 'flowsift.classifier') throw new InputError('E_MODEL_FORMAT', file, undefined, `a classifier (flowsift classify train), not an anomaly model: use 'flowsift classify score'`);
    throw new InputError('E_MODEL_FORMAT', file, undefined, `not a flowsift model (expected "format": "${MODEL_FORMAT}")`);
  }
  if (!MODEL_SCHEMA_READS.includes(d.schemaVersion as number)) {
    throw new InputError(
      'E_MODEL_VERSION',
      file,
      undefined,
      `model schema version ${String(d.schemaVersion)} (written by flowsift ${String(d.flowsiftVersion)}) is not supported by flowsift ${FLOWSIFT_VERSION}, which reads versions ${MODEL_SCHEMA_READS.join(' and ')}: retrain it with 'flowsift train'`,
    );
  }
  const r = ModelSchema.safeParse(doc);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new InputError('E_MODEL_INVALID', file, undefined, `invalid model: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const m = r.data as ModelFile;
  const dims = m.preprocessing.numeric.length + m.preprocessing.categorical.reduce((s, c) => s + c.values.length, 0);
  for (const [j, c] of m.kmeans.centroids.entries()) {
    if (c.length !== dims) throw new InputError('E_MODEL_INVALID', file, undefined, `invalid model: kmeans.centroids.${j}: ${c.length} values, the preprocessing encodes ${dims} dimensions`);
  }
  if (m.kmeans.centroids.length !== m.kmeans.k || m.thresholds.perCluster.length !== m.kmeans.k) {
    throw new InputError('E_MODEL_INVALID', file, undefined, `invalid model: k = ${m.kmeans.k} but ${m.kmeans.centroids.length} centroids and ${m.thresholds.perCluster.length} thresholds`);
  }
  const det = detectorOf(m);
  const bad = (what: string): never => {
    throw new InputError('E_MODEL_INVALID', file, undefined, `invalid model: ${what}`);
  };
  if (det !== 'kmeans') {
    const ae = m.autoencoder ?? bad(`detector ${det} but no autoencoder section`);
    const L = ae.layers;
    if (L[0] !== dims || L[L.length - 1] !== dims) bad(`autoencoder.layers: input/output width ${L[0]}/${L[L.length - 1]}, the preprocessing encodes ${dims} dimensions`);
    if (ae.weights.length !== L.length - 1 || ae.biases.length !== L.length - 1) bad(`autoencoder: ${L.length - 1} layers but ${ae.weights.length} weight and ${ae.biases.length} bias arrays`);
    for (let l = 0; l + 1 < L.length; l++) {
      // base64 of float32: 4 bytes a value
      const nw = Math.floor((ae.weights[l]!.replace(/=+$/, '').length * 3) / 4 / 4);
      const nb = Math.floor((ae.biases[l]!.replace(/=+$/, '').length * 3) / 4 / 4);
      if (nw !== L[l]! * L[l + 1]! || nb !== L[l + 1]!) bad(`autoencoder.weights.${l}: ${nw} weights and ${nb} biases, expected ${L[l]! * L[l + 1]!} and ${L[l + 1]!}`);
    }
  }
  if (det === 'hybrid' && !m.fusion) bad('detector hybrid but no fusion section');
  if (m.fusion?.rule === 'score' && !m.fusion.score) bad('fusion.rule score but no fusion.score parameters');
  return m;
}

export async function loadModel(path: string): Promise<ModelFile> {
  const text = await readFile(path, 'utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError('E_MODEL_JSON', path, undefined, `not JSON: ${(e as Error).message}`);
  }
  return validateModel(doc, path);
}

/** Write the model atomically (temp file + rename). */
export async function saveModel(path: string, m: ModelFile): Promise<void> {
  // A device or FIFO is written in place: renaming a temp file over it would replace it.
  if (writesInPlace(path)) return writeFile(path, JSON.stringify(m) + '\n');
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    await writeFile(tmp, JSON.stringify(m) + '\n');
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}
