/**
 * `flowsift evaluate <scored-file>`: detection quality of a `score` output that carries ground
 * truth — precision, recall, F1, accuracy, FPR, ROC-AUC, PR-AUC (from anomaly_score), the
 * confusion matrix and the detection rate per attack category and per label.
 */
import type { Argv } from 'yargs';
import { EXIT, InputError } from '../errors.ts';
import type { CliIO, CommandDef } from './command.ts';
import { readDataset } from '../dataset/read.ts';
import { labelCategory } from '../dataset/category.ts';
import { computeMetrics, type Metrics } from '../model/metrics.ts';

interface EvaluateArgs {
  scored: string;
  labelColumn: string;
  categoryColumn: string;
  normal: string;
  json: boolean;
}

export async function evaluateFile(path: string, labelColumn = 'label', normal = 'normal', signal?: AbortSignal, categoryColumn = 'category'): Promise<{ metrics: Metrics; unlabeled: number }> {
  const rows: { score: number; flagged: boolean; label: string; category: string | null }[] = [];
  let unlabeled = 0;
  let n = 0;
  for await (const r of readDataset(path, { signal })) {
    n++;
    const score = Number(r.anomaly_score);
    const flag = r.is_anomaly;
    if (!Number.isFinite(score) || flag === undefined || flag === null) {
      throw new InputError('E_SCORED', path, undefined, `row ${n}: expected a flowsift score record with anomaly_score and is_anomaly (run 'flowsift score' first)`);
    }
    const lv = r[labelColumn];
    if (lv === null || lv === undefined || lv === '') {
      unlabeled++;
      continue;
    }
    const label = String(lv);
    // a category given in the data wins; else the KDD / generator map (src/dataset/category.ts)
    const cv = r[categoryColumn];
    const cat = cv !== null && cv !== undefined && cv !== '' ? String(cv) : label === normal ? normal : labelCategory(label);
    rows.push({ score, flagged: flag === true || flag === 'true' || flag === 1, label, category: cat });
  }
  if (rows.length === 0) {
    throw new InputError('E_NO_LABELS', path, undefined, `no row has a '${labelColumn}' value: evaluate needs ground truth (score a labeled dataset, or use --label-column)`);
  }
  return { metrics: computeMetrics(rows, normal), unlabeled };
}

export function formatMetrics(m: Metrics, unlabeled = 0): string {
  const f = (v: number): string => v.toFixed(4);
  const pct = (v: number): string => (v * 100).toFixed(1) + ' %';
  const c = m.confusion;
  const w = Math.max(String(c.tp + c.fn).length, String(c.fp + c.tn).length, 6);
  const pad = (v: number | string): string => String(v).padStart(w);
  const lines = [
    `${m.n.toLocaleString('en-US')} labeled flows: ${m.positives.toLocaleString('en-US')} attacks, ${m.negatives.toLocaleString('en-US')} normal${unlabeled ? ` (${unlabeled} unlabeled skipped)` : ''}`,
    `  ROC-AUC   ${f(m.rocAuc)}    PR-AUC   ${f(m.prAuc)}`,
    `  precision ${f(m.precision)}    recall   ${f(m.recall)}    F1 ${f(m.f1)}    accuracy ${f(m.accuracy)}    FPR ${f(m.fpr)}`,
    '',
    `  confusion          ${pad('flagged')} ${pad('passed')}`,
    `    attack           ${pad(c.tp)} ${pad(c.fn)}`,
    `    normal           ${pad(c.fp)} ${pad(c.tn)}`,
    '',
    '  detection rate per category (normal: share flagged = FPR)',
  ];
  for (const r of m.perCategory) lines.push(`    ${r.category.padEnd(14)} ${pct(r.rate).padStart(8)}  ${r.detected}/${r.total}`);
  lines.push('', '  per label (top 15 by count)');
  for (const r of m.perLabel.slice(0, 15)) lines.push(`    ${r.category.padEnd(16)} ${pct(r.rate).padStart(8)}  ${r.detected}/${r.total}`);
  return lines.join('\n') + '\n';
}

const def: CommandDef<EvaluateArgs> = {
  command: 'evaluate <scored>',
  describe: 'Precision, recall, F1, ROC-AUC, PR-AUC, confusion matrix and per-category detection of a scored, labeled file',
  builder: (y) =>
    y
      .positional('scored', { describe: 'Output of flowsift score (JSON Lines or CSV) with a label column', type: 'string' })
      .option('label-column', { type: 'string', default: 'label', describe: 'Ground-truth column', requiresArg: true })
      .option('category-column', { type: 'string', default: 'category', describe: 'Attack category column; where empty, the category comes from the label (KDD names and the bench generator labels: portscan → probe, synflood/icmpflood → dos, bruteforce → r2l, exfil → exfiltration)', requiresArg: true })
      .option('normal', { type: 'string', default: 'normal', describe: 'Label of benign rows (every other label is an attack)', requiresArg: true })
      .option('json', { type: 'boolean', default: false, describe: 'Print the metrics as JSON' }) as unknown as Argv<EvaluateArgs>,
  run: async (a, io) => {
    const { metrics, unlabeled } = await evaluateFile(String(a.scored), a.labelColumn, a.normal, io.signal, a.categoryColumn);
    io.stdout.write(a.json ? JSON.stringify({ ...metrics, unlabeled }, null, 2) + '\n' : formatMetrics(metrics, unlabeled));
    return EXIT.OK;
  },
};

export default def;
