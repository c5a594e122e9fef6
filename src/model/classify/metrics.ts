/**
 * Quality of a classifier's predictions: accuracy, precision / recall / F1 per class with their
 * macro and support-weighted means, the confusion matrix (rows = truth, columns = prediction),
 * ROC-AUC (two classes: of P(positive); more: the macro mean of one-vs-rest AUCs, as scikit-learn's
 * roc_auc_score(multi_class='ovr')), and the normal-vs-attack view of src/model/metrics.ts (the one
 * `evaluate` prints for anomaly scores) with P(not normal) as the score.
 */
import { computeMetrics, rocAuc, type Metrics } from '../metrics.ts';

export interface ClassStats {
  class: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
  rocAuc: number;
}

export interface ClassifierMetrics {
  n: number;
  accuracy: number;
  classes: string[];
  perClass: ClassStats[];
  macro: { precision: number; recall: number; f1: number };
  weighted: { precision: number; recall: number; f1: number };
  confusion: number[][];
  rocAuc: number;
  /** Normal vs attack (when the classes include the normal one). */
  attack?: Metrics;
}

const div = (a: number, b: number): number => (b > 0 ? a / b : 0);

/**
 * `truth[i]` is a class index, or −1 for a class the model does not know (counted as wrong, and in
 * the attack view by its label); `proba` holds k probabilities per row; `labels` the raw labels
 * for the attack view.
 */
export function classifierMetrics(classes: string[], truth: Int32Array, pred: Int32Array, proba: Float64Array, normal: string, labels?: string[], categories?: (string | null)[]): ClassifierMetrics {
  const k = classes.length;
  const n = truth.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  for (let i = 0; i < n; i++) {
    if (truth[i] === pred[i]) correct++;
    if (truth[i]! >= 0) confusion[truth[i]!]![pred[i]!]!++;
  }
  const perClass: ClassStats[] = classes.map((name, c) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < n; i++) {
      if (pred[i] === c && truth[i] === c) tp++;
      else if (pred[i] === c) fp++;
      else if (truth[i] === c) fn++;
    }
    const precision = div(tp, tp + fp);
    const recall = div(tp, tp + fn);
    const scores = new Float64Array(n);
    const pos = new Array<boolean>(n);
    for (let i = 0; i < n; i++) {
      scores[i] = proba[i * k + c]!;
      pos[i] = truth[i] === c;
    }
    return { class: name, precision, recall, f1: div(2 * precision * recall, precision + recall), support: tp + fn, rocAuc: rocAuc(scores, pos) };
  });
  const present = perClass.filter((s) => s.support > 0);
  const mean = (key: 'precision' | 'recall' | 'f1'): number => div(present.reduce((s, c) => s + c[key], 0), present.length);
  const tot = present.reduce((s, c) => s + c.support, 0);
  const wmean = (key: 'precision' | 'recall' | 'f1'): number => div(present.reduce((s, c) => s + c[key] * c.support, 0), tot);
  const out: ClassifierMetrics = {
    n,
    accuracy: div(correct, n),
    classes,
    perClass,
    macro: { precision: mean('precision'), recall: mean('recall'), f1: mean('f1') },
    weighted: { precision: wmean('precision'), recall: wmean('recall'), f1: wmean('f1') },
    confusion,
    rocAuc: k === 2 ? perClass[1]!.rocAuc : div(present.reduce((s, c) => s + c.rocAuc, 0), present.length),
  };
  const ni = classes.indexOf(normal);
  if (ni >= 0 && labels) {
    out.attack = computeMetrics(
      labels.map((label, i) => ({ score: 1 - proba[i * k + ni]!, flagged: pred[i] !== ni, label, category: categories?.[i] ?? null })),
      normal,
    );
  }
  return out;
}

export function formatClassifierMetrics(m: ClassifierMetrics, title = ''): string {
  const f = (v: number): string => v.toFixed(4);
  const lines: string[] = [];
  if (title) lines.push(title);
  lines.push(`  ${m.n.toLocaleString('en-US')} rows   accuracy ${f(m.accuracy)}   macro P ${f(m.macro.precision)} R ${f(m.macro.recall)} F1 ${f(m.macro.f1)}   ROC-AUC ${f(m.rocAuc)}`);
  const w = Math.max(8, ...m.classes.map((c) => c.length));
  lines.push('', `  ${'class'.padEnd(w)}  precision   recall       F1  ROC-AUC   support`);
  for (const s of m.perClass) lines.push(`  ${s.class.padEnd(w)}     ${f(s.precision)}   ${f(s.recall)}   ${f(s.f1)}   ${f(s.rocAuc)}  ${String(s.support).padStart(8)}`);
  const cw = Math.max(7, ...m.confusion.flat().map((v) => String(v).length + 1), ...m.classes.map((c) => Math.min(12, c.length) + 1));
  lines.push('', `  confusion (rows: truth, columns: predicted)`);
  lines.push(`  ${''.padEnd(w)} ${m.classes.map((c) => c.slice(0, 12).padStart(cw)).join('')}`);
  m.confusion.forEach((row, i) => lines.push(`  ${m.classes[i]!.padEnd(w)} ${row.map((v) => String(v).padStart(cw)).join('')}`));
  if (m.attack && m.classes.length > 2) {
    const a = m.attack;
    lines.push('', `  normal vs attack: accuracy ${f(a.accuracy)}   precision ${f(a.precision)}   recall ${f(a.recall)}   F1 ${f(a.f1)}   FPR ${f(a.fpr)}   ROC-AUC ${f(a.rocAuc)}`);
  }
  if (m.attack?.perCategory.length) {
    lines.push('', '  detection rate per category (normal: share flagged = FPR)');
    for (const r of m.attack.perCategory) lines.push(`    ${r.category.padEnd(14)} ${(r.rate * 100).toFixed(1).padStart(6)} %  ${r.detected}/${r.total}`);
  }
  return lines.join('\n') + '\n';
}
