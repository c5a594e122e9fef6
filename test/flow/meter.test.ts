/**
 * FlowMeter mechanics on real packets: timers on packet time (idle, active, TCP linger), maxFlows
 * eviction, packet accounting over the whole corpus, ICMP echo pairing and ICMP error attribution,
 * plus the pure pieces (conn_state table, history regex, keys, address text).
 */
import fc from 'fast-check';
import { readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodePacket } from '../../src/decode/decoder.ts';
import { DecodedPacket } from '../../src/decode/packet.ts';
import { formatIPv4, formatIPv6 } from '../../src/flow/ip-format.ts';
import { FlowMeter } from '../../src/flow/meter.ts';
import type { FlowPlugin, FlowResults } from '../../src/flow/plugin.ts';
import { endedRecord } from '../../src/flow/ended.ts';
import { createContentPlugin } from '../../src/features/content/index.ts';
import type { FlowRecord } from '../../src/flow/record.ts';
import { KeyScratch, setKey4, setKey6 } from '../../src/flow/key.ts';
import { TcpState as T, connState, historyRstos0, udpConnState } from '../../src/flow/tcp-state.ts';
import { CORPUS, type SavedPacket, corpus, flowsOf, flowsOfPackets, frames, loadPackets } from './helpers.ts';

function shifted(p: SavedPacket, seconds: number): SavedPacket {
  return { rec: { ...p.rec, tsSec: p.rec.tsSec + seconds } };
}
const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe('timers on packet time', () => {
  let get: SavedPacket[], ssh: SavedPacket[], vnc: SavedPacket[];
  beforeAll(async () => {
    get = await loadPackets(corpus('zeek__get-to-ssh-server.pcap'));
    ssh = await loadPackets(corpus('zeek__ssh.pcap'));
    vnc = await loadPackets(corpus('zeek__vnc-scanner.pcap'));
  });

  it('idle: ssh session frames 1–10, then 11–45 moved 200 s later → two flows (idle, then mid-stream)', () => {
    const pkts = [...frames(ssh, range(1, 10)), ...frames(ssh, range(11, 45)).map((p) => shifted(p, 200))];
    const { flows } = flowsOfPackets(pkts, { idleTimeout: 120 });
    expect(flows).toHaveLength(2);
    expect(flows[0]).toMatchObject({ endReason: 'idle', flag: 'S1' });
    expect(flows[1]!.history).not.toMatch(/[Ss]/);
    // The same packets with the default-free setting (idle 300 s) stay one SF flow.
    expect(flowsOfPackets(pkts, { idleTimeout: 300 }).flows).toHaveLength(1);
  });

  it('active timeout: get-to-ssh-server frames 1–6, then 7–9 moved 10 s later, active 5 s → cut', () => {
    const pkts = [...frames(get, range(1, 6)), ...frames(get, range(7, 9)).map((p) => shifted(p, 10))];
    const cut = flowsOfPackets(pkts, { activeTimeout: 5 }).flows;
    expect(cut.map((f) => f.endReason)).toEqual(['active', 'rst']);
    expect(flowsOfPackets(pkts).flows).toHaveLength(1); // active timeout off by default
  });

  it('linger: vnc-scanner frames 1–17 (both FINs), then the RST 1 s later joins; 10 s later it does not', () => {
    const near = flowsOfPackets([...frames(vnc, range(1, 17)), shifted(vnc[17]!, 1)], { tcpLinger: 5 }).flows;
    expect(near).toHaveLength(1);
    expect(near[0]).toMatchObject({ flag: 'SF', endReason: 'fin', srcPkts: 8 }); // client frames 1,3,5,9,10,12,17 + the RST
    const far = flowsOfPackets([...frames(vnc, range(1, 17)), shifted(vnc[17]!, 10)], { tcpLinger: 5 }).flows;
    expect(far).toHaveLength(2);
    expect(far[1]).toMatchObject({ history: 'R', connState: 'OTH', endReason: 'rst' });
  });

  it('maxFlows evicts the least recently active flow, not the oldest one', () => {
    const at = (p: SavedPacket, t: number): SavedPacket => ({ rec: { ...p.rec, tsSec: t, tsNsec: 0 } });
    // X = ssh frames 1 and 3 (192.168.1.79:51880 → :22), Y = get-to-ssh-server frame 1, Z = vnc-scanner frame 1.
    const pkts = [at(ssh[0]!, 1000), at(get[0]!, 1001), at(ssh[2]!, 1002), at(vnc[0]!, 1003)];
    const { flows, stats } = flowsOfPackets(pkts, { maxFlows: 2 });
    expect(stats.evictions).toBe(1);
    expect(flows).toHaveLength(3);
    const y = flows.find((f) => f.srcIp === '136.216.42.40')!;
    const x = flows.find((f) => f.srcIp === '192.168.1.79')!;
    expect(y.endReason).toBe('idle');
    expect(x).toMatchObject({ srcPkts: 2, endReason: 'eof' });
  });

  it('maxFlows: http-methods (49 connections) with room for 2 flows evicts, and loses no packet', async () => {
    const { flows, stats } = await flowsOf(corpus('zeek__http-methods.pcap'), { maxFlows: 2 });
    expect(stats.evictions).toBeGreaterThan(0);
    expect(stats.peakFlows).toBeLessThanOrEqual(2);
    // tshark (capinfos -c): 655 packets, all IPv4/TCP.
    expect(flows.reduce((n, f) => n + f.srcPkts + f.dstPkts, 0)).toBe(655);
  });
});

