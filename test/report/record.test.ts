import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRecord, RECORD_FIELDS, RECORD_KEEP, writeRecordJson } from '../../src/report/record.ts';
import { JsonLines } from '../../src/report/json-line.ts';
import { collectTable } from '../../src/model/input.ts';
import { resolveFeatureList } from '../../src/model/encode.ts';
import { trainModel } from '../../src/model/train.ts';
import { Scorer } from '../../src/model/score.ts';
import { KDD_DIR } from '../cli/model-helpers.ts';
import { csvRow, CSV_COLUMNS, formatBlock } from '../../src/report/format.ts';
import { formatValue, reasonValueText, severityOf, type FlowScore } from '../../src/model/score.ts';

const score: FlowScore = {
  cluster: 3,
  distance: 7.42,
  threshold: 5.1,
  anomalyScore: 7.42 / 5.1,
  isAnomaly: true,
  severity: severityOf(7.42 / 5.1),
  reasons: [{ feature: 'serror_rate', value: 1, typical: 0.01, share: 0.6, z: 9.9, text: 'serror_rate 1 vs 0.01' }],
};

describe('anomaly record', () => {
  it('carries identity, ISO timestamp, scores and label; severity follows the eve scale', () => {
    const r = buildRecord(12, { ts: 1714564803.120455, uid: 'C1', community_id: '1:abc=', src_ip: '10.0.0.5', src_port: 51234, dst_ip: '93.184.216.34', dst_port: 80, proto: 6, protocol_type: 'tcp', service: 'http', flag: 'S0', label: 'neptune', category: 'dos' }, score);
    expect(r.timestamp).toBe('2024-05-01T12:00:03.120Z');
    expect(r.ts).toBe(1714564803.120455);
    expect(r).toMatchObject({ event_type: 'anomaly', row: 12, uid: 'C1', src_port: 51234, dst_port: 80, proto: 6, cluster: 3, is_anomaly: true, label: 'neptune', category: 'dos' });
    expect(r.anomaly_score).toBeCloseTo(1.454902, 6);
    expect([severityOf(0.99), severityOf(1.2), severityOf(1.5), severityOf(3)]).toEqual([null, 3, 2, 1]);
    expect(r.severity).toBe(3);
    const row = csvRow(r);
    expect(row.length).toBe(CSV_COLUMNS.length);
    expect(row[CSV_COLUMNS.indexOf('reasons')]).toBe('serror_rate 1 vs 0.01');
    const block = formatBlock(1, r, 'p95');
    expect(block).toContain('#1  2024-05-01T12:00:03.120Z  tcp 10.0.0.5:51234 → 93.184.216.34:80 (http)  S0');
    expect(block).toContain('distance 7.42 > 5.10 (p95) · anomaly_score 1.45 · severity 3');
    expect(block).toContain('wireshark: ip.addr==10.0.0.5 && ip.addr==93.184.216.34 && tcp.port==51234 && tcp.port==80');
  });

  it('KDD rows without identity are named by row number; values print compactly', () => {
    const r = buildRecord(5, { protocol_type: 'udp', service: 'private' }, { ...score, isAnomaly: false, severity: null });
    expect(r.event_type).toBe('flow');
    expect(r.timestamp).toBeUndefined();
    expect(formatBlock(2, r, 'x3')).toContain('#2  row 5  udp private');
    expect([formatValue(0.014), formatValue(12), formatValue(1231044), formatValue(3.456)]).toEqual(['0.01', '12', '1,231,044', '3.46']);
  });
});

