/**
 * The page shell every dashboard page shares: header with the analysis name, the navigation, a
 * strict Content-Security-Policy (scripts only from this server, no eval: vega runs its expression
 * interpreter), and the small client script. Every value from the data goes through hono/html's
 * escaping: uids, service names and labels come from captures an attacker may have shaped.
 */
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** Scripts and styles only from this origin; charts draw to canvas/SVG (data: images for downloads). */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // vega-embed and vega-tooltip set style attributes on the elements they draw
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export type NavId = 'overview' | 'incidents' | 'flows' | 'model' | 'analyze' | 'login' | 'none';

const NAV: { id: NavId; href: string; title: string }[] = [
  { id: 'overview', href: '/', title: 'Overview' },
  { id: 'incidents', href: '/incidents', title: 'Incidents' },
  { id: 'flows', href: '/flows', title: 'Flows' },
  { id: 'model', href: '/model', title: 'Model' },
  { id: 'analyze', href: '/analyze', title: 'Analyze' },
];

export interface PageOptions {
  title: string;
  nav: NavId;
  /** The analysis the page shows (kept in every navigation link). */
  analysis?: { name: string; names: string[]; keep: boolean };
  /** Load vega, vega-lite and vega-embed (pages with charts). */
  charts?: boolean;
  /** vega-lite specs by chart id, drawn into elements with data-chart="id". */
  specs?: Record<string, unknown>;
  /** Shown under the title. */
  sub?: Html | string;
}

/** JSON safe inside a <script type="application/json"> element. */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** A link to `path` that keeps the chosen analysis. */
export function href(path: string, analysis: PageOptions['analysis'], params?: URLSearchParams): string {
  const q = new URLSearchParams(params);
  if (analysis?.keep && !q.has('analysis')) q.set('analysis', analysis.name);
  const s = q.toString();
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path;
}

export function page(o: PageOptions, body: Html): Html {
  const nav = NAV.map((n) => html`<a href="${href(n.href, o.analysis)}"${n.id === o.nav ? raw(' aria-current="page"') : ''}>${n.title}</a>`);
  const a = o.analysis;
  const picker = a && a.names.length > 1
    ? html`<form class="analysis" method="get" action="/"><label>analysis <select name="analysis" data-autosubmit>${a.names.map((n) => html`<option${n === a.name ? raw(' selected') : ''}>${n}</option>`)}</select></label><noscript><button>open</button></noscript></form>`
    : a ? html`<span class="analysis" title="analysis">${a.name}</span>` : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · flowsift</title>
<link rel="icon" href="/favicon.ico">
<link rel="stylesheet" href="/assets/app.css">
${o.charts ? raw('<script src="/assets/vendor/vega.min.js" defer></script>\n<script src="/assets/vendor/vega-lite.min.js" defer></script>\n<script src="/assets/vendor/vega-embed.min.js" defer></script>') : ''}
<script src="/assets/app.js" defer></script>
</head>
<body data-page="${o.nav}">
<header class="top"><a class="brand" href="${href('/', o.analysis)}">flowsift</a>${o.nav === 'login' ? '' : html`<nav>${nav}</nav>${picker}
<form class="search" method="get" action="/search" role="search">${a?.keep ? html`<input type="hidden" name="analysis" value="${a.name}">` : ''}<input name="q" type="search" placeholder="IP, CIDR, uid, Community ID, port" aria-label="search flows"></form>`}</header>
<main>
<h1>${o.title}</h1>${o.sub ? html`<p class="sub">${o.sub}</p>` : ''}
${body}
</main>
${o.specs ? html`<script type="application/json" id="chart-specs">${raw(scriptJson(o.specs))}</script>` : ''}
</body>
</html>`;
}
