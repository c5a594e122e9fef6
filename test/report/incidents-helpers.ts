/**
 * Shared by the incident tests: labeled flow tables of the demo capture, of generated captures
 * (cached in the temp folder under a key made of the generator's hash and arguments, so a changed
 * generator never serves stale files) and of real corpus captures, and analyze runs over them.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_GEN } from '../flow/helpers.ts';
import { cli, jsonl } from '../cli/model-helpers.ts';

export const SAMPLES = new URL('../../samples/', import.meta.url).pathname;
export const CORPUS = new URL('../../../shared/corpus/pcap/', import.meta.url).pathname;

/** The generator's label → the incident kind it must get. */
export const ATTACK_KIND: Record<string, string> = {
  portscan: 'port_scan',
  synflood: 'syn_flood',
  icmpflood: 'icmp_flood',
  bruteforce: 'password_guessing',
  exfil: 'large_upload',
};

/** A generated capture (+ labels), cached by generator hash + arguments. */
export function generated(flows: number, seed: number, noAttacks = false): { pcap: string; labels: string } {
  const gen = createHash('sha256').update(readFileSync(BENCH_GEN)).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), 'flowsift-gen-cache');
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${gen}-${flows}-${seed}${noAttacks ? '-clean' : ''}`);
  const pcap = `${base}.pcap`;
  const labels = `${base}.labels.csv`;
  if (!existsSync(pcap) || !existsSync(labels)) {
    const tmp = `${base}.part-${process.pid}`;
    execFileSync('python3', [BENCH_GEN, `${tmp}.pcap`, String(flows), String(seed), '--labels', `${tmp}.csv`, ...(noAttacks ? ['--no-attacks'] : [])], { stdio: 'pipe' });
    renameSync(`${tmp}.csv`, labels);
    renameSync(`${tmp}.pcap`, pcap);
  }
  return { pcap, labels };
}

export interface AnalyzeRun {
  code: number;
  out: string;
  records: Record<string, any>[];
  incidents: Record<string, any>[];
}

/** flows --labels → labeled CSV → analyze --baseline; files under `dir`. */
export async function analyzeLabeled(dir: string, name: string, pcap: string, labels: string | undefined, baseline: string, extra: string[] = []): Promise<AnalyzeRun> {
  const csv = join(dir, `${name}.csv`);
  const f = await cli(['flows', pcap, '-o', csv, '-q', ...(labels ? ['--labels', labels] : [])]);
  if (f.code !== 0) throw new Error(`flows ${pcap}: ${f.err}`);
  const out = join(dir, name);
  const r = await cli(['analyze', csv, '--baseline', baseline, '--out-dir', out, '-q', ...extra]);
  return {
    code: r.code,
    out: r.out,
    records: jsonl(readFileSync(join(out, 'scores.jsonl'), 'utf8')),
    incidents: jsonl(readFileSync(join(out, 'incidents.jsonl'), 'utf8')),
  };
}

/** Labels of an incident's flows, from its records. */
export function labelsOf(run: AnalyzeRun): Map<string, Set<string>> {
  const m = new Map<string, Set<string>>();
  for (const r of run.records) {
    if (!r.incident_id) continue;
    const s = m.get(r.incident_id) ?? new Set<string>();
    s.add(r.label ?? '');
    m.set(r.incident_id, s);
  }
  return m;
}
