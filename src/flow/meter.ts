/**
 * FlowMeter: decoded packets → bidirectional flows (FlowRecord), Zeek-style.
 *
 * Per packet (hot path, no allocation for an existing flow): fragment reassembly when needed,
 * the order-independent numeric key (key.ts), one Map lookup, counters, the TCP endpoint state
 * machine and history letters (tcp-state.ts), plugin hooks, and the packet-time timers of the
 * flow table (table.ts: idle LRU, TCP close linger, optional active timeout, maxFlows eviction).
 * A FlowRecord (strings: uid, addresses, Community ID) is built only when a flow ends.
 *
 * Plugins get every packet of their flow (a reassembled datagram as one packet whose `pkt.buf` is
 * the rebuilt datagram, not `rec.buf`); ICMP errors counted on the flow they quote are not passed
 * to plugins (they are not the flow's own protocol).
 */
import type { CaptureRecord } from '../capture/record.ts';
import { type DecodedPacket, IPPROTO, Layer } from '../decode/packet.ts';
import { E, endedNumbers, endedRecord } from './ended.ts';
import { FragmentReassembler } from './fragments.ts';
import type { EndedSink, FlowOptions, FlowStats } from './meter-options.ts';

export type { EndedSink, FlowOptions, FlowStats } from './meter-options.ts';
import { KeyScratch, icmpKeyPort, isIcmpError, setKey4, setKey6 } from './key.ts';
import { EndedResults, type FlowPlugin, type FlowResults, expirePlugins, runPlugins } from './plugin.ts';
import type { EndReason, FlowRecord } from './record.ts';
import { Flow, FlowTable, ListId, N } from './table.ts';
import { H_ACK, H_DATA, TcpState, retransmitted, seqBytes, tcpHistory, tcpTransition, zeroWindow } from './tcp-state.ts';
import { doubleCells } from '../v8-workarounds.ts';

/** IP protocol numbers as module constants (compared per packet). */
const P_TCP = IPPROTO.TCP, P_UDP = IPPROTO.UDP, P_ICMP = IPPROTO.ICMP, P_ICMP6 = IPPROTO.IPV6_ICMP;

const C_NOW = 0, C_PKT = 1, C_NEXT = 2;
/**
 * Most ended Flow objects kept for reuse. Pooled plus live flows never exceed the peak of live
 * flows, so the pool adds nothing to peak memory; what it saves is garbage: an unpooled Flow lives
 * for seconds, is promoted to V8's old generation and dies there, and that garbage grows with the
 * run (scripts/bench-flows.ts --only 1g-thrice). The cap bounds what a burst of flows leaves held.
 */
const POOL_MAX = 65_536;

const FIN = 0x01, SYN = 0x02, RST = 0x04, ACK = 0x10, URG = 0x20;

export class FlowMeter {
  readonly stats: FlowStats = {
    packets: 0, nonIp: 0, undecodable: 0,
    fragments: 0, reassembled: 0, badFragments: 0, fragmentTimeouts: 0, fragmentLimitHits: 0,
    flowsCreated: 0, flowsEmitted: 0, evictions: 0, portReuse: 0, icmpErrorsAttributed: 0,
    liveFlows: 0, peakFlows: 0, skipped: {},
  };
  private readonly idle: number;
  private readonly active: number;
  private readonly linger: number;
  private readonly maxFlows: number;
  private readonly seed: number;
  private readonly vlanKey: boolean;
  private readonly table: FlowTable;
  private readonly frags: FragmentReassembler;
  private readonly key = new KeyScratch();
  // Plugins' state types differ from one plugin to the next; each gets back what its onInit returned.
  private readonly plugins: readonly FlowPlugin<any, FlowResults>[];
  /** Every plugin is payloadOnly: packets without payload skip the plugin loop. */
  private readonly payloadOnly: boolean;
  /**
   * Packet-time clocks (scripts/bench-flow.ts: doubleCells). C_NOW = latest packet time seen;
   * C_PKT = time of the packet being processed (read by helpers from here, not passed as an
   * argument, which would box it); C_NEXT = no timer can fire before this packet time (a lower
   * bound, lowered when a flow starts or closes).
   */
  private readonly clk = doubleCells(-Infinity, 0, -Infinity);
  private seq = 0;
  /** FlowOptions.uidSalt; may be set until the first flow ends (stdin: from its first packet). */
  uidSalt: number;
  /** Ended Flow objects kept for reuse (at most POOL_MAX). A FlowContext is valid until onExpire returns. */
  private readonly pool: Flow[] = [];
  /** emit(): the ended flow's values (layout E of ended.ts), reused. */
  private readonly ended = new Float64Array(E.SIZE);
  /** Where ended flows go: as records (onFlow) or as numbers (sink). */
  private readonly onFlow: ((f: FlowRecord) => void) | null;
  private readonly sink: EndedSink | null;
  private readonly results = new EndedResults();

