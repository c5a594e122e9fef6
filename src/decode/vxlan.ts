/**
 * VXLAN (RFC 7348, UDP destination port 4789): 8-byte header whose I flag says the VNI is valid,
 * then an Ethernet frame. Decapsulated when that frame carries IP; otherwise (ARP, a cut or
 * flagless header) the packet stays the outer UDP datagram.
 */
import type { DecodedPacket } from './packet.ts';
import { TUNNEL, canEnter, enterTunnel, peekEthernet } from './tunnel.ts';

export const VXLAN_PORT = 4789;

/** `off` = first byte of the UDP payload, `lim` = end of the UDP payload present. */
export function decodeVxlan(p: DecodedPacket, off: number, lim: number): void {
  if (!canEnter(p) || lim - off < 8 || (p.buf[off]! & 0x08) === 0) return;
  if (peekEthernet(p.buf, off + 8, lim) === 0) return;
  enterTunnel(p, TUNNEL.VXLAN);
}
