/**
 * A dense autoencoder on typed arrays: tanh hidden layers, a linear output layer, squared-error
 * loss with an L2 penalty (scikit-learn MLPRegressor's), Adam, seeded Glorot-uniform initialisation
 * and a seeded shuffle each epoch. Each mini-batch's gradient is the sum of its two halves' in a fixed
 * order, the second half on a worker thread when there is one, so one seed gives bit-identical
 * weights on one or two threads, on any machine with the same Node.
 *
 * Inputs are encoded rows (z-scores + one-hot indices): the first layer reads the numeric part
 * densely and the one-hot part as one weight row per categorical column (the other inputs are 0),
 * which skips most of the 118-wide input's multiplications.
 */
import { Worker } from 'node:worker_threads';
import { rng, type EncodedRows } from './kmeans.ts';
import { modelThreads, shareArray, sharedF64, sharedI32 } from './share.ts';
import { workerEntry } from '../workers.ts';
import { blockOffsets, encodedDims, type Preprocessing } from './scale.ts';

export interface AeTrainOptions {
  /** Hidden layer widths, encoder then decoder (e.g. 64, 32, 16, 32, 64). */
  hidden: number[];
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** L2 penalty on the weights (scikit-learn's alpha). */
  l2: number;
  seed: number;
  /** After each epoch: its number (1-based), mean training loss, seconds since the start. */
  onEpoch?: (epoch: number, loss: number, seconds: number) => void;
  /** Threads (1 or 2; default: both halves of each batch on two cores from 20,000 rows). The weights are the same either way. */
  threads?: number;
}

/** The network: layer sizes [in, ...hidden, in], per layer W (in × out, row-major) and b. */
export class Mlp {
  readonly sizes: number[];
  readonly W: Float64Array[];
  readonly b: Float64Array[];
  readonly dims: number;
  readonly nNum: number;
  readonly offsets: Int32Array;
  readonly weights: Float64Array;
  /** Batch halves the worker thread computed in the last train() (0 on one thread). */
  helperHalves = 0;

  constructor(p: Preprocessing, sizes: number[], W: Float64Array[], b: Float64Array[]) {
    this.sizes = sizes;
    this.W = W;
    this.b = b;
    this.dims = encodedDims(p);
    this.nNum = p.numeric.length;
    this.offsets = Int32Array.from(blockOffsets(p));
    this.weights = Float64Array.from(p.categorical, (c) => c.weight);
  }

  static init(p: Preprocessing, hidden: number[], seed: number): Mlp {
    const d = encodedDims(p);
    const sizes = [d, ...hidden, d];
    const r = rng(seed ^ 0x5eed_ae);
    const W: Float64Array[] = [];
    const b: Float64Array[] = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const fi = sizes[l]!, fo = sizes[l + 1]!;
      const bound = Math.sqrt(6 / (fi + fo));
      // float32-representable from the start: the saved model is float32 and scores identically
      W.push(Float64Array.from({ length: fi * fo }, () => Math.fround((2 * r() - 1) * bound)));
      b.push(Float64Array.from({ length: fo }, () => Math.fround((2 * r() - 1) * bound)));
    }
    return new Mlp(p, sizes, W, b);
  }

  /** Dense input of row r of x into out (dims long). */
  dense(x: EncodedRows, r: number, out: Float64Array, at = 0): void {
    out.fill(0, at, at + this.dims);
    const zb = r * x.nNum;
    for (let u = 0; u < this.nNum; u++) out[at + u] = x.z[zb + u]!;
    const ob = r * x.nCat;
    for (let c = 0; c < x.nCat; c++) {
      const v = x.oh[ob + c]!;
      if (v >= 0) out[at + this.offsets[c]! + v] = this.weights[c]!;
    }
  }

