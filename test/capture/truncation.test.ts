/**
 * Cutting any corpus capture at any byte (every byte of the small files, a sample of offsets of the
 * big ones) never throws or hangs, and exactly the records complete in the prefix are delivered.
 * A cut inside a record is reported as a truncated tail (or, inside the file header, an error).
 * The expected record ends come from an independent minimal walker (corpus.ts), checked against
 * tshark's packet counts first.
 */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCaptures } from '../../src/capture/index.ts';
import { reference, walk } from './corpus.ts';

const SMALL = 12 * 1024;
const files = reference().filter((r) => r.readStatus === 'ok');

/** Deterministic sample: around the start, every record end ±1 near both ends, and a spread. */
function sampleOffsets(size: number, ends: number[]): number[] {
  if (size <= SMALL) return Array.from({ length: size + 1 }, (_, i) => i);
  const s = new Set<number>();
  for (let i = 0; i <= 64; i++) s.add(i);
  for (const e of [...ends.slice(0, 10), ...ends.slice(-10)]) for (const d of [-17, -1, 0, 1, 15]) s.add(e + d);
  let x = 12345;
  for (let i = 0; i < 60; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    s.add(x % size);
  }
  s.add(size - 1);
  s.add(size);
  return [...s].filter((o) => o >= 0 && o <= size).sort((a, b) => a - b);
}

describe('truncated at any byte', () => {
  it.each(files.map((r) => [r.file, r] as const))('%s', async (_name, r) => {
    const bytes = readFileSync(r.path);
    const { ends, boundaries } = walk(bytes);
    expect(ends.length).toBe(r.packets); // the walker agrees with tshark
    const headerLen = bytes.readUInt32BE(0) === 0x0a0d0d0a ? Math.min(...boundaries) : 24;
    // Tiny windows on small files exercise records split across reads; 64 KiB on the big ones.
    const chunkSize = bytes.length <= SMALL ? 32 : 64 * 1024;
    let complete = 0;
    for (const cut of sampleOffsets(bytes.length, ends)) {
      while (complete < ends.length && ends[complete]! <= cut) complete++;
      let delivered = 0;
      const report = await readCaptures(['-'], () => {
        delivered++;
      }, { stdin: Readable.from([bytes.subarray(0, cut)]), chunkSize });
      const f = report.files[0]!;
      if (delivered !== complete || f.packets !== complete) {
        expect({ cut, delivered, packets: f.packets }).toEqual({ cut, delivered: complete, packets: complete });
      }
      if (cut < headerLen) {
        if (!f.error) expect({ cut, error: f.error }).toEqual({ cut, error: 'expected an error' });
      } else if (boundaries.has(cut)) {
        if (f.error || f.truncatedTail) expect({ cut, error: f.error?.message, tail: f.truncatedTail?.message }).toEqual({ cut });
      } else if (!f.truncatedTail || f.error) {
        expect({ cut, error: f.error?.message, tail: f.truncatedTail?.message }).toEqual({ cut, tail: 'expected a truncation warning' });
      }
    }
  });
});
