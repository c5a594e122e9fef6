/**
 * A capture cut off by a full disk keeps every flow its complete records support: truncate a real
 * multi-flow capture at 50 points and compare the flows with those computed from a clean copy of the
 * same complete-record prefix (a valid pcap written from the independently walked records), and with
 * the flows of the whole file (no complete flow lost, none invented).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Row } from '../../src/dataset/types.ts';
import { extractFlows, type ExtractSummary } from '../../src/features/extract.ts';
import { caseFile } from './harness.ts';
import { u32, walkCapture } from './layout.ts';
import { Rng } from './mutate.ts';

const NAME = 'zeek__http-methods.pcap';
const bytes = new Uint8Array(readFileSync(new URL(`../../../shared/corpus/pcap/${NAME}`, import.meta.url)));
const L = walkCapture(bytes);

async function flows(path: string): Promise<{ rows: Row[]; s: ExtractSummary }> {
  const rows: Row[] = [];
  const s = await extractFlows([path], {}, (r) => void rows.push(r));
  return { rows, s };
}

/** A valid classic pcap holding the first k records: the file header and each record copied field by field. */
function cleanPrefix(k: number): Uint8Array {
  const size = 24 + L.records.slice(0, k).reduce((n, r) => n + 16 + r.caplen, 0);
  const out = new Uint8Array(size);
  out.set(bytes.subarray(0, 24));
  let o = 24;
  for (const r of L.records.slice(0, k)) {
    out.set(bytes.subarray(r.hdr, r.hdr + 16), o);
    out.set(bytes.subarray(r.data, r.data + r.caplen), o + 16);
    o += 16 + r.caplen;
  }
  return out;
}

const key = (r: Row): string => `${r.community_id}|${r.ts}|${r.src_port}|${r.dst_port}`;
const recTime = (i: number): number => u32(bytes, L.records[i]!.hdr, true) + u32(bytes, L.records[i]!.hdr + 4, true) / 1e6;

describe(`truncating ${NAME} at 50 points`, () => {
  it('writes exactly the flows the complete records support', async () => {
    // The walk agrees with tshark (REFERENCE.tsv: 655 packets, classic pcap) and the file is time-ordered.
    expect(L.kind).toBe('pcap');
    expect(L.records.length).toBe(655);
    for (let i = 1; i < L.records.length; i++) expect(recTime(i)).toBeGreaterThanOrEqual(recTime(i - 1));
    const full = await flows(caseFile(bytes));
    expect(full.rows.length).toBeGreaterThan(40);
    const fullByKey = new Map(full.rows.map((r) => [key(r), r]));

    const rng = new Rng(7);
    let checkedComplete = 0;
    for (let i = 0; i < 50; i++) {
      // Spread over the file; a third exactly at record boundaries, the rest at random bytes.
      const lo = 24 + Math.floor((i * (bytes.length - 24)) / 50);
      const hi = 24 + Math.floor(((i + 1) * (bytes.length - 24)) / 50);
      let cut = rng.range(lo, hi - 1);
      if (i % 3 === 0) cut = L.records.find((r) => r.hdr >= cut)?.hdr ?? cut;
      const k = L.records.filter((r) => r.end <= cut).length;
      const inside = !L.records.some((r) => r.hdr === cut) && cut !== L.records[k - 1]?.end;

      const t = await flows(caseFile(bytes.subarray(0, cut)));
      const p = await flows(caseFile(cleanPrefix(k), '.prefix.pcap'));
      expect(t.s.packets, `cut ${cut}`).toBe(k);
      expect(t.s.errors, `cut ${cut}`).toEqual([]);
      // A cut inside a record is a warning naming the byte offset of that record.
      if (inside) expect(t.s.warnings.join('\n'), `cut ${cut}`).toContain(`byte ${L.records[k]!.hdr}`);
      // Same flows, same values, as the clean prefix (but the uids: salted by each file's content).
      const noUid = (rows: Row[]): Row[] => rows.map(({ uid: _, ...r }) => r);
      expect(noUid(t.rows), `cut ${cut} (${k} complete records)`).toEqual(noUid(p.rows));

      // No invented flow: each one is a flow of the whole file, with no more packets than there.
      for (const r of t.rows) {
        const f = fullByKey.get(key(r));
        expect(f, `cut ${cut}: flow ${key(r)} not in the whole file`).toBeDefined();
        expect(r.src_pkts as number).toBeLessThanOrEqual(f!.src_pkts as number);
        expect(r.dst_pkts as number).toBeLessThanOrEqual(f!.dst_pkts as number);
      }
      // No lost complete flow: a flow of the whole file that ended before the first missing record is
      // in the truncated output with the same counters and state.
      const tByKey = new Map(t.rows.map((r) => [key(r), r]));
      const limit = k < L.records.length ? recTime(k) : Infinity;
      for (const f of full.rows) {
        if ((f.ts as number) + (f.duration as number) >= limit) continue;
        checkedComplete++;
        const r = tByKey.get(key(f));
        expect(r, `cut ${cut}: complete flow ${key(f)} lost`).toBeDefined();
        for (const c of ['src_bytes', 'dst_bytes', 'src_pkts', 'dst_pkts', 'flag', 'conn_state', 'history', 'service']) expect(r![c], `${key(f)} ${c}`).toBe(f[c]);
      }
    }
    // The cuts covered many complete flows (not a vacuous comparison).
    expect(checkedComplete).toBeGreaterThan(200);
  });
});
