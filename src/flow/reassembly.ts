/**
 * In-order TCP byte-stream reassembly for ONE direction of a connection, bounded.
 *
 * Feeds a consumer the stream's bytes in sequence order, exactly once:
 * - the stream starts at the SYN's sequence number + 1, or at the first data segment seen when the
 *   SYN was not captured (mid-stream pickup);
 * - retransmitted and overlapping bytes are trimmed (the first copy seen wins, as in most stacks'
 *   and Zeek's reassembler);
 * - segments ahead of the next expected byte are copied and held (bounded by `maxBuffered` bytes and
 *   `maxSegments` segments); when a bound is exceeded, or when the flow ends (`end()`), the hole is
 *   skipped and reported to the consumer as a gap;
 * - sequence numbers are unsigned 32-bit and wrap: all comparisons use the signed 32-bit difference;
 * - at most `maxBytes` bytes are delivered; then the stream is finished and keeps no buffers.
 *
 * In-order traffic (the common case) is delivered straight from the packet buffer: no copy and no
 * allocation per packet. Only out-of-order segments are copied.
 */
import { TCP } from '../decode/packet.ts';

export interface StreamConsumer {
  /** Next contiguous bytes of the stream: buf[off, off + len). Valid only during the call. */
  data(buf: Uint8Array, off: number, len: number): void;
  /** `len` bytes of the stream were never captured and are skipped. */
  gap(len: number): void;
}

export interface ReassemblyOptions {
  /** Bytes delivered at most per direction (default 65,536). */
  maxBytes?: number;
  /** Out-of-order bytes held while waiting for a hole to fill (default 32,768). */
  maxBuffered?: number;
  /** Out-of-order segments held (default 128). */
  maxSegments?: number;
  /**
   * One budget shared by every stream of a pipeline: out-of-order bytes held by all of them. While
   * `held` is over `max`, a stream skips its hole (a gap) instead of holding more, so many flows
   * with holes cannot add up to unbounded memory (hostile or very lossy captures).
   */
  shared?: { held: number; max: number };
}

export const DEFAULT_STREAM_BYTES = 65_536;
const DEFAULT_BUFFERED = 32_768;
const DEFAULT_SEGMENTS = 128;

const NEW = 0;
const OPEN = 1;
const DONE = 2;

interface Pending {
  seq: number;
  data: Uint8Array;
}

export class TcpStream {
  /** Bytes delivered to the consumer so far. */
  delivered = 0;
  /** Bytes skipped as gaps. */
  gapBytes = 0;
  /** Gaps reported. */
  gaps = 0;
  /** True once `maxBytes` were delivered (the rest of the stream was not inspected). */
  truncated = false;
  private state = NEW;
  /** Sequence number of the next byte expected (uint32). */
  private next = 0;
  private pending: Pending[] | null = null;
  private pendingBytes = 0;
  private readonly maxBytes: number;
  private readonly maxBuffered: number;
  private readonly maxSegments: number;
  private readonly shared: { held: number; max: number } | undefined;

  constructor(
    private readonly consumer: StreamConsumer,
    opts: ReassemblyOptions = {},
  ) {
    this.maxBytes = opts.maxBytes ?? DEFAULT_STREAM_BYTES;
    this.maxBuffered = opts.maxBuffered ?? DEFAULT_BUFFERED;
    this.maxSegments = opts.maxSegments ?? DEFAULT_SEGMENTS;
    this.shared = opts.shared;
    if (this.maxBytes <= 0) this.state = DONE;
  }

  /** True when the stream takes no more data (byte bound reached or ended). */
  get finished(): boolean {
    return this.state === DONE;
  }

  /**
   * One TCP segment of this direction: sequence number, flags byte, payload buf[off, off + len)
   * (the captured payload; pass payloadCaptured, not the header's length).
   */
  segment(seq: number, flags: number, buf: Uint8Array, off: number, len: number): void {
    if (this.state === DONE) {
      if (len > 0 && this.delivered >= this.maxBytes) this.truncated = true;
      return;
    }
    if ((flags & TCP.SYN) !== 0) {
      // The SYN takes one sequence number; its data (rare) starts after it.
      seq = (seq + 1) >>> 0;
      if (this.state === NEW) {
        this.next = seq;
        this.state = OPEN;
      }
    } else if (this.state === NEW) {
      if (len === 0) return;
      this.next = seq >>> 0;
      this.state = OPEN;
    }
    if (len > 0) this.accept(seq >>> 0, buf, off, len);
  }