  /**
   * Ended flows go to `onFlow` as FlowRecords (each plugin's onExpire wrote into the record first),
   * or, given an EndedSink, as numbers: the record is then built elsewhere (the two-thread pipeline
   * builds it on the other thread), and the plugins' onExpire writes into the FlowResults the sink
   * receives — so only plugins that write no more than FlowResults may run with a sink.
   */
  constructor(opts: FlowOptions, onFlow: (f: FlowRecord) => void, plugins?: readonly FlowPlugin<any, FlowRecord>[]);
  constructor(opts: FlowOptions, sink: EndedSink, plugins?: readonly FlowPlugin<any, FlowResults>[]);
  constructor(opts: FlowOptions, out: ((f: FlowRecord) => void) | EndedSink, plugins: readonly FlowPlugin<any, any>[] = []) {
    this.onFlow = typeof out === 'function' ? out : null;
    this.sink = typeof out === 'function' ? null : out;
    this.idle = opts.idleTimeout ?? 120;
    this.active = opts.activeTimeout ?? 0;
    this.linger = opts.tcpLinger ?? 5;
    this.maxFlows = Math.max(1, opts.maxFlows ?? 500_000);
    this.seed = opts.communityIdSeed ?? 0;
    this.uidSalt = (opts.uidSalt ?? 0) >>> 0;
    this.vlanKey = opts.vlanKey === true;
    this.table = new FlowTable();
    this.frags = new FragmentReassembler(opts, this.stats);
    this.plugins = plugins;
    this.payloadOnly = plugins.length > 0 && plugins.every((p) => p.payloadOnly === true);
  }

  packet(rec: CaptureRecord, pkt: DecodedPacket): void {
    const st = this.stats;
    st.packets++;
    // `t` is never passed to a call (V8 would box it per packet); helpers read this.clk.
    const t = rec.tsSec + rec.tsNsec * 1e-9;
    this.clk[C_PKT] = t;
    if (t > this.clk[C_NOW]) {
      this.clk[C_NOW] = t;
      if (t > this.clk[C_NEXT]) this.expire();
    }
    if (pkt.ipVersion === 0) {
      st.nonIp++;
      return;
    }
    let bad = 0;
    if (pkt.isFragment && (pkt.fragOffset !== 0 || pkt.moreFragments)) {
      if (!this.frags.add(pkt, rec)) return;
      pkt = this.frags.out;
      bad = this.frags.outBad;
      if (pkt.isFragment && (pkt.fragOffset !== 0 || pkt.moreFragments)) {
        // A reassembled tunnel datagram whose inner packet is itself a fragment.
        if (!this.frags.add(pkt, rec)) return;
        pkt = this.frags.out;
        bad += this.frags.outBad;
      }
      if (pkt.ipVersion === 0) return;
    }
    const proto = pkt.proto;
    const v6 = pkt.ipVersion === 6;
    let sPort = 0, dPort = 0;
    if (proto === P_TCP || proto === P_UDP) {
      if (pkt.layer !== (proto === P_TCP ? Layer.TCP : Layer.UDP)) {
        this.skip(pkt);
        return;
      }
      sPort = pkt.srcPort;
      dPort = pkt.dstPort;
    } else if (proto === P_ICMP || proto === P_ICMP6) {
      if (pkt.layer !== (proto === P_ICMP ? Layer.ICMP : Layer.ICMPv6)) {
        this.skip(pkt);
        return;
      }
      const type = pkt.icmpType;
      if (pkt.innerProto !== 0 && isIcmpError(v6, type) && this.attributeIcmpError(pkt)) return;
      sPort = dPort = icmpKeyPort(v6, type, pkt.icmpId);
    }
    const k = this.key;
    const vlan = this.vlanKey ? keyVlan(pkt) : 0;
    if (v6) setKey6(k, proto, vlan, pkt.src6, sPort, pkt.dst6, dPort);
    else setKey4(k, proto, vlan, pkt.src4 | 0, sPort, pkt.dst4 | 0, dPort);
    let f = this.table.find(k);
    // The idle timer is lazy (expire() may run later than a flow's deadline): check this flow exactly.
    if (f !== null && f.list === ListId.Active && this.table.num[f.base + N.TOUCH] + this.idle < this.clk[C_NOW]) {
      this.emit(f, 'idle');
      f = null;
    }
    if (f !== null && proto === P_TCP && (pkt.tcpFlags & (SYN | ACK)) === SYN && pkt.tcpHeaderLen >= 20 &&
        this.isReuse(f, pkt.seq | 0)) {
      st.portReuse++;
      this.emit(f, f.list === ListId.Closing ? f.endReason : reasonOf(f));
      f = null;
    }
    if (f === null) f = this.create(k, pkt);
    const fromOrig = k.senderIsA === f.origIsA;
    this.update(f, pkt, rec, fromOrig, bad);
  }

