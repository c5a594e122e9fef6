/**
 * ICMPv6 (RFC 4443). Type and code; echo request/reply (128/129) identifier and sequence; for the
 * error messages 1–4 (destination unreachable, packet too big, time exceeded, parameter problem)
 * the quoted IPv6 header, its extension headers, and the ports of a quoted TCP/UDP/SCTP header
 * (innerIpVersion = 6, innerProto, innerSrc6/innerDst6, innerSrcPort/innerDstPort).
 *
 * payloadOffset/payloadLen/payloadCaptured describe the message AFTER the 8-byte header.
 */
import { u16, u32 } from './bytes.ts';
import { EXT_OK, extWalk, walkIPv6Ext } from './ipv6ext.ts';
import { type DecodedPacket, Layer } from './packet.ts';
import { stopL4 } from './stop.ts';

export const ICMPV6_HEADER_LEN = 8;

function decodeQuotedIPv6(p: DecodedPacket, off: number, lim: number): void {
  const buf = p.buf;
  if (lim - off < 40 || buf[off]! >> 4 !== 6) return;
  const s = p.innerSrc6;
  const d = p.innerDst6;
  s[0] = u32(buf, off + 8);
  s[1] = u32(buf, off + 12);
  s[2] = u32(buf, off + 16);
  s[3] = u32(buf, off + 20);
  d[0] = u32(buf, off + 24);
  d[1] = u32(buf, off + 28);
  d[2] = u32(buf, off + 32);
  d[3] = u32(buf, off + 36);
  p.innerIpVersion = 6;
  const st = walkIPv6Ext(buf, off + 40, lim, buf[off + 6]!, null);
  const proto = extWalk.proto;
  p.innerProto = proto;
  const l4 = extWalk.off;
  if (st === EXT_OK && (proto === 6 || proto === 17 || proto === 132) && lim - l4 >= 4) {
    p.innerSrcPort = u16(buf, l4);
    p.innerDstPort = u16(buf, l4 + 2);
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
    p.icmpId = u16(buf, off + 4);
    p.icmpSeq = u16(buf, off + 6);
  } else if (type >= 1 && type <= 4) {
    decodeQuotedIPv6(p, off + ICMPV6_HEADER_LEN, lim);
  }
  const po = off + ICMPV6_HEADER_LEN;
  p.payloadOffset = po;
  p.payloadLen = ipEnd - po;
  p.payloadCaptured = lim - po;
  if (ipEnd > end) p.truncated = true;
}
