/**
 * The Open Inference Protocol v2 subset that KServe, Seldon MLServer and Triton clients speak:
 * server liveness / readiness, model metadata and readiness, and inference. The model is "flowsift";
 * its inputs are one 1-D tensor per model feature (FP64 for numeric features, BYTES for categorical
 * ones — the columnar form MLServer's pandas codec uses), one element per flow; its outputs are the
 * anomaly record's fields as tensors, and `reasons` as BYTES holding each flow's reasons as JSON.
 * Errors are `{ "error": "<message>" }`, as the protocol says.
 */
import { Hono, type Context } from 'hono';
import type { ServerContext } from './context.ts';
import type { ModelFile } from '../model/model-file.ts';
import { ApiError, badRequest } from './errors.ts';
import { parseJson, readLimited, requireType } from './body.ts';
import { MAX_FLOWS_PER_REQUEST, scoreRows, scoringTurn, validateFlow } from './scoring.ts';
import type { Row } from '../dataset/types.ts';

export const OIP_MODEL = 'flowsift';

const NUMERIC_TYPES = new Set(['FP64', 'FP32', 'FP16', 'INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'BOOL']);

export const OIP_OUTPUTS = [
  { name: 'anomaly_score', datatype: 'FP64', shape: [-1] },
  { name: 'is_anomaly', datatype: 'BOOL', shape: [-1] },
  { name: 'cluster', datatype: 'INT32', shape: [-1] },
  { name: 'distance', datatype: 'FP64', shape: [-1] },
  { name: 'threshold', datatype: 'FP64', shape: [-1] },
  { name: 'severity', datatype: 'INT32', shape: [-1] },
  { name: 'reasons', datatype: 'BYTES', shape: [-1] },
] as const;

export function modelMetadata(m: ModelFile): Record<string, unknown> {
  const cat = new Set(m.preprocessing.categorical.map((c) => c.name));
  return {
    name: OIP_MODEL,
    versions: [m.createdAt],
    platform: 'flowsift-kmeans',
    inputs: m.features.map((f) => ({ name: f, datatype: cat.has(f) ? 'BYTES' : 'FP64', shape: [-1] })),
    outputs: OIP_OUTPUTS.map((o) => ({ ...o, shape: [...o.shape] })),
    parameters: {
      k: m.kmeans.k,
      threshold: m.thresholds.spec,
      threshold_scope: m.thresholds.rule.scope,
      severity: '1 high (score ≥ 3), 2 medium (≥ 1.5), 3 low (> 1), 0 normal',
    },
  };
}

function flatten(data: unknown, at: string): unknown[] {
  if (!Array.isArray(data)) throw badRequest(`${at}.data: expected an array, got ${data === null ? 'null' : typeof data}`, 'bad_tensor');
  return data.some(Array.isArray) ? (data as unknown[]).flat(Infinity) : data;
}

/** OIP inputs → one row per flow (columnar tensors transposed), validated as /score validates. */
export function rowsFromInputs(body: unknown, m: ModelFile): Row[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('expected an inference request object {"inputs": [...]}', 'bad_request');
  const o = body as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['id', 'parameters', 'inputs', 'outputs'].includes(k)) throw badRequest(`${k}: unknown field of an inference request`, 'unknown_field');
  if (!Array.isArray(o.inputs) || o.inputs.length === 0) throw badRequest('inputs: expected a non-empty array of tensors', 'bad_request');
  const cat = new Set(m.preprocessing.categorical.map((c) => c.name));
  const columns = new Map<string, unknown[]>();
  let n = -1;
  o.inputs.forEach((t: unknown, i: number) => {
    const at = `inputs[${i}]`;
    if (t === null || typeof t !== 'object' || Array.isArray(t)) throw badRequest(`${at}: expected a tensor object`, 'bad_tensor');
    const x = t as Record<string, unknown>;
    for (const k of Object.keys(x)) if (!['name', 'shape', 'datatype', 'parameters', 'data'].includes(k)) throw badRequest(`${at}.${k}: unknown field of a tensor`, 'unknown_field');
    if (typeof x.name !== 'string') throw badRequest(`${at}.name: expected a string`, 'bad_tensor');
    if (typeof x.datatype !== 'string') throw badRequest(`${at}.datatype: expected a string`, 'bad_tensor');
    if (!Array.isArray(x.shape) || !x.shape.every((d) => Number.isInteger(d) && d >= 0)) throw badRequest(`${at}.shape: expected an array of non-negative integers`, 'bad_tensor');
    const name = x.name;
    if (columns.has(name)) throw badRequest(`${at}.name: tensor ${name} given twice`, 'bad_tensor');
    const isCat = cat.has(name);
    if (isCat && x.datatype !== 'BYTES') throw badRequest(`${at}.datatype: ${name} is categorical: expected BYTES, got ${x.datatype}`, 'wrong_type');
    if (!isCat && m.features.includes(name) && !NUMERIC_TYPES.has(x.datatype)) throw badRequest(`${at}.datatype: ${name} is numeric: expected FP64 (or another numeric type), got ${x.datatype}`, 'wrong_type');
    const data = flatten(x.data, at);
    const size = (x.shape as number[]).reduce((a, b) => a * b, 1);
    if (size !== data.length) throw badRequest(`${at}: shape [${(x.shape as number[]).join(', ')}] holds ${size} elements, data has ${data.length}`, 'bad_tensor');
    if (n >= 0 && data.length !== n) throw badRequest(`${at}: ${data.length} elements, the other inputs have ${n} (one element per flow)`, 'bad_tensor');
    n = data.length;
    columns.set(name, x.datatype === 'BOOL' ? data.map((v) => (typeof v === 'boolean' ? Number(v) : v)) : data);
  });
  if (n === 0) throw badRequest('inputs: no flows (0 elements)', 'bad_tensor');
  if (n > MAX_FLOWS_PER_REQUEST) throw badRequest(`${n} flows in one request: send at most ${MAX_FLOWS_PER_REQUEST}`, 'too_many_flows');
  const rows: Row[] = [];
  for (let r = 0; r < n; r++) {
    const row: Record<string, unknown> = {};
    for (const [k, v] of columns) row[k] = v[r];
    rows.push(validateFlow(row, m, `flow ${r}`));
  }
  return rows;
}

export function v2Routes(ctx: ServerContext): Hono {
  const v2 = new Hono();
  const model = (c: Context): ModelFile => {
    const name = c.req.param('name');
    if (name !== OIP_MODEL) throw new ApiError(404, 'not_found', `no model ${JSON.stringify(name)}: this server serves "${OIP_MODEL}"`);
    if (!ctx.model) throw new ApiError(503, 'no_model', 'no model loaded: start flowsift serve with -m model.json');
    return ctx.model;
  };
  v2.get('/health/live', (c) => c.json({ live: true }));
  v2.get('/health/ready', (c) => c.json({ ready: ctx.model !== undefined }, ctx.model ? 200 : 503));
  v2.get('/', (c) => c.json({ name: 'flowsift', version: ctx.model?.flowsiftVersion ?? '0.1.0', extensions: [] }));
  v2.get('/models/:name', (c) => c.json(modelMetadata(model(c))));
  v2.get('/models/:name/ready', (c) => {
    model(c);
    return c.json({ name: OIP_MODEL, ready: true });
  });
  v2.post('/models/:name/infer', async (c) => {
    const m = model(c);
    requireType(c, ['application/json']);
    const bytes = await readLimited(c, ctx.limits.maxJson);
    const { body, recs } = await scoringTurn(bytes.length, () => {
      const body = parseJson(bytes);
      return { body, recs: scoreRows(m, rowsFromInputs(body, m), { explain: 3 }) };
    });
    const o = body as { id?: unknown; outputs?: { name?: unknown }[] };
    const wanted = Array.isArray(o.outputs) ? new Set(o.outputs.map((x) => String(x?.name))) : undefined;
    if (wanted) for (const w of wanted) if (!OIP_OUTPUTS.some((x) => x.name === w)) throw badRequest(`outputs: no output ${JSON.stringify(w)} (outputs: ${OIP_OUTPUTS.map((x) => x.name).join(', ')})`, 'bad_request');
    const data: Record<string, unknown[]> = {
      anomaly_score: recs.map((r) => r.anomaly_score),
      is_anomaly: recs.map((r) => r.is_anomaly),
      cluster: recs.map((r) => r.cluster),
      distance: recs.map((r) => r.distance),
      threshold: recs.map((r) => r.threshold),
      severity: recs.map((r) => r.severity ?? 0),
      reasons: recs.map((r) => JSON.stringify(r.reasons)),
    };
    return c.json({
      model_name: OIP_MODEL,
      model_version: m.createdAt,
      ...(typeof o.id === 'string' ? { id: o.id } : {}),
      outputs: OIP_OUTPUTS.filter((x) => !wanted || wanted.has(x.name)).map((x) => ({ name: x.name, datatype: x.datatype, shape: [recs.length], data: data[x.name] })),
    });
  });
  return v2;
}
