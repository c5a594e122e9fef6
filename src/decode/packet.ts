/**
 * The decoded view of one packet: offsets into the record's bytes and a few scalar fields, filled
 * in place by `decodePacket` (src/decode/decoder.ts) into ONE reused object (gopacket's
 * DecodingLayerParser idea). Nothing here owns packet bytes; `buf` is the record's buffer.
 *
 * Decoding never throws on packet contents: a layer cut short is decoded as far as the bytes go,
 * `truncated` is set and `stopLayer`/`stopReason` say where and why decoding stopped.
 */
export const enum Layer { None = 0, Link = 1, Vlan = 2, Mpls = 3, Pppoe = 4, IPv4 = 5, IPv6 = 6, TCP = 7, UDP = 8, ICMP = 9, ICMPv6 = 10, Other = 11 }

export const IPPROTO = { ICMP: 1, TCP: 6, UDP: 17, IPV6_ICMP: 58, HOPOPTS: 0, ROUTING: 43, FRAGMENT: 44, ESP: 50, AH: 51, NONE: 59, DSTOPTS: 60, GRE: 47 } as const;

/** TCP flag bits as in the header's flags byte (CWR/ECE in the high bits). */
export const TCP = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80 } as const;

export class DecodedPacket {
  buf: Uint8Array = new Uint8Array(0);
  /** Bytes of the record available to decoding: buf[start, end). */
  start = 0;
  end = 0;

  // ---- link layer -------------------------------------------------------------------------
  linktype = 0;
  /** Outermost 802.1Q VLAN id (0 when untagged); innerVlan for QinQ (0 when none). */
  vlan = 0;
  innerVlan = 0;
  /** Number of 802.1Q/802.1ad tags crossed (VLAN id 0 is a valid priority tag, so test this, not vlan). */
  vlanTags = 0;
  /** Number of MPLS labels skipped (0 when no MPLS); mplsLabel = the outermost label value. */
  mplsLabels = 0;
  mplsLabel = 0;
  /** PPPoE session id when a PPPoE session header was crossed (pppoe = true). */
  pppoe = false;
  pppoeSession = 0;
  /** EtherType (or equivalent) of the network layer finally reached; 0 if none. */
  etherType = 0;

  // ---- network layer ----------------------------------------------------------------------
  /**
   * 4, 6, or 0 when no IP layer was reached. Set only when the fixed header with both addresses is
   * present; a shorter IP header still fills what it holds (ipOffset, ipTotalLen, ttl, ...) with
   * ipVersion 0, stopLayer IPv4/IPv6, stopReason 'truncated'.
   */
  ipVersion = 0;
  /** Offset of the IP header in buf. */
  ipOffset = 0;
  /** IPv4 header length incl. options / IPv6 40 + extension headers before the upper layer. */
  ipHeaderLen = 0;
  /** IP total length from the header (IPv4 total length; IPv6 40 + payload length). */
  ipTotalLen = 0;
  ttl = 0;
  /** IPv4 addresses as unsigned 32-bit numbers (network order value). */
  src4 = 0;
  dst4 = 0;
  /** IPv6 addresses as four unsigned 32-bit words each (reused arrays; meaningful when ipVersion === 6). */
  readonly src6 = new Uint32Array(4);
  readonly dst6 = new Uint32Array(4);
  /** Upper-layer protocol after IPv6 extension headers (IPPROTO_*). */
  proto = 0;
  /** Fragmentation: IPv4 id (or IPv6 fragment header id), offset in BYTES, MF flag. */
  fragId = 0;
  fragOffset = 0;
  moreFragments = false;
  /** True when this packet is a fragment (offset > 0 or MF set, or an IPv6 fragment header). */
  isFragment = false;
  dontFragment = false;
  /**
   * Fragments (isFragment): offset in buf where this fragment's data starts — right after the IPv4
   * header, or right after the IPv6 fragment header — and the protocol it carries (IPv4 protocol /
   * the fragment header's Next Header). 0 when not a fragment.
   */
  fragDataOffset = 0;
  fragNextHeader = 0;

  // ---- transport layer --------------------------------------------------------------------
  /** Offset of the L4 header in buf; 0 if not reached. */
  l4Offset = 0;
  srcPort = 0;
  dstPort = 0;
  /** TCP flags byte (see TCP), seq/ack as unsigned 32-bit numbers. */
  tcpFlags = 0;
  seq = 0;
  ack = 0;
  window = 0;
  urgentPtr = 0;
  /** TCP data offset × 4 (header incl. options); 20 for no options. */
  tcpHeaderLen = 0;
  /**
   * Offset of the L4 payload (TCP/UDP data, ICMP/ICMPv6 message body after the 8-byte header) in
   * buf; for protocols without a decoder here (GRE, ESP, ...) and non-first fragments, the IP payload.
   */
  payloadOffset = 0;
  /** Payload length per the headers (IP total length − headers), even if not all captured. */
  payloadLen = 0;
  /** Payload bytes actually present in buf (≤ payloadLen). */
  payloadCaptured = 0;

  // ---- ICMP / ICMPv6 -----------------------------------------------------------------------
  icmpType = 0;
  icmpCode = 0;
  /** Echo identifier / sequence (echo request/reply only). */
  icmpId = 0;
  icmpSeq = 0;
  /** ICMP error messages: the quoted datagram's fields (innerProto 0 when not an error / not decodable). */
  innerProto = 0;
  innerIpVersion = 0;
  innerSrc4 = 0;
  innerDst4 = 0;
  readonly innerSrc6 = new Uint32Array(4);
  readonly innerDst6 = new Uint32Array(4);
  innerSrcPort = 0;
  innerDstPort = 0;

  // ---- tunnels (src/decode/tunnel.ts) ---------------------------------------------------------
  /**
   * Tunnel headers crossed to reach the IP packet described above (0: none). With a tunnel, every
   * field from etherType down describes the innermost packet; the outermost tunnel's IP endpoints
   * are kept here.
   */
  tunnels = 0;
  /** The tunnels crossed, outermost first: TUNNEL codes of 5 bits each (tunnel i at bits 5i). */
  tunnelChain = 0;
  /** IP version (4/6) and addresses of the outermost tunnel's IP header (v6 words valid when 6). */
  tunnelIpVersion = 0;
  tunnelSrc4 = 0;
  tunnelDst4 = 0;
  readonly tunnelSrc6 = new Uint32Array(4);
  readonly tunnelDst6 = new Uint32Array(4);

  // ---- outcome -----------------------------------------------------------------------------
  /** Deepest layer decoded (Layer enum). */
  layer: Layer = Layer.None;
  /**
   * Some layer ran past the captured bytes (decoded as far as they go). Also set when only the
   * payload is cut (payloadCaptured < payloadLen) — then stopLayer stays None.
   */
  truncated = false;
  /** Layer where decoding stopped early (Layer.None when it reached the end normally). */
  stopLayer: Layer = Layer.None;
  /**
   * Short machine code for why it stopped (STOP in src/decode/stop.ts): '' | 'truncated' |
   * 'unsupported-linktype' | 'bad-header' | 'not-ip' | 'fragment' (an L4 header continues in a
   * later fragment).
   */
  stopReason = '';
}
