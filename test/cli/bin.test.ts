/**
 * The installed executable works the way the README's quick start calls it: `npx flowsift …` runs
 * src/cli/flowsift.mjs through a node_modules/.bin symlink, so the program must not depend on
 * recognising its own path (it once exited 0 silently under npx).
 */
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'src/cli/flowsift.mjs');
const SAMPLE = join(ROOT, 'samples/demo.pcap');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };

describe('flowsift executable', () => {
  it('package.json bin points at the shim', () => {
    expect(join(ROOT, pkg.bin.flowsift!)).toBe(BIN);
  });

  it('runs through a symlink, as node_modules/.bin does', () => {
    const link = join(mkdtempSync(join(tmpdir(), 'flowsift-bin-')), 'flowsift');
    symlinkSync(BIN, link);
    expect(execFileSync(link, ['--version'], { encoding: 'utf8' }).trim()).toBe(pkg.version);
    const info = JSON.parse(execFileSync(link, ['info', SAMPLE, '--json'], { encoding: 'utf8' }).split('\n')[0]!);
    expect(info.format).toBe('pcap');
    expect(info.packets).toBeGreaterThan(0);
  });

  it('`npx flowsift` in the repository runs the project bin', () => {
    const out = execFileSync('npx', ['--no-install', 'flowsift', '--version'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(out.trim()).toBe(pkg.version);
  });
});