describe('JSON Lines written as bytes', () => {
  const viaBytes = (v: unknown): string => {
    const out = new JsonLines(16);
    out.line(v);
    return out.take().toString('utf8');
  };

  it('JsonLines writes exactly what JSON.stringify writes (numbers, strings, nesting, toJSON, undefined)', () => {
    const rounded = fc.tuple(fc.double({ min: -2e9, max: 2e9, noNaN: true }), fc.integer({ min: 0, max: 6 })).map(([v, d]) => Math.round(v * 10 ** d) / 10 ** d);
    const num = fc.oneof(fc.double(), rounded, fc.integer(), fc.constantFrom(-0, 1e-6, 1e-7, 5e-324, 1e21, 999999999.999999, 1e9 - 1e-6, 2 ** 31, -(2 ** 31), 2 ** 53, NaN, Infinity));
    fc.assert(fc.property(num, (v) => viaBytes(v) === JSON.stringify(v) + '\n'), { numRuns: 20000 });
    const str = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('a"b', 'a\\b', '\u0000\u001f\u007f', '\ud800', 'é€😀', 'line\nfeed'));
    fc.assert(fc.property(str, (s) => viaBytes(s) === JSON.stringify(s) + '\n'), { numRuns: 5000 });
    fc.assert(fc.property(fc.jsonValue(), (v) => viaBytes(v) === JSON.stringify(v) + '\n'), { numRuns: 2000 });
    const odd = { a: undefined, b: () => 1, c: [undefined, () => 1, Symbol('s')], d: new Date(0), e: { toJSON: () => 'x' }, f: Object.create(null) as object, '2': 'int key', g: new Map() };
    expect(viaBytes(odd)).toBe(JSON.stringify(odd) + '\n');
    expect(() => viaBytes({ big: 1n })).toThrow(TypeError);
  });

  it('a reason value prints as formatValue prints it (the scorer’s own integer and cached paths)', () => {
    const ints = fc.integer({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1 });
    const vals = fc.oneof(ints, fc.double({ min: -1e7, max: 1e7, noNaN: true }), fc.constantFrom(-0, 999, 1000, -1000, 0.005, 1.005, 2 ** 31, 1e21));
    fc.assert(fc.property(vals, (v) => reasonValueText(v) === formatValue(v)), { numRuns: 20000 });
  });

  it('writeRecordJson writes JSON.stringify(buildRecord(…)) (+ incident_id), and RECORD_FIELDS its fields, for KDDTest+ and a capture, k-means and hybrid, with PCA and reasons', async () => {
    const features = resolveFeatureList('kdd');
    const keep = [...RECORD_KEEP];
    const { table: train } = await collectTable([join(KDD_DIR, 'KDDTrain+_20Percent.txt.gz')], { features, trainOn: 'normal' });
    const meta = { sources: ['20%'], rowsRead: train.n, trainOn: 'normal', labelCounts: {} };
    const kmeans = trainModel(train, meta, { k: 20, nInit: 1, seed: 1 });
    const hybrid = trainModel(train, meta, { k: 8, nInit: 1, seed: 1, detector: 'hybrid', aeEpochs: 1 });
    const { table: test } = await collectTable([join(KDD_DIR, 'KDDTest+.txt.gz')], { features, keep });
    const { table: flows } = await collectTable([fileURLToPath(new URL('../../samples/demo.pcap', import.meta.url))], { features, keep });
    expect(flows.kept[0]!.uid).toBeTypeOf('string');
    let lines = 0;
    for (const [model, table, step] of [[kmeans, test, 1], [hybrid, test, 7], [kmeans, flows, 1], [hybrid, flows, 1]] as const) {
      const sc = new Scorer(model, table);
      const out = new JsonLines();
      const direct = new JsonLines();
      let want = '';
      for (let i = 0; i < table.n; i += step) {
        const s = sc.score(i, i % 5, true);
        // analyze's incident id, last, on some rows
        const id = i % 3 === 0 ? `I${i.toString(16)}` : undefined;
        const rec = buildRecord(i + 1, table.kept[i]!, s);
        if (id !== undefined) rec.incident_id = id;
        want += JSON.stringify(rec) + '\n';
        writeRecordJson(out, i + 1, table.kept[i]!, s, 'label', undefined, id);
        // each field read from the sources (the scores Parquet writer's way) is the record's
        if (i % 37 === 0) {
          const got = Object.fromEntries(Object.entries(RECORD_FIELDS).map(([k, f]) => [k, f(i + 1, table.kept[i]!, s, 'label', id)]).filter(([, v]) => v !== undefined));
          expect(got).toEqual(rec);
        }
        // the reasons written by the scorer itself (k-means models), as score's JSON Lines writer does
        const bare = sc.score(i, 0, true);
        if (!sc.writesReasonsJson) sc.explainScored(i, bare, i % 5);
        writeRecordJson(direct, i + 1, table.kept[i]!, bare, 'label', { scorer: sc, i, n: i % 5 }, id);
        lines++;
      }
      expect(sc.writesReasonsJson).toBe(model === kmeans);
      expect(out.take().toString('utf8')).toBe(want);
      expect(direct.take().toString('utf8')).toBe(want);
    }
    expect(lines).toBeGreaterThan(25000);
  }, 240_000);
});
