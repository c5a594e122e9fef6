/**
 * How well incidents name the attacks, per attack kind: on captures from the bench generator
 * (several seeds and sizes; the model learns normal traffic from an attack-free capture of another
 * seed), the bundled demo and real corpus captures (an FTP password brute force). For each attack:
 * found as one incident of the right kind (yes/no), its rank, the flagged normal flows that ended up
 * in attack incidents, and whether every attack ranks above every incident made only of normal flows.
 *
 * Run: npx tsx scripts/eval-incidents.ts [--seeds 3,5,9] [--flows 600,2000] [--gap 30] [--keep DIR]
 * Captures and runs go to a temp folder removed at the end (unless --keep).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runCli } from '../src/cli/main.ts';
import { Writable } from 'node:stream';

const GEN = fileURLToPath(new URL('../../shared/bench/gen_bench_pcap.py', import.meta.url));
const SAMPLES = fileURLToPath(new URL('../samples/', import.meta.url));
const CORPUS = fileURLToPath(new URL('../../shared/corpus/pcap/', import.meta.url));

const KIND: Record<string, string> = {
  portscan: 'port_scan',
  synflood: 'syn_flood',
  icmpflood: 'icmp_flood',
  bruteforce: 'password_guessing',
  exfil: 'large_upload',
  'ftp-bruteforce': 'password_guessing',
};

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '3,5,9,11,23' },
    flows: { type: 'string', default: '600,2000' },
    gap: { type: 'string', default: '30' },
    keep: { type: 'string' },
  },
});

const work = values.keep ?? mkdtempSync(join(tmpdir(), 'flowsift-eval-incidents-'));
mkdirSync(work, { recursive: true });

async function cli(args: string[]): Promise<void> {
  let err = '';
  const sink = (f: (s: string) => void): Writable => new Writable({ write(c, _e, cb) { f(String(c)); cb(); } });
  const code = await runCli(args, { stdout: sink(() => undefined), stderr: sink((s) => (err += s)) });
  if (code !== 0) throw new Error(`flowsift ${args.join(' ')}: exit ${code}: ${err}`);
}

const jsonl = (p: string): Record<string, any>[] => readFileSync(p, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

interface Row {
  capture: string;
  attack: string;
  found: boolean;
  kind: string;
  rank: number | null;
  normalIn: number;
  aboveNormal: boolean;
}

/** flows (labeled) → analyze --baseline → per attack label: its incident(s), rank and purity. */
async function evaluate(name: string, pcap: string, labels: string | undefined, baseline: string, labelOf?: string): Promise<{ rows: Row[]; incidents: number; normalOnly: number; flagged: number }> {
  const file = name.replace(/[^a-z0-9-]+/gi, '-');
  const csv = join(work, `${file}.csv`);
  await cli(['flows', pcap, '-o', csv, '-q', ...(labels ? ['--labels', labels] : [])]);
  const out = join(work, file);
  await cli(['analyze', csv, '--baseline', baseline, '--out-dir', out, '-q', '--incident-gap', values.gap!]);
  const recs = jsonl(join(out, 'scores.jsonl'));
  const incs = jsonl(join(out, 'incidents.jsonl'));
  const label = (r: Record<string, any>): string => labelOf ?? r.label ?? 'normal';
  const byInc = new Map<string, Record<string, any>[]>();
  for (const r of recs) if (r.incident_id) byInc.set(r.incident_id, [...(byInc.get(r.incident_id) ?? []), r]);
  const attacks = [...new Set(recs.map(label))].filter((l) => l !== 'normal').sort();
  const normalOnly = incs.filter((x) => byInc.get(x.incident_id)!.every((r) => label(r) === 'normal'));
  const bestNormal = normalOnly.length ? Math.min(...normalOnly.map((x) => x.rank)) : Infinity;
  const rows: Row[] = attacks.map((a) => {
    const ids = new Set(recs.filter((r) => label(r) === a && r.is_anomaly).map((r) => r.incident_id));
    const mine = incs.filter((x) => ids.has(x.incident_id)).sort((p, q) => p.rank - q.rank);
    const main = mine[0];
    const normalIn = mine.reduce((n, x) => n + byInc.get(x.incident_id)!.filter((r) => label(r) === 'normal').length, 0);
    return {
      capture: name,
      attack: a,
      found: mine.length === 1 && main?.kind === KIND[a],
      kind: mine.map((x) => `${x.kind}${mine.length > 1 ? `#${x.rank}` : ''}`).join(' + ') || '(not flagged)',
      rank: main?.rank ?? null,
      normalIn,
      aboveNormal: mine.length > 0 && mine.every((x) => x.rank < bestNormal),
    };
  });
  return { rows, incidents: incs.length, normalOnly: normalOnly.length, flagged: recs.filter((r) => r.is_anomaly && label(r) === 'normal').length };
}

function gen(file: string, flows: number, seed: number, clean = false): string {
  const pcap = join(work, file);
  execFileSync('python3', [GEN, pcap, String(flows), String(seed), '--labels', pcap.replace(/\.pcap$/, '.labels.csv'), ...(clean ? ['--no-attacks'] : [])], { stdio: 'pipe' });
  return pcap;
}

const all: Row[] = [];
const notes: string[] = [];
try {
  const run = async (name: string, pcap: string, labels: string | undefined, baseline: string, labelOf?: string): Promise<void> => {
    const r = await evaluate(name, pcap, labels, baseline, labelOf);
    all.push(...r.rows);
    notes.push(`${name}: ${r.incidents} incidents, ${r.normalOnly} of them normal flows only; ${r.flagged} normal flows flagged`);
  };
  await run('demo', join(SAMPLES, 'demo.pcap'), join(SAMPLES, 'demo.labels.csv'), join(SAMPLES, 'baseline.pcap'));
  for (const flows of values.flows!.split(',').map(Number)) {
    const clean = gen(`clean-${flows}.pcap`, flows, 1001, true);
    for (const seed of values.seeds!.split(',').map(Number)) {
      const p = gen(`gen-${flows}-${seed}.pcap`, flows, seed);
      await run(`gen ${flows}/${seed}`, p, p.replace(/\.pcap$/, '.labels.csv'), clean);
    }
  }
  // real capture, every flow of it is the attack; normal traffic learned from the bundled baseline
  await run('zeek ftp-bruteforce', join(CORPUS, 'zeek__ftp-bruteforce.pcap'), undefined, join(SAMPLES, 'baseline.pcap'), 'ftp-bruteforce');
} finally {
  if (!values.keep) rmSync(work, { recursive: true, force: true });
}

const pad = (s: string, n: number): string => s.padEnd(n);
console.log(`incident gap ${values.gap} s; generated captures: FLOWS normal flows per seed (+ the generator's injected attacks), baseline = attack-free capture of seed 1001\n`);
console.log('| capture | attack | right kind, one incident | kind | rank | normal flows in its incident | above every normal-only incident |');
console.log('|---|---|---|---|---|---|---|');
for (const r of all) console.log(`| ${r.capture} | ${r.attack} | ${r.found ? 'yes' : 'NO'} | ${r.kind} | ${r.rank ?? '–'} | ${r.normalIn} | ${r.aboveNormal ? 'yes' : 'NO'} |`);
console.log('\nper attack kind (all captures):');
for (const a of [...new Set(all.map((r) => r.attack))]) {
  const rs = all.filter((r) => r.attack === a);
  const ranks = rs.map((r) => r.rank ?? NaN);
  console.log(`  ${pad(a, 15)} found ${rs.filter((r) => r.found).length}/${rs.length} · ranks ${Math.min(...ranks)}–${Math.max(...ranks)} · normal flows in its incidents ${rs.reduce((n, r) => n + r.normalIn, 0)} · above every normal-only incident ${rs.filter((r) => r.aboveNormal).length}/${rs.length}`);
}
console.log('');
for (const n of notes) console.log(n);
