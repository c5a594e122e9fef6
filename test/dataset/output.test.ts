import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { formatFromPath, openDatasetWriter, openOutput } from '../../src/dataset/output.ts';
import { FLOW_COLUMNS } from '../../src/features/schema.ts';

function collect(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({ write(c, _e, cb) { chunks.push(Buffer.from(c)); cb(); } });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('atomic output', () => {
  it('writes to a temp file in the target directory and renames on close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowsift-out-'));
    const target = join(dir, 'a.csv');
    writeFileSync(target, 'old\n');
    const s = openOutput(target);
    s.write('new,');
    s.write('data\n');
    // before close: the old file is intact, the temp sits beside it
    expect(readFileSync(target, 'utf8')).toBe('old\n');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toHaveLength(1);
    await s.close();
    expect(readFileSync(target, 'utf8')).toBe('new,data\n');
    expect(readdirSync(dir)).toEqual(['a.csv']);
  });

  it('abort removes the temp file and leaves an existing target untouched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowsift-out-'));
    const target = join(dir, 'b.csv');
    writeFileSync(target, 'keep\n');
    const s = openOutput(target);
    s.write('x'.repeat(3 << 20)); // past the batching threshold: really on disk
    await s.abort();
    await s.abort();
    expect(readdirSync(dir)).toEqual(['b.csv']);
    expect(readFileSync(target, 'utf8')).toBe('keep\n');
  });

  it('a target that is not a regular file (a FIFO, like /dev/null) is written in place, never renamed over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowsift-out-'));
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    // The reader is another process (opening a FIFO for writing blocks until a reader has it open).
    const copy = join(dir, 'copy');
    const reader = spawn('sh', ['-c', `cat "${fifo}" > "${copy}"`]);
    const exited = new Promise((resolve) => reader.on('exit', resolve));
    const s = openOutput(fifo);
    s.write('x'.repeat(200_000));
    await s.close();
    await exited;
    expect(readFileSync(copy, 'utf8')).toBe('x'.repeat(200_000));
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['copy', 'pipe']);
  });

  it('a directory target is a usage error', () => {
    expect(() => openOutput(tmpdir())).toThrow(/is a directory/);
  });

  it("'-' streams to the given stdout", async () => {
    const out = collect();
    const s = openOutput('-', out.stream);
    s.write('hello ');
    s.write('world\n');
    await s.close();
    expect(out.text()).toBe('hello world\n');
  });

  it('infers the format from the extension, refuses unknown ones', () => {
    expect(formatFromPath('x.csv')).toBe('csv');
    expect(formatFromPath('dir.v2/KDDTrain+.txt')).toBe('kdd');
    expect(formatFromPath('a.KDD')).toBe('kdd');
    expect(formatFromPath('a.jsonl')).toBe('jsonl');
    expect(formatFromPath('a.ndjson')).toBe('jsonl');
    expect(formatFromPath('a.parquet')).toBeNull();
    expect(formatFromPath('-')).toBeUndefined();
    expect(formatFromPath('flows')).toBeUndefined();
  });

  it('an empty CSV dataset still has its header', async () => {
    const out = collect();
    const w = openDatasetWriter('csv', '-', FLOW_COLUMNS, out.stream);
    expect(await w.close()).toBe(0);
    expect(out.text()).toBe(FLOW_COLUMNS.map((c) => c.name).join(',') + '\n');
  });
});
