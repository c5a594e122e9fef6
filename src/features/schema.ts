/**
 * The flow record, declared ONCE (as Zeek's Conn::Info is): every column of the flow dataset with
 * its name, type, unit, description, how its value is read from a finished flow and how the KDD
 * format writes it. Everything else derives from this list: the Row of a flow (flowRow), the fast
 * CSV line (dataset/flow-csv.ts), the CSV / JSON Lines / Parquet writers (by type and unit), the
 * KDD format (kddIndex and `kdd`), `flows --help` and the README's column table.
 *
 * Adding a column: one entry here (its `value` reads the FlowRecord, the service or the window
 * features); if the flow engine must measure something new, the FlowRecord field comes first
 * (flow/record.ts, with one `measured` entry in flow/ended.ts's ENDED).
 *
 * Order: identity (8) · the 41 KDD-Cup-99 features with their exact names in KDD order · extras.
 * Semantics follow the NSL-KDD data; where a rule is ours the description says so.
 */
import type { ColumnDef, Row } from '../dataset/types.ts';
import type { FlowRecord } from '../flow/record.ts';
import { contentFeatures, flowDuration } from './basic.ts';
import type { WindowFeatures } from './windows.ts';

/** How the KDD format (dataset/kdd-format.ts) writes a KDD feature, beyond its type and unit. */
export interface KddWriting {
  /** Largest value written (the range of the KDD data); the rich formats keep the true value. */
  cap?: number;
  /** Values NSL-KDD never shows → the value written instead. */
  map?: Readonly<Record<string, string>>;
  /** Whole units, truncated (duration). */
  whole?: boolean;
}

/** A column of the flow dataset: its declaration and how its value is read from a finished flow. */
export interface FlowColumn extends ColumnDef {
  /** The column's value for a flow: its record, service name and window features. */
  value(f: FlowRecord, service: string, w: Readonly<WindowFeatures>): Row[string];
  kdd?: KddWriting;
}

/** Zeek states NSL-KDD never shows (a SYN-ACK seen, never the originator's SYN): written as OTH (no SYN seen). */
const KDD_FLAG: Readonly<Record<string, string>> = { RSTRH: 'OTH', SHR: 'OTH' };

const ZERO_UNTIL_PAYLOAD = ' 0 unless the payload stage inspected this flow (see payload_inspected).';

/** Identity columns (Zeek conn.log meaning: src = originator). */
const IDENTITY: FlowColumn[] = [
  { name: 'ts', type: 'timestamp', group: 'identity', unit: 's', description: 'Start of the flow: time of its first packet, epoch seconds (µs precision).', value: (f) => f.startTs },
  { name: 'uid', type: 'string', group: 'identity', description: 'Flow id, Zeek-style ("C" + 18 base62 characters): unique within a run and across inputs (salted by a digest of the input\'s content), the same every time for the same input.', value: (f) => f.uid },
  { name: 'community_id', type: 'string', group: 'identity', description: 'Community ID v1 ("1:<base64>") for correlation with Zeek, Suricata, Arkime; empty when undefined for the protocol.', value: (f) => f.communityId },
  { name: 'src_ip', type: 'string', group: 'identity', description: 'Originator address (first SYN sender for TCP, else first packet sender).', value: (f) => f.srcIp },
  { name: 'src_port', type: 'int', group: 'identity', description: 'Originator port; for ICMP the type of the first packet (Zeek convention).', value: (f) => f.srcPort },
  { name: 'dst_ip', type: 'string', group: 'identity', description: 'Responder address.', value: (f) => f.dstIp },
  { name: 'dst_port', type: 'int', group: 'identity', description: 'Responder port; for ICMP the code of the first packet (Zeek convention).', value: (f) => f.dstPort },
  { name: 'proto', type: 'int', group: 'identity', description: 'IP protocol number (6 tcp, 17 udp, 1 icmp, 58 icmpv6, …).', value: (f) => f.proto },
];

