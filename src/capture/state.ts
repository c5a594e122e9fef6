/**
 * Per-file parse state shared by the pcap and pcapng parsers: the window, the reused record, the
 * sink, counters, and how faults become report entries (never exceptions).
 */
import { InputError } from '../errors.ts';
import type { CaptureRecord, RecordSink } from './record.ts';
import type { Window } from './source.ts';
import type { FileReport, ReadOptions } from './types.ts';

/** No record may be larger than this, whatever a header claims (never allocated). */
export const MAX_RECORD = 256 * 1024 * 1024;
/** Largest caplen accepted regardless of a smaller snaplen (Wireshark's standard maximum). */
export const STANDARD_MAX_CAPLEN = 262144;

export class ParseState {
  packets = 0;
  truncated = 0;
  untimed = 0;
  /** Packets with a timestamp (first/last below are over these). */
  timed = 0;
  /** Timestamped packets earlier than the timestamped packet before them. */
  outOfOrder = 0;
  capBytes = 0;
  wireBytes = 0;
  firstSec = 0;
  firstNsec = 0;
  lastSec = 0;
  lastNsec = 0;
  minSec = Infinity;
  minNsec = 0;
  maxSec = -Infinity;
  maxNsec = 0;

  constructor(
    readonly w: Window,
    readonly rec: CaptureRecord,
    readonly onRecord: RecordSink,
    readonly report: FileReport,
    readonly opts: ReadOptions,
    /** Stop after this many packets (Infinity = all). */
    readonly limit: number,
  ) {}

  /**
   * Count one packet with a timestamp (hot path). Takes the record, not numbers: a call that V8
   * does not inline passes arguments tagged, and a timestamp that is not a small integer would be
   * boxed on every call.
   */
  countTimed(rec: CaptureRecord): void {
    const sec = rec.tsSec;
    const nsec = rec.tsNsec;
    const caplen = rec.caplen;
    const orig = rec.origLen;
    if (caplen < orig) this.truncated++;
    this.capBytes += caplen;
    this.wireBytes += orig;
    if (this.timed === 0) {
      this.firstSec = sec;
      this.firstNsec = nsec;
    } else if (sec < this.lastSec || (sec === this.lastSec && nsec < this.lastNsec)) {
      this.outOfOrder++;
    }
    this.lastSec = sec;
    this.lastNsec = nsec;
    if (sec > this.maxSec || (sec === this.maxSec && nsec > this.maxNsec)) {
      this.maxSec = sec;
      this.maxNsec = nsec;
    }
    if (sec < this.minSec || (sec === this.minSec && nsec < this.minNsec)) {
      this.minSec = sec;
      this.minNsec = nsec;
    }
    this.timed++;
    this.packets++;
  }

  /** Count one packet that has no timestamp (pcapng SPB). */
  countUntimed(rec: CaptureRecord): void {
    if (rec.caplen < rec.origLen) this.truncated++;
    this.capBytes += rec.caplen;
    this.wireBytes += rec.origLen;
    this.untimed++;
    this.packets++;
  }

  get aborted(): boolean {
    return this.opts.signal?.aborted === true;
  }

  /** A fatal fault: reading of this file stops here. */
  fault(code: string, byteOffset: number, detail: string): void {
    if (!this.report.error) this.report.error = new InputError(code, this.report.file, byteOffset, detail);
  }

  /** The input ended inside a record: warning, or error with strict. */
  cutShort(code: string, byteOffset: number, detail: string): void {
    const e = new InputError(code, this.report.file, byteOffset, detail);
    this.report.truncatedTail = e;
    if (this.opts.strict) {
      if (!this.report.error) this.report.error = e;
    } else {
      this.report.warnings.push(e.message);
    }
  }

  warn(byteOffset: number | undefined, detail: string): void {
    this.report.warnings.push(`${this.report.file}${byteOffset === undefined ? '' : `: byte ${byteOffset}`}: ${detail}`);
  }

  /** Copy the counters into the report. */
  finish(): void {
    const r = this.report;
    r.packets = this.packets;
    r.truncated = this.truncated;
    r.untimed = this.untimed;
    r.outOfOrder = this.outOfOrder;
    r.capturedBytes = this.capBytes;
    r.wireBytes = this.wireBytes;
    r.bytesRead = this.w.offset;
    if (this.timed > 0) {
      r.firstTs = this.firstSec + this.firstNsec / 1e9;
      r.lastTs = this.lastSec + this.lastNsec / 1e9;
    }
    if (this.maxSec !== -Infinity) {
      r.minTs = this.minSec + this.minNsec / 1e9;
      r.maxTs = this.maxSec + this.maxNsec / 1e9;
      r.minTsExact = [this.minSec, this.minNsec];
      r.maxTsExact = [this.maxSec, this.maxNsec];
    }
  }
}
