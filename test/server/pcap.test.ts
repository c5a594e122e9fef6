/**
 * GET /api/v1/flows/:uid/pcap: the flow's packets cut from its source capture. Every flow of the
 * demo analysis gets exactly its src_pkts + dst_pkts packets; downloads open in `flowsift info` and
 * tshark with the original link type and exact timestamps, and hold only the flow's conversation.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.ts';
import { createContext, type ServerContext } from '../../src/server/context.ts';
import { writeFlowPackets } from '../../src/capture/flow-packets.ts';
import { isoToMicros, selectorOf } from '../../src/server/pcap-route.ts';
import { body, cli, DEMO, makeAnalyses, type Fixture } from './helpers.ts';

let fx: Fixture;
let ctx: ServerContext;
let app: ReturnType<typeof createApp>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let rows: any[];

beforeAll(async () => {
  fx = await makeAnalyses(['demo']);
  ctx = await createContext({ dirs: [fx.demo] });
  app = createApp(ctx);
  const r = await body(await app.request('/api/v1/flows?limit=1000'));
  rows = r.rows;
});
afterAll(async () => {
  await ctx?.close();
  fx?.cleanup();
});

const tshark = (file: string, ...args: string[]): string => execFileSync('tshark', ['-n', '-r', file, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });

describe('per-flow pcap', () => {
  it('flows of every kind in the demo analysis: exactly their src_pkts + dst_pkts packets', async () => {
    expect(rows.length).toBeGreaterThan(600);
    const out = join(fx.root, 'one.pcap');
    const wrong: string[] = [];
    // every fourth flow, and every flow that is not a plain TCP SF connection (each run reads the capture)
    const some = rows.filter((r, i) => i % 4 === 0 || r.proto !== 6 || r.flag !== 'SF');
    expect(some.length).toBeGreaterThan(300);
    for (const r of some) {
      const res = await writeFlowPackets([DEMO], selectorOf(r)!, out);
      if (res.packets !== r.src_pkts + r.dst_pkts) wrong.push(`${r.uid} ${r.protocol_type} ${r.flag}: ${res.packets} vs ${r.src_pkts}+${r.dst_pkts}`);
    }
    expect(wrong).toEqual([]);
  });

  it('the download opens in flowsift info and tshark: the flow\'s packets only, link type and timestamps kept', async () => {
    const picks = [
      rows.find((r) => r.proto === 6 && r.flag === 'SF' && r.dst_bytes > 1000),
      rows.find((r) => r.proto === 6 && r.flag === 'S0'),
      rows.find((r) => r.proto === 17),
      rows.find((r) => r.proto === 1),
    ];
    for (const r of picks) {
      expect(r, 'a flow of each kind').toBeDefined();
      const res = await app.request(`/api/v1/flows/${r.uid}/pcap`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/vnd.tcpdump.pcap');
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${r.uid}.pcap"`);
      const file = join(fx.root, `${r.uid}.pcap`);
      writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      const pkts = r.src_pkts + r.dst_pkts;
      const info = await cli(['info', file, '--json']);
      expect(info.code).toBe(0);
      const facts = JSON.parse(info.out);
      expect(facts.packets).toBe(pkts);
      expect(facts.linktypes).toEqual([1]);
      expect(facts.first_ts_exact).toBe(`${r.ts.slice(0, 0)}${(Date.parse(r.ts) / 1000 | 0)}.${r.ts.slice(20, 26)}000`);
      // tshark: the same count, all inside the flow's conversation filter, and the same packets as
      // that filter (with the flow's time span) selects from the original capture
      const detail = await body(await app.request(`/api/v1/flows/${r.uid}`));
      const filter = detail.wireshark_filter as string;
      expect(tshark(file, '-T', 'fields', '-e', 'frame.number').trim().split('\n').length).toBe(pkts);
      expect(tshark(file, '-Y', filter, '-T', 'fields', '-e', 'frame.number').trim().split('\n').length).toBe(pkts);
      const t0 = isoToMicros(r.ts) / 1e6;
      const span = `frame.time_epoch >= ${(t0 - 1e-6).toFixed(6)} && frame.time_epoch <= ${(t0 + r.duration + 2e-6).toFixed(6)}`;
      const fromOriginal = tshark(DEMO, '-Y', `${filter} && ${span}`, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len');
      expect(tshark(file, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len')).toBe(fromOriginal);
      if (r.proto === 17) {
        const payload = tshark(file, '-T', 'fields', '-e', 'udp.length').trim().split('\n').reduce((s, x) => s + Number(x) - 8, 0);
        expect(payload).toBe(r.src_bytes + r.dst_bytes);
      }
      rmSync(file);
    }
  });

  it('404 when the analysis does not name its capture, or the capture is gone; 404 for an unknown uid', async () => {
    expect((await app.request('/api/v1/flows/Cnope/pcap')).status).toBe(404);
    const meta = join(fx.demo, 'analysis.json');
    const saved = readFileSync(meta);
    writeFileSync(meta, JSON.stringify({ schema: 'flowsift.analysis/1', inputs: [join(fx.root, 'gone.pcap')] }));
    const other = await createContext({ dirs: [fx.demo] });
    try {
      const r = await createApp(other).request(`/api/v1/flows/${rows[0].uid}/pcap`);
      expect(r.status).toBe(404);
      expect((await body(r)).error.code).toBe('no_capture');
      expect((await body(await createApp(other).request(`/api/v1/flows/${rows[0].uid}`))).pcap).toEqual({ available: false, url: null });
    } finally {
      await other.close();
      writeFileSync(meta, saved);
    }
  });
});
