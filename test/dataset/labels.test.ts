/**
 * Ground-truth labeling: rule semantics (CIDR v4/v6, port ranges, direction, first match, time
 * windows in any zone) and per-flow truth matching, plus the report. Capture-level accuracy (flows
 * extracted from a generated capture vs the generator's labels) is in labels-capture.test.ts.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLabels, parseTime, parseZone, formatLabelReport, type FlowKey } from '../../src/dataset/labels.ts';
import { InputError, UsageError } from '../../src/errors.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flowsift-labels-'));
});

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const flow = (srcIp: string, srcPort: number, dstIp: string, dstPort: number, proto = 6, ts = 1700000000): FlowKey => ({
  srcIp, srcPort, dstIp, dstPort, proto, ts,
});

describe('time parsing', () => {
  it('reads epoch seconds, ISO with Z / offsets, and naive times only with a zone', () => {
    // 2023-11-14T22:13:20Z is 1700000000 (date -u -d @1700000000)
    expect(parseTime('1700000000.25', undefined)).toBe(1700000000.25);
    expect(parseTime('2023-11-14T22:13:20Z', undefined)).toBe(1700000000);
    expect(parseTime('2023-11-15T01:13:20+03:00', undefined)).toBe(1700000000);
    expect(parseTime('2023-11-15T01:13:20.500+0300', undefined)).toBe(1700000000.5);
    expect(parseTime('2023-11-14T17:13:20-05:00', undefined)).toBe(1700000000);
    // The library names its option (tz), never a command-line flag; the CLI adds the flag.
    expect(() => parseTime('2023-11-15 01:13:20', undefined)).toThrow(/no UTC offset: .* the time zone of naive times$/);
    expect(() => parseTime('2023-11-15 01:13:20', undefined)).toThrow(expect.objectContaining({ option: 'tz' }));
    expect(parseTime('2023-11-15 01:13:20', parseZone('+03:00'))).toBe(1700000000);
    // Moscow has been UTC+3 all year since 2014
    expect(parseTime('2023-11-15 01:13:20', parseZone('Europe/Moscow'))).toBe(1700000000);
    // New York: EST (−05:00) in November, EDT (−04:00) in July — the zone rules, not a fixed offset
    expect(parseTime('2023-11-14 17:13:20', parseZone('America/New_York'))).toBe(1700000000);
    expect(parseTime('2023-07-01 12:00:00', parseZone('America/New_York'))).toBe(Date.UTC(2023, 6, 1, 16) / 1000);
    expect(() => parseZone('Mars/Olympus')).toThrow(UsageError);
    expect(() => parseTime('yesterday', undefined)).toThrow(/ISO-8601/);
  });
});

describe('rule files', () => {
  it('matches CIDR (IPv4 and IPv6), port ranges and protocol, in either direction, first rule wins', async () => {
    const p = file('rules.csv', [
      'src_ip,dst_ip,src_port,dst_port,proto,label,category',
      '10.0.0.5,,,22,tcp,bruteforce,r2l',
      '10.0.0.0/24,,,,tcp,inside,',
      ',2001:db8::/32,,1000-2000,udp,v6range,',
      ',,,53,,dns,',
      ',198.51.100.7,,,icmp,smurf,',
    ].join('\n'));
    const l = await loadLabels(p);
    expect(l.kind).toBe('rules');
    expect(l.classify(flow('10.0.0.5', 40000, '10.9.9.9', 22))).toEqual({ label: 'bruteforce', category: 'r2l' });
    // reverse direction of rule 1 (the flow's originator is the rule's dst): still rule 1
    expect(l.classify(flow('10.9.9.9', 22, '10.0.0.5', 40000)).label).toBe('bruteforce');
    // same source, other port: falls through to rule 2 (CIDR)
    expect(l.classify(flow('10.0.0.5', 40000, '10.9.9.9', 80)).label).toBe('inside');
    expect(l.classify(flow('10.0.0.200', 40000, '8.8.8.8', 443)).label).toBe('inside');
    expect(l.classify(flow('10.0.1.1', 40000, '8.8.8.8', 443)).label).toBe('normal');
    // rule 2 is tcp only
    expect(l.classify(flow('10.0.0.200', 40000, '8.8.8.8', 443, 17)).label).toBe('normal');
    expect(l.classify(flow('2001:db8:1::1', 1500, 'fe80::1', 5353, 17)).label).toBe('v6range');
    expect(l.classify(flow('fe80::1', 5353, '2001:db8:1::1', 1500, 17)).label).toBe('v6range');
    expect(l.classify(flow('fe80::1', 5353, '2001:db8:1::1', 2001, 17)).label).toBe('normal');
    expect(l.classify(flow('192.0.2.1', 5353, '192.0.2.2', 53, 17)).label).toBe('dns');
    // ICMP: KDD name → KDD category when the file gives none
    expect(l.classify(flow('203.0.113.1', 8, '198.51.100.7', 0, 1))).toEqual({ label: 'smurf', category: 'dos' });
    const r = l.report();
    expect(r.flows).toBe(11);
    expect(r.rules!.map((x) => x.flows)).toEqual([2, 2, 2, 1, 1]);
    expect(r.perLabel).toEqual({ bruteforce: 2, inside: 2, normal: 3, v6range: 2, dns: 1, smurf: 1 });
    expect(r.warnings).toEqual([]);
  });

  it('direction=forward restricts a rule to src→dst as written; unmatched rules are warnings', async () => {
    const p = file('dir.csv', 'src_ip,dst_ip,dst_port,direction,label\n1.1.1.1,2.2.2.2,80,forward,fwd\n3.3.3.3,,,,never\n');
    const l = await loadLabels(p, { defaultLabel: 'benign' });
    expect(l.classify(flow('1.1.1.1', 5000, '2.2.2.2', 80)).label).toBe('fwd');
    expect(l.classify(flow('2.2.2.2', 80, '1.1.1.1', 5000))).toEqual({ label: 'benign', category: null });
    const r = l.report();
    expect(r.defaulted).toBe(1);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/rule 2 \(line 3, src_ip=3\.3\.3\.3 → never\) matched no flow/);
    expect(formatLabelReport(r)).toMatch(/warning: .*matched no flow/);
  });

  it('time windows bound the flow START time; the same rules in UTC, +03:00 and naive with --labels-tz agree', async () => {
    const utc = file('t-utc.csv', 'src_ip,start,end,label\n10.1.1.1,2023-11-14T22:13:30Z,2023-11-14T22:13:40Z,attack\n');
    const off = file('t-off.csv', 'src_ip,start,end,label\n10.1.1.1,2023-11-15T01:13:30+03:00,2023-11-15T01:13:40+03:00,attack\n');
    const naive = file('t-naive.csv', 'src_ip,start,end,label\n10.1.1.1,2023-11-15 01:13:30,2023-11-15 01:13:40,attack\n');
    const epoch = file('t-epoch.csv', 'src_ip,start,end,label\n10.1.1.1,1700000010,1700000020,attack\n');
    await expect(loadLabels(naive)).rejects.toThrow(/line 2, column start: naive time .* the time zone of naive times$/);
    await expect(loadLabels(naive)).rejects.toMatchObject({ option: 'tz', exitCode: 3 });
    await expect(loadLabels(naive, { tz: 'Mars/Olympus' })).rejects.toMatchObject({ option: 'tz', exitCode: 2, message: expect.stringMatching(/^time zone Mars\/Olympus: not an IANA time zone/) });
    await expect(loadLabels(naive, { tolerance: -1 })).rejects.toMatchObject({ option: 'tolerance', exitCode: 2, message: expect.not.stringContaining('--') });
    const labelers = [await loadLabels(utc), await loadLabels(off), await loadLabels(naive, { tz: '+03:00' }),
      await loadLabels(naive, { tz: 'Europe/Moscow' }), await loadLabels(epoch)];
    for (const t of [1700000009.999, 1700000010, 1700000015, 1700000020, 1700000020.001]) {
      const got = labelers.map((l) => l.classify(flow('10.1.1.1', 1, '10.2.2.2', 2, 6, t)).label);
      const want = t >= 1700000010 && t <= 1700000020 ? 'attack' : 'normal';
      expect(got).toEqual([want, want, want, want, want]);
    }
  });

  it('reads BOM, CRLF, quoted cells (commas, quotes, line breaks) and blank lines', async () => {
    const p = file('quoted.csv', '\ufeffsrc_ip,label,category\r\n\r\n10.0.0.1,"scan, slow","probe"\r\n10.0.0.2,"say ""hi""\nthere",\r\n 10.0.0.3 , plain ,\r\n');
    const l = await loadLabels(p);
    expect(l.classify(flow('10.0.0.1', 1, '10.9.9.9', 2))).toEqual({ label: 'scan, slow', category: 'probe' });
    expect(l.classify(flow('10.0.0.2', 1, '10.9.9.9', 2)).label).toBe('say "hi"\nthere');
    expect(l.classify(flow('10.0.0.3', 1, '10.9.9.9', 2)).label).toBe('plain');
    expect(l.report().rules!.map((r) => r.line)).toEqual([3, 4, 6]);
  });

  it('rejects bad cells with file, line and column', async () => {
    await expect(loadLabels(file('bad1.csv', 'src_ip,label\n10.0.0.300,x\n'))).rejects.toThrow(/bad1\.csv: line 2, column src_ip: expected an IPv4\/IPv6 address or CIDR/);
    await expect(loadLabels(file('bad2.csv', 'dst_port,label\n70000,x\n'))).rejects.toThrow(/line 2, column dst_port/);
    await expect(loadLabels(file('bad3.csv', 'src,label\n1.2.3.4,x\n'))).rejects.toThrow(/unknown column\(s\) src/);
    await expect(loadLabels(file('bad4.csv', 'src_ip\n1.2.3.4\n'))).rejects.toThrow(InputError);
  });

  it('indexes rules: 5,000 host rules label 50,000 flows quickly and exactly', async () => {
    const lines = ['src_ip,dst_port,label'];
    for (let i = 0; i < 5000; i++) lines.push(`10.${(i >> 8) & 255}.${i & 255}.1,${1000 + (i % 7)},h${i}`);
    const l = await loadLabels(file('many.csv', lines.join('\n')));
    for (let i = 0; i < 50000; i++) {
      const h = i % 5000;
      const got = l.classify(flow(`10.${(h >> 8) & 255}.${h & 255}.1`, 40000, '192.0.2.9', 1000 + (h % 7))).label;
      if (got !== `h${h}`) throw new Error(`flow ${i}: ${got}`);
    }
    expect(l.report().matched).toBe(50000);
  });
});

describe('per-flow truth files (gen_bench_pcap.py format)', () => {
  it('keys on the 5-tuple in either direction and the nearest start within the tolerance', async () => {
    const p = file('truth.labels.csv', [
      'flow_id,start_ts,proto,src_ip,src_port,dst_ip,dst_port,service,label,pkts,src_bytes,dst_bytes',
      '0,1700000051.000000,icmp,91.134.7.200,8,10.1.1.15,0,ecr_i,icmpflood,100,5000,5000',
      '1,1700000051.025000,icmp,91.134.7.200,8,10.1.1.15,0,ecr_i,icmpflood2,100,5000,5000',
      '2,1700000010.000000,tcp,10.1.2.3,40000,10.0.0.80,80,http,normal,10,100,1000',
      '3,1700000010.500000,tcp,10.1.2.3,40000,10.0.0.80,80,http,neptune,1,0,0',
    ].join('\n'));
    const l = await loadLabels(p, { tolerance: 0.2 });
    expect(l.kind).toBe('per-flow');
    expect(l.classify(flow('91.134.7.200', 8, '10.1.1.15', 0, 1, 1700000051.001)).label).toBe('icmpflood');
    expect(l.classify(flow('91.134.7.200', 8, '10.1.1.15', 0, 1, 1700000051.024)).label).toBe('icmpflood2');
    expect(l.classify(flow('10.0.0.80', 80, '10.1.2.3', 40000, 6, 1700000010.1)).label).toBe('normal');
    expect(l.classify(flow('10.1.2.3', 40000, '10.0.0.80', 80, 6, 1700000010.45))).toEqual({ label: 'neptune', category: 'dos' });
    // outside the tolerance → default
    expect(l.classify(flow('10.1.2.3', 40000, '10.0.0.80', 80, 6, 1700000011)).label).toBe('normal');
    const r = l.report();
    expect(r.matched).toBe(4);
    expect(r.defaulted).toBe(1);
    expect(r.truthRows).toBe(4);
    expect(r.truthMatched).toBe(4);
  });
});
