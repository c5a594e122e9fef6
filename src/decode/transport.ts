/**
 * Dispatch from an IP layer to its upper layer. Protocols without a decoder here (GRE 47, ESP 50,
 * IP-in-IP 4/41, SCTP 132, ...) stop at the IP layer: payloadOffset/payloadLen/payloadCaptured then
 * describe the whole IP payload after the headers decoded so far.
 */
import { decodeIcmp } from './icmp.ts';
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
    default:
      setPayload(p, off, ipEnd);
  }
}
