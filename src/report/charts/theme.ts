/**
 * Shared look of every chart: sizes, colours and a config block. Fonts are named, not loaded: the
 * browser uses its own sans-serif, and the PNG renderer (render.ts) is handed DejaVu Sans explicitly.
 */
import type { Config } from 'vega-lite';

export const WIDTH = 520;
export const HEIGHT = 260;

export const COLOR = {
  normal: '#4c78a8',
  anomaly: '#d62728',
  threshold: '#d62728',
  chosen: '#e45756',
  muted: '#9aa5b1',
  srcBytes: '#4c78a8',
  dstBytes: '#f58518',
  incident: '#ff7f0e',
} as const;

export const FONT = 'DejaVu Sans, Verdana, Helvetica, Arial, sans-serif';

export const CONFIG: Config = {
  font: FONT,
  background: 'white',
  padding: 8,
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e9ee' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 420 },
  title: { fontSize: 14, anchor: 'start' },
};

/** d3-format for counts and bytes. */
export const COUNT_FMT = ',d';
