/**
 * The flow filters shared by /api/v1/flows, /anomalies, /flows.csv and the explorer page's URL:
 * query parameters → a parameterised SQL condition over the scores / anomalies view.
 *
 *   from, to          time range [from, to): ISO-8601 or epoch seconds
 *   addr, src, dst    an IP or a CIDR (addr: either end)          port, src_port, dst_port
 *   service, flag, proto (tcp | udp | icmp | a protocol number), conn_state, label, category
 *   cluster, severity, incident, uid, community_id             min_score, max_score, anomaly=1|0
 *
 * A value with a leading `!` excludes (service=!http); a parameter given several times is an OR
 * of its included values, AND NOT each excluded one. Values are always $n parameters, never
 * spliced into the SQL. DuckDB has no inet type offline, so a CIDR is compared as a range of
 * fixed-width hex strings ('4' + 8 hex digits, '6' + 32) made by the fs_iphex macro (ipMacros).
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { Param } from '../store/index.ts';
import { badRequest } from './errors.ts';

type Kind = 'string' | 'int' | 'ip' | 'proto';

interface FieldSpec {
  param: string;
  kind: Kind;
  /** Columns it matches (several = either of them). */
  columns: string[];
}

export const FILTER_FIELDS: readonly FieldSpec[] = [
  { param: 'addr', kind: 'ip', columns: ['src_ip', 'dst_ip'] },
  { param: 'src', kind: 'ip', columns: ['src_ip'] },
  { param: 'dst', kind: 'ip', columns: ['dst_ip'] },
  { param: 'port', kind: 'int', columns: ['src_port', 'dst_port'] },
  { param: 'src_port', kind: 'int', columns: ['src_port'] },
  { param: 'dst_port', kind: 'int', columns: ['dst_port'] },
  { param: 'service', kind: 'string', columns: ['service'] },
  { param: 'flag', kind: 'string', columns: ['flag'] },
  { param: 'proto', kind: 'proto', columns: ['proto'] },
  { param: 'conn_state', kind: 'string', columns: ['conn_state'] },
  { param: 'label', kind: 'string', columns: ['label'] },
  { param: 'category', kind: 'string', columns: ['category'] },
  { param: 'cluster', kind: 'int', columns: ['cluster'] },
  { param: 'severity', kind: 'int', columns: ['severity'] },
  { param: 'incident', kind: 'string', columns: ['incident_id'] },
  { param: 'uid', kind: 'string', columns: ['uid'] },
  { param: 'community_id', kind: 'string', columns: ['community_id'] },
];

/** Every query parameter the flow lists understand (filters, paging, columns). */
export const FLOW_QUERY_PARAMS = [...FILTER_FIELDS.map((f) => f.param), 'from', 'to', 'min_score', 'max_score', 'anomaly', 'after', 'limit', 'sort', 'columns', 'analysis'] as const;

/** DuckDB macros turning an address string into its comparable hex form (created once per store). */
export const IP_MACROS = [
  `CREATE OR REPLACE MACRO fs_ip6groups(s) AS CASE WHEN contains(s, '::') THEN list_concat(
     CASE WHEN split_part(s, '::', 1) = '' THEN []::VARCHAR[] ELSE string_split(split_part(s, '::', 1), ':') END,
     list_transform(range(8 - (CASE WHEN split_part(s, '::', 1) = '' THEN 0 ELSE len(string_split(split_part(s, '::', 1), ':')) END)
                             - (CASE WHEN split_part(s, '::', 2) = '' THEN 0 ELSE len(string_split(split_part(s, '::', 2), ':')) END)), x -> '0'),
     CASE WHEN split_part(s, '::', 2) = '' THEN []::VARCHAR[] ELSE string_split(split_part(s, '::', 2), ':') END)
   ELSE string_split(s, ':') END`,
  `CREATE OR REPLACE MACRO fs_iphex(s) AS CASE
     WHEN s IS NULL OR s = '' THEN NULL
     WHEN contains(s, ':') THEN '6' || array_to_string(list_transform(fs_ip6groups(lower(s)), g -> lpad(g, 4, '0')), '')
     ELSE '4' || printf('%02x%02x%02x%02x', TRY_CAST(split_part(s, '.', 1) AS INTEGER), TRY_CAST(split_part(s, '.', 2) AS INTEGER),
                         TRY_CAST(split_part(s, '.', 3) AS INTEGER), TRY_CAST(split_part(s, '.', 4) AS INTEGER)) END`,
];

/** A table (uid, src_ip, dst_ip) with fs_iphex of each flow's addresses, made beside a loaded scores table. */
export const IP_HEX_TABLE = '_fs_ip_hex';

const PROTO_NUM: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, icmpv6: 58, 'ipv6-icmp': 58, gre: 47, sctp: 132 };

