/**
 * Tunnel decapsulation shared by the tunnel protocols (gre.ts, erspan.ts, vxlan.ts, geneve.ts,
 * teredo.ts, ipip.ts), as Zeek does it: the packet is described by its innermost IP packet, and
 * the tunnels crossed are recorded (DecodedPacket.tunnels / tunnelChain / tunnel* endpoints).
 *
 * Each tunnel decoder first PEEKS: it walks its own header and what follows (Ethernet + VLAN tags,
 * PPP) without writing anything, down to an inner IP header whose fixed part is present and
 * plausible. Only then does it commit (`enterTunnel`) and decode the inner IP packet over the outer
 * one's fields. When the peek fails (a control packet such as PPP LCP, ARP inside VXLAN, a cut or
 * unknown header) the packet stays what it was: the outer IP packet, a GRE 'other' flow or the
 * outer UDP flow, so nothing is lost. Fragments are not decapsulated here (their payload is
 * incomplete): the flow layer reassembles them and decodes the datagram again. Nesting is bounded
 * by MAX_TUNNEL_DEPTH; a tunnel deeper than that stays undecoded.
 */
import { decodeIPv4 } from './ipv4.ts';
import { decodeIPv6 } from './ipv6.ts';
import { MAX_VLAN_TAGS } from './ethernet.ts';
import type { DecodedPacket } from './packet.ts';

/** Tunnel codes (5 bits each in DecodedPacket.tunnelChain); 0 = none. */
export const TUNNEL = {
  IP: 1, GRE: 2, GRE_PPP: 3, GRE_ETH: 4, ERSPAN1: 5, ERSPAN2: 6, ERSPAN3: 7, VXLAN: 8, GENEVE: 9, TEREDO: 10,
} as const;

/** Names in the `tunnel` column (index = code). */
export const TUNNEL_NAMES: readonly string[] = ['', 'ip', 'gre', 'gre-ppp', 'gre-eth', 'erspan1', 'erspan2', 'erspan3', 'vxlan', 'geneve', 'teredo'];

/** Tunnels decapsulated at most (Zeek's Tunnel::max_depth is 2; real captures nest VXLAN in GRE in …). */
export const MAX_TUNNEL_DEPTH = 4;

/** The chain as text, outermost first: e.g. 'vxlan:gre'. '' for 0. */
export function tunnelChainName(chain: number): string {
  let s = '';
  for (let c = chain; c !== 0; c = Math.floor(c / 32)) {
    const name = TUNNEL_NAMES[c % 32] ?? `tunnel${c % 32}`;
    s = s === '' ? name : `${s}:${name}`;
  }
  return s;
}

/** Result of a peek: offset and version of the inner IP header, VLAN tags crossed on the way. */
export const peek = { off: 0, version: 0, tags: 0, vlan: 0, innerVlan: 0 };

/** An IP header of version `want` (0: either) with its fixed part in [off, lim): its version, else 0. */
export function peekIp(buf: Uint8Array, off: number, lim: number, want: number): number {
  if (off >= lim) return 0;
  const v = buf[off]! >> 4;
  if (want !== 0 && v !== want) return 0;
  if (v === 4) {
    if (lim - off < 20 || (buf[off]! & 0x0f) < 5) return 0;
  } else if (v === 6) {
    if (lim - off < 40) return 0;
  } else return 0;
  peek.off = off;
  peek.version = v;
  return v;
}

/** What follows an EtherType (VLAN tags, then IPv4/IPv6) at `off`: the inner IP version, else 0. */
export function peekEtherType(buf: Uint8Array, off: number, lim: number, et: number): number {
  let tags = 0;
  peek.vlan = peek.innerVlan = 0;
  while (et === 0x8100 || et === 0x88a8 || et === 0x9100 || et === 0x9200) {
    if (lim - off < 4 || tags === MAX_VLAN_TAGS) return 0;
    const vid = ((buf[off]! & 0x0f) << 8) | buf[off + 1]!;
    if (tags === 0) peek.vlan = vid;
    else if (tags === 1) peek.innerVlan = vid;
    tags++;
    et = (buf[off + 2]! << 8) | buf[off + 3]!;
    off += 4;
  }
  peek.tags = tags;
  if (et === 0x0800) return peekIp(buf, off, lim, 4);
  if (et === 0x86dd) return peekIp(buf, off, lim, 6);
  return 0;
}

