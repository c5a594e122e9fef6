/**
 * KDD `service`: one of the 70 NSL-KDD service names, always (the output domain is the NSL-KDD ARFF
 * vocabulary).
 *
 * Rules (ours, documented; KDD's own `private`/`other` split cannot be reproduced exactly):
 *
 * | protocol | rule |
 * |---|---|
 * | TCP | originator or responder port 20 → `ftp_data` (active FTP data is opened *from* port 20); else the responder port in TCP_PORTS below (IANA assignments under their KDD names, e.g. 80/8008/8080 http, 443 http_443, 6000–6063 X11, 6665–6669/6697/194/529 IRC) |
 * | UDP | responder port 53 → `domain_u`, 69 → `tftp_u`, 123 → `ntp_u` (the only UDP names in NSL-KDD) |
 * | TCP/UDP, port not in the table | 49152–65535 (IANA dynamic/ephemeral) → `private`; 1024–49151 → `other` when IANA-registered to a well-known non-KDD service (OTHER_REGISTERED: mysql 3306, rdp 3389, postgres 5432, …), else `private` (KDD uses `private` broadly, e.g. SYN floods to unassigned ports); 0–1023 (well-known, nearly all IANA-assigned to services outside the 70) → `other` |
 * | ICMP / ICMPv6 | first packet's type/code: echo request (8 / v6 128) → `eco_i`; echo reply (0 / v6 129) → `ecr_i`; destination unreachable (3 / v6 1) with port or protocol unreachable (v4 codes 2, 3; v6 code 4) → `urp_i`, with any other code → `urh_i`; time exceeded (11 / v6 3) → `tim_i`; redirect (5 / v6 137) → `red_i`; anything else → `other` |
 * | other IP protocols | `other` |
 *
 * Never produced: `harvest` and `pm_dump` (no IANA port is known for them); the `*_i` names only come from ICMP.
 */

/** The 70 NSL-KDD service names (ARFF order, case as in the data). */
export const KDD_SERVICES = [
  'aol', 'auth', 'bgp', 'courier', 'csnet_ns', 'ctf', 'daytime', 'discard', 'domain', 'domain_u', 'echo',
  'eco_i', 'ecr_i', 'efs', 'exec', 'finger', 'ftp', 'ftp_data', 'gopher', 'harvest', 'hostnames', 'http',
  'http_2784', 'http_443', 'http_8001', 'imap4', 'IRC', 'iso_tsap', 'klogin', 'kshell', 'ldap', 'link',
  'login', 'mtp', 'name', 'netbios_dgm', 'netbios_ns', 'netbios_ssn', 'netstat', 'nnsp', 'nntp', 'ntp_u',
  'other', 'pm_dump', 'pop_2', 'pop_3', 'printer', 'private', 'red_i', 'remote_job', 'rje', 'shell', 'smtp',
  'sql_net', 'ssh', 'sunrpc', 'supdup', 'systat', 'telnet', 'tftp_u', 'tim_i', 'time', 'urh_i', 'urp_i',
  'uucp', 'uucp_path', 'vmnet', 'whois', 'X11', 'Z39_50',
] as const;

export type KddService = (typeof KDD_SERVICES)[number];

/** Service name → index 0..69 (compact keys for the window counters). */
export const SERVICE_INDEX: ReadonlyMap<string, number> = new Map(KDD_SERVICES.map((s, i) => [s, i]));

/** TCP responder port → KDD service (IANA assignment, KDD's name). */
export const TCP_PORTS: Readonly<Record<number, KddService>> = {
  5: 'rje', 7: 'echo', 9: 'discard', 11: 'systat', 13: 'daytime', 15: 'netstat', 21: 'ftp', 22: 'ssh',
  23: 'telnet', 25: 'smtp', 37: 'time', 42: 'name', 43: 'whois', 53: 'domain', 57: 'mtp', 70: 'gopher',
  71: 'remote_job', 72: 'remote_job', 73: 'remote_job', 74: 'remote_job', 79: 'finger', 80: 'http',
  84: 'ctf', 95: 'supdup', 101: 'hostnames', 102: 'iso_tsap', 105: 'csnet_ns', 109: 'pop_2', 110: 'pop_3',
  111: 'sunrpc', 113: 'auth', 117: 'uucp_path', 119: 'nntp', 137: 'netbios_ns', 138: 'netbios_dgm',
  139: 'netbios_ssn', 143: 'imap4', 150: 'sql_net', 175: 'vmnet', 179: 'bgp', 194: 'IRC', 210: 'Z39_50',
  245: 'link', 389: 'ldap', 433: 'nnsp', 443: 'http_443', 512: 'exec', 513: 'login', 514: 'shell',
  515: 'printer', 520: 'efs', 529: 'IRC', 530: 'courier', 540: 'uucp', 543: 'klogin', 544: 'kshell',
  993: 'imap4', 2784: 'http_2784', 5190: 'aol', 6665: 'IRC', 6666: 'IRC', 6667: 'IRC', 6668: 'IRC',
  6669: 'IRC', 6697: 'IRC', 8001: 'http_8001', 8008: 'http', 8080: 'http',
};
for (let p = 6000; p <= 6063; p++) (TCP_PORTS as Record<number, KddService>)[p] = 'X11';

