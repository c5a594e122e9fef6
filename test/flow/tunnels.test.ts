/**
 * Tunnelled traffic makes flows of the inner connections (Zeek's behaviour), with the `tunnel`
 * chain and the outermost tunnel endpoints; fragments of an inner datagram are reassembled on the
 * inner IP header. Captures: test/captures/ (scripts/make-traffic-captures.py, tshark's reading in
 * tshark-facts.json) and the real zeek__gre-sample / tcpdump__pptp captures of the corpus.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Row } from '../../src/dataset/types.ts';
import { extractFlows } from '../../src/features/extract.ts';
import { CORPUS } from '../features/helpers.ts';

const DIR = fileURLToPath(new URL('../captures/', import.meta.url));
const FACTS = JSON.parse(readFileSync(DIR + 'tshark-facts.json', 'utf8')) as { captures: Record<string, { frames: string[]; reassembledUdpLength?: number }> };

async function rows(files: string[], worker = false): Promise<Row[]> {
  const out: Row[] = [];
  await extractFlows(files, { worker }, (r) => void out.push(r));
  return out;
}

const pick = (r: Row): unknown[] => [r.src_ip, r.src_port, r.dst_ip, r.dst_port, r.proto, r.tunnel, r.tunnel_src, r.tunnel_dst];

describe('flows of tunnelled traffic', () => {
  it('each encapsulation: one flow, the inner connection, with its tunnel and outer endpoints', async () => {
    const T4 = ['10.0.0.1', 40001, '10.0.0.2', 80, 6];
    const T6 = ['fd00::1', 40002, 'fd00::2', 443, 6];
    const U4 = ['10.0.1.1', 40003, '10.0.1.2', 53, 17];
    const U6 = ['fd00:1::1', 40004, 'fd00:1::2', 53, 17];
    const O4 = ['198.51.100.1', '203.0.113.2'];
    const O6 = ['2001:db8:ffff::1', '2001:db8:ffff::2'];
    const expected: Record<string, unknown[]> = {
      'gre-ip4': [...T4, 'gre', ...O4], 'gre-ip6': [...U6, 'gre', ...O4], 'gre-ppp': [...T4, 'gre-ppp', ...O4],
      'gre-eth': [...U4, 'gre-eth', ...O4], erspan2: [...T4, 'erspan2', ...O4], erspan3: [...T6, 'erspan3', ...O4],
      vxlan: [...T4, 'vxlan', ...O4], geneve: [...U4, 'geneve', ...O6], ipip: [...T4, 'ip', ...O4], '6in4': [...T6, 'ip', ...O4],
      '4in6': [...U4, 'ip', ...O6], teredo: [...T6, 'teredo', '192.0.2.10', '192.0.2.20'],
    };
    for (const [name, want] of Object.entries(expected)) {
      const r = await rows([`${DIR}${name}.pcap`]);
      expect(r.map(pick), name).toEqual([want]);
      const frames = FACTS.captures[name]!.frames.length;
      expect((r[0]!.src_pkts as number) + (r[0]!.dst_pkts as number), name).toBe(frames);
      if (r[0]!.proto === 6) expect([name, r[0]!.conn_state, r[0]!.src_bytes, r[0]!.dst_bytes]).toEqual([name, 'SF', 100, 200]);
    }
    // 6in6: ICMPv6 echo id 7 both ways, one flow.
    const p6 = await rows([`${DIR}6in6.pcap`]);
    expect(p6.map((r) => [r.src_ip, r.dst_ip, r.proto, r.tunnel, r.src_pkts, r.dst_pkts])).toEqual([['fd00:2::1', 'fd00:2::2', 58, 'ip', 2, 2]]);
  });

  it('IPv4 fragments of a maximal UDP datagram inside GRE/PPP: one inner UDP flow, reassembled', async () => {
    const r = await rows([`${DIR}gre-ppp-frag.pcap`]);
    // tshark (defragmenting): one UDP datagram 10.0.9.1:40009 → 10.0.9.2:9 of udp.length 65,515.
    const udpLength = FACTS.captures['gre-ppp-frag']!.reassembledUdpLength!;
    expect(udpLength).toBe(65515);
    expect(r).toHaveLength(1);
    expect(pick(r[0]!)).toEqual(['10.0.9.1', 40009, '10.0.9.2', 9, 17, 'gre-ppp', '198.51.100.1', '203.0.113.2']);
    expect([r[0]!.src_bytes, r[0]!.src_pkts, r[0]!.wrong_fragment, r[0]!.src_ip_bytes]).toEqual([udpLength - 8, 1, 0, 65535]);
  });

  it('nested tunnels, and a non-IP frame in a tunnel staying the outer UDP flow', async () => {
    const r = await rows([`${DIR}nested.pcap`]);
    expect(r.map(pick)).toEqual([
      ['10.0.1.1', 40003, '10.0.1.2', 53, 17, 'vxlan:gre', '198.51.100.1', '203.0.113.2'],
      ['198.51.100.1', 51000, '203.0.113.2', 4789, 17, '', '', ''],
    ]);
  });

  it('real captures: zeek__gre-sample gives the inner conversations tshark lists; pptp control stays GRE', async () => {
    const r = await rows([`${CORPUS}/zeek__gre-sample.pcap`]);
    // REFERENCE.tsv (tshark -z conv,tcp -z conv,udp through the GRE): 1 TCP and 4 UDP conversations.
    expect(r.filter((x) => x.proto === 6)).toHaveLength(1);
    expect(r.filter((x) => x.proto === 17)).toHaveLength(4);
    expect(r.filter((x) => x.proto === 47)).toHaveLength(0);
    expect(new Set(r.map((x) => x.tunnel))).toEqual(new Set(['gre']));
    const total = r.reduce((n, x) => n + (x.src_pkts as number) + (x.dst_pkts as number), 0);
    expect(total).toBe(40); // every frame (ICMP errors quoting a flow's datagram counted on it)
    // tcpdump__pptp: its one GRE frame carries PPP LCP (tshark: gre:ppp:lcp), not IP.
    const pptp = await rows([`${CORPUS}/tcpdump__pptp.pcap`]);
    expect(pptp.filter((x) => x.proto === 47).map((x) => [x.tunnel, x.src_pkts])).toEqual([['', 1]]);
  });

  it('the two-thread pipeline gives the same rows', async () => {
    const files = Object.keys(FACTS.captures).map((n) => `${DIR}${n}.pcap`);
    expect(await rows(files, true)).toEqual(await rows(files, false));
  });
});
