/**
 * What every route of `flowsift serve` works on: the analyses it serves (each an analysis directory
 * with its DuckDB store, model and triage state), the model /score and the OIP v2 routes apply, the
 * analyze jobs, the token, and the limits.
 *
 * Several analyses can be served at once (the directories given on the command line, then each
 * finished upload). Routes pick one with `?analysis=<name>`; without it they use the default, the
 * most recently added one (the last directory given, or the newest finished upload).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { openStore, type Store } from '../store/index.ts';
import { loadModel, type ModelFile } from '../model/model-file.ts';
import { InputError } from '../errors.ts';
import { Triage } from './triage.ts';
import { notFound } from './errors.ts';
import { IP_HEX_TABLE, IP_MACROS } from './filters.ts';
import type { Jobs } from './jobs.ts';

export interface Analysis {
  /** URL-safe name (`?analysis=`), from the directory name, made unique. */
  name: string;
  dir: string;
  store: Store;
  /** The analysis's own model.json, when it has one. */
  model?: ModelFile;
  /** The captures the analysis was made from (its analysis.json), when recorded and still present. */
  sources: string[];
  triage: Triage;
  /** When it was added to the server (ISO-8601). */
  addedAt: string;
  /** `cli`: given on the command line; `job`: made by an upload. */
  origin: 'cli' | 'job';
  /** The table IP_HEX_TABLE holds each flow's addresses in hex form (uid, src_ip, dst_ip). */
  ipHex: boolean;
}

/** The file analyze leaves beside its outputs naming what it read (see src/cli/analyze.ts). */
export const ANALYSIS_META = 'analysis.json';

export class Analyses {
  private readonly byName = new Map<string, Analysis>();
  private readonly order: string[] = [];

  list(): Analysis[] {
    return this.order.map((n) => this.byName.get(n)!);
  }

  /** The named analysis, or the default one; 404 when there is none. */
  get(name?: string | null): Analysis {
    if (name) {
      const a = this.byName.get(name);
      if (!a) throw notFound(`no analysis named ${JSON.stringify(name)} (served: ${this.order.join(', ') || 'none'})`, 'no_analysis');
      return a;
    }
    const last = this.order[this.order.length - 1];
    if (last === undefined) throw notFound('no analysis is served yet: start flowsift serve with an analysis directory, or upload a capture (POST /api/v1/analyze)', 'no_analysis');
    return this.byName.get(last)!;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Open an analysis directory and serve it. */
  async add(dir: string, origin: Analysis['origin'] = 'cli', wanted?: string): Promise<Analysis> {
    const abs = resolve(dir);
    const st = statSync(abs, { throwIfNoEntry: false });
    if (!st) throw new InputError('E_NO_SUCH_FILE', dir, undefined, 'no such file or directory');
    if (!st.isDirectory()) throw new InputError('E_NOT_ANALYSIS', dir, undefined, 'not a directory: give an analysis directory (flowsift analyze --out-dir DIR)');
    const store = await openStore([abs], { memoryLimit: '512MB', threads: 2 });
    try {
      if (!store.views.some((v) => v.name === 'scores')) {
        throw new InputError('E_NOT_ANALYSIS', dir, undefined, `no scores.parquet or scores.jsonl: not an analysis directory (views found: ${store.views.map((v) => v.name).join(', ')})`);
      }
      const ipHex = await materialize(store);
      const modelFile = resolve(abs, 'model.json');
      const model = existsSync(modelFile) ? await loadModel(modelFile) : undefined;
      const a: Analysis = {
        name: this.uniqueName(wanted ?? basename(abs)),
        dir: abs,
        store,
        model,
        sources: readSources(abs),
        triage: new Triage(abs),
        ipHex,
        addedAt: new Date().toISOString(),
        origin,
      };
      this.byName.set(a.name, a);
      this.order.push(a.name);
      return a;
    } catch (e) {
      store.close();
      throw e;
    }
  }

  close(): void {
    for (const a of this.byName.values()) a.store.close();
    this.byName.clear();
    this.order.length = 0;
  }

  private uniqueName(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '') || 'analysis';
    let name = clean;
    for (let i = 2; this.byName.has(name); i++) name = `${clean}-${i}`;
    return name;
  }
}

/**
 * Views small enough are loaded into DuckDB tables once (scores sorted by time): incidents.jsonl is
 * otherwise parsed again by every query, and a table answers a page in milliseconds. Larger ones stay
 * views over the files (out of core), so memory stays bounded whatever the analysis's size.
 */
export const MATERIALIZE_ROWS: Record<string, number> = { incidents: 500_000, anomalies: 500_000, scores: 250_000 };