  /**
   * Forward pass of `m` rows (x rows idx[from..from+m)) into acts[l] (m × sizes[l]); acts[0] gets the dense inputs.
   */
  forward(x: EncodedRows, idx: Int32Array | null, from: number, m: number, acts: Float64Array[]): void {
    const { sizes, W, b, nNum } = this;
    const L = sizes.length - 1;
    const d0 = sizes[0]!;
    for (let q = 0; q < m; q++) this.dense(x, idx ? idx[from + q]! : from + q, acts[0]!, q * d0);
    for (let l = 0; l < L; l++) {
      const fi = sizes[l]!, fo = sizes[l + 1]!;
      const w = W[l]!, bias = b[l]!, inp = acts[l]!, out = acts[l + 1]!;
      const last = l === L - 1;
      for (let q = 0; q < m; q++) {
        const ob = q * fo;
        for (let j = 0; j < fo; j++) out[ob + j] = bias[j]!;
      }
      if (l === 0) {
        const { offsets, weights } = this;
        for (let q = 0; q < m; q++) {
          const ob = q * fo;
          const row = idx ? idx[from + q]! : from + q;
          sparseRow(x, row, nNum, offsets, weights, w, fo, out, ob, !last);
        }
      }
      if (l > 0) {
        fwdDense(inp, fi, out, fo, w, m);
        if (!last) for (let t = 0; t < m * fo; t++) out[t] = Math.tanh(out[t]!);
      }
    }
  }

  /** Buffers for `m` rows at a time. */
  buffers(m: number): Float64Array[] {
    return this.sizes.map((s) => new Float64Array(m * s));
  }

  /**
   * Train on the rows of x; returns the mean loss of each epoch (½ mean squared error per output
   * plus the L2 term, as scikit-learn reports it).
   */
  train(x: EncodedRows, o: AeTrainOptions): number[] {
    const { sizes, W, b } = this;
    const L = sizes.length - 1;
    const B = Math.max(1, Math.min(o.batchSize, x.n));
    // each batch is two halves whose gradients are summed in a fixed order, whichever thread computed them
    const H = Math.ceil(B / 2);
    const acts = this.buffers(H);
    const deltas = this.buffers(H);
    const threads = Math.min(2, modelThreads(x.n, o.threads));
    const gW = W.map((w) => new Float64Array(w.length));
    const gb = b.map((v) => new Float64Array(v.length));
    const g0W = W.map((w) => new Float64Array(w.length));
    const g0b = b.map((v) => new Float64Array(v.length));
    const mk = threads > 1 ? sharedF64 : (n: number) => new Float64Array(n);
    const g1W = W.map((w) => mk(w.length));
    const g1b = b.map((v) => mk(v.length));
    const se1 = mk(1);
    const mW = W.map((w) => new Float64Array(w.length));
    const vW = W.map((w) => new Float64Array(w.length));
    const mb = b.map((v) => new Float64Array(v.length));
    const vb = b.map((v) => new Float64Array(v.length));
    const order = threads > 1 ? sharedI32(x.n) : new Int32Array(x.n);
    for (let i = 0; i < x.n; i++) order[i] = i;
    const pool = threads > 1 ? this.startHelper(x, order, g1W, g1b, se1, H) : undefined;
    const r = rng(o.seed ^ 0x5f1e);
    const b1 = 0.9, b2 = 0.999, eps = 1e-8;
    let step = 0;
    const t0 = performance.now();
    const losses: number[] = [];
    const dOut = sizes[L]!;
    try {
      for (let epoch = 1; epoch <= o.epochs; epoch++) {
        for (let i = x.n - 1; i > 0; i--) {
          const j = Math.floor(r() * (i + 1));
          const t = order[i]!;
          order[i] = order[j]!;
          order[j] = t;
        }
        let lossSum = 0;
        for (let from = 0; from < x.n; from += B) {
          const m = Math.min(B, x.n - from);
          const h = Math.ceil(m / 2);
          step++;
          if (pool) pool.post(step, from + h, m - h, m);
          let se = this.partGradient(x, order, from, h, m, acts, deltas, g0W, g0b);
          if (m > h) {
            if (!pool || !pool.take(step)) {
              se1[0] = this.partGradient(x, order, from + h, m - h, m, acts, deltas, g1W, g1b);
            }
            se += se1[0]!;
          }
          let reg = 0;
          for (let l = 0; l < L; l++) {
            const w = W[l]!, g = gW[l]!, g0 = g0W[l]!, g1 = g1W[l]!, bl = gb[l]!, b0 = g0b[l]!, bb1 = g1b[l]!;
            const lam = o.l2 / m;
            if (m > h) {
              for (let t = 0; t < g.length; t++) g[t] = lam * w[t]! + g0[t]! + g1[t]!;
              for (let t = 0; t < bl.length; t++) bl[t] = b0[t]! + bb1[t]!;
            } else {
              for (let t = 0; t < g.length; t++) g[t] = lam * w[t]! + g0[t]!;
              bl.set(b0);
            }
            for (let t = 0; t < w.length; t++) reg += w[t]! * w[t]!;
          }
          lossSum += se / (m * dOut) / 2 + (o.l2 * reg) / (2 * m);
          // Adam (scikit-learn's form: bias-corrected step size)
          const lr = (o.learningRate * Math.sqrt(1 - b2 ** step)) / (1 - b1 ** step);
          for (let l = 0; l < L; l++) {
            adam(W[l]!, gW[l]!, mW[l]!, vW[l]!, lr, b1, b2, eps);
            adam(b[l]!, gb[l]!, mb[l]!, vb[l]!, lr, b1, b2, eps);
          }
        }
        losses.push(lossSum / Math.ceil(x.n / B));
        o.onEpoch?.(epoch, losses[losses.length - 1]!, (performance.now() - t0) / 1000);
      }
    } finally {
      pool?.stop();
    }
    // float32 weights: what the model file stores, so a saved and reloaded model scores the same
    for (const w of W) for (let t = 0; t < w.length; t++) w[t] = Math.fround(w[t]!);
    for (const v of b) for (let t = 0; t < v.length; t++) v[t] = Math.fround(v[t]!);
    return losses;
  }

