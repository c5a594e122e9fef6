/**
 * The whole pipeline on real inputs: every corpus capture and a generated capture, through
 * extractFlows → KDD format; every value inside NSL-KDD's domains (vocabularies and ranges measured on
 * KDDTrain+ itself), loadable with the NSL-KDD reader; window features equal to a brute-force recount
 * over the finished rows (so streaming release in start order is exact).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import { extractFlows } from '../../src/features/extract.ts';
import { KddWriter, kddLine } from '../../src/dataset/kdd-format.ts';
import { openOutput } from '../../src/dataset/output.ts';
import { readKdd } from '../../src/dataset/kdd.ts';
import { FLOW_COLUMNS, KDD_COLUMNS } from '../../src/features/schema.ts';
import type { Row } from '../../src/dataset/types.ts';
import { bruteForceWindows, corpusFiles, generatedCapture } from './helpers.ts';

const KDD_TRAIN = new URL('../../../shared/corpus/kdd/KDDTrain+.txt.gz', import.meta.url).pathname;

/** Value domains of NSL-KDD, read from KDDTrain+ (not typed in here). */
interface Domains {
  protocol: Set<string>;
  service: Set<string>;
  flag: Set<string>;
}
let domains: Domains;

async function rowsOf(inputs: string[]): Promise<{ rows: Row[]; errors: number; packets: number }> {
  const rows: Row[] = [];
  const s = await extractFlows(inputs, {}, (r) => void rows.push(r));
  return { rows, errors: s.errors.length, packets: s.packets };
}

/** Problems of one KDD line against the NSL-KDD domains (empty when it is inside them). */
function kddProblems(line: string, where: string): string[] {
  const bad: string[] = [];
  const f = line.split(',');
  if (f.length !== 41) return [`${where}: ${f.length} fields`];
  if (!domains.protocol.has(f[1]!)) bad.push(`${where}: protocol ${f[1]}`);
  if (!domains.service.has(f[2]!)) bad.push(`${where}: service ${f[2]}`);
  if (!domains.flag.has(f[3]!)) bad.push(`${where}: flag ${f[3]}`);
  KDD_COLUMNS.forEach((c, i) => {
    if (c.type === 'category') return;
    const v = f[i]!;
    if (c.unit === 'fraction' ? !/^(0\.\d\d|1\.00)$/.test(v) : !/^\d+$/.test(v)) bad.push(`${where}: ${c.name}=${v}`);
  });
  if (f[6] !== '0' && f[6] !== '1') bad.push(`${where}: land=${f[6]}`);
  const n = (k: number): number => Number(f[k]);
  if (n(22) > 511 || n(23) > 511 || n(31) > 255 || n(32) > 255) bad.push(`${where}: count out of the KDD range`);
  // windows include the current connection
  if (n(22) < 1 || n(23) < 1 || n(31) < 1 || n(32) < 1) bad.push(`${where}: a window without the connection itself`);
  return bad;
}

beforeAll(async () => {
  domains = { protocol: new Set(), service: new Set(), flag: new Set() };
  for await (const r of readKdd(KDD_TRAIN)) {
    domains.protocol.add(r.protocol_type as string);
    domains.service.add(r.service as string);
    domains.flag.add(r.flag as string);
  }
}, 60_000);

describe('KDD output on every corpus capture', () => {
  it('every value is inside the NSL-KDD domains; rows come in start order with all columns', async () => {
    let files = 0;
    let lines = 0;
    const protocols = new Set<string>();
    for (const file of corpusFiles()) {
      const { rows } = await rowsOf([file]);
      const bad: string[] = [];
      const names = FLOW_COLUMNS.map((c) => c.name).join();
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]!;
        const where = `${basename(file)} ${r.uid}`;
        if (Object.keys(r).join() !== names) bad.push(`${where}: columns`);
        if (i > 0 && (r.ts as number) < (rows[i - 1]!.ts as number)) bad.push(`${where}: not in start order`);
        const line = kddLine(r);
        if (line === undefined) {
          if (r.protocol_type !== 'other') bad.push(`${where}: ${r.protocol_type} skipped`);
          continue;
        }
        bad.push(...kddProblems(line, where));
        protocols.add(r.protocol_type as string);
        lines++;
      }
      expect(bad).toEqual([]);
      if (rows.length > 0) files++;
    }
    // Not vacuous: most of the corpus yields flows, of all three protocols.
    expect(files).toBeGreaterThan(40);
    expect(lines).toBeGreaterThan(500);
    expect([...protocols].sort()).toEqual(['icmp', 'tcp', 'udp']);
  }, 120_000);
});

