/**
 * What each cluster holds, described from the flows scored into it (not from its centroid, which
 * shows the training traffic: a cluster that caught a SYN flood and a port scan would otherwise
 * read "service domain_u 100 %" because that is what it learned from the baseline).
 */
import { formatValue } from '../model/score.ts';
import type { AnomalyRecord } from './record.ts';

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
    let a = this.acc.get(r.cluster);
    if (!a) {
      a = { n: 0, service: new Map(), flag: new Map(), proto: new Map(), src: [], dst: [] };
      this.acc.set(r.cluster, a);
    }
    a.n++;
    const inc = (m: Map<string, number>, v: string | undefined): void => {
      if (v) m.set(v, (m.get(v) ?? 0) + 1);
    };
    inc(a.service, r.service);
    inc(a.flag, r.flag);
    inc(a.proto, r.protocol_type);
    if (a.src.length < ClusterProfiler.SAMPLE) {
      if (r.src_bytes !== undefined) a.src.push(r.src_bytes);
      if (r.dst_bytes !== undefined) a.dst.push(r.dst_bytes);
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
