/**
 * ICMP for IPv4 (RFC 792). Type and code; echo request/reply (8/0) identifier and sequence; for
 * the error messages that quote the offending datagram — destination unreachable (3), source
 * quench (4), redirect (5), time exceeded (11), parameter problem (12) — the quoted IPv4 header and
 * the first 8 bytes after it: innerIpVersion/innerProto/innerSrc4/innerDst4 and, for TCP/UDP/SCTP,
 * innerSrcPort/innerDstPort (as far as the quote goes).
 *
 * payloadOffset/payloadLen/payloadCaptured describe the ICMP message AFTER its 8-byte header
 * (type, code, checksum, rest-of-header): for echo the data, for errors the quoted datagram.
 */
import { type DecodedPacket, Layer } from './packet.ts';
import { stopL4 } from './stop.ts';

export const ICMP_HEADER_LEN = 8;

/** Fill the inner* fields from a quoted datagram's IPv4 header at `off` (bytes up to `lim`). */
function decodeQuotedIPv4(p: DecodedPacket, off: number, lim: number): void {
  const buf = p.buf;
  if (lim - off < 20 || buf[off]! >> 4 !== 4) return;
  const ihl = (buf[off]! & 0x0f) << 2;
  if (ihl < 20) return;
  const proto = buf[off + 9]!;
  p.innerIpVersion = 4;
  p.innerProto = proto;
  p.innerSrc4 = ((buf[off + 12]! << 24) | (buf[off + 13]! << 16) | (buf[off + 14]! << 8) | buf[off + 15]!) >>> 0;
  p.innerDst4 = ((buf[off + 16]! << 24) | (buf[off + 17]! << 16) | (buf[off + 18]! << 8) | buf[off + 19]!) >>> 0;
  const l4 = off + ihl;
  // Ports only from a first fragment (offset 0) whose first 4 L4 bytes are quoted.
  if ((proto === 6 || proto === 17 || proto === 132) && (((buf[off + 6]! << 8) | buf[off + 7]!) & 0x1fff) === 0 && lim - l4 >= 4) {
    p.innerSrcPort = (buf[l4]! << 8) | buf[l4 + 1]!;
    p.innerDstPort = (buf[l4 + 2]! << 8) | buf[l4 + 3]!;
  }
}

export function decodeIcmp(p: DecodedPacket, off: number, ipEnd: number): void {
  const buf = p.buf;
  const end = p.end;
  const lim = ipEnd < end ? ipEnd : end;
  const avail = lim - off;
  if (avail < 2) {
    stopL4(p, Layer.ICMP, ipEnd);
    return;
  }
  const type = buf[off]!;
  p.l4Offset = off;
  p.icmpType = type;
  p.icmpCode = buf[off + 1]!;
  p.layer = Layer.ICMP;
  if (avail < ICMP_HEADER_LEN) {
    stopL4(p, Layer.ICMP, ipEnd);
    return;
  }
  if (type === 0 || type === 8) {
    p.icmpId = (buf[off + 4]! << 8) | buf[off + 5]!;
    p.icmpSeq = (buf[off + 6]! << 8) | buf[off + 7]!;
  } else if (type === 3 || type === 4 || type === 5 || type === 11 || type === 12) {
    decodeQuotedIPv4(p, off + ICMP_HEADER_LEN, lim);
  }
  const po = off + ICMP_HEADER_LEN;
  p.payloadOffset = po;
  p.payloadLen = ipEnd - po;
  p.payloadCaptured = lim - po;
  if (ipEnd > end) p.truncated = true;
}
