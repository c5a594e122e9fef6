/**
 * RankedIncidents (analyze's incidents without holding them): from the incidents of the demo's
 * analysis, in the order they close, it writes incidents.jsonl byte for byte as rankIncidents +
 * writeIncidentsJsonl do (ranks past 9 included), keeps the same top ones and counts, and leaves no
 * spill file behind.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/main.ts';
import { IncidentBuilder, rankIncidents, writeIncidentsJsonl, type Incident } from '../../src/report/incidents/index.ts';
import { RankedIncidents } from '../../src/report/incidents/ranked.ts';
import type { TextSink } from '../../src/dataset/output.ts';
import type { AnomalyRecord } from '../../src/report/record.ts';

const SAMPLE = new URL('../../samples/demo.pcap', import.meta.url).pathname;
const quiet = new Writable({ write: (_c, _e, cb) => cb() });
let dir: string;
let closed: Incident[];

/** A sink collecting what is written, as text and as bytes. */
function collect(): TextSink & { text: () => string } {
  const parts: Buffer[] = [];
  return {
    target: 'memory',
    write: (s) => void parts.push(Buffer.from(s, 'utf8')),
    writeBytes: (b) => void parts.push(Buffer.from(b)),
    close: async () => undefined,
    abort: async () => undefined,
    text: () => Buffer.concat(parts).toString('utf8'),
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flowsift-ranked-'));
  expect(await runCli(['analyze', SAMPLE, '--out-dir', join(dir, 'a'), '-q'], { stdout: quiet, stderr: quiet })).toBe(0);
  const recs = readFileSync(join(dir, 'a', 'scores.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AnomalyRecord);
  for (const r of recs) r.incident_id = undefined as unknown as string;
  const b = new IncidentBuilder();
  closed = [];
  for (const r of recs) closed.push(...b.push(r));
  closed.push(...b.end());
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('RankedIncidents', () => {
  it('writes the ranked incidents.jsonl from its spill, keeps the top ones and the counts, and removes the spill', async () => {
    expect(closed.length).toBeGreaterThan(12);
    const spill = join(dir, 'spill.tmp');
    const ranked = new RankedIncidents(4, spill);
    for (const x of closed) ranked.add(structuredClone(x));
    const want = collect();
    const all = rankIncidents(closed.map((x) => structuredClone(x)));
    await writeIncidentsJsonl(want, all);
    const got = collect();
    await ranked.writeJsonl(got);
    expect(got.text()).toBe(want.text());
    expect(existsSync(spill)).toBe(false);
    expect(ranked.top()).toEqual(all.slice(0, 4));
    expect(ranked.length).toBe(all.length);
    expect(ranked.bySeverity).toEqual({ 1: all.filter((x) => x.severity === 1).length, 2: all.filter((x) => x.severity === 2).length, 3: all.filter((x) => x.severity === 3).length });
    // and analyze's own incidents.jsonl is that file
    expect(readFileSync(join(dir, 'a', 'incidents.jsonl'), 'utf8')).toBe(want.text());
  });

  it('without a spill keeps only the counts and the top ones; dispose() removes an unused spill', () => {
    const ranked = new RankedIncidents(2);
    for (const x of closed) ranked.add(structuredClone(x));
    expect(ranked.top().map((x) => x.incident_id)).toEqual(rankIncidents(closed.map((x) => structuredClone(x))).slice(0, 2).map((x) => x.incident_id));
    const spill = join(dir, 'unused.tmp');
    const r2 = new RankedIncidents(0, spill);
    expect(existsSync(spill)).toBe(true);
    r2.dispose();
    expect(existsSync(spill)).toBe(false);
  });
});
