/**
 * `flowsift score` throughput after start-up (issue #22's goal: ≥ 250 k rows/s with 3 reasons on
 * one core), measured end to end: `score INPUT -m MODEL -o x.jsonl` minus the same command on a
 * 1-row file of the same input (its start-up), CPU seconds (user + sys, GNU time) and wall.
 *
 *   npx tsx scripts/bench-score.ts [--runs 3] [--input KDDTrain+.txt.gz] [--model M.json,...] [--base BIN]
 *      [--format jsonl|csv] [--args='--only-anomalies']
 *
 * Without --model it trains one (`train INPUT --train-on normal --seed 1`). --base BIN (another
 * build's dist/cli/flowsift.js, e.g. main before a change) runs in the same rounds, alternating with
 * this build, and the two outputs are compared byte for byte. The machine is shared: the load
 * average is printed with every figure, and medians are taken over the rounds.
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';

const { values: a } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    input: { type: 'string' },
    model: { type: 'string' },
    base: { type: 'string' },
    format: { type: 'string', default: 'jsonl' },
    args: { type: 'string', default: '' },
  },
});
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const INPUT = a.input ?? fileURLToPath(new URL('../../shared/corpus/kdd/KDDTrain+.txt.gz', import.meta.url));
const BIN = join(ROOT, 'dist/cli/flowsift.js');
const runs = Number(a.runs);
const extra = a.args ? a.args.split(' ').filter(Boolean) : [];
const dir = mkdtempSync(join(tmpdir(), 'flowsift-bench-score-'));
const load = (): string => `load ${loadavg().map((v) => v.toFixed(1)).join(' ')}`;
const median = (v: number[]): number => {
  const s = [...v].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

interface Timed { wall: number; cpu: number }
function timed(args: string[]): Timed {
  const tf = join(dir, 'time.txt');
  const r = spawnSync('/usr/bin/time', ['-o', tf, '-f', '%e %U %S', 'node', ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const [e, u, s] = readFileSync(tf, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { wall: e!, cpu: u! + s! };
}

/** The input's first data line(s) as a file of the same kind (gzip when the input is): the start-up run. */
function oneRowFile(): { path: string; rows: number } {
  const raw = readFileSync(INPUT);
  const gz = raw[0] === 0x1f && raw[1] === 0x8b;
  const text = (gz ? gunzipSync(raw) : raw).toString('latin1');
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  // a CSV with a header keeps it: one data row after it
  const header = /[a-z_]+,[a-z_]+/i.test(lines[0]!) && !/^\d/.test(lines[0]!);
  const head = header ? `${lines[0]}\n${lines[1]}\n` : `${lines[0]}\n`;
  const path = join(dir, `one.${basename(INPUT)}`);
  writeFileSync(path, gz ? gzipSync(head) : head);
  return { path, rows: lines.length - (header ? 1 : 0) };
}

try {
  console.log(`machine: ${execFileSync('nproc').toString().trim()} cores; node ${process.version}; input ${INPUT}`);
  let models = a.model ? a.model.split(',') : [];
  if (models.length === 0) {
    const m = join(dir, 'model.json');
    execFileSync('node', [BIN, 'train', INPUT, '--train-on', 'normal', '--seed', '1', '-m', m, '-q']);
    models = [m];
  }
  const one = oneRowFile();
  const ext = a.format === 'csv' ? 'csv' : 'jsonl';
  const builds: [string, string][] = [['this build', BIN], ...(a.base ? [['base', a.base] as [string, string]] : [])];
  for (const m of models) {
    console.log(`\n== score ${basename(INPUT)} (${one.rows.toLocaleString('en-US')} rows) -m ${basename(m)} → ${ext}${extra.length ? ' ' + extra.join(' ') : ''}; ${runs} alternated rounds (${load()})`);
    const res = new Map<string, { cpu: number[]; wall: number[] }>(builds.map(([name]) => [name, { cpu: [], wall: [] }]));
    for (let r = 0; r < runs; r++) {
      for (const [name, bin] of r % 2 ? [...builds].reverse() : builds) {
        const out = join(dir, `${name === 'base' ? 'base' : 'head'}.${ext}`);
        // the previous run's output is removed first: freeing its pages is no part of scoring
        rmSync(out, { force: true });
        const full = timed([bin, 'score', INPUT, '-m', m, '-o', out, '-q', ...extra]);
        const start = timed([bin, 'score', one.path, '-m', m, '-o', join(dir, `one.${ext}`), '-q', ...extra]);
        const cpu = one.rows / Math.max(1e-3, full.cpu - start.cpu);
        const wall = one.rows / Math.max(1e-3, full.wall - start.wall);
        res.get(name)!.cpu.push(cpu);
        res.get(name)!.wall.push(wall);
        console.log(`  ${name.padEnd(10)} full ${full.cpu.toFixed(2)} CPU-s / ${full.wall.toFixed(2)} s, start-up ${start.cpu.toFixed(2)} CPU-s / ${start.wall.toFixed(2)} s → ${Math.round(cpu).toLocaleString('en-US')} rows per CPU-s, ${Math.round(wall).toLocaleString('en-US')} rows/s wall  (${load()})`);
      }
    }
    for (const [name, v] of res) {
      console.log(`  ${name.padEnd(10)} median ${Math.round(median(v.cpu)).toLocaleString('en-US')} rows per CPU-s, ${Math.round(median(v.wall)).toLocaleString('en-US')} rows/s wall after start-up (goal ≥ 250,000)`);
    }
    if (a.base) {
      const same = readFileSync(join(dir, `head.${ext}`)).equals(readFileSync(join(dir, `base.${ext}`)));
      console.log(`  outputs of this build and base: ${same ? 'byte-identical' : 'DIFFERENT'}`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
