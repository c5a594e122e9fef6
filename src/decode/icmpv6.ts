/**
 * ICMPv6 (RFC 4443), decoded by icmp.ts's shared header logic (decodeIcmp with v6 = true): echo
 * request/reply 128/129 identifier and sequence; for the error messages 1–4 (destination
 * unreachable, packet too big, time exceeded, parameter problem) the quoted IPv6 header, its
 * extension headers, and the ports of a quoted TCP/UDP/SCTP header (innerIpVersion = 6, innerProto,
 * innerSrc6/innerDst6, innerSrcPort/innerDstPort). This file holds the quoted-IPv6 part.
 */
import { setInnerPorts } from './icmp.ts';
import { EXT_OK, extWalk, readIPv6Addrs, walkIPv6Ext } from './ipv6ext.ts';
import type { DecodedPacket } from './packet.ts';

/** Fill the inner* fields from a quoted IPv6 datagram at `off` (bytes up to `lim`). */
export function decodeQuotedIPv6(p: DecodedPacket, off: number, lim: number): void {
  const buf = p.buf;
  if (lim - off < 40 || buf[off]! >> 4 !== 6) return;
  readIPv6Addrs(buf, off, p.innerSrc6, p.innerDst6);
  p.innerIpVersion = 6;
  const st = walkIPv6Ext(buf, off + 40, lim, buf[off + 6]!, null);
  p.innerProto = extWalk.proto;
  if (st === EXT_OK) setInnerPorts(p, extWalk.off, lim, extWalk.proto);
}
