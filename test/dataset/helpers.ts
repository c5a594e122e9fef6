/**
 * Shared by the dataset tests: a small capture from ../shared/bench/gen_bench_pcap.py (1000
 * background flows, seed 7, with its injected attacks) and its per-flow ground truth, generated once
 * per test file into a fresh temp directory (0.4 s).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_GEN } from '../flow/helpers.ts';
import { protoNumber } from '../../src/dataset/labels.ts';

/** One row of the generator's truth file. */
export interface Truth {
  start: number;
  proto: number;
  src: string;
  sport: number;
  dst: string;
  dport: number;
  label: string;
  pkts: number;
  /** src_bytes + dst_bytes */
  bytes: number;
}

export interface GeneratedCapture {
  dir: string;
  pcap: string;
  truthCsv: string;
  truth: Truth[];
}

export function generateCapture(flows = 1000, seed = 7): GeneratedCapture {
  const dir = mkdtempSync(join(tmpdir(), 'flowsift-dataset-'));
  const pcap = join(dir, 't.pcap');
  const truthCsv = join(dir, 't.labels.csv');
  execFileSync('python3', [BENCH_GEN, pcap, String(flows), String(seed), '--labels', truthCsv], { stdio: 'pipe' });
  const truth = readFileSync(truthCsv, 'utf8').trim().split('\n').slice(1).map((line) => {
    const f = line.split(',');
    return {
      start: Number(f[1]), proto: protoNumber(f[2]!)!, src: f[3]!, sport: Number(f[4]), dst: f[5]!, dport: Number(f[6]),
      label: f[8]!, pkts: Number(f[9]), bytes: Number(f[10]) + Number(f[11]),
    };
  });
  return { dir, pcap, truthCsv, truth };
}
