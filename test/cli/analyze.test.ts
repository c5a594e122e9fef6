/**
 * `flowsift analyze` on the bundled sample capture (samples/demo.pcap, ground truth in
 * samples/demo.labels.csv from the generator): one record per flow, files in --out-dir, the summary;
 * with --baseline samples/baseline.pcap (attack-free, same generator, another seed) the injected scan
 * and SYN flood are flagged.
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cli, jsonl } from './model-helpers.ts';
import { loadModel } from '../../src/model/model-file.ts';

const SAMPLE = new URL('../../samples/demo.pcap', import.meta.url).pathname;
const LABELS = new URL('../../samples/demo.labels.csv', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'flowsift-analyze-'));

/** 5-tuple → generator label. */
function truth(): Map<string, string> {
  const lines = readFileSync(LABELS, 'utf8').trim().split('\n');
  const h = lines[0]!.split(',');
  const col = (n: string): number => h.indexOf(n);
  const m = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const f = l.split(',');
    m.set([f[col('src_ip')], f[col('src_port')], f[col('dst_ip')], f[col('dst_port')]].join('|'), f[col('label')]!);
  }
  return m;
}
const key = (r: Record<string, any>): string => [r.src_ip, r.src_port, r.dst_ip, r.dst_port].join('|');

describe('flowsift analyze', () => {
  const gt = truth();
  // the README's main job: samples/baseline.pcap is attack-free traffic from the same generator and
  // scale as the sample, another seed (scripts/make-sample.py)
  const baseline = new URL('../../samples/baseline.pcap', import.meta.url).pathname;

  it('flows → train → score on the sample: summary, top anomalies with reasons, files in --out-dir', async () => {
    const out = join(dir, 'unsup');
    const r = await cli(['analyze', SAMPLE, '--out-dir', out, '--k-max', '4', '--top', '3']);
    expect(r.code).toBe(0);
    const recs = jsonl(readFileSync(join(out, 'scores.jsonl'), 'utf8'));
    expect(recs.length).toBe(readFileSync(LABELS, 'utf8').trim().split('\n').length - 1); // one record per generated flow
    expect(recs.every((x) => gt.has(key(x)))).toBe(true);
    const an = jsonl(readFileSync(join(out, 'anomalies.jsonl'), 'utf8'));
    expect(an.length).toBe(recs.filter((x) => x.is_anomaly).length);
    expect(an.every((x, i) => x.is_anomaly && (i === 0 || an[i - 1]!.anomaly_score >= x.anomaly_score))).toBe(true);
    expect(r.out).toContain(`${recs.length} flows scored`);
    expect(r.out).toContain(`#1  ${an[0]!.timestamp}  tcp ${an[0]!.src_ip}:${an[0]!.src_port} → ${an[0]!.dst_ip}:${an[0]!.dst_port}`.replace('tcp', an[0]!.protocol_type));
    expect(r.out).toContain(`why: ${an[0]!.reasons.map((x: { text: string }) => x.text).join(' · ')}`);
    expect(readFileSync(join(out, 'summary.txt'), 'utf8')).toBe(r.out);
    const model = await loadModel(join(out, 'model.json'));
    // no --baseline: the robust fit, which says how many flows it set aside
    expect(model.training.fitMode).toBe('robust');
    expect(model.training.rows + model.training.setAside!.rows).toBe(recs.length);
    expect(r.out).toContain(`robust fit: set aside ${model.training.setAside!.rows} of ${recs.length} training rows`);
    expect(recs.every((x) => typeof x.pca_x === 'number' && x.cluster < model.kmeans.k)).toBe(true);
    expect(readdirSync(out).sort()).toEqual(['analysis.json', 'anomalies.jsonl', 'anomalies.parquet', 'incidents.jsonl', 'model.json', 'scores.jsonl', 'scores.parquet', 'summary.txt']);
    // the captures it read, as absolute paths (the server's per-flow pcap download reads them again)
    expect(JSON.parse(readFileSync(join(out, 'analysis.json'), 'utf8'))).toEqual({ schema: 'flowsift.analysis/1', inputs: [resolve(SAMPLE)], baseline: [] });
  });

  it('without --baseline the robust fit flags the scan and SYN flood that a plain fit on the same flows learns as normal', async () => {
    const rates = async (extra: string[]): Promise<(label: string) => number> => {
      const out = join(dir, `fit${extra.join('')}`);
      const r = await cli(['analyze', SAMPLE, '--out-dir', out, '-q', ...extra]);
      expect(r.code).toBe(0);
      const recs = jsonl(readFileSync(join(out, 'scores.jsonl'), 'utf8'));
      return (label) => {
        const of = recs.filter((x) => gt.get(key(x)) === label);
        return of.filter((x) => x.is_anomaly).length / of.length;
      };
    };
    const robust = await rates([]);
    const clean = await rates(['--fit-mode', 'clean']);
    // measured: robust 50/50 and 50/50, clean 1/50 and 0/50 (20 % of the sample's flows are attacks)
    expect(robust('portscan')).toBeGreaterThanOrEqual(0.95);
    expect(robust('synflood')).toBeGreaterThanOrEqual(0.95);
    expect(clean('portscan')).toBeLessThan(0.2);
    expect(clean('synflood')).toBeLessThan(0.2);
    // the price: more normal flows flagged (measured 16.0 %; 18.8 % before set-aside rows within the
    // kept rows' p99.5 counted toward the threshold)
    expect(robust('normal')).toBeLessThan(0.18);
  });

  it('--baseline: trained on attack-free traffic, it flags the injected scan and SYN flood', async () => {
    const out = join(dir, 'base');
    const r = await cli(['analyze', SAMPLE, '--baseline', baseline, '--out-dir', out, '-q']);
    expect(r.code).toBe(0);
    expect((await loadModel(join(out, 'model.json'))).training.fitMode).toBe('clean'); // a baseline is taken as attack-free
    const recs = jsonl(readFileSync(join(out, 'scores.jsonl'), 'utf8'));
    const rate = (label: string): number => {
      const of = recs.filter((x) => gt.get(key(x)) === label);
      return of.filter((x) => x.is_anomaly).length / of.length;
    };
    expect(rate('portscan')).toBeGreaterThanOrEqual(0.95);
    expect(rate('synflood')).toBeGreaterThanOrEqual(0.95);
    expect(rate('bruteforce')).toBeGreaterThanOrEqual(0.8);
    // normal flows flagged: measured 13.6 % (window features of normal flows shift while attacks run)
    expect(rate('normal')).toBeLessThan(0.2);
  });
});
