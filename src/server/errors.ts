/**
 * The API's error shape: `{ "error": { "code", "message" } }` with the HTTP status it goes with.
 * Route code throws ApiError; app.ts turns it (and a FlowsiftError from the library: a bad query
 * value is a 400, not a crash) into that JSON.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { FlowsiftError } from '../errors.ts';

export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: string;
  constructor(status: ContentfulStatusCode, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export const badRequest = (message: string, code = 'bad_request'): ApiError => new ApiError(400, code, message);
export const notFound = (message: string, code = 'not_found'): ApiError => new ApiError(404, code, message);

/** The JSON error response. */
export function errorJson(c: Context, status: ContentfulStatusCode, code: string, message: string): Response {
  return c.json({ error: { code, message } }, status);
}

/** Map anything thrown by a route to a status, code and one-line message (no stack traces to clients). */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof FlowsiftError) {
    // usage errors and bad input are the client's; the rest is ours
    if (e.exitCode === 2 || e.exitCode === 3) return new ApiError(400, e.code.toLowerCase().replace(/^e_/, ''), e.message);
    return new ApiError(500, 'internal', e.message);
  }
  return new ApiError(500, 'internal', 'internal error: ' + (e instanceof Error ? e.message : String(e)).split('\n')[0]);
}
