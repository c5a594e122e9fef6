/**
 * Incidents on real inputs: the bundled demo (five injected attacks), generated captures of two
 * other seeds (trained on an attack-free capture of a third seed), and real corpus captures (an FTP
 * password brute force). The attacks must be the top incidents with the right kinds, ranked above
 * every incident made only of normal flows; the grouping must be the same fed whole or streamed.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, jsonl } from '../cli/model-helpers.ts';
import { ATTACK_KIND, CORPUS, SAMPLES, analyzeLabeled, generated, labelsOf, type AnalyzeRun } from './incidents-helpers.ts';
import { buildIncidents, IncidentBuilder, IncidentTagger, rankIncidents, type Incident } from '../../src/report/incidents/index.ts';
import { flowFilter } from '../../src/report/wireshark.ts';
import type { AnomalyRecord } from '../../src/report/record.ts';
import { formatValue } from '../../src/model/score.ts';

const dir = mkdtempSync(join(tmpdir(), 'flowsift-incidents-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DEMO = join(SAMPLES, 'demo.pcap');
const DEMO_LABELS = join(SAMPLES, 'demo.labels.csv');
const BASELINE = join(SAMPLES, 'baseline.pcap');

/** Every attack label is one incident of its kind among the top ones; normal-only incidents rank below all of them. */
function expectAttacksOnTop(run: AnalyzeRun): void {
  expect(run.code).toBe(0);
  const labels = labelsOf(run);
  const attacks = Object.keys(ATTACK_KIND).filter((l) => run.records.some((r) => r.label === l));
  expect(attacks.length).toBe(5);
  const top = run.incidents.slice(0, attacks.length);
  for (const x of top) {
    const ls = [...labels.get(x.incident_id)!].filter((l) => l !== 'normal');
    expect(ls.length, `incident #${x.rank} ${x.title}`).toBe(1);
    expect(x.kind, `incident #${x.rank} ${x.title} (${ls[0]})`).toBe(ATTACK_KIND[ls[0]!]);
  }
  expect(new Set(top.map((x) => [...labels.get(x.incident_id)!].find((l) => l !== 'normal')))).toEqual(new Set(attacks));
  // every flagged flow of each attack is in its incident
  for (const l of attacks) {
    const ids = new Set(run.records.filter((r) => r.label === l && r.is_anomaly).map((r) => r.incident_id));
    expect(ids.size, l).toBe(1);
  }
  for (const x of run.incidents.slice(attacks.length)) expect([...labels.get(x.incident_id)!], `incident #${x.rank}`).toEqual(['normal']);
}

/** The structural contract: ids, counts and ranks agree between the records and incidents.jsonl. */
function expectConsistent(run: AnalyzeRun): void {
  const anomalous = run.records.filter((r) => r.is_anomaly);
  expect(anomalous.every((r) => typeof r.incident_id === 'string')).toBe(true);
  expect(run.records.filter((r) => !r.is_anomaly).every((r) => r.incident_id === undefined)).toBe(true);
  expect(run.incidents.reduce((a, x) => a + x.flows, 0)).toBe(anomalous.length);
  const byId = new Map(run.incidents.map((x) => [x.incident_id, x]));
  expect(byId.size).toBe(run.incidents.length);
  for (const x of run.incidents) {
    const mine = anomalous.filter((r) => r.incident_id === x.incident_id);
    expect(mine.length).toBe(x.flows);
    expect(x.sources).toBe(new Set(mine.map((r) => r.src_ip)).size);
    expect(x.first_ts).toBe(Math.min(...mine.map((r) => r.ts)));
    expect(x.score_max).toBeCloseTo(Math.max(...mine.map((r) => r.anomaly_score)), 3);
    expect(x.example_uids.every((u: string) => mine.some((r) => r.uid === u))).toBe(true);
  }
  run.incidents.forEach((x, i) => {
    expect(x.rank).toBe(i + 1);
    if (i) expect(run.incidents[i - 1]!.severity_score).toBeGreaterThanOrEqual(x.severity_score);
  });
}

