/**
 * Every chart of the report, declared once: its id (also the file name under `--charts`), the
 * section it belongs to, its vega-lite spec built from the report data, and a caption that says how
 * to read it with the numbers that matter. The dashboard builds the same specs from its queries.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ReportData } from '../data.ts';
import { chosenOutsideSweep, elbowSpec, silhouetteSpec } from './model.ts';
import { clusterSizesSpec, pcaSpec } from './clusters.ts';
import { scoreByClusterSpec, scoreHistogramSpec } from './scores.ts';
import { bytesSpec, correlationSpec, distributionSpec, serviceFlagSpec, timelineSpec } from './traffic.ts';
import { associationSpec, confusionSpec, detectionRateSpec, prSpec, rocSpec } from './labels.ts';

export type SectionId = 'run' | 'model' | 'clusters' | 'scores' | 'traffic' | 'labels';

export interface ChartDef {
  id: string;
  section: SectionId;
  /** null when the data for it is absent (the report says why instead). */
  spec(d: ReportData): TopLevelSpec | null;
  caption(d: ReportData): string;
  /** Why the chart is missing, when spec() returns null. */
  absent?(d: ReportData): string;
  /** The static (no-JavaScript) view as a PNG: for thousands of marks it is a fraction of the SVG. */
  staticPng?: boolean;
}

export const int = (v: number): string => Math.round(v).toLocaleString('en-US');
export const pct = (a: number, b: number): string => (b ? `${((100 * a) / b).toFixed(1)} %` : '0.0 %');
export const f3 = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : String(v));
export const f4 = (v: number): string => (Number.isFinite(v) ? v.toFixed(4) : String(v));
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

