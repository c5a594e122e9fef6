#!/usr/bin/env python3
"""Expected per-file decode digests for test/decode/tshark-digest.test.ts, read off tshark.

Usage: python3 scripts/tshark-decode-digest.py [CORPUS_DIR]   (needs tshark; run by hand, not by tests)

For every capture tshark reads ("ok" in REFERENCE.tsv, > 0 packets) it runs
  tshark -n -r F -o ip.defragment:FALSE -o ipv6.defragment:FALSE -o tcp.desegment_tcp_streams:FALSE \
         -T fields -E occurrence=a -E aggregator=, -E separator='|' -e frame.number -e ip.src -e ip.dst -e ipv6.src \
         -e ipv6.dst -e tcp.srcport -e tcp.dstport -e udp.srcport -e udp.dstport -e tcp.flags \
         -e tcp.seq_raw -e icmp.type -e icmpv6.type -e frame.protocols
and turns each frame into one canonical line (outer = first occurrence of each field):
  "<src>><dst>|<T sport>dport/flags/seq | U sport>dport | ''>|<icmp type or ''>"
where ports are left out for frames whose protocols contain icmp (a quoted datagram, not this
packet's own L4 header). A frame whose tunnel (GRE, Teredo, VXLAN, Geneve) carries IP is described
by that inner packet, as flowsift decapsulates it: the occurrence of each field after the tunnel.
GRE without IP (PPTP's PPP LCP) stays the GRE packet, ports and ICMP left out. The test
builds the same line from decodePacket's fields. Prints, per file: frames, counts of frames with
IPv4/IPv6/TCP/UDP/ICMP, and the 32-bit FNV-1a hash of all lines joined with '\n'.
"""
import os
import subprocess
import sys

corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '../../shared/corpus/pcap')
FIELDS = ['frame.number', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'tcp.srcport', 'tcp.dstport', 'udp.srcport',
          'udp.dstport', 'tcp.flags', 'tcp.seq_raw', 'icmp.type', 'icmpv6.type', 'frame.protocols']


def fnv1a(s: str) -> int:
    h = 0x811c9dc5
    for b in s.encode():
        h ^= b
        h = (h * 0x01000193) & 0xffffffff
    return h


def main() -> None:
    rows = [l.rstrip('\n').split('\t') for l in open(os.path.join(corpus, 'REFERENCE.tsv')) if not l.startswith('#')]
    head = rows[0]
    files = [r[0] for r in rows[1:] if r[head.index('tshark_read_status')] == 'ok' and r[head.index('packets')].isdigit()
             and int(r[head.index('packets')]) > 0]
    print('{')
    for f in files:
        cmd = ['tshark', '-n', '-r', os.path.join(corpus, f), '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE',
               '-o', 'tcp.desegment_tcp_streams:FALSE', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,',
               '-E', 'separator=|']
        for x in FIELDS:
            cmd += ['-e', x]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        lines = []
        n4 = n6 = nt = nu = ni = 0
        for l in out.splitlines():
            _, ips, ipd, i6s, i6d, tsp, tdp, usp, udp, tfl, tseq, it, i6t, protos = l.split('|')
            protos_l = protos.split(':')
            # A tunnel decapsulated to IP (GRE, Teredo here): describe the first IP packet inside it.
            m = next((i for i, x in enumerate(protos_l) if x in ('gre', 'teredo', 'vxlan', 'geneve')), -1)
            j = m + 1
            while 0 < j < len(protos_l) and protos_l[j] in ('eth', 'ethertype', 'vlan', 'erspan', 'ppp'):
                j += 1
            decap = m >= 0 and j < len(protos_l) and protos_l[j] in ('ip', 'ipv6')
            at = lambda v, i=0: (v.split(',') + [''] * (i + 1))[i] if v else ''  # noqa: E731
            if decap:
                fam = protos_l[j]
                n = protos_l[:j].count(fam)
                ips, ipd = (at(ips, n), at(ipd, n)) if fam == 'ip' else ('', '')
                i6s, i6d = (at(i6s, n), at(i6d, n)) if fam == 'ipv6' else ('', '')
                before, protos_l = protos_l[:j], protos_l[j:]
                tsp, tdp, tfl, tseq = (at(x, before.count('tcp')) for x in (tsp, tdp, tfl, tseq))
                usp, udp = (at(x, before.count('udp')) for x in (usp, udp))
                it, i6t = at(it, before.count('icmp')), at(i6t, before.count('icmpv6'))
            else:
                ips, ipd, i6s, i6d, tsp, tdp, usp, udp, tfl, tseq, it, i6t = (at(x) for x in (ips, ipd, i6s, i6d, tsp, tdp, usp, udp, tfl, tseq, it, i6t))
            addr = f'{ips}>{ipd}' if ips else f'{i6s}>{i6d}' if i6s else ''
            n4 += bool(ips)
            n6 += bool(not ips and i6s)
            l4 = ''
            if 'gre' not in protos_l and 'icmp' not in protos_l and 'icmpv6' not in protos_l:
                if tsp:
                    l4 = f'T{tsp}>{tdp}/{int(tfl, 16) if tfl else ""}/{tseq}'
                    nt += 1
                elif usp:
                    l4 = f'U{usp}>{udp}'
                    nu += 1
            icmp = '' if 'gre' in protos_l else (it or i6t)  # inner ICMP of a decapsulated frame counts
            ni += bool(icmp)
            lines.append(f'{addr}|{l4}|{icmp}')
        h = fnv1a('\n'.join(lines))
        print(f"  '{f}': {{ frames: {len(lines)}, ip4: {n4}, ip6: {n6}, tcp: {nt}, udp: {nu}, icmp: {ni}, fnv: 0x{h:08x} }},")
    print('}')


main()
