/**
 * The values of a ground-truth file (src/dataset/labels.ts): IPv4/IPv6 addresses and networks
 * (IPv4-mapped IPv6 as IPv4), port ranges, protocol names or numbers, and times — epoch seconds or
 * ISO 8601, naive times in a fixed offset or an IANA time zone.
 */
import { isIP } from 'node:net';
import { UsageError } from '../errors.ts';

// ---------------------------------------------------------------------------------------------
// addresses

export interface Ip {
  v: 4 | 6;
  /** v4: unsigned 32-bit number; v6: 128-bit bigint. */
  n: number | bigint;
}

export interface Net {
  v: 4 | 6;
  bits: number;
  /** Network address, already masked. */
  n: number | bigint;
  text: string;
}

function parseIpv6(s: string): bigint | null {
  let text = s;
  const pct = text.indexOf('%');
  if (pct >= 0) text = text.slice(0, pct);
  let tail: number[] = [];
  // embedded IPv4 (::ffff:1.2.3.4)
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) >= 0) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (v4 === null) return null;
    tail = [(v4 >>> 16) & 0xffff, v4 & 0xffff];
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...new Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  if (tail.length) n = (n & ~0xffffffffn) | (BigInt(tail[0]!) << 16n) | BigInt(tail[1]!);
  return n;
}

