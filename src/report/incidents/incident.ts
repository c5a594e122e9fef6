/**
 * The incident record (schema `flowsift.incident/1`, one JSON object per line of incidents.jsonl;
 * field names are stable — the report and the `incidents` query view read them) and how it is
 * summarised from its flows and ranked.
 */
import { createHash } from 'node:crypto';
import type { FlowLite } from './flow.ts';
import { classify, groupStats, INCIDENT_KINDS, type IncidentKind } from './kinds.ts';
import { addrSet, flowFilter, timeBounds } from '../wireshark.ts';
import { formatValue } from '../../model/score.ts';

export const INCIDENT_SCHEMA = 'flowsift.incident/1';

/** A value of a top-N list with the number of the incident's flows that have it. */
export interface Counted<T = string> {
  value: T;
  flows: number;
}

export interface Incident {
  event_type: 'incident';
  schema: typeof INCIDENT_SCHEMA;
  /** Stable id derived from the incident's first flow (same input → same id). */
  incident_id: string;
  /** 1 = most severe, in the order of the output (0 until ranked). */
  rank: number;
  kind: IncidentKind;
  /** One line: what happened, who against whom. */
  title: string;
  /** 1 high (attack pattern) · 2 medium (suspicious) · 3 low (odd flows). */
  severity: 1 | 2 | 3;
  /** The ranking number (README "Incidents": kind, size and score). */
  severity_score: number;
  /** MITRE ATT&CK technique id, its name and tactic, when one fits (else null). */
  technique: string | null;
  technique_name: string | null;
  tactic: string | null;
  first_ts: number;
  last_ts: number;
  first_seen: string;
  last_seen: string;
  duration: number;
  flows: number;
  /** Packets both ways (null when the input has no packet counts). */
  packets: number | null;
  bytes: number;
  src_bytes: number;
  dst_bytes: number;
  sources: number;
  destinations: number;
  dst_ports: number;
  services: number;
  top_sources: Counted[];
  top_destinations: Counted[];
  top_dst_ports: Counted<number>[];
  top_services: Counted[];
  protocols: Counted[];
  /** Zeek conn_state / KDD flag of its flows. */
  flag_mix: Counted[];
  score_max: number;
  score_mean: number;
  /** Features most often among the flows' reasons. */
  top_reasons: Counted[];
  /** A display filter that selects its flows (README: exact for small incidents, a tight superset for large ones). */
  wireshark_filter: string;
  example_uids: string[];
  /** Input row numbers of the example flows (always present, unlike uids). */
  example_rows: number[];
  /** Ground-truth labels of its flows, when the input had them. */
  labels?: Counted[];
}

/** How many entries the top-N lists and examples keep. */
export const TOP_N = 5;
/** Incidents with at most this many flows get the exact OR of their flows' filters. */
const EXACT_FILTER_FLOWS = 8;
/** Address or port sets larger than this are left out of a compact filter. */
const FILTER_SET_MAX = 16;

function top<T extends string | number>(values: Iterable<T>, n = TOP_N): Counted<T>[] {
  const m = new Map<T, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return [...m.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, n)
    .map(([value, flows]) => ({ value, flows }));
}

const r4 = (v: number): number => Math.round(v * 1e4) / 1e4;
const iso = (t: number): string => new Date(t * 1000).toISOString();

