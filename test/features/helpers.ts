/** Shared by the feature tests: the corpus, a small generated capture, brute-force window recount. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Row } from '../../src/dataset/types.ts';
import { errorClass } from '../../src/features/basic.ts';
import { benchCapture } from '../flow/helpers.ts';

export const CORPUS = fileURLToPath(new URL('../../../shared/corpus/pcap/', import.meta.url));

/** Every capture of the corpus (REFERENCE.tsv excluded). */
export function corpusFiles(): string[] {
  return readdirSync(CORPUS).filter((f) => !f.endsWith('.tsv') && !f.endsWith('.md')).sort().map((f) => join(CORPUS, f));
}

/** A small capture from the bench generator (1000 background flows, seed 7: ~58 k packets, ~4 k flows, attack-heavy). */
export function generatedCapture(): { pcap: string; labels: string } {
  return benchCapture(1000, 7);
}

/**
 * The 19 window features recomputed from finished rows by their definitions (kdd-semantics.md):
 * rows sorted by start time; time window = rows started in [ts − T, ts] up to this one; host window =
 * the last N rows up to this one. Deliberately the naive O(n·window) scan.
 */
export function bruteForceWindows(rows: Row[], T = 2, N = 100): Record<string, number>[] {
  const r = (a: number, b: number): number => (b > 0 ? a / b : 0);
  return rows.map((c, i) => {
    const ts = c.ts as number;
    const tw: Row[] = [];
    for (let j = i; j >= 0 && (rows[j]!.ts as number) >= ts - T; j--) tw.push(rows[j]!);
    const hw = rows.slice(Math.max(0, i + 1 - N), i + 1);
    const sameHost = (x: Row): boolean => x.dst_ip === c.dst_ip;
    const sameSrv = (x: Row): boolean => x.service === c.service;
    const serr = (x: Row): boolean => errorClass(x.flag as string) === 1;
    const rerr = (x: Row): boolean => errorClass(x.flag as string) === 2;
    const H = tw.filter(sameHost), S = tw.filter(sameSrv), HH = hw.filter(sameHost), HS = hw.filter(sameSrv);
    return {
      count: H.length,
      srv_count: S.length,
      serror_rate: r(H.filter(serr).length, H.length),
      srv_serror_rate: r(S.filter(serr).length, S.length),
      rerror_rate: r(H.filter(rerr).length, H.length),
      srv_rerror_rate: r(S.filter(rerr).length, S.length),
      same_srv_rate: r(H.filter(sameSrv).length, H.length),
      diff_srv_rate: r(H.filter((x) => !sameSrv(x)).length, H.length),
      srv_diff_host_rate: r(S.filter((x) => !sameHost(x)).length, S.length),
      dst_host_count: HH.length,
      dst_host_srv_count: HS.length,
      dst_host_same_srv_rate: r(HH.filter(sameSrv).length, HH.length),
      dst_host_diff_srv_rate: r(HH.filter((x) => !sameSrv(x)).length, HH.length),
      dst_host_same_src_port_rate: r(HH.filter((x) => x.src_port === c.src_port).length, HH.length),
      dst_host_srv_diff_host_rate: r(HS.filter((x) => !sameHost(x)).length, HS.length),
      dst_host_serror_rate: r(HH.filter(serr).length, HH.length),
      dst_host_srv_serror_rate: r(HS.filter(serr).length, HS.length),
      dst_host_rerror_rate: r(HH.filter(rerr).length, HH.length),
      dst_host_srv_rerror_rate: r(HS.filter(rerr).length, HS.length),
    };
  });
}
