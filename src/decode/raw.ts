/**
 * Raw IP link types: LINKTYPE_RAW (101) and the DLT_RAW values 12/14 that mean the same in files
 * from some platforms (version nibble decides v4/v6), LINKTYPE_IPV4 (228) and LINKTYPE_IPV6 (229).
 * Also used after an MPLS label stack. DLT 12 is DLT_LOOP on OpenBSD, so for 12/14 a packet that
 * does not start with an IP version nibble but with a 4-byte address family is decoded as LOOP.
 */
import { decodeIPv4 } from './ipv4.ts';
import { decodeIPv6 } from './ipv6.ts';
import { decodeNull } from './null.ts';
import { type DecodedPacket, Layer } from './packet.ts';
import { STOP, stopAt, stopTruncated } from './stop.ts';

/** IP of either version at `off`, chosen by the version nibble; `from` is the layer that carried it. */
export function decodeIpByVersion(p: DecodedPacket, off: number, from: Layer): void {
  if (off >= p.end) {
    stopTruncated(p, from);
    return;
  }
  const v = p.buf[off]! >> 4;
  if (v === 4) {
    p.etherType = 0x0800;
    decodeIPv4(p, off);
  } else if (v === 6) {
    p.etherType = 0x86dd;
    decodeIPv6(p, off);
  } else {
    stopAt(p, from, STOP.NOT_IP);
  }
}

export function decodeRaw(p: DecodedPacket, off: number): void {
  p.layer = Layer.Link;
  decodeIpByVersion(p, off, Layer.Link);
}

export function decodeRawIPv4(p: DecodedPacket, off: number): void {
  p.layer = Layer.Link;
  p.etherType = 0x0800;
  decodeIPv4(p, off);
}

export function decodeRawIPv6(p: DecodedPacket, off: number): void {
  p.layer = Layer.Link;
  p.etherType = 0x86dd;
  decodeIPv6(p, off);
}

/** DLT values 12/14: raw IP on most platforms, but 12 is OpenBSD's DLT_LOOP (AF header first). */
export function decodeRawOrLoop(p: DecodedPacket, off: number): void {
  const buf = p.buf;
  if (p.end - off >= 4) {
    const v = buf[off]! >> 4;
    // An AF header has a zero byte first (network order) or a zero third byte (host order).
    if (v !== 4 && v !== 6 && (buf[off] === 0 || buf[off + 2] === 0)) {
      decodeNull(p, off);
      return;
    }
  }
  decodeRaw(p, off);
}
