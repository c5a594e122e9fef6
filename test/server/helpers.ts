/**
 * Real analyses for the server tests: `flowsift analyze` of the bundled demo capture (trained on
 * the bundled attack-free baseline) and of the baseline itself, made in a temp directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/main.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DEMO = join(ROOT, 'samples/demo.pcap');
export const BASELINE = join(ROOT, 'samples/baseline.pcap');

export function sink(): Writable & { text: () => string } {
  const parts: string[] = [];
  const w = new Writable({ write(chunk, _enc, cb) { parts.push(String(chunk)); cb(); } }) as Writable & { text: () => string };
  w.text = () => parts.join('');
  return w;
}

export async function cli(argv: string[], signal?: AbortSignal): Promise<{ code: number; out: string; err: string }> {
  const stdout = sink();
  const stderr = sink();
  const code = await runCli(argv, { stdout, stderr, signal });
  return { code, out: stdout.text(), err: stderr.text() };
}

export interface Fixture {
  root: string;
  /** demo.pcap analyzed against the baseline. */
  demo: string;
  /** baseline.pcap analyzed on itself. */
  baseline: string;
  cleanup(): void;
}

export async function makeAnalyses(which: ('demo' | 'baseline')[] = ['demo', 'baseline']): Promise<Fixture> {
  const root = mkdtempSync(join(tmpdir(), 'flowsift-serve-test-'));
  const demo = join(root, 'demo');
  const baseline = join(root, 'baseline');
  if (which.includes('demo')) {
    const r = await cli(['analyze', DEMO, '--baseline', BASELINE, '--out-dir', demo, '-q']);
    if (r.code !== 0) throw new Error(`analyze demo failed: ${r.err}`);
  }
  if (which.includes('baseline')) {
    const r = await cli(['analyze', BASELINE, '--out-dir', baseline, '-q', '--k-max', '6']);
    if (r.code !== 0) throw new Error(`analyze baseline failed: ${r.err}`);
  }
  return { root, demo, baseline, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** A response's JSON, untyped (the tests check its shape). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const body = async (r: Response): Promise<any> => r.json();