  /**
   * Start time of the oldest live flow (Infinity when none): every flow that ends later started at
   * or after it, so the window stage may release finished flows that started before it.
   */
  oldestLiveStart(): number {
    const num = this.table.num;
    const h = this.table.startHead;
    return h === null ? Infinity : num[h.base + N.START];
  }

  private skip(pkt: DecodedPacket): void {
    this.stats.undecodable++;
    const why = pkt.stopReason === '' ? 'bad-header' : pkt.stopReason;
    this.stats.skipped[why] = (this.stats.skipped[why] ?? 0) + 1;
  }

  /** End every remaining flow ('eof', or fin/rst for closed TCP flows still lingering). */
  finish(): void {
    this.frags.flush();
    const tb = this.table;
    while (tb.closingHead !== null) this.emit(tb.closingHead, tb.closingHead.endReason);
    while (tb.activeHead !== null) this.emit(tb.activeHead, 'eof');
  }

  // ---------------------------------------------------------------------------------------------

  private expire(): void {
    const now = this.clk[C_NOW]!;
    const num = this.table.num;
    const tb = this.table;
    let h: Flow | null;
    while ((h = tb.closingHead) !== null && num[h.base + N.CLOSE] + this.linger < now) this.emit(h, h.endReason);
    while ((h = tb.activeHead) !== null && num[h.base + N.QUEUED] + this.idle < now) {
      if (num[h.base + N.TOUCH] + this.idle < now) this.emit(h, 'idle');
      else tb.requeue(h, now);
    }
    if (this.active > 0) {
      while ((h = tb.startHead) !== null && num[h.base + N.START] + this.active < now) {
        this.emit(h, h.list === ListId.Closing ? h.endReason : 'active');
      }
    }
    // Head deadlines only move later as flows are re-queued or end; new flows and closes lower it.
    let next = Infinity;
    if (tb.closingHead !== null) next = num[tb.closingHead.base + N.CLOSE] + this.linger;
    if (tb.activeHead !== null) next = Math.min(next, num[tb.activeHead.base + N.QUEUED] + this.idle);
    if (this.active > 0 && tb.startHead !== null) next = Math.min(next, num[tb.startHead.base + N.START] + this.active);
    this.clk[C_NEXT] = next;
  }

  /**
   * Zeek's IsReuse for a pure SYN (SYN without ACK) on a known 5-tuple: it starts a new connection
   * unless it repeats the originator's initial sequence number (a SYN retransmission, or the SYN
   * that a SYN-ACK seen first already acknowledged).
   */
  private isReuse(f: Flow, seq32: number): boolean {
    const num = this.table.num;
    return num[f.base + N.O_ISN] < 0 || seq32 >>> 0 !== num[f.base + N.O_ISN];
  }

