/**
 * The dashboard's typed queries (src/store/dashboard.ts) on the demo analysis, checked against the
 * same answers computed in plain JavaScript from scores.jsonl — over the Parquet files directly and
 * materialized in memory.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { countsPerHour, flowByUid, flowPage, scoreHistogram, serviceByFlag, topAnomalies, type FlowRow } from '../../src/store/dashboard.ts';
import { Writable } from 'node:stream';

const SAMPLE = new URL('../../samples/demo.pcap', import.meta.url).pathname;
const BASELINE = new URL('../../samples/baseline.pcap', import.meta.url).pathname;
let dir: string;
let recs: Record<string, any>[];
const stores: Record<string, Store> = {};

const quiet = new Writable({ write: (_c, _e, cb) => cb() });
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flowsift-dashboard-'));
  expect(await runCli(['analyze', SAMPLE, '--baseline', BASELINE, '--out-dir', dir, '-q'], { stdout: quiet, stderr: quiet })).toBe(0);
  recs = readFileSync(join(dir, 'scores.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  stores.parquet = await openStore([dir]);
  stores.materialized = await openStore([dir], { materialize: true });
}, 120_000);
afterAll(() => {
  for (const s of Object.values(stores)) s.close();
  rmSync(dir, { recursive: true, force: true });
});

const iso = (ts: number): string => {
  const us = Math.round(ts * 1e6);
  return new Date(Math.floor(us / 1000)).toISOString().slice(0, 19) + '.' + String(us % 1e6).padStart(6, '0') + 'Z';
};
const byTsUid = (a: Record<string, any>, b: Record<string, any>): number => a.ts - b.ts || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0);

describe.each(['parquet', 'materialized'])('dashboard queries (%s)', (mode) => {
  const s = (): Store => stores[mode]!;

  it('top anomalies of a service, most anomalous first, with their reasons', async () => {
    const got = await topAnomalies(s(), { service: 'http', limit: 5 });
    const want = recs.filter((r) => r.is_anomaly && r.service === 'http').sort((a, b) => b.anomaly_score - a.anomaly_score || (a.uid < b.uid ? -1 : 1)).slice(0, 5);
    expect(got.map((r) => [r.uid, r.anomaly_score, r.ts])).toEqual(want.map((r) => [r.uid, r.anomaly_score, iso(r.ts)]));
    expect(got[0]!.reasons.map((x) => x.text)).toEqual(want[0]!.reasons.map((x: { text: string }) => x.text));
    expect((await topAnomalies(s())).length).toBe(Math.min(100, recs.filter((r) => r.is_anomaly).length));
  });

  it('counts per hour and service × flag', async () => {
    const hours = new Map<string, { flows: number; anomalies: number }>();
    const pairs = new Map<string, { flows: number; anomalies: number }>();
    for (const r of recs) {
      const h = new Date(Math.floor(r.ts / 3600) * 3600 * 1000).toISOString().replace('.000Z', '.000000Z');
      const e = hours.get(h) ?? { flows: 0, anomalies: 0 };
      e.flows++;
      if (r.is_anomaly) e.anomalies++;
      hours.set(h, e);
      const k = `${r.service}|${r.flag}`;
      const p = pairs.get(k) ?? { flows: 0, anomalies: 0 };
      p.flows++;
      if (r.is_anomaly) p.anomalies++;
      pairs.set(k, p);
    }
    expect(await countsPerHour(s())).toEqual([...hours].sort().map(([hour, e]) => ({ hour, ...e })));
    const sf = await serviceByFlag(s());
    expect(sf.length).toBe(pairs.size);
    for (const row of sf) expect({ flows: row.flows, anomalies: row.anomalies }).toEqual(pairs.get(`${row.service}|${row.flag}`));
    expect(sf.every((r, i) => i === 0 || sf[i - 1]!.flows >= r.flows)).toBe(true);
  });

  it('keyset pages walk the filtered list in (ts, uid) order without gaps or repeats', async () => {
    const want = recs.filter((r) => r.protocol_type === 'tcp').sort(byTsUid).map((r) => r.uid);
    const got: string[] = [];
    let after: { ts: string; uid: string } | undefined;
    let pages = 0;
    for (;;) {
      const page = await flowPage(s(), { filter: { protocolType: 'tcp' }, after, limit: 37 });
      got.push(...page.rows.map((r: FlowRow) => r.uid));
      pages++;
      if (!page.next) break;
      after = page.next;
    }
    expect(got).toEqual(want);
    expect(pages).toBe(Math.floor(want.length / 37) + 1);
    const anomalous = await flowPage(s(), { filter: { isAnomaly: true, minScore: 2 }, limit: 10 });
    expect(anomalous.rows.map((r) => r.uid)).toEqual(recs.filter((r) => r.is_anomaly && r.anomaly_score >= 2).sort(byTsUid).slice(0, 10).map((r) => r.uid));
  });

  it('one flow by uid, and the score histogram', async () => {
    const r = recs[Math.floor(recs.length / 2)]!;
    const f = (await flowByUid(s(), r.uid))!;
    expect([f.uid, f.ts, f.anomaly_score, f.src_ip, f.dst_port, f.cluster]).toEqual([r.uid, iso(r.ts), r.anomaly_score, r.src_ip, r.dst_port, r.cluster]);
    expect(await flowByUid(s(), 'no-such-uid')).toBeUndefined();
    const h = await scoreHistogram(s(), { bins: 20 });
    expect(h.length).toBe(20);
    const top = Math.max(...recs.map((x) => x.anomaly_score));
    const want = new Array(20).fill(0);
    for (const x of recs) want[Math.min(19, Math.floor((x.anomaly_score / top) * 20))]++;
    expect(h.map((b) => b.flows)).toEqual(want);
    expect(h[19]!.hi).toBeCloseTo(top, 9);
    expect(h.reduce((a, b) => a + b.anomalies, 0)).toBe(recs.filter((x) => x.is_anomaly).length);
  });
});
