/**
 * A chart's place in a page: the client script (assets/app.js) finds each `data-chart` element and
 * draws the vega-lite spec of the same id (from the page's chart-specs JSON) with vega-embed.
 */
import { html } from 'hono/html';
import type { Html } from './layout.ts';

export function figure(id: string, caption: string, cls = ''): Html {
  return html`<figure class="chart ${cls}" id="chart-${id}"><div class="vis" data-chart="${id}"><p class="loading">drawing the chart…</p></div><figcaption>${caption}</figcaption></figure>`;
}
