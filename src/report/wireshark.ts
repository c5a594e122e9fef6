/**
 * Wireshark display filters for flows and incidents.
 *
 * A flow's filter is Wireshark's own conversation filter (both addresses and both ports, as
 * "Conversation Filter → TCP" writes it), so it selects that connection and not every flow sharing
 * one port. ICMP flows have no ports: the filter names both addresses, the ICMP type (with its
 * reply type for echo-like messages) and code, and the flow's time span, since the flow rows do not
 * carry the echo identifier.
 */

export interface FlowIdentity {
  src_ip?: string;
  dst_ip?: string;
  src_port?: number;
  dst_port?: number;
  proto?: number;
  protocol_type?: string;
  ts?: number;
  duration?: number;
}

const addrField = (a: string): string => (a.includes(':') ? 'ipv6.addr' : 'ip.addr');

/** ICMP request/reply counterparts (v4 and v6), as the flow key pairs them. */
const ICMP_PAIR: Record<number, number> = { 8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 17: 18, 18: 17 };
const ICMP6_PAIR: Record<number, number> = { 128: 129, 129: 128, 133: 134, 134: 133, 135: 136, 136: 135 };

/** Transport of a record: 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'other'. */
export function transportOf(r: FlowIdentity): string {
  const p = r.proto;
  if (p === 6) return 'tcp';
  if (p === 17) return 'udp';
  if (p === 1) return 'icmp';
  if (p === 58) return 'icmpv6';
  if (p === undefined) {
    const t = r.protocol_type;
    if (t === 'icmp') return r.src_ip?.includes(':') ? 'icmpv6' : 'icmp';
    if (t === 'tcp' || t === 'udp') return t;
  }
  return 'other';
}

/** Epoch seconds printed for frame.time_epoch, widened by a microsecond so float rounding never drops an edge packet. */
function epoch(t: number, dir: -1 | 1): string {
  return (t + dir * 1e-6).toFixed(6);
}

export function timeBounds(first: number, last: number): string {
  return `frame.time_epoch >= ${epoch(first, -1)} && frame.time_epoch <= ${epoch(last, 1)}`;
}

const finite = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * A stored flow row's identity (a scores/anomalies record, as JSON or from the store): ts may be an
 * ISO string with microseconds, which Date.parse would cut to milliseconds.
 */
export function flowIdentity(row: Record<string, unknown>): FlowIdentity {
  const ts = typeof row.ts === 'string' ? Date.parse(row.ts) / 1000 + Number(`0.${/\.\d{3}(\d{3})/.exec(row.ts)?.[1] ?? '0'}`) / 1000 : finite(row.ts);
  return {
    src_ip: typeof row.src_ip === 'string' ? row.src_ip : undefined,
    dst_ip: typeof row.dst_ip === 'string' ? row.dst_ip : undefined,
    src_port: finite(row.src_port),
    dst_port: finite(row.dst_port),
    proto: finite(row.proto),
    protocol_type: typeof row.protocol_type === 'string' ? row.protocol_type : undefined,
    ts,
    duration: finite(row.duration),
  };
}

/** The display filter selecting one flow; undefined when the record has no addresses (KDD rows). */
export function flowFilter(r: FlowIdentity): string | undefined {
  if (!r.src_ip || !r.dst_ip) return undefined;
  const a = `${addrField(r.src_ip)}==${r.src_ip} && ${addrField(r.dst_ip)}==${r.dst_ip}`;
  const t = transportOf(r);
  if ((t === 'tcp' || t === 'udp') && r.src_port !== undefined && r.dst_port !== undefined) {
    return `${a} && ${t}.port==${r.src_port} && ${t}.port==${r.dst_port}`;
  }
  if (t === 'icmp' || t === 'icmpv6') {
    const parts = [a];
    if (r.src_port !== undefined) {
      const other = (t === 'icmp' ? ICMP_PAIR : ICMP6_PAIR)[r.src_port];
      parts.push(other === undefined ? `${t}.type==${r.src_port}` : `${t}.type in {${r.src_port}, ${other}}`);
      if (r.dst_port !== undefined) parts.push(`${t}.code==${r.dst_port}`);
    } else parts.push(t);
    if (r.ts !== undefined) parts.push(timeBounds(r.ts, r.ts + (r.duration ?? 0)));
    return parts.join(' && ');
  }
  return r.proto !== undefined ? `${a} && ip.proto==${r.proto}` : a;
}

/** `ip.addr in {…}` over a set of addresses of either family. */
export function addrSet(addrs: string[]): string {
  const v4 = addrs.filter((a) => !a.includes(':'));
  const v6 = addrs.filter((a) => a.includes(':'));
  const one = (field: string, xs: string[]): string => (xs.length === 1 ? `${field}==${xs[0]}` : `${field} in {${xs.join(', ')}}`);
  const parts = [...(v4.length ? [one('ip.addr', v4)] : []), ...(v6.length ? [one('ipv6.addr', v6)] : [])];
  return parts.length > 1 ? `(${parts.join(' || ')})` : parts[0] ?? '';
}
