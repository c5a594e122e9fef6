/**
 * L2-regularised logistic regression on the anomaly model's encoding (z-scored numeric columns,
 * one-hot categorical ones), fitted as scikit-learn's LogisticRegression(solver='lbfgs') is:
 * minimise Σ sample_weight · log-loss + ‖W‖² / (2C) (intercepts not penalised) with L-BFGS. Two
 * classes use one weight vector (sigmoid), more classes the multinomial (softmax) form.
 * The one-hot part is never materialised: a row's score adds the weight of its value's index.
 */
import type { Encoded } from './data.ts';

export interface LogregParams {
  c: number;
  maxIter: number;
  tol: number;
}

export interface LogregModel {
  /** Weight vectors, one per output (1 for two classes): [numeric…, one-hot blocks…, intercept]. */
  weights: number[][];
  iterations: number;
  converged: boolean;
}

/** Row scores into out[0..m): Σ z·w + one-hot weights + intercept. */
export function logregScores(w: ArrayLike<number>[], blockOff: number[], e: Encoded, i: number, out: Float64Array): void {
  const { nNum, nCat, z, codes } = e;
  for (let c = 0; c < w.length; c++) {
    const wc = w[c]!;
    let s = wc[wc.length - 1]!;
    for (let j = 0; j < nNum; j++) s += z[i * nNum + j]! * wc[j]!;
    for (let j = 0; j < nCat; j++) {
      const code = codes[i * nCat + j]!;
      if (code >= 0 && code < blockOff[j + 1]! - blockOff[j]!) s += wc[blockOff[j]! + code]!;
    }
    out[c] = s;
  }
}

/** Offsets of each categorical block (blockOff[j]..blockOff[j+1]) in a weight vector. */
export function blockOffsets(nNum: number, vocab: number[]): number[] {
  const off = [nNum];
  for (const v of vocab) off.push(off[off.length - 1]! + v);
  return off;
}

export function trainLogreg(e: Encoded, vocab: number[], y: Uint8Array, sw: Float64Array, k: number, p: LogregParams): LogregModel {
  const m = k === 2 ? 1 : k;
  const off = blockOffsets(e.nNum, vocab);
  const d = off[off.length - 1]! + 1; // + intercept
  const dim = d * m;
  const { n, nNum, nCat, z, codes } = e;
  const lambda = 1 / p.c;
  const scores = new Float64Array(m);
  const ws: Float64Array[] = Array.from({ length: m }, () => new Float64Array(d));

  const f = (x: Float64Array, grad: Float64Array): number => {
    for (let c = 0; c < m; c++) ws[c] = x.subarray(c * d, (c + 1) * d);
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      logregScores(ws, off, e, i, scores);
      const wi = sw[i]!;
      if (wi === 0) continue;
      if (m === 1) {
        const s = scores[0]!;
        const t = y[i]!;
        // log(1 + e^s) − t·s, computed stably
        loss += wi * ((s > 0 ? s + Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s))) - t * s);
        const pr = 1 / (1 + Math.exp(-s));
        scores[0] = wi * (pr - t);
      } else {
        let mx = -Infinity;
        for (let c = 0; c < m; c++) mx = Math.max(mx, scores[c]!);
        let se = 0;
        for (let c = 0; c < m; c++) se += Math.exp(scores[c]! - mx);
        const lse = mx + Math.log(se);
        loss += wi * (lse - scores[y[i]!]!);
        for (let c = 0; c < m; c++) scores[c] = wi * (Math.exp(scores[c]! - lse) - (y[i] === c ? 1 : 0));
      }
      for (let c = 0; c < m; c++) {
        const r = scores[c]!;
        const gb = c * d;
        for (let j = 0; j < nNum; j++) grad[gb + j]! += r * z[i * nNum + j]!;
        for (let j = 0; j < nCat; j++) {
          const code = codes[i * nCat + j]!;
          if (code >= 0 && code < off[j + 1]! - off[j]!) grad[gb + off[j]! + code]! += r;
        }
        grad[gb + d - 1]! += r;
      }
    }
    for (let c = 0; c < m; c++) {
      for (let j = 0; j < d - 1; j++) {
        const v = x[c * d + j]!;
        loss += 0.5 * lambda * v * v;
        grad[c * d + j]! += lambda * v;
      }
    }
    return loss;
  };
  const { x, iterations, converged } = lbfgs(f, new Float64Array(dim), p.maxIter, p.tol);
  return { weights: Array.from({ length: m }, (_, c) => Array.from(x.subarray(c * d, (c + 1) * d))), iterations, converged };
}