  /**
   * The loss gradient (without the L2 term) of rows order[from..from+m), part of a batch of `rows`
   * rows, into gW / gb; returns their summed squared error.
   */
  partGradient(x: EncodedRows, order: Int32Array, from: number, m: number, rows: number, acts: Float64Array[], deltas: Float64Array[], gW: Float64Array[], gb: Float64Array[]): number {
    const { sizes, W } = this;
    const L = sizes.length - 1;
    const dOut = sizes[L]!;
    this.forward(x, order, from, m, acts);
    // output delta of the loss ½·mean over rows and outputs of (x̂ − x); scikit-learn's gradient is
    // (x̂ − x) / rows (not also / outputs)
    const out = acts[L]!, inp = acts[0]!, dl = deltas[L]!;
    const scale = 1 / rows;
    let se = 0;
    for (let t = 0; t < m * dOut; t++) {
      const e = out[t]! - inp[t]!;
      se += e * e;
      dl[t] = e * scale;
    }
    for (let l = L - 1; l >= 0; l--) {
      const fi = sizes[l]!, fo = sizes[l + 1]!;
      const g = gW[l]!, gbl = gb[l]!, a = acts[l]!, d = deltas[l + 1]!;
      g.fill(0);
      gbl.fill(0);
      for (let q = 0; q < m; q++) {
        const db = q * fo;
        for (let j = 0; j < fo; j++) gbl[j]! += d[db + j]!;
      }
      if (l === 0) sparseGrad(x, order, from, m, this.nNum, this.offsets, this.weights, d, fo, g);
      else {
        gradDense(a, fi, d, fo, g, m);
        backDelta(W[l]!, fi, fo, d, a, deltas[l]!, m);
      }
    }
    return se;
  }

  /**
   * A worker thread that computes the second half of each batch (autoencoder-worker.ts) on the
   * network's weights moved to shared memory. Either thread may claim a half; a worker that has not
   * started, or failed, leaves it to this thread, so the weights never depend on the worker.
   */
  private startHelper(x: EncodedRows, order: Int32Array, g1W: Float64Array[], g1b: Float64Array[], se1: Float64Array, H: number): { post(k: number, from: number, m: number, rows: number): void; take(k: number): boolean; stop(): void } {
    for (let l = 0; l < this.W.length; l++) {
      this.W[l] = shareArray(this.W[l]!);
      this.b[l] = shareArray(this.b[l]!);
    }
    const ctrl = sharedI32(AE_CTRL);
    const job: AeJob = {
      kind: 'autoencoder', sizes: this.sizes, nNum: this.nNum, offsets: this.offsets, weights: this.weights, dims: this.dims,
      W: this.W, b: this.b, x: { n: x.n, nNum: x.nNum, nCat: x.nCat, z: shareArray(x.z), oh: shareArray(x.oh) },
      order, g1W, g1b, se1, ctrl, H,
    };
    let worker: Worker | undefined;
    try {
      worker = new Worker(workerEntry('autoencoder-worker', import.meta.url), { workerData: job });
      worker.unref();
      worker.on('error', () => undefined);
    } catch {
      // no worker entry (a bundled copy of the library): this thread computes both halves
    }
    // give the worker up to 2 s to start (a training takes seconds to minutes); without it this thread does both halves
    if (worker) Atomics.wait(ctrl, C_READY, 0, 2000);
    const claim = (k: number): boolean => claimHalf(ctrl, k);
    const net = this;
    net.helperHalves = 0;
    return {
      post(k, from, m, rows) {
        Atomics.store(ctrl, C_FROM, from);
        Atomics.store(ctrl, C_M, m);
        Atomics.store(ctrl, C_ROWS, rows);
        Atomics.store(ctrl, C_GO, k);
        Atomics.notify(ctrl, C_GO);
      },
      // true when the worker computed half k; false: this thread must
      take(k) {
        if (claim(k)) return false;
        let d: number;
        while ((d = Atomics.load(ctrl, C_DONE)) !== k && d !== -k) Atomics.wait(ctrl, C_DONE, d, 100);
        if (d === k) net.helperHalves++;
        return d === k;
      },
      stop() {
        Atomics.store(ctrl, C_GO, -1);
        Atomics.notify(ctrl, C_GO);
        void worker?.terminate();
      },
    };
  }
}

