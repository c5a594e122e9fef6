/**
 * IPv6 (RFC 8200): fixed header, then the extension-header chain (ipv6ext.ts) up to the upper
 * layer. ipHeaderLen = 40 + extension headers; proto = the upper-layer protocol. A payload length
 * of 0 (jumbogram or offload capture) means "up to the captured end".
 */
import { EXT_OK, EXT_OVERRUN, extWalk, readIPv6Addrs, walkIPv6Ext } from './ipv6ext.ts';
import { type DecodedPacket, Layer } from './packet.ts';
import { STOP, setPayload, stopAt, stopTruncated } from './stop.ts';
import { decodeTransport } from './transport.ts';

export function decodeIPv6(p: DecodedPacket, off: number): void {
  const buf = p.buf;
  const end = p.end;
  const avail = end - off;
  if (avail < 40) {
    // Cut fixed header: payload length and hop limit if present; ipVersion stays 0 (no addresses).
    stopTruncated(p, Layer.IPv6);
    if (avail >= 8 && buf[off]! >> 4 === 6) {
      p.ipOffset = off;
      p.ipTotalLen = 40 + ((buf[off + 4]! << 8) | buf[off + 5]!);
      p.ttl = buf[off + 7]!;
    }
    return;
  }
  if (buf[off]! >> 4 !== 6) {
    stopAt(p, Layer.IPv6, STOP.BAD_HEADER);
    return;
  }
  const plen = (buf[off + 4]! << 8) | buf[off + 5]!;
  const total = plen === 0 ? avail : 40 + plen;
  readIPv6Addrs(buf, off, p.src6, p.dst6);
  p.ipVersion = 6;
  p.ipOffset = off;
  p.ipTotalLen = total;
  p.ttl = buf[off + 7]!;
  p.layer = Layer.IPv6;
  const ipEnd = off + total;
  const lim = ipEnd < end ? ipEnd : end;
  const nh = buf[off + 6]!;
  let o = off + 40;
  if (nh !== 6 && nh !== 17) {
    const st = walkIPv6Ext(buf, o, lim, nh, p);
    o = extWalk.off;
    p.proto = extWalk.proto;
    p.ipHeaderLen = o - off;
    if (st !== EXT_OK) {
      if (st === EXT_OVERRUN && ipEnd > end) stopTruncated(p, Layer.IPv6);
      else stopAt(p, Layer.IPv6, STOP.BAD_HEADER);
      return;
    }
    if (p.fragOffset !== 0) {
      setPayload(p, o, ipEnd);
      return;
    }
    decodeTransport(p, o, ipEnd, extWalk.proto);
    return;
  }
  p.proto = nh;
  p.ipHeaderLen = 40;
  decodeTransport(p, o, ipEnd, nh);
}
