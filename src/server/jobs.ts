/**
 * Analyze jobs: an uploaded capture is analyzed by `flowsift analyze` in a child process, so a
 * crash, a corrupt capture or the memory a large capture needs never touch the server. One job runs
 * at a time (the others wait, in order). The child's stderr lines are the job's progress events;
 * a failed job ends with flowsift's own one-line error. A finished job's output directory is added
 * to the served analyses (also when the capture was cut short and flowsift kept what it read).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerEntry } from '../workers.ts';
import type { ServerContext } from './context.ts';

export type JobState = 'queued' | 'running' | 'done' | 'failed';

export interface JobEvent {
  /** 1, 2, … (the SSE event id). */
  seq: number;
  type: 'state' | 'progress';
  at: string;
  state: JobState;
  message: string;
}

export interface Job {
  id: string;
  state: JobState;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  /** The uploaded capture: its file name as given, and size. */
  capture: { name: string; bytes: number };
  /** flowsift's one-line error when the job failed. */
  error?: string;
  exitCode?: number;
  /** The served analysis this job made (`?analysis=`), once done. */
  analysis?: string;
  events: JobEvent[];
}

/** The JSON of a job (without its event log). */
export function jobJson(j: Job): Omit<Job, 'events'> & { events: number } {
  const { events, ...rest } = j;
  return { ...rest, events: events.length };
}

/** The executable a job runs: the built CLI (from src/ under vitest/tsx, dist/cli beside dist/server otherwise). */
export function cliEntry(): string {
  return fileURLToPath(workerEntry('../cli/flowsift', import.meta.url));
}

interface Internal {
  job: Job;
  dir: string;
  capture: string;
  listeners: Set<(e: JobEvent) => void>;
  child?: ChildProcess;
}

const MAX_EVENTS = 500;

export class Jobs {
  private readonly ctx: ServerContext;
  private readonly own: boolean;
  readonly dir: string;
  private readonly all = new Map<string, Internal>();
  private readonly queue: Internal[] = [];
  private running?: Internal;
  private closed = false;

  constructor(ctx: ServerContext, dir?: string) {
    this.ctx = ctx;
    this.own = dir === undefined;
    this.dir = dir ?? join(tmpdir(), `flowsift-serve-${process.pid}-${randomBytes(3).toString('hex')}`);
  }

