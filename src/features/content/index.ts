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
import type { FlowContext, FlowPlugin } from '../../flow/plugin.ts';
import type { FlowRecord } from '../../flow/record.ts';
import { DEFAULT_STREAM_BYTES, type StreamConsumer, TcpStream } from '../../flow/reassembly.ts';
import type { Analyzer, AnalyzerEnv } from './analyzer.ts';
import { ENCRYPTED_PORTS, Kind, KIND_NAMES, kindByPort, looksEncrypted, sniff } from './detect.ts';
import { FtpAnalyzer } from './ftp.ts';
import { HttpAnalyzer } from './http.ts';
import { ImapAnalyzer, Pop3Analyzer, SmtpAnalyzer } from './mail.ts';
import { userSet } from './patterns.ts';
import { Findings } from './rules.ts';
import { RloginAnalyzer, RshAnalyzer, TelnetAnalyzer } from './telnet.ts';

export { RULES, renderRulesTable, CONTENT_FEATURES } from './rules.ts';
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
  /** Index of this plugin's slot in FlowContext.slots (= its position in the meter's plugin list; default 0). */
  slot?: number;
  /** Called at expiry for inspected flows: analyzer name and the rules that fired (for explanations and tests). */
  onInspected?: (uid: string, protocol: string, ruleHits: () => string[]) => void;
}

/** Analyzer state of one flow. */
class FlowState implements StreamConsumer {
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

/** Flows that are never inspected: encrypted (port, SSH banner, TLS record) or no analyzer for the first payload. */
const SKIP = 1;

export function createContentPlugin(opts: ContentOptions = {}): FlowPlugin {
  const slot = opts.slot ?? 0;
  const maxBytes = opts.maxBytes ?? DEFAULT_STREAM_BYTES;
  const lists = {
    hotUsers: userSet(opts.hotUsers ?? DEFAULT_HOT_USERS),
    guestUsers: userSet(opts.guestUsers ?? DEFAULT_GUEST_USERS),
  };
  const httpLoggedIn = opts.httpLoggedIn ?? 'success';
  const onInspected = opts.onInspected;
  // Out-of-order bytes held across ALL flows of this pipeline (each stream also holds ≤ 32 KiB).
  const streamOpts = { maxBytes, shared: { held: 0, max: MAX_HELD_TOTAL } };

  function start(st: FlowState, kind: Kind, pkt: DecodedPacket, fromOrig: boolean): void {
    const findings = new Findings();
    const env: AnalyzerEnv = {
      hotUsers: lists.hotUsers,
      guestUsers: lists.guestUsers,
      findings,
      httpLoggedIn,
      clientIp4: pkt.ipVersion === 4 ? (fromOrig ? pkt.src4 : pkt.dst4) >>> 0 : -1,
    };
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
    st.kind = kind;
    st.analyzer = a;
    st.findings = findings;
    // Each direction's stream starts at its first data segment (the state is created then, so
    // flows that never carry payload — scans, floods — cost no allocation).
    st.orig = new TcpStream(st, streamOpts);
    st.resp = new TcpStream(st, streamOpts);
  }

  return {
    name: 'content',

    onPacket(flow: FlowContext, pkt: DecodedPacket, _rec: CaptureRecord, fromOrig: boolean): boolean | void {
      const len = pkt.payloadCaptured;
      if (len === 0) return; // streams start at the first data byte; empty segments carry nothing
      let st = flow.slots[slot] as FlowState | typeof SKIP | undefined;
      if (st === undefined) {
        if (flow.proto !== 6) {
          flow.slots[slot] = SKIP;
          return false; // no more packets of this flow for the payload stage
        }
        const off = pkt.payloadOffset;
        const kind = maxBytes <= 0 || ENCRYPTED_PORTS.has(flow.dstPort) || looksEncrypted(pkt.buf, off, len)
          ? Kind.None
          : kindByPort(flow.dstPort) || sniff(fromOrig, pkt.buf, off, len);
        if (kind === Kind.None) {
          flow.slots[slot] = SKIP;
          return false;
        }
        st = new FlowState();
        flow.slots[slot] = st;
        start(st, kind, pkt, fromOrig);
      } else if (st === SKIP) return false;
      const stream = fromOrig ? st.orig! : st.resp!;
      if (stream.finished) return;
      const n = stream.inOrder(pkt.seq, pkt.tcpFlags, len);
      if (n > 0) {
        st.bytes += n;
        st.analyzer!.data(fromOrig, pkt.buf, pkt.payloadOffset, n);
      } else if (n < 0) {
        st.fromOrig = fromOrig;
        stream.segment(pkt.seq, pkt.tcpFlags, pkt.buf, pkt.payloadOffset, len);
      }
      if (st.analyzer!.done) {
        st.fromOrig = true;
        st.orig!.end();
        st.fromOrig = false;
        st.resp!.end();
      }
    },

    onExpire(flow: FlowContext, out: FlowRecord): void {
      const st = flow.slots[slot] as FlowState | typeof SKIP | undefined;
      flow.slots[slot] = undefined;
      if (st === undefined || st === SKIP || st.analyzer === null) return;
      st.fromOrig = true;
      st.orig!.end();
      st.fromOrig = false;
      st.resp!.end();
      st.analyzer.end();
      if (st.bytes === 0) return;
      out.payloadInspected = true;
      out.content = st.findings!.toFeatures();
      if (onInspected !== undefined) {
        const findings = st.findings!;
        onInspected(flow.uid, KIND_NAMES[st.kind], () => findings.ruleHits());
      }
    },
  };
}
