/**
 * The inner loop of histogram boosting: per-bin sums of gradients, hessians and row counts of one
 * node, for a range of features. Shared by the main thread and the histogram worker
 * (boost.ts splits the features between them); no thread machinery here, so the worker bundle
 * stays small.
 *
 * Layout, chosen for this loop: bins row-major as global bin numbers (featOff[f] + bin), so a row's
 * features are one contiguous read and its gradient and hessian are loaded once for all of them;
 * a histogram is one Float64Array of (sum g, sum h, count) triples, so the three updates of a bin
 * touch one cache line.
 */
import type { Binned } from './data.ts';

export interface HistShared {
  /** rows[i · nFeat + f] = featOff[f] + bin of row i's feature f. */
  rows: Uint16Array | Uint32Array;
  nFeat: number;
  n: number;
  featOff: Int32Array;
  /** Row indices of the nodes (each node a range of it). */
  idx: Uint32Array;
  /** Gradients and hessians by row. */
  g: Float64Array;
  h: Float64Array;
  /** Histogram slots: slot s is histPool[s·3T .. (s+1)·3T), T = total bins, a triple per bin. */
  histPool: Float64Array;
  totalBins: number;
}

/** Row-major global bin numbers of a column-major Binned (shared memory, for the helper thread). */
export function rowMajorBins(b: Binned, featOff: Int32Array): Uint16Array | Uint32Array {
  const { n, nFeat, bins } = b;
  const wide = featOff[nFeat]! > 0xffff;
  const buf = new SharedArrayBuffer(Math.max(4, n * nFeat * (wide ? 4 : 2)));
  const rows = wide ? new Uint32Array(buf) : new Uint16Array(buf);
  for (let f = 0; f < nFeat; f++) {
    const off = f * n;
    const base = featOff[f]!;
    for (let i = 0; i < n; i++) rows[i * nFeat + f] = base + bins[off + i]!;
  }
  return rows;
}

/** Histograms of features [fFrom, fTo) for the rows idx[start .. start+m) (all rows in order when whole). */
export function histRange(s: HistShared, slot: number, fFrom: number, fTo: number, start: number, m: number, whole: boolean): void {
  const { rows, nFeat, featOff, idx, totalBins, g, h } = s;
  const hist = s.histPool.subarray(slot * totalBins * 3, (slot + 1) * totalBins * 3);
  hist.fill(0, featOff[fFrom]! * 3, featOff[fTo]! * 3);
  for (let r = 0; r < m; r++) {
    const i = whole ? r : idx[start + r]!;
    const gv = g[i]!;
    const hv = h[i]!;
    const end = i * nFeat + fTo;
    for (let q = i * nFeat + fFrom; q < end; q++) {
      const k = rows[q]! * 3;
      hist[k]! += gv;
      hist[k + 1]! += hv;
      hist[k + 2]! += 1;
    }
  }
}

/** Control words of the histogram worker (Int32Array over a SharedArrayBuffer). */
export const CTRL = { SEQ: 0, SLOT: 1, START: 2, COUNT: 3, WHOLE: 4, DONE: 5, SIZE: 6 } as const;

export interface HistWorkerData {
  kind: 'hist';
  shared: HistShared;
  ctrl: Int32Array;
  fFrom: number;
  fTo: number;
}

/** The worker's loop: wait for a request (SEQ changes), build its features, publish DONE = SEQ; SEQ < 0 stops. */
export function histWorkerLoop(d: HistWorkerData, ready: () => void): void {
  const { ctrl } = d;
  let seen = 0;
  ready();
  for (;;) {
    Atomics.wait(ctrl, CTRL.SEQ, seen);
    const seq = Atomics.load(ctrl, CTRL.SEQ);
    if (seq < 0) return;
    if (seq === seen) continue;
    seen = seq;
    histRange(d.shared, ctrl[CTRL.SLOT]!, d.fFrom, d.fTo, ctrl[CTRL.START]!, ctrl[CTRL.COUNT]!, ctrl[CTRL.WHOLE] === 1);
    Atomics.store(ctrl, CTRL.DONE, seq);
    Atomics.notify(ctrl, CTRL.DONE);
  }
}

export function sharedF64(n: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(Math.max(8, n * 8)));
}

export function featureOffsets(b: Binned): Int32Array {
  const off = new Int32Array(b.nFeat + 1);
  for (let f = 0; f < b.nFeat; f++) off[f + 1] = off[f]! + b.nBins[f]!;
  return off;
}
