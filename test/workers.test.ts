/** src/workers.ts: a worker's entry is built JavaScript, beside its caller in dist/. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { workerEntry } from '../src/workers.ts';

describe('workerEntry', () => {
  it('from dist/: the .js file beside the caller', () => {
    expect(workerEntry('flow-worker', 'file:///pkg/dist/features/threaded.js').href).toBe('file:///pkg/dist/features/flow-worker.js');
  });

  it('from the sources: the same file built under dist/ (it exists: the test run builds first)', () => {
    const caller = new URL('../src/features/threaded.ts', import.meta.url).href;
    const url = workerEntry('flow-worker', caller);
    expect(url.href).toBe(new URL('../dist/features/flow-worker.js', import.meta.url).href);
    expect(existsSync(fileURLToPath(url))).toBe(true);
    expect(() => workerEntry('w', 'file:///elsewhere/x.ts')).toThrow(/not under src/);
  });
});
