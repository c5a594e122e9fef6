/**
 * Ground-truth labeling of flows.
 *
 * Two kinds of truth file, told apart by their CSV header (never by the file name):
 *
 * 1. Rule files — one rule per row, any of the columns
 *      src_ip, dst_ip      address or CIDR (IPv4 or IPv6)
 *      src_port, dst_port  port or inclusive range `a-b`
 *      proto               tcp | udp | icmp | icmpv6 | <IP protocol number>
 *      start, end          the flow's START time must lie in [start, end]: epoch seconds, or ISO-8601
 *                          with an offset (`2023-11-14T22:13:30Z`, `…+03:00`); naive times
 *                          (`2023-11-14 22:13:30`) need `--labels-tz` (IANA zone or ±HH:MM) — they are
 *                          refused otherwise, because a silently assumed zone is exactly how
 *                          CIC-IDS2017's labels ended up hours off.
 *      label               required
 *      category            optional (else the KDD category of a KDD attack name, else empty)
 *      direction           optional: `forward` = only src→dst as written; empty/`both` = either direction
 *    An empty cell (or `*`) is a wildcard. The first matching rule wins; flows no rule matches get
 *    `--label-default` (normal). Rules are indexed (by address prefix, then by exact port) so a flow
 *    is checked only against the rules that can match it, not against every rule.
 *
 * 2. Per-flow truth files as written by flowsift's benchmark capture generator (header
 *    `flow_id,start_ts,proto,src_ip,src_port,dst_ip,dst_port,…,label,…`): a flow gets the label of
 *    the truth row with the same 5-tuple (either direction) whose start time is nearest to the
 *    flow's start, within `--label-tolerance` seconds (default 1 s).
 *
 * Every run yields a report: flows matched per rule (or per truth file), rules that matched nothing
 * (warnings), flows per label.
 */
import { InputError, UsageError } from '../errors.ts';
import { categoryFor } from './category.ts';
import { csvRecords } from './read.ts';
import type { Row } from './types.ts';
import type { FlowRecord } from '../flow/record.ts';
import { type Ip, type Net, NaiveTimeError, type Zone, maskNet, netContains, parseIp, parseNet, parsePortRange, parseTime, parseZone, protoNumber } from './label-values.ts';

export { parseIp, parseTime, parseZone, protoNumber, type Zone } from './label-values.ts';

// ---------------------------------------------------------------------------------------------
// public types

/** What a flow is matched on. `ts` = flow start, float epoch seconds. */
export interface FlowKey {
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  /** IP protocol number. */
  proto: number;
  ts: number;
}

export interface LabelOptions {
  /** Zone for naive times in rule files: IANA name ('Europe/Moscow'), 'UTC', or '±HH:MM'. */
  tz?: string;
  /** Label of flows no rule matches (default 'normal'). */
  defaultLabel?: string;
  /** Per-flow truth: max |truth start − flow start| in seconds (default 1). */
  tolerance?: number;
}

export interface LabelResult {
  label: string;
  category: string | null;
}

export interface RuleReport {
  /** 1-based rule number (data row), and its line in the file. */
  rule: number;
  line: number;
  label: string;
  category: string | null;
  /** The rule's conditions as written, e.g. "src_ip=10.0.0.0/8 dst_port=80". */
  match: string;
  flows: number;
}

export interface LabelReport {
  file: string;
  kind: 'rules' | 'per-flow';
  flows: number;
  /** Flows labeled from the truth file (the rest got the default). */
  matched: number;
  defaulted: number;
  defaultLabel: string;
  perLabel: Record<string, number>;
  /** Rule files: one entry per rule. */
  rules?: RuleReport[];
  /** Per-flow truth: rows in the file, rows that labeled at least one flow, unmatched rows per label. */
  truthRows?: number;
  truthMatched?: number;
  truthUnmatchedByLabel?: Record<string, number>;
  tolerance?: number;
  warnings: string[];
}

export interface Labeler {
  readonly kind: 'rules' | 'per-flow';
  /** Label one flow (counts it in the report). The result object must not be kept or modified. */
  classify(k: FlowKey): LabelResult;
  /** Set `label` and `category` on a dataset row that has the flow identity columns. */
  labelRow(row: Row): Row;
  /** Label a flow record straight from the flow engine. */
  labelFlow(f: FlowRecord): LabelResult;
  report(): LabelReport;
}