describe('accounting', () => {
  it('every packet of every corpus capture is in exactly one flow, or counted as skipped', async () => {
    const files = readdirSync(CORPUS).filter((f) => /\.(pcap|pcapng|cap)$/.test(f));
    expect(files.length).toBeGreaterThan(60);
    for (const file of files) {
      const { flows, stats } = await flowsOf(corpus(file));
      const inFlows = flows.reduce((n, f) => n + f.srcPkts + f.dstPkts, 0);
      // A reassembled datagram is one flow packet made of several fragments.
      expect(inFlows, file).toBe(stats.packets - stats.nonIp - stats.undecodable - stats.fragments + stats.reassembled);
      expect(stats.flowsEmitted, file).toBe(stats.flowsCreated);
      expect(new Set(flows.map((f) => f.uid)).size, file).toBe(flows.length);
      for (const f of flows) {
        expect(f.endTs, file).toBeGreaterThanOrEqual(f.startTs);
        expect(f.srcIpBytes + f.dstIpBytes, file).toBeGreaterThanOrEqual(f.srcBytes + f.dstBytes);
      }
    }
  });
});

describe('robustness', () => {
  it('random byte damage to real packets never throws and every packet is still accounted for', async () => {
    const base = [
      ...(await loadPackets(corpus('zeek__get-to-ssh-server.pcap'))),
      ...(await loadPackets(corpus('zeek__ipv4-fragmented-1.pcap'))),
      ...(await loadPackets(corpus('zeek__ipv6-fragmented-dns.pcap'))),
      ...(await loadPackets(corpus('tcpdump__mpls-traceroute.pcap'))),
    ];
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.nat(base.length - 1), fc.nat(127), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }),
      (edits) => {
        const pkts = base.map((p) => ({ rec: { ...p.rec, buf: Uint8Array.prototype.slice.call(p.rec.buf) } }));
        for (const [i, at, v] of edits) {
          const b = pkts[i]!.rec.buf;
          if (at < b.length) b[at] = v;
        }
        const { flows, stats } = flowsOfPackets(pkts);
        const inFlows = flows.reduce((n, f) => n + f.srcPkts + f.dstPkts, 0);
        return inFlows === stats.packets - stats.nonIp - stats.undecodable - stats.fragments + stats.reassembled &&
          stats.flowsEmitted === stats.flowsCreated;
      },
    ), { numRuns: 300, seed: 7 });
  });
});

