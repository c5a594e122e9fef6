/**
 * PPP (LINKTYPE_PPP 9, LINKTYPE_PPP_HDLC 50: optional FF 03 address/control, then a 1- or 2-byte
 * protocol), Cisco HDLC (LINKTYPE_C_HDLC 104: address, control, EtherType) and PPPoE session
 * frames (EtherType 0x8864: 6-byte PPPoE header, then the PPP protocol).
 * PPP protocols: 0x0021 IPv4, 0x0057 IPv6, 0x0281/0x0283 MPLS; anything else is 'not-ip'.
 */
import { decodeEtherType } from './ethernet.ts';
import { decodeIPv4 } from './ipv4.ts';
import { decodeIPv6 } from './ipv6.ts';
import { decodeMpls } from './mpls.ts';
import { type DecodedPacket, Layer } from './packet.ts';
import { STOP, stopAt, stopTruncated } from './stop.ts';

export const PPP_PROTO = { IPV4: 0x0021, IPV6: 0x0057, MPLS_UNICAST: 0x0281, MPLS_MULTICAST: 0x0283 } as const;

/** Dispatch on a PPP protocol number; `from` is the layer that carried it (Link or Pppoe). */
function decodePppProto(p: DecodedPacket, off: number, proto: number, from: Layer): void {
  switch (proto) {
    case PPP_PROTO.IPV4:
      p.etherType = 0x0800;
      decodeIPv4(p, off);
      return;
    case PPP_PROTO.IPV6:
      p.etherType = 0x86dd;
      decodeIPv6(p, off);
      return;
    case PPP_PROTO.MPLS_UNICAST:
    case PPP_PROTO.MPLS_MULTICAST:
      p.etherType = 0x8847;
      decodeMpls(p, off);
      return;
    default:
      stopAt(p, from, STOP.NOT_IP);
  }
}

export function decodePpp(p: DecodedPacket, off: number): void {
  const buf = p.buf;
  const end = p.end;
  if (end - off >= 2 && buf[off] === 0xff && buf[off + 1] === 0x03) off += 2;
  if (off >= end) {
    stopTruncated(p, Layer.Link);
    return;
  }
  let proto = buf[off]!;
  if ((proto & 1) === 0) {
    // Uncompressed 2-byte protocol (protocol-field compression only ever yields an odd single byte).
    if (end - off < 2) {
      stopTruncated(p, Layer.Link);
      return;
    }
    proto = (proto << 8) | buf[off + 1]!;
    off += 2;
  } else {
    off += 1;
  }
  p.layer = Layer.Link;
  decodePppProto(p, off, proto, Layer.Link);
}

export function decodeCHdlc(p: DecodedPacket, off: number): void {
  if (p.end - off < 4) {
    stopTruncated(p, Layer.Link);
    return;
  }
  p.layer = Layer.Link;
  decodeEtherType(p, off + 4, (p.buf[off + 2]! << 8) | p.buf[off + 3]!);
}

export const PPPOE_HEADER_LEN = 6;

/** PPPoE session stage: [ver/type 0x11][code 0][session id 2][length 2] + 2-byte PPP protocol. */
export function decodePppoeSession(p: DecodedPacket, off: number): void {
  const buf = p.buf;
  if (p.end - off < PPPOE_HEADER_LEN + 2) {
    stopTruncated(p, Layer.Pppoe);
    return;
  }
  if (buf[off] !== 0x11 || buf[off + 1] !== 0) {
    stopAt(p, Layer.Pppoe, STOP.BAD_HEADER);
    return;
  }
  p.layer = Layer.Pppoe;
  p.pppoe = true;
  p.pppoeSession = (buf[off + 2]! << 8) | buf[off + 3]!;
  decodePppProto(p, off + PPPOE_HEADER_LEN + 2, (buf[off + 6]! << 8) | buf[off + 7]!, Layer.Pppoe);
}
