/**
 * The token gate. Without a token (loopback only: serve.ts refuses another host without one) every
 * route is open. With one, each request needs `Authorization: Bearer <token>` or the cookie that
 * `POST /login` sets; otherwise pages redirect to /login and the API answers 401 JSON. The cookie
 * holds a digest of the token, never the token, and is HttpOnly + SameSite=Strict (no cross-site
 * form can ride on it).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono, type MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { ServerContext } from './context.ts';
import { errorJson } from './errors.ts';

export const AUTH_COOKIE = 'flowsift_session';

/** Paths open without the token: the login page and its form, the static assets it uses, the icon. */
const OPEN = [/^\/login\/?$/, /^\/assets\//, /^\/favicon\.ico$/];

const digest = (s: string): Buffer => createHash('sha256').update('flowsift-serve\0' + s).digest();

function same(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Is this request an API call (answered with JSON rather than a page)? */
export function isApiPath(path: string): boolean {
  return path.startsWith('/api/') || path.startsWith('/v2/') || path === '/api' || path === '/v2';
}

/** Only same-site absolute paths: never an open redirect to another origin. */
export function safeNext(next: string | undefined | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

export function authMiddleware(ctx: ServerContext): MiddlewareHandler {
  return async (c, next) => {
    const token = ctx.auth.token;
    if (!token) return next();
    const path = c.req.path;
    if (OPEN.some((r) => r.test(path))) return next();
    const want = digest(token);
    const header = c.req.header('authorization');
    const m = header ? /^Bearer\s+(.+)$/i.exec(header.trim()) : null;
    if (m && same(digest(m[1]!), want)) return next();
    const cookie = getCookie(c, AUTH_COOKIE);
    if (cookie && /^[0-9a-f]{64}$/.test(cookie) && same(Buffer.from(cookie, 'hex'), want)) return next();
    if (isApiPath(path)) {
      c.header('WWW-Authenticate', 'Bearer realm="flowsift"');
      return errorJson(c, 401, 'unauthorized', header ? 'the token is not valid' : 'this server needs a token: send Authorization: Bearer <token>, or log in at /login');
    }
    const url = new URL(c.req.url);
    return c.redirect(`/login?next=${encodeURIComponent(url.pathname + url.search)}`, 302);
  };
}

/** POST /login (form field or JSON `token`) and POST /logout. GET /login is serve-ui's page. */
export function loginRoutes(ctx: ServerContext): Hono {
  const app = new Hono();
  app.post('/login', async (c) => {
    const type = c.req.header('content-type') ?? '';
    let given: string | undefined;
    let next: string | undefined;
    const json = type.startsWith('application/json');
    if (json) {
      const body = (await c.req.json().catch(() => ({}))) as { token?: unknown; next?: unknown };
      given = typeof body.token === 'string' ? body.token : undefined;
      next = typeof body.next === 'string' ? body.next : undefined;
    } else if (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')) {
      const form = await c.req.parseBody();
      given = typeof form.token === 'string' ? form.token : undefined;
      next = typeof form.next === 'string' ? form.next : undefined;
    } else {
      return errorJson(c, 415, 'unsupported_media_type', 'POST /login takes a form (application/x-www-form-urlencoded or multipart/form-data) or JSON with a "token" field');
    }
    const to = safeNext(next ?? c.req.query('next'));
    const token = ctx.auth.token;
    const ok = token === undefined || (given !== undefined && same(digest(given), digest(token)));
    if (!ok) {
      if (json) return errorJson(c, 401, 'unauthorized', 'the token is not valid');
      return c.redirect(`/login?error=invalid&next=${encodeURIComponent(to)}`, 303);
    }
    if (token !== undefined) {
      setCookie(c, AUTH_COOKIE, digest(token).toString('hex'), { httpOnly: true, sameSite: 'Strict', path: '/' });
    }
    return json ? c.json({ ok: true, next: to }) : c.redirect(to, 303);
  });
  app.post('/logout', (c) => {
    deleteCookie(c, AUTH_COOKIE, { path: '/' });
    return c.redirect('/login', 303);
  });
  return app;
}
