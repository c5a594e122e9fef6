/**
 * Model choice: the elbow (inertia) and silhouette curves over the k sweep, with the k the model
 * uses marked — also when it lies outside the sweep (the x axis then extends to reach it).
 */
import type { TopLevelSpec } from 'vega-lite';
import type { KChoice } from './types.ts';
import { COLOR, CONFIG, HEIGHT, WIDTH } from './theme.ts';

/** The k range the chart must show: the sweep and the chosen k, with a step of margin. */
export function kDomain(k: KChoice): [number, number] {
  const ks = [...k.curve.map((p) => p.k), k.chosen];
  return [Math.max(1, Math.min(...ks) - 1), Math.max(...ks) + 1];
}

export function chosenOutsideSweep(k: KChoice): boolean {
  if (k.curve.length === 0) return true;
  const ks = k.curve.map((p) => p.k);
  return k.chosen < Math.min(...ks) || k.chosen > Math.max(...ks);
}

function kCurve(k: KChoice, field: 'inertia' | 'silhouette', title: string, yTitle: string, best: number | undefined, bestName: string): TopLevelSpec {
  const outside = chosenOutsideSweep(k);
  const marks: { k: number; text: string; color: string; y: number }[] = [
    { k: k.chosen, text: `k = ${k.chosen} (model${outside ? ', outside the sweep' : ''})`, color: COLOR.chosen, y: 4 },
  ];
  if (best !== undefined && best !== k.chosen) marks.push({ k: best, text: `${bestName} k = ${best}`, color: '#5f6b7a', y: 20 });
  const x = { field: 'k', type: 'quantitative' as const, title: 'k (clusters)', scale: { domain: kDomain(k), nice: false }, axis: { tickMinStep: 1, format: 'd' } };
  return {
    config: CONFIG,
    title,
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values: k.curve },
        mark: { type: 'line', point: true, tooltip: true },
        encoding: { x, y: { field, type: 'quantitative', title: yTitle, scale: { zero: false } } },
      },
      {
        data: { values: marks },
        mark: { type: 'rule', strokeDash: [5, 4], strokeWidth: 2 },
        encoding: { x, color: { field: 'color', type: 'nominal', scale: null }, tooltip: [{ field: 'text', title: 'marked' }] },
      },
      {
        data: { values: marks },
        mark: { type: 'text', align: 'right', dx: -4, dy: 0, angle: 0, baseline: 'top', fontSize: 11 },
        encoding: { x, y: { field: 'y', type: 'quantitative', scale: null }, text: { field: 'text' }, color: { field: 'color', type: 'nominal', scale: null } },
      },
    ],
  } as TopLevelSpec;
}

export function elbowSpec(k: KChoice): TopLevelSpec {
  return kCurve(k, 'inertia', 'Elbow: inertia by k', 'inertia (sum of squared distances)', k.elbowK, 'knee');
}

export function silhouetteSpec(k: KChoice): TopLevelSpec {
  return kCurve(k, 'silhouette', 'Silhouette by k', 'mean silhouette (sampled)', k.silhouetteK, 'best silhouette');
}
