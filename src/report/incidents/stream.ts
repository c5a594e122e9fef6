/**
 * Incidents on streams: a function over (async) iterables of scored records, and a RecordWriter
 * wrapper that tags each anomaly record with its incident_id before passing it on. A record's
 * incident is known only once its group has closed (a quiet gap later), so the wrapper holds the
 * records from the oldest untagged anomaly on and releases them in input order.
 */
import type { AnomalyRecord } from '../record.ts';
import type { RecordWriter, ScoreSummary } from '../format.ts';
import { IncidentBuilder, type IncidentOptions } from './builder.ts';
import { rankIncidents, type Incident } from './incident.ts';

/** All incidents of a finite stream of scored records, ranked. */
export async function buildIncidents(records: Iterable<AnomalyRecord> | AsyncIterable<AnomalyRecord>, opts: IncidentOptions = {}): Promise<Incident[]> {
  const b = new IncidentBuilder(opts);
  const out: Incident[] = [];
  for await (const r of records) out.push(...b.push(r));
  out.push(...b.end());
  return rankIncidents(out);
}

/** Incidents as their groups close (unranked: a stream has no final order until it ends). */
export async function* streamIncidents(records: AsyncIterable<AnomalyRecord> | Iterable<AnomalyRecord>, opts: IncidentOptions = {}): AsyncGenerator<Incident> {
  const b = new IncidentBuilder(opts);
  for await (const r of records) yield* b.push(r);
  yield* b.end();
}

/** Tags records with incident_id, releasing them in input order. */
export class IncidentTagger {
  readonly builder: IncidentBuilder;
  readonly incidents: Incident[] = [];
  private readonly ids = new Map<number, string>();
  private queue: AnomalyRecord[] = [];
  private head = 0;

  constructor(opts: IncidentOptions = {}) {
    this.builder = new IncidentBuilder(opts);
    this.builder.onAssign = (row, id) => this.ids.set(row, id);
  }

  /** Feed one record; returns the records now ready to write (possibly none). */
  push(r: AnomalyRecord): AnomalyRecord[] {
    this.incidents.push(...this.builder.push(r));
    this.queue.push(r);
    return this.drain(false);
  }

  /** End of stream: every remaining record, tagged. */
  end(): AnomalyRecord[] {
    this.incidents.push(...this.builder.end());
    return this.drain(true);
  }

  /** Records waiting for their incident to close. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  private drain(all: boolean): AnomalyRecord[] {
    const out: AnomalyRecord[] = [];
    while (this.head < this.queue.length) {
      const r = this.queue[this.head]!;
      const id = this.ids.get(r.row);
      if (id !== undefined) {
        r.incident_id = id;
        this.ids.delete(r.row);
      } else if (r.is_anomaly && r.src_ip && r.dst_ip && !all) break;
      out.push(r);
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return out;
  }
}

/**
 * Wrap a writer: records reach it tagged with incident_id; `incidents()` (after end) returns them
 * ranked; `onEnd` may write them before the inner writer finishes.
 */
export function incidentWriter(inner: RecordWriter, opts: IncidentOptions = {}, onEnd?: (incidents: Incident[], summary: ScoreSummary) => void | Promise<void>): RecordWriter & { incidents(): Incident[]; tagger: IncidentTagger } {
  const tagger = new IncidentTagger(opts);
  let ranked: Incident[] | undefined;
  const pass = async (rs: AnomalyRecord[]): Promise<void> => {
    for (const r of rs) {
      const w = inner.write(r);
      if (w) await w;
    }
  };
  return {
    tagger,
    write(r) {
      const ready = tagger.push(r);
      if (ready.length) return pass(ready);
    },
    async end(summary) {
      await pass(tagger.end());
      ranked = rankIncidents(tagger.incidents);
      await onEnd?.(ranked, summary);
      await inner.end(summary);
    },
    incidents: () => ranked ?? rankIncidents([...tagger.incidents]),
  };
}
