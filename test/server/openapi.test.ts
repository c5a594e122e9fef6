/**
 * The OpenAPI document describes every API route the app serves (and no route it does not).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.ts';
import { createContext, type ServerContext } from '../../src/server/context.ts';
import { body } from './helpers.ts';

let ctx: ServerContext;
beforeAll(async () => {
  ctx = await createContext({});
});
afterAll(async () => {
  await ctx?.close();
});

describe('GET /api/v1/openapi.json', () => {
  it('lists every API route of the app with its method, and only those', async () => {
    const app = createApp(ctx);
    const doc = await body(await app.request('/api/v1/openapi.json'));
    expect(doc.openapi).toBe('3.1.0');
    const served = new Set(
      app.routes
        // GET /login is the dashboard's HTML form (serve-ui's page), not an API call
        .filter((r) => r.method !== 'ALL' && /^\/(api\/|v2|login|logout)/.test(r.path) && !(r.method === 'GET' && r.path === '/login'))
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:([A-Za-z_]+)/g, '{$1}').replace(/(.)\/$/, '$1')}`),
    );
    const documented = new Set(Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)));
    expect(served.size).toBeGreaterThan(25);
    expect([...served].filter((r) => !documented.has(r))).toEqual([]);
    expect([...documented].filter((r) => !served.has(r))).toEqual([]);
    // every response schema reference resolves
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/\w+/g) ?? [];
    for (const r of refs) expect(doc.components.schemas[r.split('/').pop()!], r).toBeDefined();
  });
});
