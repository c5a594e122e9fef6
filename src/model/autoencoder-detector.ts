/**
 * The autoencoder as a Detector: the measure is the reconstruction error ‖x − x̂‖ (Euclidean, in
 * the same encoded space as the k-means distance), one group, and the contributions the per-feature
 * squared errors (a one-hot block counts as one categorical feature). Saved inline in model.json:
 * each layer's weights and biases as base64 little-endian float32.
 */
import type { Detector, DetectorFit, DetectorKind } from './detector.ts';
import { Mlp, type AeTrainOptions } from './autoencoder.ts';
import type { EncodedRows } from './kmeans.ts';
import { rawValueOf, type Preprocessing } from './scale.ts';

/** The autoencoder section of model.json. */
export interface AutoencoderModel {
  /** Layer widths, input first: [dims, ...hidden, dims]. */
  layers: number[];
  activation: 'tanh';
  /** Per layer: in × out weights, row-major, base64 of little-endian float32. */
  weights: string[];
  /** Per layer: out biases, base64 of little-endian float32. */
  biases: string[];
  training: {
    rows: number;
    epochs: number;
    batchSize: number;
    learningRate: number;
    l2: number;
    seed: number;
    /** Mean training loss of each epoch. */
    loss: number[];
    seconds: number;
  };
}

export const AE_DEFAULTS = {
  hidden: [64, 32, 16, 32, 64],
  epochs: 15,
  batchSize: 200,
  learningRate: 0.001,
  l2: 0.0001,
};

export type AeOptions = Partial<Omit<AeTrainOptions, 'seed' | 'onEpoch'>> & Pick<AeTrainOptions, 'seed' | 'onEpoch'>;

export class AutoencoderDetector implements Detector {
  readonly kind = 'autoencoder';
  readonly groups = 1;
  readonly net: Mlp;
  private readonly p: Preprocessing;
  private readonly acts: Float64Array[];
  /** Training mean of the encoded inputs (the "typical" value of the Detector interface). */
  private readonly mean: Float64Array;

  constructor(p: Preprocessing, net: Mlp, mean: Float64Array) {
    this.p = p;
    this.net = net;
    this.mean = mean;
    this.acts = net.buffers(1);
  }

  measure(x: EncodedRows, r: number, _hint: number, out: Int32Array): number {
    out[0] = 0;
    this.net.forward(x, null, r, 1, this.acts);
    return Math.sqrt(sqErr(this.acts[0]!, this.acts[this.acts.length - 1]!, 0, this.net.dims));
  }

  /** Measures of every row of x, batched (faster than one row at a time). */
  measureAll(x: EncodedRows, out: Float64Array<ArrayBufferLike> = new Float64Array(x.n)): Float64Array<ArrayBufferLike> {
    const B = 256;
    const acts = this.net.buffers(B);
    const d = this.net.dims;
    for (let from = 0; from < x.n; from += B) {
      const m = Math.min(B, x.n - from);
      this.net.forward(x, null, from, m, acts);
      for (let q = 0; q < m; q++) out[from + q] = Math.sqrt(sqErr(acts[0]!, acts[acts.length - 1]!, q * d, d));
    }
    return out;
  }

  /** The reconstruction of the row last passed to measure/contributions (dense, dims long). */
  reconstruction(): Float64Array {
    return this.acts[this.acts.length - 1]!;
  }

  /** The dense input of the row last passed to measure/contributions. */
  input(): Float64Array {
    return this.acts[0]!;
  }

  contributions(x: EncodedRows, r: number, _group: number, out: Float64Array): void {
    this.net.forward(x, null, r, 1, this.acts);
    const inp = this.acts[0]!, rec = this.acts[this.acts.length - 1]!;
    const { nNum, offsets } = this.net;
    for (let u = 0; u < nNum; u++) out[u] = (inp[u]! - rec[u]!) ** 2;
    const cats = this.p.categorical;
    for (let c = 0; c < cats.length; c++) {
      let s = 0;
      const o = offsets[c]!;
      for (let v = 0; v < cats[c]!.values.length; v++) s += (inp[o + v]! - rec[o + v]!) ** 2;
      out[nNum + c] = s;
    }
  }

  typicalNumeric(_group: number, u: number): number {
    return rawValueOf(this.p, u, this.mean[u]!);
  }