function sizeText(b: number): string {
  if (b >= 1 << 30) return `${(b / (1 << 30)).toFixed(1)} GiB`;
  if (b >= 1 << 20) return `${(b / (1 << 20)).toFixed(1)} MiB`;
  if (b >= 1 << 10) return `${(b / (1 << 10)).toFixed(1)} KiB`;
  return `${b} B`;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

function titleOf(kind: IncidentKind, fl: FlowLite[], s: ReturnType<typeof groupStats>, inc: Pick<Incident, 'top_sources' | 'top_destinations' | 'top_dst_ports' | 'top_services' | 'src_bytes' | 'dst_bytes' | 'packets' | 'duration'>): string {
  const src = inc.top_sources[0]?.value ?? '?';
  const dst = inc.top_destinations[0]?.value ?? '?';
  const port = inc.top_dst_ports[0]?.value;
  const svc = inc.top_services[0]?.value;
  const hostPort = `${dst}${port !== undefined ? `:${port}` : ''}`;
  const from = s.srcs.size === 1 ? src : plural(s.srcs.size, 'source');
  switch (kind) {
    case 'port_scan':
      return `${src} scanned ${plural(s.dports.size, 'port')} of ${dst}`;
    case 'address_scan':
      return `${src} probed ${plural(s.dsts.size, 'host')} on ${s.dports.size === 1 ? `port ${port}` : plural(s.dports.size, 'port')}`;
    case 'ping_sweep':
      return `${src} pinged ${plural(s.dsts.size, 'host')}`;
    case 'syn_flood':
    case 'udp_flood':
      return `${INCIDENT_KINDS[kind].name} on ${hostPort} from ${from}: ${plural(fl.length, 'connection')} in ${formatValue(inc.duration)} s`;
    case 'icmp_flood':
      return `ICMP flood on ${dst} from ${from}${inc.packets !== null ? `: ${plural(inc.packets, 'packet')}` : ''} in ${formatValue(inc.duration)} s`;
    case 'password_guessing':
      return `password guessing against ${svc || 'a login service'} on ${hostPort} from ${src}: ${plural(fl.length, 'session')}`;
    case 'large_upload':
      return `${src} sent ${sizeText(inc.src_bytes)} to ${hostPort} (possible exfiltration)`;
    case 'large_download':
      return `${src} received ${sizeText(inc.dst_bytes)} from ${hostPort}`;
    case 'repeated_connections':
      return `${src} → ${hostPort}${svc ? ` (${svc})` : ''}: ${plural(fl.length, 'connection')}`;
    case 'service_anomaly':
      return `unusual traffic to ${svc || 'a service'} on ${hostPort} from ${from}: ${plural(fl.length, 'flow')}`;
    default: {
      const f = fl[0]!;
      const one = `${f.transport} ${f.src}${f.sport !== undefined && f.transport !== 'icmp' ? `:${f.sport}` : ''} → ${f.dst}${f.dport !== undefined && f.transport !== 'icmp' ? `:${f.dport}` : ''}${f.service ? ` ${f.service}` : ''}${f.flag ? ` ${f.flag}` : ''}`;
      return fl.length === 1 ? one : `${one} and ${plural(fl.length - 1, 'more flow')}`;
    }
  }
}

function incidentFilter(fl: FlowLite[], s: ReturnType<typeof groupStats>, first: number, last: number): string {
  const exact = (f: FlowLite): string =>
    flowFilter({ src_ip: f.src, dst_ip: f.dst, src_port: f.sport, dst_port: f.dport, proto: f.proto, protocol_type: f.transport === 'icmpv6' ? 'icmp' : f.transport, ts: f.ts, duration: f.end - f.ts }) ?? '';
  if (fl.length <= EXACT_FILTER_FLOWS) {
    const parts = [...new Set(fl.map(exact))];
    return parts.length === 1 ? parts[0]! : parts.map((p) => `(${p})`).join(' || ');
  }
  // a compact conjunction: hosts and ports when the sets are small, the protocol, the time span
  const parts: string[] = [];
  if (s.srcs.size <= FILTER_SET_MAX) parts.push(addrSet([...s.srcs].sort()));
  if (s.dsts.size <= FILTER_SET_MAX) parts.push(addrSet([...s.dsts].sort()));
  const tr = [...s.transports].sort();
  if (tr.length === 1 && (tr[0] === 'tcp' || tr[0] === 'udp')) {
    const ports = [...s.dports].sort((a, b) => a - b);
    if (ports.length === 1) parts.push(`${tr[0]}.port==${ports[0]}`);
    else if (ports.length <= FILTER_SET_MAX) parts.push(`${tr[0]}.port in {${ports.join(', ')}}`);
    else parts.push(tr[0]!);
  } else if (tr.length === 1 && tr[0] !== 'other') parts.push(tr[0]!);
  parts.push(timeBounds(first, last));
  return parts.filter(Boolean).join(' && ');
}

/** Severity points of each level (README "Incidents"): the kind decides the band, size and score order within it. */
const LEVEL_POINTS = { 1: 100, 2: 40, 3: 0 } as const;

export function severityScore(level: 1 | 2 | 3, flows: number, scoreMax: number): number {
  return r4(LEVEL_POINTS[level] + 10 * Math.log10(1 + flows) + 4 * Math.min(scoreMax, 10));
}

/** Summarise a group of flows (sorted by start time) into an incident record. */
export function summarize(fl: FlowLite[]): Incident {
  const s = groupStats(fl);
  const kind = classify(fl, s);
  const info = INCIDENT_KINDS[kind];
  let first = Infinity;
  let last = -Infinity;
  let srcBytes = 0;
  let dstBytes = 0;
  let scoreMax = 0;
  let scoreSum = 0;
  let havePkts = false;
  for (const f of fl) {
    first = Math.min(first, f.ts);
    last = Math.max(last, f.end);
    srcBytes += f.srcBytes;
    dstBytes += f.dstBytes;
    scoreMax = Math.max(scoreMax, f.score);
    scoreSum += f.score;
    if (f.pkts !== undefined) havePkts = true;
  }
  const head = fl[0]!;
  const id = 'I' + createHash('sha256').update(`${head.uid ?? ''}|${head.row}|${head.ts}|${fl.length}`).digest('hex').slice(0, 12);
  const base = {
    top_sources: top(fl.map((f) => f.src)),
    top_destinations: top(fl.map((f) => f.dst)),
    top_dst_ports: top(fl.filter((f) => f.dport !== undefined && (f.transport === 'tcp' || f.transport === 'udp')).map((f) => f.dport!)),
    top_services: top(fl.filter((f) => f.service).map((f) => f.service)),
    src_bytes: srcBytes,
    dst_bytes: dstBytes,
    packets: havePkts ? s.pkts : null,
    duration: r4(last - first),
  };
  const labels = fl.some((f) => f.label !== undefined) ? top(fl.map((f) => f.label ?? ''), 100) : undefined;
  const inc: Incident = {
    event_type: 'incident',
    schema: INCIDENT_SCHEMA,
    incident_id: id,
    rank: 0,
    kind,
    title: titleOf(kind, fl, s, base),
    severity: info.level,
    severity_score: severityScore(info.level, fl.length, scoreMax),
    technique: info.technique ?? null,
    technique_name: info.techniqueName ?? null,
    tactic: info.tactic ?? null,
    first_ts: first,
    last_ts: last,
    first_seen: iso(first),
    last_seen: iso(last),
    duration: base.duration,
    flows: fl.length,
    packets: base.packets,
    bytes: srcBytes + dstBytes,
    src_bytes: srcBytes,
    dst_bytes: dstBytes,
    sources: s.srcs.size,
    destinations: s.dsts.size,
    dst_ports: s.dports.size,
    services: new Set(fl.map((f) => f.service).filter(Boolean)).size,
    top_sources: base.top_sources,
    top_destinations: base.top_destinations,
    top_dst_ports: base.top_dst_ports,
    top_services: base.top_services,
    protocols: top(fl.map((f) => f.transport)),
    flag_mix: top(fl.filter((f) => f.flag).map((f) => f.flag), 100),
    score_max: r4(scoreMax),
    score_mean: r4(scoreSum / fl.length),
    top_reasons: top(fl.flatMap((f) => f.reasons), 3),
    wireshark_filter: incidentFilter(fl, s, first, last),
    example_uids: fl.filter((f) => f.uid).slice(0, TOP_N).map((f) => f.uid!),
    example_rows: fl.slice(0, TOP_N).map((f) => f.row),
  };
  if (labels) inc.labels = labels;
  return inc;
}

/** Order by severity_score (then first seen, then id) and number the ranks from 1; in place. */
export function rankIncidents(list: Incident[]): Incident[] {
  list.sort((a, b) => b.severity_score - a.severity_score || a.first_ts - b.first_ts || (a.incident_id < b.incident_id ? -1 : 1));
  list.forEach((x, i) => (x.rank = i + 1));
  return list;
}
