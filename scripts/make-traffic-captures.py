#!/usr/bin/python3
"""Builds the small test captures of test/captures/ (tunnels, VLAN-split connections) with scapy,
then records what tshark reads in them (test/captures/tshark-facts.json) for the tests to compare.

Usage: /usr/bin/python3 scripts/make-traffic-captures.py   (Debian's python3 with python3-scapy, and tshark)

Each capture holds one or a few inner connections under one encapsulation (named by the file);
times are fixed, so the output is the same on every run. The facts are per frame: tshark's
innermost IPv4/IPv6 addresses and TCP/UDP ports (last occurrence of each field) and
frame.protocols, with IP defragmentation off; for the fragmented capture also the reassembled UDP
datagram's length (defragmentation on).
"""
import json
import os
import subprocess

from scapy.all import (ARP, Dot1Q, Ether, ICMPv6EchoReply, ICMPv6EchoRequest, IP, IPv6, PPP, Raw, TCP, UDP,
                       fragment, wrpcap)
from scapy.contrib.erspan import ERSPAN_II, ERSPAN_III
from scapy.contrib.geneve import GENEVE
from scapy.layers.l2 import GRE, GRE_PPTP
from scapy.layers.vxlan import VXLAN

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'captures')
T0 = 1_700_000_000.0

MAC_A, MAC_B = '02:00:00:00:00:0a', '02:00:00:00:00:0b'


def tcp_conversation(ipc, cli, srv, sport, dport):
    """(from_client, inner packet) of a whole TCP connection: handshake, data both ways, FIN/FIN."""
    c, s = 1000, 5000
    a = lambda: ipc(src=cli, dst=srv)  # noqa: E731
    b = lambda: ipc(src=srv, dst=cli)  # noqa: E731
    return [
        (True, a() / TCP(sport=sport, dport=dport, flags='S', seq=c)),
        (False, b() / TCP(sport=dport, dport=sport, flags='SA', seq=s, ack=c + 1)),
        (True, a() / TCP(sport=sport, dport=dport, flags='A', seq=c + 1, ack=s + 1)),
        (True, a() / TCP(sport=sport, dport=dport, flags='PA', seq=c + 1, ack=s + 1) / Raw(b'GET / HTTP/1.0\r\n\r\n' + b'x' * 82)),
        (False, b() / TCP(sport=dport, dport=sport, flags='PA', seq=s + 1, ack=c + 101) / Raw(b'HTTP/1.0 200 OK\r\n\r\n' + b'y' * 181)),
        (True, a() / TCP(sport=sport, dport=dport, flags='FA', seq=c + 101, ack=s + 201)),
        (False, b() / TCP(sport=dport, dport=sport, flags='FA', seq=s + 201, ack=c + 102)),
        (True, a() / TCP(sport=sport, dport=dport, flags='A', seq=c + 102, ack=s + 202)),
    ]


def udp_exchange(ipc, cli, srv, sport, dport, n=2):
    out = []
    for i in range(n):
        out.append((True, ipc(src=cli, dst=srv) / UDP(sport=sport, dport=dport) / Raw(bytes([65 + i]) * 40)))
        out.append((False, ipc(src=srv, dst=cli) / UDP(sport=dport, dport=sport) / Raw(bytes([97 + i]) * 60)))
    return out


def timed(pkts, t0=T0, step=0.01):
    for i, p in enumerate(pkts):
        p.time = t0 + i * step
    return pkts


def wrap(conv, outer):
    """Each inner packet in its encapsulation: outer(from_client, inner) → the frame."""
    return timed([outer(fc, p) for fc, p in conv])


def eth():
    return Ether(src=MAC_A, dst=MAC_B)


def ip4_outer(fc, a='198.51.100.1', b='203.0.113.2', **kw):
    return IP(src=a if fc else b, dst=b if fc else a, **kw)


def ip6_outer(fc, a='2001:db8:ffff::1', b='2001:db8:ffff::2', **kw):
    return IPv6(src=a if fc else b, dst=b if fc else a, **kw)


