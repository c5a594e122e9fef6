/**
 * Finished flows waiting for start order, in one store for the one- and two-thread pipelines. A
 * flow is normally held as the flow engine ended it: numbers in layout E (flow/ended.ts), its
 * history letters and the payload stage's results; its FlowRecord (uid, Community ID, address
 * strings) is built only when it is released, so those strings die young instead of being held
 * (and promoted to V8's old generation) for seconds of packet time. A flow that arrives as a
 * record (a caller's plugins may have written their own fields into it) is held as that object.
 * Slots are reused; capacity grows by half.
 */
import { E, endedRecord } from '../flow/ended.ts';
import type { ContentFeatures, FlowRecord } from '../flow/record.ts';

export class HeldFlows {
  private f64 = new Float64Array(1024 * E.SIZE);
  private inspected = new Uint8Array(1024);
  private readonly history: (string | undefined)[] = [];
  private readonly content: (ContentFeatures | undefined)[] = [];
  private readonly obj: (FlowRecord | undefined)[] = [];
  private readonly free: number[] = [];
  private cap = 1024;
  private next = 0;

  private slot(): number {
    if (this.free.length > 0) return this.free.pop()!;
    if (this.next === this.cap) {
      const cap = Math.ceil(this.cap * 1.5);
      const f64 = new Float64Array(cap * E.SIZE);
      f64.set(this.f64);
      this.f64 = f64;
      const ins = new Uint8Array(cap);
      ins.set(this.inspected);
      this.inspected = ins;
      this.cap = cap;
    }
    return this.next++;
  }

  /** Hold an ended flow given as numbers (`e[at …]`, layout E) with its history and content results. */
  putEnded(e: Float64Array, at: number, history: string, inspected: boolean, content: ContentFeatures | undefined): number {
    const i = this.slot();
    const d = this.f64;
    for (let k = 0, o = i * E.SIZE; k < E.SIZE; k++) d[o + k] = e[at + k]!; // no view object per flow
    this.history[i] = history;
    this.inspected[i] = inspected ? 1 : 0;
    this.content[i] = content;
    return i;
  }

  /** Hold a flow given as its record. */
  putRecord(f: FlowRecord): number {
    const i = this.slot();
    this.obj[i] = f;
    return i;
  }

  /** The flow of slot `i` (its record, built now with Community ID seed `seed` unless it was held as one) — frees the slot. */
  take(i: number, seed: number): FlowRecord {
    this.free.push(i);
    const held = this.obj[i];
    if (held !== undefined) {
      this.obj[i] = undefined;
      return held;
    }
    const f = endedRecord(this.f64, i * E.SIZE, this.history[i]!, seed);
    this.history[i] = undefined;
    if (this.inspected[i] === 1) f.payloadInspected = true;
    const c = this.content[i];
    if (c !== undefined) {
      f.content = c;
      this.content[i] = undefined;
    }
    return f;
  }
}