/** An address range: version, and the lowest / highest address as fixed-width hex with the version prefix. */
export interface IpRange {
  version: 4 | 6;
  lo: string;
  hi: string;
  /** A single address (a /32 or /128): compared as text when IPv4. */
  exact?: string;
  /** IPv4: the whole octets the prefix fixes, as text with the trailing dot ("10.1."), when any. */
  textPrefix?: string;
}

function v6Bits(addr: string): bigint {
  let a = addr.toLowerCase();
  // an embedded IPv4 tail (::ffff:10.0.0.1) as two hex groups
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (v4) {
    const n = v4Num(v4[1]!);
    a = a.slice(0, v4.index) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [l, r] = a.includes('::') ? a.split('::') as [string, string] : [a, undefined];
  const left = l ? l.split(':') : [];
  const right = r === undefined ? [] : r ? r.split(':') : [];
  const groups = r === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  let x = 0n;
  for (const g of groups) x = (x << 16n) | BigInt(parseInt(g || '0', 16));
  return x;
}

function hexToDotted(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function v4Num(a: string): number {
  return a.split('.').reduce((n, o) => n * 256 + Number(o), 0) >>> 0;
}

/** Parse "10.0.0.0/8", "10.1.2.3", "2001:db8::/32" into a range; undefined when not an address. */
export function parseCidr(text: string): IpRange | undefined {
  const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(text.trim());
  if (!m) return undefined;
  const addr = m[1]!;
  const bits = m[2] === undefined ? undefined : Number(m[2]);
  if (isIPv4(addr)) {
    const len = bits ?? 32;
    if (len > 32) return undefined;
    const n = v4Num(addr);
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    const lo = (n & mask) >>> 0;
    const hi = (lo | (~mask >>> 0)) >>> 0;
    const hex = (x: number): string => '4' + x.toString(16).padStart(8, '0');
    const whole = Math.floor(len / 8);
    const textPrefix = whole > 0 && whole < 4 ? hexToDotted(lo).split('.').slice(0, whole).join('.') + '.' : undefined;
    return { version: 4, lo: hex(lo), hi: hex(hi), exact: len === 32 ? addr : undefined, textPrefix };
  }
  if (isIPv6(addr)) {
    const len = bits ?? 128;
    if (len > 128) return undefined;
    const n = v6Bits(addr);
    const host = len === 128 ? 0n : (1n << BigInt(128 - len)) - 1n;
    const lo = n & ~host & ((1n << 128n) - 1n);
    const hi = lo | host;
    const hex = (x: bigint): string => '6' + x.toString(16).padStart(32, '0');
    return { version: 6, lo: hex(lo), hi: hex(hi) };
  }
  return undefined;
}

/** Sort orders of the lists: by time (the explorer) or by score, most anomalous first. */
export type SortKey = 'ts' | 'score';

export interface Cursor {
  sort: SortKey;
  /** ts (ISO) or anomaly_score. */
  key: string | number;
  uid: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.sort, c.key, c.uid])).toString('base64url');
}

export function decodeCursor(s: string, sort: SortKey): Cursor {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
  } catch {
    v = undefined;
  }
  if (!Array.isArray(v) || v.length !== 3 || typeof v[2] !== 'string' || (v[0] !== 'ts' && v[0] !== 'score')) {
    throw badRequest(`after: not a cursor from this API (use the "next" value of the previous page)`, 'bad_cursor');
  }
  if (v[0] !== sort) throw badRequest(`after: the cursor is for sort=${v[0]}, this request sorts by ${sort}`, 'bad_cursor');
  if (sort === 'ts' ? typeof v[1] !== 'string' : typeof v[1] !== 'number') throw badRequest('after: malformed cursor', 'bad_cursor');
  return { sort, key: v[1] as string | number, uid: v[2] };
}

/** Query parameters as name → every value given (repeated parameters kept). */
export type QueryValues = Record<string, string[]>;

export function queryValues(url: string | URL): QueryValues {
  const out: QueryValues = {};
  for (const [k, v] of new URL(url, 'http://x').searchParams) (out[k] ??= []).push(v);
  return out;
}

export function parseTime(param: string, v: string): string {
  const s = v.trim();
  if (/^-?\d+(\.\d+)?$/.test(s)) {
    const ms = Number(s) * 1000;
    const d = new Date(ms);
    if (!Number.isNaN(d.getTime())) return isoMicros(Number(s));
  } else if (/^\d{4}-\d\d-\d\d/.test(s) && !Number.isNaN(Date.parse(s))) {
    return s;
  }
  throw badRequest(`${param}: expected an ISO-8601 time (2023-11-14T22:13:20Z) or epoch seconds, got ${JSON.stringify(v)}`, 'bad_filter');
}

