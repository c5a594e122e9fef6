/**
 * The REST API under /api/v1 (JSON; errors `{ "error": { "code", "message" } }`): health, the
 * served analyses, flows / anomalies / incidents with the shared filters and keyset paging, one
 * flow with every column, the CSV export, incident triage, the model and scoring. Uploads and jobs
 * are in upload.ts, the per-flow pcap in pcap-route.ts, the OpenAPI document in openapi.ts.
 */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { Hono, type Context } from 'hono';
import type { Analysis, ServerContext } from './context.ts';
import { FLOWSIFT_VERSION } from '../model/model-file.ts';
import type { ModelFile } from '../model/model-file.ts';
import { badRequest, notFound, ApiError } from './errors.ts';
import { parseFlowQuery, pageSql, queryValues, parseTime, type QueryValues } from './filters.ts';
import { countRows, DEFAULT_FLOW_COLUMNS, flowByUid, flowPage, hasView, query, selectList, viewColumns } from './queries.ts';
import { parseJson, readJson, readLimited, requireType } from './body.ts';
import { flowsFromBody, scoreRows, scoringTurn } from './scoring.ts';
import { flowFilter, flowIdentity } from '../report/wireshark.ts';
import { TRIAGE_STATUSES, type TriageStatus } from './triage.ts';
import type { Param } from '../store/index.ts';
import { flowPcap, pcapAvailable } from './pcap-route.ts';

/** The analysis a request names (`?analysis=`), or the default one. */
export function analysisOf(ctx: ServerContext, c: Context): Analysis {
  return ctx.analyses.get(c.req.query('analysis'));
}

/** The model /score applies: `?analysis=`'s own model when named, else the server's. */
export function modelOf(ctx: ServerContext, c: Context): ModelFile {
  const name = c.req.query('analysis');
  const m = name ? ctx.analyses.get(name).model : ctx.model;
  if (!m) throw new ApiError(503, 'no_model', name ? `analysis ${name} has no model.json` : 'no model loaded: start flowsift serve with -m model.json, or with an analysis directory that has one');
  return m;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);


/** Model facts for /model (the whole model.json with ?full=1). */
export function modelSummary(m: ModelFile): Record<string, unknown> {
  return {
    format: m.format,
    schema_version: m.schemaVersion,
    flowsift_version: m.flowsiftVersion,
    created_at: m.createdAt,
    features: m.features,
    numeric: m.preprocessing.numeric.map((s) => s.name),
    categorical: m.preprocessing.categorical.map((s) => ({ name: s.name, values: s.values })),
    k: m.kmeans.k,
    cluster_sizes: m.kmeans.clusterSizes,
    threshold: { spec: m.thresholds.spec, scope: m.thresholds.rule.scope, global: m.thresholds.global, per_cluster: m.thresholds.perCluster },
    k_selection: m.kSelection,
    training: m.training,
    pca: m.pca ? { explained_variance: m.pca.explainedVariance, points: m.pca.points.length } : null,
  };
}

const INCIDENT_FILTERS = ['kind', 'severity', 'status', 'addr', 'from', 'to', 'after', 'limit', 'analysis'] as const;

