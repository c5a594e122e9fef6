/**
 * The pages' aggregate queries over one analysis store (DuckDB views scores / anomalies /
 * incidents), shaped as the report's chart definitions take them (src/report/charts/types.ts), so
 * the dashboard and the HTML report draw the same charts from the same specs. Values are $n
 * parameters; column names come from fixed lists, never from the request.
 */
import type { Param, Store } from '../../store/index.ts';
import { bucketFor } from '../../report/data.ts';
import { pcaAnomalyQuota } from '../../report/charts/clusters.ts';
import type { CategoryCount, ClusterRow, ClusterScoreSummary, ScatterPoint, ScoreBin, TimeBucket } from '../../report/charts/types.ts';

export const has = (store: Store, view: string, column?: string): boolean => {
  const v = store.views.find((x) => x.name === view);
  return !!v && (column === undefined || v.columns.some((c) => c.name === column));
};

const num = (v: unknown): number => (typeof v === 'number' ? v : v === null || v === undefined ? NaN : Number(v));

export interface Summary {
  flows: number;
  anomalies: number;
  high: number;
  medium: number;
  low: number;
  /** Epoch seconds. */
  first?: number;
  last?: number;
  clusters: number;
  labeled: number;
  incidents?: number;
}

export async function summary(store: Store): Promise<Summary> {
  const ts = has(store, 'scores', 'ts');
  const lab = has(store, 'scores', 'label');
  const r = await store.query(`SELECT count(*)::BIGINT AS flows, count(*) FILTER (WHERE is_anomaly)::BIGINT AS anomalies,
      count(*) FILTER (WHERE severity = 1)::BIGINT AS high, count(*) FILTER (WHERE severity = 2)::BIGINT AS medium,
      count(*) FILTER (WHERE severity = 3)::BIGINT AS low, count(DISTINCT "cluster")::BIGINT AS clusters,
      ${ts ? 'epoch(min(ts)) AS first, epoch(max(ts)) AS last' : 'NULL AS first, NULL AS last'},
      ${lab ? 'count(label)::BIGINT' : '0'} AS labeled FROM scores`);
  const x = r.rows[0]!;
  const s: Summary = {
    flows: num(x.flows), anomalies: num(x.anomalies), high: num(x.high), medium: num(x.medium), low: num(x.low),
    clusters: num(x.clusters), labeled: num(x.labeled),
    first: x.first === null ? undefined : num(x.first), last: x.last === null ? undefined : num(x.last),
  };
  if (has(store, 'incidents')) s.incidents = num((await store.query('SELECT count(*)::BIGINT AS n FROM incidents')).rows[0]!.n);
  return s;
}

/** Flows, anomalies and incidents (by first flow) per time bucket, the bucket sized as the report's. */
export async function timeline(store: Store, s: Summary): Promise<{ buckets: TimeBucket[]; label: string; seconds: number } | undefined> {
  if (s.first === undefined || s.last === undefined || !has(store, 'scores', 'ts')) return undefined;
  const [size, label] = bucketFor(Math.max(s.last - s.first, 1));
  const start = Math.floor(s.first / size) * size;
  const nb = Math.floor((s.last - start) / size) + 1;
  const r = await store.query(
    `SELECT ((epoch(ts) - $1) // $2)::INTEGER AS b, count(*)::INTEGER AS flows, count(*) FILTER (WHERE is_anomaly)::INTEGER AS anomalies FROM scores GROUP BY 1`,
    [start, size],
  );
  const buckets: TimeBucket[] = Array.from({ length: nb }, (_, b) => ({ t: (start + b * size) * 1000, flows: 0, anomalies: 0 }));
  for (const row of r.rows) {
    const b = buckets[num(row.b)];
    if (b) {
      b.flows = num(row.flows);
      b.anomalies = num(row.anomalies);
    }
  }
  if (has(store, 'incidents', 'first_ts')) {
    for (const b of buckets) b.incidents = 0;
    const ri = await store.query(`SELECT ((first_ts - $1) // $2)::INTEGER AS b, count(*)::INTEGER AS n FROM incidents GROUP BY 1`, [start, size]);
    for (const row of ri.rows) {
      const b = buckets[num(row.b)];
      if (b) b.incidents = num(row.n);
    }
  }
  return { buckets, label, seconds: size };
}

/** The columns the top-N tables group by, with the filter key a click on a value sets. */
export const TOP_FIELDS = {
  service: { column: 'service', filter: 'service', title: 'Services' },
  flag: { column: 'flag', filter: 'flag', title: 'Flags (Zeek conn_state)' },
  src_ip: { column: 'src_ip', filter: 'src', title: 'Sources (originators)' },
  dst_ip: { column: 'dst_ip', filter: 'dst', title: 'Destinations (responders)' },
  dst_port: { column: 'dst_port', filter: 'port', title: 'Destination ports' },
  label: { column: 'label', filter: 'label', title: 'Ground-truth labels' },
} as const;
export type TopField = keyof typeof TOP_FIELDS;