function parseIpv4(s: string): number | null {
  const p = s.split('.');
  if (p.length !== 4) return null;
  let n = 0;
  for (const x of p) {
    if (!/^\d{1,3}$/.test(x)) return null;
    const v = Number(x);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

const V4_MAPPED = 0xffffn << 32n;

/** Parse an address; IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes IPv4. Null when not an address. */
export function parseIp(s: string): Ip | null {
  const kind = isIP(s.includes('%') ? s.slice(0, s.indexOf('%')) : s);
  if (kind === 4) return { v: 4, n: parseIpv4(s)! };
  if (kind === 6) {
    const n = parseIpv6(s);
    if (n === null) return null;
    if (n >> 32n === 0xffffn && (n & ~0xffffffffn) === V4_MAPPED) return { v: 4, n: Number(n & 0xffffffffn) };
    return { v: 6, n };
  }
  return null;
}

export function maskNet(ip: Ip, bits: number): number | bigint {
  if (ip.v === 4) {
    if (bits === 0) return 0;
    return bits === 32 ? (ip.n as number) : Math.floor((ip.n as number) / 2 ** (32 - bits));
  }
  return bits === 0 ? 0n : (ip.n as bigint) >> BigInt(128 - bits);
}

export function parseNet(s: string): Net | null {
  const slash = s.indexOf('/');
  const addr = slash >= 0 ? s.slice(0, slash) : s;
  const ip = parseIp(addr);
  if (!ip) return null;
  const max = ip.v === 4 ? 32 : 128;
  let bits = max;
  if (slash >= 0) {
    const b = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(b)) return null;
    bits = Number(b);
    // an IPv4-mapped prefix written in IPv6 notation: ::ffff:10.0.0.0/104 → 10.0.0.0/8
    if (ip.v === 4 && addr.includes(':')) bits -= 96;
    if (bits < 0 || bits > max) return null;
  }
  return { v: ip.v, bits, n: maskNet(ip, bits), text: s };
}

export function netContains(net: Net, ip: Ip): boolean {
  return net.v === ip.v && maskNet(ip, net.bits) === net.n;
}

// ---------------------------------------------------------------------------------------------
// protocols, ports

const PROTO_BY_NAME: Record<string, number> = {
  icmp: 1, igmp: 2, tcp: 6, udp: 17, gre: 47, esp: 50, ah: 51, icmpv6: 58, 'ipv6-icmp': 58, icmp6: 58, sctp: 132,
};

/** IP protocol number of a name ('tcp') or number ('6'); null if neither. */
export function protoNumber(v: string | number | null | undefined): number | null {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v <= 255 ? v : null;
  if (v == null) return null;
  const s = String(v).trim().toLowerCase();
  if (/^\d{1,3}$/.test(s)) {
    const n = Number(s);
    return n <= 255 ? n : null;
  }
  return PROTO_BY_NAME[s] ?? null;
}

export function parsePortRange(s: string): [number, number] | null {
  const m = /^(\d{1,5})(?:\s*-\s*(\d{1,5}))?$/.exec(s);
  if (!m) return null;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (lo > 65535 || hi > 65535 || hi < lo) return null;
  return [lo, hi];
}

// ---------------------------------------------------------------------------------------------
// time

/** A time zone for naive times: a fixed offset (seconds east of UTC) or an IANA zone formatter. */
export type Zone = { fixed: number } | { dtf: Intl.DateTimeFormat; name: string };

/** Parse a time zone for naive times (LabelOptions.tz): 'UTC', 'Z', '±HH:MM', '±HHMM', '±HH' or an IANA zone name. */
export function parseZone(tz: string): Zone {
  const t = tz.trim();
  if (/^(utc|z|gmt)$/i.test(t)) return { fixed: 0 };
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(t);
  if (m) {
    const h = Number(m[2]);
    const mi = Number(m[3] ?? 0);
    if (h > 18 || mi > 59) throw new UsageError(`time zone ${tz}: offset out of range (expected ±HH:MM up to ±18:00)`, 'E_USAGE', 'tz');
    return { fixed: (m[1] === '-' ? -1 : 1) * (h * 3600 + mi * 60) };
  }
  try {
    const dtf = new Intl.DateTimeFormat('en-US', {
      timeZone: t, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    return { dtf, name: t };
  } catch {
    throw new UsageError(`time zone ${tz}: not an IANA time zone (e.g. America/New_York) or offset (e.g. +03:00)`, 'E_USAGE', 'tz');
  }
}

/** Offset (seconds, wall − UTC) of an IANA zone at a UTC instant (whole seconds). */
function zoneOffsetAt(dtf: Intl.DateTimeFormat, utcSec: number): number {
  const parts = dtf.formatToParts(new Date(utcSec * 1000));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'), get('second')) / 1000;
  return wall - utcSec;
}

/** UTC epoch seconds of a naive wall time (whole seconds) in a zone. */
function wallToUtc(wallSec: number, zone: Zone): number {
  if ('fixed' in zone) return wallSec - zone.fixed;
  const guess = wallSec - zoneOffsetAt(zone.dtf, wallSec);
  return wallSec - zoneOffsetAt(zone.dtf, guess);
}

/** A naive time without a zone to read it in: the fix is the `tz` option (LabelOptions.tz). */
export class NaiveTimeError extends Error {
  readonly option = 'tz';
}

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Epoch seconds of a time cell: epoch seconds ('1700000012.5'), ISO-8601 with an offset, or a naive
 * ISO time in `zone`. Throws a message (without location) when it is neither, or naive without zone.
 */
export function parseTime(s: string, zone: Zone | undefined): number {
  const t = s.trim();
  if (/^[+-]?\d+(\.\d+)?$/.test(t) && !/^\d{4}-/.test(t)) return Number(t);
  const m = ISO_RE.exec(t);
  if (!m) throw new Error(`expected epoch seconds or an ISO-8601 time, found ${JSON.stringify(s)}`);
  const [, y, mo, d, h = '0', mi = '0', sec = '0', frac, off] = m;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec)) / 1000;
  const f = frac ? Number('0.' + frac) : 0;
  if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 60) {
    throw new Error(`invalid date/time ${JSON.stringify(s)}`);
  }
  if (off) {
    if (off.toUpperCase() === 'Z') return wall + f;
    const om = /^([+-])(\d{2}):?(\d{2})?$/.exec(off)!;
    const offSec = (om[1] === '-' ? -1 : 1) * (Number(om[2]) * 3600 + Number(om[3] ?? 0) * 60);
    return wall - offSec + f;
  }
  if (!zone) {
    throw new NaiveTimeError(`naive time ${JSON.stringify(s)} has no UTC offset: add one (…Z, …+03:00) or give the time zone of naive times`);
  }
  return wallToUtc(wall, zone) + f;
}

// ---------------------------------------------------------------------------------------------
// flow identity from rows / flow records
