/**
 * With ground truth: ROC and precision–recall curves (the model's operating point marked), the
 * confusion matrix, the detection rate per label and per category, and the chi-square association
 * of the categorical features with the label.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { AssociationRow, ConfusionCell, CurvePoint, RateRow } from './types.ts';
import { COLOR, CONFIG, COUNT_FMT } from './theme.ts';

function curve(points: CurvePoint[], op: CurvePoint, title: string, xTitle: string, yTitle: string, diagonal: boolean): TopLevelSpec {
  const x = { field: 'x', type: 'quantitative' as const, title: xTitle, scale: { domain: [0, 1] } };
  const y = { field: 'y', type: 'quantitative' as const, title: yTitle, scale: { domain: [0, 1] } };
  const layer: unknown[] = [
    { data: { values: points }, mark: { type: 'line', interpolate: 'step-after', color: COLOR.normal }, encoding: { x, y } },
    {
      data: { values: [{ ...op, text: 'threshold' }] },
      mark: { type: 'point', filled: true, size: 90, color: COLOR.threshold },
      encoding: { x, y, tooltip: [{ field: 'x', title: xTitle, format: '.3f' }, { field: 'y', title: yTitle, format: '.3f' }] },
    },
    {
      data: { values: [{ ...op, text: 'model threshold' }] },
      mark: { type: 'text', align: 'left', dx: 7, dy: 10, color: COLOR.threshold, fontSize: 11 },
      encoding: { x, y, text: { field: 'text' } },
    },
  ];
  if (diagonal) layer.unshift({ data: { values: [{ x: 0, y: 0 }, { x: 1, y: 1 }] }, mark: { type: 'line', color: '#bbb', strokeDash: [3, 3] }, encoding: { x, y } });
  return { config: CONFIG, title, width: 260, height: 260, layer } as TopLevelSpec;
}

export function rocSpec(points: CurvePoint[], op: CurvePoint): TopLevelSpec {
  return curve(points, op, 'ROC curve', 'false-positive rate', 'true-positive rate (recall)', true);
}

export function prSpec(points: CurvePoint[], op: CurvePoint): TopLevelSpec {
  return curve(points, op, 'Precision–recall curve', 'recall', 'precision', false);
}

export function confusionSpec(cells: ConfusionCell[]): TopLevelSpec {
  const total = cells.reduce((s, c) => s + c.count, 0) || 1;
  return {
    config: CONFIG,
    title: 'Confusion matrix',
    width: 220,
    height: 160,
    data: { values: cells.map((c) => ({ ...c, share: c.count / total })) },
    encoding: {
      x: { field: 'predicted', type: 'nominal', sort: ['flagged', 'passed'], title: 'model', axis: { labelAngle: 0, orient: 'top' } },
      y: { field: 'actual', type: 'nominal', sort: ['attack', 'normal'], title: 'ground truth' },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'count', type: 'quantitative', scale: { type: 'symlog', scheme: 'greys' }, legend: null } } },
      {
        mark: { type: 'text', fontSize: 16, fontWeight: 'bold' },
        encoding: {
          text: { field: 'count', type: 'quantitative', format: COUNT_FMT },
          color: { condition: { test: `datum.count > ${total} * 0.25`, value: 'white' }, value: 'black' },
        },
      },
    ],
  } as TopLevelSpec;
}

export function detectionRateSpec(rows: RateRow[], what: string): TopLevelSpec {
  const data = rows.map((r) => ({ ...r, kind: r.normal ? 'normal (rate = false positives)' : 'attack (rate = detected)' }));
  return {
    config: CONFIG,
    title: `Flagged share per ${what}`,
    width: 300,
    height: { step: 18 },
    data: { values: data },
    layer: [
      {
        mark: { type: 'bar', tooltip: true },
        encoding: {
          y: { field: 'name', type: 'nominal', title: null, sort: rows.map((r) => r.name) },
          x: { field: 'rate', type: 'quantitative', title: 'flagged as anomalous', scale: { domain: [0, 1] }, axis: { format: '.0%' } },
          color: { field: 'kind', type: 'nominal', title: null, scale: { domain: ['attack (rate = detected)', 'normal (rate = false positives)'], range: [COLOR.anomaly, COLOR.normal] }, legend: { orient: 'bottom', direction: 'vertical' } },
          tooltip: [
            { field: 'name', type: 'nominal', title: what },
            { field: 'detected', type: 'quantitative', title: 'flagged', format: COUNT_FMT },
            { field: 'total', type: 'quantitative', title: 'flows', format: COUNT_FMT },
            { field: 'rate', type: 'quantitative', format: '.1%' },
          ],
        },
      },
      {
        mark: { type: 'text', align: 'left', dx: 3, fontSize: 10 },
        encoding: {
          y: { field: 'name', type: 'nominal', sort: rows.map((r) => r.name) },
          x: { field: 'rate', type: 'quantitative' },
          text: { field: 'ratio', type: 'nominal' },
        },
        transform: [{ calculate: "datum.detected + '/' + datum.total", as: 'ratio' }],
      },
    ],
  } as TopLevelSpec;
}

export function associationSpec(rows: AssociationRow[]): TopLevelSpec {
  return {
    config: CONFIG,
    title: 'Association with the label (Cramér’s V from the chi-square test)',
    width: 300,
    height: { step: 24 },
    data: { values: rows.map((r) => ({ ...r, pText: r.p < 1e-300 ? 'p < 1e-300' : `p = ${r.p.toExponential(2)}` })) },
    layer: [
      {
        mark: { type: 'bar', color: COLOR.normal, tooltip: true },
        encoding: {
          y: { field: 'feature', type: 'nominal', title: null, sort: rows.map((r) => r.feature) },
          x: { field: 'cramersV', type: 'quantitative', title: 'Cramér’s V (0 = independent, 1 = determined)', scale: { domain: [0, 1] } },
          tooltip: [
            { field: 'feature', type: 'nominal' },
            { field: 'chi2', type: 'quantitative', title: 'chi-square', format: ',.1f' },
            { field: 'dof', type: 'quantitative', title: 'degrees of freedom' },
            { field: 'pText', type: 'nominal', title: 'p-value' },
            { field: 'cramersV', type: 'quantitative', title: 'Cramér’s V', format: '.3f' },
          ],
        },
      },
      {
        mark: { type: 'text', align: 'left', dx: 3, fontSize: 10 },
        encoding: { y: { field: 'feature', type: 'nominal', sort: rows.map((r) => r.feature) }, x: { field: 'cramersV', type: 'quantitative' }, text: { field: 'pText' } },
      },
    ],
  } as TopLevelSpec;
}
