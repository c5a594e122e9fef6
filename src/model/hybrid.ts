/**
 * Fusing k-means and the autoencoder (`--detector hybrid --fusion and|or|rank|score`). Each detector's
 * ratio is its measure over its own threshold (same --threshold rule, fitted on the same training
 * rows), so > 1 means "this detector fires":
 * - `and`: anomalous when both fire (the seed project's high-confidence rule); score min(ratios);
 * - `or`: anomalous when either fires; score max(ratios);
 * - `rank`: mean of the two measures' percentile ranks in their training distributions (each
 *   detector's training ECDF), thresholded at the same training percentile as the rule: with p95,
 *   5 % of the training rows are flagged. The score is the ratio of the threshold's tail share to
 *   the row's (1 − mean rank): 2 means twice as rare as the threshold. Beyond the training maximum
 *   a measure's tail keeps shrinking as max/x, so rows past every training row stay ordered.
 *   A weak detector cannot veto (unlike `and`) nor flood (unlike `or`): it moves the rank by half.
 * - `score`: the mean of the two measures' standardized logs (each log(measure + ε) minus its
 *   training mean, over its training std, times the mean of the two stds so that the result is in
 *   log units). It flags as many training rows as `or` does — running both detectors at the rule
 *   spends that alarm budget — but picks them by the fused value, so a row must be far out on one
 *   detector or moderately out on both. The score is exp(fused − threshold): a row whose two
 *   measures both sit 1.5× past the threshold point scores about 1.5, as a single detector's ratio.
 */
import { fromBase64, toBase64 } from './autoencoder-detector.ts';
import { percentileSorted, type ThresholdRule } from './threshold.ts';

export const DETECTORS = ['kmeans', 'autoencoder', 'hybrid'] as const;
export type DetectorChoice = (typeof DETECTORS)[number];
export const FUSIONS = ['and', 'or', 'rank', 'score'] as const;
export type FusionRule = (typeof FUSIONS)[number];

/** The fusion section of model.json (hybrid models). */
export interface FusionModel {
  rule: FusionRule;
  /** Training rows behind the quantiles. */
  n: number;
  /** Evenly spaced order statistics of the training k-means distances (min … max), base64 float32. */
  kmeansQuantiles: string;
  /** The same for the autoencoder's training reconstruction errors. */
  autoencoderQuantiles: string;
  /** `rank`: the mean tail share (1 − mean rank) at or below which a row is anomalous. */
  rankThreshold: number;
  /** `score`'s parameters (models written before it existed lack them: only and / or / rank apply). */
  score?: ScoreFusionModel;
}

export interface ScoreFusionModel {
  /** Added to a measure before its log (1 % of its training median: a zero distance stays finite). */
  kmeansEps: number;
  kmeansLogMean: number;
  kmeansLogStd: number;
  autoencoderEps: number;
  autoencoderLogMean: number;
  autoencoderLogStd: number;
  /** Share of training rows either detector flags on its own (the `or` rule): the alarm budget. */
  budget: number;
  /** The fused value above which a row is anomalous: the (1 − budget) quantile of the training rows'. */
  threshold: number;
}

const GRID = 2049;

/** Evenly spaced order statistics of v (min and max included), float32-representable. */
export function quantileGrid(v: Float64Array): Float64Array {
  const s = Float64Array.from(v).sort();
  const g = new Float64Array(Math.min(GRID, s.length));
  for (let i = 0; i < g.length; i++) g[i] = Math.fround(s[Math.round((i * (s.length - 1)) / Math.max(1, g.length - 1))]!);
  return g;
}

/**
 * Share of training rows with a measure above x (1 − ECDF, linear between grid points), floored at
 * 1 / (n + 1) and decaying as max / x beyond the training maximum.
 */
export function tailShare(grid: Float64Array, n: number, x: number): number {
  const G = grid.length;
  const floor = 1 / (n + 1);
  if (G === 0) return 1;
  const max = grid[G - 1]!;
  if (x >= max) return max > 0 && x > max ? (floor * max) / x : floor;
  if (x < grid[0]!) return 1;
  let lo = 0, hi = G - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (grid[mid]! <= x) lo = mid;
    else hi = mid;
  }
  const a = grid[lo]!, b = grid[hi]!;
  const pos = lo + (b > a ? (x - a) / (b - a) : 0);
  return Math.max(floor, 1 - pos / (G - 1));
}

/** The rank and score fusions' compiled form. */
export class RankFusion {
  readonly km: Float64Array;
  readonly ae: Float64Array;
  readonly n: number;
  threshold: number;
  readonly score: ScoreFusionModel | undefined;
  private readonly wk: number;
  private readonly wa: number;

  constructor(km: Float64Array, ae: Float64Array, n: number, threshold = 0, score?: ScoreFusionModel) {
    this.km = km;
    this.ae = ae;
    this.n = n;
    this.threshold = threshold;
    this.score = score;
    // weights of the two logs: ½ · mean std / own std (a constant std, e.g. one training row, counts as 1)
    const sk = score && score.kmeansLogStd > 0 ? score.kmeansLogStd : 1;
    const sa = score && score.autoencoderLogStd > 0 ? score.autoencoderLogStd : 1;
    this.wk = (sk + sa) / 4 / sk;
    this.wa = (sk + sa) / 4 / sa;
  }

