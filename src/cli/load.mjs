/**
 * How the executable gets at the command-line program (src/cli/main.ts): from an esbuild bundle of
 * the sources, split per command like the sources' lazy imports, cached in
 * node_modules/.cache/flowsift/ (src/bundle-cache.mjs) and rebuilt when a source file changes;
 * through tsx when that cannot be done (no writable cache, esbuild failing, FLOWSIFT_NO_BUNDLE=1).
 * Start-up measured: `flowsift --version` 0.73–0.81 s through tsx, 0.34–0.36 s from the bundle;
 * `flowsift flows` on a small capture 0.46–0.57 s → 0.26–0.27 s (tsx resolves, transforms and
 * hands over every module through its loader thread; the bundle is a few plain files); `flows` of
 * the 1 GB bench capture, whole process: 1.89–2.03 s → 1.70–1.80 s.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { esbuildHome, inputStamps, isFresh, writeAtomic } from '../bundle-cache.mjs';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
/** What the build below produces: an index recorded with another layout is not reused. */
const LAYOUT = 'esm-split-mjs-1';
/** Bundles no index names any more are removed once they are this old (a process may still be loading one). */
const STALE_MS = 60 * 60 * 1000;

/** main() of the command-line program. FLOWSIFT_LOAD_TRACE=1 says on stderr where it came from. */
export async function loadMain() {
  const trace = process.env.FLOWSIFT_LOAD_TRACE === '1' ? (m) => process.stderr.write(`flowsift: ${m}\n`) : () => {};
  if (process.env.FLOWSIFT_NO_BUNDLE !== '1') {
    try {
      const dir = await bundleDir();
      if (dir !== undefined) {
        const { main } = await import(pathToFileURL(join(dir, 'main.mjs')).href);
        trace(`program from the bundle in ${dir}`);
        return main;
      }
      trace('no writable bundle cache: program from the sources through tsx');
    } catch (e) {
      trace(`bundle failed (${e instanceof Error ? e.message : String(e)}): program from the sources through tsx`);
    }
  } else trace('program from the sources through tsx (FLOWSIFT_NO_BUNDLE=1)');
  const { register } = await import('tsx/esm/api');
  register();
  return (await import('./main.ts')).main;
}

/**
 * The directory of a fresh bundle of main.ts (built now if none is), or undefined when none can be
 * written. Each build goes to a new directory and the index file is replaced atomically, so a
 * process loading the previous bundle is never disturbed.
 */
export async function bundleDir(cacheDir) {
  const home = esbuildHome();
  const dirOf = cacheDir ?? home.cacheDir;
  // One index per checkout (node_modules may be shared, e.g. symlinked into a worktree).
  const indexFile = join(dirOf, `cli-${createHash('sha1').update(MAIN).digest('hex').slice(0, 12)}.json`);
  let index;
  try {
    index = JSON.parse(readFileSync(indexFile, 'utf8'));
  } catch {
    // no bundle yet
  }
  if (isFresh(index, home.version) && index.layout === LAYOUT && typeof index.dir === 'string') return join(dirOf, index.dir);
  const name = `cli-${Date.now().toString(36)}-${process.pid}`;
  const require = createRequire(import.meta.url);
  const { build } = require('esbuild');
  const out = await build({
    entryPoints: [MAIN],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outdir: join(dirOf, name),
    // .mjs: ESM whatever package scope the cache directory falls in (node_modules has none).
    outExtension: { '.js': '.mjs' },
    metafile: true,
    logLevel: 'silent',
    plugins: [sourceUrls],
  });
  if (!writeAtomic(indexFile, JSON.stringify({ esbuild: home.version, layout: LAYOUT, inputs: inputStamps(out.metafile), dir: name }))) {
    rmSync(join(dirOf, name), { recursive: true, force: true });
    return undefined;
  }
  removeStale(dirOf, name);
  return join(dirOf, name);
}

/**
 * `import.meta.url` of each source file as that file's own URL (a string literal), not the bundle
 * chunk's: the flow-engine worker is built from the sources next to threaded.ts, and esbuild is found
 * from there.
 */
const sourceUrls = {
  name: 'flowsift-source-urls',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
    });
  },
};

/** Remove earlier bundles (other than `keep`) older than STALE_MS. */
function removeStale(dirOf, keep) {
  try {
    for (const d of readdirSync(dirOf)) {
      if (!d.startsWith('cli-') || d.endsWith('.json') || d === keep) continue;
      const p = join(dirOf, d);
      if (Date.now() - statSync(p).mtimeMs > STALE_MS) rmSync(p, { recursive: true, force: true });
    }
  } catch {
    // best effort
  }
}