  typicalCategory(_group: number, c: number): [string, number] {
    return argmaxBlock(this.p, this.mean, c);
  }

  /** Raw value the network reconstructed for numeric feature u of the last row. */
  reconstructedNumeric(u: number): number {
    return rawValueOf(this.p, u, this.reconstruction()[u]!);
  }

  /** The category the network reconstructed for categorical column c of the last row, and its weight-scaled output. */
  reconstructedCategory(c: number): [string, number] {
    return argmaxBlock(this.p, this.reconstruction(), c);
  }

  toModel(training: AutoencoderModel['training']): AutoencoderModel {
    return {
      layers: this.net.sizes.slice(),
      activation: 'tanh',
      weights: this.net.W.map(toBase64),
      biases: this.net.b.map(toBase64),
      training,
    };
  }

  /** Rebuild from model.json (`mean`: the training mean, model.kmeans's centroid for an autoencoder model; any vector works for scoring). */
  static fromModel(p: Preprocessing, m: AutoencoderModel, mean: ArrayLike<number>): AutoencoderDetector {
    const W = m.weights.map(fromBase64);
    const b = m.biases.map(fromBase64);
    return new AutoencoderDetector(p, new Mlp(p, m.layers, W, b), Float64Array.from(mean));
  }
}

function sqErr(a: Float64Array, b: Float64Array, at: number, n: number): number {
  let s = 0;
  for (let j = at; j < at + n; j++) {
    const e = a[j]! - b[j]!;
    s += e * e;
  }
  return s;
}

function argmaxBlock(p: Preprocessing, v: ArrayLike<number>, c: number): [string, number] {
  let o = p.numeric.length;
  for (let k = 0; k < c; k++) o += p.categorical[k]!.values.length;
  const spec = p.categorical[c]!;
  let best = -1, bv = -Infinity;
  for (let k = 0; k < spec.values.length; k++) {
    if (v[o + k]! > bv) {
      bv = v[o + k]!;
      best = k;
    }
  }
  return [best >= 0 ? spec.values[best]! : '', spec.weight ? Math.max(0, Math.min(1, bv / spec.weight)) : 0];
}

/** base64 of little-endian float32 (the values are already float32-representable). */
export function toBase64(v: Float64Array): string {
  const f = Float32Array.from(v);
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString('base64');
}

export function fromBase64(s: string): Float64Array {
  const buf = Buffer.from(s, 'base64');
  const f = new Float32Array(buf.byteLength >> 2);
  new Uint8Array(f.buffer).set(buf.subarray(0, f.byteLength));
  return Float64Array.from(f);
}

/** Weighted mean of the encoded rows as a dense vector. */
export function encodedMean(net: Mlp, x: EncodedRows): Float64Array {
  const mean = new Float64Array(net.dims);
  const v = new Float64Array(net.dims);
  let tw = 0;
  for (let r = 0; r < x.n; r++) {
    const w = x.w ? x.w[r]! : 1;
    net.dense(x, r, v);
    for (let j = 0; j < v.length; j++) mean[j]! += w * v[j]!;
    tw += w;
  }
  for (let j = 0; j < mean.length; j++) mean[j]! /= tw || 1;
  return mean;
}

export interface AutoencoderFit extends DetectorFit<AutoencoderDetector> {
  loss: number[];
  options: Required<Omit<AeTrainOptions, 'onEpoch'>>;
}

/**
 * Fit on x (the rows it trains on); the measures returned are those of x's rows. Rows with weights
 * (merged duplicates) are trained on once each: the autoencoder learns the shape of normal traffic,
 * and its reconstruction does not need the duplicates' counts.
 */
export const autoencoderKind: { kind: 'autoencoder'; fit(p: Preprocessing, x: EncodedRows, o: AeOptions): AutoencoderFit } = {
  kind: 'autoencoder' as const,
  fit(p, x, options) {
    const o = { ...AE_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as Required<AeTrainOptions>;
    const net = Mlp.init(p, o.hidden, o.seed);
    const loss = net.train(x, o);
    const det = new AutoencoderDetector(p, net, encodedMean(net, x));
    const { onEpoch: _onEpoch, ...rest } = o;
    return { detector: det, measures: det.measureAll(x), groups: new Int32Array(x.n), loss, options: rest };
  },
} satisfies DetectorKind<AeOptions, AutoencoderDetector>;