  private create(k: KeyScratch, pkt: DecodedPacket): Flow {
    const t = this.clk[C_PKT]!;
    const st = this.stats;
    if (this.table.size >= this.maxFlows) {
      const tb = this.table;
      // Closed flows go first; else the least recently active: re-queue heads touched since they
      // were queued (a bounded number of steps) so the victim is the oldest idle flow.
      for (let i = 0; i < 64 && tb.closingHead === null && tb.activeHead !== null &&
          tb.num[tb.activeHead.base + N.TOUCH] > tb.num[tb.activeHead.base + N.QUEUED]; i++) {
        tb.requeue(tb.activeHead, this.clk[C_NOW]);
      }
      const victim = tb.closingHead ?? tb.activeHead;
      if (victim !== null) {
        st.evictions++;
        this.emit(victim, victim.list === ListId.Closing ? victim.endReason : 'idle');
      }
    }
    const f = this.pool.pop() ?? new Flow(this.plugins.length);
    f.seq = ++this.seq;
    f.uidSalt = this.uidSalt;
    f.vlanId = pkt.vlan;
    if (pkt.tunnels !== 0) f.setTunnel(pkt);
    this.table.insert(f, k, this.clk[C_NOW]);
    const num = this.table.num; // after insert: the array may have grown
    const o = f.base;
    num[o + N.O_ISN] = num[o + N.R_ISN] = -1;
    num[o + N.O_LSYN] = num[o + N.O_LFIN] = num[o + N.O_LRST] = -1;
    num[o + N.R_LSYN] = num[o + N.R_LFIN] = num[o + N.R_LRST] = -1;
    const due = this.clk[C_NOW] + (this.active > 0 ? Math.min(this.idle, this.active) : this.idle);
    if (due < this.clk[C_NEXT]) this.clk[C_NEXT] = due;
    const proto = k.proto;
    // Originator: the SYN sender; a SYN-ACK seen first means its receiver (Zeek flips, history '^').
    if (proto === P_TCP && (pkt.tcpFlags & (SYN | ACK)) === (SYN | ACK)) {
      f.origIsA = !k.senderIsA;
      f.history = '^';
      num[f.base + N.O_ISN] = (pkt.ack - 1) >>> 0; // the SYN this SYN-ACK answers
    } else {
      f.origIsA = k.senderIsA;
    }
    if (proto === P_ICMP || proto === P_ICMP6) {
      f.icmpType = pkt.icmpType;
      f.icmpCode = pkt.icmpCode;
      f.srcPort = pkt.icmpType;
      f.dstPort = pkt.icmpCode;
    } else if (proto === P_TCP || proto === P_UDP) {
      f.srcPort = f.origIsA ? k.aPort : k.bPort;
      f.dstPort = f.origIsA ? k.bPort : k.aPort;
    }
    num[f.base + N.START] = t;
    num[f.base + N.END] = t;
    st.flowsCreated++;
    st.liveFlows = this.table.size;
    if (st.liveFlows > st.peakFlows) st.peakFlows = st.liveFlows;
    return f;
  }

  private update(f: Flow, pkt: DecodedPacket, rec: CaptureRecord, fromOrig: boolean, bad: number): void {
    const num = this.table.num;
    const t = this.clk[C_PKT];
    if (t > num[f.base + N.END]) num[f.base + N.END] = t;
    else if (t < num[f.base + N.START]) num[f.base + N.START] = t; // captures are not always in time order
    num[f.base + N.TOUCH] = this.clk[C_NOW];
    const ipLen = pkt.ipTotalLen;
    if (fromOrig) {
      f.origPkts++;
      f.origIpBytes += ipLen;
    } else {
      f.respPkts++;
      f.respIpBytes += ipLen;
    }
    if (bad !== 0) f.wrongFragment += bad;
    // Kept small (V8 inlines functions under ~460 bytecode bytes): rare work lives in helpers.
    if (f.proto === P_TCP) {
      if (pkt.tcpHeaderLen >= 20) this.tcp(f, pkt, fromOrig); // a cut or bad TCP header: counted, no state
    } else {
      this.nonTcp(f, pkt, fromOrig);
    }
    if (f.pluginsLeft !== 0 && (pkt.payloadCaptured > 0 || !this.payloadOnly)) runPlugins(this.plugins, f, pkt, rec, fromOrig);
  }

