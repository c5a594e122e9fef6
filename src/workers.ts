/**
 * Where a worker thread's entry module is. Workers run built JavaScript: from dist/ the entry is the
 * .js file beside the calling module. When the sources run untranspiled (vitest, tsx) the caller
 * is a .ts file under src/ and Node's worker cannot load TypeScript, so the entry is that file's
 * build under dist/ (`npm test` rebuilds dist/ first when a source changed: test/global-setup.ts).
 *
 * @example new Worker(workerEntry('flow-worker', import.meta.url), { workerData })
 */
export function workerEntry(name: string, callerUrl: string): URL {
  if (!callerUrl.endsWith('.ts')) return new URL(`./${name}.js`, callerUrl);
  const at = callerUrl.lastIndexOf('/src/');
  if (at < 0) throw new Error(`workerEntry: ${callerUrl} is not under src/`);
  const dir = callerUrl.slice(at + '/src/'.length, callerUrl.lastIndexOf('/') + 1);
  return new URL(`${callerUrl.slice(0, at)}/dist/${dir}${name}.js`);
}
