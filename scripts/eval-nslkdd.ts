/**
 * Detector evaluation on NSL-KDD: for each detector and fit mode (clean = fit on every training row,
 * robust = set aside what an isolation forest isolates first), train on
 *   a    the KDDTrain+ normal rows;
 *   b1/b5/b10   the normal rows plus attack rows drawn at random (the run's seed) so that attacks are
 *               1 / 5 / 10 % of the training rows;
 *   c    all KDDTrain+ rows (46.5 % attacks);
 * score KDDTest+ and report ROC-AUC, PR-AUC and precision / recall / F1 at the model's default
 * threshold, each as the median over the seeds with the range. Scenario d (`--capture FLOWS`) trains
 * on a generated capture with attacks in it (seed s) and scores another one (seed s + 1000), truth
 * from the generator's labels. Scenario e (`--analyze PCAP`, labels in PCAP's .labels.csv beside it)
 * does what `flowsift analyze PCAP` does — train on the capture and score the same flows — and says
 * how many normal flows were flagged (fpr) and how many attack flows. `--kdd99` trains and scores on
 * KDD Cup 99 10 % once (all rows).
 *
 *   npx tsx scripts/eval-nslkdd.ts [--scenarios a,b1,b5,b10,c] [--capture 3000] [--analyze PCAP] [--detectors kmeans]
 *     [--modes clean,robust] [--seeds 42,1,7] [--train-sample N] [--cache DIR] [--fresh] [--json] [--kdd99]
 *     [--dump-encoded DIR]
 *
 * `--detectors hybrid` trains one hybrid model per cell and reports its k-means part, its autoencoder
 * and each fusion rule (and / or / rank / score) from it: the same fits as separate models would be.
 *
 * Every finished cell (detector × mode × scenario × seed) is cached as JSON in --cache (default
 * $TMPDIR/flowsift-eval), with the generated captures: a rerun computes only what is missing, so
 * detectors can be added later and an interrupted run resumes. --fresh ignores the cache.
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { collectTable } from '../src/model/input.ts';
import { trainModel, type TrainOptions } from '../src/model/train.ts';
import { Scorer } from '../src/model/score.ts';
import { averagePrecision, confusionOf, rocAuc } from '../src/model/metrics.ts';
import { resolveFeatureList, type RawTable } from '../src/model/encode.ts';
import { rng } from '../src/model/kmeans.ts';
import type { FitMode } from '../src/model/robust.ts';
import { FUSIONS, fuse, RankFusion } from '../src/model/hybrid.ts';
import { loadavg } from 'node:os';

const KDD = fileURLToPath(new URL('../../shared/corpus/kdd/', import.meta.url));
const GEN = fileURLToPath(new URL('../../shared/bench/gen_bench_pcap.py', import.meta.url));
const { values: a } = parseArgs({
  options: {
    scenarios: { type: 'string', default: 'a,b1,b5,b10,c' },
    capture: { type: 'string' },
    analyze: { type: 'string' },
    detectors: { type: 'string', default: 'kmeans' },
    modes: { type: 'string', default: 'clean,robust' },
    seeds: { type: 'string', default: '42,1,7' },
    'train-sample': { type: 'string' },
    cache: { type: 'string', default: join(tmpdir(), 'flowsift-eval') },
    fresh: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    kdd99: { type: 'boolean', default: false },
    'dump-encoded': { type: 'string' },
  },
});
const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter(Boolean);
const scenarios = list(a.scenarios!);
if (a.capture) scenarios.push('d');
if (a.analyze) scenarios.push('e');
const detectors = list(a.detectors!);
const modes = list(a.modes!) as FitMode[];
const seeds = list(a.seeds!).map(Number);
const trainSample = a['train-sample'] ? Number(a['train-sample']) : undefined;
const features = resolveFeatureList('kdd');
mkdirSync(join(a.cache!, 'cells'), { recursive: true });
const log = (m: string): void => void process.stderr.write(m + '\n');

interface Cell {
  detector: string; mode: FitMode; scenario: string; seed: number;
  trainRows: number; trainAttacks: number; fitRows: number;
  setAside: number; setAsideAttacks: number;
  rocAuc: number; prAuc: number; precision: number; recall: number; f1: number; fpr: number;
  seconds: number;
}

const SCEN: Record<string, { text: string; share?: number }> = {
  a: { text: '(a) KDDTrain+ normal rows', share: 0 },
  b1: { text: '(b) normal + 1 % attacks', share: 0.01 },
  b5: { text: '(b) normal + 5 % attacks', share: 0.05 },
  b10: { text: '(b) normal + 10 % attacks', share: 0.1 },
  c: { text: '(c) all KDDTrain+ rows' },
  d: { text: `(d) generated capture with attacks → another seed's` },
  e: { text: `(e) ${a.analyze ? basename(a.analyze) : ''}: trained and scored on itself` },
};

function metricsOf(scores: Float64Array, flagged: boolean[], isPos: boolean[]): Omit<Cell, 'detector' | 'mode' | 'scenario' | 'seed' | 'trainRows' | 'trainAttacks' | 'fitRows' | 'setAside' | 'setAsideAttacks' | 'seconds'> {
  const c = confusionOf(isPos, flagged);
  const precision = c.tp + c.fp ? c.tp / (c.tp + c.fp) : 0;
  const recall = c.tp + c.fn ? c.tp / (c.tp + c.fn) : 0;
  return {
    rocAuc: rocAuc(scores, isPos), prAuc: averagePrecision(scores, isPos), precision, recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, fpr: c.fp + c.tn ? c.fp / (c.fp + c.tn) : 0,
  };
}

type Metrics = Omit<Cell, 'detector' | 'mode' | 'scenario' | 'seed'>;

/**
 * Train one model and score the test rows. A hybrid model yields several cells from one training:
 * its k-means part ('kmeans', the same fit as a k-means model with this seed), its autoencoder
 * ('autoencoder', the same network as an autoencoder model), and each fusion rule ('hybrid-and' …).
 */