describe('ICMP', () => {
  it('echo request and reply pair into one flow per identifier (zeek__trunc-icmp-payload-trunc)', async () => {
    // tshark: 4 frames, echo 8/0 with ident 55731 (10.0.0.1 ↔ 74.125.225.41) and 58291 (↔ 192.0.43.10); ip.len 84.
    const { flows } = await flowsOf(corpus('zeek__trunc-icmp-payload-trunc.pcap'));
    expect(flows).toHaveLength(2);
    for (const f of flows) {
      expect(f).toMatchObject({ protocolType: 'icmp', srcIp: '10.0.0.1', srcPort: 8, dstPort: 0, icmpType: 8, srcPkts: 1, dstPkts: 1, srcBytes: 64, dstBytes: 64, flag: 'SF', connState: 'OTH' });
    }
  });

  it('errors are counted on the flow they quote (tcpdump__mpls-traceroute)', async () => {
    // tshark: 9 UDP probes 12.4.4.4:42315 → 12.1.1.1:33435..33443, each answered by an ICMP error
    // (11/0 time exceeded ×6 from routers, 3/3 port unreachable ×3) quoting it.
    const { flows, stats } = await flowsOf(corpus('tcpdump__mpls-traceroute.pcap'));
    expect(stats.icmpErrorsAttributed).toBe(9);
    expect(flows).toHaveLength(9);
    expect(flows.map((f) => f.dstPort)).toEqual(range(33435, 33443));
    for (const f of flows) {
      expect(f).toMatchObject({ protocolType: 'udp', srcPkts: 1, dstPkts: 1, dstBytes: 0, flag: 'SF' });
      expect(f.connState).toBe('S0'); // Zeek: the responder never sent UDP
    }
  });

  it('an error quoting no live flow is a flow of its own (zeek__icmp-destunreach-udp)', async () => {
    const { flows } = await flowsOf(corpus('zeek__icmp-destunreach-udp.pcap'));
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({ protocolType: 'icmp', icmpType: 3, icmpCode: 3, srcPort: 3, dstPort: 3, connState: 'OTH', flag: 'SF' });
  });
});

