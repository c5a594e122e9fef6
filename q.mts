import { openStore } from './src/store/store.ts';
const s = await openStore(['/tmp/flowsift-bench/scored1m'], { threads: 2 });
const mid = (await s.query('SELECT uid, ts FROM scores LIMIT 1 OFFSET 600000')).rows[0];
const qs = {
  hour_trunc: [`SELECT date_trunc('hour', ts) h, count(*) FROM scores GROUP BY 1`],
  hour_epoch: [`SELECT make_timestamp((epoch_us(ts) // 3600000000) * 3600000000)::TIMESTAMPTZ AS h, count(*)::INTEGER AS flows, count(*) FILTER (WHERE is_anomaly)::INTEGER AS a FROM scores GROUP BY epoch_us(ts) // 3600000000 ORDER BY 1`],
  hour_epoch2: [`SELECT h, count(*) FROM (SELECT epoch_us(ts) // 3600000000 AS h FROM scores) GROUP BY 1`],
  count_ts: [`SELECT count(ts) FROM scores`],
  top_plain: [`SELECT ts, uid, anomaly_score, reasons FROM anomalies WHERE service = $1 ORDER BY anomaly_score DESC, uid LIMIT 100`, ['http']],
  top_noreasons: [`SELECT ts, uid, anomaly_score FROM anomalies WHERE service = $1 ORDER BY anomaly_score DESC, uid LIMIT 100`, ['http']],
  top_2phase: [`WITH t AS (SELECT uid FROM anomalies WHERE service = $1 ORDER BY anomaly_score DESC, uid LIMIT 100) SELECT ts, uid, anomaly_score, reasons FROM anomalies WHERE uid IN (SELECT uid FROM t) AND service = $1 ORDER BY anomaly_score DESC, uid`, ['http']],
  uid: [`SELECT * FROM scores WHERE uid = $1`, [mid.uid]],
  uid_ts: [`SELECT * FROM scores WHERE uid = $1 AND ts = $2::TIMESTAMPTZ`, [mid.uid, mid.ts]],
};
for (const [name, [sql, p]] of Object.entries(qs)) {
  await s.query(sql, p);
  const ms = [];
  for (let i = 0; i < 5; i++) { const t = performance.now(); await s.query(sql, p); ms.push(performance.now() - t); }
  ms.sort((a, b) => a - b);
  console.log(name.padEnd(14), ms.map(x => x.toFixed(0)).join(' '));
}
s.close();