/** Control words of the shared training: batch posted, its second half (from, rows, batch rows), last claimed, last done (−k: failed), worker started. */
const C_GO = 0, C_FROM = 1, C_M = 2, C_ROWS = 3, C_CLAIM = 4, C_DONE = 5, C_READY = 6, AE_CTRL = 7;

/** Claim the second half of batch k for the calling thread (false: the other one has it). */
function claimHalf(ctrl: Int32Array, k: number): boolean {
  for (;;) {
    const c = Atomics.load(ctrl, C_CLAIM);
    if (c >= k) return false;
    if (Atomics.compareExchange(ctrl, C_CLAIM, c, k) === c) return true;
  }
}

/** What the autoencoder's worker thread receives. */
export interface AeJob {
  kind: 'autoencoder';
  sizes: number[];
  nNum: number;
  offsets: Int32Array;
  weights: Float64Array;
  dims: number;
  W: Float64Array[];
  b: Float64Array[];
  x: EncodedRows;
  order: Int32Array;
  g1W: Float64Array[];
  g1b: Float64Array[];
  se1: Float64Array;
  ctrl: Int32Array;
  H: number;
}

/** The worker's loop: wait for a batch, claim its second half, compute it into the shared buffers. */
export function aeWorkerLoop(job: AeJob): void {
  const net = Object.create(Mlp.prototype) as Mlp;
  Object.assign(net, { sizes: job.sizes, W: job.W, b: job.b, dims: job.dims, nNum: job.nNum, offsets: job.offsets, weights: job.weights });
  const acts = net.buffers(job.H);
  const deltas = net.buffers(job.H);
  const { ctrl } = job;
  Atomics.store(ctrl, C_READY, 1);
  Atomics.notify(ctrl, C_READY);
  let last = 0;
  for (;;) {
    let go: number;
    while ((go = Atomics.load(ctrl, C_GO)) === last) Atomics.wait(ctrl, C_GO, last);
    if (go < 0) return;
    last = go;
    if (!claimHalf(ctrl, go)) continue;
    // claimed: this thread's caller waits for it, so the half's rows, order and weights stay put
    try {
      job.se1[0] = net.partGradient(job.x, job.order, Atomics.load(ctrl, C_FROM), Atomics.load(ctrl, C_M), Atomics.load(ctrl, C_ROWS), acts, deltas, job.g1W, job.g1b);
      Atomics.store(ctrl, C_DONE, go);
    } catch {
      Atomics.store(ctrl, C_DONE, -go);
    }
    Atomics.notify(ctrl, C_DONE);
  }
}

/**
 * The first layer of one encoded row: out[ob..ob+fo) (holding the bias) += Σ_u z_u·W[u, :] over the
 * numeric inputs, then each categorical column's weight × the weight row of its one-hot index;
 * four outputs at a time in registers, zero inputs skipped (the floats of one axpy per input).
 */
