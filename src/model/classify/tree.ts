/**
 * Decision trees on binned features: the stored form (JSON-friendly arrays), prediction on encoded
 * rows, and the CART classification-tree builder (Gini, class/sample weights) that the random
 * forest and the single tree share.
 *
 * A split on a numeric feature sends a row left when its z-value ≤ threshold; a split on a
 * categorical feature sends it left when its vocabulary index is in the node's set (an unseen value
 * goes right). The Gini builder splits a categorical column one value against the rest, exactly the
 * splits a tree sees on one-hot columns, and samples candidate features among those virtual one-hot
 * columns, so `--max-features sqrt` means what it means in scikit-learn on a one-hot matrix.
 */
import type { Binned } from './data.ts';

export interface TreeJson {
  /** Feature index per node (numeric first, then categorical); −1 for a leaf. */
  feature: number[];
  /** Numeric split: go left when z ≤ threshold. */
  threshold: number[];
  /** Child node ids; for a leaf, left is the leaf's index into `values`. */
  left: number[];
  right: number[];
  /** Categorical split: node id → vocabulary indices that go left. */
  sets: Record<string, number[]>;
  /** Leaf outputs, `width` numbers per leaf (class probabilities, or one raw score). */
  values: number[];
  width: number;
}

/** A tree compiled for fast prediction. */
export class Tree {
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly sets: Map<number, Uint8Array>;
  readonly values: Float64Array;
  readonly width: number;

  constructor(t: TreeJson) {
    this.feature = Int32Array.from(t.feature);
    this.threshold = Float64Array.from(t.threshold);
    this.left = Int32Array.from(t.left);
    this.right = Int32Array.from(t.right);
    this.values = Float64Array.from(t.values);
    this.width = t.width;
    this.sets = new Map();
    for (const [k, codes] of Object.entries(t.sets)) {
      const m = new Uint8Array(codes.reduce((a, b) => Math.max(a, b + 1), 0));
      for (const c of codes) m[c] = 1;
      this.sets.set(Number(k), m);
    }
  }

  /** Leaf index of an encoded row (z: numeric values at zOff, codes at cOff). */
  leaf(z: ArrayLike<number>, zOff: number, codes: ArrayLike<number>, cOff: number, nNum: number): number {
    let node = 0;
    for (;;) {
      const f = this.feature[node]!;
      if (f < 0) return this.left[node]!;
      if (f < nNum) node = z[zOff + f]! <= this.threshold[node]! ? this.left[node]! : this.right[node]!;
      else {
        const c = codes[cOff + f - nNum]!;
        const s = this.sets.get(node)!;
        node = c >= 0 && c < s.length && s[c] ? this.left[node]! : this.right[node]!;
      }
    }
  }
}

/** Growable node arrays shared by the builders. */
export class TreeBuilderNodes {
  feature: number[] = [];
  threshold: number[] = [];
  left: number[] = [];
  right: number[] = [];
  sets: Record<string, number[]> = {};
  values: number[] = [];
  constructor(readonly width: number) {}

  add(): number {
    this.feature.push(-1);
    this.threshold.push(0);
    this.left.push(-1);
    this.right.push(-1);
    return this.feature.length - 1;
  }

  makeLeaf(node: number, out: ArrayLike<number>): void {
    this.feature[node] = -1;
    this.left[node] = this.values.length / this.width;
    this.right[node] = -1;
    for (let c = 0; c < this.width; c++) this.values.push(out[c]!);
  }

  toJson(): TreeJson {
    return { feature: this.feature, threshold: this.threshold, left: this.left, right: this.right, sets: this.sets, values: this.values, width: this.width };
  }
}

/** Threshold (z-value) of a numeric split at bin `b`: rows with bin ≤ b go left. */
export function thresholdOf(binned: Binned, f: number, b: number): number {
  return binned.edges[f]![b]!;
}

export interface ClassTreeParams {
  /** Number of candidate (virtual one-hot) features per split; ≥ the total = all. */
  maxFeatures: number;
  maxDepth: number;
  minSamplesSplit: number;
  minSamplesLeaf: number;
}

