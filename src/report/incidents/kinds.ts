/**
 * Incident kinds and the rules that choose one for a group of anomalous flows. The rules are
 * tried in the order of RULES; the first that holds names the incident (README "Incidents" has
 * the same table). Thresholds are properties of the attacks (a scan touches many ports, a flood is
 * fast, guessed passwords make look-alike short sessions), not of one capture.
 */
import type { FlowLite } from './flow.ts';

export type IncidentKind =
  | 'port_scan'
  | 'address_scan'
  | 'ping_sweep'
  | 'syn_flood'
  | 'udp_flood'
  | 'icmp_flood'
  | 'password_guessing'
  | 'large_upload'
  | 'large_download'
  | 'repeated_connections'
  | 'service_anomaly'
  | 'unusual_connection';

export interface KindInfo {
  /** Human name. */
  name: string;
  /** 1 = an attack pattern, 2 = suspicious, 3 = an odd flow or two. */
  level: 1 | 2 | 3;
  technique?: string;
  techniqueName?: string;
  tactic?: string;
}

export const INCIDENT_KINDS: Record<IncidentKind, KindInfo> = {
  port_scan: { name: 'port scan', level: 1, technique: 'T1046', techniqueName: 'Network Service Discovery', tactic: 'Discovery' },
  address_scan: { name: 'address scan', level: 1, technique: 'T1046', techniqueName: 'Network Service Discovery', tactic: 'Discovery' },
  ping_sweep: { name: 'ping sweep', level: 1, technique: 'T1018', techniqueName: 'Remote System Discovery', tactic: 'Discovery' },
  syn_flood: { name: 'SYN flood', level: 1, technique: 'T1499.001', techniqueName: 'Endpoint Denial of Service: OS Exhaustion Flood', tactic: 'Impact' },
  udp_flood: { name: 'UDP flood', level: 1, technique: 'T1498.001', techniqueName: 'Network Denial of Service: Direct Network Flood', tactic: 'Impact' },
  icmp_flood: { name: 'ICMP flood', level: 1, technique: 'T1498.001', techniqueName: 'Network Denial of Service: Direct Network Flood', tactic: 'Impact' },
  password_guessing: { name: 'password guessing', level: 1, technique: 'T1110.001', techniqueName: 'Brute Force: Password Guessing', tactic: 'Credential Access' },
  large_upload: { name: 'large upload (possible exfiltration)', level: 1, technique: 'T1048', techniqueName: 'Exfiltration Over Alternative Protocol', tactic: 'Exfiltration' },
  large_download: { name: 'large download', level: 2 },
  repeated_connections: { name: 'repeated connections', level: 2 },
  service_anomaly: { name: 'unusual traffic to a service', level: 2 },
  unusual_connection: { name: 'unusual connection', level: 3 },
};

/** Thresholds of the rules (README "Incidents"). */
export const KIND_RULES = {
  /** port scan: distinct destination ports of one source on one host. */
  scanPorts: 5,
  /** address scan / ping sweep: distinct hosts one source probed. */
  scanHosts: 5,
  /** scans and floods: share of the flows that carried no payload (refused, half-open, probes). */
  noDataShare: 0.5,
  floodNoDataShare: 0.7,
  /** floods: at least this many flows, at this many flows per second over the incident's span (span floored at 1 s). */
  floodFlows: 10,
  floodRate: 5,
  /** ICMP flood: packets, at this many per second; or many echo flows at the flood rate. */
  icmpFloodPackets: 100,
  icmpFloodRate: 20,
  /** password guessing: sessions from one source (3 suffice when the login analyzer saw failures). */
  guessSessions: 5,
  guessSessionsWithFailures: 3,
  /** password guessing: look-alike sessions (coefficient of variation of the bytes sent) or short ones. */
  guessMaxCv: 0.35,
  guessMaxMedianDuration: 5,
  /** large transfer: bytes one way, and how lopsided. */
  largeBytes: 1 << 20,
  largeRatio: 4,
  /** repeated connections / service anomaly: flows. */
  repeated: 5,
};

