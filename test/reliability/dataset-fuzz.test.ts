/**
 * Mutated datasets (what `train`, `score` and `evaluate` read): flowsift CSV, JSON Lines and
 * Parquet files of a real capture, and an NSL-KDD slice (plain and gzipped), truncated, bit-flipped,
 * with structural characters (quotes, commas, newlines, braces, NUL) set or inserted. readDataset
 * must either read them or throw a FlowsiftError (exit 2/3 with a one-line message) — never another
 * exception, and never an unhandled rejection (which would end the process).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { readDataset } from '../../src/dataset/read.ts';
import { FlowsiftError } from '../../src/errors.ts';
import { Rng } from './mutate.ts';

const CASES = 1500;
const STRUCTURAL = [0x2c, 0x0a, 0x22, 0x7b, 0x7d, 0x00, 0x0d, 0x5b, 0x3a];
const INSERTS = ['"', '\n\n', ',,,,', '{"a":', 'NaN', '1e400', '-', '\r', '\u00ff\u00fe'];

describe('dataset fuzzing (fixed seed)', () => {
  it(`${CASES} mutated datasets: read, or a FlowsiftError — nothing else, no unhandled rejection`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowsift-rel-ds-'));
    const capture = new URL('../../../shared/corpus/pcap/zeek__http-methods.pcap', import.meta.url).pathname;
    const sources: Array<{ ext: string; bytes: Uint8Array }> = [];
    for (const ext of ['csv', 'jsonl', 'parquet']) {
      const out = join(dir, `flows.${ext}`);
      expect(await runCli(['flows', capture, '-o', out, '-q'], { stdout: new PassThrough(), stderr: new PassThrough() })).toBe(0);
      sources.push({ ext, bytes: new Uint8Array(readFileSync(out)) });
      if (ext !== 'parquet') sources.push({ ext: `${ext}.gz`, bytes: new Uint8Array(gzipSync(readFileSync(out))) });
    }
    const kdd = gunzipSync(readFileSync(new URL('../../../shared/corpus/kdd/KDDTest-21.txt.gz', import.meta.url))).toString('latin1').split('\n').slice(0, 300).join('\n') + '\n';
    sources.push({ ext: 'txt', bytes: new Uint8Array(Buffer.from(kdd, 'latin1')) });
    sources.push({ ext: 'txt.gz', bytes: new Uint8Array(gzipSync(Buffer.from(kdd, 'latin1'))) });

    let unhandled = 0;
    const onUnhandled = (): void => void unhandled++;
    process.on('unhandledRejection', onUnhandled);
    const failures: string[] = [];
    const outcomes = { read: 0, inputError: 0 };
    try {
      for (let i = 0; i < CASES; i++) {
        const rng = new Rng(4242, i);
        const src = rng.pick(sources);
        let b = src.bytes.slice();
        const op = rng.int(4);
        if (op === 0) b = b.slice(0, rng.int(b.length));
        else if (op === 1) for (let k = rng.range(1, 20); k > 0; k--) b[rng.int(b.length)]! ^= 1 << rng.int(8);
        else if (op === 2) for (let k = rng.range(1, 5); k > 0; k--) b[rng.int(b.length)] = rng.pick(STRUCTURAL);
        else {
          const at = rng.int(b.length);
          const ins = Buffer.from(rng.pick(INSERTS), 'latin1');
          const nb = new Uint8Array(b.length + ins.length);
          nb.set(b.subarray(0, at));
          nb.set(ins, at);
          nb.set(b.subarray(at), at + ins.length);
          b = nb;
        }
        const path = join(dir, `case${i & 3}.${src.ext}`);
        writeFileSync(path, b);
        try {
          for await (const _ of readDataset(path)) void _;
          outcomes.read++;
        } catch (e) {
          if (e instanceof FlowsiftError) outcomes.inputError++;
          else failures.push(`case ${i} (${src.ext}, op ${op}): ${(e as Error)?.name}: ${(e as Error)?.message}`);
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    console.log(`dataset fuzz: ${CASES} cases, ${outcomes.read} read, ${outcomes.inputError} FlowsiftErrors, ${failures.length} other exceptions, ${unhandled} unhandled rejections`);
    expect(failures).toEqual([]);
    expect(unhandled).toBe(0);
    // Both outcomes occur: the mutations are neither all harmless nor all fatal.
    expect(outcomes.read).toBeGreaterThan(40);
    expect(outcomes.inputError).toBeGreaterThan(100);
  });
});
