/**
 * Library errors speak the library's terms: no message thrown outside src/cli/ names a command-line
 * flag; an error about an option names it by its library name (FlowsiftError.option) and the CLI
 * adds the flag (test/dataset/hosts-cli.test.ts shows it end to end).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FlowsiftError, InputError, UsageError } from '../src/errors.ts';
import { namingFlags } from '../src/cli/options.ts';

const SRC = join(import.meta.dirname, '..', 'src');
/** The library stages whose errors are checked here. */
const LIBRARY = ['capture', 'decode', 'flow', 'features', 'dataset', 'model', 'store', 'report'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sources(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : []);
}

describe('library errors', () => {
  it('no error thrown by the library stages names a command-line flag', () => {
    const offenders: string[] = [];
    let throws = 0;
    for (const dir of LIBRARY) {
      for (const file of sources(join(SRC, dir))) {
        readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
          if (!/\b(throw|new \w*Error)\b/.test(line)) return;
          throws++;
          // A flag in a message: `--name` after a quote, backtick, space or parenthesis.
          if (/Error\(.*[`'"( ]--[a-z][a-z-]+/.test(line)) offenders.push(`${file.slice(SRC.length + 1)}:${i + 1}: ${line.trim()}`);
        });
      }
    }
    expect(throws).toBeGreaterThan(50);
    expect(offenders).toEqual([]);
  });

  it('an error about an option carries its library name; the CLI appends the flag, other errors pass as they are', async () => {
    const flags = { tz: '--labels-tz' };
    const usage = new UsageError('time zone X: not a zone', 'E_USAGE', 'tz');
    expect(() => namingFlags(flags, () => { throw usage; })).toThrow('time zone X: not a zone (--labels-tz)');
    const input = new InputError('E_X', 'rules.csv', undefined, 'line 2: naive time', 'tz');
    await expect(namingFlags(flags, async () => { throw input; })).rejects.toThrow('rules.csv: line 2: naive time (--labels-tz)');
    const other = new FlowsiftError('E_Y', 'no option here');
    expect(() => namingFlags(flags, () => { throw other; })).toThrow(/^no option here$/);
    const unknown = new UsageError('window 0: bad', 'E_USAGE', 'window');
    expect(() => namingFlags(flags, () => { throw unknown; })).toThrow(/^window 0: bad$/);
    expect(namingFlags(flags, () => 42)).toBe(42);
  });
});
