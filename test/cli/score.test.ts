/** `flowsift score`: record contents against the input rows, formats, flags and exit codes. */
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { cli, jsonl, kddSubset } from './model-helpers.ts';
import { CSV_COLUMNS } from '../../src/report/format.ts';

const dir = mkdtempSync(join(tmpdir(), 'flowsift-score-'));
const model = join(dir, 'm.json');
let test: { path: string; lines: string[] };

beforeAll(async () => {
  const train = kddSubset('KDDTrain+.txt.gz', 25, dir);
  test = kddSubset('KDDTest+.txt.gz', 20, dir);
  const r = await cli(['train', train.path, '-m', model, '--train-on', 'normal', '--k', '12', '--k-max', '3', '--n-init', '1', '-q']);
  expect(r.code).toBe(0);
});

describe('flowsift score', () => {
  it('jsonl: one record per input row, label carried, anomaly_score = distance / threshold, reasons name real values', async () => {
    const out = join(dir, 's.jsonl');
    const r = await cli(['score', test.path, '-m', model, '-o', out, '--explain', '2', '--pca']);
    expect(r.code).toBe(0);
    const recs = jsonl(readFileSync(out, 'utf8'));
    expect(recs.length).toBe(test.lines.length);
    recs.forEach((rec, i) => {
      const f = test.lines[i]!.split(',');
      expect(rec.row).toBe(i + 1);
      expect(rec.label).toBe(f[41]);
      expect(rec.service).toBe(f[2]);
      expect(rec.anomaly_score).toBeCloseTo(rec.distance / rec.threshold, 5);
      expect(rec.is_anomaly).toBe(rec.distance > rec.threshold);
      expect(rec.event_type).toBe(rec.is_anomaly ? 'anomaly' : 'flow');
      expect(rec.severity === null).toBe(!rec.is_anomaly);
      expect(typeof rec.pca_x).toBe('number');
      expect(rec.reasons.length).toBeLessThanOrEqual(2);
    });
    // a reason's value is the row's own value for that feature
    const names = readFileSync(new URL('../../../shared/corpus/kdd/kddcup.names', import.meta.url), 'latin1').split('\n').slice(1).filter((l) => l.includes(':')).map((l) => l.split(':')[0]!);
    let checked = 0;
    recs.forEach((rec, i) => {
      const f = test.lines[i]!.split(',');
      for (const reason of rec.reasons) {
        const j = names.indexOf(reason.feature);
        expect(String(reason.value)).toBe(j >= 1 && j <= 3 ? f[j] : String(Number(f[j])));
        checked++;
      }
    });
    expect(checked).toBeGreaterThan(recs.length);
    const anomalies = recs.filter((x) => x.is_anomaly).length;
    expect(r.err).toContain(`${recs.length.toLocaleString('en-US')} flows scored, ${anomalies.toLocaleString('en-US')} anomalies`);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('csv, --only-anomalies and table formats agree with the jsonl records', async () => {
    const all = jsonl(readFileSync(join(dir, 's.jsonl'), 'utf8'));
    const csvOut = join(dir, 's.csv');
    expect((await cli(['score', test.path, '-m', model, '-o', csvOut, '--explain', '2', '-q'])).code).toBe(0);
    const rows = parse(readFileSync(csvOut, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual([...CSV_COLUMNS]);
    expect(rows.length).toBe(all.length);
    expect(rows.map((x) => x.is_anomaly === 'true')).toEqual(all.map((x) => x.is_anomaly));
    expect(rows[0]!.reasons).toBe(all[0]!.reasons.map((x: { text: string }) => x.text).join('; '));
    const only = await cli(['score', test.path, '-m', model, '--only-anomalies', '--format', 'jsonl', '--explain', '2', '-q']);
    const an = jsonl(only.out);
    expect(an.map((x) => x.row)).toEqual(all.filter((x) => x.is_anomaly).map((x) => x.row));
    const table = await cli(['score', test.path, '-m', model, '--format', 'table', '--top', '3', '--explain', '2']);
    expect(table.code).toBe(0);
    expect(table.out).toContain(`${all.length.toLocaleString('en-US')} flows scored`);
    const top = [...all].filter((x) => x.is_anomaly).sort((a, b) => b.anomaly_score - a.anomaly_score)[0]!;
    expect(table.out).toContain(`#1  row ${top.row}`);
    expect(table.out).toContain(`why: ${top.reasons.map((x: { text: string }) => x.text).join(' · ')}`);
    expect(table.out).not.toContain('#4 ');
  });

  it('--fail-on-anomaly exits 4 when anything is flagged', async () => {
    const r = await cli(['score', test.path, '-m', model, '--fail-on-anomaly', '-o', join(dir, 'f.jsonl'), '-q']);
    expect(r.code).toBe(4);
    expect(existsSync(join(dir, 'f.jsonl'))).toBe(true);
  });

  it('an incompatible model and a bad input row exit 3 with a one-line message; rows before the fault are written', async () => {
    const doc = JSON.parse(readFileSync(model, 'utf8'));
    const old = join(dir, 'old.json');
    writeFileSync(old, JSON.stringify({ ...doc, schemaVersion: 99 }));
    const r = await cli(['score', test.path, '-m', old]);
    expect(r.code).toBe(3);
    expect(r.err.trim().split('\n').length).toBe(1);
    expect(r.err).toContain('model schema version 99');
    const bad = join(dir, 'bad.txt');
    writeFileSync(bad, [...test.lines.slice(0, 10), 'garbage,line', ...test.lines.slice(10, 20)].join('\n') + '\n');
    const out = join(dir, 'partial.jsonl');
    const b = await cli(['score', bad, '-m', model, '-o', out]);
    expect(b.code).toBe(3);
    expect(b.err).toMatch(/bad\.txt: byte \d+: line 11: expected 43 fields/);
    expect(jsonl(readFileSync(out, 'utf8')).length).toBe(10);
  });

  it('a file lacking the model\'s features (an earlier scores.jsonl) exits 3 naming the missing columns, instead of scoring zeros', async () => {
    const scores = join(dir, 'scores-in.jsonl');
    expect((await cli(['score', test.path, '-m', model, '-o', scores, '-q'])).code).toBe(0);
    const out = join(dir, 'rescored.jsonl');
    const r = await cli(['score', scores, '-m', model, '-o', out]);
    expect(r.code).toBe(3);
    expect(r.err.trim().split('\n').length).toBe(1);
    // records carry a few features (protocol_type, service, flag …): exactly the others are listed
    const first = jsonl(readFileSync(scores, 'utf8'))[0]!;
    const features: string[] = JSON.parse(readFileSync(model, 'utf8')).features;
    const absent = features.filter((f) => !(f in first));
    const m = /lacks (\d+) of the 41 feature columns the model was trained on: ([a-z_, ]+)/.exec(r.err);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBe(absent.length);
    expect(m![2]!.trim().split(', ')).toEqual(absent);
    expect(absent).toContain('wrong_fragment');
    expect(absent).not.toContain('service');
    expect(r.err).toContain('scores-in.jsonl');
    expect(r.err).toContain('looks like scoring output');
    expect(readFileSync(out, 'utf8')).toBe('');
  });
});
