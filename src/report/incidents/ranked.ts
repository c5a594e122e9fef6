/**
 * Incidents ranked without holding them all: a capture with many anomalies closes tens of thousands
 * of incidents, a few KB each as objects. Each one's JSON line goes to a spill file as it closes
 * (when there is a file to write), and only what ranks it (severity score, first seen, id) stays in
 * memory, with the top few whole for the summary. incidents.jsonl is then copied from the spill in
 * rank order: the same lines rankIncidents + writeIncidentsJsonl give.
 */
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import type { TextSink } from '../../dataset/output.ts';
import type { Incident } from './incident.ts';

/** rankIncidents' order: higher severity score, then earlier, then by id. */
function before(sa: number, fa: number, ia: string, sb: number, fb: number, ib: string): number {
  return sb - sa || fa - fb || (ia < ib ? -1 : 1);
}

export class RankedIncidents {
  /** Incidents per severity level (1 high … 3 low). */
  readonly bySeverity = { 1: 0, 2: 0, 3: 0 };
  private n = 0;
  private score = new Float64Array(256);
  private first = new Float64Array(256);
  private ids: string[] = [];
  /** Each line's place in the spill file, and where its `"rank":0` digit is. */
  private off = new Float64Array(256);
  private len = new Int32Array(256);
  private rankAt = new Int32Array(256);
  private spillAt = 0;
  private fd = -1;
  /** The best `keep` so far, in rank order. */
  private best: Incident[] = [];

  /** `spill`: a temp path for the lines (none: only the counts and the top ones are kept). */
  constructor(readonly keep: number, readonly spill?: string) {
    if (spill) this.fd = openSync(spill, 'wx+');
  }

  get length(): number {
    return this.n;
  }

  add(x: Incident): void {
    const i = this.n++;
    if (i === this.score.length) {
      const grow = <T extends Float64Array | Int32Array>(a: T, b: T): T => (b.set(a), b);
      this.score = grow(this.score, new Float64Array(i * 2));
      this.first = grow(this.first, new Float64Array(i * 2));
      this.off = grow(this.off, new Float64Array(i * 2));
      this.len = grow(this.len, new Int32Array(i * 2));
      this.rankAt = grow(this.rankAt, new Int32Array(i * 2));
    }
    this.score[i] = x.severity_score;
    this.first[i] = x.first_ts;
    this.ids.push(x.incident_id);
    this.bySeverity[x.severity]++;
    if (this.fd >= 0) {
      // ranks are given at the end: the line is written with rank 0 and its digit replaced then
      const line = Buffer.from(JSON.stringify({ ...x, rank: 0 }) + '\n', 'utf8');
      const at = line.indexOf('"rank":0,');
      if (at < 0) throw new Error(`incident ${x.incident_id}: no rank field in its JSON`);
      this.off[i] = this.spillAt;
      this.len[i] = line.length;
      this.rankAt[i] = at + 7;
      let o = 0;
      while (o < line.length) o += writeSync(this.fd, line, o, line.length - o, this.spillAt + o);
      this.spillAt += line.length;
    }
    if (this.keep > 0) this.keepBest(x);
  }

  private keepBest(x: Incident): void {
    const b = this.best;
    if (b.length === this.keep) {
      const last = b[b.length - 1]!;
      if (before(x.severity_score, x.first_ts, x.incident_id, last.severity_score, last.first_ts, last.incident_id) > 0) return;
      b.pop();
    }
    let q = b.length;
    while (q > 0 && before(x.severity_score, x.first_ts, x.incident_id, b[q - 1]!.severity_score, b[q - 1]!.first_ts, b[q - 1]!.incident_id) < 0) q--;
    b.splice(q, 0, x);
  }

  /** The first `keep` incidents in rank order, ranked. */
  top(): Incident[] {
    this.best.forEach((x, r) => (x.rank = r + 1));
    return this.best;
  }

  /** incidents.jsonl's lines, in rank order, from the spill; then the spill is removed. */
  async writeJsonl(sink: TextSink): Promise<void> {
    if (this.fd < 0) throw new Error('incidents: nothing was spilled to write from');
    const { score, first, ids } = this;
    const order = Array.from({ length: this.n }, (_, i) => i);
    order.sort((a, b) => before(score[a]!, first[a]!, ids[a]!, score[b]!, first[b]!, ids[b]!));
    let buf = Buffer.allocUnsafe(1 << 16);
    const batch: Buffer[] = [];
    let size = 0;
    for (let r = 0; r < order.length; r++) {
      const i = order[r]!;
      const len = this.len[i]!;
      if (buf.length < len) buf = Buffer.allocUnsafe(len * 2);
      let o = 0;
      while (o < len) o += readSync(this.fd, buf, o, len - o, this.off[i]! + o);
      const at = this.rankAt[i]!;
      const line = Buffer.concat([buf.subarray(0, at), Buffer.from(String(r + 1)), buf.subarray(at + 1, len)]);
      batch.push(line);
      size += line.length;
      if (size >= 1 << 20) {
        await write(sink, Buffer.concat(batch));
        batch.length = 0;
        size = 0;
      }
    }
    if (batch.length) await write(sink, Buffer.concat(batch));
    this.dispose();
  }

  /** Close and remove the spill file. */
  dispose(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
    rmSync(this.spill!, { force: true });
  }
}

function write(sink: TextSink, bytes: Buffer): void | Promise<void> {
  return sink.writeBytes ? sink.writeBytes(bytes) : sink.write(bytes.toString('utf8'));
}
