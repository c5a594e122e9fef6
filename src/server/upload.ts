/**
 * POST /api/v1/analyze: a capture upload streamed to disk — raw (Content-Type
 * application/vnd.tcpdump.pcap, application/x-pcapng or application/octet-stream; `?name=` or a
 * Content-Disposition filename names it) or multipart/form-data with a `capture` file field —
 * counted while it streams and cut off at --max-upload (413), never held in memory. It becomes an
 * analyze job (jobs.ts); GET /jobs/:id reports it and /jobs/:id/events streams its progress as
 * server-sent events.
 */
import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Busboy } from 'busboy';
import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { ServerContext } from './context.ts';
import { ApiError, badRequest, notFound } from './errors.ts';
import { checkDeclaredLength, requireType, tooLarge } from './body.ts';
import { jobJson, type JobEvent } from './jobs.ts';

export const RAW_CAPTURE_TYPES = ['application/vnd.tcpdump.pcap', 'application/x-pcapng', 'application/octet-stream', 'application/gzip'];

class Overflow extends Error {}

/** Counts bytes and fails once over the limit. */
function counter(limit: number, seen: { n: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen.n += chunk.length;
      if (seen.n > limit) cb(new Overflow());
      else cb(null, chunk);
    },
  });
}

function fileNameOf(c: Context): string {
  const q = c.req.query('name');
  if (q) return q;
  const cd = c.req.header('content-disposition');
  const m = cd ? /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd) : null;
  return m ? decodeURIComponent(m[1]!) : 'capture.pcap';
}

/** Stream the request body (raw) to `path`; the byte count. */
async function saveRaw(c: Context, path: string, limit: number): Promise<number> {
  const body = c.req.raw.body;
  if (!body) return 0;
  const seen = { n: 0 };
  await pipeline(Readable.fromWeb(body as import('node:stream/web').ReadableStream), counter(limit, seen), createWriteStream(path));
  return seen.n;
}

/** Stream the multipart body's `capture` file to `path` (other files refused); its name and byte count. */
async function saveMultipart(c: Context, pathFor: (name: string) => string, limit: number): Promise<{ name: string; bytes: number; path: string }> {
  const body = c.req.raw.body;
  if (!body) throw badRequest('empty request body: send the capture in a "capture" file field', 'no_capture');
  const headers = Object.fromEntries(c.req.raw.headers);
  // loaded on the first form upload only: raw uploads and the rest of the server never need it
  const { default: busboy } = await import('busboy');
  let bb: Busboy;
  try {
    bb = busboy({ headers, limits: { files: 1, fileSize: limit, fields: 20, fieldSize: 4096 } });
  } catch (e) {
    throw badRequest(`multipart/form-data: ${(e as Error).message}`, 'bad_multipart');
  }
  return new Promise((resolve, reject) => {
    let got: Promise<{ name: string; bytes: number; path: string }> | undefined;
    let failed = false;
    const fail = (e: Error): void => {
      if (failed) return;
      failed = true;
      src.unpipe(bb);
      src.destroy();
      reject(e);
    };
    bb.on('file', (field, file, info) => {
      if (field !== 'capture') {
        file.resume();
        fail(badRequest(`multipart field ${JSON.stringify(field)}: the capture goes in a file field named "capture"`, 'bad_multipart'));
        return;
      }
      const name = info.filename || 'capture.pcap';
      const path = pathFor(name);
      const seen = { n: 0 };
      file.on('data', (d: Buffer) => (seen.n += d.length));
      file.on('limit', () => fail(tooLarge(limit, 'upload')));
      got = pipeline(file, createWriteStream(path)).then(() => ({ name, bytes: seen.n, path }));
      got.catch((e: Error) => fail(e));
    });
    bb.on('error', (e: Error) => fail(badRequest(`multipart/form-data: ${e.message}`, 'bad_multipart')));
    bb.on('close', () => {
      if (failed) return;
      if (!got) return fail(badRequest('no "capture" file field in the form', 'no_capture'));
      got.then(resolve, fail);
    });
    const src = Readable.fromWeb(body as import('node:stream/web').ReadableStream);
    src.on('error', (e) => fail(e));
    src.pipe(bb);
  });
}