/** The flow identity of a dataset row (src_ip, dst_ip, src_port, dst_port, proto|protocol_type, ts|start_ts). */
export function flowKeyOfRow(row: Row, out: FlowKey): FlowKey | null {
  const src = row.src_ip;
  const dst = row.dst_ip;
  if (typeof src !== 'string' || typeof dst !== 'string') return null;
  out.srcIp = src;
  out.dstIp = dst;
  out.srcPort = Number(row.src_port ?? 0);
  out.dstPort = Number(row.dst_port ?? 0);
  out.proto = protoNumber(row.proto as string | number | null) ?? protoNumber(row.protocol_type as string | null) ?? 0;
  out.ts = Number(row.ts ?? row.start_ts ?? NaN);
  return out;
}

// ---------------------------------------------------------------------------------------------
// rules

interface Rule {
  index: number;
  line: number;
  src: Net | null;
  dst: Net | null;
  sport: [number, number] | null;
  dport: [number, number] | null;
  proto: number | null;
  start: number | null;
  end: number | null;
  forwardOnly: boolean;
  result: LabelResult;
  match: string;
  /** Flows this rule labeled. */
  hits: number;
}

const RULE_COLUMNS = ['src_ip', 'dst_ip', 'src_port', 'dst_port', 'proto', 'start', 'end', 'label', 'category', 'direction'];
const COLUMN_ALIASES: Record<string, string> = { protocol: 'proto', start_ts: 'start', end_ts: 'end', start_time: 'start', end_time: 'end' };
const PER_FLOW_REQUIRED = ['start_ts', 'proto', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'label'];

function ruleMatchesOneWay(r: Rule, sIp: Ip, dIp: Ip, sp: number, dp: number): boolean {
  if (r.src && !netContains(r.src, sIp)) return false;
  if (r.dst && !netContains(r.dst, dIp)) return false;
  if (r.sport && (sp < r.sport[0] || sp > r.sport[1])) return false;
  if (r.dport && (dp < r.dport[0] || dp > r.dport[1])) return false;
  return true;
}

function ruleMatches(r: Rule, k: FlowKey, sIp: Ip, dIp: Ip): boolean {
  if (r.proto !== null && r.proto !== k.proto) return false;
  if (r.start !== null && !(k.ts >= r.start)) return false;
  if (r.end !== null && !(k.ts <= r.end)) return false;
  if (ruleMatchesOneWay(r, sIp, dIp, k.srcPort, k.dstPort)) return true;
  return !r.forwardOnly && ruleMatchesOneWay(r, dIp, sIp, k.dstPort, k.srcPort);
}

/**
 * Candidate index: each rule is filed under ONE of its constraints (its src_ip prefix, else dst_ip
 * prefix, else an exact port, else "any"); a flow looks up its two addresses under every prefix
 * length in use and its two ports, so only rules that can match are evaluated.
 */
class RuleIndex {
  private readonly byPrefix = new Map<string, Rule[]>();
  private prefixes: Array<{ v: 4 | 6; bits: number }> = [];
  private readonly byPort = new Map<number, Rule[]>();
  private readonly any: Rule[] = [];

  add(r: Rule): void {
    const net = r.src ?? r.dst;
    if (net) {
      const key = `${net.v}/${net.bits}/${net.n}`;
      let list = this.byPrefix.get(key);
      if (!list) this.byPrefix.set(key, (list = []));
      list.push(r);
      if (!this.prefixes.some((p) => p.v === net.v && p.bits === net.bits)) this.prefixes.push({ v: net.v, bits: net.bits });
      return;
    }
    const port = r.dport && r.dport[0] === r.dport[1] ? r.dport[0] : r.sport && r.sport[0] === r.sport[1] ? r.sport[0] : -1;
    if (port >= 0) {
      let list = this.byPort.get(port);
      if (!list) this.byPort.set(port, (list = []));
      list.push(r);
      return;
    }
    this.any.push(r);
  }

  /** The first (lowest-index) rule matching the flow, or null. */
  first(k: FlowKey, sIp: Ip, dIp: Ip): Rule | null {
    let best: Rule | null = null;
    const consider = (list: Rule[] | undefined): void => {
      if (!list) return;
      for (const r of list) {
        if (best && r.index >= best.index) return; // lists are in rule order
        if (ruleMatches(r, k, sIp, dIp)) {
          best = r;
          return;
        }
      }
    };
    for (const p of this.prefixes) {
      if (p.v === sIp.v) consider(this.byPrefix.get(`${p.v}/${p.bits}/${maskNet(sIp, p.bits)}`));
      if (p.v === dIp.v) consider(this.byPrefix.get(`${p.v}/${p.bits}/${maskNet(dIp, p.bits)}`));
    }
    consider(this.byPort.get(k.srcPort));
    if (k.dstPort !== k.srcPort) consider(this.byPort.get(k.dstPort));
    consider(this.any);
    return best;
  }
}

