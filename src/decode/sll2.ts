/**
 * Linux "cooked" capture v2 (LINKTYPE_LINUX_SLL2 276): 20-byte header
 * [protocol 2][reserved 2][ifindex 4][ARPHRD 2][packet type 1][addr len 1][addr 8].
 */
import { decodeEtherType } from './ethernet.ts';
import { type DecodedPacket, Layer } from './packet.ts';
import { STOP, stopAt, stopTruncated } from './stop.ts';

export const SLL2_HEADER_LEN = 20;

export function decodeSll2(p: DecodedPacket, off: number): void {
  const buf = p.buf;
  if (p.end - off < SLL2_HEADER_LEN) {
    stopTruncated(p, Layer.Link);
    return;
  }
  p.layer = Layer.Link;
  const proto = (buf[off]! << 8) | buf[off + 1]!;
  if (proto < 0x0600) {
    p.etherType = proto;
    stopAt(p, Layer.Link, STOP.NOT_IP);
    return;
  }
  decodeEtherType(p, off + SLL2_HEADER_LEN, proto);
}