  /** A new job and the path its capture must be written to (the caller streams the upload there, then calls start). */
  create(fileName: string): { job: Job; path: string } {
    mkdirSync(this.dir, { recursive: true });
    const id = randomBytes(6).toString('hex');
    const dir = join(this.dir, id);
    mkdirSync(dir);
    // the capture keeps its name (safe characters only): flowsift's messages name it as the user knows it
    const name = fileName.replace(/^.*[\\/]/, '').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '') || 'capture.pcap';
    const job: Job = { id, state: 'queued', createdAt: new Date().toISOString(), capture: { name, bytes: 0 }, events: [] };
    const it: Internal = { job, dir, capture: join(dir, name), listeners: new Set() };
    this.all.set(id, it);
    return { job, path: it.capture };
  }

  /** Drop a job whose upload failed (nothing was started). */
  discard(id: string): void {
    const it = this.all.get(id);
    if (!it || it.job.state !== 'queued') return;
    this.all.delete(id);
    rmSync(it.dir, { recursive: true, force: true });
  }

  /** Queue the job (its capture is complete on disk). */
  start(id: string, bytes: number): void {
    const it = this.all.get(id);
    if (!it) return;
    it.job.capture.bytes = bytes;
    this.emit(it, 'state', `queued: ${it.job.capture.name} (${bytes.toLocaleString('en-US')} bytes)`);
    this.queue.push(it);
    this.next();
  }

  get(id: string): Job | undefined {
    return this.all.get(id)?.job;
  }

  list(): Job[] {
    return [...this.all.values()].map((i) => i.job);
  }

  /** Listen to a job's events; returns the unsubscribe function. */
  subscribe(id: string, fn: (e: JobEvent) => void): () => void {
    const it = this.all.get(id);
    if (!it) return () => undefined;
    it.listeners.add(fn);
    return () => it.listeners.delete(fn);
  }

  /** Resolves when the job has ended (done or failed). */
  wait(id: string): Promise<Job> {
    const it = this.all.get(id);
    if (!it) return Promise.reject(new Error(`no job ${id}`));
    if (it.job.state === 'done' || it.job.state === 'failed') return Promise.resolve(it.job);
    return new Promise((res) => {
      const off = this.subscribe(id, (e) => {
        if (e.type === 'state' && (e.state === 'done' || e.state === 'failed')) {
          off();
          res(it.job);
        }
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    const r = this.running;
    if (r?.child && r.child.exitCode === null) {
      const gone = new Promise((res) => r.child!.once('close', res));
      r.child.kill('SIGTERM');
      await gone;
    }
    if (this.own) rmSync(this.dir, { recursive: true, force: true });
  }

  private emit(it: Internal, type: JobEvent['type'], message: string): void {
    const e: JobEvent = { seq: (it.job.events[it.job.events.length - 1]?.seq ?? 0) + 1, type, at: new Date().toISOString(), state: it.job.state, message };
    it.job.events.push(e);
    // a long run keeps its first lines and its latest ones
    if (it.job.events.length > MAX_EVENTS) it.job.events.splice(10, 1);
    for (const fn of [...it.listeners]) fn(e);
  }

  private setState(it: Internal, state: JobState, message: string): void {
    it.job.state = state;
    if (state === 'running') it.job.startedAt = new Date().toISOString();
    if (state === 'done' || state === 'failed') it.job.endedAt = new Date().toISOString();
    this.emit(it, 'state', message);
  }

  private next(): void {
    if (this.running || this.closed) return;
    const it = this.queue.shift();
    if (!it) return;
    this.running = it;
    this.run(it).catch((e) => this.finish(it, 'failed', `internal error: ${(e as Error).message}`)).finally(() => {
      this.running = undefined;
      this.next();
    });
  }

  private async run(it: Internal): Promise<void> {
    this.setState(it, 'running', `analyzing ${it.job.capture.name}`);
    const out = join(it.dir, 'analysis');
    const child = spawn(process.execPath, [cliEntry(), 'analyze', it.job.capture.name, '--out-dir', 'analysis'], {
      cwd: it.dir,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    it.child = child;
    let last = '';
    // the line naming the capture (its byte offset and fault) says more than analyze's final word
    let about: string | undefined;
    const prefix = `flowsift: ${it.job.capture.name}:`;
    let buf = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      buf += s;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).replace(/\r$/, '').replace(/^.*\r/, '');
        buf = buf.slice(nl + 1);
        if (!line.trim()) continue;
        last = line;
        if (about === undefined && line.startsWith(prefix)) about = line;
        this.emit(it, 'progress', line);
      }
      if (buf.length > 65536) buf = buf.slice(-4096);
    });
    const code: number | null = await new Promise((res) => child.once('close', (c, sig) => res(c ?? (sig ? 128 : 1))));
    if (buf.trim()) last = buf.trim();
    it.child = undefined;
    it.job.exitCode = code ?? undefined;
    const outputs = existsSync(join(out, 'scores.parquet')) || existsSync(join(out, 'scores.jsonl'));
    if (outputs && !this.closed) {
      try {
        const a = await this.ctx.analyses.add(out, 'job', it.job.capture.name.replace(/\.[^.]*$/, ''));
        it.job.analysis = a.name;
      } catch (e) {
        if (code === 0) return this.finish(it, 'failed', `the analysis cannot be served: ${(e as Error).message}`);
      }
    }
    if (code === 0) this.finish(it, 'done', `done: analysis ${it.job.analysis}`);
    else this.finish(it, 'failed', about ?? (last || `flowsift analyze ended with exit code ${code}`));
  }

  private finish(it: Internal, state: 'done' | 'failed', message: string): void {
    if (state === 'failed') it.job.error = message;
    this.setState(it, state, message);
  }
}