function trainAndScore(detector: string, mode: FitMode, seed: number, train: RawTable, isAttack: (i: number) => boolean, test: RawTable, testPos: boolean[]): Record<string, Metrics> {
  const t0 = performance.now();
  const opts: TrainOptions = { seed, fitMode: mode };
  if (detector !== 'kmeans') opts.detector = detector as TrainOptions['detector'];
  const model = trainModel(train, { sources: [], rowsRead: train.n, trainOn: null, labelCounts: {}, labelColumn: 'label' }, opts);
  const sc = new Scorer(model, test);
  const names = detector === 'hybrid' ? ['kmeans', 'autoencoder', ...FUSIONS.map((f) => `hybrid-${f}`)] : [detector];
  const scores = names.map(() => new Float64Array(test.n));
  const flagged = names.map(() => new Array<boolean>(test.n));
  const rf = model.fusion ? RankFusion.fromModel(model.fusion) : undefined;
  for (let i = 0; i < test.n; i++) {
    const s = sc.score(i, 0);
    if (detector !== 'hybrid') {
      scores[0]![i] = s.anomalyScore;
      flagged[0]![i] = s.isAnomaly;
      continue;
    }
    const km = s.kmeansScore!, ae = s.aeScore!;
    const v = [km, ae, ...FUSIONS.map((f) => fuse(f, km, ae, rf, s.distance, s.aeError!))];
    for (let j = 0; j < names.length; j++) {
      scores[j]![i] = v[j]!;
      flagged[j]![i] = v[j]! > 1;
    }
  }
  let trainAttacks = 0;
  for (let i = 0; i < train.n; i++) if (isAttack(i)) trainAttacks++;
  const sa = model.training.setAside;
  const setAsideAttacks = sa?.labels ? Object.entries(sa.labels).filter(([l]) => !isNormal(l)).reduce((s, [, n]) => s + n, 0) : 0;
  const seconds = (performance.now() - t0) / 1000;
  return Object.fromEntries(names.map((n, j) => [n, {
    trainRows: train.n, trainAttacks, fitRows: model.training.rows, setAside: sa?.rows ?? 0, setAsideAttacks,
    ...metricsOf(scores[j]!, flagged[j]!, testPos), seconds,
  }]));
}

const TUPLE = ['src_ip', 'src_port', 'dst_ip', 'dst_port'];
const isNormal = (l: string): boolean => l === 'normal' || l === 'normal.';

function shuffled(idx: number[], seed: number): number[] {
  const r = rng(seed);
  const out = idx.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}

/** Training rows of a KDD scenario for a seed (attack draw and --train-sample both seeded). */
function kddRows(tr: RawTable, scenario: string, seed: number): number[] {
  const normal: number[] = [], attack: number[] = [];
  for (let i = 0; i < tr.n; i++) (isNormal(String(tr.kept[i]!.label)) ? normal : attack).push(i);
  let rows: number[];
  const share = SCEN[scenario]!.share;
  if (share === undefined) rows = [...normal, ...attack];
  else {
    const nAtt = Math.round((normal.length * share) / (1 - share));
    rows = [...normal, ...shuffled(attack, seed * 7919 + 1).slice(0, nAtt)];
  }
  if (trainSample && trainSample < rows.length) rows = shuffled(rows, seed + 17).slice(0, trainSample);
  return rows.sort((x, y) => x - y);
}

