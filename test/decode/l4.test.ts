/**
 * TCP, UDP, ICMP and ICMPv6 on real corpus packets, expected values read off tshark 4.0.17:
 *   TF="tshark -n -r ../shared/corpus/pcap/<file> -T fields -e <field>..."  (frame numbers cited)
 * For ICMP errors tshark lists outer and quoted values comma-separated: "ip.src=10.5.0.1,12.4.4.4".
 */
import { describe, expect, it } from 'vitest';
import { Layer } from '../../src/decode/packet.ts';
import { decodeFile, decodeRaw, formatIPv4, readPackets, snap } from './corpus.ts';

describe('TCP', () => {
  it('every flag combination 0x00..0x3e: curated-pcaps__two_way_all_flags.pcap', async () => {
    const f = await decodeFile('curated-pcaps__two_way_all_flags.pcap');
    // TF -e tcp.flags | sort | uniq -c → 0x0000 … 0x003e, each exactly 126 times (7938 frames)
    expect(f.length).toBe(7938);
    const hist = new Map<number, number>();
    for (const s of f) hist.set(s.tcpFlags as number, (hist.get(s.tcpFlags as number) ?? 0) + 1);
    expect([...hist.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 63 }, (_, i) => i));
    expect([...hist.values()].every((n) => n === 126)).toBe(true);
    // TF -e tcp.flags -e ip.src -e ip.dst -e tcp.srcport -e tcp.dstport -e tcp.seq_raw -e tcp.window_size_value -e tcp.hdr_len
    // frame 1: 0x0000 10.0.0.10 10.0.0.80 45855 80 0 8192 20 ; frame 116: 0x003e 80 42291 0 8192
    expect(f[0]).toMatchObject({ tcpFlags: 0, src: '10.0.0.10', dst: '10.0.0.80', srcPort: 45855, dstPort: 80, seq: 0, window: 8192, tcpHeaderLen: 20, layer: Layer.TCP });
    expect(f[115]).toMatchObject({ tcpFlags: 0x3e, srcPort: 80, dstPort: 42291, window: 8192 });
  });

  it('RST carrying data: tcpdump__tcp_rst_data.pcap frame 1', async () => {
    const [f1] = await decodeFile('tcpdump__tcp_rst_data.pcap');
    // TF -e ip.src -e ip.dst -e ip.ttl -e ip.len -e tcp.srcport -e tcp.dstport -e tcp.flags -e tcp.seq_raw -e tcp.ack_raw
    //    -e tcp.window_size_value -e tcp.hdr_len -e tcp.len
    // frame 1: 199.204.31.89 172.16.133.41 243 98 80 52875 0x0014 1617159969 1936660873 5785 20 58
    expect(f1).toMatchObject({
      src: '199.204.31.89', dst: '172.16.133.41', ttl: 243, ipTotalLen: 98, srcPort: 80, dstPort: 52875, tcpFlags: 0x14,
      seq: 1617159969, ack: 1936660873, window: 5785, tcpHeaderLen: 20, payloadLen: 58, payloadCaptured: 58,
    });
    expect(f1!.payloadOffset).toBe(14 + 20 + 20);
  });

  it('headers cut by snaplen 68: zeek__tcp-truncated-header.pcap frames 1-4', async () => {
    const f = await decodeFile('zeek__tcp-truncated-header.pcap');
    // TF -e frame.len -e frame.cap_len -e tcp.srcport -e tcp.dstport -e tcp.flags -e tcp.seq_raw -e tcp.window_size_value -e tcp.hdr_len -e tcp.len
    // frame 1: 74 68 60827 25 0x00c2 1041724894 5840 40 0 — 20 of 40 header bytes captured (options cut)
    expect(f[0]).toMatchObject({
      srcPort: 60827, dstPort: 25, tcpFlags: 0xc2, seq: 1041724894, window: 5840, tcpHeaderLen: 40,
      layer: Layer.TCP, truncated: true, stopLayer: Layer.TCP, stopReason: 'truncated', payloadLen: 0,
    });
    // frame 2: 60 58 25 60827 0x0012 1090081362 57344 24 0 — header complete (ip.len 44)
    expect(f[1]).toMatchObject({ tcpFlags: 0x12, seq: 1090081362, ack: 1041724895, window: 57344, tcpHeaderLen: 24, truncated: false, stopReason: '' });
    // frame 4: 138 54 25 60827 0x0018 1090081363 58400 20 84 — header whole, all 84 payload bytes cut
    expect(f[3]).toMatchObject({ tcpFlags: 0x18, tcpHeaderLen: 20, payloadLen: 84, payloadCaptured: 0, truncated: true, stopLayer: Layer.None, stopReason: '' });
  });

  it('urgent pointer, data offset < 5, ports from a 4..19-byte TCP header', async () => {
    const [p] = await readPackets('curated-pcaps__single_syn.pcap');
    const b = p!.bytes.slice();
    const t = 14 + 20;
    b[t + 13] = 0x20 | 0x02; // URG|SYN
    b[t + 18] = 0x12;
    b[t + 19] = 0x34;
    expect(snap(decodeRaw(1, b))).toMatchObject({ tcpFlags: 0x22, urgentPtr: 0x1234, layer: Layer.TCP });
    b[t + 12] = 0x40; // data offset 4
    expect(snap(decodeRaw(1, b))).toMatchObject({ tcpHeaderLen: 16, stopLayer: Layer.TCP, stopReason: 'bad-header' });
    const s = snap(decodeRaw(1, p!.bytes, 0, t + 6));
    expect(s).toMatchObject({ srcPort: p!.bytes[t]! * 256 + p!.bytes[t + 1]!, tcpFlags: 0, layer: Layer.TCP, truncated: true, stopReason: 'truncated' });
  });
});

