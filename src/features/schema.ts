/**
 * The flow dataset's columns, declared ONCE. Every writer (CSV, KDD, JSON Lines, Parquet), the
 * `flows --help` text and the README's column table are driven by this list.
 *
 * Order: identity (8) · the 41 KDD-Cup-99 features with their exact names in KDD order · extras.
 * Semantics follow the NSL-KDD data (docs: shared notes kdd-semantics.md); where a rule is ours the
 * description says so.
 */
import type { ColumnDef } from '../dataset/types.ts';

const ZERO_UNTIL_PAYLOAD = ' 0 unless the payload stage inspected this flow (see payload_inspected).';

/** Identity columns (Zeek conn.log meaning: src = originator). */
const IDENTITY: ColumnDef[] = [
  { name: 'ts', type: 'timestamp', group: 'identity', unit: 's', description: 'Start of the flow: time of its first packet, epoch seconds (µs precision).' },
  { name: 'uid', type: 'string', group: 'identity', description: 'Flow id, Zeek-style ("C" + 18 base62 characters): unique within a run and across inputs (salted by a digest of the input\'s content), the same every time for the same input.' },
  { name: 'community_id', type: 'string', group: 'identity', description: 'Community ID v1 ("1:<base64>") for correlation with Zeek, Suricata, Arkime; empty when undefined for the protocol.' },
  { name: 'src_ip', type: 'string', group: 'identity', description: 'Originator address (first SYN sender for TCP, else first packet sender).' },
  { name: 'src_port', type: 'int', group: 'identity', description: 'Originator port; for ICMP the type of the first packet (Zeek convention).' },
  { name: 'dst_ip', type: 'string', group: 'identity', description: 'Responder address.' },
  { name: 'dst_port', type: 'int', group: 'identity', description: 'Responder port; for ICMP the code of the first packet (Zeek convention).' },
  { name: 'proto', type: 'int', group: 'identity', description: 'IP protocol number (6 tcp, 17 udp, 1 icmp, 58 icmpv6, …).' },
];

