/**
 * GRE (IP protocol 47): RFC 2784 with the RFC 2890 key and sequence number options, and the
 * enhanced GRE of PPTP (RFC 2637: version 1, key = payload length + call id, optional
 * acknowledgment). Payloads decapsulated: IPv4 (0x0800), IPv6 (0x86dd), PPP (0x880b), Ethernet
 * (0x6558, transparent Ethernet bridging / NVGRE) and ERSPAN (0x88be types I/II, 0x22eb type III,
 * erspan.ts). Anything else — source routing (RFC 1701's R bit), other versions, other protocols,
 * PPP control or compressed frames — leaves the packet as the GRE packet it is (see tunnel.ts).
 */
import { peekErspan } from './erspan.ts';
import type { DecodedPacket } from './packet.ts';
import { TUNNEL, canEnter, enterTunnel, peekEthernet, peekIp, peekPpp } from './tunnel.ts';

export const GRE_PROTO = { IPV4: 0x0800, IPV6: 0x86dd, PPP: 0x880b, ETHERNET: 0x6558, ERSPAN2: 0x88be, ERSPAN3: 0x22eb } as const;

/** `off` = first byte of the GRE header, `ipEnd` = end of the carrying IP datagram. */
export function decodeGre(p: DecodedPacket, off: number, ipEnd: number): void {
  if (!canEnter(p)) return;
  const buf = p.buf;
  const lim = ipEnd < p.end ? ipEnd : p.end;
  if (lim - off < 4) return;
  const f0 = buf[off]!;
  const f1 = buf[off + 1]!;
  const ver = f1 & 0x07;
  const proto = (buf[off + 2]! << 8) | buf[off + 3]!;
  let len = 4;
  if (ver === 0) {
    if ((f0 & 0x40) !== 0) return; // routing present: deprecated source routes, not decoded
    if ((f0 & 0x80) !== 0) len += 4; // checksum + reserved1
    if ((f0 & 0x20) !== 0) len += 4; // key
    if ((f0 & 0x10) !== 0) len += 4; // sequence number
  } else if (ver === 1) {
    // PPTP: key (payload length, call id) mandatory, no checksum/routing, PPP only.
    if ((f0 & 0xe0) !== 0x20 || proto !== GRE_PROTO.PPP) return;
    len += 4;
    if ((f0 & 0x10) !== 0) len += 4;
    if ((f1 & 0x80) !== 0) len += 4; // acknowledgment number
  } else return;
  const o = off + len;
  let code: number;
  switch (proto) {
    case GRE_PROTO.IPV4:
      if (peekIp(buf, o, lim, 4) === 0) return;
      code = TUNNEL.GRE;
      break;
    case GRE_PROTO.IPV6:
      if (peekIp(buf, o, lim, 6) === 0) return;
      code = TUNNEL.GRE;
      break;
    case GRE_PROTO.PPP:
      if (peekPpp(buf, o, lim) === 0) return;
      code = TUNNEL.GRE_PPP;
      break;
    case GRE_PROTO.ETHERNET:
      if (peekEthernet(buf, o, lim) === 0) return;
      code = TUNNEL.GRE_ETH;
      break;
    case GRE_PROTO.ERSPAN2:
    case GRE_PROTO.ERSPAN3:
      code = peekErspan(buf, o, lim, proto === GRE_PROTO.ERSPAN3 ? 3 : (f0 & 0x10) !== 0 ? 2 : 1);
      if (code === 0) return;
      break;
    default:
      return;
  }
  enterTunnel(p, code);
}