describe('UDP', () => {
  it('zeek__dns53.pcap frame 1', async () => {
    const [f1] = await decodeFile('zeek__dns53.pcap');
    // TF -e ip.src -e ip.dst -e ip.len -e udp.srcport -e udp.dstport -e udp.length -e frame.len
    // frame 1: 207.158.192.40 10.20.1.31 461 53 53 441 475
    expect(f1).toMatchObject({
      src: '207.158.192.40', dst: '10.20.1.31', proto: 17, ipTotalLen: 461, srcPort: 53, dstPort: 53, layer: Layer.UDP,
      l4Offset: 14 + 20, payloadOffset: 14 + 20 + 8, payloadLen: 441 - 8, payloadCaptured: 441 - 8, truncated: false,
    });
  });
});

describe('ICMP', () => {
  it('echo request/reply with payload cut: zeek__trunc-icmp-payload-trunc.pcap frames 1-2', async () => {
    const f = await decodeFile('zeek__trunc-icmp-payload-trunc.pcap');
    // TF -e frame.len -e frame.cap_len -e ip.src -e ip.dst -e ip.len -e icmp.type -e icmp.code -e icmp.ident -e icmp.seq
    // frame 1: 98 80 10.0.0.1 74.125.225.41 84 8 0 55731 0 ; frame 2: 98 80 74.125.225.41 10.0.0.1 84 0 0 55731 0
    expect(f[0]).toMatchObject({ src: '10.0.0.1', dst: '74.125.225.41', icmpType: 8, icmpCode: 0, icmpId: 55731, icmpSeq: 0, payloadLen: 84 - 20 - 8, payloadCaptured: 80 - 14 - 20 - 8, truncated: true, layer: Layer.ICMP, innerProto: 0 });
    expect(f[1]).toMatchObject({ src: '74.125.225.41', icmpType: 0, icmpId: 55731, icmpSeq: 0 });
  });

  it('destination unreachable quoting IPv4/UDP: zeek__icmp-destunreach-udp.pcap frame 1', async () => {
    const [f1] = await decodeFile('zeek__icmp-destunreach-udp.pcap');
    // TF -e ip.src -e ip.dst -e ip.proto -e icmp.type -e icmp.code -e udp.srcport -e udp.dstport
    // frame 1: 192.168.1.102,192.168.1.1 192.168.1.1,192.168.1.102 1,17 3 3 53 59207
    expect(f1).toMatchObject({
      src: '192.168.1.102', dst: '192.168.1.1', proto: 1, icmpType: 3, icmpCode: 3, srcPort: 0,
      innerIpVersion: 4, innerProto: 17, innerSrc: '192.168.1.1', innerDst: '192.168.1.102', innerSrcPort: 53, innerDstPort: 59207,
      payloadLen: 176 - 20 - 8, layer: Layer.ICMP,
    });
  });

  it('time exceeded: zeek__icmp-timeexceeded.pcap frame 1 and tcpdump__mpls-traceroute.pcap frame 2', async () => {
    const [z] = await decodeFile('zeek__icmp-timeexceeded.pcap');
    // TF -e ip.src -e ip.dst -e ip.proto -e icmp.type -e icmp.code -e udp.srcport -e udp.dstport
    // frame 1: 10.0.0.1,10.0.0.2 10.0.0.2,10.0.0.1 1,17 11 0 30000 13000
    expect(z).toMatchObject({ src: '10.0.0.1', dst: '10.0.0.2', icmpType: 11, icmpCode: 0, innerProto: 17, innerSrc: '10.0.0.2', innerDst: '10.0.0.1', innerSrcPort: 30000, innerDstPort: 13000 });
    const m = await decodeFile('tcpdump__mpls-traceroute.pcap');
    // frame 2: 10.5.0.1,12.4.4.4 12.4.4.4,12.1.1.1 1,17 11 0 42315 33435 (ip.len 168,40)
    expect(m[1]).toMatchObject({ src: '10.5.0.1', dst: '12.4.4.4', ipTotalLen: 168, icmpType: 11, innerProto: 17, innerSrc: '12.4.4.4', innerDst: '12.1.1.1', innerSrcPort: 42315, innerDstPort: 33435 });
  });
});

