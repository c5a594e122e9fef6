/**
 * Public types of the capture reader (re-exported by src/capture/index.ts).
 */
import type { InputError } from '../errors.ts';

export interface ReadOptions {
  /** A file cut inside its last record is an error (default: a warning). */
  strict?: boolean;
  /** Stop reading (at the next chunk boundary) when aborted. */
  signal?: AbortSignal;
  /** Stream read for the input '-' (default process.stdin). */
  stdin?: NodeJS.ReadableStream;
  /** Called with each file's report when that file is finished (also for failed files). */
  onFile?(f: FileReport): void;
  /** Called when a file starts (after its header was read), before its first record. */
  onFileStart?(f: FileReport): void;
  /**
   * Classic pcap: after a corrupt record header, scan ahead for the next plausible record header
   * and continue (the skipped byte range becomes a warning) instead of stopping at the fault.
   */
  resync?: boolean;
  /** Read window size in bytes (default 4 MiB). */
  chunkSize?: number;
  /** Stop each file after this many packets (used to probe directories; default unlimited). */
  maxPacketsPerFile?: number;
}

export interface InterfaceInfo {
  /** pcapng section index (0 for classic pcap). */
  section: number;
  /** Interface id within its section (0 for classic pcap). */
  id: number;
  linktype: number;
  snaplen: number;
  /** if_name / if_description when present. */
  name?: string;
  description?: string;
  /** Timestamp units per second (1e6 µs, 1e9 ns, 2^k for power-of-2 if_tsresol). */
  tsUnitsPerSecond: number;
  /** if_tsoffset in seconds (0 when absent). */
  tsOffset: number;
  /** Bytes of frame check sequence at the end of each frame (pcap link-type FCS bits, pcapng if_fcslen); 0 = none/unknown. */
  fcsLen: number;
  /** Packets read on this interface. */
  packets: number;
}

export interface FileReport {
  file: string;
  /** 'unknown' when the input could not be opened or its magic is not a capture format. */
  format: 'pcap' | 'pcapng' | 'unknown';
  /** Byte order of the (first) section. */
  byteOrder: 'little' | 'big';
  /** Distinct link types of the interfaces, in order of appearance. */
  linktypes: number[];
  interfaces: InterfaceInfo[];
  /** Classic pcap: file header snaplen; pcapng: largest non-zero if_snaplen (0 = not set). */
  snaplen: number;
  packets: number;
  /** Timestamp of the first / last packet in file order, float seconds; null when no packets. */
  firstTs: number | null;
  lastTs: number | null;
  /** Earliest / latest packet timestamp (capinfos' start/end), float seconds; null when no packets. */
  minTs: number | null;
  maxTs: number | null;
  /** Exact versions: [seconds, nanoseconds]. */
  minTsExact: [number, number] | null;
  maxTsExact: [number, number] | null;
  /** Packets with caplen < origLen. */
  truncated: number;
  /** Packets that carry no timestamp (pcapng Simple Packet Blocks). */
  untimed: number;
  /** Packets whose timestamp is earlier than the previous packet's (0 = capinfos' "strict time order"). */
  outOfOrder: number;
  /** Sum of caplen / origLen over all packets. */
  capturedBytes: number;
  wireBytes: number;
  /** Bytes of (decompressed) capture data consumed. */
  bytesRead: number;
  /** Classic pcap timestamp precision / variant. */
  precision?: 'us' | 'ns';
  modified?: boolean;
  /** Input was gzip-compressed. */
  gzip: boolean;
  /** pcapng sections seen. */
  sections: number;
  /** Fatal fault: reading stopped here (everything before it was delivered). */
  error?: InputError;
  /** The file ended inside its last record (a warning unless strict, when it is also `error`). */
  truncatedTail?: InputError;
  warnings: string[];
}

export interface ReadReport {
  files: FileReport[];
  packets: number;
  errors: InputError[];
  warnings: string[];
  /** Reading stopped early because the signal was aborted. */
  aborted: boolean;
}
