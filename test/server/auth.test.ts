/**
 * The token gate, the health route, error JSON and `flowsift serve` itself (one test over a real
 * socket on an ephemeral port).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.ts';
import { createContext, type ServerContext } from '../../src/server/context.ts';
import { AUTH_COOKIE } from '../../src/server/auth.ts';
import { body, cli, makeAnalyses, type Fixture } from './helpers.ts';

let fx: Fixture;
let open: ServerContext;
let locked: ServerContext;
const TOKEN = 's3cret-token-for-tests';

beforeAll(async () => {
  fx = await makeAnalyses(['demo']);
  open = await createContext({ dirs: [fx.demo] });
  locked = await createContext({ dirs: [fx.demo], token: TOKEN });
});
afterAll(async () => {
  await open?.close();
  await locked?.close();
  fx?.cleanup();
});

describe('health and errors', () => {
  it('GET /api/v1/health names the served analyses and the model', async () => {
    const r = await createApp(open).request('/api/v1/health');
    expect(r.status).toBe(200);
    const j = await body(r);
    expect(j.status).toBe('ok');
    expect(j.model.loaded).toBe(true);
    expect(j.analyses.map((a: { name: string }) => a.name)).toEqual(['demo']);
    expect(j.analyses[0].views).toEqual(expect.arrayContaining(['scores', 'anomalies', 'incidents']));
  });

  it('an unknown API route is a 404 in the error format', async () => {
    const r = await createApp(open).request('/api/v1/nope');
    expect(r.status).toBe(404);
    expect(await body(r)).toEqual({ error: { code: 'not_found', message: 'no route GET /api/v1/nope' } });
  });
});

describe('token', () => {
  it('without a token configured every route is open', async () => {
    expect((await createApp(open).request('/api/v1/health')).status).toBe(200);
  });

  it('API calls without the token: 401 JSON with WWW-Authenticate; a wrong token: 401', async () => {
    const app = createApp(locked);
    const r = await app.request('/api/v1/health');
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await body(r)).error.code).toBe('unauthorized');
    const w = await app.request('/api/v1/health', { headers: { Authorization: 'Bearer wrong-token-xyz' } });
    expect(w.status).toBe(401);
    expect((await body(w)).error.message).toBe('the token is not valid');
    expect((await app.request('/v2/health/live')).status).toBe(401);
  });

  it('a Bearer header with the token passes', async () => {
    const r = await createApp(locked).request('/api/v1/health', { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(r.status).toBe(200);
  });

  it('a page without the token redirects to /login, keeping where it was going', async () => {
    const r = await createApp(locked).request('/flows?service=http');
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe('/login?next=%2Fflows%3Fservice%3Dhttp');
  });

  it('POST /login with the token sets an HttpOnly cookie that then opens API and pages', async () => {
    const app = createApp(locked);
    const r = await app.request('/login', { method: 'POST', body: new URLSearchParams({ token: TOKEN, next: '/incidents' }) });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/incidents');
    const set = r.headers.get('set-cookie')!;
    expect(set).toMatch(new RegExp(`^${AUTH_COOKIE}=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict`));
    expect(set).not.toContain(TOKEN);
    const cookie = set.split(';')[0]!;
    expect((await app.request('/api/v1/health', { headers: { cookie } })).status).toBe(200);
    // a forged cookie does not
    expect((await app.request('/api/v1/health', { headers: { cookie: `${AUTH_COOKIE}=${'0'.repeat(64)}` } })).status).toBe(401);
  });

  it('POST /login with a wrong token goes back to the form; never redirects off-site', async () => {
    const app = createApp(locked);
    const r = await app.request('/login', { method: 'POST', body: new URLSearchParams({ token: 'nope', next: '//evil.example/' }) });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/login?error=invalid&next=%2F');
    expect(r.headers.get('set-cookie')).toBeNull();
    const j = await app.request('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'nope' }) });
    expect(j.status).toBe(401);
    const ok = await app.request('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: TOKEN }) });
    expect(ok.status).toBe(200);
    expect(await body(ok)).toEqual({ ok: true, next: '/' });
    const t = await app.request('/login', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: TOKEN });
    expect(t.status).toBe(415);
  });
});

describe('flowsift serve', () => {
  it('refuses a non-loopback host without a token (usage error, nothing bound)', async () => {
    const r = await cli(['serve', fx.demo, '--host', '0.0.0.0', '--port', '0']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--host 0.0.0.0 serves beyond this machine: give a token');
  });

  it('rejects a bad --max-upload and a missing directory', async () => {
    const r = await cli(['serve', fx.demo, '--max-upload', 'lots']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--max-upload: expected a size like 1GiB');
    const m = await cli(['serve', fx.demo + '-missing', '--port', '0']);
    expect(m.code).toBe(3);
    expect(m.err).toContain('demo-missing: no such file or directory');
  });

  it('serves over a real socket (ephemeral port) until interrupted', async () => {
    const ac = new AbortController();
    const { sink } = await import('./helpers.ts');
    const stderr = sink();
    const { runCli } = await import('../../src/cli/main.ts');
    const done = runCli(['serve', fx.demo, '--port', '0', '--token', TOKEN], { stderr, stdout: sink(), signal: ac.signal });
    let url: string | undefined;
    for (let i = 0; i < 200 && !url; i++) {
      url = /on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr.text())?.[1];
      if (!url) await new Promise((r) => setTimeout(r, 50));
    }
    expect(url).toBeDefined();
    const noAuth = await fetch(url + 'api/v1/health');
    expect(noAuth.status).toBe(401);
    const r = await fetch(url + 'api/v1/health', { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(r.status).toBe(200);
    expect((await body(r)).analyses[0].name).toBe('demo');
    ac.abort();
    expect(await done).toBe(0);
    await expect(fetch(url + 'api/v1/health')).rejects.toThrow();
  });
});
