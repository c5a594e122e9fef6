/**
 * Histogram-based gradient-boosted trees, as scikit-learn's HistGradientBoostingClassifier and
 * LightGBM build them: features binned once (≤ 255 bins), each tree grown leaf-wise (best gain
 * first) to `maxLeafNodes` leaves, split gains from per-bin sums of gradients and hessians, the
 * larger child's histogram obtained by subtracting the smaller one's from its parent's. Log loss:
 * one tree per iteration for two classes (sigmoid), one per class for more (softmax).
 * Categorical columns split natively: values sorted by G/(H + smoothing), best prefix goes left.
 */
import { rng, type Binned } from './data.ts';
import { TreeBuilderNodes, thresholdOf, type TreeJson } from './tree.ts';
import { CTRL, featureOffsets, histRange, rowMajorBins, sharedF64, type HistShared } from './hist.ts';

export interface BoostParams {
  iterations: number;
  learningRate: number;
  maxLeafNodes: number;
  maxDepth: number;
  minSamplesLeaf: number;
  l2: number;
  /** Least hessian sum in a child (XGBoost's min_child_weight, LightGBM's min_sum_hessian_in_leaf). */
  minChildWeight: number;
  /** Share of the features each tree may split on, drawn per tree (1: all, and no draw). */
  colsample: number;
  seed: number;
}

/** Smoothing of the per-category gradient ratio used to order categories (LightGBM's cat_smooth). */
const CAT_SMOOTH = 10;

interface Split {
  gain: number;
  f: number;
  bin: number;
  /** Categorical: bins going left. */
  set: number[] | null;
  gl: number;
  hl: number;
  nl: number;
}

interface Node {
  id: number;
  start: number;
  end: number;
  depth: number;
  g: number;
  h: number;
  slot: number;
  /** (sum g, sum h, count) per bin. */
  hist: Float64Array;
  split: Split | null;
}

/** The other thread's half of the histogram work: request (slot, rows) and wait for it. */
export interface HistHelper {
  ctrl: Int32Array;
  /** Features [0, split) are built here, [split, nFeat) by the helper. */
  split: number;
}

/** Raw-score initialisation: log-odds (two classes) or log-priors (more), from weighted class shares. */
export function initScores(y: Uint8Array, sw: Float64Array, k: number): number[] {
  const tot = new Float64Array(k);
  let W = 0;
  for (let i = 0; i < y.length; i++) {
    tot[y[i]!]! += sw[i]!;
    W += sw[i]!;
  }
  const p = Array.from(tot, (t) => Math.min(1 - 1e-12, Math.max(1e-12, t / W)));
  if (k === 2) return [Math.log(p[1]! / p[0]!)];
  const logs = p.map(Math.log);
  const mean = logs.reduce((a, b) => a + b, 0) / k;
  return logs.map((l) => l - mean);
}

export class HistTreeGrower {
  private readonly featOff: Int32Array;
  private readonly totalBins: number;
  private readonly idx: Uint32Array;
  private free: number[] = [];
  readonly importance: Float64Array;
  readonly shared: HistShared;
  private seq = 0;
  /** Features the current tree may split on (colsample < 1). */
  private readonly allowed: Uint8Array;
  private readonly rand: () => number;

  constructor(
    private readonly b: Binned,
    private readonly p: BoostParams,
    g: Float64Array,
    h: Float64Array,
    private readonly helper?: HistHelper,
  ) {
    this.featOff = featureOffsets(b);
    this.totalBins = this.featOff[b.nFeat]!;
    const slots = p.maxLeafNodes + 2;
    this.idx = new Uint32Array(new SharedArrayBuffer(Math.max(4, b.n * 4)));
    this.shared = {
      rows: rowMajorBins(b, this.featOff),
      nFeat: b.nFeat,
      n: b.n,
      featOff: this.featOff,
      idx: this.idx,
      g,
      h,
      histPool: sharedF64(slots * this.totalBins * 3),
      totalBins: this.totalBins,
    };
    for (let s = slots - 1; s >= 0; s--) this.free.push(s);
    this.importance = new Float64Array(b.nFeat);
    this.allowed = new Uint8Array(b.nFeat).fill(1);
    this.rand = rng(p.seed);
  }

