/**
 * Capture uploads and analyze jobs: raw and multipart uploads streamed to disk, progress as
 * server-sent events, the finished analysis browsable (and its flows' packets downloadable); a
 * corrupt capture fails its job with flowsift's one-line error while the server keeps serving;
 * 413 over --max-upload (declared or counted), 415 for a non-capture type, 400 for an empty body.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.ts';
import { createContext, type ServerContext } from '../../src/server/context.ts';
import { body, DEMO } from './helpers.ts';

let ctx: ServerContext;
let app: ReturnType<typeof createApp>;
const demo = readFileSync(DEMO);

beforeAll(async () => {
  ctx = await createContext({ limits: { maxUpload: 16 * 1024 * 1024 } });
  app = createApp(ctx);
});
afterAll(async () => {
  await ctx?.close();
});

const upload = (bytes: Uint8Array, name: string, type = 'application/vnd.tcpdump.pcap') =>
  app.request(`/api/v1/analyze?name=${name}`, { method: 'POST', headers: { 'content-type': type }, body: bytes });

/** Read an SSE response to its end: [event, data] pairs. */
async function sse(r: Response): Promise<{ event: string; data: { seq: number; state: string; message: string } }[]> {
  const text = await r.text();
  return text.split('\n\n').filter((b) => b.includes('data:')).map((b) => {
    const ev = /^event: (.*)$/m.exec(b)?.[1] ?? 'message';
    const data = JSON.parse(/^data: (.*)$/m.exec(b)![1]!);
    return { event: ev, data };
  });
}