describe('basic KDD fields and plugins', () => {
  it('urgent = packets with URG, both directions (two_way_all_flags: tshark -Y tcp.flags.urg==1 → 3906)', async () => {
    const { flows } = await flowsOf(corpus('curated-pcaps__two_way_all_flags.pcap'));
    expect(flows.reduce((n, f) => n + f.urgent, 0)).toBe(3906);
  });

  it('land: the single_syn SYN rewritten to 10.0.0.10:30692 → itself is land; the original is not', async () => {
    // tshark -x: IPv4 src at bytes 26–29 (0a 00 00 0a), dst 30–33 (0a 00 00 50), TCP ports 34–37 (77 e4 / 00 50).
    const [syn] = await loadPackets(corpus('curated-pcaps__single_syn.pcap'));
    expect(flowsOfPackets([syn!]).flows[0]!.land).toBe(0);
    const b = Uint8Array.prototype.slice.call(syn!.rec.buf);
    b.copyWithin(30, 26, 30); // dst address = src address
    b.copyWithin(36, 34, 36); // dst port = src port
    const f = flowsOfPackets([{ rec: { ...syn!.rec, buf: b } }]).flows[0]!;
    expect(f).toMatchObject({ land: 1, srcIp: '10.0.0.10', dstIp: '10.0.0.10', srcPort: 30692, dstPort: 30692, flag: 'S0' });
  });

  it('plugins see every packet of their flow and finish before onFlow', async () => {
    const seen = new Map<string, number>();
    const plugin: FlowPlugin<{ n: number }> = {
      name: 'count',
      onInit: () => ({ n: 1 }),
      onPacket(st, _flow, _pkt, _rec, _fromOrig) {
        st.n++;
      },
      onExpire(st, _flow, out) {
        seen.set(out.uid, st.n);
        out.payloadInspected = true;
      },
    };
    const flows = await sshFlows([plugin]);
    expect(flows.length).toBe(25);
    for (const f of flows) {
      expect(f.payloadInspected).toBe(true);
      expect(seen.get(f.uid)).toBe(f.srcPkts + f.dstPkts);
    }
  });

  it('a plugin that returns false gets no more packets of that flow, still its onExpire; other plugins go on', async () => {
    const calls = new Map<string, number>();
    const all = new Map<string, number>();
    // Its first packet goes to onInit, its second to onPacket, which opts out.
    const optOut: FlowPlugin<{ n: number }> = {
      name: 'two-only',
      onInit: () => ({ n: 1 }),
      onPacket(st) {
        st.n++;
        return false;
      },
      onExpire(st, _flow, out) {
        calls.set(out.uid, st.n);
      },
    };
    const every: FlowPlugin<{ n: number }> = {
      name: 'every',
      onInit: () => ({ n: 1 }),
      onPacket(st) {
        st.n++;
      },
      onExpire(st, _flow, out) {
        all.set(out.uid, st.n);
      },
    };
    const flows = await sshFlows([optOut, every]);
    expect(flows.length).toBe(25);
    expect(flows.some((f) => f.srcPkts + f.dstPkts > 2)).toBe(true);
    for (const f of flows) {
      expect(calls.get(f.uid)).toBe(Math.min(2, f.srcPkts + f.dstPkts)); // reused flow objects start with the opt-out cleared
      expect(all.get(f.uid)).toBe(f.srcPkts + f.dstPkts);
    }
  });

  it('onInit returning undefined: no more packets of that flow and no onExpire; each plugin gets back its own state', async () => {
    const inits = new Map<string, number>();
    const expired = new Set<string>();
    const both = new Map<string, string>();
    // Declines every flow whose originator port is odd; keeps a state of its own kind otherwise.
    const picky: FlowPlugin<string> = {
      name: 'picky',
      onInit(flow) {
        inits.set(flow.uid, (inits.get(flow.uid) ?? 0) + 1);
        return flow.srcPort % 2 === 1 ? undefined : `picky:${flow.uid}`;
      },
      onPacket(st, flow) {
        expect(st).toBe(`picky:${flow.uid}`);
      },
      onExpire(st, flow, out) {
        expect(st).toBe(`picky:${flow.uid}`);
        expired.add(out.uid);
      },
    };
    const other: FlowPlugin<number[]> = {
      name: 'other',
      onInit: (flow) => [flow.seq],
      onPacket(st, flow) {
        expect(st).toEqual([flow.seq]);
      },
      onExpire(st, flow, out) {
        both.set(out.uid, `${st[0]}=${flow.seq}`);
      },
    };
    const flows = await sshFlows([picky, other]);
    expect(flows.length).toBe(25);
    const odd = flows.filter((f) => f.srcPort % 2 === 1);
    expect(odd.length).toBeGreaterThan(0);
    expect(odd.length).toBeLessThan(25);
    for (const f of flows) {
      expect(inits.get(f.uid)).toBe(1); // declined flows are not offered again
      expect(expired.has(f.uid)).toBe(f.srcPort % 2 === 0);
      const [a, b] = both.get(f.uid)!.split('=');
      expect(a).toBe(b);
    }
  });

  it('a payloadOnly plugin gets exactly the packets that carry payload bytes', async () => {
    // Counted independently: every zeek__ssh packet whose decoded TCP payload is captured (> 0 bytes).
    const withPayload = new Map<string, number>();
    const p = new DecodedPacket();
    for (const s of await loadPackets(corpus('zeek__ssh.pcap'))) {
      decodePacket(s.rec, p);
      if (p.payloadCaptured === 0) continue;
      const key = [p.src4, p.srcPort, p.dst4, p.dstPort].sort().join(' ');
      withPayload.set(key, (withPayload.get(key) ?? 0) + 1);
    }
    const got = new Map<string, number>();
    const payloadOnly: FlowPlugin<{ n: number }> = {
      name: 'payload',
      payloadOnly: true,
      onInit(_flow, pkt) {
        expect(pkt.payloadCaptured).toBeGreaterThan(0);
        return { n: 1 };
      },
      onPacket(st, _flow, pkt) {
        expect(pkt.payloadCaptured).toBeGreaterThan(0);
        st.n++;
      },
      onExpire(st, _flow, out) {
        got.set(out.uid, st.n);
      },
    };
    const flows = await sshFlows([payloadOnly]);
    let total = 0;
    for (const f of flows) {
      const a = f.srcIp.split('.').reduce((x, o) => x * 256 + Number(o), 0);
      const b = f.dstIp.split('.').reduce((x, o) => x * 256 + Number(o), 0);
      const key = [a, f.srcPort, b, f.dstPort].sort().join(' ');
      if (!got.has(f.uid)) got.set(f.uid, 0); // no payload: onInit never came, nor onExpire
      expect(got.get(f.uid)).toBe(withPayload.get(key) ?? 0);
      total += got.get(f.uid)!;
    }
    expect(total).toBe([...withPayload.values()].reduce((x, y) => x + y, 0));
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThan(1797); // bare ACKs and handshakes were not passed on
  });
});

