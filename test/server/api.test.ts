/**
 * The REST API's read routes over a real analysis (the demo capture analyzed against the bundled
 * baseline): flows and anomalies with every filter and keyset paging, the CSV export, one flow,
 * incidents and their triage, the model — and their 400 / 404 / 413 / 415 answers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.ts';
import { createContext, MATERIALIZE_ROWS, type ServerContext } from '../../src/server/context.ts';
import { body, makeAnalyses, type Fixture } from './helpers.ts';

let fx: Fixture;
let ctx: ServerContext;
let app: ReturnType<typeof createApp>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let scores: any[];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let incidents: any[];

const jsonl = (p: string) => readFileSync(p, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const get = async (u: string) => {
  const r = await app.request(u);
  return { status: r.status, j: await body(r) };
};
/** Every row of a filtered list, page by page. */
async function all(u: string, limit = 97): Promise<Record<string, unknown>[]> {
  const rows = [];
  let next: string | null = null;
  for (let i = 0; i < 100; i++) {
    const { status, j } = await get(`${u}${u.includes('?') ? '&' : '?'}limit=${limit}${next ? `&after=${next}` : ''}`);
    expect(status).toBe(200);
    rows.push(...j.rows);
    next = j.next;
    if (!next) break;
  }
  return rows;
}

beforeAll(async () => {
  fx = await makeAnalyses(['demo', 'baseline']);
  ctx = await createContext({ dirs: [fx.baseline, fx.demo] });
  app = createApp(ctx);
  scores = jsonl(join(fx.demo, 'scores.jsonl'));
  incidents = jsonl(join(fx.demo, 'incidents.jsonl'));
});
afterAll(async () => {
  await ctx?.close();
  fx?.cleanup();
});

describe('analyses', () => {
  it('lists both, the last given is the default, ?analysis= picks another', async () => {
    const { j } = await get('/api/v1/analyses');
    expect(j.default).toBe('demo');
    expect(j.analyses.map((a: { name: string; flows: number }) => [a.name, a.flows])).toEqual([['baseline', jsonl(join(fx.baseline, 'scores.jsonl')).length], ['demo', scores.length]]);
    expect(j.analyses[1].anomalies).toBe(scores.filter((s) => s.is_anomaly).length);
    expect(j.analyses[1].incidents).toBe(incidents.length);
    expect((await get('/api/v1/flows?limit=1&total=1&analysis=baseline')).j.total).toBe(j.analyses[0].flows);
    const nope = await get('/api/v1/flows?analysis=nope');
    expect(nope.status).toBe(404);
    expect(nope.j.error.code).toBe('no_analysis');
  });
});

