/**
 * `flowsift hosts` and `flowsift label` end to end on a generated capture (gen_bench_pcap.py, 1000
 * background flows, seed 7). Host aggregates are checked against the generator's per-flow truth
 * (flows, bytes, packets, distinct destinations/ports per source and window); failed connections
 * against the flow rows' flags; labels against the truth's attack sources.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/main.ts';
import { extractFlows } from '../../src/features/extract.ts';
import { FLOW_COLUMNS } from '../../src/features/schema.ts';
import { openDatasetWriter } from '../../src/dataset/output.ts';
import { readDataset } from '../../src/dataset/read.ts';
import type { Row } from '../../src/dataset/types.ts';
import { generateCapture, type Truth } from './helpers.ts';

let dir: string;
let pcap: string;
let truthCsv: string;
let truth: Truth[];
let flows: Row[];

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c) => (stdout += c));
  err.on('data', (c) => (stderr += c));
  const code = await runCli(args, { stdout: out, stderr: err });
  return { code, stdout, stderr };
}

async function readAll(p: string): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const r of readDataset(p)) rows.push(r);
  return rows;
}

beforeAll(async () => {
  ({ dir, pcap, truthCsv, truth } = generateCapture());
  flows = [];
  const w = openDatasetWriter('csv', join(dir, 'flows.csv'), FLOW_COLUMNS);
  await extractFlows([pcap], {}, (row) => {
    flows.push(row);
    return w.write(row);
  });
  await w.close();
});

describe('flowsift hosts', () => {
  it('aggregates per source and window as the generator\'s truth says, from the capture or from the flow CSV', async () => {
    const W = 20;
    const fromPcap = join(dir, 'hosts.parquet');
    const r1 = await cli(['hosts', pcap, '--window', String(W), '-o', fromPcap]);
    expect(r1.code).toBe(0);
    const fromCsv = join(dir, 'hosts.jsonl');
    const r2 = await cli(['hosts', join(dir, 'flows.csv'), '--window', String(W), '-o', fromCsv]);
    expect(r2.code).toBe(0);
    const a = await readAll(fromPcap);
    const b = await readAll(fromCsv);
    expect(b).toEqual(a);

    // expected, from the truth file
    const want = new Map<string, { flows: number; bytes: number; pkts: number; dsts: Set<string>; ports: Set<number> }>();
    for (const t of truth) {
      const k = `${Math.floor(t.start / W) * W}|${t.src}`;
      const e = want.get(k) ?? { flows: 0, bytes: 0, pkts: 0, dsts: new Set(), ports: new Set() };
      e.flows++;
      e.bytes += t.bytes;
      e.pkts += t.pkts;
      e.dsts.add(t.dst);
      e.ports.add(t.dport);
      want.set(k, e);
    }
    expect(a.length).toBe(want.size);
    for (const r of a) {
      const e = want.get(`${r.window_start}|${r.src_ip}`)!;
      expect(e, `${r.window_start} ${r.src_ip}`).toBeDefined();
      expect([r.flows, r.bytes, r.packets, r.unique_dst_ips, r.unique_dst_ports]).toEqual([e.flows, e.bytes, e.pkts, e.dsts.size, e.ports.size]);
      expect(r.window_end).toBe((r.window_start as number) + W);
    }
    // failed connections = flows with flag REJ/S0/RSTO/RSTR/RSTOS0/SH
    const failed = new Map<string, number>();
    for (const f of flows) {
      if (['REJ', 'S0', 'RSTO', 'RSTR', 'RSTOS0', 'SH'].includes(f.flag as string)) {
        const k = `${Math.floor((f.ts as number) / W) * W}|${f.src_ip}`;
        failed.set(k, (failed.get(k) ?? 0) + 1);
      }
    }
    for (const r of a) expect(r.failed_connections).toBe(failed.get(`${r.window_start}|${r.src_ip}`) ?? 0);
    // the port scanner: one source, 1000 distinct ports in its window, mostly failed
    const scan = a.filter((r) => r.src_ip === '185.220.101.47');
    expect(scan.reduce((s, r) => s + (r.unique_dst_ports as number), 0)).toBe(truth.filter((t) => t.label === 'portscan').length);
    expect(scan.reduce((s, r) => s + (r.failed_connections as number), 0)).toBeGreaterThan(900);
  });

  it('labels host rows with the dominant attack label of their flows', async () => {
    const out = join(dir, 'hosts-labeled.csv');
    const r = await cli(['hosts', pcap, '--window', '60', '--labels', truthCsv, '-o', out, '-q']);
    expect(r.code).toBe(0);
    const rows = await readAll(out);
    // each attack source sends one kind of attack; its window rows carry that label, others normal
    const attack = new Map<string, { label: string; n: number }>();
    for (const t of truth) {
      if (t.label === 'normal') continue;
      const k = `${Math.floor(t.start / 60) * 60}|${t.src}`;
      const e = attack.get(k) ?? { label: t.label, n: 0 };
      e.n++;
      attack.set(k, e);
    }
    let attackRows = 0;
    for (const h of rows) {
      const e = attack.get(`${h.window_start}|${h.src_ip}`);
      if (e) attackRows++;
      expect(h.label, h.src_ip as string).toBe(e?.label ?? 'normal');
      expect(h.attack_flows).toBe(e?.n ?? 0);
    }
    expect(attackRows).toBe(attack.size);
  });
});

describe('flowsift label', () => {
  it('labels a flow CSV into Parquet with a JSON report; unmatched rules warn', async () => {
    const rules = join(dir, 'rules.csv');
    writeFileSync(rules, [
      'src_ip,dst_ip,dst_port,proto,start,end,label',
      '185.220.101.47,,,tcp,,,portsweep',
      ',10.0.0.80,80,tcp,2023-11-15 01:13:44,2023-11-15 01:13:45,neptune',
      '192.0.2.1,,,,,,never',
    ].join('\n') + '\n');
    const out = join(dir, 'labeled.parquet');
    const report = join(dir, 'report.json');
    const r = await cli(['label', join(dir, 'flows.csv'), '--labels', rules, '--labels-tz', 'Europe/Moscow', '-o', out, '--label-report', report]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: .*rule 3 \(line 4, src_ip=192\.0\.2\.1 → never\) matched no flow/);
    const rows = await readAll(out);
    expect(rows.length).toBe(flows.length);
    const count = (l: string): number => rows.filter((x) => x.label === l).length;
    expect(count('portsweep')).toBe(truth.filter((t) => t.label === 'portscan').length);
    expect(rows.find((x) => x.label === 'portsweep')!.category).toBe('probe');
    const synflood = truth.filter((t) => t.label === 'synflood').length;
    expect(count('neptune')).toBeGreaterThanOrEqual(synflood);
    expect(count('neptune')).toBeLessThanOrEqual(synflood * 1.005);
    const rep = JSON.parse(readFileSync(report, 'utf8'));
    expect(rep.rules.map((x: { flows: number }) => x.flows)).toEqual([count('portsweep'), count('neptune'), 0]);
    expect(rep.perLabel.normal).toBe(count('normal'));
    // the columns survived with their types
    expect(rows[0]).toMatchObject({ src_ip: flows[0]!.src_ip, ts: flows[0]!.ts, src_bytes: flows[0]!.src_bytes, service: flows[0]!.service });
  });

  it('--split-by hour writes Hive partitions with atomic parts; a naive time without a zone is a usage error', async () => {
    const outDir = join(dir, 'parts');
    const r = await cli(['label', join(dir, 'flows.csv'), '--labels', truthCsv, '--split-by', 'hour', '-o', outDir, '-q']);
    expect(r.code).toBe(0);
    // the capture starts at 1700000000 = 2023-11-14T22:13:20Z and lasts 60 s
    expect(readdirSync(outDir)).toEqual(['date=2023-11-14']);
    expect(readdirSync(join(outDir, 'date=2023-11-14'))).toEqual(['hour=22']);
    expect(readdirSync(join(outDir, 'date=2023-11-14', 'hour=22'))).toEqual(['part-0.parquet']);
    const rows = await readAll(join(outDir, 'date=2023-11-14', 'hour=22', 'part-0.parquet'));
    expect(rows.length).toBe(flows.length);
    // a non-empty output directory is refused
    const again = await cli(['label', join(dir, 'flows.csv'), '--labels', truthCsv, '--split-by', 'hour', '-o', outDir]);
    expect(again.code).toBe(2);
    const naive = join(dir, 'naive.csv');
    writeFileSync(naive, 'src_ip,start,label\n10.0.0.1,2023-11-14 22:00:00,x\n');
    const bad = await cli(['label', join(dir, 'flows.csv'), '--labels', naive, '-o', join(dir, 'never.csv')]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/naive\.csv: line 2, column start: naive time .*--labels-tz/);
    // The library's errors about its options get the command's flag named.
    const zone = await cli(['label', join(dir, 'flows.csv'), '--labels', naive, '--labels-tz', 'Mars/Olympus', '-o', join(dir, 'never.csv')]);
    expect(zone.code).toBe(2);
    expect(zone.stderr).toBe('flowsift: time zone Mars/Olympus: not an IANA time zone (e.g. America/New_York) or offset (e.g. +03:00) (--labels-tz)\n');
    const window = await cli(['hosts', join(dir, 'flows.csv'), '--window', '0', '-o', join(dir, 'never.csv')]);
    expect(window.code).toBe(2);
    expect(window.stderr).toBe('flowsift: host window 0: expected a positive number of seconds (--window)\n');
    const ext = await cli(['label', join(dir, 'flows.csv'), '--labels', naive, '--labels-tz', 'UTC', '-o', join(dir, 'never.xyz')]);
    expect(ext.code).toBe(2);
    expect(ext.stderr).toMatch(/never\.xyz: unknown extension; .* or give the format \(--format\)\n$/);
    expect(existsSync(join(dir, 'never.csv'))).toBe(false);
  });
});

describe('flowsift flows: --labels, --format parquet/kdd, --split-by', () => {
  it('writes labeled Parquet (by extension) whose rows equal the CSV flows plus the truth label', async () => {
    const out = join(dir, 'flows-labeled.parquet');
    const report = join(dir, 'flows-report.json');
    const r = await cli(['flows', pcap, '-o', out, '--labels', truthCsv, '--label-report', report]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/flows per label: synflood \d+, normal \d+, portscan/);
    const rows = await readAll(out);
    expect(rows.length).toBe(flows.length);
    const want: Record<string, number> = {};
    for (const t of truth) want[t.label] = (want[t.label] ?? 0) + 1;
    const got: Record<string, number> = {};
    for (const x of rows) got[x.label as string] = (got[x.label as string] ?? 0) + 1;
    expect(got).toEqual(want);
    const { label: _l, category: _c, ...first } = rows[0]!;
    expect(first).toEqual(flows[0]);
    expect(JSON.parse(readFileSync(report, 'utf8')).truthMatched).toBe(truth.length);
  });

  it('--format kdd appends the label like KDDTrain+.txt (43 columns, read back as NSL-KDD)', async () => {
    const out = join(dir, 'flows.kdd');
    expect((await cli(['flows', pcap, '-o', out, '--labels', truthCsv, '-q'])).code).toBe(0);
    const rows = await readAll(out);
    expect(rows.length).toBe(flows.filter((f) => ['tcp', 'udp', 'icmp'].includes(f.protocol_type as string)).length);
    expect(rows.filter((x) => x.label === 'portscan').length).toBe(truth.filter((t) => t.label === 'portscan').length);
    expect(rows[0]!.difficulty).toBe(0);
  });

  it('--split-by day and --split-by file write Hive partitions', async () => {
    const byDay = join(dir, 'by-day');
    expect((await cli(['flows', pcap, '--split-by', 'day', '-o', byDay, '-q'])).code).toBe(0);
    expect(readdirSync(byDay)).toEqual(['date=2023-11-14']);
    expect((await readAll(join(byDay, 'date=2023-11-14', 'part-0.parquet'))).length).toBe(flows.length);
    const two = join(dir, 'two');
    execFileSync('mkdir', ['-p', two]);
    execFileSync('cp', [pcap, join(two, 'a.pcap')]);
    execFileSync('cp', [pcap, join(two, 'b.pcap')]);
    const byFile = join(dir, 'by-file');
    expect((await cli(['flows', two, '--split-by', 'file', '--format', 'jsonl', '-o', byFile, '-q'])).code).toBe(0);
    expect(readdirSync(byFile).sort()).toEqual(['file=a.pcap', 'file=b.pcap']);
    for (const f of ['a', 'b']) expect((await readAll(join(byFile, `file=${f}.pcap`, 'part-0.jsonl'))).length).toBe(flows.length);
  });
});