describe('ended flows as numbers (EndedSink)', () => {
  it('the same flows as records, and the plugins still expire: their results reach the sink', async () => {
    for (const name of ['zeek__http-methods.pcap', 'zeek__ftp-bruteforce.pcap']) {
      const packets = await loadPackets(corpus(name));
      const p = new DecodedPacket();
      const records: FlowRecord[] = [];
      const byRecord = new FlowMeter({ uidSalt: 7 }, (f) => records.push(f), [createContentPlugin()]);
      const fromSink: FlowRecord[] = [];
      let expired = 0;
      // A plugin that writes FlowResults only, so it may run with a sink.
      const marker: FlowPlugin<true, FlowResults> = {
        name: 'marker',
        onInit: () => true,
        onPacket: () => false,
        onExpire: () => void expired++,
      };
      const bySink = new FlowMeter({ uidSalt: 7 }, {
        ended(e, history, out) {
          const f = endedRecord(e, 0, history, 0);
          expect(out.uid).toBe(f.uid);
          f.payloadInspected = out.payloadInspected;
          if (out.content !== undefined) f.content = out.content;
          fromSink.push(f);
        },
      }, [createContentPlugin(), marker]);
      for (const s of packets) {
        decodePacket(s.rec, p);
        byRecord.packet(s.rec, p);
        bySink.packet(s.rec, p);
      }
      byRecord.finish();
      bySink.finish();
      expect(fromSink).toEqual(records);
      expect(expired).toBe(records.length);
      expect(records.filter((f) => f.payloadInspected).length).toBeGreaterThan(20);
    }
  });
  it('a plugin that writes record fields cannot run with a sink (a type error: no record is built)', () => {
    const counter: FlowPlugin<true> = { name: 'bytes', onInit: () => true, onPacket: () => false, onExpire: (_s, _f, out) => void (out.srcBytes = 0) };
    const sink = { ended(): void {} };
    // @ts-expect-error onExpire writes a FlowRecord field; an EndedSink gets FlowResults only
    expect(() => new FlowMeter({}, sink, [counter])).not.toThrow();
    expect(() => new FlowMeter({}, () => {}, [counter])).not.toThrow();
  });
});

/** zeek__ssh.pcap (1,797 packets, 25 TCP connections) through a FlowMeter with `plugins`. */
async function sshFlows(plugins: FlowPlugin[]): Promise<FlowRecord[]> {
  const flows: FlowRecord[] = [];
  const m = new FlowMeter({}, (f) => flows.push(f), plugins);
  const p = new DecodedPacket();
  for (const s of await loadPackets(corpus('zeek__ssh.pcap'))) {
    decodePacket(s.rec, p);
    m.packet(s.rec, p);
  }
  m.finish();
  return flows;
}