const cellPath = (d: string, m: string, s: string, seed: number): string =>
  join(a.cache!, 'cells', `${d}-${m}-${s}-${seed}${trainSample ? `-n${trainSample}` : ''}${s === 'd' ? `-f${a.capture}` : ''}${s === 'e' ? `-${basename(a.analyze!)}` : ''}.json`);

const t0 = performance.now();
const cells: Cell[] = [];
/** The cells a training of detector d yields (a hybrid: its parts and every fusion rule; its k-means cell only when k-means is not run on its own). */
const cellsOf = (d: string): string[] => (d === 'hybrid' ? [...(detectors.includes('kmeans') ? [] : ['kmeans']), 'autoencoder', ...FUSIONS.map((f) => `hybrid-${f}`)] : [d]);
const todo = detectors.flatMap((d) => modes.flatMap((m) => scenarios.flatMap((s) => seeds.map((seed) => ({ d, m, s, seed })))));
let kdd: { tr: RawTable; te: RawTable; tePos: boolean[] } | undefined;
for (const { d, m, s, seed } of todo) {
  const want = cellsOf(d);
  if (!a.fresh && want.every((n) => existsSync(cellPath(n, m, s, seed)))) {
    for (const n of want) cells.push(JSON.parse(readFileSync(cellPath(n, m, s, seed), 'utf8')) as Cell);
    continue;
  }
  let r: Record<string, Metrics>;
  if (s === 'd') {
    const cap = await captureScenario(seed);
    r = trainAndScore(d, m, seed, cap.tr, (i) => cap.trLabel(i) !== 'normal', cap.te, cap.tePos);
  } else if (s === 'e') {
    const f = { file: a.analyze!, truth: readTruth(a.analyze!.replace(/\.pcap(ng)?$/, '.labels.csv')) };
    const cap = await capturePair(f, f);
    r = trainAndScore(d, m, seed, cap.tr, (i) => cap.trLabel(i) !== 'normal', cap.te, cap.tePos);
  } else {
    if (!kdd) {
      const tr = await collectTable([KDD + 'KDDTrain+.txt.gz'], { features, keep: ['label'] });
      const te = await collectTable([KDD + 'KDDTest+.txt.gz'], { features, keep: ['label'] });
      kdd = { tr: tr.table, te: te.table, tePos: Array.from({ length: te.table.n }, (_, i) => !isNormal(String(te.table.kept[i]!.label))) };
    }
    const k = kdd;
    const train = k.tr.select(kddRows(k.tr, s, seed));
    r = trainAndScore(d, m, seed, train, (i) => !isNormal(String(train.kept[i]!.label)), k.te, k.tePos);
  }
  for (const n of want) {
    const cell: Cell = { detector: n, mode: m, scenario: s, seed, ...r[n]! };
    writeFileSync(cellPath(n, m, s, seed), JSON.stringify(cell));
    cells.push(cell);
    log(`${n} ${m} ${s} seed ${seed}: AUC ${cell.rocAuc.toFixed(4)} F1 ${cell.f1.toFixed(4)} (set aside ${cell.setAside}, ${cell.setAsideAttacks} attacks; ${cell.seconds.toFixed(1)} s)  [load ${loadavg()[0]!.toFixed(1)}]`);
  }
}

async function captureScenario(seed: number): Promise<{ tr: RawTable; trLabel: (i: number) => string; te: RawTable; tePos: boolean[] }> {
  // captures are generated once per (flows, seed) into the cache
  const make = (s: number): { file: string; truth: Map<string, string> } => {
    const file = join(a.cache!, `gen-${a.capture}-${s}.pcap`);
    const labels = file.replace(/\.pcap$/, '.labels.csv');
    if (!existsSync(file) || !existsSync(labels)) execFileSync('python3', [GEN, file, String(Number(a.capture)), String(s), '--labels', labels], { stdio: 'ignore' });
    return { file, truth: readTruth(labels) };
  };
  return await capturePair(make(seed), make(seed + 1000));
}