describe('ICMPv6', () => {
  it('packet too big quoting IPv6/UDP: zeek__icmp6-toobig.pcap frame 1', async () => {
    const [f1] = await decodeFile('zeek__icmp6-toobig.pcap');
    // TF -e ipv6.src -e ipv6.dst -e ipv6.nxt -e ipv6.plen -e icmpv6.type -e icmpv6.code -e udp.srcport -e udp.dstport
    // frame 1: fe80::dead,fe80::beef fe80::beef,fe80::dead 58,17 60,12 2 0 30000 13000
    expect(f1).toMatchObject({
      src: 'fe80::dead', dst: 'fe80::beef', proto: 58, ipTotalLen: 100, icmpType: 2, icmpCode: 0, layer: Layer.ICMPv6,
      innerIpVersion: 6, innerProto: 17, innerSrc: 'fe80::beef', innerDst: 'fe80::dead', innerSrcPort: 30000, innerDstPort: 13000, payloadLen: 52,
    });
  });

  it('destination unreachable quoting IPv6 + hop-by-hop: zeek__icmp6-destunreach-ip6ext.pcap frame 1', async () => {
    const [f1] = await decodeFile('zeek__icmp6-destunreach-ip6ext.pcap');
    // TF -e ipv6.src -e ipv6.dst -e ipv6.nxt -e icmpv6.type -e icmpv6.code: fe80::dead,fe80::beef fe80::beef,fe80::dead 58,0 1 0
    // -V: quoted "IPv6 Hop-by-Hop Option / Next Header: No Next Header for IPv6 (59)"
    expect(f1).toMatchObject({ icmpType: 1, icmpCode: 0, innerIpVersion: 6, innerProto: 59, innerSrc: 'fe80::beef', innerDst: 'fe80::dead', innerSrcPort: 0 });
  });

  it('echo through a routing header: tcpdump__ipv6-routing-header.pcap frame 1', async () => {
    const [f1] = await decodeFile('tcpdump__ipv6-routing-header.pcap');
    // TF -e icmpv6.type -e icmpv6.code -e icmpv6.echo.identifier -e icmpv6.echo.sequence_number: 128 0 0x0000 0
    expect(f1).toMatchObject({ icmpType: 128, icmpCode: 0, icmpId: 0, icmpSeq: 0, innerProto: 0 });
  });
});

describe('other IP protocols', () => {
  it('GRE is decapsulated: zeek__gre-sample.pcap frame 1 is the ICMP echo inside it', async () => {
    const [f1] = await decodeFile('zeek__gre-sample.pcap');
    // TF -e ip.src -e ip.dst -e ip.proto -e ip.len: 172.27.1.66,66.59.111.190 66.59.109.137,172.28.2.3 47,1 108,84
    expect(f1).toMatchObject({ src: '66.59.111.190', dst: '172.28.2.3', proto: 1, ipTotalLen: 84, layer: Layer.ICMP, stopReason: '', tunnels: 1, tunnelIpVersion: 4 });
    expect(formatIPv4(f1!.tunnelSrc4 as number)).toBe('172.27.1.66');
    expect(formatIPv4(f1!.tunnelDst4 as number)).toBe('66.59.109.137');
  });

  it('GRE whose payload is not IP stays the GRE packet: tcpdump__pptp.pcap PPP LCP (tshark: ip:gre:ppp:lcp)', async () => {
    const snaps = await decodeFile('tcpdump__pptp.pcap');
    const gre = snaps.filter((s) => s.proto === 47);
    expect(gre).toHaveLength(1);
    expect(gre[0]).toMatchObject({ layer: Layer.IPv4, tunnels: 0, stopReason: '' });
  });

  it('a record shorter than the Ethernet header: zeek__trunc-hdr.pcap frame 1', async () => {
    const [f1] = await decodeFile('zeek__trunc-hdr.pcap');
    // TF -e frame.len -e frame.cap_len -e frame.protocols: 78 8 eth
    expect(f1).toMatchObject({ end: 8, layer: Layer.None, truncated: true, stopLayer: Layer.Link, stopReason: 'truncated', etherType: 0 });
  });
});
