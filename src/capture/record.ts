/**
 * One packet record as read from a capture, format-independent (pcap, pcapng).
 *
 * Readers REUSE one record object per input and one chunk buffer: a record (and `buf`) is valid
 * only during the callback that receives it. Copy what you keep. This is what lets read+decode run
 * at >8 M packets/s without per-packet allocation.
 */
export interface CaptureRecord {
  /** Whole seconds since the Unix epoch (integer). */
  tsSec: number;
  /** Nanoseconds within the second, 0..999,999,999 (integer). Exact for µs, ns and any if_tsresol. */
  tsNsec: number;
  /** Bytes captured (present in `buf`). */
  caplen: number;
  /** Bytes on the wire (original length). caplen < origLen means the packet was truncated by snaplen. */
  origLen: number;
  /** LINKTYPE_* value of the interface that captured this packet. */
  linktype: number;
  /** pcapng interface id within its section (0 for classic pcap). */
  interfaceId: number;
  /** The packet bytes are buf[offset, offset + caplen). A view into the reader's chunk: no copy. */
  buf: Uint8Array;
  offset: number;
  /** Path of the capture file as given ('-' for stdin). */
  file: string;
  /** 0-based index of this packet within its file. */
  packetIndex: number;
  /** Byte offset of this record's header (pcap) or block (pcapng) in the (decompressed) file. */
  byteOffset: number;
  /**
   * True when the format gave this packet no timestamp (pcapng Simple Packet Block): tsSec/tsNsec
   * then repeat the previous packet's time in the same file (0 before any). Absent/false otherwise.
   */
  tsMissing?: boolean;
}

/** Receives each record; the record object is reused after the callback returns. */
export type RecordSink = (rec: CaptureRecord) => void;

/** Packet time as float seconds (µs-exact for current epochs; use tsSec/tsNsec when exactness matters). */
export function recordTime(rec: CaptureRecord): number {
  return rec.tsSec + rec.tsNsec / 1e9;
}
