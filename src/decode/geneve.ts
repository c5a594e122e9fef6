/**
 * Geneve (RFC 8926, UDP destination port 6081): 8-byte header (version 0, options length in
 * 4-byte words, protocol type = an EtherType) and its options, then an Ethernet frame (0x6558) or
 * an IP packet (0x0800 / 0x86dd).
 */
import type { DecodedPacket } from './packet.ts';
import { TUNNEL, canEnter, enterTunnel, peekEthernet, peekIp } from './tunnel.ts';

export const GENEVE_PORT = 6081;

/** `off` = first byte of the UDP payload, `lim` = end of the UDP payload present. */
export function decodeGeneve(p: DecodedPacket, off: number, lim: number): void {
  const buf = p.buf;
  if (!canEnter(p) || lim - off < 8 || buf[off]! >> 6 !== 0) return;
  const o = off + 8 + ((buf[off]! & 0x3f) << 2);
  const proto = (buf[off + 2]! << 8) | buf[off + 3]!;
  let v: number;
  if (proto === 0x6558) v = peekEthernet(buf, o, lim);
  else if (proto === 0x0800) v = peekIp(buf, o, lim, 4);
  else if (proto === 0x86dd) v = peekIp(buf, o, lim, 6);
  else return;
  if (v === 0) return;
  enterTunnel(p, TUNNEL.GENEVE);
}
