/**
 * The dashboard's pages (serve-ui): `pages(ctx)` is the Hono app app.ts mounts at `/` — the HTML
 * routes and the static assets (routes.ts) over the server's context: its analyses (each store's
 * statements queued as the API queues them), triage state, pcap availability and jobs.
 */
import type { Hono } from 'hono';
import type { Analysis, ServerContext } from '../context.ts';
import type { Param, QueryResult, Store } from '../../store/index.ts';
import { query } from '../queries.ts';
import { pcapAvailable } from '../pcap-route.ts';
import type { PageAnalysis, PagesDeps } from './deps.ts';
import { pagesApp } from './routes.ts';

const wrapped = new WeakMap<Analysis, PageAnalysis>();

/** The analysis as the pages see it: its store's queries go through the API's per-store queue. */
function pageAnalysis(a: Analysis): PageAnalysis {
  let p = wrapped.get(a);
  if (!p) {
    const store: Store = Object.create(a.store, {
      query: { value: (sql: string, params?: readonly Param[]): Promise<QueryResult> => query(a, sql, params ?? []) },
    });
    p = { name: a.name, store, model: a.model, api: a };
    wrapped.set(a, p);
  }
  return p;
}

export function pages(ctx: ServerContext): Hono {
  const deps: PagesDeps = {
    async analysis(name) {
      if (name === undefined && ctx.analyses.list().length === 0) return undefined;
      return pageAnalysis(ctx.analyses.get(name));
    },
    analysisNames: () => ctx.analyses.list().map((a) => a.name).reverse(),
    triage: (name, id) => ctx.analyses.get(name).triage.get(id),
    pcapAvailable: (name) => pcapAvailable(ctx.analyses.get(name)),
    tokenRequired: ctx.auth.token !== undefined,
    maxUpload: ctx.limits.maxUpload,
    maxPage: ctx.limits.maxPage,
    jobs: () => ctx.jobs.list().slice().reverse().map((j) => ({ id: j.id, state: j.state, name: j.capture.name, analysis: j.analysis, error: j.error, at: j.createdAt.replace('T', ' ').slice(0, 19) })),
  };
  return pagesApp(deps);
}
