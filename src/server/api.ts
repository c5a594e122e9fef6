/**
 * The REST API under /api/v1 (JSON; errors `{ "error": { "code", "message" } }`).
 */
import { Hono } from 'hono';
import type { ServerContext } from './context.ts';
import { FLOWSIFT_VERSION as VERSION } from '../model/model-file.ts';

export function apiRoutes(ctx: ServerContext): Hono {
  const api = new Hono();

  api.get('/health', (c) =>
    c.json({
      status: 'ok',
      version: VERSION,
      model: ctx.model ? { loaded: true, source: ctx.modelSource ?? null } : { loaded: false, source: null },
      analyses: ctx.analyses.list().map((a) => ({ name: a.name, origin: a.origin, added_at: a.addedAt, views: a.store.views.map((v) => v.name) })),
      jobs: { running: ctx.jobs.list().filter((j) => j.state === 'running').length, queued: ctx.jobs.list().filter((j) => j.state === 'queued').length },
    }),
  );

  return api;
}
