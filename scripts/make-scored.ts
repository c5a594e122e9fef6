/**
 * Make a large scored-flow store for the dashboard benchmark: a scored file (scores.parquet from
 * `flowsift analyze --out-dir` or `flowsift score -o x.parquet`) repeated until it holds --rows
 * flows, each copy shifted in time by the source's span (so hours keep counting up) with its own
 * uids (uid + '-' + copy) and row numbers. Writes OUT/scores.parquet (in time order) and
 * OUT/anomalies.parquet (anomalous flows, most anomalous first), as analyze lays them out.
 *
 *   npx tsx scripts/make-scored.ts --source DIR/scores.parquet --out /tmp/flowsift-bench/scored1m [--rows 1000000]
 *
 * Without --source it makes one: flows of the bench capture (os.tmpdir()/flowsift-bench/bench1g.pcap,
 * 147,904 flows) scored against a model trained on those flows (k 25, p95: ~5 % anomalies).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';

const argv = process.argv.slice(2);
const opt = (name: string, dflt?: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : dflt;
};
const BENCH = join(tmpdir(), 'flowsift-bench');
const OUT = opt('--out', join(BENCH, 'scored1m'))!;
const ROWS = Number(opt('--rows', '1000000'));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'dist/cli/flowsift.js');

function run(args: string[]): void {
  console.error(`$ flowsift ${args.join(' ')}`);
  execFileSync(process.execPath, [BIN, ...args], { stdio: 'inherit' });
}

let source = opt('--source');
if (!source) {
  mkdirSync(BENCH, { recursive: true });
  source = join(BENCH, 'bench1g.scores.parquet');
  if (!existsSync(source)) {
    const pcap = join(BENCH, 'bench1g.pcap');
    if (!existsSync(pcap)) throw new Error(`${pcap} is missing: npx tsx scripts/bench-flows.ts --only 1g --runs 1`);
    const flows = join(BENCH, 'bench1g.flows.parquet');
    if (!existsSync(flows)) run(['flows', pcap, '-o', flows, '-q']);
    const model = join(BENCH, 'bench1g.model.json');
    if (!existsSync(model)) run(['train', flows, '-m', model, '--k', '25', '-q']);
    run(['score', flows, '-m', model, '-o', source, '-q']);
  }
}

mkdirSync(OUT, { recursive: true });
const inst = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '1GB', temp_directory: join(tmpdir(), `flowsift-make-scored-${process.pid}`) });
const con = await inst.connect();
await con.run("SET TimeZone = 'UTC'");
const src = `read_parquet('${source.replace(/'/g, "''")}')`;
const info = (await con.runAndReadAll(`SELECT count(*)::BIGINT AS n, epoch_us(max(ts)) - epoch_us(min(ts)) + 1000000 AS span FROM ${src}`)).getRowObjectsJS()[0]!;
const n = Number(info.n);
const span = Number(info.span);
const copies = Math.ceil(ROWS / n);
console.error(`${source}: ${n.toLocaleString('en-US')} flows over ${(span / 3.6e9).toFixed(2)} h; ${copies} copies → ${(n * copies).toLocaleString('en-US')} flows`);
const t0 = performance.now();
const rep = `SELECT s.* REPLACE (make_timestamp(epoch_us(ts) + k * ${span})::TIMESTAMPTZ AS ts, uid || '-' || k AS uid, "row" + k * ${n} AS "row") FROM ${src} AS s, range(${copies}) AS c(k)`;
await con.run(`COPY (${rep} ORDER BY ts) TO '${join(OUT, 'scores.parquet')}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 16384)`);
await con.run(`COPY (SELECT * FROM read_parquet('${join(OUT, 'scores.parquet')}') WHERE is_anomaly ORDER BY anomaly_score DESC) TO '${join(OUT, 'anomalies.parquet')}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 16384)`);
const counts = (await con.runAndReadAll(`SELECT (SELECT count(*) FROM read_parquet('${join(OUT, 'scores.parquet')}'))::INTEGER AS scores, (SELECT count(*) FROM read_parquet('${join(OUT, 'anomalies.parquet')}'))::INTEGER AS anomalies`)).getRowObjectsJson()[0]!;
console.error(`wrote ${OUT}/scores.parquet (${counts.scores} flows) and anomalies.parquet (${counts.anomalies}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
con.closeSync();
inst.closeSync();
