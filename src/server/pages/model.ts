/**
 * The model: how k was chosen (elbow and silhouette over the sweep), the scored flows in the PCA
 * plane, the score histogram and the spread per cluster — the report's own chart definitions
 * (src/report/charts/), fed from DuckDB queries instead of the report's single pass — and the
 * cluster table (size, anomalies, threshold, what sets each apart).
 */
import { html } from 'hono/html';
import type { PageAnalysis } from './deps.ts';
import { href, type Html, type PageOptions } from './layout.ts';
import { f3, int } from './format.ts';
import { figure } from './charts.ts';
import { clusterRows, has, pcaSample, scoreBins, scoreByCluster, summary } from './queries.ts';
import { elbowSpec, silhouetteSpec } from '../../report/charts/model.ts';
import { clusterSizesSpec, pcaSpec } from '../../report/charts/clusters.ts';
import { scoreByClusterSpec, scoreHistogramSpec } from '../../report/charts/scores.ts';
import type { KChoice } from '../../report/charts/types.ts';
import { RawTable } from '../../model/encode.ts';
import { Scorer } from '../../model/score.ts';
import { describeDetector } from '../../model/model-file.ts';

export async function modelPage(an: PageAnalysis, a: PageOptions['analysis']): Promise<{ body: Html; specs: Record<string, unknown>; sub: string }> {
  const m = an.model;
  const store = an.store;
  const s = await summary(store);
  const specs: Record<string, unknown> = {};
  const figs: Html[] = [];
  const notes: Html[] = [];
  if (m) {
    const ks = m.kSelection;
    const kc: KChoice = { curve: ks.curve, chosen: m.kmeans.k, method: ks.method, elbowK: ks.curve.length ? ks.elbowK : undefined, silhouetteK: ks.curve.length ? ks.silhouetteK : undefined };
    if (ks.curve.length) {
      specs.elbow = elbowSpec(kc);
      specs.silhouette = silhouetteSpec(kc);
      figs.push(figure('elbow', `Inertia for each k of the sweep; the knee is at k = ${ks.elbowK}. The dashed red line is the model's k = ${m.kmeans.k}.`));
      figs.push(figure('silhouette', `Mean silhouette (sampled, ${int(ks.silhouetteSampleSize)} flows) for each k: best at k = ${ks.silhouetteK}.`));
    } else {
      notes.push(html`<p class="absent">This model has no k sweep (k = ${m.kmeans.k} was fixed), so there are no elbow or silhouette curves.</p>`);
    }
  }
  const pca = await pcaSample(store);
  if (pca) {
    const centroids = (m?.pca?.centroids ?? []).map(([x, y], cluster) => ({ x, y, cluster }));
    const ev = m?.pca && m.pca.explainedVariance.length >= 2 ? ([m.pca.explainedVariance[0]!, m.pca.explainedVariance[1]!] as [number, number]) : undefined;
    specs.pca = pcaSpec(pca.points, centroids, { explained: ev });
    const sampled = pca.points.length < pca.total;
    figs.push(figure('pca', `Scored flows on the model's first two principal components, coloured by cluster; anomalies ringed in red, centroids as crosses. ${sampled ? `Sampled: ${int(pca.points.length)} of ${int(pca.total)} flows — ${int(pca.anomaliesShown)} of ${int(pca.anomaliesTotal)} anomalies (at most a quarter of the points, the most anomalous first) and an even sample of the normal flows.` : `All ${int(pca.total)} flows.`} Drag to pan, scroll to zoom.`, 'tall'));
  } else {
    notes.push(html`<p class="absent">The scored flows carry no PCA coordinates (pca_x, pca_y).</p>`);
  }
  const labeled = s.labeled > 0 && has(store, 'scores', 'label');
  const hist = await scoreBins(store, labeled);
  specs['score-histogram'] = scoreHistogramSpec(hist.bins, hist.groups, hist.colors);
  figs.push(figure('score-histogram', `anomaly_score = distance ÷ the cluster's threshold, so the dashed line at 1 is the threshold. ${int(hist.above)} of ${int(s.flows)} flows lie right of it; median ${f3(hist.median)}, largest ${f3(hist.max)}. Both axes are logarithmic.${labeled ? ' Colours are the ground truth.' : ''}`));
  const cl = await clusterRows(store);
  specs['cluster-sizes'] = clusterSizesSpec(cl);
  figs.push(figure('cluster-sizes', `Scored flows per cluster, the anomalous ones in red: ${cl.length} clusters received flows.`));
  const sbc = await scoreByCluster(store);
  specs['score-by-cluster'] = scoreByClusterSpec(sbc);
  figs.push(figure('score-by-cluster', 'Per cluster: the line spans the lowest to the highest score, the bar the middle half, the tick the median; the dashed line is the threshold.'));

  let facts: Html = html`<p class="absent">No model.json beside this analysis: the curves and the cluster profiles need it.</p>`;
  let table: Html = html``;
  if (m) {
    const t = new RawTable(m.preprocessing.numeric.map((c) => c.name), m.preprocessing.categorical.map((c) => c.name));
    const prof = new Scorer(m, t).profiles(2);
    const byC = new Map(cl.map((c) => [c.cluster, c]));
    facts = html`<dl class="facts">
<dt>detector</dt><dd>${describeDetector(m)}</dd>
<dt>clusters</dt><dd>k = ${m.kmeans.k} (${m.kSelection.method === 'fixed' ? 'fixed' : `chosen by ${m.kSelection.method}`}${m.kSelection.curve.length ? `; sweep ${Math.min(...m.kSelection.curve.map((p) => p.k))}–${Math.max(...m.kSelection.curve.map((p) => p.k))}` : ''})</dd>
<dt>threshold</dt><dd>${m.thresholds.spec} of the training distances, ${m.thresholds.rule.scope}: distance ${f3(m.thresholds.global)}</dd>
<dt>features</dt><dd>${m.features.length}: ${m.preprocessing.numeric.length} numeric (log1p + z-score), ${m.preprocessing.categorical.map((c) => `${c.name} (${c.values.length} values)`).join(', ')} one-hot</dd>
<dt>trained on</dt><dd>${m.training.sources.join(', ')}: ${int(m.training.rows)} of ${int(m.training.rowsRead)} flows${m.training.trainOn ? ` labeled ${m.training.trainOn}` : ''}; fitted on ${int(m.training.fitRows)} (seed ${m.training.seed}, ${m.training.nInit} restarts, ${m.training.iterations} iterations${m.training.converged ? ', converged' : ''})</dd>
<dt>scored here</dt><dd>${int(s.flows)} flows, ${int(s.anomalies)} anomalous</dd>
</dl>`;
    table = html`<h2>Clusters</h2><div class="tablewrap"><table class="compact"><thead><tr><th class="num">cluster</th><th class="num">flows</th><th class="num">anomalies</th><th class="num">training flows</th><th class="num">threshold</th><th>what sets it apart (centroid vs all)</th></tr></thead><tbody>
${m.kmeans.clusterSizes.map((size, j) => {
  const c = byC.get(j);
  const q = new URLSearchParams({ cluster: String(j) });
  const qa = new URLSearchParams({ cluster: String(j), anomaly: '1' });
  return html`<tr><td class="num"><a href="${href('/flows', a, q)}">${j}</a></td><td class="num">${int(c?.flows ?? 0)}</td><td class="num">${c?.anomalies ? html`<a class="anom" href="${href('/flows', a, qa)}">${int(c.anomalies)}</a>` : '0'}</td><td class="num">${int(size)}</td><td class="num">${f3(m.thresholds.perCluster[j] ?? m.thresholds.global)}</td><td>${prof[j] ?? ''}</td></tr>`;
})}
</tbody></table></div>`;
  }
  // two charts a row at 1280 px: the report's specs at a narrower plot width (the same charts)
  for (const k of Object.keys(specs)) specs[k] = { ...(specs[k] as object), width: 400 };
  const body = html`${facts}${notes}<div class="grid">${figs}</div>${table}`;
  return { body, specs, sub: m ? `${describeDetector(m)}, threshold ${m.thresholds.spec}, created ${m.createdAt.slice(0, 10)}` : 'no model file' };
}
