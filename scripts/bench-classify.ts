/**
 * flowsift's classifiers beside scikit-learn's on NSL-KDD, in one sitting: for each algorithm,
 * train on KDDTrain+ (125,973 rows) with the same settings, alternating flowsift and scikit-learn
 * runs (the machine is shared: medians of alternating runs, never absolute times from different
 * moments), then the accuracy on KDDTest+ and KDDTest-21 — the table of Tavallaee et al. (2009).
 *
 *   npx tsx scripts/bench-classify.ts [--algos rf,gbt,tree,logreg] [--rounds 1] [--target binary]
 *        [--class-weight none|balanced] [--trees 100] [--iterations 100] [--threads 2] [--l2 1]
 *        [--attack-threshold 0.1]
 *
 * scikit-learn is Debian's python3-sklearn, run by /usr/bin/python3 (scripts/classify_sklearn.py).
 * Times are the fit alone on both sides: flowsift's includes its encoding and binning, the
 * training.seconds of the model file; scikit-learn's is the .fit() call.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Writable } from 'node:stream';
import { labelCategory } from '../src/dataset/category.ts';
import { runCli } from '../src/cli/main.ts';
import { DEFAULTS } from '../src/model/classify/model.ts';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
};
const algos = opt('algos', 'rf,gbt,tree,logreg').split(',');
const rounds = Number(opt('rounds', '1'));
const target = opt('target', 'binary');
const classWeight = opt('class-weight', 'none');
const trees = opt('trees', '100');
const iterations = opt('iterations', '100');
const threads = opt('threads', '2');
// gbt: the L2 on leaf values, flowsift's default unless told, handed to scikit-learn's l2_regularization
const l2 = opt('l2', String(DEFAULTS.l2));
const extra = opt('extra', '').split(' ').filter(Boolean);
// decision rule for both sides: attack when P(not normal) ≥ this (unset: the most probable class)
const attackThreshold = opt('attack-threshold', '');

const root = new URL('..', import.meta.url).pathname;
const KDD = join(root, '../shared/corpus/kdd');
// --train / --tests (comma-separated) swap in other NSL-KDD files, e.g. samples for a quick check
const TRAIN = opt('train', join(KDD, 'KDDTrain+.txt.gz'));
const TESTS = opt('tests', [join(KDD, 'KDDTest+.txt.gz'), join(KDD, 'KDDTest-21.txt.gz')].join(',')).split(',');
const dir = mkdtempSync(join(tmpdir(), 'flowsift-bench-classify-'));

// the category of every label in the files, so scikit-learn's targets are flowsift's
const cats: Record<string, string> = {};
for (const f of [TRAIN, ...TESTS]) {
  const raw = readFileSync(f);
  const text = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
  for (const line of text.toString('latin1').split('\n')) {
    const label = line.split(',')[41];
    if (label && !(label in cats)) cats[label] = labelCategory(label);
  }
}
const catFile = join(dir, 'categories.json');
writeFileSync(catFile, JSON.stringify(cats));

interface Run {
  fit: number;
  acc: number[];
}

/** Run a flowsift command in this process (as the tests do) and return its stdout. */
async function cli(a: string[]): Promise<string> {
  let out = '';
  let err = '';
  const stdout = new Writable({ write(c, _e, cb) { out += c; cb(); } });
  const stderr = new Writable({ write(c, _e, cb) { err += c; cb(); } });
  const code = await runCli(a, { stdout, stderr });
  if (code !== 0) throw new Error(`flowsift ${a.join(' ')}: exit ${code}: ${err.trim()}`);
  return out;
}

async function flowsift(algo: string): Promise<Run> {
  const model = join(dir, `${algo}.json`);
  const tr = JSON.parse(
    await cli(['classify', 'train', TRAIN, '-m', model, '--algo', algo, '--target', target, '--class-weight', classWeight, '--trees', trees, '--iterations', iterations, '--threads', threads, '--l2', l2, '--json', '-q', ...(attackThreshold ? ['--attack-threshold', attackThreshold] : []), ...extra]),
  );
  const acc: number[] = [];
  for (const t of TESTS) acc.push(JSON.parse(await cli(['classify', 'score', t, '-m', model, '--json'])).metrics.accuracy as number);
  return { fit: tr.training.seconds, acc };
}

function sklearn(algo: string): Run {
  const out = execFileSync(
    '/usr/bin/python3',
    [join(root, 'scripts/classify_sklearn.py'), '--train', TRAIN, '--test', ...TESTS, '--algo', algo, '--target', target, '--categories', catFile, '--class-weight', classWeight, '--trees', trees, '--iterations', iterations, '--threads', threads, '--l2', l2, ...(attackThreshold ? ['--attack-threshold', attackThreshold] : [])],
    // OpenMP's pool is sized from OMP_NUM_THREADS when the runtime starts; threadpool_limits alone
    // leaves idle OpenMP threads spin-waiting on the shared cores
    { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, OMP_NUM_THREADS: threads } },
  );
  const r = JSON.parse(out.trim().split('\n').pop()!);
  return { fit: r.fit_s, acc: TESTS.map((t) => r.test[t].accuracy as number) };
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const pct = (v: number): string => (v * 100).toFixed(2).padStart(6);

console.log(`KDDTrain+ → KDDTest+ / KDDTest-21, target ${target}, class weight ${classWeight}, rf ${trees} trees, gbt ${iterations} iterations (l2 ${l2}), ${threads} threads${attackThreshold ? `, attack threshold ${attackThreshold}` : ''}; ${rounds} alternating round(s)`);
console.log(`load average at start: ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);
console.log('algo     flowsift fit s  sklearn fit s  ratio   flowsift Test+  sklearn Test+  flowsift Test-21  sklearn Test-21');
try {
  for (const algo of algos) {
    const fs: Run[] = [];
    const sk: Run[] = [];
    for (let r = 0; r < rounds; r++) {
      // alternate which side goes first, so a load change hits both alike
      if (r % 2 === 0) {
        fs.push(await flowsift(algo));
        sk.push(sklearn(algo));
      } else {
        sk.push(sklearn(algo));
        fs.push(await flowsift(algo));
      }
    }
    const a = median(fs.map((x) => x.fit));
    const b = median(sk.map((x) => x.fit));
    console.log(
      `${algo.padEnd(8)} ${a.toFixed(2).padStart(14)} ${b.toFixed(2).padStart(14)} ${(a / b).toFixed(2).padStart(6)}   ${pct(fs[0]!.acc[0]!)} %       ${pct(sk[0]!.acc[0]!)} %       ${pct(fs[0]!.acc[1]!)} %         ${pct(sk[0]!.acc[1]!)} %` +
        (rounds > 1 ? `   (fit times: flowsift ${fs.map((x) => x.fit.toFixed(1)).join(' ')}; sklearn ${sk.map((x) => x.fit.toFixed(1)).join(' ')})` : ''),
    );
  }
  console.log(`load average at end: ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