/** The 41 KDD features, KDD order (kddcup.names); kddIndex is filled from the position. */
const KDD: Omit<ColumnDef, 'kddIndex'>[] = [
  // basic (1–9)
  { name: 'duration', type: 'float', group: 'basic', unit: 's', description: 'Last − first packet time of the flow. KDD format prints whole seconds (truncated).' },
  { name: 'protocol_type', type: 'category', group: 'basic', description: 'tcp, udp or icmp (ICMPv6 → icmp); other IP protocols are "other" (skipped by the KDD format).' },
  { name: 'service', type: 'category', group: 'basic', description: 'One of the 70 NSL-KDD service names: TCP/UDP by responder port, ICMP by the first packet\'s type/code (rules: src/features/services.ts).' },
  { name: 'flag', type: 'category', group: 'basic', description: 'TCP: Zeek conn_state (S0 S1 SF REJ S2 S3 RSTO RSTR RSTOS0 RSTRH SH SHR OTH); UDP and ICMP: SF, as in NSL-KDD.' },
  { name: 'src_bytes', type: 'int', group: 'basic', unit: 'bytes', description: 'Data bytes originator → responder: TCP payload (retransmissions once), UDP payload, ICMP message.' },
  { name: 'dst_bytes', type: 'int', group: 'basic', unit: 'bytes', description: 'Data bytes responder → originator (same rules as src_bytes).' },
  { name: 'land', type: 'int', group: 'basic', description: '1 if source and destination address are equal (and, for TCP/UDP, the ports too), else 0.' },
  { name: 'wrong_fragment', type: 'int', group: 'basic', unit: 'fragments', description: 'Bad IP fragments in the flow\'s datagrams (overlapping, reassembling past 65,535 bytes, bad offsets).' },
  { name: 'urgent', type: 'int', group: 'basic', unit: 'packets', description: 'Packets with the TCP URG flag, both directions.' },
  // content (10–22)
  { name: 'hot', type: 'int', group: 'content', description: 'Number of "hot" indicators in the cleartext session.' + ZERO_UNTIL_PAYLOAD },
  { name: 'num_failed_logins', type: 'int', group: 'content', description: 'Failed login attempts.' + ZERO_UNTIL_PAYLOAD },
  { name: 'logged_in', type: 'int', group: 'content', description: '1 if a login succeeded, else 0.' + ZERO_UNTIL_PAYLOAD },
  { name: 'num_compromised', type: 'int', group: 'content', description: 'Number of "compromised" conditions.' + ZERO_UNTIL_PAYLOAD },
  { name: 'root_shell', type: 'int', group: 'content', description: '1 if a root shell was obtained, else 0.' + ZERO_UNTIL_PAYLOAD },
  { name: 'su_attempted', type: 'int', group: 'content', description: '1 if "su root" was attempted, else 0.' + ZERO_UNTIL_PAYLOAD },
  { name: 'num_root', type: 'int', group: 'content', description: 'Number of root accesses.' + ZERO_UNTIL_PAYLOAD },
  { name: 'num_file_creations', type: 'int', group: 'content', description: 'File creation operations.' + ZERO_UNTIL_PAYLOAD },
  { name: 'num_shells', type: 'int', group: 'content', description: 'Shell prompts.' + ZERO_UNTIL_PAYLOAD },
  { name: 'num_access_files', type: 'int', group: 'content', description: 'Operations on access-control files.' + ZERO_UNTIL_PAYLOAD },
  { name: 'num_outbound_cmds', type: 'int', group: 'content', description: 'Outbound commands in an ftp session (0 in all of NSL-KDD).' + ZERO_UNTIL_PAYLOAD },
  { name: 'is_host_login', type: 'int', group: 'content', description: '1 if the login belongs to the "hot" list, else 0.' + ZERO_UNTIL_PAYLOAD },
  { name: 'is_guest_login', type: 'int', group: 'content', description: '1 if the login is a guest login, else 0.' + ZERO_UNTIL_PAYLOAD },
  // time window (23–31): connections that started in [ts − 2 s, ts], this one included
  { name: 'count', type: 'int', group: 'time', unit: 'connections', description: 'Connections to the same destination host in the time window (2 s by start time, this one included).' },
  { name: 'srv_count', type: 'int', group: 'time', unit: 'connections', description: 'Connections to the same service (any host) in the time window.' },
  { name: 'serror_rate', type: 'float', group: 'time', unit: 'fraction', description: 'Share of the same-host connections with a SYN error flag (S0 S1 S2 S3 SH).' },
  { name: 'srv_serror_rate', type: 'float', group: 'time', unit: 'fraction', description: 'Share of the same-service connections with a SYN error flag.' },
  { name: 'rerror_rate', type: 'float', group: 'time', unit: 'fraction', description: 'Share of the same-host connections with a REJ error flag (REJ RSTO RSTR RSTOS0).' },
  { name: 'srv_rerror_rate', type: 'float', group: 'time', unit: 'fraction', description: 'Share of the same-service connections with a REJ error flag.' },
  { name: 'same_srv_rate', type: 'float', group: 'time', unit: 'fraction', description: 'Share of the same-host connections to this service.' },
  { name: 'diff_srv_rate', type: 'float', group: 'time', unit: 'fraction', description: 'Share of the same-host connections to other services.' },
  { name: 'srv_diff_host_rate', type: 'float', group: 'time', unit: 'fraction', description: 'Share of the same-service connections to other hosts.' },
  // host window (32–41): the last 100 connections by start time, this one included
  { name: 'dst_host_count', type: 'int', group: 'host', unit: 'connections', description: 'Connections to the same destination host among the last 100 (this one included).' },
  { name: 'dst_host_srv_count', type: 'int', group: 'host', unit: 'connections', description: 'Connections to the same service (any host) among the last 100.' },
  { name: 'dst_host_same_srv_rate', type: 'float', group: 'host', unit: 'fraction', description: 'Share of dst_host_count connections to this service.' },
  { name: 'dst_host_diff_srv_rate', type: 'float', group: 'host', unit: 'fraction', description: 'Share of dst_host_count connections to other services.' },
  { name: 'dst_host_same_src_port_rate', type: 'float', group: 'host', unit: 'fraction', description: 'Share of dst_host_count connections from this flow\'s source port.' },
  { name: 'dst_host_srv_diff_host_rate', type: 'float', group: 'host', unit: 'fraction', description: 'Share of dst_host_srv_count connections to other hosts.' },
  { name: 'dst_host_serror_rate', type: 'float', group: 'host', unit: 'fraction', description: 'Share of dst_host_count connections with a SYN error flag.' },
  { name: 'dst_host_srv_serror_rate', type: 'float', group: 'host', unit: 'fraction', description: 'Share of dst_host_srv_count connections with a SYN error flag.' },
  { name: 'dst_host_rerror_rate', type: 'float', group: 'host', unit: 'fraction', description: 'Share of dst_host_count connections with a REJ error flag.' },
  { name: 'dst_host_srv_rerror_rate', type: 'float', group: 'host', unit: 'fraction', description: 'Share of dst_host_srv_count connections with a REJ error flag.' },
];

