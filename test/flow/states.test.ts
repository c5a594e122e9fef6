/**
 * Zeek conn_state (= KDD flag) on real corpus captures, and every other state built from real
 * packets of the corpus by dropping packets (frame numbers as tshark numbers them).
 *
 * Packet listings below come from
 *   tshark -n -r FILE -T fields -e frame.number -e ip.src -e tcp.srcport -e tcp.flags.str -e tcp.len
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../src/flow/record.ts';
import { type SavedPacket, corpus, flowsOf, flowsOfPackets, frames, loadPackets } from './helpers.ts';

function tcpFlows(flows: FlowRecord[]): FlowRecord[] {
  return flows.filter((f) => f.protocolType === 'tcp');
}

function only(pkts: SavedPacket[], numbers: number[]): FlowRecord {
  const { flows } = flowsOfPackets(frames(pkts, numbers));
  expect(flows).toHaveLength(1);
  return flows[0]!;
}

describe('natural samples', () => {
  it('curated-pcaps__single_syn: one SYN, no answer → S0', async () => {
    const { flows } = await flowsOf(corpus('curated-pcaps__single_syn.pcap'));
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({ flag: 'S0', connState: 'S0', history: 'S', srcIp: '10.0.0.10', srcPort: 30692, dstIp: '10.0.0.80', dstPort: 80, srcPkts: 1, dstPkts: 0 });
  });

  it('curated-pcaps__two_way_S_R: SYN answered by RST → REJ', async () => {
    // frame 1 10.0.0.10:32179 S; frame 2 10.0.0.80:80 RA
    const { flows } = await flowsOf(corpus('curated-pcaps__two_way_S_R.pcap'));
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({ flag: 'REJ', srcPort: 32179, dstPort: 80, srcPkts: 1, dstPkts: 1, endReason: 'rst' });
  });

  it('zeek__get-to-ssh-server: handshake, data both ways, responder resets → RSTR', async () => {
    // 1 C S | 2 S SA | 3 C A | 4 C AP 605 | 5 S A | 6 S AP 21 | 7 S AR | 8 C A | 9 S R
    const { flows } = await flowsOf(corpus('zeek__get-to-ssh-server.pcap'));
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({
      flag: 'RSTR', srcIp: '136.216.42.40', srcPort: 44338, dstIp: '130.74.164.231', dstPort: 22,
      srcPkts: 4, dstPkts: 5, srcBytes: 605, dstBytes: 21, endReason: 'rst',
    });
    expect(flows[0]!.history.startsWith('ShAD')).toBe(true);
  });

  it('zeek__ssh: SF sessions, one responder reset, the mid-stream connection is ONE flow', async () => {
    const { flows } = await flowsOf(corpus('zeek__ssh.pcap'));
    const tcp = tcpFlows(flows);
    // REFERENCE.tsv: 23 TCP conversations; no port reuse in this file.
    expect(tcp).toHaveLength(23);
    // Resets: only frames 264 (AR) and 265 (R), both from 192.168.2.158:2200 (the responder of 55179 → 2200).
    const rst = tcp.filter((f) => f.flag !== 'SF');
    expect(rst).toHaveLength(1);
    expect(rst[0]).toMatchObject({ flag: 'RSTR', srcPort: 55179, dstPort: 2200 });
    // 192.168.1.31:51476 ↔ 192.168.1.32:8118: frames 904–914, no SYN (first packet is AP with 45
    // bytes), so it is seen mid-stream; tshark counts 11 frames (5 + 6). Both sides send FIN
    // (frames 908, 909), so Zeek's decision table (rs = os = CLOSED) gives SF; what matters is ONE flow.
    const mid = tcp.filter((f) => f.srcPort === 51476 || f.dstPort === 51476);
    expect(mid).toHaveLength(1);
    expect(mid[0]!.srcPkts + mid[0]!.dstPkts).toBe(11);
    expect(mid[0]!.history).not.toMatch(/[SsHh]/);
    expect(mid[0]).toMatchObject({ srcIp: '192.168.1.31', srcPort: 51476, dstPort: 8118, srcBytes: 76, dstBytes: 0 });
  });

  it('zeek__http-methods and zeek__ftp-bruteforce: every connection SF', async () => {
    // tshark: 49 conversations, 98 FIN packets, 0 RST (http-methods); 30 conversations, 62 FIN packets, 0 RST (ftp).
    for (const [file, n] of [['zeek__http-methods.pcap', 49], ['zeek__ftp-bruteforce.pcap', 30]] as const) {
      const { flows } = await flowsOf(corpus(file));
      const tcp = tcpFlows(flows);
      expect(tcp).toHaveLength(n);
      expect(tcp.every((f) => f.flag === 'SF' && f.endReason === 'fin')).toBe(true);
    }
  });

  it('zeek__vnc-scanner: FIN both ways, then originator RSTs (after close) → SF', async () => {
    const { flows } = await flowsOf(corpus('zeek__vnc-scanner.pcap'));
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({ flag: 'SF', srcPkts: 10, dstPkts: 10 });
  });
});

describe('states built from real packets (dropping packets)', () => {
  let get: SavedPacket[], ssh: SavedPacket[], vnc: SavedPacket[];
  beforeAll(async () => {
    get = await loadPackets(corpus('zeek__get-to-ssh-server.pcap'));
    ssh = await loadPackets(corpus('zeek__ssh.pcap'));
    vnc = await loadPackets(corpus('zeek__vnc-scanner.pcap'));
  });
  const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

  it('S0: get-to-ssh-server frame 1 only (the SYN)', () => {
    expect(only(get, [1]).flag).toBe('S0');
  });
  it('S1: get-to-ssh-server frames 1–6 (handshake and data, no close)', () => {
    const f = only(get, range(1, 6));
    expect(f).toMatchObject({ flag: 'S1', srcBytes: 605, dstBytes: 21 });
  });
  it('REJ: get-to-ssh-server frames 1 and 9 (the server\'s bare RST answers the SYN)', () => {
    expect(only(get, [1, 9]).flag).toBe('REJ');
  });
  it('RSTRH: get-to-ssh-server frames 2 and 7 (SYN-ACK then RST from the server, SYN never seen)', () => {
    const f = only(get, [2, 7]);
    // The SYN-ACK's receiver is the originator (Zeek flips, history '^').
    expect(f).toMatchObject({ flag: 'RSTRH', srcIp: '136.216.42.40', srcPort: 44338, dstPort: 22, srcPkts: 0, dstPkts: 2 });
    expect(f.history.startsWith('^h')).toBe(true);
  });
  // zeek__ssh, 192.168.1.79:51880 ↔ 131.159.21.1:22: 1 S, 2 SA, 3–42 data/ACKs, 43 client FA, 44 server FA, 45 client A.
  it('SF: zeek__ssh frames 1–45 (the first session, complete)', () => {
    expect(only(ssh, range(1, 45)).flag).toBe('SF');
  });
  it('S2: zeek__ssh frames 1–43 (client FIN, no server FIN)', () => {
    expect(only(ssh, range(1, 43)).flag).toBe('S2');
  });
  it('S3: zeek__ssh frames 1–42 and 44 (server FIN, client FIN dropped)', () => {
    expect(only(ssh, [...range(1, 42), 44]).flag).toBe('S3');
  });
  it('SH: zeek__ssh frames 1 and 43 (SYN then FIN, no SYN-ACK)', () => {
    expect(only(ssh, [1, 43]).flag).toBe('SH');
  });
  it('SHR: zeek__ssh frames 2 and 44 (SYN-ACK then FIN from the server, no SYN)', () => {
    const f = only(ssh, [2, 44]);
    expect(f).toMatchObject({ flag: 'SHR', srcIp: '192.168.1.79', dstPort: 22 });
  });
  it('OTH: zeek__ssh frames 904–907 (mid-stream 51476 ↔ 8118 without its FINs) → ONE OTH flow', () => {
    const f = only(ssh, range(904, 907));
    expect(f).toMatchObject({ flag: 'OTH', srcPkts: 2, dstPkts: 2, srcBytes: 76 });
  });
  // zeek__vnc-scanner: 1 C S, 2 S SA, 3 C A, 4–15 data, 16 S FA, 17 C FA, 18 C AR, 19 C R, 20 C R.
  it('RSTO: zeek__vnc-scanner frames 1–15 and 18 (established, client RST, FINs dropped)', () => {
    expect(only(vnc, [...range(1, 15), 18]).flag).toBe('RSTO');
  });
  it('RSTOS0: zeek__vnc-scanner frames 1 and 19 (SYN then RST from the client, no SYN-ACK)', () => {
    const f = only(vnc, [1, 19]);
    expect(f.flag).toBe('RSTOS0');
    expect(f.history).toBe('SR');
  });
  it('RSTR vs RSTRH: get-to-ssh-server frames 2–7 (SYN dropped; the client\'s ACK establishes it, so RSTR)', () => {
    expect(only(get, range(2, 7)).flag).toBe('RSTR');
  });
  it('retransmission is not double counted: ssh frames 1–45 with frame 8 (1272 bytes) sent twice', () => {
    const once = only(ssh, range(1, 45));
    const twice = only(ssh, [...range(1, 8), 8, ...range(9, 45)]);
    expect(twice.srcBytes).toBe(once.srcBytes);
    expect(twice.srcPkts).toBe(once.srcPkts + 1);
    expect(twice.history).toContain('T');
  });
  it('reordered data is counted once: ssh frames 1–45 with 12 before 8', () => {
    const once = only(ssh, range(1, 45));
    const order = range(1, 45);
    order.splice(7, 5, 12, 9, 10, 11, 8); // 8..12 → 12, 9, 10, 11, 8
    const f = only(ssh, order);
    expect(f.srcBytes).toBe(once.srcBytes);
    expect(f.dstBytes).toBe(once.dstBytes);
  });
  it('a retransmitted SYN (same ISN) after the close is not port reuse: ssh frames 1–45, then 1 again', () => {
    // Replaying frame 1 (same ISN) after the close is a retransmitted SYN: no new flow.
    const same = flowsOfPackets(frames(ssh, [...range(1, 45), 1])).flows;
    expect(same).toHaveLength(1);
  });
});
