/**
 * IPv4/IPv6 fragment reassembly on real fragmented captures, and bad fragments (KDD
 * wrong_fragment) built from real fragment bytes. Fragment fields below come from
 *   tshark -n -r F -o ip.defragment:FALSE -T fields -e frame.number -e ip.id -e ip.flags.mf -e ip.frag_offset -e ip.len -e ip.hdr_len
 *   tshark -n -r F -o ipv6.defragment:FALSE -T fields -e frame.number -e ipv6.plen -e ipv6.fraghdr.offset -e ipv6.fraghdr.more -e ipv6.fraghdr.ident -e udp.length
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type SavedPacket, corpus, flowsOf, flowsOfPackets, loadPackets } from './helpers.ts';

/** A copy of a saved IPv4-over-Ethernet packet with its fragment offset field (8-byte units) and MF set. */
function withFragField(p: SavedPacket, offsetUnits: number, mf: boolean, tsShift = 0): SavedPacket {
  const b = Uint8Array.prototype.slice.call(p.rec.buf);
  const ff = (b[14 + 6]! << 8) | b[14 + 7]!;
  const v = (ff & 0x4000) | (mf ? 0x2000 : 0) | offsetUnits;
  b[14 + 6] = v >> 8;
  b[14 + 7] = v & 255;
  return { rec: { ...p.rec, buf: b, tsSec: p.rec.tsSec + tsShift } };
}

describe('fragment reassembly', () => {
  it('zeek__ipv4-fragmented-syn: two fragments → one TCP SYN flow (S0), one packet', async () => {
    // 1: id 1, MF, offset 0, len 44 (24 data bytes, SYN); 2: id 1, offset 3 (24 bytes), len 36 (16 data)
    const { flows, stats } = await flowsOf(corpus('zeek__ipv4-fragmented-syn.pcap'));
    expect(stats).toMatchObject({ fragments: 2, reassembled: 1, badFragments: 0 });
    expect(flows).toHaveLength(1);
    // Reassembled datagram: 20-byte IP header + 40 bytes of TCP (header with options).
    expect(flows[0]).toMatchObject({ protocolType: 'tcp', flag: 'S0', history: 'S', srcPkts: 1, dstPkts: 0, srcIpBytes: 60, wrongFragment: 0 });
  });

  it('zeek__ipv4-fragmented-1: overlapping, misaligned fragments → one UDP flow, wrong_fragment 2', async () => {
    // 1: MF, offset 0, len 38 → 18 data bytes with MF set (not a multiple of 8: bad)
    // 2: offset 6 (48), no MF, len 136 → 116 bytes: the datagram ends at 164
    // 3: MF, offset 0, len 324 → 304 bytes: overlaps fragment 1 and runs past 164 (bad)
    const { flows, stats } = await flowsOf(corpus('zeek__ipv4-fragmented-1.pcap'));
    expect(stats).toMatchObject({ fragments: 3, reassembled: 1, badFragments: 2 });
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({ protocolType: 'udp', srcPort: 123, dstPort: 137, srcPkts: 1, wrongFragment: 2, srcIpBytes: 20 + 164, srcBytes: 164 - 8 });
  });

  it('zeek__ipv6-fragmented-dns: the 3-fragment DNS answer is one packet of 3238 UDP bytes; a lone fragment never completes', async () => {
    // frames 6, 7, 8: ident 2, offsets 0 / 179 / 358 (×8), M 1/1/0; udp.length of the reassembled datagram 3238.
    // frame 4: ident 1, offset 362, M 0 — its other fragments are not in the capture.
    const { flows, stats } = await flowsOf(corpus('zeek__ipv6-fragmented-dns.pcap'));
    expect(stats).toMatchObject({ fragments: 4, reassembled: 1, fragmentTimeouts: 1 });
    expect(flows).toHaveLength(2);
    const big = flows.find((f) => f.srcPort === 51851)!;
    expect(big).toMatchObject({ dstPort: 53, srcPkts: 2, dstPkts: 1, dstBytes: 3238 - 8, srcBytes: 2 * (82 - 8) });
    const small = flows.find((f) => f.srcPort === 51850)!;
    expect(small).toMatchObject({ srcPkts: 1, dstPkts: 1, srcBytes: 81 - 8, dstBytes: 331 - 8 });
  });

  it('zeek__ipv6-http-atomic-frag: atomic fragments (offset 0, M=0) are whole packets; 4 connections as tshark', async () => {
    // tshark -z conv,tcp: 4 conversations; FINs only in the first three (frames 9/11, 19/21, 29/31).
    const { flows, stats } = await flowsOf(corpus('zeek__ipv6-http-atomic-frag.pcap'));
    const tcp = flows.filter((f) => f.proto === 6);
    expect(tcp).toHaveLength(4);
    expect(tcp.map((f) => f.flag)).toEqual(['SF', 'SF', 'SF', 'S1']);
    expect(stats.reassembled).toBe(0);
    // tshark: 5 + 5 frames for each complete connection, 3 + 3 for the last.
    expect(tcp.map((f) => f.srcPkts + f.dstPkts)).toEqual([10, 10, 10, 6]);
  });
});

describe('bad fragments from real fragment bytes', () => {
  let syn: SavedPacket[];
  beforeAll(async () => {
    syn = await loadPackets(corpus('zeek__ipv4-fragmented-syn.pcap'));
  });

  it('teardrop-like: the second fragment moved to offset 2 (16) overlaps the first (0–24) → wrong_fragment 1', () => {
    const { flows, stats } = flowsOfPackets([syn[0]!, withFragField(syn[1]!, 2, false)]);
    expect(stats.badFragments).toBe(1);
    expect(flows).toHaveLength(1);
    expect(flows[0]!.wrongFragment).toBe(1);
  });

  it('an exact duplicate fragment is not bad', () => {
    const { flows, stats } = flowsOfPackets([syn[0]!, syn[0]!, syn[1]!]);
    expect(stats.badFragments).toBe(0);
    expect(flows[0]!.wrongFragment).toBe(0);
  });

  it('ping of death: a last fragment at offset 8189 (65,512) makes the datagram exceed 65,535 bytes', () => {
    // 20 + 65,512 + 16 = 65,548 > 65,535. The hole 24–65,512 never fills: the datagram expires at end of input.
    const { stats } = flowsOfPackets([syn[0]!, withFragField(syn[1]!, 8189, false)]);
    expect(stats.badFragments).toBe(1);
    expect(stats.fragmentTimeouts).toBe(1);
  });

  it('timeout on packet time: a first fragment alone, then its second 31 s later → no flow from them', () => {
    const late = { rec: { ...syn[1]!.rec, tsSec: syn[1]!.rec.tsSec + 31 } };
    const { flows, stats } = flowsOfPackets([syn[0]!, late], { fragmentTimeout: 30 });
    expect(stats.fragmentTimeouts).toBe(2); // the first on time-out, the second left at end of input
    expect(flows).toHaveLength(0);
  });

  it('memory bound: with room for one partial datagram the older one is dropped and counted', () => {
    const other = withFragField(syn[0]!, 0, true);
    other.rec.buf[14 + 5] = (other.rec.buf[14 + 5]! + 1) & 255; // another IP id
    const { stats } = flowsOfPackets([syn[0]!, other], { maxFragmentBuffers: 1 });
    expect(stats.fragmentLimitHits).toBe(1);
  });
});
