/**
 * Flow counts per capture vs tshark's TCP/UDP conversation counts (REFERENCE.tsv: `tshark -n -r F
 * -q -z conv,tcp -z conv,udp`, tshark 4.0.17), over the whole corpus. Every difference is listed
 * in EXPLAINED with its reason and checked here.
 *
 * tshark has no timeouts and, like flowsift's default (Zeek's) key, ignores VLAN tags; flowsift ends
 * a flow after 120 s idle (default). So the comparison is made twice: with the idle timeout off (must equal
 * tshark except the EXPLAINED files) and with the default (differences only where a gap > 120 s
 * exists, checked from the packets).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../src/flow/record.ts';
import { CORPUS, corpus, flowsOf } from './helpers.ts';

interface RefRow { file: string; tcp: number; udp: number; status: string }

const REF: RefRow[] = readFileSync(CORPUS + 'REFERENCE.tsv', 'utf8').split('\n')
  .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('file\t'))
  .map((l) => {
    const c = l.split('\t');
    return { file: c[0]!, tcp: Number(c[11]), udp: Number(c[12]), status: c[14]! };
  });

function counts(flows: FlowRecord[]): { tcp: number; udp: number; other: FlowRecord[] } {
  return {
    tcp: flows.filter((f) => f.proto === 6).length,
    udp: flows.filter((f) => f.proto === 17).length,
    other: flows.filter((f) => f.proto !== 6 && f.proto !== 17),
  };
}

/** Files whose counts differ from tshark even without timeouts, with the reason (checked below). */
const EXPLAINED: Record<string, string> = {
  'pcap-parser__wireshark_samples-test.pcapng': 'Teredo (UDP 3544) is decapsulated: its 13 frames are IPv6 bubbles (flows of the inner packet), where tshark counts 2 outer UDP conversations',
  'curated-pcaps__two_way_all_flags.pcap': 'port reuse: a pure SYN after SYN-less packets starts a new connection (Zeek IsReuse); tshark splits only after a SYN-opened stream',
};

