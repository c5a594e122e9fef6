/**
 * UDP (RFC 768): ports; payload = IP payload after the 8-byte header (payloadLen from the IP
 * length, like every other layer; the UDP length field is not trusted over it).
 */
import { type DecodedPacket, Layer } from './packet.ts';
import { setPayload, setPorts, stopL4 } from './stop.ts';

export function decodeUdp(p: DecodedPacket, off: number, ipEnd: number): void {
  const end = p.end;
  const avail = (ipEnd < end ? ipEnd : end) - off;
  if (avail >= 4) setPorts(p, off, Layer.UDP);
  if (avail < 8) {
    stopL4(p, Layer.UDP, ipEnd);
    return;
  }
  setPayload(p, off + 8, ipEnd);
}