/** A generator's labels file: 4-tuple → label. */
function readTruth(labels: string): Map<string, string> {
  const truth = new Map<string, string>();
  const lines = readFileSync(labels, 'utf8').trim().split('\n');
  const h = lines[0]!.split(',');
  const at = TUPLE.map((c) => h.indexOf(c));
  for (const l of lines.slice(1)) {
    const f = l.split(',');
    truth.set(at.map((j) => f[j]).join('|'), f[h.indexOf('label')]!);
  }
  return truth;
}

/** Flows of both captures with their generator labels (joined on the 4-tuple; unmatched flows count as normal). */
async function capturePair(trc: { file: string; truth: Map<string, string> }, tec: { file: string; truth: Map<string, string> }): Promise<{ tr: RawTable; trLabel: (i: number) => string; te: RawTable; tePos: boolean[] }> {
  const load = async (c: { file: string; truth: Map<string, string> }): Promise<{ t: RawTable; label: string[] }> => {
    const t = (await collectTable([c.file], { features, keep: TUPLE })).table;
    const label = Array.from({ length: t.n }, (_, i) => c.truth.get(TUPLE.map((k) => t.kept[i]![k]).join('|')) ?? 'normal');
    // the robust fit counts what it set aside by the table's label column
    t.kept.forEach((k, i) => (k.label = label[i]!));
    return { t, label };
  };
  const tr = await load(trc);
  const te = await load(tec);
  return { tr: tr.t, trLabel: (i) => tr.label[i]!, te: te.t, tePos: te.label.map((l) => l !== 'normal') };
}

// --- KDD Cup 99 10 %: train on all its rows and score the same rows (once, first seed) -----------
const kdd99: { mode: FitMode; rows: number; attacks: number; setAside: number; setAsideAttacks: number; rocAuc: number; f1: number; seconds: number }[] = [];
if (a.kdd99) {
  const path = join(a.cache!, 'cells', `kdd99-${seeds[0]}.json`);
  if (!a.fresh && existsSync(path)) kdd99.push(...(JSON.parse(readFileSync(path, 'utf8')) as typeof kdd99));
  else {
    const t = (await collectTable([KDD + 'kddcup.data_10_percent.gz'], { features, keep: ['label'] })).table;
    const pos = Array.from({ length: t.n }, (_, i) => !isNormal(String(t.kept[i]!.label)));
    for (const mode of modes) {
      const r = trainAndScore('kmeans', mode, seeds[0]!, t, (i) => pos[i]!, t, pos).kmeans!;
      kdd99.push({ mode, rows: t.n, attacks: r.trainAttacks, setAside: r.setAside, setAsideAttacks: r.setAsideAttacks, rocAuc: r.rocAuc, f1: r.f1, seconds: r.seconds });
      log(`KDD Cup 99 10 % ${mode}: AUC ${r.rocAuc.toFixed(4)} F1 ${r.f1.toFixed(4)}`);
    }
    writeFileSync(path, JSON.stringify(kdd99));
  }
}

