/**
 * Before the tests: dist/ as built from the sources as they are (tests run the sources, but the
 * flow-engine worker and the executable run from the build: src/features/threaded.ts,
 * test/cli/bin.test.ts), and a temporary folder of the run's own, which every test and every
 * process they start uses (TMPDIR) and which is removed at the end: a run leaves nothing behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildIfStale } from '../scripts/build.ts';

export default function setup(): () => void {
  buildIfStale();
  const dir = mkdtempSync(join(tmpdir(), 'flowsift-test-'));
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