/** The 41 KDD features, KDD order (kddcup.names); kddIndex is filled from the position. */
const KDD: Omit<FlowColumn, 'kddIndex'>[] = [
  // basic (1–9)
  { name: 'duration', type: 'float', group: 'basic', unit: 's', description: 'Last − first packet time of the flow. KDD format prints whole seconds (truncated).', kdd: { whole: true }, value: flowDuration },
  { name: 'protocol_type', type: 'category', group: 'basic', description: 'tcp, udp or icmp (ICMPv6 → icmp); other IP protocols are "other" (skipped by the KDD format).', value: (f) => f.protocolType },
  { name: 'service', type: 'category', group: 'basic', description: 'One of the 70 NSL-KDD service names: TCP/UDP by responder port, ICMP by the first packet\'s type/code (rules: src/features/services.ts).', value: (_f, service) => service },
  { name: 'flag', type: 'category', group: 'basic', description: 'TCP: Zeek conn_state (S0 S1 SF REJ S2 S3 RSTO RSTR RSTOS0 RSTRH SH SHR OTH); UDP and ICMP: SF, as in NSL-KDD.', kdd: { map: KDD_FLAG }, value: (f) => f.flag },
  { name: 'src_bytes', type: 'int', group: 'basic', unit: 'bytes', description: 'Data bytes originator → responder: TCP payload (retransmissions once), UDP payload, ICMP message.', value: (f) => f.srcBytes },
  { name: 'dst_bytes', type: 'int', group: 'basic', unit: 'bytes', description: 'Data bytes responder → originator (same rules as src_bytes).', value: (f) => f.dstBytes },
  { name: 'land', type: 'int', group: 'basic', description: '1 if source and destination address are equal (and, for TCP/UDP, the ports too), else 0.', value: (f) => f.land },
  { name: 'wrong_fragment', type: 'int', group: 'basic', unit: 'fragments', description: 'Bad IP fragments in the flow\'s datagrams (overlapping, reassembling past 65,535 bytes, bad offsets).', value: (f) => f.wrongFragment },
  { name: 'urgent', type: 'int', group: 'basic', unit: 'packets', description: 'Packets with the TCP URG flag, both directions.', value: (f) => f.urgent },
  // content (10–22)
  { name: 'hot', type: 'int', group: 'content', description: 'Number of "hot" indicators in the cleartext session.' + ZERO_UNTIL_PAYLOAD, value: (f) => contentFeatures(f).hot },
  { name: 'num_failed_logins', type: 'int', group: 'content', description: 'Failed login attempts.' + ZERO_UNTIL_PAYLOAD, value: (f) => contentFeatures(f).num_failed_logins },
  { name: 'logged_in', type: 'int', group: 'content', description: '1 if a login succeeded, else 0.' + ZERO_UNTIL_PAYLOAD, value: (f) => contentFeatures(f).logged_in },
  { name: 'num_compromised', type: 'int', group: 'content', description: 'Number of "compromised" conditions.' + ZERO_UNTIL_PAYLOAD, value: (f) => contentFeatures(f).num_compromised },
  { name: 'root_shell', type: 'int', group: 'content', description: '1 if a root shell was obtained, else 0.' + ZERO_UNTIL_PAYLOAD, value: (f) => contentFeatures(f).root_shell },
  { name: 'su_attempted', type: 'int', group: 'content', description: '1 if "su root" was attempted, else 0.' + ZERO_UNTIL_PAYLOAD, value: (f) => contentFeatures(f).su_attempted },
  { name: 'num_root', type: 'int', group: 'content', description: 'Number of root accesses.' + ZERO_UNTIL_PAYLOAD, value: (f) => contentFeatures(f).num_root },
  { name: 'num_file_creations', type: 'int', group: 'content', description: 'File creation operations.' + ZERO_UNTIL_PAYLOAD, value: (f) => contentFeatures(f).num_file_creations },
  { name: 'num_shells', type: 'int', group: 'content', description: 'Shell prompts.' + ZERO_UNTIL_PAYLOAD, value: (f) => contentFeatures(f).num_shells },
  { name: 'num_access_files', type: 'int', group: 'content', description: 'Operations on access-control files.' + ZERO_UNTIL_PAYLOAD, value: (f) => contentFeatures(f).num_access_files },
  { name: 'num_outbound_cmds', type: 'int', group: 'content', description: 'Outbound commands in an ftp session (0 in all of NSL-KDD).' + ZERO_UNTIL_PAYLOAD, value: (f) => contentFeatures(f).num_outbound_cmds },
  { name: 'is_host_login', type: 'int', group: 'content', description: '1 if the login belongs to the "hot" list, else 0.' + ZERO_UNTIL_PAYLOAD, value: (f) => contentFeatures(f).is_host_login },
  { name: 'is_guest_login', type: 'int', group: 'content', description: '1 if the login is a guest login, else 0.' + ZERO_UNTIL_PAYLOAD, value: (f) => contentFeatures(f).is_guest_login },
  // time window (23–31): connections that started in [ts − 2 s, ts], this one included
  { name: 'count', type: 'int', group: 'time', unit: 'connections', description: 'Connections to the same destination host in the time window (2 s by start time, this one included).', kdd: { cap: 511 }, value: (_f, _s, w) => w.count },
  { name: 'srv_count', type: 'int', group: 'time', unit: 'connections', description: 'Connections to the same service (any host) in the time window.', kdd: { cap: 511 }, value: (_f, _s, w) => w.srv_count },
  { name: 'serror_rate', type: 'float', group: 'time', unit: 'fraction', description: 'Share of the same-host connections with a SYN error flag (S0 S1 S2 S3 SH).', value: (_f, _s, w) => w.serror_rate },
  { name: 'srv_serror_rate', type: 'float', group: 'time', unit: 'fraction', description: 'Share of the same-service connections with a SYN error flag.', value: (_f, _s, w) => w.srv_serror_rate },
  { name: 'rerror_rate', type: 'float', group: 'time', unit: 'fraction', description: 'Share of the same-host connections with a REJ error flag (REJ RSTO RSTR RSTOS0).', value: (_f, _s, w) => w.rerror_rate },
  { name: 'srv_rerror_rate', type: 'float', group: 'time', unit: 'fraction', description: 'Share of the same-service connections with a REJ error flag.', value: (_f, _s, w) => w.srv_rerror_rate },
  { name: 'same_srv_rate', type: 'float', group: 'time', unit: 'fraction', description: 'Share of the same-host connections to this service.', value: (_f, _s, w) => w.same_srv_rate },
  { name: 'diff_srv_rate', type: 'float', group: 'time', unit: 'fraction', description: 'Share of the same-host connections to other services.', value: (_f, _s, w) => w.diff_srv_rate },
  { name: 'srv_diff_host_rate', type: 'float', group: 'time', unit: 'fraction', description: 'Share of the same-service connections to other hosts.', value: (_f, _s, w) => w.srv_diff_host_rate },
  // host window (32–41): the last 100 connections by start time, this one included
  { name: 'dst_host_count', type: 'int', group: 'host', unit: 'connections', description: 'Connections to the same destination host among the last 100 (this one included).', kdd: { cap: 255 }, value: (_f, _s, w) => w.dst_host_count },
  { name: 'dst_host_srv_count', type: 'int', group: 'host', unit: 'connections', description: 'Connections to the same service (any host) among the last 100.', kdd: { cap: 255 }, value: (_f, _s, w) => w.dst_host_srv_count },
  { name: 'dst_host_same_srv_rate', type: 'float', group: 'host', unit: 'fraction', description: 'Share of dst_host_count connections to this service.', value: (_f, _s, w) => w.dst_host_same_srv_rate },
  { name: 'dst_host_diff_srv_rate', type: 'float', group: 'host', unit: 'fraction', description: 'Share of dst_host_count connections to other services.', value: (_f, _s, w) => w.dst_host_diff_srv_rate },
  { name: 'dst_host_same_src_port_rate', type: 'float', group: 'host', unit: 'fraction', description: 'Share of dst_host_count connections from this flow\'s source port.', value: (_f, _s, w) => w.dst_host_same_src_port_rate },
  { name: 'dst_host_srv_diff_host_rate', type: 'float', group: 'host', unit: 'fraction', description: 'Share of dst_host_srv_count connections to other hosts.', value: (_f, _s, w) => w.dst_host_srv_diff_host_rate },
  { name: 'dst_host_serror_rate', type: 'float', group: 'host', unit: 'fraction', description: 'Share of dst_host_count connections with a SYN error flag.', value: (_f, _s, w) => w.dst_host_serror_rate },
  { name: 'dst_host_srv_serror_rate', type: 'float', group: 'host', unit: 'fraction', description: 'Share of dst_host_srv_count connections with a SYN error flag.', value: (_f, _s, w) => w.dst_host_srv_serror_rate },
  { name: 'dst_host_rerror_rate', type: 'float', group: 'host', unit: 'fraction', description: 'Share of dst_host_count connections with a REJ error flag.', value: (_f, _s, w) => w.dst_host_rerror_rate },
  { name: 'dst_host_srv_rerror_rate', type: 'float', group: 'host', unit: 'fraction', description: 'Share of dst_host_srv_count connections with a REJ error flag.', value: (_f, _s, w) => w.dst_host_srv_rerror_rate },
];

