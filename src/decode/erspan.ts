/**
 * ERSPAN, Cisco's encapsulated remote SPAN, carried in GRE: type I (GRE 0x88be without a sequence
 * number: the mirrored Ethernet frame right after GRE), type II (0x88be: 8-byte header, version 1)
 * and type III (0x22eb: 12-byte header, version 2, plus an 8-byte platform subheader when its O
 * bit is set; frame type 0 = Ethernet, 2 = IP). Peek only: returns the TUNNEL code when an inner IP
 * header follows (tunnel.ts `peek` holds where), else 0.
 */
import { TUNNEL, peekEthernet, peekIp } from './tunnel.ts';

export function peekErspan(buf: Uint8Array, off: number, lim: number, type: 1 | 2 | 3): number {
  if (type === 1) return peekEthernet(buf, off, lim) !== 0 ? TUNNEL.ERSPAN1 : 0;
  if (type === 2) {
    if (lim - off < 8 || buf[off]! >> 4 !== 1) return 0;
    return peekEthernet(buf, off + 8, lim) !== 0 ? TUNNEL.ERSPAN2 : 0;
  }
  if (lim - off < 12 || buf[off]! >> 4 !== 2) return 0;
  const ft = (buf[off + 10]! >> 2) & 0x1f;
  const o = off + 12 + ((buf[off + 11]! & 1) !== 0 ? 8 : 0);
  if (ft === 0) return peekEthernet(buf, o, lim) !== 0 ? TUNNEL.ERSPAN3 : 0;
  if (ft === 2) {
    const v = o < lim ? buf[o]! >> 4 : 0;
    if (v === 4 || v === 6) {
      // IP frame: no link layer, no VLAN tags on the way.
      return peekIp(buf, o, lim, v) !== 0 ? TUNNEL.ERSPAN3 : 0;
    }
  }
  return 0;
}
