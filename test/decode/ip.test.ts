/**
 * IPv4 (options, fragments, truncation) and IPv6 (extension headers, fragments) on real corpus
 * packets. Expected values read off tshark 4.0.17 for the same frame:
 *   TF="tshark -n -r ../shared/corpus/pcap/<file> -T fields -o ip.defragment:FALSE -o ipv6.defragment:FALSE -e <field>..."
 * Note: tshark's ip.frag_offset and ipv6.fraghdr.offset are in 8-byte units; fragOffset is in bytes.
 */
import { describe, expect, it } from 'vitest';
import { Layer } from '../../src/decode/packet.ts';
import { decodeFile, decodeRaw, readPackets, snap } from './corpus.ts';

describe('IPv4', () => {
  it('header with options (IHL 6, Router Alert): tcpdump__IGMP_V2.pcap frames 1-3', async () => {
    const f = await decodeFile('tcpdump__IGMP_V2.pcap');
    // TF -e ip.src -e ip.dst -e ip.proto -e ip.ttl -e ip.hdr_len -e ip.len -e ip.id -e ip.flags.df
    // frame 1: 192.168.1.2 224.0.0.1 2 1 20 28 0x6551 0
    expect(f[0]).toMatchObject({ src: '192.168.1.2', dst: '224.0.0.1', proto: 2, ttl: 1, ipHeaderLen: 20, ipTotalLen: 28, fragId: 0x6551, layer: Layer.IPv4 });
    // frame 2: 192.168.1.64 239.255.255.250 2 1 24 32 0x8c62 0 — IGMP starts after the 4 option bytes
    expect(f[1]).toMatchObject({ src: '192.168.1.64', dst: '239.255.255.250', proto: 2, ipHeaderLen: 24, ipTotalLen: 32, fragId: 0x8c62, dontFragment: false });
    expect(f[1]!.payloadOffset).toBe((f[1]!.ipOffset as number) + 24);
    expect(f[1]).toMatchObject({ payloadLen: 8, payloadCaptured: 8 });
    // frame 3: 192.168.11.201 225.10.10.10 2 1 24 32 0x0000 1
    expect(f[2]).toMatchObject({ src: '192.168.11.201', dst: '225.10.10.10', ipHeaderLen: 24, dontFragment: true });
  });

  it('Ethernet padding after the datagram is not payload (total length wins)', async () => {
    const f = await decodeFile('tcpdump__IGMP_V2.pcap');
    // frame 1: frame.len 60, ip.len 28 → 18 bytes of Ethernet padding
    expect(f[0]).toMatchObject({ ipTotalLen: 28, payloadLen: 8, payloadCaptured: 8, truncated: false });
  });

  it('fragments: zeek__ipv4-fragmented-1.pcap frames 1-3', async () => {
    const f = await decodeFile('zeek__ipv4-fragmented-1.pcap');
    // TF -e ip.id -e ip.flags.mf -e ip.frag_offset -e ip.len -e udp.srcport -e udp.dstport -e frame.protocols
    // frame 1: 0x00f2 1 0 38 123 137 eth:ethertype:ip:udp:ntp  (first fragment: UDP header present)
    expect(f[0]).toMatchObject({ fragId: 0xf2, moreFragments: true, fragOffset: 0, isFragment: true, ipTotalLen: 38, srcPort: 123, dstPort: 137, layer: Layer.UDP, payloadLen: 10 });
    // frame 2: 0x00f2 0 6 136 eth:ethertype:ip:data  (offset 6 × 8 = 48 bytes; no UDP header here)
    expect(f[1]).toMatchObject({ fragId: 0xf2, moreFragments: false, fragOffset: 48, isFragment: true, ipTotalLen: 136, srcPort: 0, layer: Layer.IPv4, payloadLen: 116, stopReason: '' });
    // fragment data right after the 20-byte IPv4 header; it carries ip.proto 17
    expect(f[1]).toMatchObject({ fragDataOffset: 14 + 20, fragNextHeader: 17 });
    expect(f[0]).toMatchObject({ fragDataOffset: 14 + 20, fragNextHeader: 17 });
    // frame 3: 0x00f2 1 0 324 123 137
    expect(f[2]).toMatchObject({ fragId: 0xf2, moreFragments: true, fragOffset: 0, ipTotalLen: 324, srcPort: 123, dstPort: 137 });
  });

  it('first fragment too short for the TCP options: zeek__ipv4-fragmented-syn.pcap', async () => {
    const f = await decodeFile('zeek__ipv4-fragmented-syn.pcap');
    // TF -e ip.len -e ip.flags.mf -e ip.frag_offset -e tcp.srcport -e tcp.dstport -e tcp.flags -e tcp.seq_raw -e tcp.hdr_len
    // frame 1: 44 1 0 12345 80 0x0002 1000 40 — the 40-byte TCP header continues in frame 2
    expect(f[0]).toMatchObject({
      ipTotalLen: 44, moreFragments: true, isFragment: true, srcPort: 12345, dstPort: 80, tcpFlags: 0x02, seq: 1000,
      tcpHeaderLen: 40, layer: Layer.TCP, stopLayer: Layer.TCP, stopReason: 'fragment', truncated: false,
    });
    // frame 2: 36 0 3 (offset 3 × 8 = 24 bytes)
    expect(f[1]).toMatchObject({ ipTotalLen: 36, moreFragments: false, fragOffset: 24, fragId: 1, layer: Layer.IPv4, payloadLen: 16 });
  });

  it('IPv4 header cut by the capture: zeek__trunc-ip4-trunc.pcap (fields as far as the bytes go)', async () => {
    const [f1] = await decodeFile('zeek__trunc-ip4-trunc.pcap');
    // TF -e frame.len -e frame.cap_len -e ip.hdr_len -e ip.len -e ip.id: 46 20 20 32 0x0001 (no addresses)
    expect(f1).toMatchObject({
      ipHeaderLen: 20, ipTotalLen: 32, fragId: 1, ipVersion: 0, truncated: true, stopLayer: Layer.IPv4, stopReason: 'truncated', layer: Layer.Link,
    });
  });

  it('a bad version nibble or IHL < 5 is a bad header', async () => {
    const [v4] = await readPackets('tcpdump__LINKTYPE_RAW_ipv4.pcap');
    const b = v4!.bytes.slice();
    b[0] = 0x44; // IHL 4
    expect(snap(decodeRaw(228, b))).toMatchObject({ ipVersion: 0, stopLayer: Layer.IPv4, stopReason: 'bad-header' });
    b[0] = 0x65;
    expect(snap(decodeRaw(228, b))).toMatchObject({ ipVersion: 0, stopReason: 'bad-header' });
  });
});