/** Extras beyond KDD (rich formats only). */
const EXTRAS: FlowColumn[] = [
  { name: 'conn_state', type: 'category', group: 'extra', description: 'Zeek\'s own conn_state (for UDP S0/SF/SHR/OTH; ICMP and other protocols OTH).', value: (f) => f.connState },
  { name: 'history', type: 'string', group: 'extra', description: 'Zeek history letters (upper case = originator).', value: (f) => f.history },
  { name: 'end_reason', type: 'category', group: 'extra', description: 'Why the flow ended: fin, rst, idle, active (timeout) or eof (end of input).', value: (f) => f.endReason },
  { name: 'src_pkts', type: 'int', group: 'extra', unit: 'packets', description: 'Packets originator → responder.', value: (f) => f.srcPkts },
  { name: 'dst_pkts', type: 'int', group: 'extra', unit: 'packets', description: 'Packets responder → originator.', value: (f) => f.dstPkts },
  { name: 'src_ip_bytes', type: 'int', group: 'extra', unit: 'bytes', description: 'IP bytes (sum of IP total lengths) originator → responder (Zeek orig_ip_bytes).', value: (f) => f.srcIpBytes },
  { name: 'dst_ip_bytes', type: 'int', group: 'extra', unit: 'bytes', description: 'IP bytes responder → originator (Zeek resp_ip_bytes).', value: (f) => f.dstIpBytes },
  { name: 'vlan', type: 'int', group: 'extra', description: 'Outer 802.1Q VLAN id of the flow\'s first packet, 0 when untagged (not part of the flow key unless --vlan-key).', value: (f) => f.vlan },
  { name: 'payload_inspected', type: 'bool', group: 'extra', description: 'True when a protocol analyzer read this flow\'s cleartext payload (content features are meaningful); false for encrypted or uninspected flows.', value: (f) => f.payloadInspected },
  { name: 'ip_version', type: 'int', group: 'extra', description: 'IP version of the flow: 4 or 6.', value: (f) => f.ipVersion },
  { name: 'tunnel', type: 'category', group: 'extra', description: 'Tunnels the flow came through, outermost first, joined by ":" (ip, gre, gre-ppp, gre-eth, erspan1/2/3, vxlan, geneve, teredo; e.g. "vxlan:gre"); empty when none. The flow itself is the innermost connection.', value: (f) => f.tunnel },
  { name: 'tunnel_src', type: 'string', group: 'extra', description: 'Source address of the outermost tunnel header of the flow\'s first packet; empty when no tunnel.', value: (f) => f.tunnelSrc },
  { name: 'tunnel_dst', type: 'string', group: 'extra', description: 'Destination address of the outermost tunnel header of the flow\'s first packet; empty when no tunnel.', value: (f) => f.tunnelDst },
];

