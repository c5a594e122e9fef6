/**
 * The start-order buffer of the feature stage: finished flows arrive in END order and leave in
 * START order, each released only when no live flow started earlier, so the window features see
 * the final flags of every earlier connection.
 */
import type { FlowRecord } from '../flow/record.ts';

/**
 * Finished flows in start order: a binary min-heap on (startTs, arrival sequence). Arrival order (the
 * meter's END order) breaks ties deterministically; a live flow with the same start time ends later,
 * so it sorts after every held flow with that start time. Keys live in typed arrays beside the items
 * (sift with a hole, no swaps, no property loads in the comparisons). Items are FlowRecords by
 * default; `add(item, startTs)` holds anything (the feature stage holds slot numbers of a compact
 * store, so held flows are not objects the garbage collector copies and promotes).
 */
export class StartOrderBuffer<T = FlowRecord> {
  private flows: (T | undefined)[] = [];
  private ts = new Float64Array(1024);
  private sq = new Float64Array(1024);
  private n = 0;
  private seq = 0;
  /** Flows released before an earlier-started flow had finished (because `maxHeld` was reached). */
  forcedReleases = 0;
  /** Largest number of flows held at once. */
  peakHeld = 0;

  constructor(readonly maxHeld = 500_000) {}

  get size(): number {
    return this.n;
  }

  /** Start time of the earliest held flow (Infinity when empty). */
  get minStart(): number {
    return this.n > 0 ? this.ts[0]! : Infinity;
  }

  push(this: StartOrderBuffer<FlowRecord>, f: FlowRecord): void {
    this.add(f, f.startTs);
  }

  /** Hold `item` of a flow that started at `t`. */
  add(item: T, t: number): void {
    if (this.n === this.ts.length) {
      const ts = new Float64Array(this.n * 2);
      ts.set(this.ts);
      this.ts = ts;
      const sq = new Float64Array(this.n * 2);
      sq.set(this.sq);
      this.sq = sq;
    }
    const q = this.seq++;
    const { ts, sq, flows } = this;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = ts[p]!;
      if (pt < t || (pt === t && sq[p]! < q)) break;
      ts[i] = pt;
      sq[i] = sq[p]!;
      flows[i] = flows[p];
      i = p;
    }
    ts[i] = t;
    sq[i] = q;
    flows[i] = item;
    if (this.n > this.peakHeld) this.peakHeld = this.n;
  }

  private pop(): T {
    const { ts, sq, flows } = this;
    const top = flows[0]!;
    const n = --this.n;
    if (n > 0) {
      // Sift the last element down from the root.
      const t = ts[n]!;
      const q = sq[n]!;
      const f = flows[n];
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        const r = c + 1;
        if (r < n && (ts[r]! < ts[c]! || (ts[r] === ts[c] && sq[r]! < sq[c]!))) c = r;
        if (t < ts[c]! || (t === ts[c] && q < sq[c]!)) break;
        ts[i] = ts[c]!;
        sq[i] = sq[c]!;
        flows[i] = flows[c];
        i = c;
      }
      ts[i] = t;
      sq[i] = q;
      flows[i] = f;
    }
    flows[n] = undefined;
    return top;
  }

  /**
   * Release, in start order, every held flow that started no later than `oldestLiveStart` (the
   * earliest start among flows still open; Infinity when none), then — if more than `maxHeld` are
   * still held — the earliest ones down to `maxHeld`.
   */
  release(oldestLiveStart: number, emit: (f: T) => void): void {
    while (this.n > 0 && this.ts[0]! <= oldestLiveStart) emit(this.pop());
    while (this.n > this.maxHeld) {
      this.forcedReleases++;
      emit(this.pop());
    }
  }

  /** Release everything (end of input). */
  drain(emit: (f: T) => void): void {
    while (this.n > 0) emit(this.pop());
  }
}