def build():
    caps = {}
    tcp4 = tcp_conversation(IP, '10.0.0.1', '10.0.0.2', 40001, 80)
    tcp6 = tcp_conversation(IPv6, 'fd00::1', 'fd00::2', 40002, 443)
    udp4 = udp_exchange(IP, '10.0.1.1', '10.0.1.2', 40003, 53)
    udp6 = udp_exchange(IPv6, 'fd00:1::1', 'fd00:1::2', 40004, 53)

    # GRE (RFC 2784 / 2890): key and sequence number; checksum; IPv6 payload
    caps['gre-ip4'] = wrap(tcp4, lambda fc, p: eth() / ip4_outer(fc) / GRE(key_present=1, key=0x1234, seqnum_present=1, sequence_number=7, proto=0x0800) / p)
    caps['gre-ip6'] = wrap(udp6, lambda fc, p: eth() / ip4_outer(fc) / GRE(chksum_present=1, proto=0x86dd) / p)
    # GRE version 1 (PPTP, RFC 2637) carrying PPP (0x880b) with address/control bytes, then IPv4
    caps['gre-ppp'] = wrap(tcp4, lambda fc, p: eth() / ip4_outer(fc) / GRE_PPTP(seqnum_present=1, sequence_number=3, call_id=9) / b'\xff\x03' / PPP(proto=0x0021) / p)
    # GRE carrying Ethernet (0x6558, transparent Ethernet bridging / NVGRE) with an inner VLAN tag
    caps['gre-eth'] = wrap(udp4, lambda fc, p: eth() / ip4_outer(fc) / GRE(key_present=1, key=0x00abcd00, proto=0x6558) / Ether(src=MAC_B, dst=MAC_A) / Dot1Q(vlan=33) / p)
    # ERSPAN type II (GRE 0x88be, sequence number) and type III (0x22eb) carrying mirrored Ethernet frames
    caps['erspan2'] = wrap(tcp4, lambda fc, p: eth() / ip4_outer(fc) / GRE(seqnum_present=1, sequence_number=11, proto=0x88be) / ERSPAN_II(ver=1, session_id=5, index=1) / eth() / p)
    caps['erspan3'] = wrap(tcp6, lambda fc, p: eth() / ip4_outer(fc) / GRE(seqnum_present=1, sequence_number=12, proto=0x22eb) / ERSPAN_III(session_id=6, timestamp=77) / eth() / p)
    # VXLAN (UDP 4789) and Geneve (UDP 6081, with an 8-byte option, over IPv6)
    caps['vxlan'] = wrap(tcp4, lambda fc, p: eth() / ip4_outer(fc) / UDP(sport=51000 if fc else 51001, dport=4789) / VXLAN(vni=5001) / eth() / p)
    caps['geneve'] = wrap(udp4, lambda fc, p: eth() / ip6_outer(fc) / UDP(sport=52000 if fc else 52001, dport=6081) / GENEVE(vni=77, proto=0x6558, optionlen=2, options=b'\x01\x02\x03\x01\x00\x00\x00\x2a') / eth() / p)
    # IP-in-IP (protocol 4), IPv6-in-IPv4 (41), IPv6-in-IPv6 and IPv4-in-IPv6
    caps['ipip'] = wrap(tcp4, lambda fc, p: eth() / ip4_outer(fc, proto=4) / p)
    caps['6in4'] = wrap(tcp6, lambda fc, p: eth() / ip4_outer(fc, proto=41) / p)
    ping6 = [(True, IPv6(src='fd00:2::1', dst='fd00:2::2') / ICMPv6EchoRequest(id=7, seq=i)) for i in range(2)] + \
            [(False, IPv6(src='fd00:2::2', dst='fd00:2::1') / ICMPv6EchoReply(id=7, seq=i)) for i in range(2)]
    caps['6in6'] = wrap(ping6, lambda fc, p: eth() / ip6_outer(fc, nh=41) / p)
    caps['4in6'] = wrap(udp4, lambda fc, p: eth() / ip6_outer(fc, nh=4) / p)
    # Teredo (UDP 3544): plain, and with an origin indication header (server → client)
    caps['teredo'] = wrap(tcp6, lambda fc, p: eth() / IP(src='192.0.2.10' if fc else '192.0.2.20', dst='192.0.2.20' if fc else '192.0.2.10') /
                          UDP(sport=3544 if not fc else 53000, dport=53000 if not fc else 3544) / (b'' if fc else b'\x00\x00\xcf\x37\xc0\x00\x02\x0a') / p)
    # Nested: VXLAN carrying GRE carrying IPv4; and inside VXLAN a non-IP frame (ARP: stays the outer UDP flow)
    nested = wrap(udp4, lambda fc, p: eth() / ip4_outer(fc) / UDP(sport=51000, dport=4789) / VXLAN(vni=9) / eth() /
                  ip4_outer(fc, a='172.16.0.1', b='172.16.0.2') / GRE(proto=0x0800) / p)
    arp = eth() / IP(src='198.51.100.1', dst='203.0.113.2') / UDP(sport=51000, dport=4789) / VXLAN(vni=9) / Ether(dst='ff:ff:ff:ff:ff:ff') / ARP(psrc='10.9.9.1', pdst='10.9.9.2')
    arp.time = T0 + 1
    caps['nested'] = nested + [arp]
    # Depth bound: IPv4 in IPv4 five times (decapsulated to depth 4; the 5th level stays an ipip packet)
    deep = IP(src='10.0.5.1', dst='10.0.5.2') / UDP(sport=1, dport=2) / Raw(b'deep')
    for i in range(5):
        deep = IP(src=f'10.5.{i}.1', dst=f'10.5.{i}.2', proto=4) / deep
    deep = eth() / deep
    deep.time = T0
    caps['deep'] = [deep]
    # IPv4 fragments of a maximal UDP datagram (65,507 data bytes) inside GRE/PPP (PPTP), sent twice
    big = IP(src='10.0.9.1', dst='10.0.9.2', id=4242) / UDP(sport=40009, dport=9) / Raw(bytes(range(256)) * 255 + b'z' * 227)
    assert len(big) == 65535
    frags = fragment(big, fragsize=1456)
    caps['gre-ppp-frag'] = timed([eth() / ip4_outer(True) / GRE_PPTP(seqnum_present=1, sequence_number=100 + i, call_id=9) / b'\xff\x03' / PPP(proto=0x0021) / f
                                  for i, f in enumerate(frags)], step=0.0001)
    # VLAN-split connection: client side 802.1Q-tagged (VLAN 10), server side untagged; and one UDP
    # conversation on VLAN 100 and the same addresses/ports on VLAN 200 (overlapping address spaces)
    split = timed([(eth() / Dot1Q(vlan=10) / p if fc else eth() / p) for fc, p in tcp_conversation(IP, '10.1.0.5', '10.2.0.9', 40010, 80)])
    over = [(eth() / Dot1Q(vlan=v) / p) for fc, p in udp_exchange(IP, '192.168.1.10', '192.168.1.20', 5555, 53, 1) for v in (100, 200)]
    caps['vlan-split'] = split + timed(over, t0=T0 + 5)
    return caps


