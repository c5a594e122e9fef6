/**
 * Streaming grouping of anomalous flows into incidents.
 *
 * Each anomalous flow has three keys: its host pair (proto, src, dst), the service it hit
 * (proto, dst, dst port — ICMP: type — and whether it carried data) and the port it swept
 * (proto, src, dst port, carried data). Flows sharing a key while less than `gap` seconds apart
 * are chained into one component; a component is final once the stream has moved `gap` past its
 * last flow (or it grew past maxSpan / maxFlows), and only then is it split into incidents:
 *
 *  1. greedily, largest first: a host pair with ≥ 3 flows (measured in flows), a service hit by ≥ 3
 *     sources (measured in sources), a port swept on ≥ 3 hosts (measured in hosts) — so a
 *     brute force stays with its source while a spoofed flood gathers its thousands of sources;
 *  2. what is left, by host pair;
 *  3. each group cut where its flows pause for more than `gap`.
 *
 * The result depends only on the records and their order, never on timing or hash order.
 */
import type { AnomalyRecord } from '../record.ts';
import { toFlowLite, type FlowLite } from './flow.ts';
import { summarize, type Incident } from './incident.ts';

export interface IncidentOptions {
  /** Quiet gap in seconds that ends an incident (default 30). */
  gap?: number;
  /** A still-active group is cut after this many seconds (default 3600). */
  maxSpan?: number;
  /** …or this many flows (default 100,000), so memory stays bounded on endless attacks. */
  maxFlows?: number;
  /** Smallest group formed in step 1 (default 3). */
  minGroup?: number;
}

export const INCIDENT_DEFAULTS = { gap: 30, maxSpan: 3600, maxFlows: 100_000, minGroup: 3 };

interface Component {
  id: number;
  flows: FlowLite[];
  keys: Set<string>;
  first: number;
  last: number;
  /** Union-find parent (self when a root). */
  parent: Component;
}

interface KeyEntry {
  comp: Component;
  last: number;
}

function keysOf(f: FlowLite): [string, string, string] {
  const d = f.noData ? '0' : '1';
  const port = f.dport ?? -1;
  const svc = f.transport === 'icmp' || f.transport === 'icmpv6' ? `t${f.sport ?? -1}` : String(port);
  return [`P|${f.transport}|${f.src}|${f.dst}`, `S|${f.transport}|${f.dst}|${svc}|${d}`, `H|${f.transport}|${f.src}|${svc}|${d}`];
}

/**
 * Push anomalous records in stream order (normal records are ignored); incidents come back from
 * push() as their groups close, and from end() for the rest. Incidents are not ranked: rank the
 * whole list with rankIncidents().
 */
export class IncidentBuilder {
  readonly opts: typeof INCIDENT_DEFAULTS;
  private readonly index = new Map<string, KeyEntry>();
  private readonly open = new Set<Component>();
  private watermark = -Infinity;
  private lastSweep = -Infinity;
  private nextId = 0;
  private pending = 0;
  /** Records without addresses (KDD tables): not grouped. */
  skipped = 0;
  /** Called with each anomalous record's row and its incident id as incidents close. */
  onAssign?: (row: number, incidentId: string) => void;

  constructor(opts: IncidentOptions = {}) {
    const o = { ...INCIDENT_DEFAULTS };
    for (const [k, v] of Object.entries(opts)) if (v !== undefined) (o as Record<string, number>)[k] = v as number;
    if (!(o.gap > 0)) throw new RangeError(`incident gap must be > 0 seconds, got ${o.gap}`);
    this.opts = o;
  }

  push(r: AnomalyRecord): Incident[] {
    if (!r.is_anomaly) return [];
    const f = toFlowLite(r);
    if (!f) {
      this.skipped++;
      return [];
    }
    const { gap } = this.opts;
    let comp: Component | undefined;
    const keys = keysOf(f);
    for (const k of keys) {
      const e = this.index.get(k);
      if (!e || e.last + gap < f.ts) continue;
      const c = find(e.comp);
      if (!this.open.has(c)) continue;
      comp = comp ? this.union(comp, c) : c;
    }
    if (!comp) {
      comp = { id: this.nextId++, flows: [], keys: new Set(), first: f.ts, last: f.end, parent: undefined as unknown as Component };
      comp.parent = comp;
      this.open.add(comp);
    }
    comp.flows.push(f);
    comp.first = Math.min(comp.first, f.ts);
    comp.last = Math.max(comp.last, f.end);
    for (const k of keys) {
      comp.keys.add(k);
      const e = this.index.get(k);
      if (e) {
        e.comp = comp;
        e.last = Math.max(e.last, f.end);
      } else this.index.set(k, { comp, last: f.end });
    }
    this.watermark = Math.max(this.watermark, f.ts);
    const out: Incident[] = [];
    if (comp.flows.length >= this.opts.maxFlows || comp.last - comp.first >= this.opts.maxSpan) out.push(...this.close(comp));
    // sweep for quiet components every quarter gap of stream time, or every 4,096 flows
    if (++this.pending >= 4096 || this.watermark - this.lastSweep >= gap / 4) {
      this.pending = 0;
      this.lastSweep = this.watermark;
      for (const c of [...this.open]) if (c.last + gap < this.watermark) out.push(...this.close(c));
    }
    return out;
  }

