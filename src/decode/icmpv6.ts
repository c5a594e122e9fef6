/**
 * ICMPv6 (RFC 4443). Type and code; echo request/reply (128/129) identifier and sequence; for the
 * error messages 1–4 (destination unreachable, packet too big, time exceeded, parameter problem)
 * the quoted IPv6 header, its extension headers, and the ports of a quoted TCP/UDP/SCTP header
 * (innerIpVersion = 6, innerProto, innerSrc6/innerDst6, innerSrcPort/innerDstPort).
 *
 * payloadOffset/payloadLen/payloadCaptured describe the message AFTER the 8-byte header.
 */
import { EXT_OK, extWalk, walkIPv6Ext } from './ipv6ext.ts';
import { type DecodedPacket, Layer } from './packet.ts';
import { stopL4 } from './stop.ts';

export const ICMPV6_HEADER_LEN = 8;

function decodeQuotedIPv6(p: DecodedPacket, off: number, lim: number): void {
  const buf = p.buf;
  if (lim - off < 40 || buf[off]! >> 4 !== 6) return;
  const s = p.innerSrc6;
  const d = p.innerDst6;
  s[0] = ((buf[off + 8]! << 24) | (buf[off + 9]! << 16) | (buf[off + 10]! << 8) | buf[off + 11]!) >>> 0;
  s[1] = ((buf[off + 12]! << 24) | (buf[off + 13]! << 16) | (buf[off + 14]! << 8) | buf[off + 15]!) >>> 0;
  s[2] = ((buf[off + 16]! << 24) | (buf[off + 17]! << 16) | (buf[off + 18]! << 8) | buf[off + 19]!) >>> 0;
  s[3] = ((buf[off + 20]! << 24) | (buf[off + 21]! << 16) | (buf[off + 22]! << 8) | buf[off + 23]!) >>> 0;
  d[0] = ((buf[off + 24]! << 24) | (buf[off + 25]! << 16) | (buf[off + 26]! << 8) | buf[off + 27]!) >>> 0;
  d[1] = ((buf[off + 28]! << 24) | (buf[off + 29]! << 16) | (buf[off + 30]! << 8) | buf[off + 31]!) >>> 0;
  d[2] = ((buf[off + 32]! << 24) | (buf[off + 33]! << 16) | (buf[off + 34]! << 8) | buf[off + 35]!) >>> 0;
  d[3] = ((buf[off + 36]! << 24) | (buf[off + 37]! << 16) | (buf[off + 38]! << 8) | buf[off + 39]!) >>> 0;
  p.innerIpVersion = 6;
  const st = walkIPv6Ext(buf, off + 40, lim, buf[off + 6]!, null);
  const proto = extWalk.proto;
  p.innerProto = proto;
  const l4 = extWalk.off;
  if (st === EXT_OK && (proto === 6 || proto === 17 || proto === 132) && lim - l4 >= 4) {
    p.innerSrcPort = (buf[l4]! << 8) | buf[l4 + 1]!;
    p.innerDstPort = (buf[l4 + 2]! << 8) | buf[l4 + 3]!;
  }
}

export function decodeIcmpv6(p: DecodedPacket, off: number, ipEnd: number): void {
  const buf = p.buf;
  const end = p.end;
  const lim = ipEnd < end ? ipEnd : end;
  const avail = lim - off;
  if (avail < 2) {
    stopL4(p, Layer.ICMPv6, ipEnd);
    return;
  }
  const type = buf[off]!;
  p.l4Offset = off;
  p.icmpType = type;
  p.icmpCode = buf[off + 1]!;
  p.layer = Layer.ICMPv6;
  if (avail < ICMPV6_HEADER_LEN) {
    stopL4(p, Layer.ICMPv6, ipEnd);
    return;
  }
  if (type === 128 || type === 129) {
    p.icmpId = (buf[off + 4]! << 8) | buf[off + 5]!;
    p.icmpSeq = (buf[off + 6]! << 8) | buf[off + 7]!;
  } else if (type >= 1 && type <= 4) {
    decodeQuotedIPv6(p, off + ICMPV6_HEADER_LEN, lim);
  }
  const po = off + ICMPV6_HEADER_LEN;
  p.payloadOffset = po;
  p.payloadLen = ipEnd - po;
  p.payloadCaptured = lim - po;
  if (ipEnd > end) p.truncated = true;
}
