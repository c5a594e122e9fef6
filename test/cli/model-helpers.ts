/** Helpers for the model CLI tests: run a command in-process, small KDD files cut from the corpus. */
import { Writable } from 'node:stream';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { runCli } from '../../src/cli/main.ts';

export class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

export async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new Sink();
  const stderr = new Sink();
  const code = await runCli(args, { stdout, stderr });
  return { code, out: stdout.text, err: stderr.text };
}

export const KDD_DIR = new URL('../../../shared/corpus/kdd/', import.meta.url).pathname;

/** Every `step`-th line of a corpus KDD file (gzipped) written to a temp dir, gzipped again; returns path + raw lines. */
export function kddSubset(name: string, step: number, dir = mkdtempSync(join(tmpdir(), 'flowsift-kddcli-'))): { path: string; lines: string[] } {
  const all = gunzipSync(readFileSync(join(KDD_DIR, name))).toString('latin1').split('\n').filter((l) => l.trim());
  const lines = all.filter((_, i) => i % step === 0);
  const path = join(dir, `${name.replace(/\.txt\.gz$/, '')}-every${step}.txt.gz`);
  writeFileSync(path, gzipSync(lines.join('\n') + '\n'));
  return { path, lines };
}

export function jsonl(text: string): Record<string, any>[] {
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}
