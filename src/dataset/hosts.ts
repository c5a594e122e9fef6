/**
 * Per-source aggregates: one row per (source IP, time window) — the host-level view analysts use
 * for scan / flood / brute-force triage and that host-based models train on.
 *
 * A flow belongs to the window containing its start time (`ts`), windows are aligned to the epoch
 * (window_start = floor(ts / W) · W). Failed connections are flows whose KDD flag is one of
 * REJ, S0, RSTO, RSTR, RSTOS0, SH (rejected, unanswered, or reset/half-closed before a
 * handshake completed). When the flows carry a `label`, the host row is labeled too: the most
 * frequent label other than the default among its flows (ties: the first seen), else the default;
 * `attack_flows` counts those flows.
 */
import { UsageError } from '../errors.ts';
import type { ColumnDef, Row } from './types.ts';

export const FAILED_FLAGS: ReadonlySet<string> = new Set(['REJ', 'S0', 'RSTO', 'RSTR', 'RSTOS0', 'SH']);

export const HOST_COLUMNS: readonly ColumnDef[] = [
  { name: 'window_start', type: 'timestamp', group: 'identity', unit: 's', description: 'Start of the time window (epoch seconds, aligned to multiples of --window).' },
  { name: 'window_end', type: 'timestamp', group: 'identity', unit: 's', description: 'End of the time window (exclusive).' },
  { name: 'src_ip', type: 'string', group: 'identity', description: 'Source (originator) address of the flows.' },
  { name: 'flows', type: 'int', group: 'extra', unit: 'flows', description: 'Flows this source started in the window.' },
  { name: 'bytes', type: 'int', group: 'extra', unit: 'bytes', description: 'Data bytes of those flows, both directions (src_bytes + dst_bytes).' },
  { name: 'src_bytes', type: 'int', group: 'extra', unit: 'bytes', description: 'Data bytes sent by the source.' },
  { name: 'dst_bytes', type: 'int', group: 'extra', unit: 'bytes', description: 'Data bytes received by the source.' },
  { name: 'packets', type: 'int', group: 'extra', unit: 'packets', description: 'Packets of those flows, both directions (src_pkts + dst_pkts; 0 for datasets without packet counts).' },
  { name: 'failed_connections', type: 'int', group: 'extra', unit: 'flows', description: 'Flows with flag REJ, S0, RSTO, RSTR, RSTOS0 or SH.' },
  { name: 'failed_rate', type: 'float', group: 'extra', unit: 'fraction', description: 'failed_connections / flows.' },
  { name: 'unique_dst_ips', type: 'int', group: 'extra', unit: 'hosts', description: 'Distinct destination addresses.' },
  { name: 'unique_dst_ports', type: 'int', group: 'extra', unit: 'ports', description: 'Distinct destination ports (for ICMP the code, Zeek convention).' },
  { name: 'first_ts', type: 'timestamp', group: 'extra', unit: 's', description: 'Start of the source\'s first flow in the window.' },
  { name: 'last_ts', type: 'timestamp', group: 'extra', unit: 's', description: 'Start of the source\'s last flow in the window.' },
];

export const HOST_LABEL_COLUMNS: readonly ColumnDef[] = [
  { name: 'label', type: 'category', group: 'label', description: 'Most frequent non-default label of the window\'s flows, else the default label.' },
  { name: 'attack_flows', type: 'int', group: 'label', unit: 'flows', description: 'Flows in the window whose label is not the default.' },
];

interface Agg {
  windowStart: number;
  src: string;
  flows: number;
  srcBytes: number;
  dstBytes: number;
  packets: number;
  failed: number;
  dsts: Set<string>;
  ports: Set<number>;
  first: number;
  last: number;
  labels: Map<string, number> | null;
}

function num(v: Row[string] | undefined): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

export class HostAggregator {
  private readonly aggs = new Map<string, Agg>();
  private labeled = false;
  rowsIn = 0;

  constructor(readonly window: number, readonly defaultLabel = 'normal') {
    if (!(window > 0)) throw new UsageError(`host window ${window}: expected a positive number of seconds`, 'E_USAGE', 'window');
  }

  add(row: Row): void {
    const src = row.src_ip;
    if (typeof src !== 'string') {
      throw new UsageError('per-source aggregates need flows with src_ip (KDD tables carry no addresses)');
    }
    const ts = num(row.ts);
    const ws = Math.floor(ts / this.window) * this.window;
    const key = `${ws}|${src}`;
    let a = this.aggs.get(key);
    if (!a) {
      a = { windowStart: ws, src, flows: 0, srcBytes: 0, dstBytes: 0, packets: 0, failed: 0, dsts: new Set(), ports: new Set(), first: ts, last: ts, labels: null };
      this.aggs.set(key, a);
    }
    this.rowsIn++;
    a.flows++;
    a.srcBytes += num(row.src_bytes);
    a.dstBytes += num(row.dst_bytes);
    a.packets += num(row.src_pkts) + num(row.dst_pkts);
    if (typeof row.flag === 'string' && FAILED_FLAGS.has(row.flag)) a.failed++;
    if (typeof row.dst_ip === 'string') a.dsts.add(row.dst_ip);
    if (row.dst_port !== null && row.dst_port !== undefined) a.ports.add(num(row.dst_port));
    if (ts < a.first) a.first = ts;
    if (ts > a.last) a.last = ts;
    const label = row.label;
    if (typeof label === 'string' && label !== '') {
      this.labeled = true;
      if (label !== this.defaultLabel) {
        if (!a.labels) a.labels = new Map();
        a.labels.set(label, (a.labels.get(label) ?? 0) + 1);
      }
    }
  }

  /** Whether any flow carried a label (then the output has the label columns). */
  get hasLabels(): boolean {
    return this.labeled;
  }

  get columns(): readonly ColumnDef[] {
    return this.labeled ? [...HOST_COLUMNS, ...HOST_LABEL_COLUMNS] : HOST_COLUMNS;
  }

  /** Number of (source, window) rows. */
  get size(): number {
    return this.aggs.size;
  }

  /** The aggregate rows, ordered by window start, then source address. */
  *rows(): Generator<Row> {
    const list = [...this.aggs.values()].sort((a, b) => a.windowStart - b.windowStart || (a.src < b.src ? -1 : a.src > b.src ? 1 : 0));
    for (const a of list) {
      const r: Row = {
        window_start: a.windowStart,
        window_end: a.windowStart + this.window,
        src_ip: a.src,
        flows: a.flows,
        bytes: a.srcBytes + a.dstBytes,
        src_bytes: a.srcBytes,
        dst_bytes: a.dstBytes,
        packets: a.packets,
        failed_connections: a.failed,
        failed_rate: a.failed / a.flows,
        unique_dst_ips: a.dsts.size,
        unique_dst_ports: a.ports.size,
        first_ts: a.first,
        last_ts: a.last,
      };
      if (this.labeled) {
        let best = this.defaultLabel;
        let bestN = 0;
        let attack = 0;
        if (a.labels) {
          for (const [l, n] of a.labels) {
            attack += n;
            if (n > bestN) {
              best = l;
              bestN = n;
            }
          }
        }
        r.label = best;
        r.attack_flows = attack;
      }
      yield r;
    }
  }
}
