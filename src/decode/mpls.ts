/**
 * MPLS (EtherType 0x8847/0x8848, PPP 0x0281/0x0283): skip the label stack to the bottom-of-stack
 * entry, then guess the payload from its first nibble (4 = IPv4, 6 = IPv6; anything else, e.g. a
 * pseudowire control word, is 'not-ip').
 */
import { type DecodedPacket, Layer } from './packet.ts';
import { decodeIpByVersion } from './raw.ts';
import { STOP, stopAt, stopTruncated } from './stop.ts';

/** Deeper stacks than this are not real: stop with 'bad-header' (bounds the loop). */
export const MAX_MPLS_LABELS = 16;

export function decodeMpls(p: DecodedPacket, off: number): void {
  const buf = p.buf;
  const end = p.end;
  let n = 0;
  for (;;) {
    if (end - off < 4) {
      stopTruncated(p, Layer.Mpls);
      return;
    }
    if (n === MAX_MPLS_LABELS) {
      stopAt(p, Layer.Mpls, STOP.BAD_HEADER);
      return;
    }
    if (n === 0) p.mplsLabel = (buf[off]! << 12) | (buf[off + 1]! << 4) | (buf[off + 2]! >> 4);
    n++;
    p.mplsLabels = n;
    p.layer = Layer.Mpls;
    const bos = buf[off + 2]! & 1;
    off += 4;
    if (bos !== 0) break;
  }
  decodeIpByVersion(p, off, Layer.Mpls);
}
