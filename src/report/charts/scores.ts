/**
 * Scores: the anomaly_score histogram (log count axis, bins pre-computed so 10⁵ flows stay a few
 * dozen rows) with the threshold line at 1, and the score spread per cluster.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ClusterScoreSummary, ScoreBin } from './types.ts';
import { COLOR, CONFIG, COUNT_FMT, HEIGHT, WIDTH } from './theme.ts';

export function scoreHistogramSpec(bins: ScoreBin[], groups: string[], colors: string[]): TopLevelSpec {
  const x = { field: 'lo', type: 'quantitative' as const, title: 'anomaly_score = distance / threshold (log scale)', scale: { type: 'log' as const } };
  return {
    config: CONFIG,
    title: 'Anomaly scores',
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values: bins },
        mark: { type: 'rect', opacity: 0.6 },
        encoding: {
          x,
          x2: { field: 'hi' },
          y: { field: 'count', type: 'quantitative', title: 'flows (log scale)', scale: { type: 'symlog' }, axis: { format: COUNT_FMT } },
          y2: { datum: 0 },
          color: { field: 'group', type: 'nominal', title: null, scale: { domain: groups, range: colors } },
          tooltip: [
            { field: 'group', type: 'nominal' },
            { field: 'lo', type: 'quantitative', title: 'from', format: '.3g' },
            { field: 'hi', type: 'quantitative', title: 'to', format: '.3g' },
            { field: 'count', type: 'quantitative', title: 'flows', format: COUNT_FMT },
          ],
        },
      },
      {
        data: { values: [{ lo: 1, text: 'threshold (score 1)' }] },
        layer: [
          { mark: { type: 'rule', color: COLOR.threshold, strokeDash: [5, 4], strokeWidth: 2 }, encoding: { x } },
          { mark: { type: 'text', align: 'left', dx: 4, baseline: 'top', color: COLOR.threshold, fontSize: 11 }, encoding: { x, y: { value: 2 }, text: { field: 'text' } } },
        ],
      },
    ],
  } as TopLevelSpec;
}

export function scoreByClusterSpec(rows: ClusterScoreSummary[]): TopLevelSpec {
  const many = rows.length > 40;
  const x = { field: 'cluster', type: 'ordinal' as const, title: 'cluster', axis: many ? { labels: false, ticks: false } : { labelAngle: 0 } };
  const y = { type: 'quantitative' as const, scale: { type: 'log' as const }, title: 'anomaly_score (log scale)' };
  const tooltip = [
    { field: 'cluster', type: 'ordinal' as const },
    { field: 'n', type: 'quantitative' as const, title: 'flows', format: COUNT_FMT },
    ...(['min', 'p25', 'p50', 'p75', 'p95', 'max'] as const).map((f) => ({ field: f, type: 'quantitative' as const, format: '.3f' })),
  ];
  return {
    config: CONFIG,
    title: 'Score spread per cluster (min–max, quartiles, median)',
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values: rows },
        layer: [
          { mark: { type: 'rule', color: '#8a94a3' }, encoding: { x, y: { ...y, field: 'min' }, y2: { field: 'max' }, tooltip } },
          { mark: { type: 'bar', size: many ? 3 : 10, color: COLOR.normal, opacity: 0.8 }, encoding: { x, y: { ...y, field: 'p25' }, y2: { field: 'p75' }, tooltip } },
          { mark: { type: 'tick', color: 'black', thickness: 2, size: many ? 4 : 12 }, encoding: { x, y: { ...y, field: 'p50' }, tooltip } },
        ],
      },
      {
        data: { values: [{ v: 1 }] },
        mark: { type: 'rule', color: COLOR.threshold, strokeDash: [5, 4], strokeWidth: 2 },
        encoding: { y: { ...y, field: 'v' } },
      },
    ],
  } as TopLevelSpec;
}
