/**
 * IP in IP: IPv4 in IPv4/IPv6 (IP protocol 4, RFC 2003) and IPv6 in IPv4/IPv6 (protocol 41: 6in4,
 * 6to4, ISATAP, RFC 2473 IPv6 tunnels). The inner header must have the version its protocol
 * number says.
 */
import type { DecodedPacket } from './packet.ts';
import { TUNNEL, canEnter, enterTunnel, peekIp } from './tunnel.ts';

/** `off` = first byte of the IP payload, `ipEnd` = end of the carrying datagram, `version` = 4 or 6. */
export function decodeIpInIp(p: DecodedPacket, off: number, ipEnd: number, version: 4 | 6): void {
  if (!canEnter(p)) return;
  if (peekIp(p.buf, off, ipEnd < p.end ? ipEnd : p.end, version) === 0) return;
  enterTunnel(p, TUNNEL.IP);
}