/** Top values of a column, the most anomalous first (an anomaly-first dashboard), then by flows. */
export async function top(store: Store, field: TopField, limit = 10): Promise<(CategoryCount & { bytes?: number })[]> {
  const col = TOP_FIELDS[field].column;
  if (!has(store, 'scores', col)) return [];
  const bytesCol = has(store, 'scores', 'src_bytes') && has(store, 'scores', 'dst_bytes');
  const r = await store.query(
    `SELECT "${col}"::VARCHAR AS value, count(*)::BIGINT AS flows, count(*) FILTER (WHERE is_anomaly)::BIGINT AS anomalies
       ${bytesCol ? ', sum(coalesce(src_bytes, 0) + coalesce(dst_bytes, 0))::DOUBLE AS bytes' : ''}
     FROM scores WHERE "${col}" IS NOT NULL GROUP BY 1 ORDER BY anomalies DESC, flows DESC, value LIMIT $1`,
    [limit],
  );
  return r.rows.map((x) => ({ value: String(x.value), flows: num(x.flows), anomalies: num(x.anomalies), ...(bytesCol ? { bytes: num(x.bytes) } : {}) }));
}

export type IncidentRow = Record<string, unknown> & { incident_id: string; rank: number; kind: string; title: string; severity: number };

export async function incidents(store: Store, opts: { kind?: string; limit?: number } = {}): Promise<IncidentRow[]> {
  if (!has(store, 'incidents')) return [];
  const params: Param[] = [];
  let where = 'true';
  if (opts.kind) {
    params.push(opts.kind);
    where = `kind = $${params.length}`;
  }
  params.push(opts.limit ?? 1000);
  const r = await store.query(`SELECT * FROM incidents WHERE ${where} ORDER BY rank LIMIT $${params.length}`, params);
  return r.rows as IncidentRow[];
}

/** Every incident's id and rank (optionally of one kind), in rank order. */
export async function incidentIds(store: Store, kind?: string): Promise<{ id: string; rank: number }[]> {
  if (!has(store, 'incidents')) return [];
  const r = kind === undefined
    ? await store.query('SELECT incident_id, rank FROM incidents ORDER BY rank')
    : await store.query('SELECT incident_id, rank FROM incidents WHERE kind = $1 ORDER BY rank', [kind]);
  return r.rows.map((x) => ({ id: String(x.incident_id), rank: num(x.rank) }));
}

export async function incidentsById(store: Store, ids: string[]): Promise<IncidentRow[]> {
  if (!ids.length) return [];
  const r = await store.query(`SELECT * FROM incidents WHERE incident_id IN (${ids.map((_, i) => `$${i + 1}`).join(', ')}) ORDER BY rank`, ids);
  return r.rows as IncidentRow[];
}

export async function incidentKinds(store: Store): Promise<{ kind: string; n: number; flows: number; high: number }[]> {
  if (!has(store, 'incidents')) return [];
  const r = await store.query(`SELECT kind, count(*)::BIGINT AS n, sum(flows)::BIGINT AS flows, count(*) FILTER (WHERE severity = 1)::BIGINT AS high FROM incidents GROUP BY 1 ORDER BY min(rank)`);
  return r.rows.map((x) => ({ kind: String(x.kind), n: num(x.n), flows: num(x.flows), high: num(x.high) }));
}

/**
 * A sample of the scored flows' PCA coordinates: the anomalies (most anomalous first, at most a
 * quarter of `cap`, PCA_ANOMALY_SHARE) and an even stride over the normal flows in time order.
 */
export async function pcaSample(store: Store, cap = 3000): Promise<{ points: ScatterPoint[]; total: number; anomaliesTotal: number; anomaliesShown: number } | undefined> {
  if (!has(store, 'scores', 'pca_x') || !has(store, 'scores', 'pca_y')) return undefined;
  const c = (await store.query('SELECT count(*)::BIGINT AS n, count(*) FILTER (WHERE is_anomaly)::BIGINT AS a FROM scores WHERE pca_x IS NOT NULL')).rows[0]!;
  const total = num(c.n);
  const anomaliesTotal = num(c.a);
  if (total === 0) return undefined;
  const quota = total <= cap ? anomaliesTotal : pcaAnomalyQuota(cap, anomaliesTotal);
  const normalTotal = total - anomaliesTotal;
  const normalCap = Math.min(normalTotal, cap - quota);
  const aStep = quota > 0 ? anomaliesTotal / quota : 1;
  const nStep = normalCap > 0 ? normalTotal / normalCap : 1;
  const lab = has(store, 'scores', 'label') ? 'label' : 'NULL AS label';
  const uid = has(store, 'scores', 'uid') ? 'uid' : 'NULL AS uid';
  const order = has(store, 'scores', 'ts') ? 'ts' : 'row';
  const r = await store.query(
    `WITH a AS (SELECT pca_x, pca_y, "cluster", anomaly_score, is_anomaly, ${lab}, ${uid}, row_number() OVER (ORDER BY anomaly_score DESC) - 1 AS i FROM scores WHERE is_anomaly AND pca_x IS NOT NULL),
          n AS (SELECT pca_x, pca_y, "cluster", anomaly_score, is_anomaly, ${lab}, ${uid}, row_number() OVER (ORDER BY ${order}) - 1 AS i FROM scores WHERE NOT is_anomaly AND pca_x IS NOT NULL)
     SELECT * EXCLUDE (i) FROM n WHERE $3 > 0 AND floor(i / $4) <> floor((i - 1) / $4) AND floor(i / $4) < $3
     UNION ALL
     SELECT * EXCLUDE (i) FROM a WHERE $1 > 0 AND floor(i / $2) <> floor((i - 1) / $2) AND floor(i / $2) < $1`,
    [quota, aStep, normalCap, nStep],
  );
  const r6 = (v: number): number => Math.round(v * 1e6) / 1e6;
  const points: ScatterPoint[] = r.rows.map((x) => {
    const p: ScatterPoint = { x: r6(num(x.pca_x)), y: r6(num(x.pca_y)), cluster: num(x.cluster), anomaly: x.is_anomaly === true, score: r6(num(x.anomaly_score)) };
    if (typeof x.label === 'string') p.label = x.label;
    if (typeof x.uid === 'string') p.uid = x.uid;
    return p;
  });
  return { points, total, anomaliesTotal, anomaliesShown: points.filter((p) => p.anomaly).length };
}

