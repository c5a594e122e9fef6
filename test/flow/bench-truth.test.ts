/**
 * Per-flow truth on a generated capture: `python3 ../shared/bench/gen_bench_pcap.py <tmp>/t.pcap 1000 7`
 * writes t.pcap and t.labels.csv (flow_id,start_ts,proto,src_ip,src_port,dst_ip,dst_port,service,
 * label,pkts,src_bytes,dst_bytes; src = initiator, bytes = L4 payload, ICMP rows src_port=8 dst_port=0).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../src/flow/record.ts';
import { benchCapture, flowsOf } from './helpers.ts';

interface Truth { ts: number; proto: string; src: string; sport: number; dst: string; dport: number; label: string; pkts: number; sb: number; db: number }

describe('generated capture vs its ground truth', () => {
  let truth: Truth[] = [];
  let flows: FlowRecord[] = [];
  const match = new Map<Truth, FlowRecord | undefined>();

  beforeAll(async () => {
    const { pcap, labels } = benchCapture(1000, 7);
    truth = readFileSync(labels, 'utf8').trim().split('\n').slice(1).map((l) => {
      const c = l.split(',');
      return { ts: +c[1]!, proto: c[2]!, src: c[3]!, sport: +c[4]!, dst: c[5]!, dport: +c[6]!, label: c[8]!, pkts: +c[9]!, sb: +c[10]!, db: +c[11]! };
    });
    flows = (await flowsOf(pcap)).flows;
    const idx = new Map<string, FlowRecord[]>();
    for (const f of flows) {
      const k = `${f.protocolType}|${f.srcIp}|${f.srcPort}|${f.dstIp}|${f.dstPort}`;
      (idx.get(k) ?? idx.set(k, []).get(k)!).push(f);
    }
    for (const t of truth) {
      const cands = idx.get(`${t.proto}|${t.src}|${t.sport}|${t.dst}|${t.dport}`) ?? [];
      match.set(t, cands.find((f) => Math.abs(f.startTs - t.ts) < 0.001));
    }
  });

  it('one flow per labeled flow, originator = the initiator', () => {
    expect(truth.length).toBeGreaterThan(3000);
    expect(flows.length).toBe(truth.length);
    const found = [...match.values()].filter((f) => f !== undefined).length;
    expect(found).toBe(truth.length);
  });

  it('packets, src_bytes and dst_bytes equal the truth for ≥ 99 % of flows', () => {
    let ok = 0;
    for (const [t, f] of match) {
      if (f !== undefined && f.srcPkts + f.dstPkts === t.pkts && f.srcBytes === t.sb && f.dstBytes === t.db) ok++;
    }
    expect(ok / truth.length).toBeGreaterThanOrEqual(0.99);
  });

  it('port scan: S0 when unanswered, REJ when reset, RSTO when the open port is half-open scanned', () => {
    const scan = [...match].filter(([t]) => t.label === 'portscan');
    expect(scan.length).toBeGreaterThan(500);
    for (const [t, f] of scan) {
      // Truth: 1 packet = SYN only; 2 = SYN + RST/ACK; 3 = SYN, SYN/ACK, the scanner's RST.
      const want = t.pkts === 1 ? 'S0' : t.pkts === 2 ? 'REJ' : 'RSTO';
      expect(f!.flag, `${t.src}:${t.sport} → ${t.dport} (${t.pkts} pkts)`).toBe(want);
    }
    expect(scan.filter(([, f]) => f!.flag === 'S0').length).toBeGreaterThan(scan.length / 2);
  });

  it('no SYN-flood flow is SF', () => {
    const flood = [...match].filter(([t]) => t.label === 'synflood');
    expect(flood.length).toBeGreaterThan(100);
    for (const [, f] of flood) expect(f!.flag).not.toBe('SF');
  });

  it('ICMP flood: echo flows keyed by identifier, src_port 8 / dst_port 0, flag SF', () => {
    const icmp = [...match].filter(([t]) => t.proto === 'icmp');
    expect(icmp.length).toBeGreaterThan(0);
    for (const [, f] of icmp) expect(f).toMatchObject({ srcPort: 8, dstPort: 0, flag: 'SF', connState: 'OTH' });
  });
});
