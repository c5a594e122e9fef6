/**
 * Dispatch from an IP layer to its upper layer. Tunnels (GRE 47, IP-in-IP 4/41) are decapsulated
 * when their payload is an IP packet (tunnel.ts); protocols without a decoder here (ESP 50, SCTP
 * 132, ..., and tunnels left encapsulated) stop at the IP layer: payloadOffset/payloadLen/
 * payloadCaptured then describe the whole IP payload after the headers decoded so far.
 */
import { decodeGre } from './gre.ts';
import { decodeIcmp } from './icmp.ts';
import { decodeIpInIp } from './ipip.ts';
import type { DecodedPacket } from './packet.ts';
import { setPayload } from './stop.ts';
import { decodeTcp } from './tcp.ts';
import { decodeUdp } from './udp.ts';

/** `off` = first byte after the IP headers; `ipEnd` = end of the datagram per its header (may exceed p.end). */
export function decodeTransport(p: DecodedPacket, off: number, ipEnd: number, proto: number): void {
  switch (proto) {
    case 6:
      decodeTcp(p, off, ipEnd);
      return;
    case 17:
      decodeUdp(p, off, ipEnd);
      return;
    case 1:
      decodeIcmp(p, off, ipEnd, false);
      return;
    case 58:
      decodeIcmp(p, off, ipEnd, true);
      return;
    case 47:
      setPayload(p, off, ipEnd);
      decodeGre(p, off, ipEnd);
      return;
    case 4:
    case 41:
      setPayload(p, off, ipEnd);
      decodeIpInIp(p, off, ipEnd, proto === 4 ? 4 : 6);
      return;
    default:
      setPayload(p, off, ipEnd);
  }
}
