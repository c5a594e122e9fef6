/**
 * The payload stage: KDD content features 10–22 from cleartext TCP payloads.
 *
 * A FlowPlugin. Per TCP flow it picks an analyzer (detect.ts: responder port, else the first payload
 * bytes; encrypted protocols get none), reassembles each direction in order (src/flow/reassembly.ts,
 * bounded by `maxBytes` per direction) and feeds the analyzer, which fires the rules of rules.ts.
 * On expiry it writes `content` and `payloadInspected = true` when an analyzer saw payload; other
 * flows keep `content` absent (all 0) and `payloadInspected = false`.
 *
 * Cost: flows without an analyzer hold one shared sentinel (no allocation); analyzed flows hold two
 * small stream objects and copy only out-of-order segments.
 */
import type { CaptureRecord } from '../../capture/record.ts';
import type { DecodedPacket } from '../../decode/packet.ts';
import type { FlowContext, FlowPlugin, FlowResults } from '../../flow/plugin.ts';
import { DEFAULT_STREAM_BYTES, type StreamConsumer, TcpStream } from '../../flow/reassembly.ts';
import type { Analyzer, AnalyzerEnv } from './analyzer.ts';
import { Kind, KIND_NAMES } from './detect.ts';
import { classifyFlow, clientIp4 } from './classify.ts';
import { FtpAnalyzer } from './ftp.ts';
import { HttpAnalyzer } from './http.ts';
import { ImapAnalyzer, Pop3Analyzer, SmtpAnalyzer } from './mail.ts';
import { userSet } from './patterns.ts';
import { Findings } from './rules.ts';
import { RloginAnalyzer, RshAnalyzer, TelnetAnalyzer } from './telnet.ts';

export { RULES, renderRulesTable, CONTENT_FEATURES } from './rules.ts';
export { classifyFlow, clientIp4 } from './classify.ts';
export type { Rule, RuleId } from './rules.ts';

export const DEFAULT_HOT_USERS: readonly string[] = ['root', 'admin'];
export const DEFAULT_GUEST_USERS: readonly string[] = ['anonymous', 'ftp', 'guest'];

export interface ContentOptions {
  /** Payload bytes inspected per flow per direction (default 65,536; 0 inspects nothing). */
  maxBytes?: number;
  /** Login names that set is_host_login (default root, admin). */
  hotUsers?: readonly string[];
  /** Login names that set is_guest_login (default anonymous, ftp, guest). */
  guestUsers?: readonly string[];
  /** HTTP logged_in: 'success' (any 2xx, NSL-KDD semantics; default) or 'credentials' (2xx to a request with Authorization). */
  httpLoggedIn?: 'success' | 'credentials';
  /** Called at expiry for inspected flows: analyzer name and the rules that fired (for explanations and tests). */
  onInspected?: (uid: string, protocol: string, ruleHits: () => string[]) => void;
}

/** Analyzer state of one flow. */
export class FlowState implements StreamConsumer {
  kind = Kind.None;
  analyzer: Analyzer | null = null;
  findings: Findings | null = null;
  orig: TcpStream | null = null;
  resp: TcpStream | null = null;
  /** Direction being delivered by the stream currently fed (see data/gap). */
  fromOrig = true;
  bytes = 0;

  data(buf: Uint8Array, off: number, len: number): void {
    this.bytes += len;
    this.analyzer!.data(this.fromOrig, buf, off, len);
  }

  gap(len: number): void {
    this.analyzer!.gap(this.fromOrig, len);
  }
}

/** Out-of-order TCP bytes held at once by the payload stage over all flows (64 MiB). */
export const MAX_HELD_TOTAL = 64 * 1024 * 1024;

/**
 * The analysis half of the payload stage, independent of where packets come from: the FlowPlugin
 * below (packets of the meter, same thread) and the threaded pipeline (payload segments passed on
 * by the flow engine's thread) both drive it.
 */
export class ContentEngine {
  readonly maxBytes: number;
  private readonly lists: Pick<AnalyzerEnv, 'hotUsers' | 'guestUsers'>;
  private readonly httpLoggedIn: 'success' | 'credentials';
  private readonly onInspected: ContentOptions['onInspected'];
  // Out-of-order bytes held across ALL flows of this pipeline (each stream also holds ≤ 32 KiB).
  private readonly streamOpts: { maxBytes: number; shared: { held: number; max: number } };

  constructor(opts: ContentOptions = {}) {
    this.maxBytes = opts.maxBytes ?? DEFAULT_STREAM_BYTES;
    this.lists = {
      hotUsers: userSet(opts.hotUsers ?? DEFAULT_HOT_USERS),
      guestUsers: userSet(opts.guestUsers ?? DEFAULT_GUEST_USERS),
    };
    this.httpLoggedIn = opts.httpLoggedIn ?? 'success';
    this.onInspected = opts.onInspected;
    this.streamOpts = { maxBytes: this.maxBytes, shared: { held: 0, max: MAX_HELD_TOTAL } };
  }