  /** Draw the features of the next tree: round(colsample · features), at least one, without replacement. */
  private drawFeatures(): void {
    const nf = this.b.nFeat;
    const take = Math.max(1, Math.round(this.p.colsample * nf));
    if (take >= nf) return;
    const order = Array.from({ length: nf }, (_, f) => f);
    this.allowed.fill(0);
    for (let q = 0; q < take; q++) {
      const j = q + Math.floor(this.rand() * (nf - q));
      [order[q], order[j]] = [order[j]!, order[q]!];
      this.allowed[order[q]!] = 1;
    }
  }

  private take(): { slot: number; hist: Float64Array } {
    const slot = this.free.pop()!;
    const T = this.totalBins;
    return { slot, hist: this.shared.histPool.subarray(slot * T * 3, (slot + 1) * T * 3) };
  }

  private buildHist(node: Node): void {
    const { n, nFeat } = this.b;
    const { start, end } = node;
    const m = end - start;
    const whole = m === n;
    const sh = this.shared;
    const hp = this.helper;
    // small nodes are not worth a hand-over
    if (!hp || m < 2048) {
      histRange(sh, node.slot, 0, nFeat, start, m, whole);
      return;
    }
    const c = hp.ctrl;
    c[CTRL.SLOT] = node.slot;
    c[CTRL.START] = start;
    c[CTRL.COUNT] = m;
    c[CTRL.WHOLE] = whole ? 1 : 0;
    const seq = ++this.seq;
    Atomics.store(c, CTRL.SEQ, seq);
    Atomics.notify(c, CTRL.SEQ);
    histRange(sh, node.slot, 0, hp.split, start, m, whole);
    for (;;) {
      const done = Atomics.load(c, CTRL.DONE);
      if (done === seq) break;
      Atomics.wait(c, CTRL.DONE, done);
    }
  }

  private findSplit(node: Node): Split | null {
    const { nFeat, nNum, nBins, lumped } = this.b;
    const { l2, minSamplesLeaf, minChildWeight } = this.p;
    const G = node.g;
    const H = node.h;
    const count = node.end - node.start;
    if (count < 2 * minSamplesLeaf || node.depth >= this.p.maxDepth) return null;
    const parent = (G * G) / (H + l2);
    let best: Split | null = null;
    const { hist } = node;
    const allowed = this.allowed;
    for (let f = 0; f < nFeat; f++) {
      if (allowed[f] === 0) continue;
      const base = this.featOff[f]!;
      const nb = nBins[f]!;
      if (f < nNum) {
        let gl = 0;
        let hl = 0;
        let nl = 0;
        for (let b = 0; b + 1 < nb; b++) {
          const c = hist[3 * (base + b) + 2]!;
          if (c === 0) continue;
          nl += c;
          gl += hist[3 * (base + b)]!;
          hl += hist[3 * (base + b) + 1]!;
          if (nl < minSamplesLeaf) continue;
          if (count - nl < minSamplesLeaf) break;
          const hr = H - hl;
          if (hl < minChildWeight || hr < minChildWeight) continue;
          const gr = G - gl;
          const gain = (gl * gl) / (hl + l2) + (gr * gr) / (hr + l2) - parent;
          if (gain > 1e-12 && (best === null || gain > best.gain)) best = { gain, f, bin: b, set: null, gl, hl, nl };
        }
      } else {
        const usable = nb - (lumped[f] ? 1 : 0);
        const cats: number[] = [];
        for (let b = 0; b < usable; b++) if (hist[3 * (base + b) + 2]! > 0) cats.push(b);
        if (cats.length < 2) continue;
        const ratio = (b: number): number => hist[3 * (base + b)]! / (hist[3 * (base + b) + 1]! + CAT_SMOOTH);
        cats.sort((a, c) => ratio(a) - ratio(c));
        let gl = 0;
        let hl = 0;
        let nl = 0;
        for (let q = 0; q + 1 < cats.length; q++) {
          const b = cats[q]!;
          nl += hist[3 * (base + b) + 2]!;
          gl += hist[3 * (base + b)]!;
          hl += hist[3 * (base + b) + 1]!;
          if (nl < minSamplesLeaf) continue;
          if (count - nl < minSamplesLeaf) break;
          const hr = H - hl;
          if (hl < minChildWeight || hr < minChildWeight) continue;
          const gr = G - gl;
          const gain = (gl * gl) / (hl + l2) + (gr * gr) / (hr + l2) - parent;
          if (gain > 1e-12 && (best === null || gain > best.gain)) best = { gain, f, bin: q, set: cats.slice(0, q + 1), gl, hl, nl };
        }
      }
    }
    return best;
  }