/** Login services (ports and KDD service names) for password guessing. */
const LOGIN_PORTS = new Set([21, 22, 23, 25, 110, 143, 389, 445, 465, 587, 993, 995, 1433, 1521, 3306, 3389, 5432, 5900, 5901]);
const LOGIN_SERVICES = new Set(['ftp', 'ssh', 'telnet', 'smtp', 'pop_3', 'imap4', 'ldap', 'login', 'klogin', 'kshell', 'sql_net', 'netbios_ssn', 'microsoft_ds']);

export function isLoginService(port: number | undefined, service: string): boolean {
  return (port !== undefined && LOGIN_PORTS.has(port)) || LOGIN_SERVICES.has(service);
}

export interface GroupStats {
  flows: number;
  srcs: Set<string>;
  dsts: Set<string>;
  dports: Set<number>;
  transports: Set<string>;
  noData: number;
  pkts: number;
  span: number;
  failedLogins: number;
}

export function groupStats(fl: FlowLite[]): GroupStats {
  const s: GroupStats = { flows: fl.length, srcs: new Set(), dsts: new Set(), dports: new Set(), transports: new Set(), noData: 0, pkts: 0, span: 0, failedLogins: 0 };
  let first = Infinity;
  let last = -Infinity;
  for (const f of fl) {
    s.srcs.add(f.src);
    s.dsts.add(f.dst);
    if (f.dport !== undefined && (f.transport === 'tcp' || f.transport === 'udp')) s.dports.add(f.dport);
    s.transports.add(f.transport);
    if (f.noData) s.noData++;
    s.pkts += f.pkts ?? 0;
    s.failedLogins += f.failedLogins;
    first = Math.min(first, f.ts);
    last = Math.max(last, f.end);
  }
  s.span = fl.length ? last - first : 0;
  return s;
}

function median(xs: number[]): number {
  const a = [...xs].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
}

function cv(xs: number[]): number {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (mean === 0) return 0;
  const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
  return Math.sqrt(v) / mean;
}

/** The kind of a group of anomalous flows (first rule that holds). */
export function classify(fl: FlowLite[], s: GroupStats = groupStats(fl)): IncidentKind {
  const R = KIND_RULES;
  const n = s.flows;
  const oneSrc = s.srcs.size === 1;
  const oneDst = s.dsts.size === 1;
  const rate = n / Math.max(1, s.span);
  const noDataShare = n ? s.noData / n : 0;
  const icmp = s.transports.size === 1 && (s.transports.has('icmp') || s.transports.has('icmpv6'));

  if (icmp) {
    if (oneSrc && s.dsts.size >= R.scanHosts) return 'ping_sweep';
    if (oneDst && ((s.pkts >= R.icmpFloodPackets && s.pkts / Math.max(1, s.span) >= R.icmpFloodRate) || (n >= R.floodFlows && rate >= R.floodRate))) return 'icmp_flood';
    return 'unusual_connection';
  }
  if (oneSrc && oneDst && s.dports.size >= R.scanPorts && noDataShare >= R.noDataShare) return 'port_scan';
  if (oneSrc && s.dsts.size >= R.scanHosts && noDataShare >= R.noDataShare) return 'address_scan';
  if (oneDst && s.dports.size === 1 && n >= R.floodFlows && rate >= R.floodRate && noDataShare >= R.floodNoDataShare) {
    if (s.transports.has('tcp')) return 'syn_flood';
    if (s.transports.has('udp')) return 'udp_flood';
  }
  const up = fl.find((f) => f.srcBytes >= R.largeBytes && f.srcBytes >= R.largeRatio * f.dstBytes);
  if (up) return 'large_upload';
  if (oneSrc && oneDst && s.dports.size === 1) {
    const f0 = fl[0]!;
    const sessions = fl.filter((f) => !f.noData);
    const enough = sessions.length >= R.guessSessions || (s.failedLogins > 0 && sessions.length >= R.guessSessionsWithFailures);
    if (enough && isLoginService(f0.dport, f0.service) && sessions.length >= n / 2) {
      const sent = sessions.map((f) => f.srcBytes);
      const durations = sessions.map((f) => f.end - f.ts);
      if (s.failedLogins > 0 || cv(sent) <= R.guessMaxCv || median(durations) <= R.guessMaxMedianDuration) return 'password_guessing';
    }
  }
  if (fl.some((f) => f.dstBytes >= R.largeBytes && f.dstBytes >= R.largeRatio * f.srcBytes)) return 'large_download';
  if (oneSrc && oneDst && n >= R.repeated) return 'repeated_connections';
  if (oneDst && s.dports.size <= 1 && n >= R.repeated) return 'service_anomaly';
  return 'unusual_connection';
}