/**
 * Limited-memory BFGS (Nocedal & Wright, algorithm 7.4, memory 10) with a backtracking Armijo line
 * search. Stops when the largest gradient component is ≤ tol (scipy's pgtol, which scikit-learn
 * sets to its tol) or the loss stops decreasing relative to its size (scipy's factr · eps).
 */
export function lbfgs(f: (x: Float64Array, g: Float64Array) => number, x0: Float64Array, maxIter: number, tol: number): { x: Float64Array; iterations: number; converged: boolean } {
  const dim = x0.length;
  const M = 10;
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  let x = x0.slice();
  let g = new Float64Array(dim);
  let fx = f(x, g);
  const dir = new Float64Array(dim);
  const alpha = new Float64Array(M);
  const dot = (a: Float64Array, b: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < dim; i++) s += a[i]! * b[i]!;
    return s;
  };
  const gmax = (v: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < dim; i++) s = Math.max(s, Math.abs(v[i]!));
    return s;
  };
  let it = 0;
  for (; it < maxIter; it++) {
    if (gmax(g) <= tol) return { x, iterations: it, converged: true };
    // two-loop recursion: dir = −H·g
    for (let i = 0; i < dim; i++) dir[i] = -g[i]!;
    for (let j = S.length - 1; j >= 0; j--) {
      alpha[j] = rho[j]! * dot(S[j]!, dir);
      for (let i = 0; i < dim; i++) dir[i]! -= alpha[j]! * Y[j]![i]!;
    }
    const gamma = S.length ? dot(S[S.length - 1]!, Y[Y.length - 1]!) / dot(Y[Y.length - 1]!, Y[Y.length - 1]!) : 1 / Math.max(1, Math.sqrt(dot(g, g)));
    for (let i = 0; i < dim; i++) dir[i]! *= gamma;
    for (let j = 0; j < S.length; j++) {
      const b = rho[j]! * dot(Y[j]!, dir);
      for (let i = 0; i < dim; i++) dir[i]! += S[j]![i]! * (alpha[j]! - b);
    }
    let slope = dot(g, dir);
    if (slope >= 0) {
      // not a descent direction (curvature information went stale): restart along −g
      S.length = Y.length = rho.length = 0;
      for (let i = 0; i < dim; i++) dir[i] = -g[i]!;
      slope = dot(g, dir);
    }
    let step = 1;
    const xn = new Float64Array(dim);
    const gn = new Float64Array(dim);
    let fn = Infinity;
    for (let ls = 0; ls < 40; ls++) {
      for (let i = 0; i < dim; i++) xn[i] = x[i]! + step * dir[i]!;
      fn = f(xn, gn);
      if (fn <= fx + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(fn <= fx)) return { x, iterations: it, converged: false };
    const s = new Float64Array(dim);
    const yv = new Float64Array(dim);
    for (let i = 0; i < dim; i++) {
      s[i] = xn[i]! - x[i]!;
      yv[i] = gn[i]! - g[i]!;
    }
    const sy = dot(s, yv);
    if (sy > 1e-10) {
      if (S.length === M) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(yv);
      rho.push(1 / sy);
    }
    const rel = (fx - fn) / Math.max(Math.abs(fx), Math.abs(fn), 1);
    x = xn;
    g = gn;
    fx = fn;
    if (rel <= 1e7 * 2.220446049250313e-16) return { x, iterations: it + 1, converged: true };
  }
  return { x, iterations: it, converged: gmax(g) <= tol };
}