export const CHARTS: ChartDef[] = [
  {
    id: 'roc',
    section: 'run',
    spec: (d) => (d.labels ? rocSpec(d.labels.roc, { x: d.labels.metrics.fpr, y: d.labels.metrics.recall }) : null),
    caption: (d) => {
      const m = d.labels!.metrics;
      return `Each point is a threshold on anomaly_score: the share of attacks caught (up) against the share of normal flows flagged (right). ROC-AUC ${f4(m.rocAuc)} (1 = perfect ranking, 0.5 = chance). The red dot is the model's threshold: recall ${f3(m.recall)} at false-positive rate ${f3(m.fpr)}.`;
    },
    absent: () => 'No ground-truth labels in the scored flows: ROC, precision–recall and the confusion matrix need them (label the flows with `flowsift flows --labels` or `flowsift label`).',
  },
  {
    id: 'pr',
    section: 'run',
    spec: (d) => (d.labels ? prSpec(d.labels.pr, { x: d.labels.metrics.recall, y: d.labels.metrics.precision }) : null),
    caption: (d) => {
      const m = d.labels!.metrics;
      return `Precision (share of flagged flows that are attacks) against recall as the threshold moves; better curves hug the top right. PR-AUC (average precision) ${f4(m.prAuc)}; at the model's threshold precision ${f3(m.precision)}, recall ${f3(m.recall)}, F1 ${f3(m.f1)}. Attacks are ${pct(m.positives, m.n)} of the labeled flows: a random ranking would score that.`;
    },
  },
  {
    id: 'confusion',
    section: 'run',
    spec: (d) => {
      if (!d.labels) return null;
      const c = d.labels.metrics.confusion;
      return confusionSpec([
        { actual: 'attack', predicted: 'flagged', count: c.tp },
        { actual: 'attack', predicted: 'passed', count: c.fn },
        { actual: 'normal', predicted: 'flagged', count: c.fp },
        { actual: 'normal', predicted: 'passed', count: c.tn },
      ]);
    },
    caption: (d) => {
      const c = d.labels!.metrics.confusion;
      return `Rows are the ground truth, columns the model's decision. ${int(c.tp)} attack flows flagged (true positives), ${int(c.fn)} missed; ${int(c.fp)} normal flows flagged (false positives), ${int(c.tn)} passed. Accuracy ${f3(d.labels!.metrics.accuracy)}.`;
    },
  },
  {
    id: 'elbow',
    section: 'model',
    spec: (d) => (d.kChoice.curve.length ? elbowSpec(d.kChoice) : null),
    caption: (d) => {
      const s = d.run.sweep!;
      const out = chosenOutsideSweep(d.kChoice);
      return `Inertia (sum of squared distances of the training flows to their centroid) for each k of the sweep ${s.kMin}–${s.kMax}; it always falls as k grows, and the knee — where adding clusters stops paying — is at k = ${s.elbowK}. The dashed red line is the model's k = ${d.run.k}${out ? `, outside the sweep (${d.run.kMethod === 'fixed' ? 'k was fixed' : `chosen by ${d.run.kMethod}`}; the axis is extended to show it)` : ` (${d.run.kMethod === 'fixed' ? 'fixed' : `chosen by ${d.run.kMethod}`})`}. Sweep fitted on ${int(s.sampleSize)} training flows.`;
    },
    absent: (d) => `This model has no k sweep (it was trained with k = ${d.run.k} fixed and the sweep skipped), so there is no elbow or silhouette curve. Train with \`--k auto\` (or ask train for the sweep) to see them.`,
  },
  {
    id: 'silhouette',
    section: 'model',
    spec: (d) => (d.kChoice.curve.length ? silhouetteSpec(d.kChoice) : null),
    caption: (d) => {
      const s = d.run.sweep!;
      const best = d.kChoice.curve.find((p) => p.k === s.silhouetteK);
      return `Mean silhouette for each k (−1 … 1: how much closer each flow is to its own cluster than to the next one; higher is better), on a sample of ${int(s.silhouetteSampleSize)} flows. Best at k = ${s.silhouetteK}${best ? ` (${f3(best.silhouette)})` : ''}; the model uses k = ${d.run.k}${chosenOutsideSweep(d.kChoice) ? ', outside the sweep' : ''}.`;
    },
  },
  {
    id: 'pca',
    section: 'clusters',
    staticPng: true,
    spec: (d) => (d.pca ? pcaSpec(d.pca.points, d.pca.centroids, { explained: d.pca.explained }) : null),
    caption: (d) => {
      const p = d.pca!;
      const ev = p.explained ? ` The two axes hold ${((p.explained[0] + p.explained[1]) * 100).toFixed(1)} % of the variance of the encoded features, so clusters that overlap here may be apart in the full space.` : '';
      if (p.source === 'model') return `Training flows projected on the model's first two principal components, coloured by cluster; crosses are centroids. ${int(p.shown)} of ${int(p.total)} training flows shown (the sample stored in the model): the scored flows carry no PCA coordinates (score with --pca).${ev}`;
      const sampled = p.shown < p.total;
      return `Scored flows projected on the model's first two principal components, coloured by cluster; anomalies are ringed in red, crosses are centroids. Drag to pan, scroll to zoom, hover for the flow. ${sampled ? `Sampled: ${int(p.shown)} of ${int(p.total)} flows shown — ${p.anomaliesShown === p.anomaliesTotal ? `all ${int(p.anomaliesTotal)} anomalies` : `${int(p.anomaliesShown)} of ${int(p.anomaliesTotal)} anomalies (the most anomalous first, then evenly)`} and an even sample of the normal flows.` : `All ${int(p.total)} flows shown (${int(p.anomaliesTotal)} anomalies).`}${ev}`;
    },
    absent: () => 'The model holds no PCA projection and the scored flows carry no PCA coordinates.',
  },
  {
    id: 'cluster-sizes',
    section: 'clusters',
    spec: (d) => clusterSizesSpec(d.clusters),
    caption: (d) => {
      const used = d.clusters.filter((c) => c.flows > 0);
      const big = [...used].sort((a, b) => b.flows - a.flows)[0];
      const worst = [...used].sort((a, b) => b.anomalies - a.anomalies)[0];
      return `Scored flows per cluster, the anomalous ones in red. ${used.length} of the model's ${d.run.k} clusters received flows; the largest is cluster ${big?.cluster} (${int(big?.flows ?? 0)} flows)${worst && worst.anomalies > 0 ? `, and cluster ${worst.cluster} holds the most anomalies (${int(worst.anomalies)})` : ''}. A cluster that is mostly red is traffic the training data had little of.`;
    },
  },
  {
    id: 'score-histogram',
    section: 'scores',
    spec: (d) => scoreHistogramSpec(d.scoreHist.bins, d.scoreHist.groups, d.scoreHist.colors),
    caption: (d) => {
      const h = d.scoreHist;
      return `anomaly_score = distance to the nearest centroid ÷ that cluster's threshold, so the dashed line at 1 is the threshold (${d.run.threshold.spec}, ${d.run.threshold.scope}: distance ${f3(d.run.threshold.global)}). ${int(h.above)} of ${int(d.run.flows)} flows (${pct(h.above, d.run.flows)}) lie right of it; the median score is ${f3(h.median)} and the largest ${f3(h.max)}. Both axes are logarithmic.${d.labels ? ' Colours are the ground truth: red bars left of the line are missed attacks, blue bars right of it false alarms.' : ''}`;
    },
  },
  {
    id: 'score-by-cluster',
    section: 'scores',
    spec: (d) => scoreByClusterSpec(d.scoreByCluster),
    caption: (d) => {
      const over = d.scoreByCluster.filter((c) => c.p50 > 1);
      return `For each cluster: the line spans the lowest to the highest anomaly_score, the bar the middle half (25th–75th percentile), the black tick the median; the dashed line is the threshold. ${over.length ? `${over.length} cluster${over.length > 1 ? 's have their' : ' has its'} median above the threshold (${over.slice(0, 8).map((c) => c.cluster).join(', ')}${over.length > 8 ? ', …' : ''}): whole groups of flows unlike the training data.` : 'No cluster has its median above the threshold: anomalies are individual flows at the edge of their clusters.'}`;
    },
  },
  {
    id: 'timeline',
    section: 'traffic',
    spec: (d) => (d.timeline ? timelineSpec(d.timeline.buckets, d.timeline.bucketLabel) : null),
    caption: (d) => {
      const t = d.timeline!;
      return `Flows (blue) and anomalous flows (red) by start time, one step per ${t.bucketLabel}; drag to pan, scroll to zoom. Busiest ${t.bucketLabel}: ${int(t.peak.flows)} flows from ${iso(t.peak.t)}${t.peakAnomalies.anomalies > 0 ? `; most anomalies: ${int(t.peakAnomalies.anomalies)} from ${iso(t.peakAnomalies.t)}` : ''}.`;
    },
    absent: () => 'The scored flows carry no timestamps (KDD-style tables have none), so there is no timeline.',
  },
  {
    id: 'bytes',
    section: 'traffic',
    spec: (d) => (d.timeline?.bytes ? bytesSpec(d.timeline.buckets, d.timeline.bucketLabel) : null),
    caption: (d) => {
      const b = d.timeline!.buckets;
      const src = b.reduce((t, x) => t + (x.srcBytes ?? 0), 0);
      const dst = b.reduce((t, x) => t + (x.dstBytes ?? 0), 0);
      return `Data bytes sent by the flows' originators (src_bytes, out) and by their responders (dst_bytes, in) per ${d.timeline!.bucketLabel}, by flow start: ${int(src)} bytes out and ${int(dst)} bytes in over the capture. A flow's bytes count in the bucket where it started. A spike of outbound bytes alone is what exfiltration looks like.`;
    },
    absent: () => 'Bytes per flow are not in the scored records: give the flows (`--flows <capture|dataset>`, or run `analyze --report`) to see bytes over time.',
  },
  {
    id: 'protocol',
    section: 'traffic',
    spec: (d) => distributionSpec(d.protocols, 'protocol_type'),
    caption: (d) => `Flows per protocol (symlog axis), anomalous part in red: ${d.protocols.map((p) => `${p.value} ${int(p.flows)} (${int(p.anomalies)} anomalous)`).join(', ')}.`,
  },
  {
    id: 'service',
    section: 'traffic',
    spec: (d) => distributionSpec(d.services, 'service'),
    caption: (d) => {
      const top = d.services[0];
      const worst = [...d.services].sort((a, b) => b.anomalies - a.anomalies)[0];
      return `Flows per KDD service (port-based names; the ${d.services.length > 25 ? 25 : d.services.length} most common${d.services.some((s) => s.value.startsWith('(other')) ? ', the rest summed' : ''}), anomalous part in red. Most common: ${top?.value} (${int(top?.flows ?? 0)} flows); most anomalies: ${worst?.value} (${int(worst?.anomalies ?? 0)}).`;
    },
  },
  {
    id: 'flag',
    section: 'traffic',
    spec: (d) => distributionSpec(d.flags, 'flag'),
    caption: (d) => {
      const get = (f: string): number => d.flags.find((x) => x.value === f)?.flows ?? 0;
      const failed = ['S0', 'REJ', 'RSTO', 'RSTR', 'RSTOS0', 'SH', 'RSTRH', 'SHR'].reduce((t, f) => t + get(f), 0);
      return `Flows per connection state (Zeek conn_state; UDP and ICMP are SF): SF = normal establishment and close, S0 = no reply to the SYN, REJ = rejected, RSTO/RSTR = reset by originator/responder, S1 = established, not closed. ${int(get('SF'))} SF flows; ${int(failed)} (${pct(failed, d.run.flows)}) failed or reset (S0, REJ, RST*, SH*) — scans and floods show up here.`;
    },
  },
  {
    id: 'service-flag',
    section: 'traffic',
    spec: (d) => serviceFlagSpec(d.serviceFlag),
    caption: (d) => {
      const hot = [...d.serviceFlag].sort((a, b) => b.anomalies - a.anomalies)[0];
      return `How each service's connections ended: colour = flows in the cell (log scale), red ring = the cell holds anomalies (larger = larger anomalous share). ${hot && hot.anomalies > 0 ? `The cell with the most anomalies is ${hot.service} × ${hot.flag}: ${int(hot.anomalies)} of ${int(hot.flows)} flows.` : 'No cell holds anomalies.'}`;
    },
  },
  {
    id: 'correlation',
    section: 'traffic',
    spec: (d) => (d.correlation ? correlationSpec(d.correlation.cells, d.correlation.features) : null),
    caption: (d) => {
      const c = d.correlation!;
      return `Pearson correlation between the numeric features over ${int(c.rows)} flows (red = rise together, blue = one rises as the other falls). Strongest pairs: ${c.strongest.map((x) => `${x.a} ~ ${x.b} ${x.r.toFixed(2)}`).join('; ')}. Strongly correlated features count twice in the distance; ${c.dropped.length ? `${c.dropped.length} constant features are left out (${c.dropped.slice(0, 12).join(', ')}${c.dropped.length > 12 ? ', …' : ''}).` : 'no feature was constant.'}`;
    },
    absent: () => 'The correlation matrix needs every numeric feature of the flows, which the scored records do not carry: give the flows (`--flows <capture|dataset>`, or run `analyze --report`).',
  },
  {
    id: 'detection-by-label',
    section: 'labels',
    spec: (d) => (d.labels ? detectionRateSpec(d.labels.perLabel, 'label') : null),
    caption: (d) => {
      const l = d.labels!;
      const attacks = l.perLabel.filter((x) => !x.normal);
      const normal = l.perLabel.find((x) => x.normal);
      return `Share of each ground-truth label the model flagged (with counts). For attacks it is the detection rate: ${attacks.map((x) => `${x.name} ${x.detected}/${x.total}`).join(', ')}. ${normal ? `For ${normal.name} traffic it is the false-positive rate: ${normal.detected}/${normal.total} (${pct(normal.detected, normal.total)}).` : ''}`;
    },
  },
  {
    id: 'detection-by-category',
    section: 'labels',
    spec: (d) => (d.labels ? detectionRateSpec(d.labels.perCategory, 'category') : null),
    caption: (d) => `The same by attack category (KDD: dos, probe, r2l, u2r; the generator's labels map to these): ${d.labels!.perCategory.map((x) => `${x.name} ${pct(x.detected, x.total)}`).join(', ')}.`,
  },
  {
    id: 'association',
    section: 'labels',
    spec: (d) => (d.labels && d.labels.association.length ? associationSpec(d.labels.association) : null),
    caption: (d) => {
      const a = d.labels!.association;
      return `Pearson's chi-square test of independence between each categorical feature and the label (all labels as classes), with Cramér's V as the effect size: ${a.map((x) => `${x.feature} χ² = ${x.chi2.toFixed(1)}, ${x.dof} df, p ${x.p < 1e-300 ? '< 1e-300' : `= ${x.p.toExponential(2)}`}, V = ${x.cramersV.toFixed(3)}`).join('; ')}. A tiny p-value says the feature and the label are not independent; V says how strongly. ${a.some((x) => x.sparseCells / Math.max(1, x.cells) > 0.2) ? 'Many expected counts are below 5 in some tables (see the table below): read their p-values as rough.' : ''}`;
    },
  },
];

export function chartById(id: string): ChartDef | undefined {
  return CHARTS.find((c) => c.id === id);
}