  /** Analyzer state for a flow of `kind` (not None); `clientIp4` = originator IPv4 address (unsigned) or -1. */
  begin(kind: Kind, clientIp4: number): FlowState {
    const findings = new Findings();
    // A literal, not { ...this.lists, … }: the spread is far slower per flow (scripts/bench-analyzers.ts).
    const env: AnalyzerEnv = { hotUsers: this.lists.hotUsers, guestUsers: this.lists.guestUsers, findings, httpLoggedIn: this.httpLoggedIn, clientIp4 };
    let a: Analyzer;
    switch (kind) {
      case Kind.Ftp: a = new FtpAnalyzer(env); break;
      case Kind.Telnet: a = new TelnetAnalyzer(env); break;
      case Kind.Rlogin: a = new RloginAnalyzer(env); break;
      case Kind.Rsh: a = new RshAnalyzer(env, false); break;
      case Kind.Rexec: a = new RshAnalyzer(env, true); break;
      case Kind.Pop3: a = new Pop3Analyzer(env); break;
      case Kind.Imap: a = new ImapAnalyzer(env); break;
      case Kind.Smtp: a = new SmtpAnalyzer(env); break;
      default: a = new HttpAnalyzer(env);
    }
    const st = new FlowState();
    st.kind = kind;
    st.analyzer = a;
    st.findings = findings;
    // Each direction's stream starts at its first data segment (the state is created then, so
    // flows that never carry payload — scans, floods — cost no allocation).
    st.orig = new TcpStream(st, this.streamOpts);
    st.resp = new TcpStream(st, this.streamOpts);
    return st;
  }

  /** A TCP segment of `len` > 0 payload bytes at buf[off] (sequence number `seq`, TCP flags). */
  segment(st: FlowState, fromOrig: boolean, seq: number, flags: number, buf: Uint8Array, off: number, len: number): void {
    const stream = fromOrig ? st.orig! : st.resp!;
    if (stream.finished) return;
    const n = stream.inOrder(seq, flags, len);
    if (n > 0) {
      st.bytes += n;
      st.analyzer!.data(fromOrig, buf, off, n);
    } else if (n < 0) {
      st.fromOrig = fromOrig;
      stream.segment(seq, flags, buf, off, len);
    }
    if (st.analyzer!.done) {
      st.fromOrig = true;
      st.orig!.end();
      st.fromOrig = false;
      st.resp!.end();
    }
  }

  /** The flow ended: content features and payloadInspected into `out` when an analyzer saw payload. */
  finish(st: FlowState, out: FlowResults): void {
    st.fromOrig = true;
    st.orig!.end();
    st.fromOrig = false;
    st.resp!.end();
    st.analyzer!.end();
    if (st.bytes === 0) return;
    out.payloadInspected = true;
    out.content = st.findings!.toFeatures();
    if (this.onInspected !== undefined) {
      const findings = st.findings!;
      this.onInspected(out.uid, KIND_NAMES[st.kind], () => findings.ruleHits());
    }
  }
}

/**
 * The payload stage as a flow plugin: a flow's state is its analyzer state, begun at its first
 * payload segment; flows without an analyzer get none (no more packets, no onExpire).
 */
export function createContentPlugin(opts: ContentOptions = {}): FlowPlugin<FlowState, FlowResults> {
  const engine = new ContentEngine(opts);
  const maxBytes = engine.maxBytes;
  return {
    name: 'content',
    payloadOnly: true,

    onInit(flow: FlowContext, pkt: DecodedPacket, _rec: CaptureRecord, fromOrig: boolean): FlowState | undefined {
      const len = pkt.payloadCaptured;
      const kind = classifyFlow(flow.proto, flow.dstPort, fromOrig, pkt.buf, pkt.payloadOffset, len, maxBytes);
      if (kind === Kind.None) return undefined;
      const st = engine.begin(kind, clientIp4(pkt, fromOrig));
      engine.segment(st, fromOrig, pkt.seq, pkt.tcpFlags, pkt.buf, pkt.payloadOffset, len);
      return st;
    },

    onPacket(st: FlowState, _flow: FlowContext, pkt: DecodedPacket, _rec: CaptureRecord, fromOrig: boolean): void {
      engine.segment(st, fromOrig, pkt.seq, pkt.tcpFlags, pkt.buf, pkt.payloadOffset, pkt.payloadCaptured);
    },

    onExpire(st: FlowState, _flow: FlowContext, out: FlowResults): void {
      engine.finish(st, out);
    },
  };
}