/** The 41 KDD feature columns in KDD order (kddIndex 1..41). */
export const KDD_COLUMNS: readonly FlowColumn[] = KDD.map((c, i) => ({ ...c, kddIndex: i + 1 }));

/** Every flow dataset column, in output order. */
export const FLOW_COLUMNS: readonly FlowColumn[] = [...IDENTITY, ...KDD_COLUMNS, ...EXTRAS];

/** Column names in output order. */
export const FLOW_COLUMN_NAMES: readonly string[] = FLOW_COLUMNS.map((c) => c.name);

/** The KDD content features (10–22): 0 until the payload stage fills them. */
export const CONTENT_COLUMN_NAMES: readonly string[] = KDD_COLUMNS.filter((c) => c.group === 'content').map((c) => c.name);

const GROUP_TITLE: Record<string, string> = {
  identity: 'identity',
  basic: 'KDD basic',
  content: 'KDD content',
  time: 'KDD time window',
  host: 'KDD host window',
  extra: 'extra',
};

/**
 * The README's column table (markdown), rendered from FLOW_COLUMNS. A test keeps README.md in sync
 * with this output.
 */
export function renderColumnTable(columns: readonly ColumnDef[] = FLOW_COLUMNS): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const lines = ['| # | column | KDD # | group | type | unit | description |', '|---:|---|---:|---|---|---|---|'];
  columns.forEach((c, i) => {
    lines.push(
      `| ${i + 1} | \`${c.name}\` | ${c.kddIndex ?? ''} | ${GROUP_TITLE[c.group] ?? c.group} | ${c.type} | ${c.unit ?? ''} | ${esc(c.description)} |`,
    );
  });
  return lines.join('\n') + '\n';
}
