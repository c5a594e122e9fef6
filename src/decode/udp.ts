/**
 * UDP (RFC 768): ports; payload = IP payload after the 8-byte header (payloadLen from the IP
 * length, like every other layer; the UDP length field is not trusted over it).
 */
import { type DecodedPacket, Layer } from './packet.ts';
import { stopL4 } from './stop.ts';

export function decodeUdp(p: DecodedPacket, off: number, ipEnd: number): void {
  const buf = p.buf;
  const end = p.end;
  const lim = ipEnd < end ? ipEnd : end;
  const avail = lim - off;
  if (avail < 8) {
    if (avail >= 4) {
      p.l4Offset = off;
      p.srcPort = (buf[off]! << 8) | buf[off + 1]!;
      p.dstPort = (buf[off + 2]! << 8) | buf[off + 3]!;
      p.layer = Layer.UDP;
    }
    stopL4(p, Layer.UDP, ipEnd);
    return;
  }
  p.l4Offset = off;
  p.srcPort = (buf[off]! << 8) | buf[off + 1]!;
  p.dstPort = (buf[off + 2]! << 8) | buf[off + 3]!;
  p.layer = Layer.UDP;
  const po = off + 8;
  p.payloadOffset = po;
  p.payloadLen = ipEnd - po;
  p.payloadCaptured = lim - po;
  if (ipEnd > end) p.truncated = true;
}
