/**
 * The package as a user gets it: `npm pack`, install the tarball into an empty folder, then with
 * plain Node (no tsx) import the library and run the executable. Prints what it did and the
 * timings; exits 1 if anything fails. Not part of `npm test`: installing the dependencies takes a
 * while (from npm's cache when it has them).
 *
 *   npx tsx scripts/check-pack.ts [--keep]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const keep = process.argv.includes('--keep');
const dir = mkdtempSync(join(tmpdir(), 'flowsift-pack-'));

function run(cmd: string, args: string[], cwd: string): { out: string; seconds: number } {
  const t0 = performance.now();
  const out = execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { out: out.trim(), seconds: (performance.now() - t0) / 1000 };
}

try {
  const pack = run('npm', ['pack', '--pack-destination', dir, '--silent'], ROOT);
  const tgz = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
  console.log(`npm pack: ${tgz} (${pack.seconds.toFixed(1)} s, build included)`);
  const files = run('tar', ['tzf', tgz], dir).out.split('\n');
  const stray = files.filter((f) => !/^package\/(dist\/|README\.md$|package\.json$|LICENSE)/.test(f));
  console.log(`  ${files.length} files; outside dist/: ${stray.length ? stray.join(', ') : 'none'}`);
  if (stray.length) throw new Error('the tarball holds files outside dist/');

  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'module', private: true }));
  const inst = run('npm', ['install', tgz, '--no-audit', '--no-fund', '--prefer-offline', '--silent'], app);
  console.log(`npm install <tarball> into an empty folder: ${inst.seconds.toFixed(1)} s`);

  const lib = run(process.execPath, ['-e', "import('flowsift').then(m => console.log(typeof m.extractFlows))"], app);
  console.log(`node -e "import('flowsift')…": typeof extractFlows = ${lib.out}`);
  if (lib.out !== 'function') throw new Error('the library does not import');

  const types = run(process.execPath, ['-e', "console.log(require.resolve('flowsift/package.json'))"], app).out;
  console.log(`  package at ${types}`);

  const version = run(join(app, 'node_modules/.bin/flowsift'), ['--version'], app);
  console.log(`flowsift --version: ${version.out} (${version.seconds.toFixed(2)} s)`);
  const flows = run(join(app, 'node_modules/.bin/flowsift'), ['flows', join(ROOT, 'samples/demo.pcap'), '--threads', '2', '-q', '-o', join(dir, 'demo.csv')], app);
  const lines = run('wc', ['-l', join(dir, 'demo.csv')], dir).out.split(' ')[0];
  console.log(`flowsift flows samples/demo.pcap --threads 2: ${lines} lines (${flows.seconds.toFixed(2)} s)`);
} catch (e) {
  console.error(`check-pack: ${(e as Error).message}${(e as { stderr?: string }).stderr ? `\n${(e as { stderr?: string }).stderr}` : ''}`);
  process.exitCode = 1;
} finally {
  if (keep) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
