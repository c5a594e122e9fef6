/**
 * The compact view of one anomalous flow that incident grouping keeps (a few dozen bytes of fields
 * instead of the whole record), built from an anomaly record.
 */
import type { AnomalyRecord } from '../record.ts';
import { transportOf } from '../wireshark.ts';

export interface FlowLite {
  row: number;
  ts: number;
  end: number;
  uid?: string;
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
  proto?: number;
  /** tcp | udp | icmp | icmpv6 | other */
  transport: string;
  service: string;
  flag: string;
  srcBytes: number;
  dstBytes: number;
  /** Packets both ways; undefined when the input has no packet counts (KDD-style datasets). */
  pkts?: number;
  failedLogins: number;
  /** No payload either way: a probe, a refused or half-open connection, a flood packet. */
  noData: boolean;
  score: number;
  reasons: string[];
  label?: string;
}

/** TCP states in which no connection was established (Zeek conn_state). */
const FAILED_STATES = new Set(['S0', 'REJ', 'RSTOS0', 'RSTRH', 'SH', 'SHR', 'OTH']);

export function toFlowLite(r: AnomalyRecord): FlowLite | undefined {
  if (!r.src_ip || !r.dst_ip) return undefined;
  const transport = transportOf(r);
  const srcBytes = r.src_bytes ?? 0;
  const dstBytes = r.dst_bytes ?? 0;
  const flag = r.flag ?? r.conn_state ?? '';
  const pkts = r.src_pkts !== undefined || r.dst_pkts !== undefined ? (r.src_pkts ?? 0) + (r.dst_pkts ?? 0) : undefined;
  const ts = r.ts ?? 0;
  return {
    row: r.row,
    ts,
    end: ts + (r.duration ?? 0),
    uid: r.uid,
    src: r.src_ip,
    dst: r.dst_ip,
    sport: r.src_port,
    dport: r.dst_port,
    proto: r.proto,
    transport,
    service: r.service ?? '',
    flag,
    srcBytes,
    dstBytes,
    pkts,
    failedLogins: r.num_failed_logins ?? 0,
    noData: transport === 'tcp' ? FAILED_STATES.has(flag) || (srcBytes === 0 && dstBytes === 0) : srcBytes === 0 && dstBytes === 0,
    score: r.anomaly_score,
    reasons: r.reasons.map((x) => x.feature),
    label: r.label,
  };
}
