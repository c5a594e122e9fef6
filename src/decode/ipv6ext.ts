/**
 * IPv6 helpers shared by the IPv6 decoder and ICMPv6's quoted datagram: the address reader and the
 * extension-header chain walker.
 * Walks hop-by-hop (0), routing (43), fragment (44), destination options (60) and AH (51); stops at
 * the first other Next Header (the upper layer: TCP, UDP, ICMPv6, ESP 50, No Next Header 59, ...).
 * Loop/overrun safe: every step advances ≥ 8 bytes, the chain is capped at MAX_EXT_HEADERS and no
 * byte at or past `lim` is read.
 */
import type { DecodedPacket } from './packet.ts';

/**
 * Chain cap. Every header is ≥ 8 bytes so the walk is bounded by the packet anyway; the cap stops
 * pathological chains early. Real stacks accept long chains (libpcap's ipv6_ext_headers.pcap test
 * file carries 103 headers before its UDP datagram, and tshark walks them), hence 128.
 */
export const MAX_EXT_HEADERS = 128;

export const EXT_OK = 0;
/** A header runs past `lim`. */
export const EXT_OVERRUN = 1;
/** More than MAX_EXT_HEADERS headers. */
export const EXT_TOO_MANY = 2;

/** Source and destination address of the IPv6 header at `off` as four 32-bit words each. */
export function readIPv6Addrs(buf: Uint8Array, off: number, src: Uint32Array, dst: Uint32Array): void {
  for (let i = 0; i < 4; i++) {
    const s = off + 8 + 4 * i;
    const d = off + 24 + 4 * i;
    src[i] = ((buf[s]! << 24) | (buf[s + 1]! << 16) | (buf[s + 2]! << 8) | buf[s + 3]!) >>> 0;
    dst[i] = ((buf[d]! << 24) | (buf[d + 1]! << 16) | (buf[d + 2]! << 8) | buf[d + 3]!) >>> 0;
  }
}

/** Result of the last walk: offset of the header reached and its protocol number (reused object). */
export const extWalk = { off: 0, proto: 0 };

/**
 * Walk from `off` (first header after the fixed 40 bytes) with next header `nh`. When `frag` is
 * given, a fragment header's fields go into it (fragId, fragOffset in bytes, moreFragments,
 * isFragment); after a fragment header with a non-zero offset the walk stops (what follows is not
 * a header). Returns EXT_OK / EXT_OVERRUN / EXT_TOO_MANY; `extWalk` holds where it stopped.
 */
export function walkIPv6Ext(buf: Uint8Array, off: number, lim: number, nh: number, frag: DecodedPacket | null): number {
  let n = 0;
  for (;;) {
    let len: number;
    if (nh === 0 || nh === 43 || nh === 60) {
      if (lim - off < 2) break;
      len = (buf[off + 1]! + 1) << 3;
    } else if (nh === 51) {
      if (lim - off < 2) break;
      len = (buf[off + 1]! + 2) << 2;
    } else if (nh === 44) {
      len = 8;
      if (lim - off < 8) break;
      const fo = ((buf[off + 2]! << 8) | buf[off + 3]!) & 0xfff8;
      if (frag !== null) {
        frag.isFragment = true;
        frag.fragOffset = fo;
        frag.moreFragments = (buf[off + 3]! & 1) !== 0;
        frag.fragDataOffset = off + 8;
        frag.fragNextHeader = buf[off]!;
        frag.fragId = ((buf[off + 4]! << 24) | (buf[off + 5]! << 16) | (buf[off + 6]! << 8) | buf[off + 7]!) >>> 0;
      }
      if (fo !== 0) {
        extWalk.off = off + 8;
        extWalk.proto = buf[off]!;
        return EXT_OK;
      }
    } else {
      extWalk.off = off;
      extWalk.proto = nh;
      return EXT_OK;
    }
    if (n === MAX_EXT_HEADERS) {
      extWalk.off = off;
      extWalk.proto = nh;
      return EXT_TOO_MANY;
    }
    if (lim - off < len) break;
    n++;
    nh = buf[off]!;
    off += len;
  }
  extWalk.off = off;
  extWalk.proto = nh;
  return EXT_OVERRUN;
}