export function apiRoutes(ctx: ServerContext): Hono {
  const api = new Hono();

  api.get('/health', (c) =>
    c.json({
      status: 'ok',
      version: FLOWSIFT_VERSION,
      model: ctx.model ? { loaded: true, source: ctx.modelSource ?? null } : { loaded: false, source: null },
      analyses: ctx.analyses.list().map((a) => ({ name: a.name, origin: a.origin, added_at: a.addedAt, views: a.store.views.map((v) => v.name) })),
      jobs: { running: ctx.jobs.list().filter((j) => j.state === 'running').length, queued: ctx.jobs.list().filter((j) => j.state === 'queued').length },
    }),
  );

  api.get('/analyses', async (c) => {
    const list = ctx.analyses.list();
    const def = list[list.length - 1]?.name ?? null;
    const out = [];
    for (const a of list) {
      const r = await query(a, `SELECT count(*)::BIGINT AS flows, count(*) FILTER (WHERE is_anomaly)::BIGINT AS anomalies, min(ts) AS first, max(ts) AS last FROM "scores"`);
      const inc = hasView(a, 'incidents') ? Number((await query(a, 'SELECT count(*)::BIGINT AS n FROM "incidents"')).rows[0]?.n ?? 0) : 0;
      out.push({
        name: a.name, origin: a.origin, added_at: a.addedAt, default: a.name === def, views: a.store.views.map((v) => v.name),
        has_model: Boolean(a.model), captures: a.sources.length, ...r.rows[0], incidents: inc,
      });
    }
    return c.json({ analyses: out, default: def });
  });

  const listRoute = (view: 'scores' | 'anomalies', defaultSort: 'ts' | 'score', defaults: readonly string[]) => async (c: Context) => {
    const a = analysisOf(ctx, c);
    const q = queryValues(c.req.url);
    // the anomalies list reads the anomalies view when the analysis has one, else the anomalous scores
    const src = view === 'anomalies' && !hasView(a, 'anomalies') ? 'scores' : view;
    const fq = parseFlowQuery(q, { columns: viewColumns(a, src), defaultSort, defaultLimit: 100, maxLimit: ctx.limits.maxPage, extra: ['total'], ipHex: a.ipHex });
    if (view === 'anomalies' && src === 'scores') fq.where = `${fq.where} AND is_anomaly`;
    const total = q.total?.at(-1) === '1' ? await countRows(a, src, fq) : undefined;
    const page = await flowPage(a, src, fq, defaults);
    return c.json({ analysis: a.name, sort: fq.sort, limit: fq.limit, columns: page.columns, rows: page.rows, next: page.next, ...(total === undefined ? {} : { total }) });
  };
  api.get('/flows', listRoute('scores', 'ts', DEFAULT_FLOW_COLUMNS));
  api.get('/anomalies', listRoute('anomalies', 'score', [...DEFAULT_FLOW_COLUMNS, 'reasons']));

  // the explorer's export: every filtered row (no page limit), written by DuckDB to a temp file and
  // streamed from disk — the server never holds the rows
  api.get('/flows.csv', async (c) => {
    const a = analysisOf(ctx, c);
    const q = queryValues(c.req.url);
    const cols = viewColumns(a, 'scores');
    const fq = parseFlowQuery(q, { columns: cols, defaultSort: 'ts', defaultLimit: 1, maxLimit: ctx.limits.maxPage, ipHex: a.ipHex });
    if (fq.after || q.limit) throw badRequest('flows.csv exports every filtered row: no after or limit', 'bad_filter');
    const want = fq.columns ?? DEFAULT_FLOW_COLUMNS.filter((x) => cols.includes(x));
    const types = new Map(a.store.views.find((v) => v.name === 'scores')!.columns.map((x) => [x.name, x.type]));
    // nested values (reasons) as JSON text; timestamps as ISO-8601 UTC
    const sel = want.map((x) => {
      const t = types.get(x) ?? '';
      const id = `"${x.replace(/"/g, '""')}"`;
      if (/STRUCT|\[\]|MAP/.test(t)) return `to_json(${id})::VARCHAR AS ${id}`;
      if (/^TIMESTAMP/.test(t)) return `strftime(${id}, '%Y-%m-%dT%H:%M:%S.%fZ') AS ${id}`;
      return id;
    }).join(', ');
    const { cond, order, params } = pageSql(fq);
    const file = join(tmpdir(), `flowsift-export-${process.pid}-${randomBytes(6).toString('hex')}.csv`);
    const sqlPath = `'${file.replace(/'/g, "''")}'`;
    try {
      await queryOnConnection(a, `COPY (SELECT ${sel} FROM "scores" WHERE ${cond} ORDER BY ${order}) TO ${sqlPath} (FORMAT csv, HEADER true)`, params);
    } catch (e) {
      await rm(file, { force: true });
      throw e;
    }
    const rs = createReadStream(file);
    const cleanup = (): void => void rm(file, { force: true });
    rs.once('close', cleanup);
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="${a.name}-flows.csv"`);
    return c.body(Readable.toWeb(rs) as unknown as ReadableStream);
  });

  api.get('/flows/:uid/pcap', (c) => flowPcap(ctx, c));

  api.get('/flows/:uid', async (c) => {
    const a = analysisOf(ctx, c);
    const uid = c.req.param('uid');
    const ts = c.req.query('ts');
  const row = (ts ? await flowByUid(a, uid, parseTime('ts', ts)) : undefined) ?? (await flowByUid(a, uid));
    if (!row) throw notFound(`no flow with uid ${uid} in analysis ${a.name}`, 'no_flow');
    const incident = typeof row.incident_id === 'string' ? row.incident_id : null;
    const id = flowIdentity(row);
    return c.json({
      analysis: a.name,
      flow: row,
      community_id: row.community_id ?? null,
      wireshark_filter: flowFilter(id) ?? null,
      reasons: row.reasons ?? [],
      incident: incident ? { incident_id: incident, triage: a.triage.get(incident) } : null,
      pcap: pcapAvailable(a) ? { available: true, url: `/api/v1/flows/${encodeURIComponent(uid)}/pcap?analysis=${encodeURIComponent(a.name)}&ts=${encodeURIComponent(String(row.ts))}` } : { available: false, url: null },
    });
  });

  api.get('/incidents', async (c) => {
    const a = analysisOf(ctx, c);
    if (!hasView(a, 'incidents')) return c.json({ analysis: a.name, rows: [], next: null, limit: 0 });
    const q = queryValues(c.req.url);
    for (const k of Object.keys(q)) if (!(INCIDENT_FILTERS as readonly string[]).includes(k)) throw badRequest(`unknown query parameter ${JSON.stringify(k)} (known: ${INCIDENT_FILTERS.join(', ')})`, 'unknown_parameter');
    const params: Param[] = [];
    const p = (v: Param): string => {
      params.push(v);
      return `$${params.length}`;
    };
    const conds: string[] = [];
    const multi = (k: string, fn: (v: string) => string): void => {
      const vals = q[k];
      if (!vals) return;
      const inc = vals.filter((v) => !v.startsWith('!')).map(fn);
      const exc = vals.filter((v) => v.startsWith('!')).map((v) => fn(v.slice(1)));
      if (inc.length) conds.push(`(${inc.join(' OR ')})`);
      for (const e of exc) conds.push(`NOT coalesce(${e}, false)`);
    };
    multi('kind', (v) => `kind = ${p(v)}`);
    multi('severity', (v) => {
      if (!/^[123]$/.test(v)) throw badRequest(`severity: expected 1, 2 or 3, got ${JSON.stringify(v)}`, 'bad_filter');
      return `severity = ${p(Number(v))}`;
    });
    multi('addr', (v) => `(list_contains(list_transform(top_sources, x -> x.value), ${p(v)}) OR list_contains(list_transform(top_destinations, x -> x.value), $${params.length}))`);
    multi('status', (v) => {
      if (!(TRIAGE_STATUSES as readonly string[]).includes(v)) throw badRequest(`status: expected ${TRIAGE_STATUSES.join(', ')}, got ${JSON.stringify(v)}`, 'bad_filter');
      const set = Object.entries(a.triage.all()).filter(([, e]) => e.status !== 'new').map(([id, e]) => ({ id, s: e.status }));
      if (v === 'new') return `NOT list_contains(string_split(${p(set.map((x) => x.id).join(','))}, ','), incident_id)`;
      return `list_contains(string_split(${p(set.filter((x) => x.s === v).map((x) => x.id).join(','))}, ','), incident_id)`;
    });
    const last = (k: string): string | undefined => q[k]?.at(-1);
    if (last('from')) conds.push(`last_ts >= epoch(${p(parseTime('from', last('from')!))}::TIMESTAMPTZ)`);
    if (last('to')) conds.push(`first_ts < epoch(${p(parseTime('to', last('to')!))}::TIMESTAMPTZ)`);
    const after = last('after');
    if (after !== undefined) {
      if (!/^\d+$/.test(after)) throw badRequest(`after: expected the rank the previous page ended at, got ${JSON.stringify(after)}`, 'bad_cursor');
      conds.push(`rank > ${p(Number(after))}`);
    }
    const lt = last('limit');
    const limit = lt === undefined ? 100 : Number(lt);
    if (!Number.isInteger(limit) || limit < 1 || limit > ctx.limits.maxPage) throw badRequest(`limit: expected 1–${ctx.limits.maxPage}, got ${lt}`, 'bad_filter');
    params.push(limit + 1);
    const r = await query(a, `SELECT * EXCLUDE (event_type, schema) FROM "incidents" WHERE ${conds.length ? conds.join(' AND ') : 'true'} ORDER BY rank LIMIT $${params.length}`, params);
    const more = r.rows.length > limit;
    const rows: Record<string, unknown>[] = (more ? r.rows.slice(0, limit) : r.rows).map((x) => ({ ...x, triage: a.triage.get(String(x.incident_id)) }));
    return c.json({ analysis: a.name, limit, rows, next: more ? String(rows[rows.length - 1]!.rank) : null });
  });

  api.get('/incidents/:id', async (c) => {
    const a = analysisOf(ctx, c);
    const id = c.req.param('id');
    const r = hasView(a, 'incidents') ? await query(a, 'SELECT * EXCLUDE (event_type, schema) FROM "incidents" WHERE incident_id = $1 LIMIT 1', [id]) : { rows: [] };
    if (!r.rows[0]) throw notFound(`no incident ${id} in analysis ${a.name}`, 'no_incident');
    return c.json({ analysis: a.name, incident: { ...r.rows[0], triage: a.triage.get(id) } });
  });

  const triage = async (c: Context) => {
    const a = analysisOf(ctx, c);
    const id = c.req.param('id')!;
    const body = await readJson(c, 64 * 1024);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('expected a JSON object {"status": "acknowledged", "note": "…"}', 'bad_triage');
    const o = body as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!['status', 'note', 'by'].includes(k)) throw badRequest(`${k}: unknown field (status, note, by)`, 'unknown_field');
    if (typeof o.status !== 'string' || !(TRIAGE_STATUSES as readonly string[]).includes(o.status)) {
      throw badRequest(`status: expected one of ${TRIAGE_STATUSES.join(', ')}, got ${JSON.stringify(o.status)}`, 'bad_triage');
    }
    for (const k of ['note', 'by'] as const) {
      if (o[k] !== undefined && (typeof o[k] !== 'string' || (o[k] as string).length > 4000)) throw badRequest(`${k}: expected a string of at most 4,000 characters`, 'bad_triage');
    }
    const exists = hasView(a, 'incidents') && (await query(a, 'SELECT 1 FROM "incidents" WHERE incident_id = $1 LIMIT 1', [id])).rows.length > 0;
    if (!exists) throw notFound(`no incident ${id} in analysis ${a.name}`, 'no_incident');
    const e = await a.triage.set(id, o.status as TriageStatus, { note: o.note as string | undefined, by: o.by as string | undefined });
    return c.json({ analysis: a.name, incident_id: id, triage: e });
  };
  api.patch('/incidents/:id', triage);
  api.post('/incidents/:id', triage);

  api.get('/model', (c) => {
    const m = modelOf(ctx, c);
    if (c.req.query('full') === '1') return c.json(m);
    return c.json({ source: c.req.query('analysis') ? `analysis ${c.req.query('analysis')}` : ctx.modelSource ?? null, ...modelSummary(m) });
  });

  api.post('/score', async (c) => {
    const model = modelOf(ctx, c);
    const ex = c.req.query('explain');
    const explain = ex === undefined ? 3 : Number(ex);
    if (!Number.isInteger(explain) || explain < 0 || explain > 20) throw badRequest(`explain: expected an integer 0–20, got ${JSON.stringify(ex)}`, 'bad_parameter');
    requireType(c, ['application/json']);
    const bytes = await readLimited(c, ctx.limits.maxJson);
    const out = await scoringTurn(bytes.length, () => {
      const { rows, single } = flowsFromBody(parseJson(bytes), model);
      const recs = scoreRows(model, rows, { explain });
      return JSON.stringify(single ? recs[0] : recs);
    });
    return c.body(out, 200, { 'Content-Type': 'application/json' });
  });

  return api;
}

/** A statement with parameters on the analysis's queue (COPY has no result rows to convert). */
async function queryOnConnection(a: Analysis, sql: string, params: Param[]): Promise<void> {
  await query(a, sql, params);
}

export type { QueryValues };
