/**
 * decodePacket: one capture record → the ONE reused DecodedPacket, in place (offsets into the
 * record's bytes, numbers only; no allocation, no closures, no exceptions on packet contents).
 *
 * Link layer by record.linktype → EtherType/AF/PPP protocol → [VLAN…] [MPLS…] [PPPoE] → IPv4/IPv6
 * (+ extension headers) → TCP/UDP/ICMP/ICMPv6; tunnels (GRE, ERSPAN, VXLAN, Geneve, IP-in-IP,
 * Teredo) down to the innermost IP packet (tunnel.ts). Each protocol lives in its own file. Every read is
 * bounds-checked against [start, end) where end = offset + caplen clamped to the buffer; a layer cut
 * short is decoded as far as its bytes go and sets truncated/stopLayer/stopReason (see stop.ts).
 *
 * Field validity: src6/dst6 are meaningful only when ipVersion === 6, innerSrc6/innerDst6 only when
 * innerIpVersion === 6 (they are zeroed when the previous packet used them). ICMP/ICMPv6 payload
 * fields describe the message after its 8-byte header. `truncated` is also set when only the
 * payload is cut by the capture (then stopLayer stays None: every header was decoded).
 *
 * Reset relies on `layer` from the previous decode to know whether the TCP and ICMP field groups
 * were written: callers may adjust fields of a decoded packet (e.g. lengths after reassembly) but
 * should not write TCP/ICMP fields into an object whose `layer` says they were not decoded.
 */
import type { CaptureRecord } from '../capture/record.ts';
import { decodeEthernet } from './ethernet.ts';
import { LINKTYPE } from './linktype.ts';
import { decodeNull } from './null.ts';
import { type DecodedPacket, Layer } from './packet.ts';
import { decodeCHdlc, decodePpp } from './ppp.ts';
import { decodeRaw, decodeRawIPv4, decodeRawIPv6, decodeRawOrLoop } from './raw.ts';
import { decodeSll } from './sll.ts';
import { decodeSll2 } from './sll2.ts';
import { STOP, stopAt } from './stop.ts';
import { resetTunnel } from './tunnel.ts';

export { LINKTYPE, isSupportedLinktype, linktypeName } from './linktype.ts';
export { STOP } from './stop.ts';

/**
 * Reset every field a decoder may set. Cheap: scalar stores, and the TCP / ICMP groups only when
 * the previous packet reached those layers (their fields are set nowhere else); the IPv6 address
 * arrays only when the previous packet used them.
 */
function reset(p: DecodedPacket): void {
  const prev = p.layer;
  if (p.ipVersion === 6) {
    p.src6.fill(0);
    p.dst6.fill(0);
  }
  if (prev === Layer.TCP) {
    p.tcpFlags = 0;
    p.seq = 0;
    p.ack = 0;
    p.window = 0;
    p.urgentPtr = 0;
    p.tcpHeaderLen = 0;
  } else if (prev === Layer.ICMP || prev === Layer.ICMPv6) {
    if (p.innerIpVersion === 6) {
      p.innerSrc6.fill(0);
      p.innerDst6.fill(0);
    }
    p.icmpType = 0;
    p.icmpCode = 0;
    p.icmpId = 0;
    p.icmpSeq = 0;
    p.innerProto = 0;
    p.innerIpVersion = 0;
    p.innerSrc4 = 0;
    p.innerDst4 = 0;
    p.innerSrcPort = 0;
    p.innerDstPort = 0;
  }
  if (p.tunnels !== 0) resetTunnel(p);
  p.vlan = 0;
  p.innerVlan = 0;
  p.vlanTags = 0;
  p.mplsLabels = 0;
  p.mplsLabel = 0;
  p.pppoe = false;
  p.pppoeSession = 0;
  p.etherType = 0;
  p.ipVersion = 0;
  p.ipOffset = 0;
  p.ipHeaderLen = 0;
  p.ipTotalLen = 0;
  p.ttl = 0;
  p.src4 = 0;
  p.dst4 = 0;
  p.proto = 0;
  p.fragId = 0;
  p.fragOffset = 0;
  p.moreFragments = false;
  p.isFragment = false;
  p.dontFragment = false;
  p.fragDataOffset = 0;
  p.fragNextHeader = 0;
  p.l4Offset = 0;
  p.srcPort = 0;
  p.dstPort = 0;
  p.payloadOffset = 0;
  p.payloadLen = 0;
  p.payloadCaptured = 0;
  p.layer = Layer.None;
  p.truncated = false;
  p.stopLayer = Layer.None;
  p.stopReason = '';
}

export function decodePacket(rec: CaptureRecord, out: DecodedPacket): DecodedPacket {
  reset(out);
  const buf = rec.buf;
  let start = rec.offset;
  let end = start + rec.caplen;
  // Never trust the record's view blindly: clamp it to the buffer.
  if (!(start >= 0)) start = 0;
  if (!(end <= buf.length)) end = buf.length;
  if (!(end >= start)) {
    if (start > buf.length) start = buf.length;
    end = start;
  }
  const lt = rec.linktype;
  out.buf = buf;
  out.start = start;
  out.end = end;
  out.linktype = lt;
  if (lt === 1) {
    decodeEthernet(out, start); // LINKTYPE_ETHERNET: by far the most common, test it first
    return out;
  }
  switch (lt) {
    case LINKTYPE.LINUX_SLL:
      decodeSll(out, start);
      break;
    case LINKTYPE.LINUX_SLL2:
      decodeSll2(out, start);
      break;
    case LINKTYPE.RAW:
      decodeRaw(out, start);
      break;
    case LINKTYPE.RAW_12:
    case LINKTYPE.RAW_14:
      decodeRawOrLoop(out, start);
      break;
    case LINKTYPE.IPV4:
      decodeRawIPv4(out, start);
      break;
    case LINKTYPE.IPV6:
      decodeRawIPv6(out, start);
      break;
    case LINKTYPE.NULL:
    case LINKTYPE.LOOP:
      decodeNull(out, start);
      break;
    case LINKTYPE.PPP:
    case LINKTYPE.PPP_HDLC:
      decodePpp(out, start);
      break;
    case LINKTYPE.C_HDLC:
      decodeCHdlc(out, start);
      break;
    default:
      stopAt(out, Layer.Link, STOP.UNSUPPORTED_LINKTYPE);
  }
  return out;
}
