/**
 * Request bodies read with a limit: a declared Content-Length over the limit is refused before a
 * byte is read, and the bytes are counted while they stream in (a chunked body, or one that lies
 * about its length, is cut off at the limit) — never a whole oversized body in memory.
 */
import type { Context } from 'hono';
import { ApiError, badRequest } from './errors.ts';

export const tooLarge = (limit: number, what = 'request body'): ApiError =>
  new ApiError(413, 'payload_too_large', `the ${what} is over the limit of ${limit.toLocaleString('en-US')} bytes`);

/** 413 at once when Content-Length says the body is over `limit`. */
export function checkDeclaredLength(c: Context, limit: number, what?: string): void {
  const len = c.req.header('content-length');
  if (len !== undefined && /^\d+$/.test(len.trim()) && Number(len) > limit) throw tooLarge(limit, what);
}

/** 415 unless the Content-Type is one of `types` (parameters such as charset ignored). */
export function requireType(c: Context, types: readonly string[]): string {
  const t = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!types.includes(t)) {
    throw new ApiError(415, 'unsupported_media_type', `Content-Type ${t ? JSON.stringify(t) : '(none)'} is not accepted here: send ${types.join(' or ')}`);
  }
  return t;
}

/** The whole body (up to `limit` bytes) as bytes. */
export async function readLimited(c: Context, limit: number): Promise<Buffer> {
  checkDeclaredLength(c, limit);
  const body = c.req.raw.body;
  if (!body) return Buffer.alloc(0);
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    parts.push(value);
  }
  return Buffer.concat(parts, size);
}

/** A JSON body: 415 for another type, 413 over the limit, 400 for malformed JSON (with the position). */
export async function readJson(c: Context, limit: number): Promise<unknown> {
  requireType(c, ['application/json']);
  return parseJson(await readLimited(c, limit));
}

/** Bytes of a JSON body → the value; 400 for malformed JSON. */
export function parseJson(bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  if (!text.trim()) throw badRequest('the request body is empty: send a JSON document', 'malformed_json');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`malformed JSON: ${(e as Error).message}`, 'malformed_json');
  }
}
