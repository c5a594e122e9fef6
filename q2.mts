import { openStore } from './src/store/store.ts';
const s = await openStore(['/tmp/flowsift-bench/scored1m'], { threads: 2 });
const mid = (await s.query('SELECT uid, ts FROM scores LIMIT 1 OFFSET 600000')).rows[0];
const f = "'/tmp/flowsift-bench/scored1m/scores.parquet'";
const qs = {
  uid_ts_lit: [`SELECT * FROM scores WHERE uid = '${mid.uid}' AND ts = '${mid.ts}'::TIMESTAMPTZ`],
  uid_ts_direct: [`SELECT * FROM read_parquet(${f}) WHERE uid = $1 AND ts = $2::TIMESTAMPTZ`, [mid.uid, mid.ts]],
  uid_direct: [`SELECT * FROM read_parquet(${f}) WHERE uid = $1`, [mid.uid]],
  uid_only_col: [`SELECT uid FROM read_parquet(${f}) WHERE uid = $1`, [mid.uid]],
  ts_range: [`SELECT count(*) FROM read_parquet(${f}) WHERE ts BETWEEN $1::TIMESTAMPTZ AND $1::TIMESTAMPTZ + INTERVAL 1 second`, [mid.ts]],
};
for (const [name, [sql, p]] of Object.entries(qs)) {
  await s.query(sql, p);
  const ms = [];
  for (let i = 0; i < 5; i++) { const t = performance.now(); await s.query(sql, p); ms.push(performance.now() - t); }
  ms.sort((a, b) => a - b);
  console.log(name.padEnd(14), ms.map(x => x.toFixed(0)).join(' '));
}
console.log((await s.query(`EXPLAIN ANALYZE SELECT * FROM scores WHERE uid = $1 AND ts = $2::TIMESTAMPTZ`, [mid.uid, mid.ts])).rows.map(r => Object.values(r).join('\n')).join('\n').slice(0, 3000));
s.close();
