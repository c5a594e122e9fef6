/**
 * Labels on real flows: a capture from ../shared/bench/gen_bench_pcap.py (1000 background flows,
 * seed 7, with its injected attacks) → extractFlows → labeler, compared flow by flow with the
 * generator's own ground truth (joined in this test on the exact 5-tuple and first-packet time).
 * Both truth styles: the per-flow truth file itself, and rules by IP/port/time derived here from
 * the attack rows (e.g. synflood = the many spoofed sources → dst 10.0.0.80:80).
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractFlows } from '../../src/features/extract.ts';
import { loadLabels, type Labeler } from '../../src/dataset/labels.ts';
import type { Row } from '../../src/dataset/types.ts';
import { generateCapture, type Truth } from './helpers.ts';

let dir: string;
let truthCsv: string;
let truth: Truth[];
let flows: Row[];

/** The generator's label of a flow: same 5-tuple, first packet at the truth row's start_ts (µs). */
function generatorLabel(index: Map<string, Truth[]>, r: Row): string | undefined {
  const list = index.get(`${r.proto}|${r.src_ip}|${r.src_port}|${r.dst_ip}|${r.dst_port}`);
  return list?.find((t) => Math.abs(t.start - (r.ts as number)) < 2e-6)?.label;
}

function fmtIso(epoch: number, offsetMin: number, naive = false): string {
  const d = new Date(Math.round((epoch + offsetMin * 60) * 1e6) / 1e3);
  const base = d.toISOString().replace('Z', '');
  const micro = String(Math.round(epoch * 1e6) % 1000).padStart(3, '0');
  if (naive) return base.replace('T', ' ') + micro;
  const sign = offsetMin < 0 ? '-' : '+';
  const a = Math.abs(offsetMin);
  return base + micro + (offsetMin === 0 ? 'Z' : `${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`);
}

/**
 * Rules an analyst would write from the attack descriptions: per attack label, the constant parts
 * of its rows (source address when there is one attacker, else destination address and port) and
 * the time window of its flow starts.
 */
function deriveRules(rows: Truth[], fmt: (t: number) => string): string {
  const lines = ['src_ip,dst_ip,dst_port,proto,start,end,label'];
  const labels = [...new Set(rows.map((t) => t.label))].filter((l) => l !== 'normal');
  for (const label of labels) {
    const rs = rows.filter((t) => t.label === label);
    const one = <T,>(f: (t: Truth) => T): T | '' => (new Set(rs.map(f)).size === 1 ? f(rs[0]!) : '');
    const src = one((t) => t.src);
    const dst = one((t) => t.dst);
    const dport = one((t) => t.dport);
    const proto = one((t) => t.proto);
    const start = Math.min(...rs.map((t) => t.start));
    const end = Math.max(...rs.map((t) => t.start));
    lines.push([src, src ? '' : dst, src ? '' : dport, proto === 1 ? 'icmp' : proto === 6 ? 'tcp' : proto === 17 ? 'udp' : '', fmt(start), fmt(end), label].join(','));
  }
  return lines.join('\n') + '\n';
}

async function labelAll(l: Labeler): Promise<string[]> {
  return flows.map((r) => l.labelRow({ ...r }).label as string);
}

beforeAll(async () => {
  const g = generateCapture();
  ({ dir, truthCsv, truth } = g);
  flows = [];
  await extractFlows([g.pcap], {}, (row) => void flows.push(row));
});

describe('labels on flows extracted from a generated capture', () => {
  it('the extracted flows are the generator\'s flows (test precondition)', () => {
    expect(truth.length).toBeGreaterThan(4000);
    expect(flows.length).toBe(truth.length);
  });

  it('per-flow truth file: ≥ 99.5 % of flows get the generator\'s label, every truth row is used', async () => {
    const index = new Map<string, Truth[]>();
    for (const t of truth) {
      const k = `${t.proto}|${t.src}|${t.sport}|${t.dst}|${t.dport}`;
      (index.get(k) ?? index.set(k, []).get(k)!).push(t);
    }
    const l = await loadLabels(truthCsv);
    expect(l.kind).toBe('per-flow');
    const got = await labelAll(l);
    let agree = 0;
    flows.forEach((r, i) => {
      if (generatorLabel(index, r) === got[i]) agree++;
    });
    expect(agree / flows.length).toBeGreaterThanOrEqual(0.995);
    const rep = l.report();
    expect(rep.truthMatched).toBe(truth.length);
    expect(rep.warnings).toEqual([]);
    const want: Record<string, number> = {};
    for (const t of truth) want[t.label] = (want[t.label] ?? 0) + 1;
    expect(rep.perLabel).toEqual(want);
  });

  it('rules by IP/port/time derived from the attack descriptions: ≥ 99.5 % agreement; same labels in UTC, +03:00 and naive + --labels-tz', async () => {
    const index = new Map<string, Truth[]>();
    for (const t of truth) {
      const k = `${t.proto}|${t.src}|${t.sport}|${t.dst}|${t.dport}`;
      (index.get(k) ?? index.set(k, []).get(k)!).push(t);
    }
    const files = {
      epoch: deriveRules(truth, (t) => t.toFixed(6)),
      utc: deriveRules(truth, (t) => fmtIso(t, 0)),
      plus3: deriveRules(truth, (t) => fmtIso(t, 180)),
      naive: deriveRules(truth, (t) => fmtIso(t, 180, true)),
      naiveNy: deriveRules(truth, (t) => fmtIso(t, -300, true)),
    };
    // the derived rules are the ones a reader would expect
    expect(files.utc).toMatch(/^,10\.0\.0\.80,80,tcp,2023-11-14T22:13:44\.\d{6}Z,2023-11-14T22:13:44\.\d{6}Z,synflood$/m);
    expect(files.plus3).toMatch(/^185\.220\.101\.47,,,tcp,2023-11-15T01:13:32\.\d{6}\+03:00,.*,portscan$/m);
    const paths = Object.fromEntries(Object.entries(files).map(([k, v]) => {
      const p = join(dir, `rules-${k}.csv`);
      writeFileSync(p, v);
      return [k, p];
    }));
    const byEpoch = await labelAll(await loadLabels(paths.epoch!));
    const byUtc = await labelAll(await loadLabels(paths.utc!));
    const byPlus3 = await labelAll(await loadLabels(paths.plus3!));
    const byNaive = await labelAll(await loadLabels(paths.naive!, { tz: '+03:00' }));
    const byMoscow = await labelAll(await loadLabels(paths.naive!, { tz: 'Europe/Moscow' }));
    const byNy = await labelAll(await loadLabels(paths.naiveNy!, { tz: 'America/New_York' }));
    await expect(loadLabels(paths.naive!)).rejects.toThrow(/time zone of naive times/);
    expect(byUtc).toEqual(byEpoch);
    expect(byPlus3).toEqual(byUtc);
    expect(byNaive).toEqual(byUtc);
    expect(byMoscow).toEqual(byUtc);
    expect(byNy).toEqual(byUtc);
    let agree = 0;
    flows.forEach((r, i) => {
      if (generatorLabel(index, r) === byUtc[i]) agree++;
    });
    expect(agree / flows.length).toBeGreaterThanOrEqual(0.995);
    // an hour off (the CIC-IDS2017 mistake) is visible: the attacks' rules match nothing
    const wrong = await loadLabels(paths.naive!, { tz: '+02:00' });
    await labelAll(wrong);
    expect(wrong.report().warnings).toHaveLength(new Set(truth.map((t) => t.label)).size - 1);
  });
});