describe('POST /api/v1/analyze', () => {
  it('a raw upload becomes a job whose events stream until done; its analysis is then served', async () => {
    expect((await body(await app.request('/api/v1/flows'))).error.code).toBe('no_analysis');
    const r = await upload(demo, 'demo.pcap');
    expect(r.status).toBe(202);
    const j = await body(r);
    expect(r.headers.get('location')).toBe(`/api/v1/jobs/${j.job.id}`);
    expect(j.job.capture).toEqual({ name: 'demo.pcap', bytes: demo.length });
    const events = await sse(await app.request(j.links.events));
    expect(events[0]!.event).toBe('queued');
    expect(events.some((e) => e.event === 'running')).toBe(true);
    expect(events.some((e) => e.event === 'progress' && /k-means restart/.test(e.data.message))).toBe(true);
    const last = events[events.length - 1]!;
    expect(last.event).toBe('done');
    expect(events.map((e) => e.data.seq)).toEqual(events.map((_, i) => i + 1));
    const job = (await body(await app.request(`/api/v1/jobs/${j.job.id}`))).job;
    expect(job.state).toBe('done');
    expect(job.analysis).toBe('demo');
    // browsable: flows, incidents; and the pcap of a flow cut from the uploaded capture
    const inc = await body(await app.request('/api/v1/incidents?analysis=demo&limit=3'));
    expect(inc.rows.length).toBe(3);
    const flows = await body(await app.request('/api/v1/flows?analysis=demo&proto=tcp&limit=1'));
    const p = await app.request(`/api/v1/flows/${flows.rows[0].uid}/pcap?analysis=demo`);
    expect(p.status).toBe(200);
    expect(Number(p.headers.get('x-flowsift-packets'))).toBe(flows.rows[0].src_pkts + flows.rows[0].dst_pkts);
    // a late subscriber gets the whole history and the end
    const again = await sse(await app.request(j.links.events));
    expect(again.map((e) => e.data.seq)).toEqual(events.map((e) => e.data.seq));
    const resumed = await sse(await app.request(j.links.events, { headers: { 'Last-Event-ID': String(events.length - 1) } }));
    expect(resumed.map((e) => e.event)).toEqual(['done']);
  });

  it('a multipart form upload (field "capture") works the same', async () => {
    const form = new FormData();
    form.append('capture', new Blob([demo]), 'from-form.pcap');
    const r = await app.request('/api/v1/analyze', { method: 'POST', body: form });
    expect(r.status).toBe(202);
    const j = await body(r);
    const done = await ctx.jobs.wait(j.job.id);
    expect(done.state).toBe('done');
    expect(done.analysis).toBe('from-form');
    expect(done.capture.bytes).toBe(demo.length);
    const list = await body(await app.request('/api/v1/analyses'));
    expect(list.default).toBe('from-form');
  });

  it('a corrupt capture: the job fails with flowsift\'s one-line error, the server keeps serving', async () => {
    // a valid header and first record, then a record header claiming 4 GB
    const first = 24 + 16 + demo.readUInt32LE(24 + 8);
    const bad = Buffer.concat([demo.subarray(0, first), Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), Buffer.alloc(64)]);
    const r = await upload(bad, 'broken.pcap');
    expect(r.status).toBe(202);
    const j = await body(r);
    const events = await sse(await app.request(j.links.events));
    const last = events[events.length - 1]!;
    expect(last.event).toBe('failed');
    const job = ctx.jobs.get(j.job.id)!;
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/^flowsift: broken\.pcap: byte \d+: /);
    expect(job.error).not.toContain('\n');
    expect(job.error).not.toMatch(/at .*\.js:\d+/);
    expect((await app.request('/api/v1/health')).status).toBe(200);
    // garbage that is not a capture at all fails the same way
    const g = await body(await upload(Buffer.from('GET / HTTP/1.1\r\n\r\n'.repeat(10)), 'notes.pcap'));
    const gj = await ctx.jobs.wait(g.job.id);
    expect(gj.state).toBe('failed');
    expect(gj.error).toMatch(/^flowsift: /);
  });

  it('413 over --max-upload: by Content-Length at once, or counted while streaming; nothing left behind', async () => {
    const before = ctx.jobs.list().length;
    let r = await app.request('/api/v1/analyze', { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'content-length': String(17 * 1024 * 1024) }, body: new ReadableStream({ pull(c) { c.enqueue(new Uint8Array(65536)); } }), duplex: 'half' } as RequestInit);
    expect(r.status).toBe(413);
    expect((await body(r)).error.message).toBe('the upload is over the limit of 16,777,216 bytes');
    let sent = 0;
    r = await app.request('/api/v1/analyze', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new ReadableStream({ pull(c) { sent += 65536; c.enqueue(new Uint8Array(65536)); } }), duplex: 'half' } as RequestInit);
    expect(r.status).toBe(413);
    expect(sent).toBeLessThan(18 * 1024 * 1024);
    const form = new FormData();
    form.append('capture', new Blob([new Uint8Array(17 * 1024 * 1024)]), 'big.pcap');
    r = await app.request('/api/v1/analyze', { method: 'POST', body: form });
    expect(r.status).toBe(413);
    expect(ctx.jobs.list().length).toBe(before);
  });

  it('415 for a non-capture content type, 400 for an empty upload or a form without "capture", 404 for an unknown job', async () => {
    let r = await upload(demo, 'x.pcap', 'application/json');
    expect(r.status).toBe(415);
    r = await upload(new Uint8Array(0), 'x.pcap');
    expect(r.status).toBe(400);
    expect((await body(r)).error.code).toBe('empty_upload');
    const form = new FormData();
    form.append('file', new Blob([demo]), 'x.pcap');
    r = await app.request('/api/v1/analyze', { method: 'POST', body: form });
    expect(r.status).toBe(400);
    expect((await body(r)).error.message).toContain('"capture"');
    expect((await app.request('/api/v1/jobs/nope')).status).toBe(404);
    expect((await app.request('/api/v1/jobs/nope/events')).status).toBe(404);
    const all = await body(await app.request('/api/v1/jobs'));
    expect(all.jobs.map((j: { state: string }) => j.state).sort()).toEqual(['done', 'done', 'failed', 'failed']);
  });
});