FIELDS = ['ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'frame.protocols']


def tshark_facts(path):
    """One line per frame: "<frame.protocols>|<innermost src>><dst>|<T|U sport>dport or ''>"."""
    cmd = ['tshark', '-n', '-r', path, '-o', 'ip.defragment:FALSE', '-T', 'fields', '-E', 'occurrence=l', '-E', 'separator=|']
    for f in FIELDS:
        cmd += ['-e', f]
    rows = []
    for line in subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.splitlines():
        v = dict(zip(FIELDS, line.split('|')))
        chain = v['frame.protocols'].split(':')
        last_ip = max((i for i, p in enumerate(chain) if p in ('ip', 'ipv6')), default=-1)
        fam = chain[last_ip] if last_ip >= 0 else ''
        addr = f"{v['ip.src']}>{v['ip.dst']}" if fam == 'ip' else f"{v['ipv6.src']}>{v['ipv6.dst']}" if fam == 'ipv6' else ''
        after = chain[last_ip + 1:] if last_ip >= 0 else []
        l4 = f"T{v['tcp.srcport']}>{v['tcp.dstport']}" if 'tcp' in after else f"U{v['udp.srcport']}>{v['udp.dstport']}" if 'udp' in after else ''
        rows.append(f"{v['frame.protocols']}|{addr}|{l4}")
    return rows


def main():
    os.makedirs(OUT, exist_ok=True)
    facts = {}
    for name, pkts in build().items():
        path = os.path.join(OUT, f'{name}.pcap')
        wrpcap(path, pkts)
        facts[name] = {'frames': tshark_facts(path)}
    path = os.path.join(OUT, 'gre-ppp-frag.pcap')
    out = subprocess.run(['tshark', '-n', '-r', path, '-Y', 'udp', '-T', 'fields', '-e', 'udp.length', '-e', 'ip.src', '-e', 'ip.dst'],
                         capture_output=True, text=True, check=True).stdout.split()
    facts['gre-ppp-frag']['reassembledUdpLength'] = int(out[0])
    with open(os.path.join(OUT, 'tshark-facts.json'), 'w') as f:
        json.dump({'tshark': subprocess.run(['tshark', '--version'], capture_output=True, text=True).stdout.splitlines()[0],
                   'captures': facts}, f, indent=1, sort_keys=True)
        f.write('\n')


main()