/** Frames of `pcap` that a display filter selects (tshark). */
function tsharkCount(pcap: string, filter: string): number {
  const out = execFileSync('tshark', ['-r', pcap, '-Y', filter, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return out.split('\n').filter(Boolean).length;
}

describe('incidents on the demo capture', () => {
  let run: AnalyzeRun;

  it('the five injected attacks are the five top incidents, with the right kinds and techniques', async () => {
    run = await analyzeLabeled(dir, 'demo', DEMO, DEMO_LABELS, BASELINE);
    expectAttacksOnTop(run);
    expectConsistent(run);
    const kinds = Object.fromEntries(run.incidents.slice(0, 5).map((x) => [x.kind, x]));
    expect(kinds.port_scan.technique).toBe('T1046');
    expect(kinds.port_scan.title).toBe('185.220.101.47 scanned 50 ports of 10.0.0.8');
    expect(kinds.syn_flood.sources).toBe(50);
    expect(kinds.syn_flood.technique).toBe('T1499.001');
    expect(kinds.password_guessing.title).toMatch(/^password guessing against ssh on 10\.0\.0\.22:22 from 103\.151\.22\.8: 20 sessions$/);
    expect(kinds.large_upload.technique).toBe('T1048');
    expect(kinds.icmp_flood.packets).toBe(2048);
    // normal flows the model flags form smaller incidents below the attacks
    expect(run.incidents.length).toBeGreaterThan(5);
  });

  it('analyze prints the top incidents first, then a shorter list of flows', () => {
    const i = run.out.indexOf('top 10 incidents:');
    const f = run.out.indexOf('top 5 anomalous flows:');
    expect(i).toBeGreaterThan(0);
    expect(f).toBeGreaterThan(i);
    expect(run.out).toContain('#1  high  ');
    expect(run.out).toContain(`    wireshark: ${run.incidents[0]!.wireshark_filter}`);
    expect(run.out).toMatch(/high = an attack pattern/);
  });

  it('analyze says what it did: what the model learned from, that it lowered k and why, the severity scales, clusters by their scored flows', () => {
    expect(run.out).toMatch(new RegExp(`^623 flows scored with k-means k=25 trained on the baseline \\(500 flows from ${BASELINE.replace(/[.]/g, '\\.')}\\): ${run.records.filter((r) => r.is_anomaly).length} anomalies`));
    expect(run.out).toContain('\n  k lowered from 100 to 25: 500 rows, at least 20 rows per cluster\n');
    expect(run.out).toContain('flow severity: 1 = anomaly_score ≥ 3');
    expect(run.out).toContain('high = an attack pattern');
    // the cluster that caught the scan and the flood is described by them, not by its baseline centroid
    const scanCluster = run.records.find((r) => r.label === 'synflood')!.cluster;
    const line = run.out.split('\n').find((l) => new RegExp(`^ +${scanCluster} +\\d`).test(l))!;
    expect(line).toMatch(/flag [^·]*S1 \d+%/);
    // one number format: thousands separators from 1,000 on, two decimals below
    expect([formatValue(4232.4), formatValue(10822), formatValue(82.5), formatValue(0.014)]).toEqual(['4,232', '10,822', '82.50', '0.01']);
    expect(run.out).not.toMatch(/\b\d{4,}\.\d\d\b/);
  });

  it('an incident filter selects its flows in Wireshark: exactly for small incidents, a superset for large ones', () => {
    for (const x of run.incidents.slice(0, 5)) {
      const n = tsharkCount(DEMO, x.wireshark_filter);
      if (x.flows <= 8) expect(n, x.title).toBe(x.packets);
      else expect(n, x.title).toBeGreaterThanOrEqual(x.packets);
    }
  });

  it('score --incidents writes the same incidents and tags the records in input order', async () => {
    const model = join(dir, 'demo', 'model.json');
    const scores = join(dir, 'score.jsonl');
    const incs = join(dir, 'score-incidents.jsonl');
    const r = await cli(['score', join(dir, 'demo.csv'), '-m', model, '-o', scores, '--incidents', incs]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/, \d+ incidents → /);
    const recs = jsonl(readFileSync(scores, 'utf8'));
    expect(recs.map((x) => x.row)).toEqual(recs.map((_, i) => i + 1));
    const got = jsonl(readFileSync(incs, 'utf8'));
    expect(got.map((x) => [x.incident_id, x.kind, x.flows])).toEqual(run.incidents.map((x) => [x.incident_id, x.kind, x.flows]));
    expect(recs.map((x) => x.incident_id ?? null)).toEqual(run.records.map((x) => x.incident_id ?? null));
  });

  it('is deterministic and the same streamed record by record as built whole', async () => {
    const recs = run.records as AnomalyRecord[];
    const whole = await buildIncidents(recs);
    const b = new IncidentBuilder();
    const streamed: Incident[] = [];
    async function* gen(): AsyncGenerator<AnomalyRecord> {
      for (const r of recs) yield r;
    }
    for await (const r of gen()) streamed.push(...b.push(r));
    streamed.push(...b.end());
    expect(JSON.stringify(rankIncidents(streamed))).toBe(JSON.stringify(whole));
    expect(whole.map((x) => x.incident_id)).toEqual(run.incidents.map((x) => x.incident_id));
    // the tagger releases every record, in order, each anomaly tagged as analyze tagged it
    const t = new IncidentTagger();
    const out = [...recs.flatMap((r) => t.push({ ...r, incident_id: undefined })), ...t.end()];
    expect(out.map((r) => r.row)).toEqual(recs.map((r) => r.row));
    expect(out.map((r) => r.incident_id ?? null)).toEqual(recs.map((r) => r.incident_id ?? null));
  });

  it('the quiet gap ends an incident: the password guessing paused for 100 s halfway is two incidents at 30 s, one at 200 s', async () => {
    const guess = (run.records as AnomalyRecord[]).filter((r) => r.label === 'bruteforce');
    expect(guess.length).toBe(20);
    // back-to-back sessions: even a 1 s gap keeps them together
    expect((await buildIncidents(guess, { gap: 1 })).map((x) => [x.kind, x.flows])).toEqual([['password_guessing', 20]]);
    const paused = guess.map((r, i) => (i < 10 ? r : { ...r, ts: r.ts! + 100 }));
    expect((await buildIncidents(paused)).map((x) => x.flows)).toEqual([10, 10]);
    expect((await buildIncidents(paused, { gap: 200 })).map((x) => x.flows)).toEqual([20]);
  });
});

describe('incidents on generated captures of other seeds (trained on an attack-free capture of a third seed)', () => {
  const clean = generated(600, 1001, true);
  for (const seed of [5, 9]) {
    it(`seed ${seed}: every injected attack is one incident of its kind, above every normal-only incident`, async () => {
      const g = generated(600, seed);
      const run = await analyzeLabeled(dir, `gen${seed}`, g.pcap, g.labels, clean.pcap);
      expectAttacksOnTop(run);
      expectConsistent(run);
      const flood = run.incidents.find((x) => x.kind === 'syn_flood')!;
      expect(flood.sources).toBeGreaterThan(1000);
      expect(run.incidents.find((x) => x.kind === 'port_scan')!.dst_ports).toBeGreaterThan(900);
    });
  }
});

describe('incidents on real captures', () => {
  it('the FTP brute force of the corpus is one password-guessing incident of 30 sessions', async () => {
    const pcap = join(CORPUS, 'zeek__ftp-bruteforce.pcap');
    const run = await analyzeLabeled(dir, 'ftp', pcap, undefined, BASELINE);
    expect(run.code).toBe(0);
    expect(run.incidents.length).toBe(1);
    const x = run.incidents[0]!;
    expect(x).toMatchObject({ kind: 'password_guessing', technique: 'T1110.001', flows: 30, sources: 1, destinations: 1, top_services: [{ value: 'ftp', flows: 30 }] });
    expect(x.title).toBe('password guessing against ftp on 192.168.56.101:21 from 192.168.56.1: 30 sessions');
    expect(tsharkCount(pcap, x.wireshark_filter)).toBe(x.packets);
  });

  it('a flow filter selects that flow alone, not every flow sharing its port (30 ftp sessions of one client)', () => {
    const pcap = join(CORPUS, 'zeek__ftp-bruteforce.pcap');
    const flows = jsonl(readFileSync(join(dir, 'ftp', 'scores.jsonl'), 'utf8'));
    for (const r of flows.slice(0, 4)) {
      expect(tsharkCount(pcap, flowFilter(r)!)).toBe(r.src_pkts + r.dst_pkts);
    }
  });

  it('an ICMP flow filter names both hosts, type and code and the flow span: each of the two flood flows alone', () => {
    const rec = { src_ip: '91.134.7.200', dst_ip: '10.1.1.15', src_port: 8, dst_port: 0, proto: 1, ts: 1700000051, duration: 0.025 };
    expect(flowFilter(rec)).toBe('ip.addr==91.134.7.200 && ip.addr==10.1.1.15 && icmp.type in {8, 0} && icmp.code==0 && frame.time_epoch >= 1700000050.999999 && frame.time_epoch <= 1700000051.025001');
    const demo = jsonl(readFileSync(join(dir, 'demo', 'scores.jsonl'), 'utf8')).filter((r) => r.label === 'icmpflood');
    expect(demo.length).toBe(2);
    for (const r of demo) expect(tsharkCount(DEMO, flowFilter(r)!)).toBe(r.src_pkts + r.dst_pkts);
  });
});
