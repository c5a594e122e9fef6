/**
 * The flow fast path to CSV (src/dataset/flow-csv.ts) against the generic CsvWriter over the Row
 * flowRow() builds: same bytes, over real captures and over crafted records that take every
 * formatting path (fractions where integers are expected, huge and negative numbers, NaN, text
 * that needs quotes or UTF-8, content features set and not).
 */
import { describe, expect, it } from 'vitest';
import { CsvWriter, LineBuffer } from '../../src/dataset/csv.ts';
import { FlowCsvWriter, isFlowColumns, writeFlowLine } from '../../src/dataset/flow-csv.ts';
import { extractFlows, flowRow } from '../../src/features/extract.ts';
import { FLOW_COLUMNS } from '../../src/features/schema.ts';
import { emptyWindowFeatures, type WindowFeatures } from '../../src/features/windows.ts';
import type { FlowRecord } from '../../src/flow/record.ts';
import { memorySink } from './sink.ts';

const CORPUS = new URL('../../../shared/corpus/pcap/', import.meta.url).pathname;
const DEMO = new URL('../../samples/demo.pcap', import.meta.url).pathname;

/** `flows` of `inputs` to CSV twice: through Row objects and CsvWriter, and through writeFlow. */
async function bothWays(inputs: string[]): Promise<{ generic: string; fast: string; rows: number }> {
  const g = memorySink();
  const generic = new CsvWriter(g, FLOW_COLUMNS);
  await extractFlows(inputs, {}, (row) => generic.write(row));
  await generic.close();
  const f = memorySink();
  const fast = new FlowCsvWriter(f, FLOW_COLUMNS);
  let rowsSeen = 0;
  const s = await extractFlows(inputs, { flowWriter: fast }, () => void rowsSeen++);
  const rows = await fast.close();
  expect(rowsSeen).toBe(0); // onRow is not called on the fast path
  expect(rows).toBe(s.flows);
  return { generic: g.text(), fast: f.text(), rows };
}