describe('pure pieces', () => {
  it('conn_state decision table (Zeek main.zeek), row by row', () => {
    expect(connState(T.SynSent, T.Reset, 'Sr', 0, 0)).toBe('REJ');
    expect(connState(T.Reset, T.Reset, 'SRr', 0, 0)).toBe('REJ');
    expect(connState(T.Partial, T.Reset, 'Dr', 5, 0)).toBe('RSTRH');
    expect(connState(T.Established, T.Reset, 'ShADr', 5, 0)).toBe('RSTR');
    expect(connState(T.Reset, T.Inactive, 'SR', 0, 0)).toBe('RSTOS0');
    expect(connState(T.Reset, T.Inactive, 'DR', 0, 0)).toBe('OTH');
    expect(connState(T.Reset, T.Established, 'ShAR', 0, 0)).toBe('RSTO');
    expect(connState(T.Closed, T.Closed, 'ShAFf', 0, 0)).toBe('SF');
    expect(connState(T.Closed, T.Inactive, 'SF', 0, 0)).toBe('SH');
    expect(connState(T.Closed, T.Established, 'ShAF', 0, 0)).toBe('S2');
    expect(connState(T.Inactive, T.Closed, '^hf', 0, 0)).toBe('SHR');
    expect(connState(T.Established, T.Closed, 'ShAf', 0, 0)).toBe('S3');
    expect(connState(T.SynSent, T.Inactive, 'S', 0, 0)).toBe('S0');
    expect(connState(T.Established, T.Established, 'ShA', 0, 0)).toBe('S1');
    expect(connState(T.Partial, T.Partial, 'Dd', 1, 1)).toBe('OTH');
    expect(udpConnState(true, true)).toBe('SF');
    expect(udpConnState(true, false)).toBe('S0');
    expect(udpConnState(false, true)).toBe('SHR');
    expect(udpConnState(false, false)).toBe('OTH');
  });

  it('RSTOS0 history test = /^\\^?S[^HAFGIQ]*R.*/', () => {
    const re = /^\^?S[^HAFGIQ]*R.*/;
    fc.assert(fc.property(fc.stringMatching(/^[\^SHAFGIQRDdhafsrTtWw]{0,8}$/), (h) => historyRstos0(h) === re.test(h)));
    expect(historyRstos0('SR')).toBe(true);
    expect(historyRstos0('^SdR')).toBe(true);
    expect(historyRstos0('SAR')).toBe(false);
  });

  it('keys are order-independent and distinguish the endpoints', () => {
    const k1 = new KeyScratch(), k2 = new KeyScratch();
    const u32 = fc.integer({ min: 0, max: 0xffffffff });
    const port = fc.integer({ min: 0, max: 65535 });
    fc.assert(fc.property(u32, u32, port, port, fc.integer({ min: 0, max: 4095 }), (a, b, pa, pb, vlan) => {
      setKey4(k1, 6, vlan, a, pa, b, pb);
      setKey4(k2, 6, vlan, b, pb, a, pa);
      return k1.hash === k2.hash && k1.a0 === k2.a0 && k1.aPort === k2.aPort && k1.senderIsA !== k2.senderIsA ||
        (a === b && pa === pb);
    }));
    const s = Uint32Array.of(0x20010db8, 0, 0, 1), d = Uint32Array.of(0x20010db8, 0, 0, 2);
    setKey6(k1, 17, 0, s, 53, d, 5353);
    setKey6(k2, 17, 0, d, 5353, s, 53);
    expect(k1.hash).toBe(k2.hash);
    expect(k1.hash).toBeLessThan(2 ** 30);
  });

  it('addresses: dotted quad and RFC 5952 IPv6 text', () => {
    expect(formatIPv4(0xc0a80101)).toBe('192.168.1.1');
    expect(formatIPv6([0x20010db8, 0, 0, 1])).toBe('2001:db8::1');
    expect(formatIPv6([0x20010db8, 0, 0x00010000, 0x00010001])).toBe('2001:db8::1:0:1:1');
    expect(formatIPv6([0x20010db8, 0x00000001, 0, 1])).toBe('2001:db8:0:1::1');
    expect(formatIPv6([0x20010000, 0, 0x00010000, 1])).toBe('2001::1:0:0:1');
    expect(formatIPv6([0, 0, 0, 0])).toBe('::');
    expect(formatIPv6([0, 0, 0, 1])).toBe('::1');
    expect(formatIPv6([0xfe800000, 0, 0, 0xdead])).toBe('fe80::dead');
    expect(formatIPv6([0, 0, 0xffff, 0xc0000201])).toBe('::ffff:192.0.2.1');
    expect(formatIPv6([0x20010db8, 0x00010002, 0x00030004, 0x00050006])).toBe('2001:db8:1:2:3:4:5:6');
  });

  it('IPv4 text stays right through its cache: colliding slots, repeats, int32 and uint32 forms', () => {
    const bytes = (v: number): string => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
    expect(formatIPv4(0xffffffff)).toBe('255.255.255.255');
    expect(formatIPv4(-1)).toBe('255.255.255.255'); // the int32 view; -1 also marks an empty slot
    expect(formatIPv4(0)).toBe('0.0.0.0');
    let x = 0x12345678;
    const addrs: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      addrs.push(i % 3 === 0 ? x | 0 : x); // every third as a signed int32
    }
    // Twice over, so most lookups of the second pass hit slots that later addresses took over.
    for (let pass = 0; pass < 2; pass++) {
      for (const v of addrs) expect(formatIPv4(v)).toBe(bytes(v >>> 0));
    }
    // A repeated address comes back as the same string.
    expect(formatIPv4(0xc0a80101)).toBe(formatIPv4(0xc0a80101 | 0));
  });
});
