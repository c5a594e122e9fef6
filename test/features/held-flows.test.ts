/**
 * Finished flows wait for start order in a compact store (numbers in typed arrays, not the
 * FlowRecord objects): the flow handed to onRow must be the meter's record, field for field —
 * checked against the records the flow meter emits on the generated capture — and a record carrying
 * fields the store does not know (a caller's plugin) must arrive with them.
 */
import { describe, expect, it } from 'vitest';
import { extractFlows } from '../../src/features/extract.ts';
import { readCaptures } from '../../src/capture/index.ts';
import { inputSalt } from '../../src/capture/salt.ts';
import { decodePacket } from '../../src/decode/decoder.ts';
import { DecodedPacket } from '../../src/decode/packet.ts';
import { FlowMeter } from '../../src/flow/meter.ts';
import { createContentPlugin } from '../../src/features/content/index.ts';
import type { FlowPlugin } from '../../src/flow/plugin.ts';
import type { FlowRecord } from '../../src/flow/record.ts';
import { generatedCapture } from './helpers.ts';

/** Marks every third flow (by port) with a field of its own. */
const tagger: FlowPlugin<true> = {
  name: 'tagger',
  onInit: () => true,
  onPacket: () => undefined,
  onExpire: (_st, _f, out) => {
    if (out.srcPort % 3 === 0) (out as FlowRecord & { tag: string }).tag = `t${out.srcPort}`;
  },
};

describe('held flows (start-order buffer storage)', () => {
  it('onRow receives exactly the records the meter emitted, plugin fields included', async () => {
    const { pcap } = generatedCapture();
    // The meter on its own, with the same plugins and uid salt as extractFlows wires them.
    const expected = new Map<string, FlowRecord>();
    const meter = new FlowMeter({ uidSalt: inputSalt([pcap]) }, (f) => void expected.set(f.uid, structuredClone(f)), [tagger, createContentPlugin()]);
    const pkt = new DecodedPacket();
    await readCaptures([pcap], (rec) => meter.packet(rec, decodePacket(rec, pkt)));
    meter.finish();

    const got = new Map<string, FlowRecord>();
    let lastStart = -Infinity;
    const s = await extractFlows([pcap], { plugins: [tagger] }, (row, flow) => {
      expect(flow.startTs).toBeGreaterThanOrEqual(lastStart);
      lastStart = flow.startTs;
      expect(row.uid).toBe(flow.uid);
      got.set(flow.uid, structuredClone(flow));
    });
    expect(s.peakHeld).toBeGreaterThan(100);
    expect(got.size).toBe(expected.size);
    let tagged = 0;
    let inspected = 0;
    for (const [uid, f] of expected) {
      const g = got.get(uid)!;
      expect(g).toEqual(f);
      // same key order too (JSON of a flow reads the same)
      expect(Object.keys(g)).toEqual(Object.keys(f));
      if ('tag' in f) tagged++;
      if (f.content !== undefined) inspected++;
    }
    expect(tagged).toBeGreaterThan(0);
    expect(inspected).toBeGreaterThan(0);
    expect(tagged).toBeLessThan(expected.size);
  });
});