  /**
   * Grow one tree on gradients g and hessians h (already multiplied by sample weights); adds
   * learningRate × leaf value to raw[i · stride + col] for every training row, and returns the tree.
   */
  grow(raw: Float64Array, stride: number, col: number): TreeJson {
    const { g, h } = this.shared;
    const { n, bins } = this.b;
    const { l2, learningRate, maxLeafNodes } = this.p;
    const idx = this.idx;
    this.drawFeatures();
    for (let i = 0; i < n; i++) idx[i] = i;
    let G = 0;
    let H = 0;
    for (let i = 0; i < n; i++) {
      G += g[i]!;
      H += h[i]!;
    }
    const nodes = new TreeBuilderNodes(1);
    const root: Node = { id: nodes.add(), start: 0, end: n, depth: 0, g: G, h: H, ...this.take(), split: null };
    this.buildHist(root);
    root.split = this.findSplit(root);
    const open: Node[] = [root];
    const leaves: Node[] = [];
    let nLeaves = 1;
    while (open.length) {
      // best-first: the open leaf with the largest gain
      let bi = -1;
      for (let q = 0; q < open.length; q++) if (open[q]!.split && (bi < 0 || open[q]!.split!.gain > open[bi]!.split!.gain)) bi = q;
      if (bi < 0 || nLeaves >= maxLeafNodes) break;
      const node = open[bi]!;
      open.splice(bi, 1);
      const s = node.split!;
      const off = s.f * n;
      let member: Uint8Array | null = null;
      if (s.set) {
        member = new Uint8Array(this.b.nBins[s.f]!);
        for (const c of s.set) member[c] = 1;
      }
      let lo = node.start;
      let hi = node.end - 1;
      while (lo <= hi) {
        const i = idx[lo]!;
        const b = bins[off + i]!;
        if (member ? member[b] === 1 : b <= s.bin) lo++;
        else {
          idx[lo] = idx[hi]!;
          idx[hi] = i;
          hi--;
        }
      }
      this.importance[s.f]! += s.gain;
      nodes.feature[node.id] = s.f;
      if (s.set) nodes.sets[String(node.id)] = s.set.slice().sort((a, b) => a - b);
      else nodes.threshold[node.id] = thresholdOf(this.b, s.f, s.bin);
      const left: Node = { id: nodes.add(), start: node.start, end: lo, depth: node.depth + 1, g: s.gl, h: s.hl, slot: node.slot, hist: node.hist, split: null };
      const right: Node = { id: nodes.add(), start: lo, end: node.end, depth: node.depth + 1, g: node.g - s.gl, h: node.h - s.hl, slot: node.slot, hist: node.hist, split: null };
      nodes.left[node.id] = left.id;
      nodes.right[node.id] = right.id;
      // histogram of the smaller child is built, the larger one's is parent − smaller
      const small = left.end - left.start <= right.end - right.start ? left : right;
      const large = small === left ? right : left;
      const buf = this.take();
      small.slot = buf.slot;
      small.hist = buf.hist;
      this.buildHist(small);
      const ph = large.hist;
      const sm = small.hist;
      for (let q = 0; q < ph.length; q++) ph[q]! -= sm[q]!;
      nLeaves++;
      for (const c of [left, right]) {
        c.split = nLeaves < maxLeafNodes ? this.findSplit(c) : null;
        open.push(c);
      }
    }
    for (const node of open) leaves.push(node);
    for (const node of leaves) {
      // Newton step −G/(H + l2): with l2 = 0 a leaf of misclassified rare-class rows (p → 0, so
      // H → 0) gets a huge value that saturates the softmax; l2 > 0 bounds it by |G| / l2
      const v = (-node.g / (node.h + l2)) * learningRate;
      nodes.makeLeaf(node.id, [v]);
      for (let r = node.start; r < node.end; r++) raw[idx[r]! * stride + col]! += v;
      this.free.push(node.slot);
    }
    return nodes.toJson();
  }
}

