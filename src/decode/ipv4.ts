/**
 * IPv4 (RFC 791): header with options (IHL > 5), fragmentation fields, total length vs captured.
 * The datagram's end is taken from the total length (Ethernet padding after it is ignored); a total
 * length of 0 (TCP segmentation offload captures) means "up to the captured end".
 */
import { type DecodedPacket, Layer } from './packet.ts';
import { STOP, setPayload, stopAt, stopTruncated } from './stop.ts';
import { decodeTransport } from './transport.ts';

export function decodeIPv4(p: DecodedPacket, off: number): void {
  const buf = p.buf;
  const avail = p.end - off;
  if (avail < 20) {
    decodeIPv4Partial(p, off, avail);
    return;
  }
  const vihl = buf[off]!;
  const ihl = (vihl & 0x0f) << 2;
  if (vihl >> 4 !== 4 || ihl < 20) {
    stopAt(p, Layer.IPv4, STOP.BAD_HEADER);
    return;
  }
  let total = (buf[off + 2]! << 8) | buf[off + 3]!;
  if (total === 0) total = avail;
  const ff = (buf[off + 6]! << 8) | buf[off + 7]!;
  const fragOffset = (ff & 0x1fff) << 3;
  const mf = (ff & 0x2000) !== 0;
  const proto = buf[off + 9]!;
  p.ipVersion = 4;
  p.ipOffset = off;
  p.ipHeaderLen = ihl;
  p.ipTotalLen = total;
  p.ttl = buf[off + 8]!;
  p.proto = proto;
  p.src4 = ((buf[off + 12]! << 24) | (buf[off + 13]! << 16) | (buf[off + 14]! << 8) | buf[off + 15]!) >>> 0;
  p.dst4 = ((buf[off + 16]! << 24) | (buf[off + 17]! << 16) | (buf[off + 18]! << 8) | buf[off + 19]!) >>> 0;
  p.fragId = (buf[off + 4]! << 8) | buf[off + 5]!;
  p.fragOffset = fragOffset;
  p.moreFragments = mf;
  p.dontFragment = (ff & 0x4000) !== 0;
  p.isFragment = mf || fragOffset !== 0;
  p.layer = Layer.IPv4;
  if (total < ihl) {
    stopAt(p, Layer.IPv4, STOP.BAD_HEADER);
    return;
  }
  if (ihl > avail) {
    // Options cut by the capture: the fixed header above is valid, the rest is not there.
    stopTruncated(p, Layer.IPv4);
    return;
  }
  if (p.isFragment) {
    p.fragDataOffset = off + ihl;
    p.fragNextHeader = proto;
  }
  const ipEnd = off + total;
  if (fragOffset !== 0) {
    // Non-first fragment: no L4 header here; the payload is a slice of the original datagram.
    setPayload(p, off + ihl, ipEnd);
    return;
  }
  decodeTransport(p, off + ihl, ipEnd, proto);
}

/**
 * Fewer than 20 bytes: fill what is there (header length, total length, id, fragment fields, TTL,
 * protocol, source) like tshark does, but leave ipVersion = 0 and layer below IPv4 — without both
 * addresses the packet cannot be put in a flow.
 */
function decodeIPv4Partial(p: DecodedPacket, off: number, avail: number): void {
  const buf = p.buf;
  stopTruncated(p, Layer.IPv4);
  if (avail < 1 || buf[off]! >> 4 !== 4) return;
  p.ipOffset = off;
  p.ipHeaderLen = (buf[off]! & 0x0f) << 2;
  if (avail < 4) return;
  p.ipTotalLen = (buf[off + 2]! << 8) | buf[off + 3]!;
  if (avail < 6) return;
  p.fragId = (buf[off + 4]! << 8) | buf[off + 5]!;
  if (avail < 8) return;
  const ff = (buf[off + 6]! << 8) | buf[off + 7]!;
  p.fragOffset = (ff & 0x1fff) << 3;
  p.moreFragments = (ff & 0x2000) !== 0;
  p.dontFragment = (ff & 0x4000) !== 0;
  p.isFragment = p.moreFragments || p.fragOffset !== 0;
  if (avail < 10) return;
  p.ttl = buf[off + 8]!;
  p.proto = buf[off + 9]!;
  if (avail < 16) return;
  p.src4 = ((buf[off + 12]! << 24) | (buf[off + 13]! << 16) | (buf[off + 14]! << 8) | buf[off + 15]!) >>> 0;
}
