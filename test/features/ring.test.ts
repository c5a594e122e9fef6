/**
 * The single-producer single-consumer ring of the two-thread pipeline (src/features/ring.ts), on
 * its own: records come out in order, whole, with their sizes, across many wraps of a small ring;
 * space is handed back so the writer never sees a full ring when the reader keeps up; a record over
 * a quarter of the ring is refused; abort and a dead writer are signalled.
 */
import { describe, expect, it } from 'vitest';
import { RingReader, RingWriter, ringBuffer } from '../../src/features/ring.ts';

/** Write one record: type word, size word, then `words` int32 values (rounded up to 8 bytes). */
function put(w: RingWriter, type: number, words: number[]): void {
  const n = (8 + 4 * words.length + 7) & ~7;
  const at = w.reserve(n);
  w.i32[at >> 2] = type;
  w.i32[(at >> 2) + 1] = n;
  words.forEach((v, i) => (w.i32[(at >> 2) + 2 + i] = v));
  w.commit(n);
}

describe('ring', () => {
  it('hands back every record in order, whole, with its size; drain stops at the record the reader calls last', async () => {
    const sab = ringBuffer(4096);
    const w = new RingWriter(sab);
    const r = new RingReader(sab);
    put(w, 1, [10, 11, 12]);
    put(w, 2, []);
    put(w, 3, [7]);
    put(w, 4, [99]);
    w.publish();
    const seen: [number, number, number[]][] = [];
    await r.drain((at, type, bytes) => {
      const n = (bytes - 8) / 4;
      seen.push([type, bytes, Array.from(r.i32.subarray((at >> 2) + 2, (at >> 2) + 2 + n))]);
      return type === 3;
    }, () => new Error('dead'));
    expect(seen).toEqual([[1, 24, [10, 11, 12, 0]], [2, 8, []], [3, 16, [7, 0]]]);
    // The record after the last one stays for the next drain.
    const rest: number[] = [];
    await r.drain((_at, type) => (rest.push(type), true), () => new Error('dead'));
    expect(rest).toEqual([4]);
  });

  it('keeps records whole across thousands of wraps of a small ring (sizes that do not divide it)', async () => {
    const sab = ringBuffer(1024);
    const w = new RingWriter(sab);
    const r = new RingReader(sab);
    let next = 0;
    let expected = 0;
    let total = 0;
    const failures: string[] = [];
    for (let round = 0; round < 2000; round++) {
      // A few records of 8..248 bytes, less than the free space: the writer never has to wait.
      const count = 1 + (round % 3);
      for (let k = 0; k < count; k++) {
        const len = (next * 7) % 61;
        put(w, 5, Array.from({ length: len }, (_, i) => next * 1000 + i));
        next++;
      }
      w.publish();
      let got = 0;
      await r.drain((at, type, bytes) => {
        const len = (expected * 7) % 61;
        if (type !== 5 || bytes !== ((8 + 4 * len + 7) & ~7)) failures.push(`record ${expected}: type ${type}, ${bytes} bytes`);
        for (let i = 0; i < len; i++) if (r.i32[(at >> 2) + 2 + i] !== expected * 1000 + i) failures.push(`record ${expected}: word ${i}`);
        expected++;
        total += bytes;
        return ++got === count;
      }, () => new Error('dead'));
    }
    expect(failures).toEqual([]);
    expect(expected).toBe(next);
    expect(total).toBeGreaterThan(100 * 1024); // the ring wrapped over a hundred times
    expect(w.waitedMs).toBe(0);
  });

  it('waits without blocking the event loop while the ring is empty, and wakes on publish', async () => {
    const sab = ringBuffer(1024);
    const w = new RingWriter(sab);
    const r = new RingReader(sab);
    setTimeout(() => {
      put(w, 6, [1]);
      w.publish();
    }, 20);
    const types: number[] = [];
    await r.drain((_at, type) => (types.push(type), true), () => new Error('dead'));
    expect(types).toEqual([6]);
    expect(r.waitedMs).toBeGreaterThan(0);
  });

  it('refuses a record over a quarter of the ring, and sizes that are not a multiple of 8', () => {
    const w = new RingWriter(ringBuffer(1024));
    expect(() => w.reserve(264)).toThrow(RangeError);
    expect(w.reserve(256)).toBe(0);
    expect(() => ringBuffer(1020)).toThrow(RangeError);
  });

  it('signals abort to the writer and a dead writer to a waiting reader', async () => {
    const sab = ringBuffer(1024);
    const w = new RingWriter(sab);
    const r = new RingReader(sab);
    expect(w.aborted).toBe(false);
    r.abort();
    expect(w.aborted).toBe(true);
    setTimeout(() => r.writerDied(), 20);
    await expect(r.drain(() => true, () => new Error('writer gone'))).rejects.toThrow('writer gone');
  });
});