async function materialize(store: Store): Promise<boolean> {
  for (const m of IP_MACROS) await store.query(m);
  let ipHex = false;
  for (const v of store.views) {
    const cap = MATERIALIZE_ROWS[v.name];
    if (cap === undefined) continue;
    const n = Number((await store.query(`SELECT count(*)::BIGINT AS n FROM "${v.name}"`)).rows[0]?.n ?? Infinity);
    if (!(n <= cap)) continue;
    const cols = new Set(v.columns.map((c) => c.name));
    const order = v.name === 'scores' && cols.has('ts') && cols.has('uid') ? ' ORDER BY ts, uid' : '';
    await store.query(`CREATE TABLE "m_${v.name}" AS SELECT * FROM "${v.name}"${order}`);
    if (v.name === 'scores' && cols.has('uid') && cols.has('src_ip') && cols.has('dst_ip')) {
      // the comparable form of the addresses once, beside the table, for CIDR filters (filters.ts)
      await store.query(`CREATE TABLE "${IP_HEX_TABLE}" AS SELECT uid, fs_iphex(src_ip) AS src_ip, fs_iphex(dst_ip) AS dst_ip FROM "m_scores"`);
      ipHex = true;
    }
    await store.query(`DROP VIEW "${v.name}"`);
    await store.query(`ALTER TABLE "m_${v.name}" RENAME TO "${v.name}"`);
  }
  return ipHex;
}

/** Capture paths recorded in the analysis's analysis.json (absolute; missing files dropped). */
function readSources(dir: string): string[] {
  let doc: { inputs?: unknown };
  try {
    doc = JSON.parse(readFileSync(resolve(dir, ANALYSIS_META), 'utf8'));
  } catch {
    return [];
  }
  if (!Array.isArray(doc.inputs)) return [];
  return doc.inputs
    .map((x: unknown) => (typeof x === 'string' ? x : typeof x === 'object' && x !== null && typeof (x as { path?: unknown }).path === 'string' ? (x as { path: string }).path : undefined))
    .filter((p): p is string => p !== undefined)
    .map((p) => resolve(dir, p))
    .filter((p) => existsSync(p));
}

export interface ServerLimits {
  /** Largest capture upload (bytes): POST /api/v1/analyze answers 413 beyond it. */
  maxUpload: number;
  /** Largest JSON body (bytes) of /score, /v2 infer and the small POSTs. */
  maxJson: number;
  /** Rows per page of the list routes (the largest `limit` accepted). */
  maxPage: number;
}

export const DEFAULT_LIMITS: ServerLimits = { maxUpload: 1024 ** 3, maxJson: 16 * 1024 ** 2, maxPage: 1000 };

export interface ServerContext {
  analyses: Analyses;
  /** The model /score and /v2 apply: -m, else the first served analysis's model.json. */
  model?: ModelFile;
  /** Where that model came from (a path). */
  modelSource?: string;
  jobs: Jobs;
  /** With a token, every page and API call needs it (Bearer header or the login cookie). */
  auth: { token?: string };
  limits: ServerLimits;
  /** Stop jobs, close the stores, remove temporary files. */
  close(): Promise<void>;
}

export interface ContextOptions {
  /** Analysis directories to serve. */
  dirs?: readonly string[];
  /** A model.json for /score and /v2 (default: the first analysis's model). */
  modelPath?: string;
  token?: string;
  limits?: Partial<ServerLimits>;
  /** Where uploads and their analyses go (default: a temporary directory removed on close). */
  jobsDir?: string;
}

export async function createContext(opts: ContextOptions = {}): Promise<ServerContext> {
  const { Jobs } = await import('./jobs.ts');
  const analyses = new Analyses();
  try {
    for (const d of opts.dirs ?? []) await analyses.add(d, 'cli');
    let model: ModelFile | undefined;
    let modelSource: string | undefined;
    if (opts.modelPath !== undefined) {
      model = await loadModel(opts.modelPath);
      modelSource = resolve(opts.modelPath);
    } else {
      const first = analyses.list().find((a) => a.model);
      if (first) {
        model = first.model;
        modelSource = resolve(first.dir, 'model.json');
      }
    }
    const limits = { ...DEFAULT_LIMITS, ...opts.limits };
    const ctx: ServerContext = {
      analyses,
      model,
      modelSource,
      auth: { token: opts.token },
      limits,
      jobs: undefined as unknown as Jobs,
      async close() {
        await ctx.jobs.close();
        analyses.close();
      },
    };
    ctx.jobs = new Jobs(ctx, opts.jobsDir);
    return ctx;
  } catch (e) {
    analyses.close();
    throw e;
  }
}
