/**
 * A single-producer single-consumer byte ring over a SharedArrayBuffer: how the flow-engine thread
 * (reader → decoder → FlowMeter) passes ended flows and payload segments to the main thread
 * (content analyzers → window features → writer) without a message or an object per event.
 *
 * Records are 8-byte aligned: [int32 type+small][int32 total bytes][body…], never split at the
 * ring's end (a WRAP record sends the reader back to 0). Positions are byte offsets in the data
 * area; head === tail means empty, so the writer always leaves at least one aligned slot free.
 * The writer publishes its head every PUBLISH_BYTES (and when it must wait or ends) and blocks
 * with Atomics.wait when the ring is full; the reader (the main thread) waits with
 * Atomics.waitAsync, so its event loop keeps running (output streams drain) while it waits.
 */
import { keepMutable } from '../v8-workarounds.ts';

/** Control words (Int32) before the data area. */
export const enum Ctl {
  /** Writer's published position. */
  HEAD = 0,
  /** Reader's position. */
  TAIL = 1,
  /** Set by the reader: stop reading input (1) — the writer still ends every flow and says END. */
  ABORT = 2,
  /** Set by the main thread when the writer thread died (wakes the reader). */
  DEAD = 3,
  /** 1 while the reader waits for HEAD / the writer waits for TAIL: only then is a notify needed. */
  READER_WAITS = 4,
  WRITER_WAITS = 5,
}
const CTL_BYTES = 64;
/** Record type of the wrap marker (others are the pipeline's own, > 0). */
export const T_WRAP = 0;
/** How often the writer publishes its head (bytes written since the last publish). */
const PUBLISH_BYTES = 1024 * 1024;
/** How often the reader hands space back while it works through a long run of records. */
const RETURN_BYTES = 1024 * 1024;

export function ringBuffer(dataBytes: number): SharedArrayBuffer {
  if (dataBytes % 8 !== 0) throw new RangeError('ring size must be a multiple of 8');
  return new SharedArrayBuffer(CTL_BYTES + dataBytes);
}

/** Views of a ring's data area (same memory, three element types). */
class RingViews {
  readonly ctl: Int32Array;
  readonly u8: Uint8Array;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly size: number;
  constructor(readonly sab: SharedArrayBuffer) {
    this.ctl = new Int32Array(sab, 0, CTL_BYTES / 4);
    this.size = sab.byteLength - CTL_BYTES;
    this.u8 = new Uint8Array(sab, CTL_BYTES, this.size);
    this.i32 = new Int32Array(sab, CTL_BYTES, this.size / 4);
    this.f64 = new Float64Array(sab, CTL_BYTES, this.size / 8);
  }
}

export class RingWriter extends RingViews {
  private head = 0;
  private tailSeen = 0;
  private unpublished = 0;
  /** Milliseconds spent waiting for the reader (the ring was full). */
  waitedMs = 0;

  constructor(sab: SharedArrayBuffer) {
    super(sab);
    // First changed when the ring first fills, after the writer's loop was optimised (scripts/bench-flows.ts).
    keepMutable(this, 'tailSeen', -1, 0);
    keepMutable(this, 'waitedMs', 0.5, 0);
    // The first publish comes after 64 KiB (not 1 MiB): the call is then made before V8 optimizes
    // commit() (a call first made after that deoptimized every function inlining it) — but not at
    // the first commits either, which run before V8 records type feedback.
    this.unpublished = PUBLISH_BYTES - 64 * 1024;
  }

