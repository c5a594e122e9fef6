/** A TextSink that keeps everything written in memory (for the writer tests). */
import type { TextSink } from '../../src/dataset/output.ts';

export function memorySink(): TextSink & { text(): string } {
  const parts: Buffer[] = [];
  return {
    target: 'mem',
    write: (t: string) => void parts.push(Buffer.from(t)),
    // The writer reuses the bytes it hands over: copy them.
    writeBytes: (b: Uint8Array) => void parts.push(Buffer.from(b)),
    close: async () => {},
    abort: async () => {},
    text: () => Buffer.concat(parts).toString('utf8'),
  };
}