// ---------------------------------------------------------------------------------------------
// loading

/** Read a truth file (rules or per-flow, detected from its header) and return a labeler. */
export async function loadLabels(path: string, opts: LabelOptions = {}): Promise<Labeler> {
  const zone = opts.tz !== undefined && opts.tz !== '' ? parseZone(opts.tz) : undefined;
  const defaultLabel = opts.defaultLabel ?? 'normal';
  const tolerance = opts.tolerance ?? 1;
  if (!(tolerance >= 0)) throw new UsageError(`truth time tolerance ${opts.tolerance}: expected seconds ≥ 0`, 'E_USAGE', 'tolerance');
  const it = csvRecords(path, { trim: true, code: 'E_LABELS_CSV' });
  const first = await it.next();
  if (first.done) throw new InputError('E_LABELS_EMPTY', path, undefined, 'empty ground-truth file (expected a CSV header line)');
  const header = first.value.rec.map((h) => h.trim().toLowerCase());
  const isPerFlow = header.includes('flow_id') && PER_FLOW_REQUIRED.every((c) => header.includes(c));
  if (isPerFlow) return loadPerFlow(path, header, it, defaultLabel, tolerance);
  return loadRules(path, header, it, zone, defaultLabel);
}

async function loadRules(
  path: string,
  rawHeader: string[],
  it: AsyncGenerator<{ rec: string[]; line: number }>,
  zone: Zone | undefined,
  defaultLabel: string,
): Promise<Labeler> {
  const header = rawHeader.map((h) => COLUMN_ALIASES[h] ?? h);
  const unknown = header.filter((h) => !RULE_COLUMNS.includes(h));
  if (unknown.length) {
    throw new InputError('E_LABELS_HEADER', path, undefined,
      `line 1: unknown column(s) ${unknown.join(', ')}; a rule file has any of ${RULE_COLUMNS.join(', ')} ` +
      `(a per-flow truth file has flow_id,start_ts,proto,src_ip,src_port,dst_ip,dst_port,…,label)`);
  }
  if (!header.includes('label')) throw new InputError('E_LABELS_HEADER', path, undefined, 'line 1: no "label" column');
  const col = (name: string): number => header.indexOf(name);
  const ci = Object.fromEntries(RULE_COLUMNS.map((c) => [c, col(c)])) as Record<string, number>;
  const rules: Rule[] = [];
  const index = new RuleIndex();
  for await (const { rec, line } of it) {
    const cell = (name: string): string => {
      const i = ci[name]!;
      const v = i >= 0 ? (rec[i] ?? '').trim() : '';
      return v === '*' ? '' : v;
    };
    const bad = (name: string, detail: string, option?: string): InputError =>
      new InputError('E_LABELS_RULE', path, undefined, `line ${line}, column ${name}: ${detail}`, option);
    const net = (name: string): Net | null => {
      const v = cell(name);
      if (!v) return null;
      const n = parseNet(v);
      if (!n) throw bad(name, `expected an IPv4/IPv6 address or CIDR, found ${JSON.stringify(v)}`);
      return n;
    };
    const ports = (name: string): [number, number] | null => {
      const v = cell(name);
      if (!v) return null;
      const p = parsePortRange(v);
      if (!p) throw bad(name, `expected a port 0-65535 or a range a-b, found ${JSON.stringify(v)}`);
      return p;
    };
    const time = (name: string): number | null => {
      const v = cell(name);
      if (!v) return null;
      try {
        return parseTime(v, zone);
      } catch (e) {
        throw bad(name, (e as Error).message, e instanceof NaiveTimeError ? e.option : undefined);
      }
    };
    const label = cell('label');
    if (!label) throw bad('label', 'empty label');
    const protoText = cell('proto');
    const proto = protoText ? protoNumber(protoText) : null;
    if (protoText && proto === null) throw bad('proto', `expected tcp, udp, icmp, icmpv6 or a protocol number, found ${JSON.stringify(protoText)}`);
    const dir = cell('direction').toLowerCase();
    if (dir && !['forward', 'both', 'either', 'any', 'bidirectional'].includes(dir)) {
      throw bad('direction', `expected "forward" or "both", found ${JSON.stringify(dir)}`);
    }
    const r: Rule = {
      index: rules.length,
      line,
      src: net('src_ip'),
      dst: net('dst_ip'),
      sport: ports('src_port'),
      dport: ports('dst_port'),
      proto,
      start: time('start'),
      end: time('end'),
      forwardOnly: dir === 'forward',
      result: { label, category: categoryFor(label, cell('category') || null) },
      match: RULE_COLUMNS.filter((c) => c !== 'label' && c !== 'category' && cell(c)).map((c) => `${c}=${cell(c)}`).join(' ') || '(any flow)',
      hits: 0,
    };
    if (r.start !== null && r.end !== null && r.end < r.start) throw bad('end', 'end is before start');
    rules.push(r);
    index.add(r);
  }
  return makeLabeler('rules', defaultLabel, (k) => {
    const sIp = parseIp(k.srcIp);
    const dIp = parseIp(k.dstIp);
    return sIp && dIp ? index.first(k, sIp, dIp) : null;
  }, (base) => ({
    ...base,
    file: path,
    rules: rules.map((r) => ({ rule: r.index + 1, line: r.line, label: r.result.label, category: r.result.category, match: r.match, flows: r.hits })),
    warnings: rules.filter((r) => r.hits === 0).map((r) => `${path}: rule ${r.index + 1} (line ${r.line}, ${r.match} → ${r.result.label}) matched no flow`),
  }));
}

