/**
 * The demo analysis the report tests read: the bundled capture labeled from its ground truth
 * (samples/demo.labels.csv), analyzed against the attack-free baseline capture with --report, in a
 * temp dir removed by `cleanup()`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../cli/model-helpers.ts';

export const SAMPLE = new URL('../../samples/demo.pcap', import.meta.url).pathname;
export const BASELINE = new URL('../../samples/baseline.pcap', import.meta.url).pathname;
export const LABELS = new URL('../../samples/demo.labels.csv', import.meta.url).pathname;

export interface DemoAnalysis {
  tmp: string;
  flows: string;
  dir: string;
  cleanup(): void;
}

export async function demoAnalysis(prefix: string): Promise<DemoAnalysis> {
  const tmp = mkdtempSync(join(tmpdir(), prefix));
  const flows = join(tmp, 'demo.csv');
  const dir = join(tmp, 'analysis');
  const f = await cli(['flows', SAMPLE, '--labels', LABELS, '-o', flows, '-q']);
  if (f.code !== 0) throw new Error(`flows failed: ${f.err}`);
  const a = await cli(['analyze', flows, '--baseline', BASELINE, '--out-dir', dir, '--report', '-q']);
  if (a.code !== 0) throw new Error(`analyze failed: ${a.err}`);
  return { tmp, flows, dir, cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
}