function sparseRow(x: EncodedRows, row: number, nNum: number, offsets: Int32Array, weights: Float64Array, W: Float64Array, fo: number, out: Float64Array, ob: number, tanh: boolean): void {
  const zb = row * x.nNum, cb = row * x.nCat;
  const z = x.z, oh = x.oh, nCat = x.nCat;
  let j = 0;
  for (; j + 4 <= fo; j += 4) {
    let s0 = out[ob + j]!, s1 = out[ob + j + 1]!, s2 = out[ob + j + 2]!, s3 = out[ob + j + 3]!;
    for (let u = 0; u < nNum; u++) {
      const a = z[zb + u]!;
      if (a === 0) continue;
      const wb = u * fo + j;
      s0 += a * W[wb]!;
      s1 += a * W[wb + 1]!;
      s2 += a * W[wb + 2]!;
      s3 += a * W[wb + 3]!;
    }
    for (let c = 0; c < nCat; c++) {
      const v = oh[cb + c]!;
      const a = weights[c]!;
      if (v < 0 || a === 0) continue;
      const wb = (offsets[c]! + v) * fo + j;
      s0 += a * W[wb]!;
      s1 += a * W[wb + 1]!;
      s2 += a * W[wb + 2]!;
      s3 += a * W[wb + 3]!;
    }
    out[ob + j] = tanh ? Math.tanh(s0) : s0;
    out[ob + j + 1] = tanh ? Math.tanh(s1) : s1;
    out[ob + j + 2] = tanh ? Math.tanh(s2) : s2;
    out[ob + j + 3] = tanh ? Math.tanh(s3) : s3;
  }
  for (; j < fo; j++) {
    let s = out[ob + j]!;
    for (let u = 0; u < nNum; u++) {
      const a = z[zb + u]!;
      if (a !== 0) s += a * W[u * fo + j]!;
    }
    for (let c = 0; c < nCat; c++) {
      const v = oh[cb + c]!;
      const a = weights[c]!;
      if (v >= 0 && a !== 0) s += a * W[(offsets[c]! + v) * fo + j]!;
    }
    out[ob + j] = tanh ? Math.tanh(s) : s;
  }
}

/**
 * The first layer's weight gradient: g[u, :] += z_u·d[q, :] for each row q (rows order[from..from+m))
 * and numeric input u, and the categorical columns' weight rows likewise; the numeric part four rows
 * at a time, each element still summed in row order with zero inputs skipped.
 */
function sparseGrad(x: EncodedRows, order: Int32Array, from: number, m: number, nNum: number, offsets: Int32Array, weights: Float64Array, d: Float64Array, fo: number, g: Float64Array): void {
  const z = x.z, oh = x.oh, nCat = x.nCat, zs = x.nNum;
  let q = 0;
  for (; q + 4 <= m; q += 4) {
    const z0 = order[from + q]! * zs, z1 = order[from + q + 1]! * zs, z2 = order[from + q + 2]! * zs, z3 = order[from + q + 3]! * zs;
    const d0 = q * fo, d1 = d0 + fo, d2 = d1 + fo, d3 = d2 + fo;
    for (let u = 0; u < nNum; u++) {
      const a0 = z[z0 + u]!, a1 = z[z1 + u]!, a2 = z[z2 + u]!, a3 = z[z3 + u]!;
      const gb = u * fo;
      if (a0 !== 0 && a1 !== 0 && a2 !== 0 && a3 !== 0) {
        for (let j = 0; j < fo; j++) {
          let s = g[gb + j]!;
          s += a0 * d[d0 + j]!;
          s += a1 * d[d1 + j]!;
          s += a2 * d[d2 + j]!;
          s += a3 * d[d3 + j]!;
          g[gb + j] = s;
        }
      } else {
        axpy(g, gb, d, d0, a0, fo);
        axpy(g, gb, d, d1, a1, fo);
        axpy(g, gb, d, d2, a2, fo);
        axpy(g, gb, d, d3, a3, fo);
      }
    }
  }
  for (; q < m; q++) {
    const zb = order[from + q]! * zs;
    for (let u = 0; u < nNum; u++) axpy(g, u * fo, d, q * fo, z[zb + u]!, fo);
  }
  for (q = 0; q < m; q++) {
    const cb = order[from + q]! * nCat, db = q * fo;
    for (let c = 0; c < nCat; c++) {
      const v = oh[cb + c]!;
      if (v >= 0) axpy(g, (offsets[c]! + v) * fo, d, db, weights[c]!, fo);
    }
  }
}