/** UDP responder port → KDD service (NSL-KDD has only these UDP names besides private/other). */
export const UDP_PORTS: Readonly<Record<number, KddService>> = { 53: 'domain_u', 69: 'tftp_u', 123: 'ntp_u' };

/**
 * Registered ports (1024–49151) of well-known services outside KDD's vocabulary → `other` (IANA
 * service-names registry); unlisted registered ports → `private`.
 */
export const OTHER_REGISTERED: ReadonlySet<number> = new Set([
  1080, 1194, 1433, 1434, 1521, 1701, 1723, 1812, 1813, 1883, 1900, 2049, 2375, 2376, 3128, 3268, 3306,
  3389, 3478, 3702, 4500, 5060, 5061, 5222, 5353, 5355, 5432, 5671, 5672, 5900, 5901, 5985, 5986, 6379,
  6443, 8443, 8883, 9092, 9200, 9418, 11211, 27017,
]);

/** First port of IANA's dynamic/private range. */
export const DYNAMIC_PORT_MIN = 49152;

function unlistedPort(port: number): KddService {
  if (port >= DYNAMIC_PORT_MIN) return 'private';
  if (port >= 1024) return OTHER_REGISTERED.has(port) ? 'other' : 'private';
  return 'other';
}

/** Service of a TCP connection from its originator (src) and responder (dst) ports. */
export function tcpService(srcPort: number, dstPort: number): KddService {
  if (dstPort === 20 || srcPort === 20) return 'ftp_data';
  return TCP_PORTS[dstPort] ?? unlistedPort(dstPort);
}

/** Service of a UDP flow from its responder port. */
export function udpService(dstPort: number): KddService {
  return UDP_PORTS[dstPort] ?? unlistedPort(dstPort);
}

/** Service of an ICMP (proto 1) or ICMPv6 (proto 58) flow from its first packet's type and code. */
export function icmpService(proto: number, type: number, code: number): KddService {
  if (proto === 58) {
    switch (type) {
      case 128: return 'eco_i';
      case 129: return 'ecr_i';
      case 1: return code === 4 ? 'urp_i' : 'urh_i';
      case 3: return 'tim_i';
      case 137: return 'red_i';
      default: return 'other';
    }
  }
  switch (type) {
    case 8: return 'eco_i';
    case 0: return 'ecr_i';
    case 3: return code === 2 || code === 3 ? 'urp_i' : 'urh_i';
    case 11: return 'tim_i';
    case 5: return 'red_i';
    default: return 'other';
  }
}

/** KDD service of a flow. ICMP flows use icmpType/icmpCode (falling back to the Zeek-style ports). */
export function flowService(f: {
  protocolType: string; proto: number; srcPort: number; dstPort: number; icmpType: number; icmpCode: number;
}): KddService {
  switch (f.protocolType) {
    case 'tcp': return tcpService(f.srcPort, f.dstPort);
    case 'udp': return udpService(f.dstPort);
    case 'icmp': {
      const type = f.icmpType >= 0 ? f.icmpType : f.srcPort;
      const code = f.icmpType >= 0 ? f.icmpCode : f.dstPort;
      return icmpService(f.proto, type, code);
    }
    default: return 'other';
  }
}

/**
 * The service rules as markdown for the README (rendered from the tables above, so the docs cannot
 * drift from the code).
 */
export function renderServiceRules(): string {
  const byName = new Map<string, number[]>();
  for (const [port, name] of Object.entries(TCP_PORTS)) {
    if (!byName.has(name)) byName.set(name, []);
    byName.get(name)!.push(Number(port));
  }
  const ranges = (ports: number[]): string => {
    const out: string[] = [];
    for (let i = 0; i < ports.length; i++) {
      let j = i;
      while (j + 1 < ports.length && ports[j + 1] === ports[j]! + 1) j++;
      out.push(j > i + 1 ? `${ports[i]}–${ports[j]}` : j === i + 1 ? `${ports[i]}, ${ports[j]}` : `${ports[i]}`);
      i = j;
    }
    return out.join(', ');
  };
  const tcp = [...byName].sort((a, b) => a[1][0]! - b[1][0]!).map(([n, p]) => `${n} ${ranges(p.sort((x, y) => x - y))}`).join(' · ');
  const udp = Object.entries(UDP_PORTS).map(([p, n]) => `${n} ${p}`).join(' · ');
  return [
    '| protocol | rule |',
    '|---|---|',
    '| TCP | originator or responder port 20 → `ftp_data`; else by responder port: ' + tcp + ' |',
    '| UDP | by responder port: ' + udp + ' |',
    `| TCP/UDP, port not listed | ${DYNAMIC_PORT_MIN}–65535 → \`private\`; 1024–${DYNAMIC_PORT_MIN - 1} → \`other\` for registered non-KDD services (${[...OTHER_REGISTERED].join(', ')}), else \`private\`; 0–1023 → \`other\` |`,
    '| ICMP | first packet: echo request (v6 128) `eco_i`; echo reply (v6 129) `ecr_i`; unreachable (v6 1) port/protocol (v4 codes 2, 3; v6 code 4) `urp_i`, other codes `urh_i`; time exceeded (v6 3) `tim_i`; redirect (v6 137) `red_i`; else `other` |',
    '| other IP protocols | `other` |',
    '',
  ].join('\n');
}
