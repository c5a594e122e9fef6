/**
 * Runs fuzz cases in a worker thread under a watchdog (shared by scripts/fuzz.ts and the CI fuzz
 * test): a case that does not answer in time — a busy loop the in-process budget check could never
 * report — is a named hang; the worker is terminated and replaced, and the run goes on.
 */
import { Worker } from 'node:worker_threads';

export interface WorkerResult {
  index: number;
  op: string;
  source: string;
  detail: string;
  failures: string[];
  ms: number;
  packets: number;
  flows: number;
  errors: number;
  warnings: number;
  peakExtra: number;
}

export interface RunOutcome {
  r: WorkerResult | null;
  /** No answer within the watchdog time (the worker was replaced). */
  hang: boolean;
  /** The worker died during the case (uncaught error in the worker). */
  crash?: string;
}

const WORKER = new URL('./fuzz-worker.mjs', import.meta.url);

export class FuzzRunner {
  private worker!: Worker;
  private pending: ((r: WorkerResult | null) => void) | null = null;
  private dead: Error | null = null;
  private ready: Promise<void> = Promise.resolve();

  /** `budgetMs`: the in-process per-case budget; the watchdog waits 5× that + 5 s. */
  constructor(
    private readonly seed: number,
    private readonly budgetMs: number,
    private readonly watchdogMs = budgetMs * 5 + 5000,
  ) {}

  /** Start a worker; resolves once it has loaded the corpus and the pipeline, rejects if it cannot. */
  start(): Promise<void> {
    this.dead = null;
    const w = new Worker(WORKER, { workerData: { seed: this.seed, budget: this.budgetMs }, resourceLimits: { maxOldGenerationSizeMb: 1024 } });
    this.worker = w;
    this.ready = new Promise<void>((resolve, reject) => {
      let up = false;
      w.on('message', (m: WorkerResult | 'ready') => {
        if (m === 'ready') {
          up = true;
          resolve();
          return;
        }
        const p = this.pending;
        this.pending = null;
        p?.(m);
      });
      w.on('error', (e) => {
        if (!up) {
          reject(new Error(`the fuzz worker failed to load the pipeline: ${e.stack ?? e.message}`));
          return;
        }
        this.dead = e;
        const p = this.pending;
        this.pending = null;
        p?.(null);
      });
    });
    return this.ready;
  }

  async run(index: number): Promise<RunOutcome> {
    await this.ready;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending = null;
        void this.worker.terminate();
        void this.start().catch(() => undefined);
        resolve({ r: null, hang: true });
      }, this.watchdogMs);
      this.pending = (r) => {
        clearTimeout(timer);
        if (r === null) {
          const why = `worker died: ${this.dead?.stack ?? this.dead?.message ?? 'unknown'}`;
          void this.start().catch(() => undefined);
          resolve({ r: null, hang: false, crash: why });
        } else resolve({ r, hang: false });
      };
      this.worker.postMessage(index);
    });
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}