/** Extras beyond KDD (rich formats only). */
const EXTRAS: ColumnDef[] = [
  { name: 'conn_state', type: 'category', group: 'extra', description: 'Zeek\'s own conn_state (for UDP S0/SF/SHR/OTH; ICMP and other protocols OTH).' },
  { name: 'history', type: 'string', group: 'extra', description: 'Zeek history letters (upper case = originator).' },
  { name: 'end_reason', type: 'category', group: 'extra', description: 'Why the flow ended: fin, rst, idle, active (timeout) or eof (end of input).' },
  { name: 'src_pkts', type: 'int', group: 'extra', unit: 'packets', description: 'Packets originator → responder.' },
  { name: 'dst_pkts', type: 'int', group: 'extra', unit: 'packets', description: 'Packets responder → originator.' },
  { name: 'src_ip_bytes', type: 'int', group: 'extra', unit: 'bytes', description: 'IP bytes (sum of IP total lengths) originator → responder (Zeek orig_ip_bytes).' },
  { name: 'dst_ip_bytes', type: 'int', group: 'extra', unit: 'bytes', description: 'IP bytes responder → originator (Zeek resp_ip_bytes).' },
  { name: 'vlan', type: 'int', group: 'extra', description: 'Outer 802.1Q VLAN id of the flow\'s first packet, 0 when untagged (not part of the flow key unless --vlan-key).' },
  { name: 'payload_inspected', type: 'bool', group: 'extra', description: 'True when a protocol analyzer read this flow\'s cleartext payload (content features are meaningful); false for encrypted or uninspected flows.' },
  { name: 'ip_version', type: 'int', group: 'extra', description: 'IP version of the flow: 4 or 6.' },
  { name: 'tunnel', type: 'category', group: 'extra', description: 'Tunnels the flow came through, outermost first, joined by ":" (ip, gre, gre-ppp, gre-eth, erspan1/2/3, vxlan, geneve, teredo; e.g. "vxlan:gre"); empty when none. The flow itself is the innermost connection.' },
  { name: 'tunnel_src', type: 'string', group: 'extra', description: 'Source address of the outermost tunnel header of the flow\'s first packet; empty when no tunnel.' },
  { name: 'tunnel_dst', type: 'string', group: 'extra', description: 'Destination address of the outermost tunnel header of the flow\'s first packet; empty when no tunnel.' },
];

/** The 41 KDD feature columns in KDD order (kddIndex 1..41). */
export const KDD_COLUMNS: readonly ColumnDef[] = KDD.map((c, i) => ({ ...c, kddIndex: i + 1 }));

/** Every flow dataset column, in output order. */
export const FLOW_COLUMNS: readonly ColumnDef[] = [...IDENTITY, ...KDD_COLUMNS, ...EXTRAS];

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