  /** Mean tail share of a (k-means distance, reconstruction error) pair. */
  tail(d: number, e: number): number {
    return (tailShare(this.km, this.n, d) + tailShare(this.ae, this.n, e)) / 2;
  }

  /** The score fusion's value of a pair (log units; anomalous above score.threshold). */
  fused(d: number, e: number): number {
    const s = this.score!;
    return this.wk * (Math.log(d + s.kmeansEps) - s.kmeansLogMean) + this.wa * (Math.log(e + s.autoencoderEps) - s.autoencoderLogMean);
  }

  static fromModel(f: FusionModel): RankFusion {
    return new RankFusion(fromBase64(f.kmeansQuantiles), fromBase64(f.autoencoderQuantiles), f.n, f.rankThreshold, f.score);
  }
}

function logStats(v: Float64Array): { eps: number; mean: number; std: number } {
  const s = Float64Array.from(v).sort();
  const eps = 0.01 * percentileSorted(s, 50) || 1e-9;
  let sum = 0, sq = 0;
  for (let i = 0; i < v.length; i++) {
    const l = Math.log(v[i]! + eps);
    sum += l;
    sq += l * l;
  }
  const n = Math.max(1, v.length);
  const mean = sum / n;
  return { eps, mean, std: Math.sqrt(Math.max(0, sq / n - mean * mean)) };
}

/**
 * The fusion section from the training rows' measures. The rank threshold is the rule's training
 * percentile of the fused rank (a multiplier rule `xM` uses the percentile its k-means threshold
 * falls at). The score fusion's budget needs each row's own thresholds (`fired`: the k-means
 * threshold of the row's cluster and the autoencoder's); without them it uses kmThreshold and the
 * autoencoder's rule threshold.
 */
export function fitFusion(rule: FusionRule, thr: ThresholdRule, kmDist: Float64Array, aeErr: Float64Array, kmThreshold: number, fired?: { kmeans: ArrayLike<number>; autoencoder: number }): FusionModel {
  const n = kmDist.length;
  const rf = new RankFusion(quantileGrid(kmDist), quantileGrid(aeErr), n);
  let pct = thr.param;
  if (thr.method !== 'percentile') {
    let below = 0;
    for (let i = 0; i < n; i++) if (kmDist[i]! <= kmThreshold) below++;
    pct = (100 * below) / Math.max(1, n);
  }
  const tails = new Float64Array(n);
  for (let i = 0; i < n; i++) tails[i] = rf.tail(kmDist[i]!, aeErr[i]!);
  tails.sort();
  const threshold = percentileSorted(tails, 100 - pct);
  return { rule, n, kmeansQuantiles: toBase64(rf.km), autoencoderQuantiles: toBase64(rf.ae), rankThreshold: threshold, score: fitScore(thr, kmDist, aeErr, kmThreshold, fired) };
}

function fitScore(thr: ThresholdRule, kmDist: Float64Array, aeErr: Float64Array, kmThreshold: number, fired?: { kmeans: ArrayLike<number>; autoencoder: number }): ScoreFusionModel {
  const n = kmDist.length;
  const k = logStats(kmDist), a = logStats(aeErr);
  let aeThr = fired?.autoencoder;
  if (aeThr === undefined) {
    const s = Float64Array.from(aeErr).sort();
    let mean = 0, sq = 0;
    for (let i = 0; i < n; i++) (mean += s[i]!), (sq += s[i]! * s[i]!);
    mean /= Math.max(1, n);
    aeThr = thr.method === 'percentile' ? percentileSorted(s, thr.param) : mean + thr.param * Math.sqrt(Math.max(0, sq / Math.max(1, n) - mean * mean));
  }
  let either = 0;
  for (let i = 0; i < n; i++) if (kmDist[i]! > (fired ? fired.kmeans[i]! : kmThreshold) || aeErr[i]! > aeThr) either++;
  const budget = n ? either / n : 0;
  const model: ScoreFusionModel = {
    kmeansEps: k.eps, kmeansLogMean: k.mean, kmeansLogStd: k.std,
    autoencoderEps: a.eps, autoencoderLogMean: a.mean, autoencoderLogStd: a.std, budget, threshold: 0,
  };
  const rf = new RankFusion(new Float64Array(0), new Float64Array(0), n, 0, model);
  const f = new Float64Array(n);
  for (let i = 0; i < n; i++) f[i] = rf.fused(kmDist[i]!, aeErr[i]!);
  f.sort();
  model.threshold = percentileSorted(f, 100 * (1 - budget));
  return model;
}

/** Fused anomaly score (> 1 ⇒ anomalous) from the two ratios (measure / threshold) and, for rank, the tail. */
export function fuse(rule: FusionRule, kmRatio: number, aeRatio: number, rank: RankFusion | undefined, d: number, e: number): number {
  if (rule === 'and') return Math.min(kmRatio, aeRatio);
  if (rule === 'or') return Math.max(kmRatio, aeRatio);
  if (rule === 'score') return Math.exp(rank!.fused(d, e) - rank!.score!.threshold);
  const t = rank!.tail(d, e);
  return t > 0 ? rank!.threshold / t : Infinity;
}
