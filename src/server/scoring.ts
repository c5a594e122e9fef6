/**
 * Scoring flows sent to the API (POST /api/v1/score, the OIP v2 infer route): validate each flow
 * against the model's features and the flow schema — a malformed flow is a 400 naming the field —
 * then score it exactly as `flowsift score` does (same Scorer, same anomaly record with reasons).
 */
import { RawTable } from '../model/encode.ts';
import type { ModelFile } from '../model/model-file.ts';
import { Scorer } from '../model/score.ts';
import { buildRecord, RECORD_KEEP, type AnomalyRecord } from '../report/record.ts';
import { FLOW_COLUMNS } from '../features/schema.ts';
import type { Row } from '../dataset/types.ts';
import { badRequest } from './errors.ts';

/** Flows per request at most (a larger batch is a 413: split it). */
export const MAX_FLOWS_PER_REQUEST = 100_000;

const SCHEMA_TYPE = new Map<string, string>(FLOW_COLUMNS.map((c) => [c.name, c.type]));
const EXTRA_FIELDS: Record<string, string> = { label: 'string', category: 'string', ts: 'timestamp', timestamp: 'string', row: 'int' };

export interface ScoreOptions {
  /** Reasons per flow (default 3). */
  explain?: number;
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

const featureSets = new WeakMap<ModelFile, { numeric: Set<string>; categorical: Set<string> }>();

function setsOf(model: ModelFile): { numeric: Set<string>; categorical: Set<string> } {
  let s = featureSets.get(model);
  if (!s) {
    s = { numeric: new Set(model.preprocessing.numeric.map((x) => x.name)), categorical: new Set(model.preprocessing.categorical.map((x) => x.name)) };
    featureSets.set(model, s);
  }
  return s;
}

/** Check one flow object; returns it as a row. `at` names it in messages ($[3]). */
export function validateFlow(v: unknown, model: ModelFile, at: string): Row {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw badRequest(`${at}: expected a flow object, got ${typeName(v)}`, 'bad_flow');
  const o = v as Record<string, unknown>;
  const { numeric, categorical } = setsOf(model);
  for (const [k, x] of Object.entries(o)) {
    const path = `${at}.${k}`;
    if (numeric.has(k)) {
      if (typeof x !== 'number' || !Number.isFinite(x)) throw badRequest(`${path}: expected a number, got ${typeName(x)}${typeof x === 'string' ? ` ${JSON.stringify(x).slice(0, 40)}` : ''}`, 'wrong_type');
      continue;
    }
    if (categorical.has(k)) {
      if (typeof x !== 'string') throw badRequest(`${path}: expected a string, got ${typeName(x)}`, 'wrong_type');
      continue;
    }
    const t = SCHEMA_TYPE.get(k) ?? EXTRA_FIELDS[k];
    if (t === undefined) throw badRequest(`${path}: unknown field (a flow has the columns of 'flowsift flows' and the model's features)`, 'unknown_field');
    if (x === null) continue;
    const ok = t === 'int' || t === 'float' || t === 'timestamp' ? typeof x === 'number' && Number.isFinite(x) : t === 'bool' ? typeof x === 'boolean' : typeof x === 'string';
    if (!ok) throw badRequest(`${path}: expected ${t === 'bool' ? 'a boolean' : t === 'string' || t === 'category' ? 'a string' : 'a number'}, got ${typeName(x)}`, 'wrong_type');
  }
  let missing: string[] | undefined;
  for (const f of model.features) if (!(f in o)) (missing ??= []).push(f);
  if (!missing) return o as Row;
  throw badRequest(`${at}.${missing[0]}: missing feature${missing.length > 1 ? ` (and ${missing.length - 1} more: ${missing.slice(1, 6).join(', ')}${missing.length > 6 ? ', …' : ''})` : ''}; the model needs ${model.features.length} features`, 'missing_feature');
}

/** Score validated rows: one anomaly record each, in order. */
export function scoreRows(model: ModelFile, rows: readonly Row[], opts: ScoreOptions = {}): AnomalyRecord[] {
  const p = model.preprocessing;
  const table = new RawTable(p.numeric.map((s) => s.name), p.categorical.map((s) => s.name), RECORD_KEEP, Math.max(1, rows.length));
  for (const r of rows) table.push(r);
  const scorer = new Scorer(model, table);
  const explain = opts.explain ?? 3;
  const out: AnomalyRecord[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = buildRecord(i + 1, table.kept[i]!, scorer.score(i, explain));
  return out;
}

/**
 * Large scoring requests take turns, one at a time, with the event loop let through between turns;
 * small ones (a few flows) run at once. Without this a wave of 200 batch requests parsed and scored
 * back to back holds a single-flow request for the whole wave.
 */
export const SMALL_BODY = 16 * 1024;
let bulkBusy = false;
const bulkWaiting: (() => void)[] = [];

export async function scoringTurn<T>(bodyBytes: number, fn: () => T): Promise<T> {
  if (bodyBytes <= SMALL_BODY) return fn();
  if (bulkBusy) await new Promise<void>((r) => bulkWaiting.push(r));
  bulkBusy = true;
  try {
    return fn();
  } finally {
    const next = bulkWaiting.shift();
    // the turn passes on after pending I/O (new small requests) had its chance
    if (next) setImmediate(next);
    else bulkBusy = false;
  }
}

/** A /score body (one flow or an array of flows) → rows; 400 naming the first bad field. */
export function flowsFromBody(body: unknown, model: ModelFile): { rows: Row[]; single: boolean } {
  if (Array.isArray(body)) {
    if (body.length === 0) throw badRequest('expected a flow object or a non-empty array of flows, got an empty array', 'bad_flow');
    if (body.length > MAX_FLOWS_PER_REQUEST) throw badRequest(`${body.length.toLocaleString('en-US')} flows in one request: send at most ${MAX_FLOWS_PER_REQUEST.toLocaleString('en-US')}`, 'too_many_flows');
    return { rows: body.map((f, i) => validateFlow(f, model, `$[${i}]`)), single: false };
  }
  if (body !== null && typeof body === 'object') return { rows: [validateFlow(body, model, '$')], single: true };
  throw badRequest(`expected a flow object or an array of flows, got ${typeName(body)}`, 'bad_flow');
}
