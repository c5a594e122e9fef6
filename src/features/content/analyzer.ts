/** What every protocol analyzer implements; the plugin feeds it both reassembled directions. */
import type { Findings } from './rules.ts';
import type { LoginLists } from './patterns.ts';
import { LineSplitter } from './lines.ts';

export interface Analyzer {
  /** In-order bytes of one direction (fromOrig = originator → responder). Valid during the call. */
  data(fromOrig: boolean, buf: Uint8Array, off: number, len: number): void;
  /** Bytes of one direction missing from the capture. */
  gap(fromOrig: boolean, len: number): void;
  /** The flow ended. */
  end(): void;
  /** The analyzer needs no more bytes (the plugin drops its streams). */
  readonly done: boolean;
}

export interface AnalyzerEnv extends LoginLists {
  findings: Findings;
  /** Originator IPv4 address as an unsigned 32-bit number, or -1 (IPv6). */
  clientIp4: number;
  /** 'success': any 2xx sets logged_in (NSL-KDD semantics); 'credentials': only with Authorization. */
  httpLoggedIn: 'success' | 'credentials';
}

/** A protocol of text lines in both directions (FTP, POP3, IMAP, SMTP). */
export abstract class LineAnalyzer implements Analyzer {
  readonly done = false;
  protected readonly f: Findings;
  protected readonly client: LineSplitter;
  protected readonly server: LineSplitter;

  constructor(protected readonly env: AnalyzerEnv) {
    this.f = env.findings;
    this.client = new LineSplitter((l) => this.clientLine(l));
    this.server = new LineSplitter((l) => this.serverLine(l));
  }

  protected abstract clientLine(line: string): void;
  protected abstract serverLine(line: string): void;

  data(fromOrig: boolean, buf: Uint8Array, off: number, len: number): void {
    (fromOrig ? this.client : this.server).push(buf, off, len);
  }

  gap(fromOrig: boolean, len: number): void {
    (fromOrig ? this.client : this.server).gap(len);
  }

  end(): void {
    this.client.flush();
    this.server.flush();
  }
}