  /** Close every open group (end of stream). */
  end(): Incident[] {
    const out: Incident[] = [];
    for (const c of [...this.open].sort((a, b) => a.first - b.first || a.id - b.id)) out.push(...this.close(c));
    return out;
  }

  /** Flows held in open groups (bounded by maxFlows per group). */
  get held(): number {
    let n = 0;
    for (const c of this.open) n += c.flows.length;
    return n;
  }

  private union(a: Component, b: Component): Component {
    if (a === b) return a;
    const [big, small] = a.flows.length >= b.flows.length ? [a, b] : [b, a];
    for (const f of small.flows) big.flows.push(f);
    for (const k of small.keys) {
      big.keys.add(k);
      const e = this.index.get(k);
      if (e && e.comp === small) e.comp = big;
    }
    big.first = Math.min(big.first, small.first);
    big.last = Math.max(big.last, small.last);
    small.parent = big;
    small.flows = [];
    small.keys.clear();
    this.open.delete(small);
    return big;
  }

  private close(c: Component): Incident[] {
    this.open.delete(c);
    for (const k of c.keys) {
      const e = this.index.get(k);
      if (e && find(e.comp) === c) this.index.delete(k);
    }
    return splitComponent(c.flows, this.opts).map((g) => {
      const inc = summarize(g);
      if (this.onAssign) for (const f of g) this.onAssign(f.row, inc.incident_id);
      return inc;
    });
  }
}

function find(c: Component): Component {
  let r = c;
  while (r.parent !== r) r = r.parent;
  // path compression
  let x = c;
  while (x.parent !== r) {
    const nx = x.parent;
    x.parent = r;
    x = nx;
  }
  return r;
}

interface Group {
  key: string;
  level: number;
  members: number[];
  alive: number;
  /** Counterpart → alive flows (sources for S, destinations for H); unused for P. */
  counts?: Map<string, number>;
}

function measure(g: Group): number {
  return g.counts ? g.counts.size : g.alive;
}

/** Steps 1–3 of the module comment over one finished component. */
export function splitComponent(flowsIn: FlowLite[], opts: typeof INCIDENT_DEFAULTS): FlowLite[][] {
  const flows = [...flowsIn].sort((a, b) => a.ts - b.ts || a.row - b.row);
  const groups = new Map<string, Group>();
  const memberOf: Group[][] = flows.map(() => []);
  flows.forEach((f, i) => {
    const ks = keysOf(f);
    ks.forEach((k, level) => {
      let g = groups.get(k);
      if (!g) {
        g = { key: k, level, members: [], alive: 0, counts: level === 0 ? undefined : new Map() };
        groups.set(k, g);
      }
      g.members.push(i);
      g.alive++;
      if (g.counts) {
        const cp = level === 1 ? f.src : f.dst;
        g.counts.set(cp, (g.counts.get(cp) ?? 0) + 1);
      }
      memberOf[i]!.push(g);
    });
  });
  const dead = new Uint8Array(flows.length);
  const result: FlowLite[][] = [];
  const better = (a: [number, Group], b: [number, Group]): boolean =>
    a[0] !== b[0] ? a[0] > b[0] : a[1].level !== b[1].level ? a[1].level < b[1].level : a[1].key < b[1].key;
  const heap = new Heap<[number, Group]>(better);
  for (const g of groups.values()) if (measure(g) >= opts.minGroup) heap.push([measure(g), g]);
  while (heap.size) {
    const [m, g] = heap.pop()!;
    const cur = measure(g);
    if (cur < opts.minGroup) continue;
    if (cur < m) {
      heap.push([cur, g]);
      continue;
    }
    const take = g.members.filter((i) => !dead[i]);
    for (const i of take) {
      dead[i] = 1;
      const f = flows[i]!;
      for (const o of memberOf[i]!) {
        o.alive--;
        if (o.counts) {
          const cp = o.level === 1 ? f.src : f.dst;
          const n = o.counts.get(cp)! - 1;
          if (n === 0) o.counts.delete(cp);
          else o.counts.set(cp, n);
        }
      }
    }
    result.push(take.map((i) => flows[i]!));
  }
  // step 2: the rest by host pair, in order of first flow
  const pairs = new Map<string, FlowLite[]>();
  flows.forEach((f, i) => {
    if (dead[i]) return;
    const k = keysOf(f)[0];
    const list = pairs.get(k);
    if (list) list.push(f);
    else pairs.set(k, [f]);
  });
  result.push(...pairs.values());
  // step 3: cut at quiet gaps
  const out: FlowLite[][] = [];
  for (const g of result) {
    let cur: FlowLite[] = [];
    let last = -Infinity;
    for (const f of g) {
      if (cur.length && f.ts > last + opts.gap) {
        out.push(cur);
        cur = [];
      }
      cur.push(f);
      last = Math.max(last, f.end);
    }
    if (cur.length) out.push(cur);
  }
  return out;
}

class Heap<T> {
  private a: T[] = [];
  constructor(private readonly better: (x: T, y: T) => boolean) {}
  get size(): number {
    return this.a.length;
  }
  push(v: T): void {
    const a = this.a;
    a.push(v);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.better(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.a;
    if (!a.length) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let b = i;
        if (l < a.length && this.better(a[l]!, a[b]!)) b = l;
        if (r < a.length && this.better(a[r]!, a[b]!)) b = r;
        if (b === i) break;
        [a[i], a[b]] = [a[b]!, a[i]!];
        i = b;
      }
    }
    return top;
  }
}
