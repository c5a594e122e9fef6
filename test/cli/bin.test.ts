/**
 * The installed executable works the way the README's quick start calls it: `npx flowsift …` runs
 * src/cli/flowsift.mjs through a node_modules/.bin symlink, so the program must not depend on
 * recognising its own path (it once exited 0 silently under npx).
 */
import { afterAll, describe, it, expect } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';

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

describe('the executable loads the program from a cached bundle of the sources', () => {
  // Inside node_modules, as the real cache: the bundle's package imports resolve from there.
  const caches: string[] = [];
  const cacheDir = (): string => {
    mkdirSync(join(ROOT, 'node_modules', '.cache'), { recursive: true });
    const d = mkdtempSync(join(ROOT, 'node_modules', '.cache', 'flowsift-test-'));
    caches.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of caches) rmSync(d, { recursive: true, force: true });
  });

  it('builds it once, reuses it while the sources are unchanged, rebuilds when one changed', async () => {
    const { bundleDir } = await import('../../src/cli/load.mjs');
    const cache = cacheDir();
    const first = await bundleDir(cache);
    expect(first).toBeDefined();
    expect(existsSync(join(first!, 'main.mjs'))).toBe(true);
    expect(await bundleDir(cache)).toBe(first);
    // A source file with another size than when the bundle was built: a new bundle.
    const index = readdirSync(cache).find((f) => f.startsWith('cli-') && f.endsWith('.json'))!;
    const entry = JSON.parse(readFileSync(join(cache, index), 'utf8')) as { inputs: Record<string, [number, number]> };
    const some = Object.keys(entry.inputs)[0]!;
    entry.inputs[some] = [entry.inputs[some]![0], entry.inputs[some]![1] + 1];
    writeFileSync(join(cache, index), JSON.stringify({ ...entry, esbuild: JSON.parse(readFileSync(join(cache, index), 'utf8')).esbuild, dir: basename(first!) }));
    const second = await bundleDir(cache);
    expect(second).not.toBe(first);
    expect(existsSync(join(second!, 'main.mjs'))).toBe(true);
  }, 60_000);

  it('the bundled program writes what the sources write, on two threads too (the worker is built from the sources)', async () => {
    const { bundleDir } = await import('../../src/cli/load.mjs');
    const dir = await bundleDir(cacheDir());
    const bundled = (await import(pathToFileURL(join(dir!, 'main.mjs')).href)) as typeof import('../../src/cli/main.ts');
    const { runCli } = await import('../../src/cli/main.ts');
    const run = async (cli: typeof runCli, args: string[]): Promise<string> => {
      const chunks: Buffer[] = [];
      const out = new Writable({ write(c, _e, cb) { chunks.push(Buffer.from(c)); cb(); } });
      const err = new Writable({ write(_c, _e, cb) { cb(); } });
      expect(await cli(args, { stdout: out, stderr: err })).toBe(0);
      return Buffer.concat(chunks).toString('utf8');
    };
    const args = ['flows', SAMPLE, '--threads', '2'];
    const want = await run(runCli, args);
    expect(want.split('\n').length).toBeGreaterThan(100);
    expect(await run(bundled.runCli, args)).toBe(want);
  }, 60_000);

  it('the executable does take the bundle (and FLOWSIFT_NO_BUNDLE=1 the sources through tsx)', () => {
    const run = (env: Record<string, string>): { out: string; err: string } => {
      const r = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8', env: { ...process.env, FLOWSIFT_LOAD_TRACE: '1', ...env } });
      expect(r.status).toBe(0);
      return { out: r.stdout, err: r.stderr };
    };
    const bundled = run({});
    expect(bundled.out.trim()).toBe(pkg.version);
    expect(bundled.err).toMatch(/program from the bundle in .*node_modules[/\\].cache[/\\]flowsift[/\\]cli-/);
    const sources = run({ FLOWSIFT_NO_BUNDLE: '1' });
    expect(sources.out.trim()).toBe(pkg.version);
    expect(sources.err).toMatch(/program from the sources through tsx/);
  });
});
