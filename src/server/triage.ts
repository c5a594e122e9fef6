/**
 * Incident triage state (EveBox-style: new → acknowledged / escalated, with a note, who and when),
 * persisted as `triage.json` beside the analysis so it survives a restart. Writes are atomic (temp
 * file + rename) and serialised, so two quick clicks never interleave a half-written file.
 */
import { readFileSync } from 'node:fs';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempPathFor } from '../dataset/output.ts';
import { InputError } from '../errors.ts';

export const TRIAGE_SCHEMA = 'flowsift.triage/1';
export const TRIAGE_STATUSES = ['new', 'acknowledged', 'escalated'] as const;
export type TriageStatus = (typeof TRIAGE_STATUSES)[number];

export interface TriageEntry {
  status: TriageStatus;
  note?: string;
  /** Who set it (free text from the client; the server has no user accounts). */
  by?: string;
  /** ISO-8601 UTC time of the change. */
  at: string;
}

export class Triage {
  readonly file: string;
  private readonly entries = new Map<string, TriageEntry>();
  private chain: Promise<void> = Promise.resolve();

  constructor(dir: string) {
    this.file = join(dir, 'triage.json');
    let text: string | undefined;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (text !== undefined) {
      let doc: { schema?: unknown; incidents?: Record<string, TriageEntry> };
      try {
        doc = JSON.parse(text);
      } catch (e) {
        throw new InputError('E_TRIAGE_JSON', this.file, undefined, `not JSON: ${(e as Error).message}`);
      }
      if (doc.schema !== TRIAGE_SCHEMA || typeof doc.incidents !== 'object' || doc.incidents === null) {
        throw new InputError('E_TRIAGE_FORMAT', this.file, undefined, `not a flowsift triage file (expected "schema": "${TRIAGE_SCHEMA}")`);
      }
      for (const [id, e] of Object.entries(doc.incidents)) this.entries.set(id, e);
    }
  }

  get(id: string): TriageEntry {
    return this.entries.get(id) ?? { status: 'new', at: '' };
  }

  /** Every incident with a status other than the implicit `new`. */
  all(): Record<string, TriageEntry> {
    return Object.fromEntries(this.entries);
  }

  /** Set an incident's status; resolves once the file on disk says so. */
  async set(id: string, status: TriageStatus, extra: { note?: string; by?: string } = {}): Promise<TriageEntry> {
    const e: TriageEntry = { status, at: new Date().toISOString() };
    if (extra.note !== undefined) e.note = extra.note;
    if (extra.by !== undefined) e.by = extra.by;
    this.entries.set(id, e);
    const snapshot = JSON.stringify({ schema: TRIAGE_SCHEMA, incidents: Object.fromEntries(this.entries) }, null, 1) + '\n';
    const write = async (): Promise<void> => {
      const tmp = tempPathFor(this.file);
      try {
        await writeFile(tmp, snapshot);
        await rename(tmp, this.file);
      } catch (err) {
        await unlink(tmp).catch(() => undefined);
        throw err;
      }
    };
    const next = this.chain.then(write, write);
    this.chain = next.catch(() => undefined);
    await next;
    return e;
  }
}
