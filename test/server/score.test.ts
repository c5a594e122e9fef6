/**
 * POST /api/v1/score and the Open Inference Protocol v2 routes: the records equal what
 * `flowsift score` writes for the same flows with the same model; every bad input is a 400 naming
 * the field; oversized bodies are refused (413) before they are read whole; wrong types are 415.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.ts';
import { createContext, type ServerContext } from '../../src/server/context.ts';
import { body, cli, DEMO, makeAnalyses, type Fixture } from './helpers.ts';

let fx: Fixture;
let ctx: ServerContext;
let app: ReturnType<typeof createApp>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let flows: any[];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let expected: any[];
let model: { features: string[]; preprocessing: { categorical: { name: string }[] } };

const post = (u: string, b: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  app.request(u, { method: 'POST', headers, body: typeof b === 'string' ? b : JSON.stringify(b) });

beforeAll(async () => {
  fx = await makeAnalyses(['demo']);
  const modelPath = join(fx.demo, 'model.json');
  model = JSON.parse(readFileSync(modelPath, 'utf8'));
  ctx = await createContext({ modelPath, limits: { maxJson: 2 * 1024 * 1024 } });
  app = createApp(ctx);
  const f = await cli(['flows', DEMO, '--format', 'jsonl']);
  flows = f.out.trim().split('\n').map((l) => JSON.parse(l));
  const file = join(fx.root, 'flows.jsonl');
  writeFileSync(file, f.out);
  const s = await cli(['score', file, '-m', modelPath, '--format', 'jsonl', '-q']);
  expected = s.out.trim().split('\n').map((l) => JSON.parse(l));
});
afterAll(async () => {
  await ctx?.close();
  fx?.cleanup();
});

describe('POST /api/v1/score', () => {
  it('an array of flows → the records flowsift score writes, in order', async () => {
    const r = await post('/api/v1/score', flows);
    expect(r.status).toBe(200);
    const recs = await body(r);
    expect(recs.length).toBe(expected.length);
    for (let i = 0; i < recs.length; i++) {
      const { row: _a, ...got } = recs[i];
      const { row: _b, ...want } = expected[i];
      expect(got).toEqual(want);
    }
    expect(recs.filter((x: { is_anomaly: boolean }) => x.is_anomaly).length).toBeGreaterThan(10);
  });

  it('one flow → one record; ?explain sets the number of reasons', async () => {
    const i = expected.findIndex((x) => x.is_anomaly);
    const r = await post('/api/v1/score?explain=5', flows[i]);
    const rec = await body(r);
    expect(rec.uid).toBe(flows[i].uid);
    expect(rec.anomaly_score).toBe(expected[i].anomaly_score);
    expect(rec.reasons.length).toBe(5);
    expect(rec.reasons[0].text).toBe(expected[i].reasons[0].text);
  });

  it('only the model features are needed', async () => {
    const f = Object.fromEntries(model.features.map((k) => [k, flows[0][k]]));
    const rec = await body(await post('/api/v1/score', f));
    expect(rec.anomaly_score).toBe(expected[0].anomaly_score);
    expect(rec.uid).toBeUndefined();
  });

  it('400 naming the field: malformed JSON, wrong types, missing features, unknown fields', async () => {
    const cat = model.preprocessing.categorical[0]!.name;
    const cases: [unknown, string, string][] = [
      ['{"duration": 1,', 'malformed_json', 'malformed JSON: '],
      ['', 'malformed_json', 'the request body is empty: send a JSON document'],
      [{ ...flows[0], src_bytes: '12' }, 'wrong_type', '$.src_bytes: expected a number, got a string "12"'],
      [{ ...flows[0], [cat]: 6 }, 'wrong_type', `$.${cat}: expected a string, got a number`],
      [{ ...flows[0], src_ip: 17 }, 'wrong_type', '$.src_ip: expected a string, got a number'],
      [[flows[0], { ...flows[1], count: null }], 'wrong_type', '$[1].count: expected a number, got null'],
      [(({ count: _c, ...rest }) => rest)(flows[0]), 'missing_feature', '$.count: missing feature; the model needs 41 features'],
      [{ ...flows[0], colour: 'red' }, 'unknown_field', "$.colour: unknown field (a flow has the columns of 'flowsift flows' and the model's features)"],
      [[], 'bad_flow', 'expected a flow object or a non-empty array of flows, got an empty array'],
      [[flows[0], 7], 'bad_flow', '$[1]: expected a flow object, got a number'],
      ['"text"', 'bad_flow', 'expected a flow object or an array of flows, got a string'],
    ];
    for (const [b, code, msg] of cases) {
      const r = await post('/api/v1/score', b);
      expect(r.status, msg).toBe(400);
      const e = (await body(r)).error;
      expect(e.code, msg).toBe(code);
      expect(e.message.startsWith(msg), `${e.message} vs ${msg}`).toBe(true);
    }
    expect((await post('/api/v1/score?explain=x', flows[0])).status).toBe(400);
  });

  it('415 for another content type; 413 by Content-Length before reading, and by counting a chunked body', async () => {
    let r = await post('/api/v1/score', JSON.stringify(flows[0]), { 'content-type': 'text/plain' });
    expect(r.status).toBe(415);
    expect((await body(r)).error.code).toBe('unsupported_media_type');
    r = await post('/api/v1/score', JSON.stringify(flows[0]), {});
    expect(r.status).toBe(415);
    // a declared length over the limit: refused without reading a byte of the body
    let pulled = 0;
    const never = new ReadableStream({ pull(c) { pulled++; c.enqueue(new Uint8Array(1024)); } });
    r = await app.request('/api/v1/score', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(5 * 1024 * 1024) }, body: never, duplex: 'half' } as RequestInit);
    expect(r.status).toBe(413);
    expect((await body(r)).error.message).toBe('the request body is over the limit of 2,097,152 bytes');
    expect(pulled).toBeLessThanOrEqual(1);
    // no length given: counted while streaming and cut at the limit (the rest is never pulled)
    let sent = 0;
    const endless = new ReadableStream({ pull(c) { sent += 65536; c.enqueue(new Uint8Array(65536).fill(32)); } });
    r = await app.request('/api/v1/score', { method: 'POST', headers: { 'content-type': 'application/json' }, body: endless, duplex: 'half' } as RequestInit);
    expect(r.status).toBe(413);
    expect(sent).toBeLessThan(3 * 1024 * 1024);
  });

  it('503 without a model', async () => {
    const bare = await createContext({});
    try {
      const r = await createApp(bare).request('/api/v1/score', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(r.status).toBe(503);
      expect((await body(r)).error.code).toBe('no_model');
      expect((await createApp(bare).request('/v2/health/ready')).status).toBe(503);
    } finally {
      await bare.close();
    }
  });
});

describe('Open Inference Protocol v2', () => {
  it('health, server and model metadata (one input per feature, outputs)', async () => {
    expect(await body(await app.request('/v2/health/live'))).toEqual({ live: true });
    expect(await body(await app.request('/v2/health/ready'))).toEqual({ ready: true });
    expect((await body(await app.request('/v2'))).name).toBe('flowsift');
    const m = await body(await app.request('/v2/models/flowsift'));
    expect(m.name).toBe('flowsift');
    expect(m.inputs.map((x: { name: string }) => x.name)).toEqual(model.features);
    expect(m.inputs.find((x: { name: string }) => x.name === 'service')).toEqual({ name: 'service', datatype: 'BYTES', shape: [-1] });
    expect(m.inputs.find((x: { name: string }) => x.name === 'src_bytes')).toEqual({ name: 'src_bytes', datatype: 'FP64', shape: [-1] });
    expect(m.outputs.map((x: { name: string }) => x.name)).toEqual(['anomaly_score', 'is_anomaly', 'cluster', 'distance', 'threshold', 'severity', 'reasons']);
    expect(await body(await app.request('/v2/models/flowsift/ready'))).toEqual({ name: 'flowsift', ready: true });
    const nf = await app.request('/v2/models/other');
    expect(nf.status).toBe(404);
    expect(await body(nf)).toEqual({ error: 'no model "other": this server serves "flowsift"' });
  });

  it('infer: columnar tensors in, the same scores as /score out', async () => {
    const n = 25;
    const cat = new Set(model.preprocessing.categorical.map((c) => c.name));
    const inputs = model.features.map((f) => ({ name: f, shape: [n], datatype: cat.has(f) ? 'BYTES' : 'FP64', data: flows.slice(0, n).map((x) => x[f]) }));
    const r = await post('/v2/models/flowsift/infer', { id: 'req-1', inputs });
    expect(r.status).toBe(200);
    const j = await body(r);
    expect(j.model_name).toBe('flowsift');
    expect(j.id).toBe('req-1');
    const out = Object.fromEntries(j.outputs.map((o: { name: string; data: unknown[]; shape: number[] }) => [o.name, o]));
    expect(out.anomaly_score.shape).toEqual([n]);
    expect(out.anomaly_score.data).toEqual(expected.slice(0, n).map((x) => x.anomaly_score));
    expect(out.is_anomaly.data).toEqual(expected.slice(0, n).map((x) => x.is_anomaly));
    expect(out.cluster.data).toEqual(expected.slice(0, n).map((x) => x.cluster));
    expect(out.severity.data).toEqual(expected.slice(0, n).map((x) => x.severity ?? 0));
    expect(JSON.parse(out.reasons.data[0])).toEqual(expected[0].reasons);
    // a [n, 1] shape with nested data, and only the outputs asked for
    const nested = inputs.map((t) => ({ ...t, shape: [n, 1], data: t.data.map((v: unknown) => [v]) }));
    const k = await body(await post('/v2/models/flowsift/infer', { inputs: nested, outputs: [{ name: 'anomaly_score' }] }));
    expect(k.outputs.map((o: { name: string }) => o.name)).toEqual(['anomaly_score']);
    expect(k.outputs[0].data).toEqual(out.anomaly_score.data);
  });

  it('infer errors are {"error": "…"} with 400 / 413 / 415', async () => {
    const cat = new Set(model.preprocessing.categorical.map((c) => c.name));
    const inputs = model.features.map((f) => ({ name: f, shape: [2], datatype: cat.has(f) ? 'BYTES' : 'FP64', data: flows.slice(0, 2).map((x) => x[f]) }));
    const cases: [unknown, string][] = [
      [{ inputs: inputs.slice(1) }, `flow 0.${model.features[0]}: missing feature`],
      [{ inputs: inputs.map((t) => (t.name === 'service' ? { ...t, datatype: 'FP64' } : t)) }, 'inputs[', ],
      [{ inputs: inputs.map((t) => (t.name === 'count' ? { ...t, shape: [3] } : t)) }, 'shape [3] holds 3 elements, data has 2'],
      [{ inputs: [...inputs, { name: 'colour', shape: [2], datatype: 'BYTES', data: ['a', 'b'] }] }, 'flow 0.colour: unknown field'],
      [{ inputs: inputs.map((t) => (t.name === 'src_bytes' ? { ...t, data: ['1', '2'] } : t)) }, 'flow 0.src_bytes: expected a number, got a string'],
      [{ instances: [] }, 'instances: unknown field of an inference request'],
    ];
    for (const [b, msg] of cases) {
      const r = await post('/v2/models/flowsift/infer', b);
      expect(r.status, msg).toBe(400);
      const e = await body(r);
      expect(typeof e.error).toBe('string');
      expect(e.error, msg).toContain(msg);
    }
    const mal = await post('/v2/models/flowsift/infer', '{"inputs": [');
    expect(mal.status).toBe(400);
    expect((await body(mal)).error).toMatch(/^malformed JSON/);
    expect((await post('/v2/models/flowsift/infer', '{}', { 'content-type': 'text/csv' })).status).toBe(415);
    const big = await app.request('/v2/models/flowsift/infer', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(3 * 1024 * 1024) }, body: 'x'.repeat(3 * 1024 * 1024) });
    expect(big.status).toBe(413);
    expect(typeof (await body(big)).error).toBe('string');
  });
});
