/**
 * `npm run build` (also `prepare`, so `npm ci` and `npm pack` build): compile src/ to dist/ with
 * tsc — JavaScript and .d.ts, one file per source, so relative URLs (the flow-engine worker's entry)
 * hold in dist/ as in src/, and const enums are inlined across files as the hot loops expect.
 * Type errors are `npm run typecheck`'s job (tsc --noEmit over src, test and scripts): this only
 * emits. The test run calls buildIfStale() first (test/global-setup.ts).
 */
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = join(ROOT, 'src');
const OUT = join(ROOT, 'dist');
/** What the last build was made from: a changed, added or removed source makes it stale. */
const STAMP_NAME = '.build-stamp.json';
const STAMP = join(OUT, STAMP_NAME);
/** The executables (package.json bin). */
const BINS = ['cli/flowsift.js'];
/** Folders under src/ whose files are served as they are (not compiled). */
const ASSET_DIRS = ['server/assets'];

export function build(): void {
  const stamp = sourceStamp();
  // Built beside dist/ and swapped in, so a process running dist/ (a test run) never sees it half-written.
  const next = `${OUT}.next-${process.pid}`;
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.json'),
    { noEmit: false, noCheck: true, outDir: next, rootDir: SRC, declaration: true, rewriteRelativeImportExtensions: true },
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => fail([d]) },
  )!;
  const program = ts.createProgram(parsed.fileNames.filter((f) => f.startsWith(SRC + '/')), parsed.options);
  rmSync(next, { recursive: true, force: true });
  try {
    const res = program.emit();
    fail([...parsed.errors, ...program.getOptionsDiagnostics(), ...res.diagnostics]);
    for (const b of BINS) chmodSync(join(next, b), 0o755);
    // files the code reads at run time (the dashboard's stylesheet and client script) go beside it
    for (const d of ASSET_DIRS) cpSync(join(SRC, d), join(next, d), { recursive: true });
    writeFileSync(join(next, STAMP_NAME), JSON.stringify(stamp));
    const old = `${OUT}.old-${process.pid}`;
    if (existsSync(OUT)) renameSync(OUT, old);
    renameSync(next, OUT);
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(next, { recursive: true, force: true });
  }
}

/** Build unless dist/ was built from the sources as they are. Returns whether it built. */
export function buildIfStale(): boolean {
  let last: unknown;
  try {
    last = JSON.parse(readFileSync(STAMP, 'utf8'));
  } catch {
    // never built
  }
  if (JSON.stringify(last) === JSON.stringify(sourceStamp())) return false;
  build();
  return true;
}

/** Every source file with its size and mtime. */
function sourceStamp(): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const f of readdirSync(SRC, { recursive: true, encoding: 'utf8' }).sort()) {
    const st = statSync(join(SRC, f));
    if (st.isFile()) out[f] = [st.size, st.mtimeMs];
  }
  return out;
}

function fail(diags: readonly ts.Diagnostic[]): void {
  if (diags.length === 0) return;
  const host = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => ROOT, getNewLine: () => '\n' };
  throw new Error(`build failed:\n${ts.formatDiagnostics(diags, host)}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) build();