/**
 * out[q, :] += Σ_i inp[q, i]·W[i, :] for m rows: blocks of four rows × two outputs are summed in
 * registers (in i order, so the floats are those of the plain loop) and stored once.
 */
function fwdDense(inp: Float64Array, fi: number, out: Float64Array, fo: number, W: Float64Array, m: number): void {
  let q = 0;
  for (; q + 4 <= m; q += 4) {
    const i0 = q * fi, i1 = i0 + fi, i2 = i1 + fi, i3 = i2 + fi;
    const o0 = q * fo, o1 = o0 + fo, o2 = o1 + fo, o3 = o2 + fo;
    let j = 0;
    for (; j + 2 <= fo; j += 2) {
      let s00 = out[o0 + j]!, s01 = out[o0 + j + 1]!, s10 = out[o1 + j]!, s11 = out[o1 + j + 1]!;
      let s20 = out[o2 + j]!, s21 = out[o2 + j + 1]!, s30 = out[o3 + j]!, s31 = out[o3 + j + 1]!;
      for (let i = 0, wb = j; i < fi; i++, wb += fo) {
        const w0 = W[wb]!, w1 = W[wb + 1]!;
        const a0 = inp[i0 + i]!, a1 = inp[i1 + i]!, a2 = inp[i2 + i]!, a3 = inp[i3 + i]!;
        s00 += a0 * w0;
        s01 += a0 * w1;
        s10 += a1 * w0;
        s11 += a1 * w1;
        s20 += a2 * w0;
        s21 += a2 * w1;
        s30 += a3 * w0;
        s31 += a3 * w1;
      }
      out[o0 + j] = s00;
      out[o0 + j + 1] = s01;
      out[o1 + j] = s10;
      out[o1 + j + 1] = s11;
      out[o2 + j] = s20;
      out[o2 + j + 1] = s21;
      out[o3 + j] = s30;
      out[o3 + j + 1] = s31;
    }
    for (; j < fo; j++) {
      let s0 = out[o0 + j]!, s1 = out[o1 + j]!, s2 = out[o2 + j]!, s3 = out[o3 + j]!;
      for (let i = 0, wb = j; i < fi; i++, wb += fo) {
        const w = W[wb]!;
        s0 += inp[i0 + i]! * w;
        s1 += inp[i1 + i]! * w;
        s2 += inp[i2 + i]! * w;
        s3 += inp[i3 + i]! * w;
      }
      out[o0 + j] = s0;
      out[o1 + j] = s1;
      out[o2 + j] = s2;
      out[o3 + j] = s3;
    }
  }
  for (; q < m; q++) for (let i = 0; i < fi; i++) axpy(out, q * fo, W, i * fo, inp[q * fi + i]!, fo);
}

/** g[i, j] += Σ_q a[q, i]·d[q, j], four rows at a time; two inputs i share each load of d. */
function gradDense(a: Float64Array, fi: number, d: Float64Array, fo: number, g: Float64Array, m: number): void {
  let q = 0;
  for (; q + 4 <= m; q += 4) {
    const i0 = q * fi, i1 = i0 + fi, i2 = i1 + fi, i3 = i2 + fi;
    const d0 = q * fo, d1 = d0 + fo, d2 = d1 + fo, d3 = d2 + fo;
    let i = 0;
    for (; i + 2 <= fi; i += 2) {
      const a0 = a[i0 + i]!, a1 = a[i1 + i]!, a2 = a[i2 + i]!, a3 = a[i3 + i]!;
      const b0 = a[i0 + i + 1]!, b1 = a[i1 + i + 1]!, b2 = a[i2 + i + 1]!, b3 = a[i3 + i + 1]!;
      const ga = i * fo, gb = ga + fo;
      for (let j = 0; j < fo; j++) {
        const e0 = d[d0 + j]!, e1 = d[d1 + j]!, e2 = d[d2 + j]!, e3 = d[d3 + j]!;
        g[ga + j]! += a0 * e0 + a1 * e1 + a2 * e2 + a3 * e3;
        g[gb + j]! += b0 * e0 + b1 * e1 + b2 * e2 + b3 * e3;
      }
    }
    for (; i < fi; i++) {
      const a0 = a[i0 + i]!, a1 = a[i1 + i]!, a2 = a[i2 + i]!, a3 = a[i3 + i]!;
      const gb = i * fo;
      for (let j = 0; j < fo; j++) g[gb + j]! += a0 * d[d0 + j]! + a1 * d[d1 + j]! + a2 * d[d2 + j]! + a3 * d[d3 + j]!;
    }
  }
  for (; q < m; q++) for (let i = 0; i < fi; i++) axpy(g, i * fo, d, q * fo, a[q * fi + i]!, fo);
}

