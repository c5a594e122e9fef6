/**
 * Ethernet II / 802.3+LLC/SNAP (LINKTYPE_ETHERNET 1), 802.1Q / 802.1ad (QinQ) tags, and the
 * EtherType dispatch every link layer with an EtherType field shares (SLL, SLL2, C-HDLC).
 */
import { decodeIPv4 } from './ipv4.ts';
import { decodeIPv6 } from './ipv6.ts';
import { decodeMpls } from './mpls.ts';
import { type DecodedPacket, Layer } from './packet.ts';
import { decodePppoeSession } from './ppp.ts';
import { STOP, stopAt, stopTruncated } from './stop.ts';

export const ETHERTYPE = {
  IPV4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100,
  QINQ: 0x88a8,
  QINQ_OLD: 0x9100,
  QINQ_OLD2: 0x9200,
  IPV6: 0x86dd,
  MPLS: 0x8847,
  MPLS_MCAST: 0x8848,
  PPPOE_DISC: 0x8863,
  PPPOE_SESS: 0x8864,
} as const;

/** More stacked tags than this is not a real frame: stop with 'bad-header' (bounds the loop). */
export const MAX_VLAN_TAGS = 8;

export function decodeEthernet(p: DecodedPacket, off: number): void {
  const buf = p.buf;
  const end = p.end;
  if (end - off < 14) {
    stopTruncated(p, Layer.Link);
    return;
  }
  p.layer = Layer.Link;
  let et = (buf[off + 12]! << 8) | buf[off + 13]!;
  off += 14;
  if (et === ETHERTYPE.IPV4) {
    // Fast path: untagged IPv4 straight to the IP decoder (one call level less).
    p.etherType = et;
    decodeIPv4(p, off);
    return;
  }
  if (et <= 1500) {
    // 802.3 length field: only LLC/SNAP (AA AA 03, OUI, EtherType) carries a network protocol we know.
    if (end - off < 8) {
      stopTruncated(p, Layer.Link);
      return;
    }
    if (buf[off] !== 0xaa || buf[off + 1] !== 0xaa || buf[off + 2] !== 0x03) {
      stopAt(p, Layer.Link, STOP.NOT_IP);
      return;
    }
    et = (buf[off + 6]! << 8) | buf[off + 7]!;
    off += 8;
  }
  decodeEtherType(p, off, et);
}

/** Decode what follows an EtherType field: VLAN tags (any number up to MAX_VLAN_TAGS), then IP/MPLS/PPPoE. */
export function decodeEtherType(p: DecodedPacket, off: number, et: number): void {
  if (et === ETHERTYPE.IPV4) {
    p.etherType = et;
    decodeIPv4(p, off);
    return;
  }
  if (et === ETHERTYPE.VLAN || et === ETHERTYPE.QINQ || et === ETHERTYPE.QINQ_OLD || et === ETHERTYPE.QINQ_OLD2) {
    const buf = p.buf;
    const end = p.end;
    let tags = 0;
    do {
      if (end - off < 4) {
        p.etherType = et;
        stopTruncated(p, Layer.Vlan);
        return;
      }
      if (tags === MAX_VLAN_TAGS) {
        p.etherType = et;
        stopAt(p, Layer.Vlan, STOP.BAD_HEADER);
        return;
      }
      const vid = ((buf[off]! & 0x0f) << 8) | buf[off + 1]!;
      if (tags === 0) p.vlan = vid;
      else if (tags === 1) p.innerVlan = vid;
      tags++;
      p.vlanTags = tags;
      p.layer = Layer.Vlan;
      et = (buf[off + 2]! << 8) | buf[off + 3]!;
      off += 4;
    } while (et === ETHERTYPE.VLAN || et === ETHERTYPE.QINQ || et === ETHERTYPE.QINQ_OLD || et === ETHERTYPE.QINQ_OLD2);
  }
  p.etherType = et;
  switch (et) {
    case ETHERTYPE.IPV4:
      decodeIPv4(p, off);
      return;
    case ETHERTYPE.IPV6:
      decodeIPv6(p, off);
      return;
    case ETHERTYPE.MPLS:
    case ETHERTYPE.MPLS_MCAST:
      decodeMpls(p, off);
      return;
    case ETHERTYPE.PPPOE_SESS:
      decodePppoeSession(p, off);
      return;
    default:
      stopAt(p, p.layer, STOP.NOT_IP);
  }
}
