/**
 * Flow uids: Zeek's look ('C' + base62), unique within a run, disjoint across different inputs
 * (salted by the input's content, src/capture/salt.ts), identical for the same input — on the
 * one-thread and the two-thread pipeline, from a file and from stdin.
 */
import { copyFileSync, createReadStream, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inputSalt } from '../../src/capture/salt.ts';
import { extractFlows, type ExtractOptions } from '../../src/features/extract.ts';
import { makeUid } from '../../src/flow/table.ts';
import { CORPUS, corpusFiles } from '../features/helpers.ts';

async function uids(inputs: string[], opts: ExtractOptions = {}): Promise<string[]> {
  const out: string[] = [];
  await extractFlows(inputs, opts, (row) => void out.push(row.uid as string));
  return out;
}

const FTP = join(CORPUS, 'zeek__ftp-bruteforce.pcap');
const HTTP = join(CORPUS, 'zeek__http-methods.pcap');

describe('flow uids', () => {
  it('look like Zeek uids and are unique within a run of every corpus capture', async () => {
    const all = await uids(corpusFiles());
    expect(all.length).toBeGreaterThan(1000);
    for (const u of all) expect(u).toMatch(/^C[0-9A-Za-z]{18}$/);
    expect(new Set(all).size).toBe(all.length);
  });

  it('two different captures give disjoint uids (their first flows included)', async () => {
    const a = await uids([FTP]);
    const b = await uids([HTTP]);
    expect(a.length).toBeGreaterThan(10);
    expect(b.length).toBeGreaterThan(10);
    expect(a[0]).not.toBe(b[0]);
    const sa = new Set(a);
    expect(b.filter((u) => sa.has(u))).toEqual([]);
    // Every corpus capture on its own: no uid shared between any two of them.
    const seen = new Map<string, string>();
    for (const f of corpusFiles()) {
      for (const u of await uids([f])) {
        expect(seen.get(u) ?? f, u).toBe(f);
        seen.set(u, f);
      }
    }
  }, 60_000);

  it('the same capture twice gives the same uids; one and two threads agree; stdin agrees with itself', async () => {
    const one = await uids([FTP], { worker: false });
    expect(await uids([FTP], { worker: false })).toEqual(one);
    expect(await uids([FTP], { worker: true })).toEqual(one);
    const stdin1 = await uids(['-'], { stdin: createReadStream(FTP) });
    const stdin2 = await uids(['-'], { stdin: createReadStream(FTP) });
    expect(stdin1).toEqual(stdin2);
    expect(stdin1.length).toBe(one.length);
    const stdinHttp = await uids(['-'], { stdin: createReadStream(HTTP) });
    expect(stdinHttp.filter((u) => stdin1.includes(u))).toEqual([]);
  });

  it('the salt is a digest of content: same bytes under another name agree, another capture does not', () => {
    expect(inputSalt([FTP])).toBe(inputSalt([FTP]));
    expect(inputSalt([FTP])).not.toBe(inputSalt([HTTP]));
    // A directory = its files by name; a copy under another name = the original.
    expect(inputSalt([CORPUS])).toBe(inputSalt(readdirSync(CORPUS).sort().map((f) => join(CORPUS, f))));
    const dir = mkdtempSync(join(tmpdir(), 'flowsift-uid-'));
    try {
      copyFileSync(FTP, join(dir, 'renamed.pcap'));
      expect(inputSalt([join(dir, 'renamed.pcap')])).toBe(inputSalt([FTP]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // makeUid: a bijection of the sequence number per salt (first six digits), salt-dependent rest.
    const first = new Set<string>();
    for (let i = 1; i <= 100_000; i++) first.add(makeUid(i, 12345).slice(1, 7));
    expect(first.size).toBe(100_000);
    expect(makeUid(1, 1).slice(7)).not.toBe(makeUid(1, 2).slice(7));
  });
});
