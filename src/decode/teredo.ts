/**
 * Teredo (RFC 4380, UDP port 3544 on either side): IPv6 in UDP over IPv4, optionally preceded by
 * an authentication header (0x0001) and/or an origin indication (0x0000). Port 3544 alone does not
 * make a packet Teredo, so, as Zeek does, the inner IPv6 header must account for exactly the rest
 * of the UDP payload; otherwise the packet stays an ordinary UDP datagram.
 */
import type { DecodedPacket } from './packet.ts';
import { TUNNEL, canEnter, enterTunnel, peekIp } from './tunnel.ts';

export const TEREDO_PORT = 3544;

/** `off` = first byte of the UDP payload, `udpEnd` = its end per the IP length, `lim` = end present. */
export function decodeTeredo(p: DecodedPacket, off: number, udpEnd: number, lim: number): void {
  if (!canEnter(p)) return;
  const buf = p.buf;
  for (let i = 0; i < 2 && lim - off >= 2 && buf[off] === 0; i++) {
    const t = buf[off + 1]!;
    if (t === 1) {
      // Authentication: 4 bytes, client id, auth value, 8-byte nonce, confirmation byte.
      if (lim - off < 4) return;
      off += 4 + buf[off + 2]! + buf[off + 3]! + 9;
    } else if (t === 0) off += 8; // origin indication
    else return;
  }
  if (peekIp(buf, off, lim, 6) === 0) return;
  if (40 + ((buf[off + 4]! << 8) | buf[off + 5]!) !== udpEnd - off) return;
  enterTunnel(p, TUNNEL.TEREDO);
}
