/**
 * Linux "cooked" capture v1 (LINKTYPE_LINUX_SLL 113): 16-byte header
 * [packet type 2][ARPHRD 2][addr len 2][addr 8][protocol 2]; protocol is an EtherType for
 * ordinary frames (values < 0x0600 are Linux pseudo-protocols such as 802.2 LLC: not IP).
 */
import { decodeEtherType } from './ethernet.ts';
import { type DecodedPacket, Layer } from './packet.ts';
import { STOP, stopAt, stopTruncated } from './stop.ts';

export const SLL_HEADER_LEN = 16;

export function decodeSll(p: DecodedPacket, off: number): void {
  const buf = p.buf;
  if (p.end - off < SLL_HEADER_LEN) {
    stopTruncated(p, Layer.Link);
    return;
  }
  p.layer = Layer.Link;
  const proto = (buf[off + 14]! << 8) | buf[off + 15]!;
  if (proto < 0x0600) {
    p.etherType = proto;
    stopAt(p, Layer.Link, STOP.NOT_IP);
    return;
  }
  decodeEtherType(p, off + SLL_HEADER_LEN, proto);
}
