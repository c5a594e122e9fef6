/**
 * The dashboard's HTML pages (owned by serve-ui): `pages(ctx)` returns the Hono app that app.ts
 * mounts at `/`. Until the pages land it serves none, and the API stands alone.
 */
import { Hono } from 'hono';
import type { ServerContext } from '../context.ts';

export function pages(_ctx: ServerContext): Hono {
  return new Hono();
}
