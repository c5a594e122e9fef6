/**
 * Linux "cooked" capture v1 (LINKTYPE_LINUX_SLL 113): 16-byte header
 * [packet type 2][ARPHRD 2][addr len 2][addr 8][protocol 2]; protocol is an EtherType for
 * ordinary frames (values < 0x0600 are Linux pseudo-protocols such as 802.2 LLC: not IP).
 */
import { decodeEtherType } from './ethernet.ts';
import { type DecodedPacket, Layer } from './packet.ts';
import { STOP, stopAt, stopTruncated } from './stop.ts';

export const SLL_HEADER_LEN = 16;

/** Shared by SLL and SLL2: a `hdrLen`-byte cooked header at `off` whose protocol field is at `protoAt`. */
export function decodeCooked(p: DecodedPacket, off: number, hdrLen: number, protoAt: number): void {
  const buf = p.buf;
  if (p.end - off < hdrLen) {
    stopTruncated(p, Layer.Link);
    return;
  }
  p.layer = Layer.Link;
  const proto = (buf[off + protoAt]! << 8) | buf[off + protoAt + 1]!;
  if (proto < 0x0600) {
    p.etherType = proto;
    stopAt(p, Layer.Link, STOP.NOT_IP);
    return;
  }
  decodeEtherType(p, off + hdrLen, proto);
}

export function decodeSll(p: DecodedPacket, off: number): void {
  decodeCooked(p, off, SLL_HEADER_LEN, 14);
}