describe('GET /api/v1/flows', () => {
  it('keyset pages in (ts, uid) order cover every flow once', async () => {
    const rows = await all('/api/v1/flows');
    expect(rows.length).toBe(scores.length);
    expect(new Set(rows.map((r) => r.uid)).size).toBe(scores.length);
    const key = (r: Record<string, unknown>) => `${r.ts as string}|${r.uid as string}`;
    expect(rows.every((r, i) => i === 0 || key(rows[i - 1]!) < key(r))).toBe(true);
  });

  it('each filter keeps exactly the flows the analysis file says match it', async () => {
    const ex = scores.find((s) => s.is_anomaly && s.proto === 6)!;
    const cases: [string, (s: Record<string, any>) => boolean][] = [
      ['service=http', (s) => s.service === 'http'],
      ['service=!http', (s) => s.service !== 'http'],
      ['service=http&service=smtp', (s) => s.service === 'http' || s.service === 'smtp'],
      ['flag=S0&proto=tcp', (s) => s.flag === 'S0' && s.proto === 6],
      ['proto=udp', (s) => s.proto === 17],
      ['addr=10.0.0.0/24', (s) => s.src_ip.startsWith('10.0.0.') || s.dst_ip.startsWith('10.0.0.')],
      ['src=185.220.101.47', (s) => s.src_ip === '185.220.101.47'],
      [`dst=${ex.dst_ip}&dst_port=${ex.dst_port}`, (s) => s.dst_ip === ex.dst_ip && s.dst_port === ex.dst_port],
      ['addr=!10.1.0.0/16', (s) => !s.src_ip.startsWith('10.1.') && !s.dst_ip.startsWith('10.1.')],
      ['addr=10.1.2.0/23&addr=!10.1.3.53', (s) => [s.src_ip, s.dst_ip].some((a: string) => /^10\.1\.[23]\./.test(a)) && s.src_ip !== '10.1.3.53' && s.dst_ip !== '10.1.3.53'],
      ['port=53', (s) => s.src_port === 53 || s.dst_port === 53],
      [`cluster=${ex.cluster}`, (s) => s.cluster === ex.cluster],
      ['min_score=1.5&max_score=3', (s) => s.anomaly_score >= 1.5 && s.anomaly_score <= 3],
      ['anomaly=1', (s) => s.is_anomaly],
      ['severity=1', (s) => s.severity === 1],
      [`incident=${incidents[0].incident_id}`, (s) => s.incident_id === incidents[0].incident_id],
      ['from=2023-11-14T22:13:40Z&to=1700000050', (s) => s.ts >= 1700000020 && s.ts < 1700000050],
    ];
    for (const [f, pred] of cases) {
      const want = scores.filter(pred).map((s) => s.uid).sort();
      expect(want.length, f).toBeGreaterThan(0);
      const rows = await all(`/api/v1/flows?${f}`, 500);
      expect(rows.map((r) => r.uid).sort(), f).toEqual(want);
      expect((await get(`/api/v1/flows?${f}&limit=1&total=1`)).j.total, f).toBe(want.length);
    }
  });

  it('an analysis too large to load into tables (views over the files) filters the same, CIDR included', async () => {
    const saved = { ...MATERIALIZE_ROWS };
    for (const k of Object.keys(MATERIALIZE_ROWS)) MATERIALIZE_ROWS[k] = 0;
    const big = await createContext({ dirs: [fx.demo] });
    Object.assign(MATERIALIZE_ROWS, saved);
    try {
      const a = big.analyses.get();
      expect(a.ipHex).toBe(false);
      const bigApp = createApp(big);
      for (const f of ['addr=10.1.2.0/23&addr=!10.1.3.53', 'src=185.220.101.0/24', 'addr=!10.1.0.0/16&service=http', 'anomaly=1&dst=10.0.0.0/8']) {
        const want = (await all(`/api/v1/flows?${f}`, 1000)).map((r) => r.uid);
        const got = await body(await bigApp.request(`/api/v1/flows?${f}&limit=1000`));
        expect(got.rows.map((r: { uid: string }) => r.uid), f).toEqual(want);
        expect(want.length, f).toBeGreaterThan(0);
      }
      const one = await body(await bigApp.request(`/api/v1/flows/${scores[0].uid}`));
      expect(Object.keys(one.flow).some((k) => k.startsWith('_fs_'))).toBe(false);
    } finally {
      await big.close();
    }
    expect(ctx.analyses.get('demo').ipHex).toBe(true);
    const one = await body(await app.request(`/api/v1/flows/${scores[0].uid}`));
    expect(Object.keys(one.flow).some((k) => k.startsWith('_fs_'))).toBe(false);
  });

  it('columns= chooses the columns', async () => {
    const { j } = await get('/api/v1/flows?columns=uid,service,anomaly_score&limit=3');
    expect(j.columns).toEqual(['uid', 'service', 'anomaly_score']);
    expect(Object.keys(j.rows[0]).sort()).toEqual(['anomaly_score', 'service', 'uid']);
    expect(j.next).toBeTypeOf('string');
  });

  it('400 names the parameter: unknown parameter, bad CIDR, bad number, bad limit, foreign cursor, unknown column', async () => {
    const bad: [string, RegExp][] = [
      ['servce=http', /unknown query parameter "servce"/],
      ['addr=10.0.0.0/33', /^addr: expected an IP address or CIDR/],
      ['port=http', /^port: expected an integer, got "http"/],
      ['limit=0', /^limit: expected 1–1000/],
      ['limit=5000', /^limit: expected 1–1000/],
      ['after=xyz', /^after: not a cursor/],
      ['from=yesterday', /^from: expected an ISO-8601 time/],
      ['columns=uid,nope', /^columns: no column "nope"/],
      ['proto=bogus', /^proto: expected tcp, udp/],
      ['anomaly=maybe', /^anomaly: expected 1 or 0/],
      ['sort=size', /^sort: expected ts or score/],
    ];
    for (const [qs, msg] of bad) {
      const { status, j } = await get(`/api/v1/flows?${qs}`);
      expect(status, qs).toBe(400);
      expect(j.error.message, qs).toMatch(msg);
    }
    const page = (await get('/api/v1/anomalies?limit=2')).j.next;
    const { status, j } = await get(`/api/v1/flows?after=${page}`);
    expect(status).toBe(400);
    expect(j.error.message).toBe('after: the cursor is for sort=score, this request sorts by ts');
  });
});