  /**
   * Room for a record of `n` bytes (a multiple of 8, at most a quarter of the ring): returns its
   * byte offset; write it, then commit(n). Blocks (Atomics.wait) while the reader is behind.
   */
  reserve(n: number): number {
    const size = this.size;
    // Never wait for room that cannot exist (callers split larger data).
    if (n > size >> 2) throw new RangeError(`ring record of ${n} bytes is over a quarter of the ring (${size} bytes)`);
    for (;;) {
      // The reader's position as last read: it only moves on, so a stale value under-counts the
      // free space; TAIL is read again only when that is not enough.
      const tail = this.tailSeen;
      const head = this.head;
      // Free from head: up to the end of the data (then [0, tail) too) or up to tail; head must not
      // land on tail (that reads as empty). One test for both cases: a branch first taken when the
      // ring first wraps, long after the writer was optimized, deoptimized every function inlining it.
      const wrapped = head < tail;
      const room = (wrapped ? tail : size) - head;
      if (room > n || (room === n && !wrapped && tail > 0)) return head;
      if (!wrapped && tail > n) {
        this.i32[head >> 2] = T_WRAP;
        this.head = 0;
        continue;
      }
      const fresh = Atomics.load(this.ctl, Ctl.TAIL);
      if (fresh !== tail) {
        this.tailSeen = fresh;
        continue;
      }
      this.publish();
      const t0 = performance.now();
      // Announce the wait, then wait only if TAIL has not moved since (else the reader's notify
      // could come between the check and the wait and be missed — Atomics.wait re-checks TAIL).
      Atomics.store(this.ctl, Ctl.WRITER_WAITS, 1);
      Atomics.wait(this.ctl, Ctl.TAIL, tail, 1000);
      Atomics.store(this.ctl, Ctl.WRITER_WAITS, 0);
      this.tailSeen = Atomics.load(this.ctl, Ctl.TAIL);
      this.waitedMs += performance.now() - t0;
    }
  }

  commit(n: number): void {
    let h = this.head + n;
    if (h === this.size) h = 0;
    this.head = h;
    this.unpublished += n;
    if (this.unpublished >= PUBLISH_BYTES) this.publish();
  }

  publish(): void {
    this.unpublished = 0;
    Atomics.store(this.ctl, Ctl.HEAD, this.head);
    if (Atomics.load(this.ctl, Ctl.READER_WAITS) !== 0) Atomics.notify(this.ctl, Ctl.HEAD);
  }

  /** The reader asked the producer to stop reading input. */
  get aborted(): boolean {
    return Atomics.load(this.ctl, Ctl.ABORT) !== 0;
  }
}

export class RingReader extends RingViews {
  private tail = 0;
  /** Milliseconds spent waiting for the writer (the ring was empty). */
  waitedMs = 0;

  /**
   * Hand every published record to `onRecord(offset, type, bytes)` until it returns true (the last
   * record); awaits (without blocking the event loop) while the ring is empty and yields to the
   * event loop after each run of records. Rejects if the writer thread died (`Ctl.DEAD`).
   */
  async drain(onRecord: (at: number, type: number, bytes: number) => boolean, deadError: () => Error): Promise<void> {
    const ctl = this.ctl;
    for (;;) {
      const head = Atomics.load(ctl, Ctl.HEAD);
      if (this.tail === head) {
        if (Atomics.load(ctl, Ctl.DEAD) !== 0) throw deadError();
        const t0 = performance.now();
        Atomics.store(ctl, Ctl.READER_WAITS, 1);
        const w = Atomics.waitAsync(ctl, Ctl.HEAD, head);
        if (w.async) await w.value;
        Atomics.store(ctl, Ctl.READER_WAITS, 0);
        this.waitedMs += performance.now() - t0;
        continue;
      }
      if (this.run(head, onRecord)) return;
      // Let pending I/O (the output stream, timers) run before the next run of records.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /**
   * The records from the tail up to `head` (a plain function, not part of the async drain loop, so
   * V8 optimizes it once instead of on-stack-replacing the async loop). True after the last record.
   */
  private run(head: number, onRecord: (at: number, type: number, bytes: number) => boolean): boolean {
    const i32 = this.i32;
    let tail = this.tail;
    let returned = 0;
    let last = false;
    while (tail !== head && !last) {
      const type = i32[tail >> 2]!;
      if (type === T_WRAP) {
        tail = 0;
        continue;
      }
      const bytes = i32[(tail >> 2) + 1]!;
      last = onRecord(tail, type, bytes);
      tail += bytes;
      if (tail === this.size) tail = 0;
      returned += bytes;
      if (returned >= RETURN_BYTES) {
        returned = 0;
        this.handBack(tail);
      }
    }
    this.tail = tail;
    this.handBack(tail);
    return last;
  }

  private handBack(tail: number): void {
    Atomics.store(this.ctl, Ctl.TAIL, tail);
    if (Atomics.load(this.ctl, Ctl.WRITER_WAITS) !== 0) Atomics.notify(this.ctl, Ctl.TAIL);
  }

  abort(): void {
    Atomics.store(this.ctl, Ctl.ABORT, 1);
  }

  /** The writer thread is gone: wake a waiting drain() so it can fail. */
  writerDied(): void {
    Atomics.store(this.ctl, Ctl.DEAD, 1);
    Atomics.notify(this.ctl, Ctl.HEAD);
  }
}