type ReportBase = Pick<LabelReport, 'kind' | 'flows' | 'matched' | 'defaulted' | 'defaultLabel' | 'perLabel'>;

/** The counting and row/flow plumbing shared by both kinds of truth file. */
function makeLabeler(
  kind: 'rules' | 'per-flow',
  defaultLabel: string,
  find: (k: FlowKey) => { result: LabelResult; hits: number } | null,
  report: (base: ReportBase) => LabelReport,
): Labeler {
  const def: LabelResult = { label: defaultLabel, category: categoryFor(defaultLabel) };
  const perLabel = new Map<string, number>();
  let flows = 0;
  let matched = 0;
  const key: FlowKey = { srcIp: '', dstIp: '', srcPort: 0, dstPort: 0, proto: 0, ts: 0 };
  const classify = (k: FlowKey): LabelResult => {
    flows++;
    const hit = find(k);
    if (hit) {
      hit.hits++;
      matched++;
    }
    const res = hit ? hit.result : def;
    perLabel.set(res.label, (perLabel.get(res.label) ?? 0) + 1);
    return res;
  };
  return {
    kind,
    classify,
    labelRow: (row) => applyToRow(row, classify, key),
    labelFlow: (f) => classify(flowKeyOfRecord(f, key)),
    report: () => report({ kind, flows, matched, defaulted: flows - matched, defaultLabel, perLabel: Object.fromEntries(perLabel) }),
  };
}

function flowKeyOfRecord(f: FlowRecord, out: FlowKey): FlowKey {
  out.srcIp = f.srcIp;
  out.dstIp = f.dstIp;
  out.srcPort = f.srcPort;
  out.dstPort = f.dstPort;
  out.proto = f.proto;
  out.ts = f.startTs;
  return out;
}

function applyToRow(row: Row, classify: (k: FlowKey) => LabelResult, key: FlowKey): Row {
  if (!flowKeyOfRow(row, key)) {
    throw new UsageError('cannot label this dataset: its rows have no src_ip/dst_ip columns (KDD tables carry no addresses; label flows extracted by flowsift)');
  }
  const res = classify(key);
  row.label = res.label;
  row.category = res.category;
  return row;
}

// ---------------------------------------------------------------------------------------------
// per-flow truth

interface TruthEntry {
  start: number;
  result: LabelResult;
  hits: number;
}

function canonicalKey(proto: number, a: string, ap: number, b: string, bp: number): string {
  // Direction-agnostic: order the endpoints.
  const ea = `${a}|${ap}`;
  const eb = `${b}|${bp}`;
  return ea <= eb ? `${proto}|${ea}|${eb}` : `${proto}|${eb}|${ea}`;
}

/** Normalise an address's text so '::FFFF:10.0.0.1' and '10.0.0.1' key alike. */
function ipText(s: string): string {
  // dotted IPv4 as written (the common case, no parse); IPv6 text has many spellings
  if (s.indexOf(':') < 0) return s.trim();
  const ip = parseIp(s);
  if (!ip) return s;
  if (ip.v === 4) {
    const n = ip.n as number;
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  }
  return (ip.n as bigint).toString(16);
}