/** Epoch seconds → ISO-8601 with microseconds (Date alone keeps milliseconds). */
function isoMicros(sec: number): string {
  const whole = Math.floor(sec);
  const us = Math.round((sec - whole) * 1e6);
  const base = new Date((whole + Math.floor(us / 1e6)) * 1000).toISOString().slice(0, 19);
  return `${base}.${String(us % 1e6).padStart(6, '0')}Z`;
}

function parseNumber(param: string, v: string, int: boolean): number {
  const s = v.trim();
  const n = Number(s);
  if (s === '' || !Number.isFinite(n) || (int && !Number.isInteger(n))) {
    throw badRequest(`${param}: expected ${int ? 'an integer' : 'a number'}, got ${JSON.stringify(v)}`, 'bad_filter');
  }
  return n;
}

export interface FlowQuery {
  /** SQL condition (`true` when no filter). */
  where: string;
  params: Param[];
  sort: SortKey;
  after?: Cursor;
  limit: number;
  /** Columns asked for (validated against the view), or undefined for the default set. */
  columns?: string[];
}

export interface ParseOptions {
  /** The view's columns: a filter on a column it lacks is a 400 naming the parameter. */
  columns: readonly string[];
  defaultSort: SortKey;
  defaultLimit: number;
  maxLimit: number;
  /** Extra parameters the route understands (not filters). */
  extra?: readonly string[];
  /** IP_HEX_TABLE exists (CIDR filters read it instead of computing the hex form). */
  ipHex?: boolean;
}

/** Parse the filter, paging and column parameters; 400 naming the parameter for anything wrong. */
export function parseFlowQuery(q: QueryValues, opts: ParseOptions): FlowQuery {
  const have = new Set(opts.columns);
  const known = new Set<string>([...FLOW_QUERY_PARAMS, ...(opts.extra ?? [])]);
  for (const k of Object.keys(q)) {
    if (!known.has(k)) throw badRequest(`unknown query parameter ${JSON.stringify(k)} (known: ${[...FLOW_QUERY_PARAMS].join(', ')})`, 'unknown_parameter');
  }
  const params: Param[] = [];
  const p = (v: Param): string => {
    params.push(v);
    return `$${params.length}`;
  };
  const conds: string[] = [];
  const need = (param: string, cols: string[]): void => {
    const miss = cols.filter((c) => !have.has(c));
    if (miss.length) throw badRequest(`${param}: this analysis has no ${miss.join(', ')} column`, 'bad_filter');
  };
  for (const f of FILTER_FIELDS) {
    const values = q[f.param];
    if (!values || values.length === 0) continue;
    need(f.param, f.columns);
    const inc: string[] = [];
    const exc: string[] = [];
    for (const raw of values) {
      const neg = raw.startsWith('!');
      const v = neg ? raw.slice(1) : raw;
      if (v === '') throw badRequest(`${f.param}: empty value`, 'bad_filter');
      const one = match(f, v, p, opts.ipHex === true);
      (neg ? exc : inc).push(one);
    }
    if (inc.length) conds.push(`(${inc.join(' OR ')})`);
    for (const e of exc) conds.push(`NOT coalesce(${e}, false)`);
  }
  const last = (k: string): string | undefined => q[k]?.[q[k]!.length - 1];
  const from = last('from');
  const to = last('to');
  if (from !== undefined || to !== undefined) need('from/to', ['ts']);
  if (from !== undefined) conds.push(`ts >= ${p(parseTime('from', from))}::TIMESTAMPTZ`);
  if (to !== undefined) conds.push(`ts < ${p(parseTime('to', to))}::TIMESTAMPTZ`);
  const minS = last('min_score');
  const maxS = last('max_score');
  if (minS !== undefined || maxS !== undefined) need('min_score/max_score', ['anomaly_score']);
  if (minS !== undefined) conds.push(`anomaly_score >= ${p(parseNumber('min_score', minS, false))}`);
  if (maxS !== undefined) conds.push(`anomaly_score <= ${p(parseNumber('max_score', maxS, false))}`);
  const an = last('anomaly');
  if (an !== undefined) {
    need('anomaly', ['is_anomaly']);
    if (!['1', '0', 'true', 'false'].includes(an)) throw badRequest(`anomaly: expected 1 or 0, got ${JSON.stringify(an)}`, 'bad_filter');
    conds.push(`is_anomaly = ${p(an === '1' || an === 'true')}`);
  }
  const sortText = last('sort') ?? opts.defaultSort;
  if (sortText !== 'ts' && sortText !== 'score') throw badRequest(`sort: expected ts or score, got ${JSON.stringify(sortText)}`, 'bad_filter');
  const sort = sortText as SortKey;
  const limitText = last('limit');
  const limit = limitText === undefined ? opts.defaultLimit : parseNumber('limit', limitText, true);
  if (limit < 1 || limit > opts.maxLimit) throw badRequest(`limit: expected 1–${opts.maxLimit}, got ${limitText}`, 'bad_filter');
  const afterText = last('after');
  const after = afterText ? decodeCursor(afterText, sort) : undefined;
  let columns: string[] | undefined;
  const colText = q.columns?.join(',');
  if (colText !== undefined && colText.trim() !== '') {
    columns = [...new Set(colText.split(',').map((s) => s.trim()).filter(Boolean))];
    const bad = columns.filter((c) => !have.has(c));
    if (bad.length) throw badRequest(`columns: no column ${bad.map((b) => JSON.stringify(b)).join(', ')} in this analysis (columns: ${opts.columns.join(', ')})`, 'bad_filter');
  }
  return { where: conds.length ? conds.join(' AND ') : 'true', params, sort, after, limit, columns };
}