describe('flows to CSV without Row objects', () => {
  it('writes the same bytes as CsvWriter over flowRow for every flow of the corpus', async () => {
    const { generic, fast, rows } = await bothWays([CORPUS]);
    expect(rows).toBeGreaterThan(1000);
    expect(fast).toBe(generic);
  }, 60_000);

  it('and for the demo capture, whose telnet, FTP and HTTP flows carry content features', async () => {
    const { generic, fast } = await bothWays([DEMO]);
    expect(fast).toBe(generic);
    // The capture does exercise the content branch: some rows have a non-zero content feature.
    const lines = fast.trim().split('\n').slice(1).map((l) => l.split(','));
    const hot = FLOW_COLUMNS.findIndex((c) => c.name === 'hot');
    const loggedIn = FLOW_COLUMNS.findIndex((c) => c.name === 'logged_in');
    expect(lines.some((c) => c[hot] !== '0' || c[loggedIn] !== '0')).toBe(true);
  }, 60_000);

  it('crafted values take the same fallbacks as the generic writer', async () => {
    const base: FlowRecord = {
      uid: 'C1a2b3c4d5e6f7g8h9', communityId: '1:abcdefghijklmnopqrstuvwxyz0=', startTs: 1_700_000_000.123456, endTs: 1_700_000_002.5,
      ipVersion: 4, proto: 6, protocolType: 'tcp', srcIp: '10.0.0.1', dstIp: '10.0.0.2', srcPort: 40000, dstPort: 23,
      vlan: 0, icmpType: -1, icmpCode: -1, flag: 'SF', connState: 'SF', history: 'ShADadFf', endReason: 'fin',
      srcBytes: 120, dstBytes: 3400, srcPkts: 12, dstPkts: 10, srcIpBytes: 700, dstIpBytes: 4000, land: 0,
      wrongFragment: 0, urgent: 0, payloadInspected: false, tunnel: '', tunnelSrc: '', tunnelDst: '',
    };
    const w: WindowFeatures = { ...emptyWindowFeatures(), count: 3, srv_count: 2, serror_rate: 1 / 3, same_srv_rate: 2 / 3, dst_host_count: 255, dst_host_same_srv_rate: 0.5, dst_host_rerror_rate: 1 };
    const variants: [Partial<FlowRecord>, Partial<WindowFeatures>][] = [
      [{}, {}],
      [{ content: { hot: 2, num_failed_logins: 1, logged_in: 1, num_compromised: 0, root_shell: 1, su_attempted: 0, num_root: 3, num_file_creations: 1, num_shells: 1, num_access_files: 0, num_outbound_cmds: 0, is_host_login: 0, is_guest_login: 1 }, payloadInspected: true }, {}],
      [{ srcBytes: 2 ** 53 + 2, dstBytes: 1.5, srcPkts: -3, dstPkts: NaN, srcIpBytes: Infinity }, { count: 2.25, serror_rate: -0.5, rerror_rate: NaN }],
      // Numbers written in full by the fallback (hundreds of digits): the line buffer grows mid-line.
      [{ srcBytes: 1e300, dstBytes: 1e300, land: 1e300 as 0, wrongFragment: 1e300, urgent: 1e300, srcPkts: 1e300, dstPkts: 1e300, srcIpBytes: 1e300, dstIpBytes: 1e300, vlan: 1e300, ipVersion: 1e300 as 4 }, { count: 1e300, srv_count: 1e300, dst_host_count: 1e300, dst_host_srv_count: 1e300, serror_rate: 1e300, dst_host_srv_rerror_rate: 1e300 }],
      [{ startTs: 0, endTs: 0 }, { same_srv_rate: 1e-7, diff_srv_rate: 9.9999999 }],
      [{ startTs: 1e10, endTs: 1e10 + 0.25 }, {}],
      [{ endTs: 1_699_999_999 }, {}], // ends before it starts: duration 0
      [{ history: 'S,"q"', srcIp: 'fe80::1', dstIp: 'ü.example', endReason: 'line\nbreak' as FlowRecord['endReason'] }, {}],
      [{ ipVersion: 6, proto: 58, protocolType: 'icmp', srcPort: 128, dstPort: 0, vlan: 4095, land: 1, wrongFragment: 7, urgent: 2 }, {}],
      [{ tunnel: 'vxlan:gre', tunnelSrc: '2001:db8::1', tunnelDst: '192.0.2.1' }, {}],
      [{ uid: undefined as unknown as string, payloadInspected: undefined as unknown as boolean }, {}],
    ];
    // Each line is written into a buffer already nearly full: room for the line's reservation and
    // its first text fields, so a long number after them (1e300: 301 digits) makes it grow mid-line.
    const nearlyFull = (lb: LineBuffer): LineBuffer => {
      lb.buf.fill(0x78);
      lb.off = lb.buf.length - 1300;
      return lb;
    };
    for (const [fv, wv] of variants) {
      const f = { ...base, ...fv };
      const win = { ...w, ...wv };
      const sink = memorySink();
      const generic = new CsvWriter(sink, FLOW_COLUMNS, { header: false });
      const glb = nearlyFull((generic as unknown as { lb: LineBuffer }).lb);
      const filler = glb.off;
      generic.write(flowRow(f, 'telnet', win));
      await generic.close();
      const lb = nearlyFull(new LineBuffer());
      writeFlowLine(lb, f, 'telnet', win);
      const want = sink.text();
      expect(want.length).toBeGreaterThan(filler + 100);
      expect(lb.take().toString('utf8')).toBe(want);
    }
  });

  it('is used only for exactly the flow columns, in order', () => {
    expect(isFlowColumns(FLOW_COLUMNS)).toBe(true);
    expect(isFlowColumns(FLOW_COLUMNS.slice(1))).toBe(false);
    expect(isFlowColumns([...FLOW_COLUMNS.slice(1), FLOW_COLUMNS[0]!])).toBe(false);
  });
});

describe('where the flow fast path is used', () => {
  it('openDatasetWriter gives a FlowCsvWriter for the flow columns only', async () => {
    const { openDatasetWriter } = await import('../../src/dataset/output.ts');
    const dir = (await import('node:fs')).mkdtempSync((await import('node:path')).join((await import('node:os')).tmpdir(), 'flowsift-fcsv-'));
    const a = openDatasetWriter('csv', `${dir}/a.csv`, FLOW_COLUMNS);
    const b = openDatasetWriter('csv', `${dir}/b.csv`, FLOW_COLUMNS.slice(0, 5));
    expect(a).toBeInstanceOf(FlowCsvWriter);
    expect(b).not.toBeInstanceOf(FlowCsvWriter);
    expect(b).toBeInstanceOf(CsvWriter);
    await a.abort();
    await b.abort();
  });

  it('`flowsift flows` to CSV (the fast path) writes what the Row path writes', async () => {
    const { runCli } = await import('../../src/cli/main.ts');
    const { Writable } = await import('node:stream');
    const chunks: Buffer[] = [];
    const out = new Writable({ write(c, _e, cb) { chunks.push(Buffer.from(c)); cb(); } });
    const err = new Writable({ write(_c, _e, cb) { cb(); } });
    const file = CORPUS + 'zeek__ftp-bruteforce.pcap';
    expect(await runCli(['flows', file, '--format', 'csv'], { stdout: out, stderr: err })).toBe(0);
    const g = memorySink();
    const generic = new CsvWriter(g, FLOW_COLUMNS);
    await extractFlows([file], {}, (row) => generic.write(row));
    await generic.close();
    expect(Buffer.concat(chunks).toString('utf8')).toBe(g.text());
  });
});