  private nonTcp(f: Flow, pkt: DecodedPacket, fromOrig: boolean): void {
    if (f.proto === P_UDP) {
      if (fromOrig) f.origBytes += pkt.payloadLen;
      else f.respBytes += pkt.payloadLen;
      const bit = fromOrig ? H_DATA : H_DATA << 8;
      if ((f.histSeen & bit) === 0) {
        f.histSeen |= bit;
        f.history += fromOrig ? 'D' : 'd';
      }
    } else {
      // ICMP: the whole message incl. its 8-byte header; other protocols: the IP payload.
      const n = pkt.ipTotalLen - pkt.ipHeaderLen;
      if (n > 0) {
        if (fromOrig) f.origBytes += n;
        else f.respBytes += n;
      }
    }
  }

  private tcp(f: Flow, pkt: DecodedPacket, fromOrig: boolean): void {
    const num = this.table.num;
    const flags = pkt.tcpFlags;
    const len = pkt.payloadLen;
    if ((flags & (SYN | FIN | RST | URG)) === 0 && (fromOrig ? f.origInit && f.origState !== TcpState.Inactive : f.respInit && f.respState !== TcpState.Inactive)) {
      // Fast path, most packets: an ACK / data segment from an endpoint already seen. No endpoint
      // state changes (tcpTransition only acts on SYN/FIN/RST or an inactive endpoint), so the flow
      // cannot close here; the history needs at most its D/A letter, an in-order segment only
      // moves the highest sequence number. Everything else takes the general path below.
      const sh = fromOrig ? 0 : 8;
      const bit = (len > 0 ? H_DATA : flags & ACK ? H_ACK : 0) << sh;
      if (bit !== 0 && (f.histSeen & bit) === 0) {
        f.histSeen |= bit;
        f.history += len > 0 ? (fromOrig ? 'D' : 'd') : fromOrig ? 'A' : 'a';
      }
      if (len > 0) {
        const hiAt = f.base + (fromOrig ? N.O_HI : N.R_HI);
        const seq = pkt.seq;
        if (((seq - num[hiAt]!) | 0) === 0) {
          num[hiAt] = (seq + len) >>> 0;
          if (fromOrig) f.origBytes += len;
          else f.respBytes += len;
        } else {
          this.countData(f, fromOrig, seq | 0, len);
        }
      }
      if (pkt.window === 0) zeroWindow(f, fromOrig);
      return;
    }
    this.tcpGeneral(f, pkt, fromOrig, flags, len);
  }

  /** Any TCP segment (SYN/FIN/RST/URG, a new or inactive endpoint): history, states, bytes, close. */
  private tcpGeneral(f: Flow, pkt: DecodedPacket, fromOrig: boolean, flags: number, len: number): void {
    const num = this.table.num;
    if (flags & URG) f.urgent++;
    const seq = pkt.seq;
    tcpHistory(num, f, fromOrig, flags, seq | 0, len);
    const wasClosed = f.list === ListId.Closing;
    tcpTransition(f, fromOrig, flags, len);
    if (flags & SYN) {
      if (fromOrig) { if (num[f.base + N.O_ISN] < 0 && !(flags & ACK)) num[f.base + N.O_ISN] = seq; }
      else if (num[f.base + N.R_ISN] < 0) num[f.base + N.R_ISN] = seq;
    }
    // ---- data bytes: count each sequence byte once (retransmissions are not double counted) ----
    if (!(flags & RST)) {
      const start = flags & SYN ? (seq + 1) >>> 0 : seq;
      let fresh: number;
      if (fromOrig) {
        if (!f.origInit) { f.origInit = true; num[f.base + N.O_HI] = start; }
        fresh = seqBytes(num, f, true, start | 0, len);
      } else {
        if (!f.respInit) { f.respInit = true; num[f.base + N.R_HI] = start; }
        fresh = seqBytes(num, f, false, start | 0, len);
      }
      if (fromOrig) f.origBytes += fresh;
      else f.respBytes += fresh;
      if (len > 0 && fresh < len) retransmitted(f, fromOrig);
    }
    // ---- zero window: Zeek's 'W'/'w' (not with RST, not after the peer closed / we reset) ----
    if (pkt.window === 0 && !(flags & (RST | SYN))) zeroWindow(f, fromOrig);
    if (!wasClosed) {
      const os = f.origState, rs = f.respState;
      if (os === TcpState.Reset || rs === TcpState.Reset) {
        f.endReason = 'rst';
        this.closeFlow(f);
      } else if (os === TcpState.Closed && rs === TcpState.Closed) {
        f.endReason = 'fin';
        this.closeFlow(f);
      }
    }
  }