describe('flow counts vs tshark conversations (REFERENCE.tsv)', () => {
  it('covers the whole corpus', () => {
    expect(REF.length).toBeGreaterThanOrEqual(66);
  });

  it('idle timeout off: equal to tshark for every file but the explained ones', async () => {
    const mismatched: string[] = [];
    for (const r of REF) {
      const { flows } = await flowsOf(corpus(r.file), { idleTimeout: Infinity });
      const c = counts(flows);
      if (r.status !== 'ok') {
        // tshark cannot read these files (exit 2): no flows from us either (the reader reports the fault).
        expect(flows, r.file).toHaveLength(0);
        continue;
      }
      if (c.tcp !== r.tcp || c.udp !== r.udp) mismatched.push(r.file);
      // Flows of other protocols (ICMP, IGMP, GRE …) are not tshark TCP/UDP conversations.
      for (const f of c.other) expect(f.protocolType === 'icmp' || f.protocolType === 'other').toBe(true);
    }
    expect(mismatched.sort()).toEqual(Object.keys(EXPLAINED).sort());
    // tshark -n -r F -q -z conv,udp,teredo: 192.168.152.33:3074 and 192.168.152.26:50584 <-> 224.0.0.253:3544.
    const ws = (await flowsOf(corpus('pcap-parser__wireshark_samples-test.pcapng'), { idleTimeout: Infinity })).flows;
    const ref = REF.find((r) => r.file === 'pcap-parser__wireshark_samples-test.pcapng')!;
    expect(counts(ws).udp).toBe(ref.udp - 2);
    const teredo = ws.filter((f) => f.tunnel === 'teredo');
    expect(new Set(teredo.map((f) => `${f.tunnelSrc}>${f.tunnelDst}`))).toEqual(new Set(['192.168.152.33>224.0.0.253', '192.168.152.26>224.0.0.253']));
    expect(teredo.reduce((n, f) => n + f.srcPkts + f.dstPkts, 0)).toBe(13);
  });

  it('two_way_all_flags: same address/port pairs as tshark; every extra flow starts with a new SYN (port reuse)', async () => {
    // tshark -n -r curated-pcaps__two_way_all_flags.pcap -q -z conv,tcp: 4465 conversation lines over
    // 3969 distinct address:port pairs (496 pairs appear twice: tshark's own port-reuse split).
    const { flows } = await flowsOf(corpus('curated-pcaps__two_way_all_flags.pcap'), { idleTimeout: Infinity });
    const byPair = new Map<string, FlowRecord[]>();
    for (const f of flows) {
      const a = `${f.srcIp}:${f.srcPort}`, b = `${f.dstIp}:${f.dstPort}`;
      const k = a < b ? `${a} ${b}` : `${b} ${a}`;
      (byPair.get(k) ?? byPair.set(k, []).get(k)!).push(f);
    }
    expect(byPair.size).toBe(3969);
    let later = 0;
    for (const list of byPair.values()) {
      for (let i = 1; i < list.length; i++) {
        // Every later flow of a pair starts with a pure SYN (S, or the multi-flag Q/I letters of
        // SYN+FIN / SYN+FIN+RST) carrying a new ISN: Zeek's IsReuse.
        expect(list[i]!.history.replace('^', '')[0], list[i]!.history).toMatch(/[SQI]/);
        later++;
      }
    }
    // tshark's own reuse heuristic splits 496 of these successors (4465 − 3969); Zeek's rule (ours)
    // splits every one: the difference from tshark's 4465 is exactly the successors tshark keeps merged.
    expect(flows.length).toBe(3969 + later);
    expect(later).toBeGreaterThan(496);
  });

  it('gre-sample: the inner flows; ldap/vlan-pcp-dei: one flow (Zeek key), one per VLAN id with vlanKey (Suricata key)', async () => {
    // gre-sample: the conversations inside GRE are the flows (tshark: 1 TCP, 4 UDP; test/flow/tunnels.test.ts).
    const gre = (await flowsOf(corpus('zeek__gre-sample.pcap'))).flows;
    expect(gre.filter((f) => f.proto === 47)).toEqual([]);
    expect(new Set(gre.map((f) => f.tunnel))).toEqual(new Set(['gre']));
    // ldap-modify-request: the two directions carry different VLAN ids (80 and 81), tshark: 1 TCP conversation.
    const ldap = (await flowsOf(corpus('zeek__ldap-modify-request.pcapng'))).flows;
    expect(ldap).toHaveLength(1);
    // All 17 frames (REFERENCE.tsv) in it, both directions: a whole connection (handshake to RST).
    expect([ldap[0]!.srcPkts + ldap[0]!.dstPkts, ldap[0]!.history.slice(0, 3)]).toEqual([17, 'ShA']);
    const ldapV = (await flowsOf(corpus('zeek__ldap-modify-request.pcapng'), { vlanKey: true })).flows;
    expect(ldapV.map((f) => f.vlan).sort()).toEqual([80, 81]);
    // vlan-pcp-dei: the same connection seen on VLAN 10, VLAN 20 and untagged.
    expect((await flowsOf(corpus('zeek__vlan-pcp-dei.pcapng'))).flows).toHaveLength(1);
    const vlanV = (await flowsOf(corpus('zeek__vlan-pcp-dei.pcapng'), { vlanKey: true })).flows;
    expect(vlanV.map((f) => f.vlan).sort((a, b) => a - b)).toEqual([0, 10, 20]);
  });

  it('default idle timeout (120 s): extra flows exactly where a 5-tuple is silent for more than 120 s', async () => {
    // tshark -n -r F -T fields -e frame.time_epoch: pcap-parser__wireshark_samples-test spans
    // ~23 min with long silences; zeek__pppoe-over-qinq has a 235 s gap (1523351437.07 →
    // 1523351672.08); pcapng-test__be_test100 has a packet stamped 0 (1970) before the 2012 ones.
    for (const r of REF.filter((x) => x.status === 'ok')) {
      const off = counts((await flowsOf(corpus(r.file), { idleTimeout: Infinity })).flows);
      const { flows } = await flowsOf(corpus(r.file));
      const on = counts(flows);
      const splits = flows.filter((f) => f.endReason === 'idle' && (f.proto === 6 || f.proto === 17));
      // Each idle-ended TCP/UDP flow that has a later flow on the same key accounts for one extra flow.
      let extra = 0;
      for (const s of splits) {
        if (flows.some((g) => g !== s && g.proto === s.proto && g.startTs > s.endTs + 120 &&
          ((g.srcIp === s.srcIp && g.srcPort === s.srcPort && g.dstIp === s.dstIp && g.dstPort === s.dstPort) ||
           (g.srcIp === s.dstIp && g.srcPort === s.dstPort && g.dstIp === s.srcIp && g.dstPort === s.srcPort)))) extra++;
      }
      expect(on.tcp + on.udp, r.file).toBe(off.tcp + off.udp + extra);
    }
  });
});
