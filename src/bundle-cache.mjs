/**
 * Build caches for esbuild bundles of flowsift's TypeScript sources: the command-line program
 * (src/cli/load.mjs) and the flow-engine worker (src/features/threaded.ts). Plain JavaScript, so the
 * executable can use it before anything TypeScript is loaded.
 *
 * Entries live in node_modules/.cache/flowsift/ (beside esbuild, like other build caches) and are
 * reused while esbuild has the same version and every source file the bundle was built from has the
 * same mtime and size.
 */
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { threadId } from 'node:worker_threads';

const require = createRequire(import.meta.url);

/** esbuild's version (from its package.json: its API is not loaded) and the cache directory beside it. */
export function esbuildHome() {
  const pkg = require.resolve('esbuild/package.json');
  const nm = pkg.slice(0, pkg.lastIndexOf(`${sep}node_modules${sep}`) + `${sep}node_modules`.length);
  return { version: require('esbuild/package.json').version, cacheDir: join(nm, '.cache', 'flowsift') };
}

/** Whether a cache entry ({ esbuild, inputs: { file: [mtimeMs, size] } }) still matches its sources. */
export function isFresh(entry, version) {
  if (entry === null || typeof entry !== 'object' || entry.esbuild !== version || typeof entry.inputs !== 'object') return false;
  for (const [f, [m, n]] of Object.entries(entry.inputs)) {
    const st = statSync(f, { throwIfNoEntry: false });
    if (st === undefined || st.mtimeMs !== m || st.size !== n) return false;
  }
  return true;
}

/** [mtimeMs, size] of every input of an esbuild metafile (its paths are relative to the working directory). */
export function inputStamps(metafile) {
  const inputs = {};
  for (const f of Object.keys(metafile.inputs)) {
    const abs = resolve(f);
    const st = statSync(abs);
    inputs[abs] = [st.mtimeMs, st.size];
  }
  return inputs;
}

/** Write `text` to `file` through a temporary file and a rename; false where it cannot be written (a read-only install). */
export function writeAtomic(file, text) {
  const tmp = `${file}.${process.pid}.${threadId}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(tmp, text);
    renameSync(tmp, file);
    return true;
  } catch {
    return false;
  } finally {
    rmSync(tmp, { force: true });
  }
}
