/**
 * The executable and the package as installed: built to dist/ (scripts/build.ts; the test run builds
 * it first, test/global-setup.ts). `npx flowsift …` runs dist/cli/flowsift.js through a
 * node_modules/.bin symlink, so the program must not depend on recognising its own path (it once
 * exited 0 silently under npx).
 */
import { afterAll, describe, it, expect } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'dist/cli/flowsift.js');
const SAMPLE = join(ROOT, 'samples/demo.pcap');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string; bin: Record<string, string>; exports: Record<string, { types: string; default: string }>;
  dependencies: Record<string, string>; scripts: Record<string, string>;
};
const tmp = mkdtempSync(join(tmpdir(), 'flowsift-bin-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Run the executable with a module-resolution hook that lists, on stderr, every module it loads. */
function loadedModules(args: string[]): { out: string; modules: string[] } {
  const hook = 'export async function resolve(s, c, next) { const r = await next(s, c); process.stderr.write("LOAD " + r.url + "\\n"); return r; }';
  const register = `import { register } from "node:module"; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
  const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, BIN, ...args], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return { out: r.stdout, modules: [...r.stderr.matchAll(/^LOAD (.+)$/gm)].map((m) => m[1]!) };
}

describe('flowsift executable', () => {
  it('package.json points bin and exports (with types) into dist/, and they exist', () => {
    expect(join(ROOT, pkg.bin.flowsift!)).toBe(BIN);
    expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
    for (const f of [BIN, join(ROOT, 'dist/index.js'), join(ROOT, 'dist/index.d.ts'), join(ROOT, 'dist/features/flow-worker.js')]) expect(existsSync(f), f).toBe(true);
    // Nothing builds or transpiles at run time any more.
    expect(Object.keys(pkg.dependencies)).not.toContain('tsx');
    expect(Object.keys(pkg.dependencies)).not.toContain('esbuild');
    expect(pkg.scripts.prepare).toMatch(/scripts\/build\.ts/);
  });

  it('runs through a symlink, as node_modules/.bin does', () => {
    const link = join(tmp, 'flowsift');
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

  it('--version and --help load no command module and not yargs; a command loads only its own', () => {
    const version = loadedModules(['--version']);
    expect(version.out.trim()).toBe(pkg.version);
    const help = loadedModules(['--help']);
    expect(help.out).toMatch(/flowsift flows +Captures → one row per bidirectional flow/);
    for (const { modules } of [version, help]) {
      expect(modules.filter((m) => m.includes('/yargs/'))).toEqual([]);
      expect(modules.filter((m) => m.includes('/dist/') && !/\/dist\/(errors|cli\/(flowsift|main|args))\.js$/.test(m))).toEqual([]);
    }
    const info = loadedModules(['info', '--help']).modules;
    expect(info.some((m) => m.endsWith('/dist/cli/info.js'))).toBe(true);
    expect(info.some((m) => /\/dist\/cli\/(flows|train|score|analyze)\.js$/.test(m))).toBe(false);
    // flows shares option code with the model commands (threshold syntax included), but not the model itself.
    const flows = loadedModules(['flows', SAMPLE, '-q', '-o', join(tmp, 'f.csv')]).modules;
    expect(flows.some((m) => m.endsWith('/dist/cli/flows.js'))).toBe(true);
    expect(flows.filter((m) => /\/dist\/model\/(?!threshold\.js$)|\/node_modules\/(ml-|zod\/)/.test(m))).toEqual([]);
  });

  it('the built program writes what the sources write, on two threads too (the worker runs dist/features/flow-worker.js)', async () => {
    const built = (await import(pathToFileURL(join(ROOT, 'dist/cli/main.js')).href)) as typeof import('../../src/cli/main.ts');
    const { runCli } = await import('../../src/cli/main.ts');
    const run = async (cli: typeof runCli, args: string[]): Promise<string> => {
      const chunks: Buffer[] = [];
      const out = new Writable({ write(c, _e, cb) { chunks.push(Buffer.from(c)); cb(); } });
      const err = new Writable({ write(_c, _e, cb) { cb(); } });
      expect(await cli(args, { stdout: out, stderr: err })).toBe(0);
      return Buffer.concat(chunks).toString('utf8');
    };
    const want = await run(runCli, ['flows', SAMPLE, '--threads', '1']);
    expect(want.split('\n').length).toBeGreaterThan(100);
    expect(await run(built.runCli, ['flows', SAMPLE, '--threads', '2'])).toBe(want);
    expect(await run(built.runCli, ['flows', SAMPLE, '--threads', '1'])).toBe(want);
  }, 60_000);

  it('plain Node imports the library from dist/ (no tsx)', () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `import('${pathToFileURL(join(ROOT, 'dist/index.js')).href}').then((m) => console.log(typeof m.extractFlows, typeof m.runCli))`], { encoding: 'utf8' });
    expect(out.trim()).toBe('function undefined');
  });
});
