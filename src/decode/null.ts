/**
 * BSD loopback: LINKTYPE_NULL (0, 4-byte address family in the CAPTURING host's byte order) and
 * LINKTYPE_LOOP (108, network byte order). Real files exist with either order for either type, so
 * the family is read in whichever order gives a small value. AF_INET is 2 everywhere; AF_INET6 is
 * 24 (NetBSD/OpenBSD/BSD/OS), 28 (FreeBSD/DragonFly) or 30 (macOS/iOS).
 */
import { decodeIPv4 } from './ipv4.ts';
import { decodeIPv6 } from './ipv6.ts';
import { type DecodedPacket, Layer } from './packet.ts';
import { STOP, stopAt, stopTruncated } from './stop.ts';

export const AF = { INET: 2, INET6_BSD: 24, INET6_FREEBSD: 28, INET6_DARWIN: 30 } as const;

export function decodeNull(p: DecodedPacket, off: number): void {
  const buf = p.buf;
  if (p.end - off < 4) {
    stopTruncated(p, Layer.Link);
    return;
  }
  p.layer = Layer.Link;
  // Little-endian value if its low half is non-zero, else the big-endian one (values are < 65536).
  const le = buf[off]! | (buf[off + 1]! << 8);
  const af = le !== 0 ? le : (buf[off + 2]! << 8) | buf[off + 3]!;
  if (af === AF.INET) {
    p.etherType = 0x0800;
    decodeIPv4(p, off + 4);
  } else if (af === AF.INET6_BSD || af === AF.INET6_FREEBSD || af === AF.INET6_DARWIN) {
    p.etherType = 0x86dd;
    decodeIPv6(p, off + 4);
  } else {
    stopAt(p, Layer.Link, STOP.NOT_IP);
  }
}
