/**
 * flowsift's classifiers beside scikit-learn's on NSL-KDD, in one sitting: for each algorithm,
 * train on KDDTrain+ (125,973 rows) with the same settings, alternating flowsift and scikit-learn
 * runs (the machine is shared: medians of alternating runs, never absolute times from different
 * moments), then the accuracy on KDDTest+ and KDDTest-21 — the table of Tavallaee et al. (2009).
 *
 *   npx tsx scripts/bench-classify.ts [--algos rf,gbt,tree,logreg] [--rounds 1] [--target binary]
 *        [--class-weight none|balanced] [--trees 100] [--iterations 100] [--threads 2]
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
import { labelCategory } from '../src/dataset/category.ts';

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
const extra = opt('extra', '').split(' ').filter(Boolean);

const root = new URL('..', import.meta.url).pathname;
const KDD = join(root, '../shared/corpus/kdd');
const TRAIN = join(KDD, 'KDDTrain+.txt.gz');
const TESTS = [join(KDD, 'KDDTest+.txt.gz'), join(KDD, 'KDDTest-21.txt.gz')];
const dir = mkdtempSync(join(tmpdir(), 'flowsift-bench-classify-'));

// the category of every label in the files, so scikit-learn's targets are flowsift's
const cats: Record<string, string> = {};
for (const f of [TRAIN, ...TESTS]) {
  for (const line of gunzipSync(readFileSync(f)).toString('latin1').split('\n')) {
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

function flowsift(algo: string): Run {
  const model = join(dir, `${algo}.json`);
  const cli = (a: string[]): string => execFileSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...a], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  const tr = JSON.parse(
    cli(['classify', 'train', TRAIN, '-m', model, '--algo', algo, '--target', target, '--class-weight', classWeight, '--trees', trees, '--iterations', iterations, '--threads', threads, '--json', '-q', ...extra]),
  );
  const acc = TESTS.map((t) => JSON.parse(cli(['classify', 'score', t, '-m', model, '--json'])).metrics.accuracy as number);
  return { fit: tr.training.seconds, acc };
}

function sklearn(algo: string): Run {
  const out = execFileSync(
    '/usr/bin/python3',
    [join(root, 'scripts/classify_sklearn.py'), '--train', TRAIN, '--test', ...TESTS, '--algo', algo, '--target', target, '--categories', catFile, '--class-weight', classWeight, '--trees', trees, '--iterations', iterations, '--threads', threads],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  const r = JSON.parse(out.trim().split('\n').pop()!);
  return { fit: r.fit_s, acc: TESTS.map((t) => r.test[t].accuracy as number) };
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const pct = (v: number): string => (v * 100).toFixed(2).padStart(6);

console.log(`KDDTrain+ → KDDTest+ / KDDTest-21, target ${target}, class weight ${classWeight}, rf ${trees} trees, gbt ${iterations} iterations, ${threads} threads; ${rounds} alternating round(s)`);
console.log(`load average at start: ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);
console.log('algo     flowsift fit s  sklearn fit s  ratio   flowsift Test+  sklearn Test+  flowsift Test-21  sklearn Test-21');
try {
  for (const algo of algos) {
    const fs: Run[] = [];
    const sk: Run[] = [];
    for (let r = 0; r < rounds; r++) {
      // alternate which side goes first, so a load change hits both alike
      if (r % 2 === 0) {
        fs.push(flowsift(algo));
        sk.push(sklearn(algo));
      } else {
        sk.push(sklearn(algo));
        fs.push(flowsift(algo));
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
