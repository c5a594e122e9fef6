/**
 * What each cluster holds, described from the flows scored into it (not from its centroid, which
 * shows the training traffic: a cluster that caught a SYN flood and a port scan would otherwise
 * read "service domain_u 100 %" because that is what it learned from the baseline).
 */
import { formatValue } from '../model/score.ts';
import type { AnomalyRecord } from './record.ts';
import type { Row } from '../dataset/types.ts';

interface Acc {
  n: number;
  service: Map<string, number>;
  flag: Map<string, number>;
  proto: Map<string, number>;
  src: number[];
  dst: number[];
}

/** The most common value with its share, and the runner-up when the first holds under 80 %. */
function tops(m: Map<string, number>, n: number): string | undefined {
  const all = [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (!all.length) return undefined;
  const pct = (x: number): string => `${Math.round((x / n) * 100)}%`;
  const shown = all[0]![1] / n < 0.8 ? all.slice(0, 2) : all.slice(0, 1);
  return shown.map(([k, v]) => `${k} ${pct(v)}`).join(', ');
}

function median(xs: number[]): number {
  if (!xs.length) return 0;
  const a = [...xs].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
}

/** Streaming accumulator: add() every scored record, then describe(k). */
export class ClusterProfiler {
  private readonly acc = new Map<number, Acc>();
  /** Byte samples kept per cluster for the medians (the first ones: enough for a summary line). */
  static readonly SAMPLE = 5000;

  add(r: AnomalyRecord): void {
    this.addValues(r.cluster, r.protocol_type, r.service, r.flag, r.src_bytes, r.dst_bytes);
  }

  /** add() of the record buildRecord would make from these kept columns, without making it. */
  addFlow(cluster: number, kept: Row): void {
    const text = (v: Row[string] | undefined): string | undefined => (v !== null && v !== undefined && v !== '' ? String(v) : undefined);
    const num = (v: Row[string] | undefined): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
    this.addValues(cluster, text(kept.protocol_type), text(kept.service), text(kept.flag), num(kept.src_bytes), num(kept.dst_bytes));
  }

  private addValues(cluster: number, proto: string | undefined, service: string | undefined, flag: string | undefined, src: number | undefined, dst: number | undefined): void {
    let a = this.acc.get(cluster);
    if (!a) {
      a = { n: 0, service: new Map(), flag: new Map(), proto: new Map(), src: [], dst: [] };
      this.acc.set(cluster, a);
    }
    a.n++;
    const inc = (m: Map<string, number>, v: string | undefined): void => {
      if (v) m.set(v, (m.get(v) ?? 0) + 1);
    };
    inc(a.service, service);
    inc(a.flag, flag);
    inc(a.proto, proto);
    if (a.src.length < ClusterProfiler.SAMPLE) {
      if (src !== undefined) a.src.push(src);
      if (dst !== undefined) a.dst.push(dst);
    }
  }

  /** One line per cluster, e.g. "tcp 100% · service http 96% · flag S1 98% · median bytes 0 / 0". */
  describe(k: number): (string | undefined)[] {
    const out: (string | undefined)[] = [];
    for (let j = 0; j < k; j++) {
      const a = this.acc.get(j);
      if (!a) {
        out.push(undefined);
        continue;
      }
      const parts: string[] = [];
      const p = tops(a.proto, a.n);
      if (p) parts.push(p);
      const s = tops(a.service, a.n);
      if (s) parts.push(`service ${s}`);
      const f = tops(a.flag, a.n);
      if (f) parts.push(`flag ${f}`);
      if (a.src.length) parts.push(`median bytes ${formatValue(median(a.src))} / ${formatValue(median(a.dst))}`);
      out.push(parts.join(' · '));
    }
    return out;
  }
}
