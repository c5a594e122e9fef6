/**
 * Traffic: flows and anomalies over time, bytes each way over time, protocol / service / flag
 * distributions (anomalous share stacked), the service × flag heatmap and the correlation matrix
 * of the numeric features.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { CategoryCount, CorrelationCell, ServiceFlagCell, TimeBucket } from './types.ts';
import { COLOR, CONFIG, COUNT_FMT, WIDTH } from './theme.ts';

const timeX = (title: string) => ({ field: 't', type: 'temporal' as const, title, axis: { labelOverlap: true, format: '%H:%M:%S' } });

/** `log`: a symlog count axis, so a burst of thousands does not flatten a few anomalies to zero (the dashboard's overview). */
export function timelineSpec(buckets: TimeBucket[], bucketLabel: string, opts: { log?: boolean } = {}): TopLevelSpec {
  const withIncidents = buckets.some((b) => b.incidents !== undefined);
  const long = buckets.flatMap((b) => [
    { t: b.t, series: 'flows', value: b.flows },
    { t: b.t, series: 'anomalies', value: b.anomalies },
    ...(withIncidents ? [{ t: b.t, series: 'incidents', value: b.incidents ?? 0 }] : []),
  ]);
  const series = withIncidents ? ['flows', 'anomalies', 'incidents'] : ['flows', 'anomalies'];
  const colors = withIncidents ? [COLOR.normal, COLOR.anomaly, COLOR.incident] : [COLOR.normal, COLOR.anomaly];
  return {
    config: CONFIG,
    title: `Flows${withIncidents ? ', anomalies and incidents' : ' and anomalies'} per ${bucketLabel}`,
    width: WIDTH,
    height: 200,
    data: { values: long },
    params: [{ name: 'tzoom', select: { type: 'interval', encodings: ['x'] }, bind: 'scales' }],
    mark: { type: 'line', interpolate: 'step-after', point: buckets.length <= 60, tooltip: true },
    encoding: {
      x: timeX('flow start (UTC)'),
      y: { field: 'value', type: 'quantitative', title: `flows per ${bucketLabel}${opts.log ? ' (symlog scale)' : ''}`, axis: { format: COUNT_FMT }, ...(opts.log ? { scale: { type: 'symlog' } } : {}) },
      color: { field: 'series', type: 'nominal', title: null, scale: { domain: series, range: colors } },
      tooltip: [
        { field: 't', type: 'temporal', title: 'from', format: '%Y-%m-%d %H:%M:%S' },
        { field: 'series', type: 'nominal' },
        { field: 'value', type: 'quantitative', format: COUNT_FMT },
      ],
    },
  } as TopLevelSpec;
}

export function bytesSpec(buckets: TimeBucket[], bucketLabel: string): TopLevelSpec {
  const long = buckets.flatMap((b) => [
    { t: b.t, direction: 'originator → responder (src_bytes)', bytes: b.srcBytes ?? 0 },
    { t: b.t, direction: 'responder → originator (dst_bytes)', bytes: b.dstBytes ?? 0 },
  ]);
  return {
    config: CONFIG,
    title: `Bytes each way per ${bucketLabel}`,
    width: WIDTH,
    height: 200,
    data: { values: long },
    params: [{ name: 'bzoom', select: { type: 'interval', encodings: ['x'] }, bind: 'scales' }],
    mark: { type: 'line', interpolate: 'step-after', tooltip: true },
    encoding: {
      x: timeX('flow start (UTC)'),
      y: { field: 'bytes', type: 'quantitative', title: 'bytes', axis: { format: '~s' } },
      color: {
        field: 'direction',
        type: 'nominal',
        title: null,
        scale: { range: [COLOR.srcBytes, COLOR.dstBytes] },
        legend: { orient: 'bottom', direction: 'vertical' },
      },
      tooltip: [
        { field: 't', type: 'temporal', title: 'from', format: '%Y-%m-%d %H:%M:%S' },
        { field: 'direction', type: 'nominal' },
        { field: 'bytes', type: 'quantitative', format: COUNT_FMT },
      ],
    },
  } as TopLevelSpec;
}

