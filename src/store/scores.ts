/**
 * Scored flows (anomaly records, schema flowsift.anomaly/1) as Parquet: typed columns, `ts` a
 * TIMESTAMP(MICROS, UTC), and `reasons` a LIST of STRUCTs — queryable (`unnest(reasons)`) rather than
 * a JSON string. The schema is declared here; analyze and `score -o x.parquet` write it without
 * DuckDB (scores-parquet.ts). scoresJsonlToParquet converts existing JSON Lines with DuckDB, read with
 * declared column types (no sniffing),
 * row groups of 16,384 flows (min/max statistics per group let the dashboard's time-bounded and
 * top-N queries skip most of a file), Snappy-compressed (zstd would be smaller, but hyparquet — flowsift's own Parquet reader — and
 * some notebooks' readers lack it), atomically (temp file + rename).
 */
import { mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { tempPathFor } from '../dataset/output.ts';
import { InputError } from '../errors.ts';
import { duckError } from './store.ts';
import { sqlString } from './views.ts';

export interface ScoreColumn {
  name: string;
  /** DuckDB type of the column (Parquet: see README). */
  type: string;
  description: string;
}

const REASON = 'STRUCT(feature VARCHAR, "value" DOUBLE, value_text VARCHAR, typical DOUBLE, typical_text VARCHAR, share DOUBLE, z DOUBLE, "text" VARCHAR, detector VARCHAR)[]';

/** The columns of scores.parquet / anomalies.parquet, in order. */
export const SCORE_COLUMNS: readonly ScoreColumn[] = [
  { name: 'event_type', type: 'VARCHAR', description: '"anomaly" or "flow" (not anomalous).' },
  { name: 'schema', type: 'VARCHAR', description: 'Record schema, flowsift.anomaly/1.' },
  { name: 'row', type: 'BIGINT', description: '1-based row number of the flow in the scored input.' },
  { name: 'ts', type: 'TIMESTAMP WITH TIME ZONE', description: 'Flow start, TIMESTAMP(MICROS, UTC) (JSON Lines: epoch seconds `ts` + ISO `timestamp`).' },
  { name: 'uid', type: 'VARCHAR', description: 'Flow id, as in the flow dataset.' },
  { name: 'community_id', type: 'VARCHAR', description: 'Community ID v1.' },
  { name: 'src_ip', type: 'VARCHAR', description: 'Originator address.' },
  { name: 'src_port', type: 'INTEGER', description: 'Originator port (ICMP: type).' },
  { name: 'dst_ip', type: 'VARCHAR', description: 'Responder address.' },
  { name: 'dst_port', type: 'INTEGER', description: 'Responder port (ICMP: code).' },
  { name: 'proto', type: 'INTEGER', description: 'IP protocol number.' },
  { name: 'protocol_type', type: 'VARCHAR', description: 'tcp, udp, icmp or other.' },
  { name: 'service', type: 'VARCHAR', description: 'NSL-KDD service name.' },
  { name: 'flag', type: 'VARCHAR', description: 'KDD flag (Zeek conn_state vocabulary).' },
  { name: 'cluster', type: 'INTEGER', description: 'Nearest K-means centroid (quote it in SQL: "cluster").' },
  { name: 'distance', type: 'DOUBLE', description: 'Distance to that centroid in the scaled feature space (an autoencoder model: the reconstruction error).' },
  { name: 'threshold', type: 'DOUBLE', description: 'The distance above which a flow is anomalous (per cluster or global).' },
  { name: 'anomaly_score', type: 'DOUBLE', description: 'distance / threshold: > 1 is anomalous, higher is worse (a hybrid model: the fusion of kmeans_score and ae_score).' },
  { name: 'is_anomaly', type: 'BOOLEAN', description: 'anomaly_score > 1.' },
  { name: 'severity', type: 'INTEGER', description: '1 high … 3 low (Suricata style); null for normal flows.' },
  { name: 'reasons', type: REASON, description: 'Why: the features with the largest share of the squared distance — feature, value and typical (the centroid\'s) as numbers, or value_text/typical_text for a categorical feature, share (0–1), z (signed z-distance, numeric features), text.' },
  { name: 'label', type: 'VARCHAR', description: 'Ground-truth label, when the input had one.' },
  { name: 'category', type: 'VARCHAR', description: 'Attack category of the label (NSL-KDD map), when known.' },
  { name: 'pca_x', type: 'DOUBLE', description: 'The model\'s 2-D projection (analyze, score --pca).' },
  { name: 'pca_y', type: 'DOUBLE', description: '' },
  { name: 'duration', type: 'DOUBLE', description: 'Flow duration, seconds (when the input has it; as the next five).' },
  { name: 'src_bytes', type: 'BIGINT', description: 'Data bytes originator → responder.' },
  { name: 'dst_bytes', type: 'BIGINT', description: 'Data bytes responder → originator.' },
  { name: 'src_pkts', type: 'BIGINT', description: 'Packets originator → responder.' },
  { name: 'dst_pkts', type: 'BIGINT', description: 'Packets responder → originator.' },
  { name: 'conn_state', type: 'VARCHAR', description: 'Zeek conn_state.' },
  { name: 'num_failed_logins', type: 'INTEGER', description: 'KDD content feature 11.' },
  { name: 'incident_id', type: 'VARCHAR', description: 'The incident this anomalous flow belongs to (analyze; score --incidents).' },
  { name: 'detector', type: 'VARCHAR', description: 'Autoencoder and hybrid models: autoencoder or hybrid (null: k-means alone, where anomaly_score is the k-means ratio).' },
  { name: 'kmeans_score', type: 'DOUBLE', description: 'Hybrid: k-means distance / its threshold (> 1: k-means fired).' },
  { name: 'ae_error', type: 'DOUBLE', description: 'Autoencoder reconstruction error ‖x − x̂‖ in the scaled feature space.' },
  { name: 'ae_threshold', type: 'DOUBLE', description: 'The reconstruction error above which the autoencoder fires.' },
  { name: 'ae_score', type: 'DOUBLE', description: 'ae_error / ae_threshold (> 1: the autoencoder fired).' },
  { name: 'detectors_fired', type: 'VARCHAR[]', description: 'Which detectors are above their own thresholds (kmeans, autoencoder); anomaly_score is their fusion (--fusion).' },
];

/** The SELECT turning anomaly-record JSON Lines into the typed columns (reasons: JSON → structs). */
function selectSql(src: string): string {
  const json = SCORE_COLUMNS.map((c) => {
    const t = c.name === 'ts' ? 'DOUBLE' : c.name === 'reasons' ? 'JSON[]' : c.type;
    return `${sqlString(c.name)}: ${sqlString(t)}`;
  }).join(', ');
  const num = (f: string): string => `CASE WHEN json_type(r -> '${f}') IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN (r ->> '${f}')::DOUBLE END`;
  const txt = (f: string): string => `CASE WHEN json_type(r -> '${f}') = 'VARCHAR' THEN r ->> '${f}' END`;
  const reasons = `list_transform(reasons, r -> struct_pack(feature := r ->> 'feature', "value" := ${num('value')}, value_text := ${txt('value')}, ` +
    `typical := ${num('typical')}, typical_text := ${txt('typical')}, share := (r ->> 'share')::DOUBLE, z := (r ->> 'z')::DOUBLE, "text" := r ->> 'text', detector := r ->> 'detector'))`;
  const cols = SCORE_COLUMNS.map((c) => {
    if (c.name === 'ts') return `make_timestamp(round(ts * 1e6)::BIGINT)::TIMESTAMPTZ AS ts`;
    if (c.name === 'reasons') return `${reasons} AS reasons`;
    return `"${c.name}"`;
  }).join(', ');
  return `SELECT ${cols} FROM read_json(${sqlString(src)}, format = 'newline_delimited', columns = {${json}})`;
}

/**
 * Convert anomaly-record JSON Lines (`src`) to Parquet at `dest`, atomically. Returns the row count.
 */
export async function scoresJsonlToParquet(src: string, dest: string, opts: { memoryLimit?: string; threads?: number } = {}): Promise<number> {
  if (!statSync(src, { throwIfNoEntry: false })?.isFile()) throw new InputError('E_NO_SUCH_FILE', src, undefined, 'no such file');
  const spill = mkdtempSync(join(tmpdir(), 'flowsift-duckdb-'));
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: opts.memoryLimit ?? '512MB', threads: String(opts.threads ?? 2), temp_directory: spill, autoinstall_known_extensions: 'false',
  });
  const con = await instance.connect();
  const tmp = tempPathFor(dest);
  try {
    await con.run("SET TimeZone = 'UTC'");
    const r = await con.runAndReadAll(`COPY (${selectSql(src)}) TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 16384)`);
    renameSync(tmp, dest);
    return Number(r.getRows()[0]?.[0] ?? 0);
  } catch (e) {
    rmSync(tmp, { force: true });
    const err = duckError(e);
    throw new InputError('E_SCORES_PARQUET', src, undefined, `cannot convert to ${dest}: ${err.message}`);
  } finally {
    con.closeSync();
    instance.closeSync();
    rmSync(spill, { recursive: true, force: true });
  }
}

/** The README's table of the scored-flow columns (markdown). */
export function renderScoreColumnTable(): string {
  const lines = ['| column | type | description |', '|---|---|---|'];
  for (const c of SCORE_COLUMNS) lines.push(`| \`${c.name}\` | ${c.type.replace(/\|/g, '\\|')} | ${c.description.replace(/\|/g, '\\|')} |`);
  return lines.join('\n') + '\n';
}

/** The scored-flow JSON Lines an analysis directory holds, converted to Parquet beside them. */
export const ANALYSIS_SCORED = ['scores', 'anomalies'] as const;

/** Write <name>.parquet for each scored-flow <name>.jsonl in `dir` (analyze --out-dir). */
export async function analysisParquet(dir: string): Promise<void> {
  for (const name of ANALYSIS_SCORED) {
    const src = join(dir, `${name}.jsonl`);
    if (statSync(src, { throwIfNoEntry: false })?.isFile()) await scoresJsonlToParquet(src, join(dir, `${name}.parquet`));
  }
}