export interface BoostResult {
  init: number[];
  /** trees[iteration][class] (one class column for two classes). */
  trees: TreeJson[][];
  importance: number[];
}

/** Train the boosted model; `onIteration` reports progress. */
/**
 * Train the boosted model; `onIteration` reports progress. With threads > 1 a helper thread builds
 * the histograms of half the features of every node (the rest of the work is cheap), so the trees
 * are the same for any thread count.
 */
export async function trainBoost(b: Binned, y: Uint8Array, sw: Float64Array, k: number, p: BoostParams, onIteration?: (it: number) => void, signal?: AbortSignal, threads = 1): Promise<BoostResult> {
  const n = b.n;
  const m = k === 2 ? 1 : k;
  const init = initScores(y, sw, k);
  const raw = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let c = 0; c < m; c++) raw[i * m + c] = init[c]!;
  const g = sharedF64(n);
  const h = sharedF64(n);
  let helper: HistHelper | undefined;
  let stop: (() => Promise<void>) | undefined;
  if (threads > 1 && b.nFeat > 1 && n >= 4096) {
    const ctrl = new Int32Array(new SharedArrayBuffer(CTRL.SIZE * 4));
    helper = { ctrl, split: Math.floor(b.nFeat / 2) };
  }
  const grower = new HistTreeGrower(b, p, g, h, helper);
  if (helper) {
    const { startHistWorker } = await import('./threads.ts');
    stop = (await startHistWorker({ kind: 'hist', shared: grower.shared, ctrl: helper.ctrl, fFrom: helper.split, fTo: b.nFeat }, helper.ctrl)).stop;
  }
  try {
    return trainLoop();
  } finally {
    await stop?.();
  }
  function trainLoop(): BoostResult {
  const trees: TreeJson[][] = [];
  const prob = new Float64Array(n * m);
  for (let it = 0; it < p.iterations; it++) {
    if (signal?.aborted) break;
    if (m === 1) {
      for (let i = 0; i < n; i++) prob[i] = 1 / (1 + Math.exp(-raw[i]!));
    } else {
      for (let i = 0; i < n; i++) {
        let mx = -Infinity;
        for (let c = 0; c < m; c++) mx = Math.max(mx, raw[i * m + c]!);
        let s = 0;
        for (let c = 0; c < m; c++) s += prob[i * m + c] = Math.exp(raw[i * m + c]! - mx);
        for (let c = 0; c < m; c++) prob[i * m + c]! /= s;
      }
    }
    const row: TreeJson[] = [];
    for (let c = 0; c < m; c++) {
      for (let i = 0; i < n; i++) {
        const pi = prob[i * m + c]!;
        const target = m === 1 ? y[i]! : y[i] === c ? 1 : 0;
        g[i] = (pi - target) * sw[i]!;
        h[i] = Math.max(pi * (1 - pi), 1e-16) * sw[i]!;
      }
      row.push(grower.grow(raw, m, c));
    }
    trees.push(row);
    onIteration?.(it + 1);
  }
  let s = 0;
  for (const v of grower.importance) s += v;
  return { init, trees, importance: Array.from(grower.importance, (v) => (s > 0 ? v / s : 0)) };
  }
}
