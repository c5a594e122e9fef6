/**
 * Tunnel decapsulation against tshark. The captures of test/captures/ are built by
 * scripts/make-traffic-captures.py (scapy), which also recorded tshark 4.0's reading of every frame
 * in test/captures/tshark-facts.json: frame.protocols, the innermost IP addresses and TCP/UDP ports.
 * decodePacket must give the same innermost addresses and ports, and name the tunnels crossed.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readCaptures } from '../../src/capture/index.ts';
import { decodePacket } from '../../src/decode/decoder.ts';
import { DecodedPacket, Layer } from '../../src/decode/packet.ts';
import { MAX_TUNNEL_DEPTH, tunnelChainName } from '../../src/decode/tunnel.ts';
import { boundsViolation, formatIPv4, formatIPv6 } from './corpus.ts';

const DIR = fileURLToPath(new URL('../captures/', import.meta.url));
const FACTS = JSON.parse(readFileSync(DIR + 'tshark-facts.json', 'utf8')) as { captures: Record<string, { frames: string[] }> };

interface Seen { line: string; chain: string; outer: string; bounds: string; stop: string }

async function decodeCapture(name: string): Promise<Seen[]> {
  const out: Seen[] = [];
  const p = new DecodedPacket();
  await readCaptures([`${DIR}${name}.pcap`], (rec) => {
    decodePacket(rec, p);
    const addr = p.ipVersion === 4 ? `${formatIPv4(p.src4)}>${formatIPv4(p.dst4)}` : p.ipVersion === 6 ? `${formatIPv6(p.src6)}>${formatIPv6(p.dst6)}` : '';
    const l4 = p.layer === Layer.TCP ? `T${p.srcPort}>${p.dstPort}` : p.layer === Layer.UDP ? `U${p.srcPort}>${p.dstPort}` : '';
    const outer = p.tunnels === 0 ? '' : p.tunnelIpVersion === 4 ? `${formatIPv4(p.tunnelSrc4)}>${formatIPv4(p.tunnelDst4)}` : `${formatIPv6(p.tunnelSrc6)}>${formatIPv6(p.tunnelDst6)}`;
    out.push({ line: `${addr}|${l4}`, chain: tunnelChainName(p.tunnelChain), outer, bounds: boundsViolation(p), stop: p.stopReason });
  });
  return out;
}

/** Each capture's tunnel chain (every frame) and outermost endpoints of its first frame. */
const CHAIN: Record<string, [string, string]> = {
  'gre-ip4': ['gre', '198.51.100.1>203.0.113.2'],
  'gre-ip6': ['gre', '198.51.100.1>203.0.113.2'],
  'gre-ppp': ['gre-ppp', '198.51.100.1>203.0.113.2'],
  'gre-eth': ['gre-eth', '198.51.100.1>203.0.113.2'],
  'erspan2': ['erspan2', '198.51.100.1>203.0.113.2'],
  'erspan3': ['erspan3', '198.51.100.1>203.0.113.2'],
  'vxlan': ['vxlan', '198.51.100.1>203.0.113.2'],
  'geneve': ['geneve', '2001:db8:ffff::1>2001:db8:ffff::2'],
  'ipip': ['ip', '198.51.100.1>203.0.113.2'],
  '6in4': ['ip', '198.51.100.1>203.0.113.2'],
  '6in6': ['ip', '2001:db8:ffff::1>2001:db8:ffff::2'],
  '4in6': ['ip', '2001:db8:ffff::1>2001:db8:ffff::2'],
  'teredo': ['teredo', '192.0.2.10>192.0.2.20'],
  'gre-ppp-frag': ['gre-ppp', '198.51.100.1>203.0.113.2'],
};

describe('tunnels: innermost packet as tshark reads it', () => {
  it.each(Object.keys(CHAIN))('%s', async (name) => {
    const seen = await decodeCapture(name);
    const tshark = FACTS.captures[name]!.frames;
    expect(seen.length).toBe(tshark.length);
    expect(seen.map((s) => s.line)).toEqual(tshark.map((l) => l.slice(l.indexOf('|') + 1)));
    const [chain, outer] = CHAIN[name]!;
    for (const s of seen) {
      expect(s.chain).toBe(chain);
      expect(s.bounds).toBe('');
    }
    expect(seen[0]!.outer).toBe(outer);
  });

  it('nested VXLAN → GRE → IPv4 gives the chain vxlan:gre; an ARP frame inside VXLAN stays the outer UDP datagram', async () => {
    const seen = await decodeCapture('nested');
    const tshark = FACTS.captures.nested!.frames;
    expect(seen.map((s) => s.line)).toEqual(tshark.map((l) => l.slice(l.indexOf('|') + 1)));
    expect(tshark.at(-1)).toMatch(/:vxlan:eth:ethertype:arp\|/);
    expect(seen.map((s) => s.chain)).toEqual([...Array(seen.length - 1).fill('vxlan:gre'), '']);
  });

  it(`nesting is bounded: five IP-in-IP levels are decapsulated ${MAX_TUNNEL_DEPTH} times`, async () => {
    const [s] = await decodeCapture('deep');
    // tshark walks all five (innermost 10.0.5.1 → 10.0.5.2 UDP 1 → 2); the fifth stays encapsulated.
    expect(FACTS.captures.deep!.frames[0]).toBe('eth:ethertype:ip:ip:ip:ip:ip:ip:udp:data|10.0.5.1>10.0.5.2|U1>2');
    expect(s!.line).toBe('10.5.0.1>10.5.0.2|');
    expect(s!.chain).toBe('ip:ip:ip:ip');
    expect(s!.outer).toBe('10.5.4.1>10.5.4.2');
  });

  it('untunnelled traffic: no tunnel fields, even right after a tunnelled packet in the same object', async () => {
    const p = new DecodedPacket();
    const frames: Uint8Array[] = [];
    for (const f of ['vxlan', 'vlan-split']) {
      await readCaptures([`${DIR}${f}.pcap`], (rec) => void frames.push(rec.buf.slice(rec.offset, rec.offset + rec.caplen)));
    }
    let tunnelled = 0;
    for (const b of frames) {
      decodePacket({ tsSec: 0, tsNsec: 0, caplen: b.length, origLen: b.length, linktype: 1, interfaceId: 0, buf: b, offset: 0, file: '', packetIndex: 0, byteOffset: 0 }, p);
      if (p.tunnels !== 0) tunnelled++;
      else expect([p.tunnelChain, p.tunnelIpVersion, p.tunnelSrc4, p.tunnelDst4]).toEqual([0, 0, 0, 0]);
    }
    expect(tunnelled).toBe(8);
  });
});