function match(f: FieldSpec, v: string, p: (v: Param) => string, ipHex: boolean): string {
  const q = (c: string): string => `"${c}"`;
  switch (f.kind) {
    case 'string': {
      const x = p(v);
      return f.columns.map((c) => `${q(c)} = ${x}`).join(' OR ');
    }
    case 'int': {
      const n = parseNumber(f.param, v, true);
      const x = p(n);
      return '(' + f.columns.map((c) => `${q(c)} = ${x}`).join(' OR ') + ')';
    }
    case 'proto': {
      const n = /^\d+$/.test(v) ? Number(v) : PROTO_NUM[v.toLowerCase()];
      if (n === undefined) throw badRequest(`proto: expected tcp, udp, icmp, icmpv6 or a protocol number, got ${JSON.stringify(v)}`, 'bad_filter');
      return `"proto" = ${p(n)}`;
    }
    case 'ip': {
      const r = parseCidr(v);
      if (!r) throw badRequest(`${f.param}: expected an IP address or CIDR (10.0.0.0/8, 2001:db8::/32), got ${JSON.stringify(v)}`, 'bad_filter');
      if (r.exact) {
        const x = p(r.exact);
        return '(' + f.columns.map((c) => `${q(c)} = ${x}`).join(' OR ') + ')';
      }
      const lo = p(r.lo);
      const hi = p(r.hi);
      // the octets the prefix fixes as text first: a cheap test that spares most rows the hex form
      if (ipHex) return `uid IN (SELECT uid FROM "${IP_HEX_TABLE}" WHERE ${f.columns.map((c) => `${q(c)} BETWEEN ${lo} AND ${hi}`).join(' OR ')})`;
      const pre = r.textPrefix ? p(r.textPrefix) : undefined;
      return '(' + f.columns.map((c) => `(${pre ? `starts_with(${q(c)}, ${pre}) AND ` : ''}fs_iphex(${q(c)}) BETWEEN ${lo} AND ${hi})`).join(' OR ') + ')';
    }
  }
}

/** The keyset condition, ORDER BY and parameters of a page (the filter's parameters, then the cursor's). */
export function pageSql(fq: FlowQuery): { cond: string; order: string; params: Param[] } {
  const params = [...fq.params];
  const p = (v: Param): string => {
    params.push(v);
    return `$${params.length}`;
  };
  if (fq.sort === 'ts') {
    const order = 'ts, uid';
    if (!fq.after) return { cond: fq.where, order, params };
    const t = p(fq.after.key as string);
    const u = p(fq.after.uid);
    return { cond: `${fq.where} AND (ts > ${t}::TIMESTAMPTZ OR (ts = ${t}::TIMESTAMPTZ AND uid > ${u}))`, order, params };
  }
  const order = 'anomaly_score DESC, uid';
  if (!fq.after) return { cond: fq.where, order, params };
  const s = p(fq.after.key as number);
  const u = p(fq.after.uid);
  return { cond: `${fq.where} AND (anomaly_score < ${s} OR (anomaly_score = ${s} AND uid > ${u}))`, order, params };
}

/**
 * The explorer's click-to-filter links: `search` with `param=value` included (or `!value` excluded),
 * replacing the opposite choice for the same value and dropping the page cursor.
 */
export function withFilter(search: URLSearchParams, param: string, value: string, mode: 'include' | 'exclude' | 'only' = 'include'): URLSearchParams {
  const out = new URLSearchParams();
  for (const [k, v] of search) {
    if (k === 'after') continue;
    if (k === param && (mode === 'only' || v === value || v === '!' + value)) continue;
    out.append(k, v);
  }
  out.append(param, mode === 'exclude' ? '!' + value : value);
  return out;
}
