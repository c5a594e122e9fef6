/**
 * Clusters: the 2-D PCA scatter (clusters coloured, anomalies ringed in red, centroids as crosses;
 * drag to pan, wheel to zoom) and the flows per cluster with their anomalous share.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Centroid2D, ClusterRow, ScatterPoint } from './types.ts';
import { COLOR, CONFIG, COUNT_FMT, WIDTH } from './theme.ts';

/**
 * The most of a sampled scatter's points that may be anomalies: each is drawn as a ring larger than a
 * normal dot, so at a half share a large analysis showed almost nothing but red and hid the
 * clusters' shape. A quarter keeps the anomalies visible and the normal structure readable.
 */
export const PCA_ANOMALY_SHARE = 0.25;

/** How many anomalies a sample of `cap` points keeps when there are `anomalies` of them. */
export function pcaAnomalyQuota(cap: number, anomalies: number): number {
  return Math.min(anomalies, Math.floor(cap * PCA_ANOMALY_SHARE));
}

export interface PcaAxes {
  /** Share of the variance each component explains (0–1), when known. */
  explained?: [number, number];
}

export function pcaSpec(points: ScatterPoint[], centroids: Centroid2D[], axes: PcaAxes = {}): TopLevelSpec {
  const ev = axes.explained;
  const xTitle = `PC1${ev ? ` (${(ev[0] * 100).toFixed(1)} % of variance)` : ''}`;
  const yTitle = `PC2${ev ? ` (${(ev[1] * 100).toFixed(1)} % of variance)` : ''}`;
  const clusters = new Set(points.map((p) => p.cluster)).size;
  const color = { field: 'cluster', type: 'nominal' as const, scale: { scheme: 'tableau20' }, legend: clusters <= 20 ? { columns: 2, symbolLimit: 20 } : null };
  const tooltip = [
    { field: 'cluster', type: 'nominal' as const },
    { field: 'score', type: 'quantitative' as const, title: 'anomaly_score', format: '.3f' },
    { field: 'anomaly', type: 'nominal' as const },
    { field: 'label', type: 'nominal' as const },
    { field: 'uid', type: 'nominal' as const },
  ];
  const x = { field: 'x', type: 'quantitative' as const, title: xTitle, scale: { zero: false } };
  const y = { field: 'y', type: 'quantitative' as const, title: yTitle, scale: { zero: false } };
  return {
    config: CONFIG,
    title: 'Flows in the model’s PCA plane',
    width: WIDTH,
    height: 380,
    // the anomaly rings first, the normal dots over them: where both crowd the dots win, so the
    // clusters' shape shows, and the outlying anomalies stay plain red rings
    layer: [
      {
        data: { values: points.filter((p) => p.anomaly) },
        params: [{ name: 'zoom', select: 'interval', bind: 'scales' }],
        mark: { type: 'point', shape: 'circle', size: 28, filled: false, strokeWidth: 1, opacity: 0.8, color: COLOR.anomaly },
        encoding: { x, y, tooltip },
      },
      {
        data: { values: points.filter((p) => !p.anomaly) },
        mark: { type: 'circle', size: 20, opacity: 0.75 },
        encoding: { x, y, color, tooltip },
      },
      {
        data: { values: centroids },
        mark: { type: 'point', shape: 'cross', size: 90, filled: true, color: '#222', opacity: 0.85 },
        encoding: { x, y, tooltip: [{ field: 'cluster', type: 'nominal', title: 'centroid of cluster' }] },
      },
    ],
  } as TopLevelSpec;
}

export function clusterSizesSpec(rows: ClusterRow[]): TopLevelSpec {
  const long = rows.flatMap((r) => [
    { cluster: r.cluster, kind: 'anomalous', flows: r.anomalies, total: r.flows, anomalies: r.anomalies },
    { cluster: r.cluster, kind: 'normal', flows: r.flows - r.anomalies, total: r.flows, anomalies: r.anomalies },
  ]);
  const many = rows.length > 40;
  return {
    config: CONFIG,
    title: 'Flows per cluster',
    width: WIDTH,
    height: many ? 260 : 220,
    data: { values: long },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: 'cluster', type: 'ordinal', title: 'cluster', axis: many ? { labels: false, ticks: false } : { labelAngle: 0 } },
      y: { field: 'flows', type: 'quantitative', title: 'flows', stack: 'zero', axis: { format: COUNT_FMT } },
      color: { field: 'kind', type: 'nominal', title: null, scale: { domain: ['anomalous', 'normal'], range: [COLOR.anomaly, COLOR.normal] } },
      order: { field: 'kind', sort: 'descending' },
      tooltip: [
        { field: 'cluster', type: 'ordinal' },
        { field: 'total', type: 'quantitative', title: 'flows', format: COUNT_FMT },
        { field: 'anomalies', type: 'quantitative', format: COUNT_FMT },
      ],
    },
  } as TopLevelSpec;
}