/** The kinds table of the README (generated: test/readme.test.ts checks it matches). */
export function renderIncidentKinds(): string {
  const R = KIND_RULES;
  const MiB = R.largeBytes / (1 << 20);
  const rule: Record<IncidentKind, string> = {
    icmp_flood: `all ICMP, one destination, ≥ ${R.icmpFloodPackets} packets at ≥ ${R.icmpFloodRate}/s, or ≥ ${R.floodFlows} flows at ≥ ${R.floodRate}/s`,
    ping_sweep: `all ICMP, one source, ≥ ${R.scanHosts} destinations`,
    port_scan: `one source, one destination, ≥ ${R.scanPorts} destination ports, ≥ ${R.noDataShare * 100} % of flows without payload`,
    address_scan: `one source, ≥ ${R.scanHosts} destinations, ≥ ${R.noDataShare * 100} % without payload`,
    syn_flood: `TCP, one destination host:port, ≥ ${R.floodFlows} flows at ≥ ${R.floodRate} flows/s, ≥ ${R.floodNoDataShare * 100} % without payload (any number of sources)`,
    udp_flood: 'as SYN flood, over UDP',
    large_upload: `a flow that sent ≥ ${MiB} MiB and ≥ ${R.largeRatio}× what it received`,
    password_guessing: `one source → one host:port of a login service (ssh, telnet, ftp, smtp, pop3, imap, ldap, smb, rdp, vnc, SQL servers…), ≥ ${R.guessSessions} sessions with payload (≥ ${R.guessSessionsWithFailures} when failed logins were seen), and failed logins, or look-alike sizes (CV of bytes sent ≤ ${R.guessMaxCv}), or short sessions (median ≤ ${R.guessMaxMedianDuration} s)`,
    large_download: `a flow that received ≥ ${MiB} MiB and ≥ ${R.largeRatio}× what it sent`,
    repeated_connections: `one source → one destination, ≥ ${R.repeated} flows`,
    service_anomaly: `one destination host:port, ≥ ${R.repeated} flows (several sources)`,
    unusual_connection: 'anything else (one or a few odd flows)',
  };
  const order: IncidentKind[] = ['ping_sweep', 'icmp_flood', 'port_scan', 'address_scan', 'syn_flood', 'udp_flood', 'large_upload', 'password_guessing', 'large_download', 'repeated_connections', 'service_anomaly', 'unusual_connection'];
  const lines = ['| kind | severity | MITRE ATT&CK | rule (first that holds, in this order) |', '|---|---|---|---|'];
  for (const k of order) {
    const i = INCIDENT_KINDS[k];
    lines.push(`| \`${k}\` | ${{ 1: 'high', 2: 'medium', 3: 'low' }[i.level]} | ${i.technique ? `${i.technique} ${i.techniqueName}` : '–'} | ${rule[k]} |`);
  }
  return lines.join('\n');
}
