/**
 * Regression tests for crashes / unbounded allocations the fuzzer found. Each builds its hostile
 * input from a corpus file plus the described mutation, and checks the fixed behaviour.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCaptures } from '../../src/capture/index.ts';
import { runCli } from '../../src/cli/main.ts';
import { readDataset } from '../../src/dataset/read.ts';
import { InputError } from '../../src/errors.ts';
import { caseFile, largestAllocDuring, MAX_SINGLE_ALLOC } from './harness.ts';
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
    let r!: Awaited<ReturnType<typeof readCaptures>>;
    const largest = await largestAllocDuring(async () => {
      r = await readCaptures([caseFile(b, '.pcapng')], () => {});
    });
    const fr = r.files[0]!;
    expect(fr.packets).toBe(0);
    expect(fr.truncatedTail?.message ?? fr.error?.message).toMatch(/byte \d+/);
    // Nothing near the claimed 200 MiB: at most the read window (4 MiB + reserve) and a doubling.
    expect(largest).toBeLessThan(MAX_SINGLE_ALLOC);
  });
});

describe('fuzz regressions (large files)', () => {
  it('a pcapng block claiming 200 MiB in a 12 MiB file allocates a few times the data present, not 200 MiB', async () => {
    // zeek__pcapng-multi-interface.pcapng with its first EPB's length set to 200 MiB, followed by
    // 12 MiB of well-formed custom blocks (type 0x0bad, skipped by readers): more than the 4 MiB
    // read-ahead, so the reader must really refill to find out the block is cut short.
    const src = corpus('zeek__pcapng-multi-interface.pcapng');
    const L = walkCapture(src);
    const epb = L.blocks.find((x) => x.type === 6)!;
    const pad = new Uint8Array(12 * 1024 * 1024);
    for (let o = 0; o < pad.length; o += 4096) {
      put32(pad, o, 0x0bad, epb.little);
      put32(pad, o + 4, 4096, epb.little);
      put32(pad, o + 4092, 4096, epb.little);
    }
    const b = new Uint8Array(src.length + pad.length);
    b.set(src);
    b.set(pad, src.length);
    put32(b, epb.offset + 4, 200 * 1024 * 1024, epb.little);
    let r!: Awaited<ReturnType<typeof readCaptures>>;
    const largest = await largestAllocDuring(async () => {
      r = await readCaptures([caseFile(b, '.pcapng')], () => {});
    });
    const fr = r.files[0]!;
    expect(fr.truncatedTail?.message ?? fr.error?.message).toContain(`byte ${epb.offset}`);
    // The window grows by doubling while data keeps coming (4.5 → 9 → 18 → 36 MiB here), never
    // to the claimed 200 MiB (it used to allocate 288 MiB).
    expect(largest).toBeLessThanOrEqual(3 * b.length);
  });
});

/** Race a read against 3 s; the read's report, or 'hang'. The stdin stream is destroyed after. */
async function withinTimeout(read: ReturnType<typeof readCaptures>, stdin: PassThrough): Promise<Awaited<ReturnType<typeof readCaptures>> | 'hang'> {
  const timeout = new Promise<'hang'>((resolve) => setTimeout(() => resolve('hang'), 3000).unref());
  const r = await Promise.race([read, timeout]);
  stdin.destroy();
  return r;
}

describe('SIGINT while stdin is idle', () => {
  it('an abort ends a read blocked on an open, quiet stdin (no wait for more data or EOF)', async () => {
    // `producer | flowsift flows -` where the producer goes quiet: the first 100 records of
    // zeek__http-methods.pcap arrive, then nothing (the stream stays open), then Ctrl-C.
    const src = corpus('zeek__http-methods.pcap');
    const L = walkCapture(src);
    const stdin = new PassThrough();
    stdin.write(src.subarray(0, L.records[100]!.hdr));
    const ac = new AbortController();
    let n = 0;
    const read = readCaptures(['-'], () => {
      if (++n === 100) setTimeout(() => ac.abort(), 50);
    }, { stdin, signal: ac.signal });
    const r = await withinTimeout(read, stdin);
    expect(r).not.toBe('hang');
    if (r === 'hang') return;
    expect(r.aborted).toBe(true);
    expect(r.packets).toBe(100);
    expect(r.errors).toEqual([]);
  });

  it('an abort ends a read that is still waiting for the first bytes of stdin', async () => {
    // `flowsift flows -` started before its producer wrote anything, then Ctrl-C.
    const stdin = new PassThrough();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const r = await withinTimeout(readCaptures(['-'], () => {}, { stdin, signal: ac.signal }), stdin);
    expect(r).not.toBe('hang');
    if (r === 'hang') return;
    expect(r.aborted).toBe(true);
    expect(r.packets).toBe(0);
    // Interrupted, not corrupt: no "empty input" error.
    expect(r.errors).toEqual([]);
  });
});

describe('corrupt Parquet metadata', () => {
  it('a column chunk path missing from the schema is an InputError, with no unhandled rejection (dataset fuzz case 15)', async () => {
    // A flowsift Parquet file of zeek__http-methods.pcap; in its footer the schema name of the last
    // column is changed (so the column chunk's path no longer resolves) and the first column's
    // pages are overwritten (so the reads hyparquet starts before resolving that path reject).
    const dir = mkdtempSync(join(tmpdir(), 'flowsift-rel-pq-'));
    const out = join(dir, 'f.parquet');
    expect(await runCli(['flows', new URL('../../../shared/corpus/pcap/zeek__http-methods.pcap', import.meta.url).pathname, '-o', out, '-q'], { stdout: new PassThrough(), stderr: new PassThrough() })).toBe(0);
    const b = new Uint8Array(readFileSync(out));
    const footerLen = b[b.length - 8]! | (b[b.length - 7]! << 8) | (b[b.length - 6]! << 16) | (b[b.length - 5]! << 24);
    const footer = b.length - 8 - footerLen;
    const name = Buffer.from('ip_version');
    const at = Buffer.from(b).indexOf(name, footer);
    expect(at).toBeGreaterThan(footer);
    b[at] = 'j'.charCodeAt(0);
    for (let i = 4; i < 200; i++) b[i] = (i * 37) & 0xff;
    const path = join(dir, 'corrupt.parquet');
    writeFileSync(path, b);
    let unhandled = 0;
    const onUnhandled = (): void => void unhandled++;
    process.on('unhandledRejection', onUnhandled);
    let err: unknown;
    try {
      for await (const _ of readDataset(path)) void _;
    } catch (e) {
      err = e;
    }
    await new Promise((r) => setTimeout(r, 50));
    process.off('unhandledRejection', onUnhandled);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain(path);
    expect(unhandled).toBe(0);
  });
});
