/**
 * A finished bidirectional connection as the flow engine (src/flow/) emits it to the feature stage
 * (src/features/). `src` is the originator (first SYN sender for TCP, else first packet sender),
 * exactly Zeek's id.orig_h/id.orig_p. All per-direction values are "src → dst" (orig) and
 * "dst → src" (resp).
 */
export type ConnFlag = 'S0' | 'S1' | 'SF' | 'REJ' | 'S2' | 'S3' | 'RSTO' | 'RSTR' | 'RSTOS0' | 'RSTRH' | 'SH' | 'SHR' | 'OTH';
export type EndReason = 'fin' | 'rst' | 'idle' | 'active' | 'eof';
export type ProtocolType = 'tcp' | 'udp' | 'icmp' | 'other';

export interface FlowRecord {
  /** Stable within a run, Zeek-like ('C' + base62). */
  uid: string;
  /** Community ID v1 ("1:<base64>"), '' when not defined for the protocol. */
  communityId: string;
  /** First and last packet time, float epoch seconds (µs-exact). */
  startTs: number;
  endTs: number;
  ipVersion: 4 | 6;
  /** IP protocol number (6 tcp, 17 udp, 1 icmp, 58 icmpv6, …). */
  proto: number;
  protocolType: ProtocolType;
  srcIp: string;
  dstIp: string;
  /** TCP/UDP ports; for ICMP (Zeek convention) srcPort = ICMP type, dstPort = ICMP code of the first packet. */
  srcPort: number;
  dstPort: number;
  /** Outer VLAN id, 0 when untagged. */
  vlan: number;
  /** ICMP type/code of the first packet (-1 for non-ICMP): drives the ICMP `service`. */
  icmpType: number;
  icmpCode: number;

  /** KDD `flag`: Zeek conn_state for TCP, 'SF' for UDP/ICMP (as in NSL-KDD). */
  flag: ConnFlag;
  /** Zeek's own conn_state (UDP S0/SF/SHR/OTH, ICMP/other OTH) and history letters. */
  connState: ConnFlag;
  history: string;
  endReason: EndReason;

  /** Data bytes: TCP payload (retransmissions counted once), UDP payload, ICMP message (header + data). */
  srcBytes: number;
  dstBytes: number;
  srcPkts: number;
  dstPkts: number;
  /** Sum of IP total lengths per direction (Zeek orig_ip_bytes/resp_ip_bytes). */
  srcIpBytes: number;
  dstIpBytes: number;

  /** KDD basic features computed by the flow engine. */
  land: 0 | 1;
  wrongFragment: number;
  urgent: number;

  /** Content features (KDD 10–22) filled by the payload stage when it ran; absent = all 0. */
  content?: ContentFeatures;
  /** True when a protocol analyzer inspected this flow's cleartext payload. */
  payloadInspected: boolean;
  /**
   * Tunnels the flow's first packet came through, outermost first ('vxlan', 'gre', 'vxlan:gre', …;
   * '' when none: src/decode/tunnel.ts), and the outermost tunnel's IP endpoints ('' when none).
   */
  tunnel: string;
  tunnelSrc: string;
  tunnelDst: string;
}

export interface ContentFeatures {
  hot: number;
  num_failed_logins: number;
  logged_in: 0 | 1;
  num_compromised: number;
  root_shell: 0 | 1;
  su_attempted: 0 | 1;
  num_root: number;
  num_file_creations: number;
  num_shells: number;
  num_access_files: number;
  num_outbound_cmds: number;
  is_host_login: 0 | 1;
  is_guest_login: 0 | 1;
}