  /** Data bytes of a segment that is not simply the next in order (seqBytes), and 'T'/'t'. */
  private countData(f: Flow, fromOrig: boolean, start32: number, len: number): void {
    const fresh = seqBytes(this.table.num, f, fromOrig, start32, len);
    if (fromOrig) f.origBytes += fresh;
    else f.respBytes += fresh;
    if (fresh < len) retransmitted(f, fromOrig);
  }

  private closeFlow(f: Flow): void {
    this.table.close(f, this.clk[C_NOW]);
    const due = this.clk[C_NOW] + this.linger;
    if (due < this.clk[C_NEXT]) this.clk[C_NEXT] = due;
  }

  /** An ICMP error quoting a datagram of a live flow: count it there. */
  private attributeIcmpError(pkt: DecodedPacket): boolean {
    const t = this.clk[C_PKT]!;
    const num = this.table.num;
    const k = this.key;
    const ip = pkt.innerProto;
    const vlan = this.vlanKey ? keyVlan(pkt) : 0;
    if (pkt.innerIpVersion === 6) setKey6(k, ip, vlan, pkt.innerSrc6, pkt.innerSrcPort, pkt.innerDst6, pkt.innerDstPort);
    else if (pkt.innerIpVersion === 4) setKey4(k, ip, vlan, pkt.innerSrc4 | 0, pkt.innerSrcPort, pkt.innerDst4 | 0, pkt.innerDstPort);
    else return false;
    const f = this.table.find(k);
    if (f === null) return false;
    // The quoted datagram went sender → target; the error travels back towards its sender.
    const quotedFromOrig = k.senderIsA === f.origIsA;
    if (t > num[f.base + N.END]) num[f.base + N.END] = t;
    num[f.base + N.TOUCH] = this.clk[C_NOW];
    if (quotedFromOrig) { f.respPkts++; f.respIpBytes += pkt.ipTotalLen; }
    else { f.origPkts++; f.origIpBytes += pkt.ipTotalLen; }
    this.stats.icmpErrorsAttributed++;
    return true;
  }

  private emit(f: Flow, reason: EndReason): void {
    const num = this.table.num;
    this.table.remove(f);
    const st = this.stats;
    st.liveFlows = this.table.size;
    const e = this.ended;
    endedNumbers(e, f, num, reason);
    st.flowsEmitted++;
    const sink = this.sink;
    if (sink !== null) {
      const out = this.results;
      out.flow = f;
      out.payloadInspected = false;
      out.content = undefined;
      if (this.plugins.length !== 0) expirePlugins(this.plugins, f, out);
      sink.ended(e, f.history, out);
      out.flow = null;
    } else {
      const rec = endedRecord(e, 0, f.history, this.seed);
      if (this.plugins.length !== 0) expirePlugins(this.plugins, f, rec);
      this.onFlow!(rec);
    }
    if (this.pool.length < POOL_MAX) {
      f.reset();
      this.pool.push(f);
    }
  }
}

/** The VLAN part of a VLAN-aware key: outer and inner (QinQ) id, 12 bits each. */
function keyVlan(pkt: DecodedPacket): number {
  return pkt.vlan | (pkt.innerVlan << 12);
}

/** Why a TCP flow superseded by port reuse ended. */
function reasonOf(f: Flow): EndReason {
  if (f.origState === TcpState.Reset || f.respState === TcpState.Reset) return 'rst';
  if (f.origState === TcpState.Closed || f.respState === TcpState.Closed) return 'fin';
  return 'idle';
}