// --- the encoded rows of one scenario, for scikit-learn on identical input (scripts/sklearn-iforest.py)
if (a['dump-encoded']) {
  const { Encoder, fitPreprocessing } = await import('../src/model/scale.ts');
  const { encodeRows } = await import('../src/model/kmeans.ts');
  const { IsolationForest } = await import('../src/model/iforest.ts');
  const { TRAIN_DEFAULTS } = await import('../src/model/train.ts');
  const tr = (await collectTable([KDD + 'KDDTrain+.txt.gz'], { features, keep: ['label'] })).table;
  const te = (await collectTable([KDD + 'KDDTest+.txt.gz'], { features, keep: ['label'] })).table;
  const scen = scenarios.find((x) => x !== 'd') ?? 'b5';
  const t = tr.select(kddRows(tr, scen, seeds[0]!));
  const p = fitPreprocessing(t, { log: TRAIN_DEFAULTS.log, clip: TRAIN_DEFAULTS.clip, stdFloor: TRAIN_DEFAULTS.stdFloor, oneHotWeight: TRAIN_DEFAULTS.oneHotWeight });
  const dense = (x: ReturnType<typeof encodeRows>): Float32Array => {
    const offs: number[] = [];
    let o = x.nNum;
    for (const c of p.categorical) (offs.push(o), (o += c.values.length));
    const out = new Float32Array(x.n * o);
    for (let i = 0; i < x.n; i++) {
      for (let u = 0; u < x.nNum; u++) out[i * o + u] = x.z[i * x.nNum + u]!;
      for (let b = 0; b < x.nCat; b++) {
        const v = x.oh[i * x.nCat + b]!;
        if (v >= 0) out[i * o + offs[b]! + v] = p.categorical[b]!.weight;
      }
    }
    return out;
  };
  const xtr = encodeRows(new Encoder(p, t), t.n);
  const xte = encodeRows(new Encoder(p, te), te.n);
  const dims = xtr.nNum + p.categorical.reduce((n, c) => n + c.values.length, 0);
  const forests = seeds.map((seed) => IsolationForest.fit(p, xtr, { seed }));
  mkdirSync(a['dump-encoded'], { recursive: true });
  writeFileSync(join(a['dump-encoded'], 'train.f32'), dense(xtr));
  writeFileSync(join(a['dump-encoded'], 'test.f32'), dense(xte));
  writeFileSync(join(a['dump-encoded'], 'meta.json'), JSON.stringify({
    scenario: scen, seed: seeds[0], dims, train: t.n, test: te.n,
    trainAttack: Array.from({ length: t.n }, (_, i) => (isNormal(String(t.kept[i]!.label)) ? 0 : 1)),
    testAttack: Array.from({ length: te.n }, (_, i) => (isNormal(String(te.kept[i]!.label)) ? 0 : 1)),
    flowsift: forests.map((f, j) => ({ seed: seeds[j], trainAuc: rocAuc(f.scoreAll(xtr), Array.from({ length: t.n }, (_, i) => !isNormal(String(t.kept[i]!.label)))), testAuc: rocAuc(f.scoreAll(xte), Array.from({ length: te.n }, (_, i) => !isNormal(String(te.kept[i]!.label)))) })),
  }));
  log(`encoded rows of scenario ${scen} (seed ${seeds[0]}) → ${a['dump-encoded']}: ${t.n} + ${te.n} rows × ${dims}`);
}

// --- report ---------------------------------------------------------------------------------------

const median = (v: number[]): number => {
  const s = v.slice().sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (v: number[], dp = 3): string => {
  const m = median(v).toFixed(dp);
  if (v.length < 2) return m;
  return `${m} (${Math.min(...v).toFixed(dp)}–${Math.max(...v).toFixed(dp)})`;
};
if (a.json) console.log(JSON.stringify({ cells, kdd99 }, null, 2));
else {
  console.log(`NSL-KDD: train as each scenario says, score KDDTest+ (22,544 rows); median over seeds ${seeds.join(', ')} (min–max)${trainSample ? `; training rows sampled to ${trainSample}` : ''}\n`);
  console.log('| training rows | detector | fit mode | ROC-AUC | PR-AUC | F1 | precision | recall | normal rows flagged | set aside (attacks among them) |');
  console.log('|---|---|---|---:|---:|---:|---:|---:|---:|---:|');
  const shown = [...new Set(detectors.flatMap(cellsOf))];
  for (const s of scenarios) {
    for (const d of shown) {
      for (const m of modes) {
        const c = cells.filter((x) => x.scenario === s && x.detector === d && x.mode === m);
        if (!c.length) continue;
        const aside = m === 'robust' ? `${(median(c.map((x) => x.setAside / x.trainRows)) * 100).toFixed(1)} % (${(median(c.map((x) => (x.setAside ? x.setAsideAttacks / x.setAside : 0))) * 100).toFixed(0)} % attacks)` : '–';
        console.log(`| ${SCEN[s]!.text} | ${d} | ${m} | ${fmt(c.map((x) => x.rocAuc))} | ${fmt(c.map((x) => x.prAuc))} | ${fmt(c.map((x) => x.f1))} | ${fmt(c.map((x) => x.precision))} | ${fmt(c.map((x) => x.recall))} | ${fmt(c.map((x) => x.fpr))} | ${aside} |`);
      }
    }
  }
  if (kdd99.length) {
    console.log(`\nKDD Cup 99 10 % (${kdd99[0]!.rows} rows, ${((100 * kdd99[0]!.attacks) / kdd99[0]!.rows).toFixed(1)} % attacks), k-means trained and scored on all its rows:`);
    for (const r of kdd99) console.log(`  ${r.mode}: ROC-AUC ${r.rocAuc.toFixed(3)}, F1 ${r.f1.toFixed(3)}${r.mode === 'robust' ? `, set aside ${r.setAside} rows (${r.setAsideAttacks} attacks)` : ''}, ${r.seconds.toFixed(0)} s`);
  }
  console.log(`\n${cells.length} cells, ${((performance.now() - t0) / 1000).toFixed(1)} s (cached cells cost nothing)`);
}
