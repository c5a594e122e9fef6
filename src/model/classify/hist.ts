/**
 * The inner loop of histogram boosting: per-bin sums of gradients, hessians and row counts of one
 * node, for a range of features. Shared by the main thread and the histogram worker
 * (boost.ts splits the features between them); no thread machinery here, so the worker bundle
 * stays small.
 */
import type { Binned } from './data.ts';

export interface HistShared {
  bins: Uint8Array;
  n: number;
  featOff: Int32Array;
  /** Row indices of the nodes (each node a range), gradients/hessians gathered in that order. */
  idx: Uint32Array;
  og: Float64Array;
  oh: Float64Array;
  /** Gradients and hessians by row (the root reads them in place). */
  g: Float64Array;
  h: Float64Array;
  /** Histogram slots: slot s is hist[s·2T .. (s+1)·2T) and cnt[s·T .. (s+1)·T), T = total bins. */
  histPool: Float64Array;
  cntPool: Uint32Array;
  totalBins: number;
}

/** Histograms of features [fFrom, fTo) for the rows idx[start .. start+m) (all rows in order when whole). */
export function histRange(s: HistShared, slot: number, fFrom: number, fTo: number, start: number, m: number, whole: boolean): void {
  const { bins, n, featOff, idx, totalBins } = s;
  const hist = s.histPool.subarray(slot * totalBins * 2, (slot + 1) * totalBins * 2);
  const cnt = s.cntPool.subarray(slot * totalBins, (slot + 1) * totalBins);
  hist.fill(0, featOff[fFrom]! * 2, featOff[fTo]! * 2);
  cnt.fill(0, featOff[fFrom]!, featOff[fTo]!);
  const gg = whole ? s.g : s.og;
  const hh = whole ? s.h : s.oh;
  for (let f = fFrom; f < fTo; f++) {
    const off = f * n;
    const base = featOff[f]!;
    const hb = base * 2;
    if (whole) {
      for (let i = 0; i < n; i++) {
        const b = bins[off + i]!;
        hist[hb + 2 * b]! += gg[i]!;
        hist[hb + 2 * b + 1]! += hh[i]!;
        cnt[base + b]!++;
      }
    } else {
      for (let r = 0; r < m; r++) {
        const b = bins[off + idx[start + r]!]!;
        hist[hb + 2 * b]! += gg[r]!;
        hist[hb + 2 * b + 1]! += hh[r]!;
        cnt[base + b]!++;
      }
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
