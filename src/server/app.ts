/**
 * The `flowsift serve` application: `createApp(ctx)` builds one Hono app — the token gate, the
 * REST API under /api/v1, the Open Inference Protocol v2 routes under /v2, and the dashboard pages
 * (src/server/pages) at /. Tests drive it with `app.request()`, no socket needed; serve.ts hands
 * it to @hono/node-server.
 */
import { Hono } from 'hono';
import type { ServerContext } from './context.ts';
import { authMiddleware, isApiPath, loginRoutes } from './auth.ts';
import { errorJson, toApiError } from './errors.ts';
import { apiRoutes } from './api.ts';
import { pages } from './pages/index.ts';
import { uploadRoutes } from './upload.ts';
import { v2Routes } from './v2.ts';
import { openApiDocument } from './openapi.ts';

export function createApp(ctx: ServerContext): Hono {
  const app = new Hono();
  app.use('*', authMiddleware(ctx));
  app.route('/', loginRoutes(ctx));
  app.route('/api/v1', apiRoutes(ctx));
  app.route('/api/v1', uploadRoutes(ctx));
  app.get('/api/v1/openapi.json', (c) => c.json(openApiDocument()));
  app.route('/v2', v2Routes(ctx));
  app.route('/', pages(ctx));
  app.notFound((c) => (isApiPath(c.req.path) ? errorJson(c, 404, 'not_found', `no route ${c.req.method} ${c.req.path}`) : c.text('404 Not Found', 404)));
  app.onError((err, c) => {
    const e = toApiError(err);
    if (e.status === 500) console.error(`flowsift serve: ${c.req.method} ${c.req.path}: ${err.stack ?? err.message}`);
    if (c.req.path.startsWith('/v2/')) return c.json({ error: e.message }, e.status);
    return errorJson(c, e.status, e.code, e.message);
  });
  return app;
}