describe('GET /api/v1/anomalies', () => {
  it('every anomalous flow, most anomalous first, with reasons', async () => {
    const rows = await all('/api/v1/anomalies');
    const an = scores.filter((s) => s.is_anomaly);
    expect(rows.length).toBe(an.length);
    expect(rows.every((r, i) => i === 0 || (rows[i - 1]!.anomaly_score as number) >= (r.anomaly_score as number))).toBe(true);
    const top = an.sort((a, b) => b.anomaly_score - a.anomaly_score)[0];
    expect(rows[0]!.uid).toBe(top.uid);
    expect((rows[0]!.reasons as { text: string }[]).map((x) => x.text)).toEqual(top.reasons.map((x: { text: string }) => x.text));
    const http = await all('/api/v1/anomalies?service=http');
    expect(http.length).toBe(an.filter((s) => s.service === 'http').length);
  });
});

describe('GET /api/v1/flows.csv', () => {
  it('streams every filtered row with a header, in time order', async () => {
    const r = await app.request('/api/v1/flows.csv?anomaly=1&columns=uid,ts,service,anomaly_score,reasons');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(r.headers.get('content-disposition')).toBe('attachment; filename="demo-flows.csv"');
    const lines = (await r.text()).trim().split('\n');
    expect(lines[0]).toBe('uid,ts,service,anomaly_score,reasons');
    const an = scores.filter((s) => s.is_anomaly).sort((a, b) => a.ts - b.ts || (a.uid < b.uid ? -1 : 1));
    expect(lines.length - 1).toBe(an.length);
    expect(lines[1]!.startsWith(`${an[0].uid},${new Date(Math.floor(an[0].ts * 1000)).toISOString().slice(0, 19)}`)).toBe(true);
    expect(lines[1]).toContain('""feature"":');
    const bad = await app.request('/api/v1/flows.csv?limit=10');
    expect(bad.status).toBe(400);
  });
});

describe('GET /api/v1/flows/:uid', () => {
  it('every column, the reasons, the Wireshark filter and the Community ID', async () => {
    const s = scores.filter((x) => x.is_anomaly && x.proto === 6)[0];
    const { status, j } = await get(`/api/v1/flows/${s.uid}`);
    expect(status).toBe(200);
    expect(j.flow.uid).toBe(s.uid);
    for (const k of ['src_ip', 'dst_port', 'cluster', 'anomaly_score', 'distance', 'threshold', 'src_pkts', 'dst_bytes', 'pca_x']) expect(j.flow[k], k).toEqual(s[k]);
    expect(j.community_id).toBe(s.community_id);
    expect(j.wireshark_filter).toBe(`ip.addr==${s.src_ip} && ip.addr==${s.dst_ip} && tcp.port==${s.src_port} && tcp.port==${s.dst_port}`);
    expect(j.reasons.map((x: { text: string }) => x.text)).toEqual(s.reasons.map((x: { text: string }) => x.text));
    expect(j.reasons[0]).toHaveProperty('typical');
    expect(j.incident?.incident_id ?? null).toBe(s.incident_id ?? null);
    expect(j.pcap.available).toBe(true);
    // the ts a list row carries makes the lookup cheaper, same answer; a wrong ts still finds it
    expect((await get(`/api/v1/flows/${s.uid}?ts=${encodeURIComponent(j.flow.ts)}`)).j.flow).toEqual(j.flow);
    expect((await get(`/api/v1/flows/${s.uid}?ts=2001-01-01T00:00:00Z`)).j.flow).toEqual(j.flow);
    expect((await get(`/api/v1/flows/${s.uid}?ts=soon`)).status).toBe(400);
    const nf = await get('/api/v1/flows/Cnosuchflow0000000');
    expect(nf.status).toBe(404);
    expect(nf.j.error.code).toBe('no_flow');
  });
});