describe('IPv6', () => {
  it('routing header: tcpdump__ipv6-routing-header.pcap frames 1-4', async () => {
    const f = await decodeFile('tcpdump__ipv6-routing-header.pcap');
    // TF -e ipv6.src -e ipv6.dst -e ipv6.nxt -e ipv6.hlim -e ipv6.plen -e icmpv6.type -e icmpv6.echo.identifier -e udp.srcport -e udp.dstport
    // frame 1: 2200::244:212:3fff:feae:22f7 2200::240:2:0:0:4 43 4 32 128 0x0000 (eth:ethertype:ipv6:ipv6.routing:icmpv6)
    expect(f[0]).toMatchObject({ src: '2200::244:212:3fff:feae:22f7', dst: '2200::240:2:0:0:4', ttl: 4, ipTotalLen: 72, proto: 58, icmpType: 128, icmpId: 0, layer: Layer.ICMPv6 });
    // routing header of frame 1 is 24 bytes (len 2): 40 + 24 + 8 (ICMPv6 echo header) = 72
    expect(f[0]!.ipHeaderLen).toBe(64);
    // frame 2: ... 2200::211:2:0:0:2 43 5 48 128 — 40-byte routing header
    expect(f[1]).toMatchObject({ dst: '2200::211:2:0:0:2', ttl: 5, ipTotalLen: 88, ipHeaderLen: 80, proto: 58 });
    // frame 3: 43 4 32 udp 5645 5642 ; frame 4: 43 5 48 udp 5645 5642
    expect(f[2]).toMatchObject({ proto: 17, srcPort: 5645, dstPort: 5642, layer: Layer.UDP, payloadLen: 0 });
    expect(f[3]).toMatchObject({ proto: 17, srcPort: 5645, dstPort: 5642, ipHeaderLen: 80 });
  });

  it('103-header chain (HBH, routing, fragment, dst-opts ×33): libpcap__ipv6_ext_headers.pcap frame 1', async () => {
    const [f1] = await decodeFile('libpcap__ipv6_ext_headers.pcap');
    // TF -e ipv6.nxt -e ipv6.plen -e ipv6.fraghdr.ident -e ipv6.fraghdr.offset -e udp.srcport -e udp.dstport
    //   0 818 0x00000001,...,0x00000061 (33 fragment headers, all offset 0, M 0) 12345 54321; "Data (10 bytes)"
    expect(f1).toMatchObject({
      src: '2001:db8::1', dst: '2001:db8::2', ttl: 64, ipTotalLen: 858, proto: 17, srcPort: 12345, dstPort: 54321,
      isFragment: true, fragId: 0x61, fragOffset: 0, moreFragments: false, layer: Layer.UDP, payloadLen: 10, payloadCaptured: 10,
    });
    // UDP length 18 (tshark udp.length) = 858 − ipHeaderLen
    expect(858 - (f1!.ipHeaderLen as number)).toBe(18);
  });

  it('fragment header: zeek__ipv6-fragmented-dns.pcap frames 4 and 6', async () => {
    const f = await decodeFile('zeek__ipv6-fragmented-dns.pcap');
    // TF -e ipv6.nxt -e ipv6.plen -e ipv6.fraghdr.ident -e ipv6.fraghdr.offset -e ipv6.fraghdr.more -e udp.srcport -e udp.dstport
    // frame 4: 44 350 0x00000001 362 0 (eth:ethertype:ipv6:ipv6.fraghdr:data) → offset 362 × 8 = 2896 bytes
    expect(f[3]).toMatchObject({ src: '2607:f740:b::f93', proto: 17, ipTotalLen: 390, ipHeaderLen: 48, isFragment: true, fragId: 1, fragOffset: 2896, moreFragments: false, srcPort: 0, layer: Layer.IPv6, payloadLen: 342 });
    // frame 6: 44 1440 0x00000002 0 1 53 51851 (first fragment: UDP header present)
    expect(f[5]).toMatchObject({ ipTotalLen: 1480, isFragment: true, fragId: 2, fragOffset: 0, moreFragments: true, srcPort: 53, dstPort: 51851, layer: Layer.UDP });
    // TF -e ipv6.fraghdr.nxt: frames 4 and 6 → 17; fragment data starts after the 8-byte fragment header
    expect(f[3]).toMatchObject({ fragDataOffset: 14 + 40 + 8, fragNextHeader: 17 });
    expect(f[5]).toMatchObject({ fragDataOffset: 14 + 40 + 8, fragNextHeader: 17 });
    expect(f[0]).toMatchObject({ fragDataOffset: 0, fragNextHeader: 0 });
    // frame 1: 17 81 51850 53 — not a fragment
    expect(f[0]).toMatchObject({ isFragment: false, proto: 17, srcPort: 51850, dstPort: 53, ipHeaderLen: 40, src: '2001:470:1f11:81f:d138:5f55:6d4:1fe2' });
  });

  it('destination options and atomic fragments: zeek__ipv6-http-atomic-frag.pcap frames 4, 13, 16', async () => {
    const f = await decodeFile('zeek__ipv6-http-atomic-frag.pcap');
    // TF -e ipv6.nxt -e ipv6.plen -e tcp.srcport -e tcp.dstport -e tcp.flags -e tcp.seq_raw -e tcp.len
    // frame 4: 60 28 36951 80 0x0002 3810442574 0 (ipv6.dstopts:tcp)
    expect(f[3]).toMatchObject({ proto: 6, ipHeaderLen: 48, srcPort: 36951, dstPort: 80, tcpFlags: 0x02, seq: 3810442574, isFragment: false });
    // frame 13: 44 28 fraghdr ident 0 offset 0 more 0; 59694 80 0x0002 1770092805
    expect(f[12]).toMatchObject({ proto: 6, isFragment: true, fragId: 0, fragOffset: 0, moreFragments: false, srcPort: 59694, dstPort: 80, tcpFlags: 0x02, seq: 1770092805, layer: Layer.TCP });
    // frame 16: 44 43 ... 0x0018 tcp.len 15
    expect(f[15]).toMatchObject({ tcpFlags: 0x18, payloadLen: 15, payloadCaptured: 15 });
  });

  it('a chain that runs past the payload length is a bad header; one past the capture is truncated', async () => {
    const [f1] = await readPackets('libpcap__ipv6_ext_headers.pcap');
    const b = f1!.bytes.slice();
    b[14 + 4] = 0;
    b[14 + 5] = 100; // payload length 100: the chain is longer
    expect(snap(decodeRaw(1, b))).toMatchObject({ ipVersion: 6, stopLayer: Layer.IPv6, stopReason: 'bad-header', truncated: false });
    const cut = f1!.bytes.subarray(0, 14 + 40 + 300);
    expect(snap(decodeRaw(1, cut))).toMatchObject({ ipVersion: 6, stopLayer: Layer.IPv6, stopReason: 'truncated', truncated: true });
  });
});
