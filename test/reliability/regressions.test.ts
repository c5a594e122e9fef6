/**
 * Regression tests for crashes / unbounded allocations the fuzzer found. Each builds its hostile
 * input from a corpus file plus the described mutation, and checks the fixed behaviour.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readCaptures } from '../../src/capture/index.ts';
import { caseFile } from './harness.ts';
import { put32, walkCapture } from './layout.ts';

const corpus = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../../shared/corpus/pcap/${name}`, import.meta.url)));

describe('fuzz regressions', () => {
  it('a pcapng block length of 200 MiB in a 1 KB file is reported as a truncated block without allocating 200 MiB (fuzz seed 7 case 282)', async () => {
    // zeek__pcapng-multi-interface.pcapng: the first Enhanced Packet Block's total length (head
    // field) set to 200 MiB — a multiple of 4 under the 257 MiB block ceiling, so only the real
    // file size can tell it is corrupt. The reader used to grow its window to 256 MiB first.
    const b = corpus('zeek__pcapng-multi-interface.pcapng');
    const L = walkCapture(b);
    const epb = L.blocks.find((x) => x.type === 6)!;
    expect(epb).toBeDefined();
    put32(b, epb.offset + 4, 200 * 1024 * 1024, epb.little);
    const before = process.memoryUsage().arrayBuffers;
    let peak = 0;
    const r = await readCaptures([caseFile(b, '.pcapng')], () => {}, {
      onFile: () => {
        peak = process.memoryUsage().arrayBuffers - before;
      },
    });
    const fr = r.files[0]!;
    expect(fr.packets).toBe(0);
    expect(fr.truncatedTail?.message ?? fr.error?.message).toMatch(/byte \d+/);
    expect(peak).toBeLessThan(32 * 1024 * 1024);
  });
});