describe('incidents and triage', () => {
  it('ranked, paged by rank, filtered by kind and severity', async () => {
    const rows = await all('/api/v1/incidents', 7);
    expect(rows.map((r) => r.incident_id)).toEqual(incidents.map((x) => x.incident_id));
    expect(rows.every((r) => (r.triage as { status: string }).status === 'new')).toBe(true);
    const kind = incidents[0].kind;
    expect((await all(`/api/v1/incidents?kind=${kind}`)).length).toBe(incidents.filter((x) => x.kind === kind).length);
    expect((await all(`/api/v1/incidents?kind=!${kind}&severity=1`)).length).toBe(incidents.filter((x) => x.kind !== kind && x.severity === 1).length);
    const src = incidents[0].top_sources[0].value;
    expect((await all(`/api/v1/incidents?addr=${src}`)).length).toBe(incidents.filter((x) => [...x.top_sources, ...x.top_destinations].some((v: { value: string }) => v.value === src)).length);
    expect((await get('/api/v1/incidents?severity=5')).status).toBe(400);
    expect((await get('/api/v1/incidents?colour=red')).status).toBe(400);
  });

  it('PATCH sets the status, persisted beside the analysis (a new server reads it back); status filter', async () => {
    const id = incidents[1].incident_id;
    const r = await app.request(`/api/v1/incidents/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'escalated', note: 'exfil to a new host', by: 'ana' }) });
    expect(r.status).toBe(200);
    const j = await body(r);
    expect(j.triage).toMatchObject({ status: 'escalated', note: 'exfil to a new host', by: 'ana' });
    const file = JSON.parse(readFileSync(join(fx.demo, 'triage.json'), 'utf8'));
    expect(file.schema).toBe('flowsift.triage/1');
    expect(file.incidents[id].status).toBe('escalated');
    const p = await app.request(`/api/v1/incidents/${incidents[2].incident_id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"status":"acknowledged"}' });
    expect(p.status).toBe(200);
    expect((await all('/api/v1/incidents?status=escalated')).map((x) => x.incident_id)).toEqual([id]);
    expect((await all('/api/v1/incidents?status=new')).length).toBe(incidents.length - 2);
    const other = await createContext({ dirs: [fx.demo] });
    try {
      const { j: one } = { j: await body(await createApp(other).request(`/api/v1/incidents/${id}`)) };
      expect(one.incident.triage.status).toBe('escalated');
      expect(one.incident.title).toBe(incidents[1].title);
    } finally {
      await other.close();
    }
  });

  it('triage errors: 400 bad status / unknown field / malformed JSON, 404, 415, 413', async () => {
    const id = incidents[0].incident_id;
    const send = (b: string, type = 'application/json', path = id) => app.request(`/api/v1/incidents/${path}`, { method: 'PATCH', headers: { 'content-type': type }, body: b });
    let r = await send('{"status":"closed"}');
    expect(r.status).toBe(400);
    expect((await body(r)).error.message).toBe('status: expected one of new, acknowledged, escalated, got "closed"');
    r = await send('{"status":"new","colour":"red"}');
    expect((await body(r)).error.message).toBe('colour: unknown field (status, note, by)');
    r = await send('{"status":');
    expect(r.status).toBe(400);
    expect((await body(r)).error.code).toBe('malformed_json');
    expect((await send('{"status":"new"}', 'application/json', 'Inope')).status).toBe(404);
    r = await send('status=new', 'application/x-www-form-urlencoded');
    expect(r.status).toBe(415);
    r = await send(JSON.stringify({ status: 'new', note: 'x'.repeat(70_000) }));
    expect(r.status).toBe(413);
  });
});

describe('GET /api/v1/model', () => {
  it('the summary of the served model, and the whole file with full=1', async () => {
    const model = JSON.parse(readFileSync(join(fx.baseline, 'model.json'), 'utf8'));
    const { j } = await get('/api/v1/model');
    // the server's model is the first analysis's (baseline, given first)
    expect(j.k).toBe(model.kmeans.k);
    expect(j.features).toEqual(model.features);
    expect(j.threshold.spec).toBe(model.thresholds.spec);
    const demoModel = JSON.parse(readFileSync(join(fx.demo, 'model.json'), 'utf8'));
    expect((await get('/api/v1/model?analysis=demo&full=1')).j).toEqual(demoModel);
  });
});