/**
 * dp[q, i] = (Σ_j W[i, j]·d[q, j])·(1 − a[q, i]²): the delta one tanh layer down, four rows × two
 * inputs at a time (each sum in j order, as the plain loop).
 */
function backDelta(W: Float64Array, fi: number, fo: number, d: Float64Array, a: Float64Array, dp: Float64Array, m: number): void {
  let q = 0;
  for (; q + 4 <= m; q += 4) {
    const d0 = q * fo, d1 = d0 + fo, d2 = d1 + fo, d3 = d2 + fo;
    const i0 = q * fi;
    let i = 0;
    for (; i + 2 <= fi; i += 2) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0;
      const wa = i * fo, wb = wa + fo;
      for (let j = 0; j < fo; j++) {
        const w = W[wa + j]!, v = W[wb + j]!;
        const e0 = d[d0 + j]!, e1 = d[d1 + j]!, e2 = d[d2 + j]!, e3 = d[d3 + j]!;
        s0 += w * e0;
        s1 += w * e1;
        s2 += w * e2;
        s3 += w * e3;
        t0 += v * e0;
        t1 += v * e1;
        t2 += v * e2;
        t3 += v * e3;
      }
      let x = a[i0 + i]!;
      dp[i0 + i] = s0 * (1 - x * x);
      x = a[i0 + fi + i]!;
      dp[i0 + fi + i] = s1 * (1 - x * x);
      x = a[i0 + 2 * fi + i]!;
      dp[i0 + 2 * fi + i] = s2 * (1 - x * x);
      x = a[i0 + 3 * fi + i]!;
      dp[i0 + 3 * fi + i] = s3 * (1 - x * x);
      x = a[i0 + i + 1]!;
      dp[i0 + i + 1] = t0 * (1 - x * x);
      x = a[i0 + fi + i + 1]!;
      dp[i0 + fi + i + 1] = t1 * (1 - x * x);
      x = a[i0 + 2 * fi + i + 1]!;
      dp[i0 + 2 * fi + i + 1] = t2 * (1 - x * x);
      x = a[i0 + 3 * fi + i + 1]!;
      dp[i0 + 3 * fi + i + 1] = t3 * (1 - x * x);
    }
    for (; i < fi; i++) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      const wb = i * fo;
      for (let j = 0; j < fo; j++) {
        const w = W[wb + j]!;
        s0 += w * d[d0 + j]!;
        s1 += w * d[d1 + j]!;
        s2 += w * d[d2 + j]!;
        s3 += w * d[d3 + j]!;
      }
      const v0 = a[i0 + i]!, v1 = a[i0 + fi + i]!, v2 = a[i0 + 2 * fi + i]!, v3 = a[i0 + 3 * fi + i]!;
      dp[i0 + i] = s0 * (1 - v0 * v0);
      dp[i0 + fi + i] = s1 * (1 - v1 * v1);
      dp[i0 + 2 * fi + i] = s2 * (1 - v2 * v2);
      dp[i0 + 3 * fi + i] = s3 * (1 - v3 * v3);
    }
  }
  for (; q < m; q++) {
    for (let i = 0; i < fi; i++) {
      let s = 0;
      for (let j = 0; j < fo; j++) s += W[i * fo + j]! * d[q * fo + j]!;
      const v = a[q * fi + i]!;
      dp[q * fi + i] = s * (1 - v * v);
    }
  }
}

function axpy(y: Float64Array, yo: number, x: Float64Array, xo: number, a: number, n: number): void {
  if (a === 0) return;
  for (let j = 0; j < n; j++) y[yo + j]! += a * x[xo + j]!;
}

function adam(p: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, lr: number, b1: number, b2: number, eps: number): void {
  for (let t = 0; t < p.length; t++) {
    const gt = g[t]!;
    const mt = (m[t] = b1 * m[t]! + (1 - b1) * gt);
    const vt = (v[t] = b2 * v[t]! + (1 - b2) * gt * gt);
    p[t]! -= (lr * mt) / (Math.sqrt(vt) + eps);
  }
}