describe('generated capture (gen_bench_pcap.py 1000 flows, seed 7)', () => {
  let rows: Row[];
  let truthRows: number;
  const truth = new Map<string, string>();
  const key = (r: Row): string => `${r.protocol_type}|${r.src_ip}|${r.src_port}|${r.dst_ip}|${r.dst_port}|${Math.round((r.ts as number) * 1e6)}`;
  beforeAll(async () => {
    const g = generatedCapture();
    rows = (await rowsOf([g.pcap])).rows;
    const lines = readFileSync(g.labels, 'utf8').trim().split('\n').slice(1);
    truthRows = lines.length;
    for (const l of lines) {
      // flow_id,start_ts,proto,src_ip,src_port,dst_ip,dst_port,service,label,…
      const f = l.split(',');
      truth.set(`${f[2]}|${f[3]}|${f[4]}|${f[5]}|${f[6]}|${Math.round(Number(f[1]) * 1e6)}`, f[8]!);
    }
  }, 120_000);

  it('KDD output: NSL-KDD domains, and the NSL-KDD reader loads it (labels from the generator truth)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowsift-kddout-'));
    const out = join(dir, 'gen.txt');
    const w = new KddWriter(openOutput(out));
    let labelled = 0;
    for (const r of rows) {
      const label = truth.get(key(r));
      if (label !== undefined) labelled++;
      w.write({ ...r, label: label ?? 'unlabeled' });
    }
    const n = await w.close();
    expect(n).toBe(rows.length);
    expect(labelled / truthRows).toBeGreaterThan(0.99);
    let i = 0;
    const labels = new Set<string>();
    const mismatches: string[] = [];
    for await (const k of readKdd(out)) {
      const r = rows[i++]!;
      for (const c of KDD_COLUMNS) {
        const got = k[c.name];
        const v = r[c.name] as number;
        let ok: boolean;
        if (c.type === 'category') ok = got === (c.name === 'flag' && (v as unknown as string).match(/^(RSTRH|SHR)$/) ? 'OTH' : v);
        else if (c.name === 'duration') ok = got === Math.trunc(v);
        else if (c.unit === 'fraction') ok = Math.abs((got as number) - v) <= 0.005 + 1e-9;
        else if (c.name === 'count' || c.name === 'srv_count') ok = got === Math.min(v, 511);
        else if (c.name === 'dst_host_count' || c.name === 'dst_host_srv_count') ok = got === Math.min(v, 255);
        else ok = got === v;
        if (!ok) mismatches.push(`${r.uid} ${c.name}: ${String(got)} vs ${v}`);
      }
      labels.add(k.label as string);
    }
    expect(i).toBe(rows.length);
    expect(mismatches).toEqual([]);
    const bad = readFileSync(out, 'utf8').trim().split('\n').flatMap((l, k) => kddProblems(l.split(',').slice(0, 41).join(','), `line ${k + 1}`));
    expect(bad).toEqual([]);
    expect(labels.has('portscan') && labels.has('synflood') && labels.has('normal')).toBe(true);
  }, 120_000);

  it('streamed window features equal a brute-force recount over the start-ordered rows', () => {
    expect(rows.length).toBeGreaterThan(3000);
    const want = bruteForceWindows(rows);
    let maxCount = 0;
    const diffs: string[] = [];
    rows.forEach((r, i) => {
      for (const [k, v] of Object.entries(want[i]!)) {
        if (!(Math.abs((r[k] as number) - v) < 1e-12)) diffs.push(`${r.uid} ${k}: ${String(r[k])} vs ${v}`);
      }
      maxCount = Math.max(maxCount, r.count as number);
    });
    expect(diffs).toEqual([]);
    // The SYN flood makes a large time window: the incremental counters were exercised.
    expect(maxCount).toBeGreaterThan(100);
  });

  it('port-scan flows are S0 (REJ when the target reset); no SYN-flood flow is SF (labels from the generator truth)', () => {
    const byLabel = (label: string): Row[] => rows.filter((r) => truth.get(key(r)) === label);
    const scan = byLabel('portscan');
    const flood = byLabel('synflood');
    expect(scan.length).toBeGreaterThan(100);
    expect(flood.length).toBeGreaterThan(100);
    const scanFlags = new Set(scan.map((r) => r.flag));
    // 2 % of scanned ports are open (SYN → SYN/ACK → RST from the scanner: RSTO/RSTOS0-like); the rest S0 or REJ
    expect(scan.filter((r) => r.flag === 'S0' || r.flag === 'REJ').length / scan.length).toBeGreaterThan(0.95);
    expect(scanFlags.has('S0') && scanFlags.has('REJ')).toBe(true);
    for (const r of flood) expect(r.flag).not.toBe('SF');
    // The scan shows in its windows: many connections to one host, SYN/REJ errors, different services.
    const last = scan[scan.length - 1]!;
    expect(last.dst_host_count as number).toBeGreaterThan(50);
    expect((last.dst_host_serror_rate as number) + (last.dst_host_rerror_rate as number)).toBeGreaterThan(0.9);
  });
});

describe('extractFlows control flow', () => {
  const SSH = new URL('../../../shared/corpus/pcap/zeek__ssh.pcap', import.meta.url).pathname;

  it('a failing row sink stops the run and its error is thrown', async () => {
    let calls = 0;
    await expect(
      extractFlows([SSH], {}, () => {
        calls++;
        return Promise.reject(new Error('disk full'));
      }),
    ).rejects.toThrow('disk full');
    expect(calls).toBeGreaterThan(0);
  });

  it('an aborted signal stops reading: summary says aborted, nothing is half-done', async () => {
    const ac = new AbortController();
    ac.abort();
    const rows: Row[] = [];
    const s = await extractFlows([SSH], { signal: ac.signal }, (r) => void rows.push(r));
    expect(s.aborted).toBe(true);
    expect(s.flows).toBe(rows.length);
  });

  it('summary: packets, skip reasons, flows, timing; the meter statistics agree', async () => {
    // REFERENCE.tsv (capinfos/tshark): packets, TCP and UDP conversations of zeek__ssh.pcap.
    const ref = readFileSync(new URL('../../../shared/corpus/pcap/REFERENCE.tsv', import.meta.url), 'utf8')
      .split('\n').find((l) => l.startsWith('zeek__ssh.pcap\t'))!.split('\t');
    const s = await extractFlows([SSH], {}, () => undefined);
    expect(s.packets).toBe(Number(ref[6]));
    expect(s.flows).toBe(s.flowStats.flowsEmitted);
    expect(s.flows).toBe(Number(ref[11]) + Number(ref[12])); // 25 TCP + 0 UDP conversations
    expect(s.skippedTotal).toBe(0);
    expect(s.seconds).toBeGreaterThan(0);
    expect(s.errors).toEqual([]);
  });
});