export function distributionSpec(rows: CategoryCount[], field: string): TopLevelSpec {
  const y = { field: 'value', type: 'nominal' as const, title: null, sort: rows.map((r) => r.value) };
  const x = { type: 'quantitative' as const, title: 'flows (symlog scale)', scale: { type: 'symlog' as const }, axis: { format: '~s' } };
  const tooltip = [
    { field: 'value', type: 'nominal' as const, title: field },
    { field: 'flows', type: 'quantitative' as const, format: COUNT_FMT },
    { field: 'anomalies', type: 'quantitative' as const, format: COUNT_FMT },
  ];
  // anomalies drawn over the total from the same origin (a stack would be wrong on a symlog axis)
  return {
    config: CONFIG,
    title: `Flows by ${field}`,
    width: 240,
    height: { step: 16 },
    data: { values: rows.map((r) => ({ ...r, all: 'all flows', anom: 'anomalous' })) },
    layer: [
      { mark: { type: 'bar', tooltip: true }, encoding: { y, x: { ...x, field: 'flows' }, color: { field: 'all', type: 'nominal', title: null, scale: { domain: ['all flows', 'anomalous'], range: [COLOR.normal, COLOR.anomaly] }, legend: { orient: 'bottom' } }, tooltip } },
      { mark: { type: 'bar', tooltip: true, height: { band: 0.5 } }, encoding: { y, x: { ...x, field: 'anomalies' }, color: { field: 'anom', type: 'nominal' }, tooltip } },
    ],
  } as TopLevelSpec;
}

export function serviceFlagSpec(cells: ServiceFlagCell[]): TopLevelSpec {
  const services = [...new Set(cells.map((c) => c.service))];
  const flags = [...new Set(cells.map((c) => c.flag))];
  return {
    config: CONFIG,
    title: 'Service × flag (colour: flows, log scale; ring: has anomalies)',
    width: Math.max(160, flags.length * 34),
    height: { step: 16 },
    data: { values: cells.map((c) => ({ ...c, share: c.flows ? c.anomalies / c.flows : 0 })) },
    encoding: {
      x: { field: 'flag', type: 'nominal', sort: flags, title: 'flag (Zeek conn_state)', axis: { labelAngle: 0, orient: 'top' } },
      y: { field: 'service', type: 'nominal', sort: services, title: null },
    },
    layer: [
      {
        mark: { type: 'rect', tooltip: true },
        encoding: {
          color: { field: 'flows', type: 'quantitative', scale: { type: 'log', scheme: 'blues' }, legend: { title: 'flows', format: '~s' } },
          tooltip: [
            { field: 'service', type: 'nominal' },
            { field: 'flag', type: 'nominal' },
            { field: 'flows', type: 'quantitative', format: COUNT_FMT },
            { field: 'anomalies', type: 'quantitative', format: COUNT_FMT },
            { field: 'share', type: 'quantitative', title: 'anomalous share', format: '.1%' },
          ],
        },
      },
      {
        transform: [{ filter: 'datum.anomalies > 0' }],
        mark: { type: 'point', shape: 'circle', filled: false, color: COLOR.anomaly, strokeWidth: 1.5 },
        encoding: { size: { field: 'share', type: 'quantitative', scale: { domain: [0, 1], range: [10, 120] }, legend: { title: 'anomalous share', format: '.0%' } } },
      },
    ],
  } as TopLevelSpec;
}

export function correlationSpec(cells: CorrelationCell[], features: string[]): TopLevelSpec {
  return {
    config: CONFIG,
    title: 'Correlation of the numeric features (Pearson r)',
    width: { step: 13 },
    height: { step: 13 },
    data: { values: cells },
    mark: { type: 'rect', tooltip: true },
    encoding: {
      x: { field: 'a', type: 'nominal', sort: features, title: null, axis: { labelAngle: -60, labelFontSize: 10 } },
      y: { field: 'b', type: 'nominal', sort: features, title: null, axis: { labelFontSize: 10 } },
      color: { field: 'r', type: 'quantitative', scale: { domain: [-1, 1], scheme: 'redblue', reverse: true }, legend: { title: 'r' } },
      tooltip: [
        { field: 'a', type: 'nominal', title: 'feature' },
        { field: 'b', type: 'nominal', title: 'with' },
        { field: 'r', type: 'quantitative', format: '.3f' },
      ],
    },
  } as TopLevelSpec;
}
