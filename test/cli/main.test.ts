/**
 * The command line as a whole (src/cli/main.ts, src/cli/args.ts): the command table, and mistakes
 * that fail before any work — exit 2, one line in the words the user typed, nothing written.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { COMMAND_NAMES, loadCommand, runCli } from '../../src/cli/main.ts';
import { closest } from '../../src/cli/args.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const SAMPLE = join(ROOT, 'samples/demo.pcap');
const dir = mkdtempSync(join(tmpdir(), 'flowsift-main-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = new Writable({ write(c, _e, cb) { out += c; cb(); } });
  const stderr = new Writable({ write(c, _e, cb) { err += c; cb(); } });
  const code = await runCli(args, { stdout, stderr });
  return { code, out, err };
}

/** A usage error: exit 2, one line naming the problem (plus the pointer to --help), no stack. */
async function usageError(args: string[], message: RegExp): Promise<void> {
  const r = await cli(args);
  expect(r.code, r.err).toBe(2);
  const lines = r.err.trim().split('\n');
  expect(lines[0]).toMatch(message);
  expect(lines.slice(1).join('\n')).toMatch(/^Run 'flowsift( \w+)? --help' for usage\.$/);
  expect(r.err).not.toMatch(/flowsift: flowsift:|internal error|\n\s+at /);
  expect(r.out).toBe('');
}

describe('the command table', () => {
  it("lists each command's own describe, and each module's usage starts with its name", async () => {
    const help = (await cli(['--help'])).out;
    for (const name of COMMAND_NAMES) {
      const def = await loadCommand(name);
      expect(def.command.split(' ')[0]).toBe(name);
      expect(help).toContain(`flowsift ${name}`);
      expect(help.replace(/\s+/g, ' ')).toContain(def.describe);
    }
  });

  it('--version, -V, --help, -h answer without a command; nothing at all is a usage error', async () => {
    expect((await cli(['--version'])).out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect((await cli(['-V'])).out).toBe((await cli(['--version'])).out);
    expect((await cli(['-h'])).out).toBe((await cli(['--help'])).out);
    expect((await cli(['--help'])).out).toMatch(/Exit codes: 0 ok/);
    await usageError([], /^flowsift: name a command$/);
  });

  it('an unknown command suggests the nearest one', async () => {
    await usageError(['flwos'], /^flowsift: unknown command 'flwos' \(did you mean 'flows'\?\)$/);
    await usageError(['frobnicate'], /^flowsift: unknown command 'frobnicate'$/);
  });
});

describe('mistakes fail before any work', () => {
  it('flows --frmat csv: exit 2, suggests --format, writes nothing', async () => {
    const out = join(dir, 'typo.csv');
    await usageError(['flows', SAMPLE, '--frmat', 'csv', '-o', out], /^flowsift flows: unknown option '--frmat' \(did you mean --format\?\)$/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('analyze --bseline x: exit 2, suggests --baseline, creates no --out-dir', async () => {
    const outDir = join(dir, 'analysis');
    await usageError(['analyze', SAMPLE, '--bseline', 'x', '--out-dir', outDir], /^flowsift analyze: unknown option '--bseline' \(did you mean --baseline\?\)$/);
    expect(existsSync(outDir)).toBe(false);
  });

  it('unknown short options and stray arguments', async () => {
    await usageError(['flows', SAMPLE, '-z'], /^flowsift flows: unknown option '-z'$/);
    await usageError(['label', 'a.csv', 'b.csv', '--labels', 'x.csv'], /^flowsift label: unexpected argument 'b\.csv'$/);
  });

  it('a missing required option or argument is one line, never a stack trace', async () => {
    await usageError(['score', SAMPLE], /^flowsift score: missing required option -m\/--model$/);
    await usageError(['label', 'flows.csv'], /^flowsift label: missing required option --labels$/);
    await usageError(['train', SAMPLE], /^flowsift train: missing required option -m\/--model$/);
    await usageError(['info'], /^flowsift info: missing <captures\.\.>$/);
    await usageError(['flows', SAMPLE, '-o'], /^flowsift flows: option -o needs a value$/);
  });

  it('a library error about an option gets the flag appended by the CLI, once', async () => {
    for (const [args, msg] of [
      [['train', SAMPLE, '-m', 'never-written.json', '--threshold', 'p200'], 'flowsift: threshold rule: percentile must be in (0, 100), got 200 (--threshold)\n'],
      [['train', SAMPLE, '-m', 'never-written.json', '--features', ','], 'flowsift: empty feature list (--features)\n'],
    ] as const) {
      const r = await cli([...args]);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toBe(msg);
    }
  });

  it('messages echo what was typed: not NaN', async () => {
    await usageError(['flows', SAMPLE, '--idle-timeout', 'abc'], /^flowsift flows: --idle-timeout: expected a number, got 'abc'$/);
    await usageError(['flows', SAMPLE, '--host-window=ten'], /^flowsift flows: --host-window: expected a number, got 'ten'$/);
    await usageError(['flows', SAMPLE, '--format', 'xml'], /^flowsift flows: --format: 'xml' is not one of csv, jsonl, kdd, parquet$/);
  });

  it('--no-<flag> of a boolean option and a lone - are not mistakes', async () => {
    const r = await cli(['flows', SAMPLE, '--no-content', '-q', '--format', 'kdd', '-o', '-']);
    expect(r.code, r.err).toBe(0);
    expect(r.out.split('\n').length).toBeGreaterThan(100);
  });
});

describe('error messages', () => {
  it('a capture where a CSV or a model was expected: the message shows no binary bytes', async () => {
    const labels = join(ROOT, 'samples/demo.labels.csv');
    for (const args of [['label', labels, '--labels', SAMPLE, '-o', join(dir, 'l.csv')], ['score', labels, '-m', SAMPLE]]) {
      const r = await cli(args);
      expect(r.code, r.err).toBe(3);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/demo\.pcap/);
      expect(r.err).toContain('<binary>');
      expect(r.err).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd]/);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an output that cannot be created is named as given, not by its temp file', async () => {
    const out = join(dir, 'no-such-dir', 'x.csv');
    const r = await cli(['flows', SAMPLE, '-o', out]);
    expect(r.code).toBe(3);
    expect(r.err).toBe(`flowsift: ${out}: no such file or directory\n`);
  });
});

describe('closest', () => {
  it('suggests only what is plausibly a typo (transpositions count as one edit)', () => {
    expect(closest('frmat', ['format', 'output'])).toBe('format');
    expect(closest('fromat', ['format', 'output'])).toBe('format');
    expect(closest('idle-timout', ['idle-timeout', 'active-timeout'])).toBe('idle-timeout');
    expect(closest('xyz', ['format', 'output'])).toBeUndefined();
  });
});
