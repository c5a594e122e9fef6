/** The flow meter's options, statistics and ended-flow sink (src/flow/meter.ts). */
import type { FragmentOptions, FragmentStats } from './fragments.ts';
import type { FlowResults } from './plugin.ts';

export interface FlowOptions extends FragmentOptions {
  /** Seconds without a packet after which a flow ends ('idle'). Default 120. */
  idleTimeout?: number;
  /** Seconds after its start at which a flow is cut ('active'); 0 = off (default). */
  activeTimeout?: number;
  /** Seconds a closed TCP flow (both FINs, or a RST) waits for late ACK/RST packets. Default 5 (Zeek's tcp_close_delay / tcp_reset_delay). */
  tcpLinger?: number;
  /** Live flows at most; beyond it the least recently active flow is ended ('idle'). Default 500,000. */
  maxFlows?: number;
  /** Community ID seed. Default 0. */
  communityIdSeed?: number;
  /**
   * Salt of the flow uids (a 32-bit number): runs with different salts give disjoint uids, the
   * same salt and input the same uids. extractFlows derives it from the input's content. Default 0.
   */
  uidSalt?: number;
  /**
   * Suricata's flow key: the VLAN ids (outer and QinQ inner tag) are part of the key, so the two
   * sides of a connection seen on different VLANs are two flows. Default false, Zeek's key: VLAN
   * ignored, such a connection is one flow (its `vlan` is that of its first packet).
   */
  vlanKey?: boolean;
}

export interface FlowStats extends FragmentStats {
  /** Packets given to packet(). */
  packets: number;
  /** Packets without an IP layer (ARP, LLC, unsupported link types …). */
  nonIp: number;
  /** IP packets whose TCP/UDP header could not be read (cut or bad), not fragments. */
  undecodable: number;
  flowsCreated: number;
  flowsEmitted: number;
  /** Flows ended early because maxFlows was reached. */
  evictions: number;
  /** New flows started by a new SYN on a 5-tuple that was closed/reset or superseded (port reuse). */
  portReuse: number;
  /** ICMP errors counted on the flow they quote. */
  icmpErrorsAttributed: number;
  /** Packets that made no flow, by the decoder's stop reason (e.g. 'truncated', 'bad-header'). */
  skipped: Record<string, number>;
  /** Live flows now / at most. */
  liveFlows: number;
  peakFlows: number;
}

/** Where a FlowMeter sends ended flows as numbers instead of as FlowRecords. */
export interface EndedSink {
  /**
   * An ended flow: `e` in layout E (ended.ts) and its history letters; no FlowRecord is built. The
   * plugins' onExpire ran just before, writing into `out` (a FlowResults of this flow). All three are
   * valid during the call only.
   */
  ended(e: Float64Array, history: string, out: FlowResults): void;
}