export function uploadRoutes(ctx: ServerContext): Hono {
  const api = new Hono();

  api.post('/analyze', async (c) => {
    const type = requireType(c, [...RAW_CAPTURE_TYPES, 'multipart/form-data']);
    const limit = ctx.limits.maxUpload;
    checkDeclaredLength(c, limit, 'upload');
    let jobId: string | undefined;
    let bytes: number;
    try {
      if (type === 'multipart/form-data') {
        let path = '';
        const r = await saveMultipart(c, (name) => {
          const j = ctx.jobs.create(name);
          jobId = j.job.id;
          path = j.path;
          return path;
        }, limit);
        bytes = r.bytes;
      } else {
        const j = ctx.jobs.create(fileNameOf(c));
        jobId = j.job.id;
        bytes = await saveRaw(c, j.path, limit);
      }
    } catch (e) {
      if (jobId) ctx.jobs.discard(jobId);
      if (e instanceof Overflow) throw tooLarge(limit, 'upload');
      if (e instanceof ApiError) throw e;
      throw badRequest(`the upload broke off: ${(e as Error).message}`, 'upload_failed');
    }
    if (!jobId) throw badRequest('no capture in the request', 'no_capture');
    if (bytes === 0) {
      ctx.jobs.discard(jobId);
      throw badRequest('the upload is empty: send a pcap or pcapng capture', 'empty_upload');
    }
    ctx.jobs.start(jobId, bytes);
    const job = ctx.jobs.get(jobId)!;
    c.header('Location', `/api/v1/jobs/${jobId}`);
    return c.json({ job: jobJson(job), links: { self: `/api/v1/jobs/${jobId}`, events: `/api/v1/jobs/${jobId}/events` } }, 202);
  });

  api.get('/jobs', (c) => c.json({ jobs: ctx.jobs.list().map(jobJson) }));

  api.get('/jobs/:id', (c) => {
    const job = ctx.jobs.get(c.req.param('id'));
    if (!job) throw notFound(`no job ${c.req.param('id')}`, 'no_job');
    const tail = Number(c.req.query('events') ?? 20);
    return c.json({ job: jobJson(job), events: job.events.slice(-Math.max(0, Math.min(500, Number.isFinite(tail) ? tail : 20))) });
  });

  api.get('/jobs/:id/events', (c) => {
    const id = c.req.param('id');
    const job = ctx.jobs.get(id);
    if (!job) throw notFound(`no job ${id}`, 'no_job');
    const since = Number(c.req.header('last-event-id') ?? 0) || 0;
    return streamSSE(c, async (stream) => {
      const send = (e: JobEvent): Promise<void> => stream.writeSSE({ id: String(e.seq), event: e.type === 'state' ? e.state : 'progress', data: JSON.stringify(e) });
      const ended = (): boolean => job.state === 'done' || job.state === 'failed';
      const queue: JobEvent[] = [];
      let wake: (() => void) | undefined;
      const off = ctx.jobs.subscribe(id, (e) => {
        queue.push(e);
        wake?.();
      });
      stream.onAbort(() => {
        off();
        wake?.();
      });
      try {
        let last = since;
        for (const e of job.events) if (e.seq > last) {
          await send(e);
          last = e.seq;
        }
        while (!ended() && !stream.aborted) {
          if (queue.length === 0) {
            // a comment line every 15 s keeps proxies from closing an idle stream
            const t = setTimeout(() => wake?.(), 15_000);
            await new Promise<void>((r) => (wake = r));
            clearTimeout(t);
            wake = undefined;
            if (queue.length === 0 && !stream.aborted) await stream.write(': keep-alive\n\n');
          }
          while (queue.length) {
            const e = queue.shift()!;
            if (e.seq > last) {
              await send(e);
              last = e.seq;
            }
          }
        }
        for (const e of queue) if (e.seq > last) await send(e);
      } finally {
        off();
      }
    });
  });

  return api;
}
