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