async function loadPerFlow(
  path: string,
  header: string[],
  it: AsyncGenerator<{ rec: string[]; line: number }>,
  defaultLabel: string,
  tolerance: number,
): Promise<Labeler> {
  const c = Object.fromEntries(PER_FLOW_REQUIRED.map((n) => [n, header.indexOf(n)])) as Record<string, number>;
  const catCol = header.indexOf('category');
  const byKey = new Map<string, TruthEntry[]>();
  const results = new Map<string, LabelResult>();
  let rows = 0;
  for await (const { rec, line } of it) {
    const bad = (detail: string): InputError => new InputError('E_LABELS_TRUTH', path, undefined, `line ${line}: ${detail}`);
    const start = Number(rec[c.start_ts!]);
    const proto = protoNumber(rec[c.proto!]);
    const sp = Number(rec[c.src_port!]);
    const dp = Number(rec[c.dst_port!]);
    if (!Number.isFinite(start)) throw bad(`start_ts: expected epoch seconds, found ${JSON.stringify(rec[c.start_ts!])}`);
    if (proto === null) throw bad(`proto: expected tcp/udp/icmp or a number, found ${JSON.stringify(rec[c.proto!])}`);
    if (!Number.isInteger(sp) || !Number.isInteger(dp)) throw bad('src_port/dst_port: expected integers');
    const label = (rec[c.label!] ?? '').trim();
    if (!label) throw bad('empty label');
    const cat = catCol >= 0 ? (rec[catCol] ?? '').trim() : '';
    const rk = `${label}\u0000${cat}`;
    let result = results.get(rk);
    if (!result) results.set(rk, (result = { label, category: categoryFor(label, cat || null) }));
    const key = canonicalKey(proto, ipText(rec[c.src_ip!] ?? ''), sp, ipText(rec[c.dst_ip!] ?? ''), dp);
    let list = byKey.get(key);
    if (!list) byKey.set(key, (list = []));
    list.push({ start, result, hits: 0 });
    rows++;
  }
  for (const list of byKey.values()) if (list.length > 1) list.sort((a, b) => a.start - b.start);
  return makeLabeler('per-flow', defaultLabel, (k) => {
    const list = byKey.get(canonicalKey(k.proto, ipText(k.srcIp), k.srcPort, ipText(k.dstIp), k.dstPort));
    if (!list) return null;
    // first entry with start ≥ ts − tolerance, then the nearest within the window
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid]!.start < k.ts - tolerance) lo = mid + 1;
      else hi = mid;
    }
    let best: TruthEntry | null = null;
    for (let i = lo; i < list.length && list[i]!.start <= k.ts + tolerance; i++) {
      if (!best || Math.abs(list[i]!.start - k.ts) < Math.abs(best.start - k.ts)) best = list[i]!;
    }
    return best;
  }, (base) => {
    let truthMatched = 0;
    const unmatched = new Map<string, number>();
    for (const list of byKey.values()) {
      for (const e of list) {
        if (e.hits > 0) truthMatched++;
        else unmatched.set(e.result.label, (unmatched.get(e.result.label) ?? 0) + 1);
      }
    }
    const warnings: string[] = [];
    if (rows - truthMatched > 0) {
      warnings.push(`${path}: ${rows - truthMatched} of ${rows} truth rows matched no flow within ±${tolerance} s (${[...unmatched].map(([l, n]) => `${l} ${n}`).join(', ')})`);
    }
    return { ...base, file: path, truthRows: rows, truthMatched, truthUnmatchedByLabel: Object.fromEntries(unmatched), tolerance, warnings };
  });
}

// ---------------------------------------------------------------------------------------------
// report text

/** Human-readable report for stderr. */
export function formatLabelReport(r: LabelReport): string {
  const lines: string[] = [];
  const pct = (n: number): string => (r.flows ? ((100 * n) / r.flows).toFixed(1) : '0.0');
  lines.push(`labels ${r.file} (${r.kind === 'rules' ? `${r.rules?.length ?? 0} rules` : `${r.truthRows} truth rows, tolerance ±${r.tolerance} s`}): ` +
    `${r.flows} flows, ${r.matched} matched (${pct(r.matched)} %), ${r.defaulted} got the default "${r.defaultLabel}"`);
  if (r.rules) {
    for (const x of r.rules) lines.push(`  rule ${x.rule} (line ${x.line}) ${x.match} → ${x.label}: ${x.flows} flows`);
  } else {
    lines.push(`  truth rows matched: ${r.truthMatched} of ${r.truthRows}`);
  }
  lines.push(`  flows per label: ${Object.entries(r.perLabel).sort((a, b) => b[1] - a[1]).map(([l, n]) => `${l} ${n}`).join(', ')}`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n') + '\n';
}
