/**
 * Detection metrics for scored flows with ground truth: confusion matrix, precision, recall, F1,
 * accuracy, false-positive rate, ROC-AUC (Mann–Whitney with ties averaged, equal to the trapezoid
 * ROC area), PR-AUC (average precision, scikit-learn's step definition) and detection rate per
 * attack category.
 */

export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export interface CategoryRate {
  category: string;
  total: number;
  detected: number;
  rate: number;
}

export interface Metrics {
  n: number;
  positives: number;
  negatives: number;
  confusion: Confusion;
  precision: number;
  recall: number;
  f1: number;
  accuracy: number;
  fpr: number;
  rocAuc: number;
  prAuc: number;
  /** For normal rows: the share flagged (= fpr); for attack categories: the share detected. */
  perCategory: CategoryRate[];
  /** Labels, same as perCategory but per raw label. */
  perLabel: CategoryRate[];
}

export function confusionOf(isPos: ArrayLike<boolean>, flagged: ArrayLike<boolean>): Confusion {
  const c = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < isPos.length; i++) {
    if (isPos[i]) flagged[i] ? c.tp++ : c.fn++;
    else flagged[i] ? c.fp++ : c.tn++;
  }
  return c;
}

/** ROC-AUC by ranks (ties get the average rank). 0.5 when a class is empty. */
export function rocAuc(scores: ArrayLike<number>, isPos: ArrayLike<boolean>): number {
  const n = scores.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let nPos = 0;
  for (let i = 0; i < n; i++) if (isPos[i]) nPos++;
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return 0.5;
  let rankSum = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1]!] === scores[idx[i]!]) j++;
    const avg = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) if (isPos[idx[t]!]) rankSum += avg;
    i = j + 1;
  }
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** Average precision: Σ (R_k − R_{k−1}) P_k over distinct score thresholds, high to low. */
export function averagePrecision(scores: ArrayLike<number>, isPos: ArrayLike<boolean>): number {
  const n = scores.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let nPos = 0;
  for (let i = 0; i < n; i++) if (isPos[i]) nPos++;
  if (nPos === 0) return 0;
  let tp = 0;
  let fp = 0;
  let prevR = 0;
  let ap = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1]!] === scores[idx[i]!]) j++;
    for (let t = i; t <= j; t++) (isPos[idx[t]!] ? tp++ : fp++);
    const r = tp / nPos;
    const p = tp / (tp + fp);
    ap += (r - prevR) * p;
    prevR = r;
    i = j + 1;
  }
  return ap;
}

const div = (a: number, b: number): number => (b > 0 ? a / b : 0);

/**
 * Metrics from per-row scores, decisions and labels. A row is positive (an attack) when its label
 * is not `normalLabel`; rows without a label are skipped.
 */
export function computeMetrics(
  rows: { score: number; flagged: boolean; label: string; category?: string | null }[],
  normalLabel = 'normal',
): Metrics {
  const lab = rows.filter((r) => r.label !== '');
  const isPos = lab.map((r) => r.label !== normalLabel);
  const flagged = lab.map((r) => r.flagged);
  const scores = lab.map((r) => r.score);
  const c = confusionOf(isPos, flagged);
  const precision = div(c.tp, c.tp + c.fp);
  const recall = div(c.tp, c.tp + c.fn);
  const group = (key: (r: (typeof lab)[number]) => string): CategoryRate[] => {
    const m = new Map<string, { total: number; detected: number }>();
    for (const r of lab) {
      const k = key(r);
      const e = m.get(k) ?? { total: 0, detected: 0 };
      e.total++;
      if (r.flagged) e.detected++;
      m.set(k, e);
    }
    return [...m.entries()]
      .map(([category, e]) => ({ category, total: e.total, detected: e.detected, rate: div(e.detected, e.total) }))
      .sort((a, b) => b.total - a.total);
  };
  return {
    n: lab.length,
    positives: c.tp + c.fn,
    negatives: c.tn + c.fp,
    confusion: c,
    precision,
    recall,
    f1: div(2 * precision * recall, precision + recall),
    accuracy: div(c.tp + c.tn, lab.length),
    fpr: div(c.fp, c.fp + c.tn),
    rocAuc: rocAuc(scores, isPos),
    prAuc: averagePrecision(scores, isPos),
    perCategory: group((r) => (r.label === normalLabel ? normalLabel : r.category || 'unknown')),
    perLabel: group((r) => r.label),
  };
}