/** The report's log-scale histogram bins (1, the threshold, on a bin edge), computed in SQL. */
export async function scoreBins(store: Store, labeled: boolean, normalLabel = 'normal'): Promise<{ bins: ScoreBin[]; groups: string[]; colors: string[]; above: number; median: number; max: number }> {
  const st = (await store.query(`SELECT min(anomaly_score) FILTER (WHERE anomaly_score > 0) AS minpos, max(anomaly_score) AS mx, median(anomaly_score) AS med,
      count(*) FILTER (WHERE anomaly_score > 1)::BIGINT AS above FROM scores WHERE isfinite(anomaly_score)`)).rows[0]!;
  const max = Number.isFinite(num(st.mx)) ? num(st.mx) : 1;
  const floor = Math.max(Number.isFinite(num(st.minpos)) ? num(st.minpos) : 1e-3, 1e-3);
  const l0 = Math.log10(floor);
  const l1 = Math.log10(Math.max(max, floor * 1.0001, 1.0001));
  const w = Math.max((l1 - l0) / 48, 0.01);
  const first = Math.floor(l0 / w);
  const nb = Math.floor(l1 / w) - first + 1;
  const groups = labeled ? ['normal (ground truth)', 'attack (ground truth)'] : ['below threshold', 'above threshold'];
  const pos = labeled ? `CASE WHEN label IS NULL THEN NULL ELSE label <> $5 END` : 'anomaly_score > 1';
  const params: Param[] = [floor, w, first, nb];
  if (labeled) params.push(normalLabel);
  const r = await store.query(
    `SELECT least($4 - 1, greatest(0, (floor(log10(greatest(anomaly_score, $1)) / $2) - $3)::INTEGER)) AS b, ${pos} AS pos, count(*)::BIGINT AS n
     FROM scores WHERE isfinite(anomaly_score) GROUP BY 1, 2`,
    params,
  );
  const r6 = (v: number): number => Math.round(v * 1e6) / 1e6;
  const bins: ScoreBin[] = [];
  for (const x of r.rows) {
    if (x.pos === null) continue;
    const b = num(x.b);
    bins.push({ lo: r6(10 ** ((first + b) * w)), hi: r6(10 ** ((first + b + 1) * w)), count: num(x.n), group: groups[x.pos ? 1 : 0]! });
  }
  bins.sort((a, b) => a.group.localeCompare(b.group) || a.lo - b.lo);
  return { bins, groups, colors: ['#4c78a8', '#d62728'], above: num(st.above), median: num(st.med), max };
}

export async function clusterRows(store: Store): Promise<ClusterRow[]> {
  const r = await store.query(`SELECT "cluster", count(*)::BIGINT AS flows, count(*) FILTER (WHERE is_anomaly)::BIGINT AS anomalies FROM scores GROUP BY 1 ORDER BY 1`);
  return r.rows.map((x) => ({ cluster: num(x.cluster), flows: num(x.flows), anomalies: num(x.anomalies) }));
}

export async function scoreByCluster(store: Store): Promise<ClusterScoreSummary[]> {
  const r = await store.query(`SELECT "cluster", count(*)::BIGINT AS n, quantile_cont(greatest(anomaly_score, 1e-3), [0, 0.25, 0.5, 0.75, 0.95, 1]) AS q FROM scores WHERE isfinite(anomaly_score) GROUP BY 1 ORDER BY 1`);
  const r6 = (v: number): number => Math.round(v * 1e6) / 1e6;
  return r.rows.map((x) => {
    const q = (x.q as number[]).map(r6);
    return { cluster: num(x.cluster), n: num(x.n), min: q[0]!, p25: q[1]!, p50: q[2]!, p75: q[3]!, p95: q[4]!, max: q[5]! };
  });
}
