/**
 * The library API (src/index.ts) works as the README shows: captures → flow rows through
 * extractFlows, and packets decoded in place through readCaptures + decodePacket, with the same
 * answers as the CLI on a real capture.
 */
import { describe, it, expect } from 'vitest';
import { Writable } from 'node:stream';
import * as flowsift from '../src/index.ts';
import { runCli } from '../src/cli/main.ts';

const CORPUS = new URL('../../shared/corpus/pcap/', import.meta.url).pathname;
const HTTP = CORPUS + 'zeek__http-methods.pcap';

describe('library API', () => {
  it('readCaptures + decodePacket see every packet of a real capture (count from REFERENCE.tsv: tshark)', async () => {
    const pkt = new flowsift.DecodedPacket();
    let tcp = 0;
    const report = await flowsift.readCaptures([HTTP], (rec) => {
      flowsift.decodePacket(rec, pkt);
      if (pkt.proto === flowsift.IPPROTO.TCP) tcp++;
    });
    expect(report.errors).toEqual([]);
    expect(report.packets).toBe(tcp); // an all-TCP capture
    const tsv = (await import('node:fs')).readFileSync(CORPUS + 'REFERENCE.tsv', 'utf8');
    const line = tsv.split('\n').find((l) => l.startsWith('zeek__http-methods.pcap\t'))!.split('\t');
    expect(report.packets).toBe(Number(line[6]));
  });

  it('extractFlows gives the rows `flowsift flows` writes, in start order with the KDD columns', async () => {
    const rows: flowsift.Row[] = [];
    const summary = await flowsift.extractFlows([HTTP], {}, (row) => {
      rows.push({ ...row });
    });
    expect(summary.flows).toBe(rows.length);
    expect(rows.length).toBeGreaterThan(0);
    for (const c of flowsift.KDD_COLUMNS) expect(rows[0]).toHaveProperty(c.name);
    expect(rows.every((r, i) => i === 0 || (r.ts as number) >= (rows[i - 1]!.ts as number))).toBe(true);

    let out = '';
    const stdout = new Writable({ write(chunk, _enc, cb) { out += chunk; cb(); } });
    const code = await runCli(['flows', HTTP, '--format', 'jsonl', '-q'], { stdout });
    expect(code).toBe(0);
    const cli = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(cli.map((r) => r.uid)).toEqual(rows.map((r) => r.uid));
    expect(cli.map((r) => r.flag)).toEqual(rows.map((r) => r.flag));
  });

  it('is a library only: the CLI is not part of it', () => {
    expect(Object.keys(flowsift)).not.toContain('runCli');
  });
});