/** An Ethernet II frame at `off`: the inner IP version, else 0. */
export function peekEthernet(buf: Uint8Array, off: number, lim: number): number {
  if (lim - off < 14) return 0;
  return peekEtherType(buf, off + 14, lim, (buf[off + 12]! << 8) | buf[off + 13]!);
}

/** A PPP frame (optional FF 03, 1- or 2-byte protocol) at `off`: the inner IP version, else 0. */
export function peekPpp(buf: Uint8Array, off: number, lim: number): number {
  peek.tags = 0;
  if (lim - off >= 2 && buf[off] === 0xff && buf[off + 1] === 0x03) off += 2;
  if (off >= lim) return 0;
  let proto = buf[off]!;
  if ((proto & 1) === 0) {
    if (lim - off < 2) return 0;
    proto = (proto << 8) | buf[off + 1]!;
    off += 2;
  } else off += 1;
  if (proto === 0x0021) return peekIp(buf, off, lim, 4);
  if (proto === 0x0057) return peekIp(buf, off, lim, 6);
  return 0;
}

/** Room for one more tunnel, and the outer packet is not a fragment (its payload is incomplete). */
export function canEnter(p: DecodedPacket): boolean {
  peek.tags = 0;
  return p.tunnels < MAX_TUNNEL_DEPTH && !p.isFragment;
}

/**
 * Commit to the tunnel `code` whose inner IP header the last peek found: record the tunnel (the
 * outermost one's endpoints too), clear what described the outer packet's upper layers, and decode
 * the inner IP packet over the outer one's fields.
 */
export function enterTunnel(p: DecodedPacket, code: number): void {
  const n = p.tunnels;
  if (n === 0) {
    p.tunnelIpVersion = p.ipVersion;
    if (p.ipVersion === 4) {
      p.tunnelSrc4 = p.src4;
      p.tunnelDst4 = p.dst4;
    } else {
      p.tunnelSrc6.set(p.src6);
      p.tunnelDst6.set(p.dst6);
    }
  }
  if (p.ipVersion === 6) {
    p.src6.fill(0);
    p.dst6.fill(0);
  }
  p.tunnels = n + 1;
  p.tunnelChain += code * 32 ** n;
  p.l4Offset = 0;
  p.srcPort = 0;
  p.dstPort = 0;
  p.payloadOffset = 0;
  p.payloadLen = 0;
  p.payloadCaptured = 0;
  p.truncated = false;
  p.fragId = 0;
  p.dontFragment = false;
  if (peek.tags !== 0) {
    p.vlan = peek.vlan;
    p.innerVlan = peek.innerVlan;
    p.vlanTags = peek.tags;
  }
  const off = peek.off;
  if (peek.version === 4) {
    p.etherType = 0x0800;
    decodeIPv4(p, off);
  } else {
    p.etherType = 0x86dd;
    decodeIPv6(p, off);
  }
}

/** Clear the tunnel fields (decoder reset, when the previous packet had a tunnel). */
export function resetTunnel(p: DecodedPacket): void {
  if (p.tunnelIpVersion === 6) {
    p.tunnelSrc6.fill(0);
    p.tunnelDst6.fill(0);
  }
  p.tunnels = 0;
  p.tunnelChain = 0;
  p.tunnelIpVersion = 0;
  p.tunnelSrc4 = 0;
  p.tunnelDst4 = 0;
}

/** The tunnel fields of `from` (a fragment) put in front of `to`'s own (its reassembled datagram). */
export function prependTunnels(to: DecodedPacket, tunnels: number, chain: number, ver: number, src4: number, dst4: number, src6: Uint32Array, dst6: Uint32Array): void {
  if (tunnels === 0) return;
  to.tunnelChain = chain + to.tunnelChain * 32 ** tunnels;
  to.tunnels += tunnels;
  to.tunnelIpVersion = ver;
  to.tunnelSrc4 = src4;
  to.tunnelDst4 = dst4;
  to.tunnelSrc6.set(src6);
  to.tunnelDst6.set(dst6);
}
