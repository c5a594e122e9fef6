/**
 * Layout E is generated from one declaration (ENDED): offsets, the filling from a live flow and
 * the FlowRecord built from the numbers. Adding one `measured` entry must give the value its own
 * slot, fill it and put it in the record, leaving everything else as it was.
 */
import { describe, expect, it } from 'vitest';
import { E, ENDED, endedLayout, endedNumbers, endedRecord, measured } from '../../src/flow/ended.ts';
import type { FlowRecord } from '../../src/flow/record.ts';
import { Flow, N, STRIDE } from '../../src/flow/table.ts';
import { TcpState } from '../../src/flow/tcp-state.ts';

/** A live TCP flow as the meter would hold it: 10.0.0.1:40000 → 10.0.0.2:80, some counters. */
function liveFlow(): { f: Flow; num: Float64Array } {
  const f = new Flow(0);
  const num = new Float64Array(STRIDE);
  f.proto = 6; f.ver = 4; f.seq = 41; f.uidSalt = 7; f.origIsA = true;
  f.aPort = 40000; f.bPort = 80; f.srcPort = 40000; f.dstPort = 80;
  num[N.A0] = 0x0a000001; num[N.B0] = 0x0a000002;
  num[N.START] = 1_700_000_000.25; num[N.END] = 1_700_000_003.5;
  f.origPkts = 5; f.respPkts = 4; f.origBytes = 120; f.respBytes = 900; f.origIpBytes = 320; f.respIpBytes = 1108;
  f.urgent = 1; f.wrongFragment = 0;
  f.origState = f.respState = TcpState.Closed; f.history = 'ShADadFf';
  return { f, num };
}

describe('ended-flow layout (one declaration)', () => {
  it('every slot has its own offset; the record has every field once, in declaration order', () => {
    const offsets = Object.entries(E).filter(([k]) => k !== 'SIZE').map(([, v]) => v);
    expect(new Set(offsets).size).toBe(offsets.length);
    expect([...offsets].sort((a, b) => a - b)).toEqual(Array.from({ length: E.SIZE }, (_, i) => i));
    const { f, num } = liveFlow();
    const e = new Float64Array(E.SIZE);
    endedNumbers(e, f, num, 'fin');
    const rec = endedRecord(e, 0, f.history, 0);
    expect(Object.keys(rec)).toEqual(ENDED.filter((d) => d.field !== undefined).map((d) => d.field));
    expect(rec).toMatchObject({
      srcIp: '10.0.0.1', dstIp: '10.0.0.2', srcPort: 40000, dstPort: 80, proto: 6, protocolType: 'tcp', ipVersion: 4,
      startTs: 1_700_000_000.25, endTs: 1_700_000_003.5, srcPkts: 5, dstPkts: 4, srcBytes: 120, dstBytes: 900,
      srcIpBytes: 320, dstIpBytes: 1108, urgent: 1, land: 0, connState: 'SF', flag: 'SF', history: 'ShADadFf', endReason: 'fin',
      tunnel: '', tunnelSrc: '', tunnelDst: '', payloadInspected: false,
    });
  });

  it('one added `measured` entry: its own slot, filled from the live flow, a record field; the rest unchanged', () => {
    // A value the engine would measure (here: packets both ways); the FlowRecord type would get the field too.
    const layout = endedLayout([...ENDED, measured('totalPkts' as 'urgent', (f) => f.origPkts + f.respPkts)]);
    const E2 = layout.E as typeof layout.E & { totalPkts: number };
    expect(E2.SIZE).toBe(E.SIZE + 1);
    expect(E2.totalPkts).toBe(E.SIZE);
    const { f, num } = liveFlow();
    const e2 = new Float64Array(E2.SIZE);
    layout.endedNumbers(e2, f, num, 'fin');
    expect(e2[E2.totalPkts]).toBe(9);
    const rec2 = layout.endedRecord(e2, 0, f.history, 0) as FlowRecord & { totalPkts: number };
    expect(rec2.totalPkts).toBe(9);
    const e = new Float64Array(E.SIZE);
    endedNumbers(e, f, num, 'fin');
    const rec = endedRecord(e, 0, f.history, 0);
    expect(Object.keys(rec2)).toEqual([...Object.keys(rec), 'totalPkts']);
    const { totalPkts: _, ...rest } = rec2;
    expect(rest).toEqual(rec);
  });
});
