/**
 * ICMP for IPv4 (RFC 792) and the header logic ICMPv6 shares (icmpv6.ts). Type and code; echo
 * request/reply (IPv4 8/0, IPv6 128/129) identifier and sequence; for error messages, the quoted
 * datagram's addresses, protocol and ports (inner* fields, as far as the quote goes). IPv4 errors
 * that quote a datagram: destination unreachable (3), source quench (4), redirect (5), time
 * exceeded (11), parameter problem (12).
 *
 * payloadOffset/payloadLen/payloadCaptured describe the ICMP message AFTER its 8-byte header
 * (type, code, checksum, rest-of-header): for echo the data, for errors the quoted datagram.
 */
import { decodeQuotedIPv6 } from './icmpv6.ts';
import { type DecodedPacket, Layer } from './packet.ts';
import { setPayload, stopL4 } from './stop.ts';

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
  // Ports only from a first fragment (offset 0) whose first 4 L4 bytes are quoted.
  if ((((buf[off + 6]! << 8) | buf[off + 7]!) & 0x1fff) === 0) setInnerPorts(p, off + ihl, lim, proto);
}

/** Quoted TCP/UDP/SCTP ports at `l4` when its first 4 bytes are there. */
export function setInnerPorts(p: DecodedPacket, l4: number, lim: number, proto: number): void {
  if ((proto === 6 || proto === 17 || proto === 132) && lim - l4 >= 4) {
    const buf = p.buf;
    p.innerSrcPort = (buf[l4]! << 8) | buf[l4 + 1]!;
    p.innerDstPort = (buf[l4 + 2]! << 8) | buf[l4 + 3]!;
  }
}

/** ICMP (v6 = false, IP protocol 1) or ICMPv6 (v6 = true, next header 58) at `off`. */
export function decodeIcmp(p: DecodedPacket, off: number, ipEnd: number, v6: boolean): void {
  const buf = p.buf;
  const end = p.end;
  const lim = ipEnd < end ? ipEnd : end;
  const avail = lim - off;
  const layer = v6 ? Layer.ICMPv6 : Layer.ICMP;
  if (avail < 2) {
    stopL4(p, layer, ipEnd);
    return;
  }
  const type = buf[off]!;
  p.l4Offset = off;
  p.icmpType = type;
  p.icmpCode = buf[off + 1]!;
  p.layer = layer;
  if (avail < ICMP_HEADER_LEN) {
    stopL4(p, layer, ipEnd);
    return;
  }
  if (v6 ? type === 128 || type === 129 : type === 0 || type === 8) {
    p.icmpId = (buf[off + 4]! << 8) | buf[off + 5]!;
    p.icmpSeq = (buf[off + 6]! << 8) | buf[off + 7]!;
  } else if (v6) {
    if (type >= 1 && type <= 4) decodeQuotedIPv6(p, off + ICMP_HEADER_LEN, lim);
  } else if (type === 3 || type === 4 || type === 5 || type === 11 || type === 12) {
    decodeQuotedIPv4(p, off + ICMP_HEADER_LEN, lim);
  }
  setPayload(p, off + ICMP_HEADER_LEN, ipEnd);
}
