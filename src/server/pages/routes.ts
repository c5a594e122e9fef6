/**
 * The dashboard's pages: `pagesApp(deps)` is a Hono app with the HTML routes (/, /incidents,
 * /flows, /flows/:uid, /model, /analyze, /login, /search) and the static assets (/assets/*: the
 * stylesheet and client script, and vega, vega-lite and vega-embed straight from node_modules —
 * nothing from a CDN). A page that fails renders an HTML error with the status the API would give.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { FlowsiftError } from '../../errors.ts';
import type { PageAnalysis, PagesDeps } from './deps.ts';
import { CSP, page, type Html, type NavId, type PageOptions } from './layout.ts';
import { overviewPage } from './overview.ts';
import { incidentsPage } from './incidents.ts';
import { flowsPage } from './flows.ts';
import { flowPage } from './flow.ts';
import { modelPage } from './model.ts';
import { analyzeBody, loginBody } from './forms.ts';

const require = createRequire(import.meta.url);
const ASSETS = fileURLToPath(new URL('../assets/', import.meta.url));

/** A package's folder (its `exports` hide the build files from require.resolve). */
function packageDir(name: string): string {
  let dir = dirname(require.resolve(name));
  for (;;) {
    try {
      if (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name === name) return dir;
    } catch {
      // no package.json here: keep climbing
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the folder of package ${name}`);
    dir = up;
  }
}

const VENDOR: Record<string, [string, string]> = {
  'vega.min.js': ['vega', 'build/vega.min.js'],
  'vega-lite.min.js': ['vega-lite', 'build/vega-lite.min.js'],
  'vega-embed.min.js': ['vega-embed', 'build/vega-embed.min.js'],
};
const OWN: Record<string, string> = { 'app.css': 'text/css; charset=utf-8', 'app.js': 'text/javascript; charset=utf-8' };

const cache = new Map<string, string>();
function asset(key: string, load: () => string): string {
  let s = cache.get(key);
  if (s === undefined) {
    s = load();
    cache.set(key, s);
  }
  return s;
}

const FAVICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#17202b"/><path d="M3 11l3-4 3 2 4-6" stroke="#e4572e" stroke-width="2" fill="none"/></svg>';

/** An error a page shows: the status the API would answer and its one-line message. */
function statusOf(e: unknown): { status: ContentfulStatusCode; message: string } {
  const any = e as { status?: unknown; message?: unknown };
  if (typeof any?.status === 'number' && any.status >= 400 && any.status < 600) return { status: any.status as ContentfulStatusCode, message: String(any.message ?? '') };
  if (e instanceof FlowsiftError) return { status: e.exitCode === 2 || e.exitCode === 3 ? 400 : 500, message: e.message };
  return { status: 500, message: `internal error: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}` };
}

export function pagesApp(deps: PagesDeps): Hono {
  const app = new Hono();

  app.get('/assets/vendor/:file', (c) => {
    const v = VENDOR[c.req.param('file')];
    if (!v) return c.text('404 Not Found', 404);
    const js = asset(v[1], () => readFileSync(join(packageDir(v[0]), v[1]), 'utf8').replace(/\/\/# sourceMappingURL=\S*\s*$/, ''));
    return c.body(js, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=86400' });
  });
  app.get('/assets/:file', (c) => {
    const f = c.req.param('file');
    const type = OWN[f];
    if (!type) return c.text('404 Not Found', 404);
    return c.body(asset(f, () => readFileSync(join(ASSETS, f), 'utf8')), 200, { 'content-type': type, 'cache-control': 'no-cache' });
  });
  app.get('/favicon.ico', (c) => c.body(FAVICON, 200, { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400' }));

  /** Render a page: the chosen analysis, the shell, the CSP header; errors as an HTML page. */
  const render = async (c: Context, nav: NavId, build: (an: PageAnalysis, opts: PageOptions['analysis'], q: URLSearchParams) => Promise<{ title?: string; body: Html; sub?: Html | string; specs?: Record<string, unknown>; status?: ContentfulStatusCode } | undefined>): Promise<Response> => {
    c.header('Content-Security-Policy', CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'same-origin');
    const q = new URL(c.req.url).searchParams;
    // empty fields of a GET form are no filter: drop them so the URL stays the filter
    if ([...q].some(([, v]) => v === '')) {
      const n = new URLSearchParams([...q].filter(([, v]) => v !== ''));
      const s = n.toString();
      return c.redirect(`${c.req.path}${s ? `?${s}` : ''}`, 302);
    }
    const name = q.get('analysis') ?? undefined;
    let opts: PageOptions['analysis'];
    try {
      const an = await deps.analysis(name);
      if (!an) {
        const body = html`<p class="absent">No analysis is served yet. <a href="/analyze">Upload a capture</a> to analyze one, or start <code>flowsift serve</code> with an analysis directory (the output of <code>flowsift analyze --out-dir</code>).</p>`;
        return c.html(page({ title: 'No analysis yet', nav }, body), 200);
      }
      opts = { name: an.name, names: deps.analysisNames(), keep: name !== undefined };
      const out = await build(an, opts, q);
      if (!out) return c.html(page({ title: 'Not found', nav, analysis: opts }, html`<p class="error">Nothing here: ${c.req.path}</p>`), 404);
      const title = out.title ?? ({ overview: 'Overview', incidents: 'Incidents', flows: 'Flows', model: 'Model', analyze: 'Analyze', login: 'Log in', none: '' } as Record<NavId, string>)[nav];
      return c.html(page({ title, nav, analysis: opts, sub: out.sub, charts: !!out.specs && Object.keys(out.specs).length > 0, specs: out.specs }, out.body), out.status ?? 200);
    } catch (e) {
      const { status, message } = statusOf(e);
      return c.html(page({ title: status === 404 ? 'Not found' : status < 500 ? 'Bad request' : 'Error', nav, analysis: opts }, html`<p class="error" role="alert">${message}</p><p><a href="${c.req.path}">back without parameters</a></p>`), status);
    }
  };

  app.get('/', (c) => render(c, 'overview', (an, a) => overviewPage(an, a)));
  app.get('/incidents', (c) => render(c, 'incidents', (an, a, q) => incidentsPage(an, deps, q, a)));
  app.get('/flows', (c) => render(c, 'flows', (an, a, q) => flowsPage(an, q, a, deps.maxPage)));
  app.get('/flows/:uid', (c) => render(c, 'flows', (an, a) => flowPage(an, c.req.param('uid'), a, (r) => deps.pcapAvailable(an.name, r))));
  app.get('/model', (c) => render(c, 'model', (an, a) => modelPage(an, a)));

  app.get('/analyze', async (c) => {
    c.header('Content-Security-Policy', CSP);
    const names = deps.analysisNames();
    const body = analyzeBody(deps.maxUpload, deps.jobs?.() ?? []);
    return c.html(page({ title: 'Analyze a capture', nav: 'analyze', analysis: names.length ? { name: names[0]!, names, keep: false } : undefined, sub: 'Upload a capture: flowsift analyzes it and adds it to the analyses this server shows.' }, body));
  });

  app.get('/login', (c) => {
    c.header('Content-Security-Policy', CSP);
    const next = c.req.query('next');
    const safe = next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
    return c.html(page({ title: 'Log in', nav: 'login' }, loginBody(safe, c.req.query('error') !== undefined, deps.tokenRequired)), c.req.query('error') !== undefined ? 401 : 200);
  });

  /** The header's search box: an address or CIDR, a port, a uid or a Community ID. */
  app.get('/search', async (c) => {
    const q = (c.req.query('q') ?? '').trim();
    const name = c.req.query('analysis');
    const keep = name ? `analysis=${encodeURIComponent(name)}&` : '';
    const to = (path: string, key?: string, v?: string): Response => c.redirect(key ? `${path}?${keep}${key}=${encodeURIComponent(v!)}` : `${path}${keep ? `?${keep.slice(0, -1)}` : ''}`, 302);
    if (!q) return to('/flows');
    if (/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(q) && (q.includes('.') || q.includes(':'))) return to('/flows', 'addr', q);
    if (/^\d{1,5}$/.test(q)) return to('/flows', 'port', q);
    const an = await deps.analysis(name).catch(() => undefined);
    if (an) {
      const r = await an.store.query(`SELECT uid FROM scores WHERE uid = $1 OR ${an.store.views.find((v) => v.name === 'scores')?.columns.some((x) => x.name === 'community_id') ? 'community_id = $1' : 'false'} LIMIT 1`, [q]);
      const uid = r.rows[0]?.uid;
      if (typeof uid === 'string') return to(`/flows/${encodeURIComponent(uid)}`);
    }
    return to('/flows', 'service', q);
  });

  return app;
}