/**
 * Build one CART classification tree. `w[i]` is row i's weight (bootstrap count × class weight; rows
 * with weight 0 are left out), `y[i]` its class in [0, k). Returns the tree and the Gini importance
 * (weighted impurity decrease) of each feature.
 */
export function buildClassTree(binned: Binned, y: Uint8Array | Int32Array, w: Float64Array, k: number, p: ClassTreeParams, rand: () => number): { tree: TreeJson; importance: Float64Array } {
  const { n, nFeat, nNum, bins, nBins, lumped } = binned;
  // virtual features: one per numeric column, one per (categorical column, value)
  const vFeat: number[] = [];
  const vBin: number[] = [];
  for (let f = 0; f < nFeat; f++) {
    if (f < nNum) {
      vFeat.push(f);
      vBin.push(-1);
    } else {
      const nb = nBins[f]! - (lumped[f] ? 1 : 0);
      // with two values, "a vs rest" and "b vs rest" are the same split: one virtual column is enough
      // only when the column is truly binary; one-hot keeps both, so do we (sampling odds as sklearn)
      for (let b = 0; b < nb; b++) {
        vFeat.push(f);
        vBin.push(b);
      }
    }
  }
  const V = vFeat.length;
  const perm = Int32Array.from({ length: V }, (_, i) => i);
  const maxF = Math.max(1, Math.min(V, p.maxFeatures));

  let m = 0;
  for (let i = 0; i < n; i++) if (w[i]! > 0) m++;
  const idx = new Uint32Array(m);
  m = 0;
  for (let i = 0; i < n; i++) if (w[i]! > 0) idx[m++] = i;

  let maxNb = 1;
  for (let f = 0; f < nFeat; f++) maxNb = Math.max(maxNb, nBins[f]!);
  // per-feature histograms of the current node, built lazily (stamp = node id)
  const hist = new Float64Array(nFeat * maxNb * k);
  const cnt = new Uint32Array(nFeat * maxNb);
  const stamp = new Int32Array(nFeat).fill(-1);
  const leftW = new Float64Array(k);
  const rightW = new Float64Array(k);
  const importance = new Float64Array(nFeat);
  const nodes = new TreeBuilderNodes(k);
  const out = new Float64Array(k);

  interface Item { start: number; end: number; depth: number; node: number; tot: Float64Array }
  const rootTot = new Float64Array(k);
  for (let r = 0; r < m; r++) rootTot[y[idx[r]!]!]! += w[idx[r]!]!;
  const stack: Item[] = [{ start: 0, end: m, depth: 0, node: nodes.add(), tot: rootTot }];

  const buildHist = (f: number, start: number, end: number): void => {
    const nb = nBins[f]!;
    const hb = f * maxNb * k;
    const cb = f * maxNb;
    hist.fill(0, hb, hb + nb * k);
    cnt.fill(0, cb, cb + nb);
    const off = f * n;
    if (k === 2) {
      for (let r = start; r < end; r++) {
        const i = idx[r]!;
        const b = bins[off + i]!;
        hist[hb + b * 2 + y[i]!]! += w[i]!;
        cnt[cb + b]!++;
      }
    } else {
      for (let r = start; r < end; r++) {
        const i = idx[r]!;
        const b = bins[off + i]!;
        hist[hb + b * k + y[i]!]! += w[i]!;
        cnt[cb + b]!++;
      }
    }
  };

  while (stack.length) {
    const it = stack.pop()!;
    const { start, end, depth, node, tot } = it;
    const count = end - start;
    let W = 0;
    let S = 0;
    let nonzero = 0;
    for (let c = 0; c < k; c++) {
      W += tot[c]!;
      S += tot[c]! * tot[c]!;
      if (tot[c]! > 0) nonzero++;
    }
    const leaf = (): void => {
      for (let c = 0; c < k; c++) out[c] = W > 0 ? tot[c]! / W : 1 / k;
      nodes.makeLeaf(node, out);
    };
    if (nonzero <= 1 || count < p.minSamplesSplit || count < 2 * p.minSamplesLeaf || depth >= p.maxDepth) {
      leaf();
      continue;
    }
    let bestProxy = -Infinity;
    let bestF = -1;
    let bestB = -1;
    let bestIsCat = false;
    let evaluated = 0;
    let drawn = 0;
    while (drawn < V && evaluated < maxF) {
      const j = drawn + Math.floor(rand() * (V - drawn));
      const v = perm[j]!;
      perm[j] = perm[drawn]!;
      perm[drawn] = v;
      drawn++;
      const f = vFeat[v]!;
      if (stamp[f] !== node) {
        buildHist(f, start, end);
        stamp[f] = node;
      }
      const hb = f * maxNb * k;
      const cb = f * maxNb;
      const nb = nBins[f]!;
      const cbin = vBin[v]!;
      if (cbin >= 0) {
        // one value against the rest
        const nl = cnt[cb + cbin]!;
        if (nl === 0 || nl === count) continue; // constant in this node: does not count
        evaluated++;
        if (nl < p.minSamplesLeaf || count - nl < p.minSamplesLeaf) continue;
        let WL = 0;
        let SL = 0;
        let SR = 0;
        for (let c = 0; c < k; c++) {
          const l = hist[hb + cbin * k + c]!;
          WL += l;
          SL += l * l;
          const r = tot[c]! - l;
          SR += r * r;
        }
        const WR = W - WL;
        if (WL <= 0 || WR <= 0) continue;
        const proxy = SL / WL + SR / WR;
        if (proxy > bestProxy) {
          bestProxy = proxy;
          bestF = f;
          bestB = cbin;
          bestIsCat = true;
        }
      } else {
        // numeric: is it constant here?
        let used = 0;
        for (let b = 0; b < nb && used < 2; b++) if (cnt[cb + b]! > 0) used++;
        if (used < 2) continue;
        evaluated++;
        leftW.fill(0);
        let WL = 0;
        let nl = 0;
        for (let b = 0; b + 1 < nb; b++) {
          const nbin = cnt[cb + b]!;
          if (nbin === 0) continue;
          nl += nbin;
          for (let c = 0; c < k; c++) {
            const h = hist[hb + b * k + c]!;
            leftW[c]! += h;
            WL += h;
          }
          if (nl < p.minSamplesLeaf) continue;
          if (count - nl < p.minSamplesLeaf) break;
          const WR = W - WL;
          if (WL <= 0) continue;
          if (WR <= 0) break;
          let SL = 0;
          let SR = 0;
          for (let c = 0; c < k; c++) {
            SL += leftW[c]! * leftW[c]!;
            const r = tot[c]! - leftW[c]!;
            SR += r * r;
          }
          const proxy = SL / WL + SR / WR;
          if (proxy > bestProxy) {
            bestProxy = proxy;
            bestF = f;
            bestB = b;
            bestIsCat = false;
          }
        }
      }
    }
    if (bestF < 0) {
      leaf();
      continue;
    }
    // partition rows in place; children totals on the way
    const off = bestF * n;
    let lo = start;
    let hi = end - 1;
    const lt = new Float64Array(k);
    const rt = new Float64Array(k);
    while (lo <= hi) {
      const i = idx[lo]!;
      const b = bins[off + i]!;
      const goLeft = bestIsCat ? b === bestB : b <= bestB;
      if (goLeft) {
        lt[y[i]!]! += w[i]!;
        lo++;
      } else {
        rt[y[i]!]! += w[i]!;
        idx[lo] = idx[hi]!;
        idx[hi] = i;
        hi--;
      }
    }
    importance[bestF]! += bestProxy - S / W;
    nodes.feature[node] = bestF;
    if (bestIsCat) nodes.sets[String(node)] = [bestB];
    else nodes.threshold[node] = thresholdOf(binned, bestF, bestB);
    const l = nodes.add();
    const r = nodes.add();
    nodes.left[node] = l;
    nodes.right[node] = r;
    stack.push({ start: lo, end, depth: depth + 1, node: r, tot: rt });
    stack.push({ start, end: lo, depth: depth + 1, node: l, tot: lt });
  }
  return { tree: nodes.toJson(), importance };
}