  /**
   * Fast path for the common case: the segment (no SYN) starts exactly at the next expected byte
   * and nothing is held. Accounts for it and returns how many of its bytes the caller should hand
   * to the consumer itself, straight from the packet (0 past the byte bound); -1 = use segment().
   */
  inOrder(seq: number, flags: number, len: number): number {
    if (this.state !== OPEN || seq !== this.next || (flags & TCP.SYN) !== 0 || (this.pending !== null && this.pending.length > 0)) return -1;
    this.next = (this.next + len) >>> 0;
    const room = this.maxBytes - this.delivered;
    const n = len < room ? len : room;
    this.delivered += n;
    if (this.delivered >= this.maxBytes) {
      if (len > n) this.truncated = true;
      this.release();
    }
    return n;
  }

  /** The flow ended: deliver what is held, skipping the holes, and release the buffers. */
  end(): void {
    if (this.state === DONE) return;
    while (this.pending !== null && this.pending.length > 0 && this.state !== DONE) this.skipToPending();
    this.release();
  }

  private accept(seq: number, buf: Uint8Array, off: number, len: number): void {
    const rel = (seq - this.next) | 0;
    if (rel <= 0) {
      if (rel + len <= 0) return; // entirely old: retransmission
      this.deliver(buf, off - rel, len + rel);
      if (this.pending !== null && this.pending.length > 0) this.drain();
      return;
    }
    this.hold(seq, buf, off, len, rel);
  }

  private deliver(buf: Uint8Array, off: number, len: number): void {
    this.next = (this.next + len) >>> 0;
    const room = this.maxBytes - this.delivered;
    const n = len < room ? len : room;
    if (n > 0) {
      this.delivered += n;
      this.consumer.data(buf, off, n);
    }
    if (this.delivered >= this.maxBytes) {
      if (len > n) this.truncated = true;
      this.release();
    }
  }

  /** Copy a segment that is ahead of the next expected byte, sorted by sequence number. */
  private hold(seq: number, buf: Uint8Array, off: number, len: number, rel: number): void {
    // Nothing beyond the byte bound will ever be delivered: do not copy it.
    const room = this.maxBytes - this.delivered;
    if (rel >= room) return;
    if (len > room - rel) len = room - rel;
    const pending = (this.pending ??= []);
    let i = pending.length;
    while (i > 0 && ((pending[i - 1]!.seq - seq) | 0) > 0) i--;
    // A real copy: the reader reuses its chunk, and Buffer#slice would return a view into it.
    pending.splice(i, 0, { seq, data: Uint8Array.prototype.slice.call(buf, off, off + len) });
    this.pendingBytes += len;
    if (this.shared !== undefined) this.shared.held += len;
    while (
      this.state !== DONE &&
      pending.length > 0 &&
      (this.pendingBytes > this.maxBuffered || pending.length > this.maxSegments || (this.shared !== undefined && this.shared.held > this.shared.max))
    ) {
      this.skipToPending();
    }
  }

  /** Skip the hole before the first held segment (reporting it as a gap) and deliver what follows. */
  private skipToPending(): void {
    const first = this.pending![0]!;
    const hole = (first.seq - this.next) | 0;
    if (hole > 0) {
      this.gaps++;
      this.gapBytes += hole;
      this.next = first.seq;
      this.consumer.gap(hole);
    }
    this.drain();
  }

  /** Deliver held segments that are now at (or behind) the next expected byte. */
  private drain(): void {
    const pending = this.pending!;
    while (this.state !== DONE && pending.length > 0) {
      const seg = pending[0]!;
      const rel = (seg.seq - this.next) | 0;
      if (rel > 0) return;
      pending.shift();
      this.pendingBytes -= seg.data.length;
      if (this.shared !== undefined) this.shared.held -= seg.data.length;
      if (rel + seg.data.length > 0) this.deliver(seg.data, -rel, seg.data.length + rel);
    }
  }

  private release(): void {
    this.state = DONE;
    this.pending = null;
    if (this.shared !== undefined) this.shared.held -= this.pendingBytes;
    this.pendingBytes = 0;
  }
}
