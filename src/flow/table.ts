/**
 * The live-flow table: a hash index (Map<30-bit hash, chain head>, collisions chained through the
 * flows) plus intrusive doubly-linked lists that order flows for the timers, so expiry never scans
 * the table:
 *   - `active`: open flows in queue order (lazy LRU: a packet only records its time; the idle timer
 *     re-queues a head flow that was touched since, and ends it otherwise), idle timeout and
 *     maxFlows eviction take from the head;
 *   - `closing`: TCP flows that finished (both FINs or a RST), by close time; they linger a few
 *     seconds so late ACKs/RSTs join them;
 *   - `started`: all flows by creation (= start) time: the active timeout and oldestLiveStart().
 * Every timer runs on packet time.
 */
import type { DecodedPacket } from '../decode/packet.ts';
import type { FlowContext } from './plugin.ts';
import type { EndReason } from './record.ts';
import { type FlowKeyFields, type KeyScratch, copyKey, fmix32, keyEquals } from './key.ts';
import { TcpState, type TcpEndpoints } from './tcp-state.ts';
import { keepMutable } from '../v8-workarounds.ts';

const B62 = Array.from('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', (c) => c.charCodeAt(0));
const UID = new Array<number>(19).fill(0x43); // 'C' + 18 base62 digits

/** Six base62 digits of a 32-bit value (62^6 > 2^32) into UID[at, at+6). */
function base62x6(v: number, at: number): void {
  v >>>= 0;
  for (let i = 0; i < 6; i++) {
    const d = v % 62; // v typed unsigned 32-bit: an integer modulus, not a float fmod
    UID[at + i] = B62[d]!;
    v = ((v - d) / 62) >>> 0;
  }
}

/**
 * 'C' + 18 base62 chars (Zeek's look: 'C' + base62 of 96 bits). The first six are a bijection of the
 * flow's sequence number for a given salt, so uids are unique within a run; the other twelve mix
 * the salt (derived from the input's content, see src/capture/salt.ts) with the sequence number, so
 * runs over different inputs give disjoint uids while the same input always gives the same ones.
 */
export function makeUid(seq: number, salt = 0): string {
  const s = fmix32(salt ^ 0x9e3779b9);
  base62x6(fmix32((seq ^ s) >>> 0), 1);
  base62x6(fmix32((fmix32(seq + 0x27d4eb2f) ^ s) + salt), 7);
  base62x6(fmix32((Math.imul(seq, 3) + 0x165667b1) ^ fmix32(s + 0x85ebca6b)), 13);
  const u = UID;
  return String.fromCharCode(u[0]!, u[1]!, u[2]!, u[3]!, u[4]!, u[5]!, u[6]!, u[7]!, u[8]!, u[9]!,
    u[10]!, u[11]!, u[12]!, u[13]!, u[14]!, u[15]!, u[16]!, u[17]!, u[18]!);
}

export const enum ListId { None = 0, Active = 1, Closing = 2 }

/**
 * Offsets in a flow's record of the table's Float64Array (`num[f.base + N.X]`). Everything that is
 * a float or may exceed V8's small-integer range (times, 32-bit addresses and sequence numbers)
 * lives here, not on the Flow object: object fields holding such values are separate heap boxes,
 * one more cache line each per packet. The first 8 values are the per-packet hot ones.
 */
export const enum N {
  A0 = 0, B0 = 1, TOUCH = 2, END = 3, O_HI = 4, R_HI = 5, O_HS = 6, O_HE = 7,
  R_HS = 8, R_HE = 9, START = 10, CLOSE = 11,
  O_LSYN = 12, O_LFIN = 13, O_LRST = 14, R_LSYN = 15, R_LFIN = 16, R_LRST = 17,
  O_ISN = 18, R_ISN = 19, A1 = 20, A2 = 21, A3 = 22, B1 = 23, B2 = 24, B3 = 25,
  /** When the flow was (re)queued at the active list's tail: the list is ordered by it. */
  QUEUED = 26,
}
/** Values per flow record (a power of two: records never straddle more cache lines than needed). */
export const STRIDE = 32;

/** One live bidirectional flow: small-integer fields and references; numbers at `base` in the table. */
export class Flow implements FlowKeyFields, FlowContext, TcpEndpoints {
  // Field order = memory order: what every packet reads or writes comes first (about two cache lines).
  // ---- key (A = lower endpoint; addresses in the number record) ----
  base = 0;
  aPort = 0; bPort = 0; proto = 0; ver = 4; vlan = 0;
  /** Next flow in the same hash bucket. */
  chain: Flow | null = null;
  list: ListId = ListId.None;
  /** True when endpoint A is the originator. */
  origIsA = true;
  // ---- counters ----
  origPkts = 0; respPkts = 0;
  origIpBytes = 0; respIpBytes = 0;
  origBytes = 0; respBytes = 0;
  // ---- TCP ----
  origState: TcpState = TcpState.Inactive;
  respState: TcpState = TcpState.Inactive;
  histSeen = 0;
  /** Per direction: first segment seen (initialises the highest-sequence tracking). */
  origInit = false; respInit = false;
  origPrev: TcpState = TcpState.Inactive;
  respPrev: TcpState = TcpState.Inactive;
  wrongFragment = 0;
  urgent = 0;
  /**
   * The plugins' states of this flow (FlowMeter's business, not theirs): [i] = what plugin i's
   * onInit returned, [n + i] = true once plugin i takes no more packets of it.
   */
  readonly pluginState: unknown[];
  /** Plugins still taking packets of this flow. */
  pluginsLeft = 0;
  // ---- colder ----
  hash = 0;
  prev: Flow | null = null;
  next: Flow | null = null;
  sPrev: Flow | null = null;
  sNext: Flow | null = null;
  seq = 0;
  /** Outer VLAN id of the flow's first packet (the `vlan` column; `vlan` above is the key's part). */
  vlanId = 0;
  /** Tunnels its first packet came through (DecodedPacket.tunnelChain; 0 = none). */
  tunnelChain = 0;
  /** With a tunnel: [IP version, outer source words ×4, outer destination words ×4] (allocated once, kept across reuse). */
  tunnelAddr: Uint32Array | null = null;
  /** The run's uid salt (FlowOptions.uidSalt), kept for the lazy uid. */
  uidSalt = 0;
  /** The uid once asked for (plugins, emission): made from `seq` lazily, no string per packet or start. */
  private uidText = '';
  srcPort = 0;
  dstPort = 0;
  endReason: EndReason = 'eof';
  icmpType = -1; icmpCode = -1;
  history = '';
  origRexmit = 0; respRexmit = 0; origRexmitNext = 1; respRexmitNext = 1;
  origZeroWin = 0; respZeroWin = 0; origZeroWinNext = 1; respZeroWinNext = 1;

  /** Record the tunnel (chain, outermost endpoints) of the flow's first packet. */
  setTunnel(p: DecodedPacket): void {
    this.tunnelChain = p.tunnelChain;
    const a = (this.tunnelAddr ??= new Uint32Array(9));
    a[0] = p.tunnelIpVersion;
    if (p.tunnelIpVersion === 4) {
      a[1] = p.tunnelSrc4; a[5] = p.tunnelDst4;
      a[2] = a[3] = a[4] = a[6] = a[7] = a[8] = 0;
    } else {
      a.set(p.tunnelSrc6, 1);
      a.set(p.tunnelDst6, 5);
    }
  }

  get uid(): string {
    if (this.uidText === '') this.uidText = makeUid(this.seq, this.uidSalt);
    return this.uidText;
  }

  constructor(nPlugins: number) {
    this.pluginState = nPlugins === 0 ? EMPTY : new Array<unknown>(2 * nPlugins).fill(undefined);
    this.pluginsLeft = nPlugins;
  }

  /** Back to the state of a new Flow, for reuse from the meter's pool (fewer old-generation GCs). */
  reset(): void {
    this.ver = 4; this.proto = 0; this.vlan = 0; this.aPort = 0; this.bPort = 0;
    this.base = 0; this.hash = 0; this.chain = null;
    this.list = ListId.None; this.prev = this.next = this.sPrev = this.sNext = null;
    this.seq = 0; this.uidSalt = 0; this.vlanId = 0; this.tunnelChain = 0; this.uidText = ''; this.origIsA = true; this.srcPort = 0; this.dstPort = 0;
    if (this.pluginState.length !== 0) this.pluginState.fill(undefined);
    this.pluginsLeft = this.pluginState.length >> 1;
    this.endReason = 'eof';
    this.origPkts = this.respPkts = this.origBytes = this.respBytes = this.origIpBytes = this.respIpBytes = 0;
    this.urgent = 0; this.wrongFragment = 0; this.icmpType = -1; this.icmpCode = -1;
    this.origState = this.respState = this.origPrev = this.respPrev = TcpState.Inactive;
    this.origInit = this.respInit = false;
    this.history = ''; this.histSeen = 0;
    this.origRexmit = this.respRexmit = 0; this.origRexmitNext = this.respRexmitNext = 1;
    this.origZeroWin = this.respZeroWin = 0; this.origZeroWinNext = this.respZeroWinNext = 1;
  }
}

const EMPTY: unknown[] = [];

export class FlowTable {
  /**
   * Hash index: buckets (a power of two, at most ~1 flow per bucket on average) of flows chained
   * through `Flow.chain`. Plain array + mask instead of Map<number, Flow>: no hashing of the key
   * again inside the Map, one array load per lookup (measured faster per packet).
   */
  private buckets: (Flow | null)[] = new Array<Flow | null>(1024).fill(null);
  private mask = 1023;
  size = 0;
  /** Number records of all flows (STRIDE values each); replaced when it grows: re-read after insert(). */
  num = new Float64Array(1024 * STRIDE);
  private nextBase = 0;
  private readonly free: number[] = [];
  activeHead: Flow | null = null;
  activeTail: Flow | null = null;
  closingHead: Flow | null = null;
  closingTail: Flow | null = null;
  startHead: Flow | null = null;
  startTail: Flow | null = null;

  /** The start-order list is always kept: it also answers oldestLiveStart() for the window stage. */
  private readonly trackStart = true;

  constructor() {
    // Replaced when the table grows, long after the packet loop was optimised (scripts/bench-flow.ts).
    keepMutable(this, 'num', new Float64Array(this.num.length), this.num);
    keepMutable(this, 'buckets', this.buckets.slice(), this.buckets);
    keepMutable(this, 'mask', 0, this.buckets.length - 1);
  }

  find(k: KeyScratch): Flow | null {
    const h = k.hash;
    let f = this.buckets[h & this.mask] as Flow | null;
    while (f !== null) {
      if (f.hash === h && keyEquals(f, k, this.num)) return f;
      f = f.chain;
    }
    return null;
  }

  insert(f: Flow, k: KeyScratch, now: number): void {
    f.base = this.allocRecord();
    const num = this.num;
    num.fill(0, f.base, f.base + STRIDE);
    copyKey(f, k, num);
    f.hash = k.hash;
    if (this.size >= this.buckets.length) this.grow();
    const b = k.hash & this.mask;
    f.chain = this.buckets[b] as Flow | null;
    this.buckets[b] = f;
    this.size++;
    num[f.base + N.TOUCH] = now;
    num[f.base + N.QUEUED] = now;
    this.append(f, ListId.Active);
    if (this.trackStart) {
      f.sPrev = this.startTail;
      f.sNext = null;
      if (this.startTail !== null) this.startTail.sNext = f;
      else this.startHead = f;
      this.startTail = f;
    }
  }

  /** Remove from the index and every list. */
  remove(f: Flow): void {
    const b = f.hash & this.mask;
    const head = this.buckets[b] as Flow | null;
    if (head === f) {
      this.buckets[b] = f.chain;
    } else {
      let p = head!;
      while (p.chain !== f) p = p.chain!;
      p.chain = f.chain;
    }
    f.chain = null;
    this.size--;
    this.free.push(f.base);
    this.unlink(f);
    if (this.trackStart) {
      if (f.sPrev !== null) f.sPrev.sNext = f.sNext;
      else this.startHead = f.sNext;
      if (f.sNext !== null) f.sNext.sPrev = f.sPrev;
      else this.startTail = f.sPrev;
      f.sPrev = f.sNext = null;
    }
  }

  /**
   * The idle timer found this flow at the head although it was touched since it was queued: move
   * it to the tail, queued now (lazy LRU — a packet only writes its touch time, and a flow is
   * re-queued at most once per idle period instead of on every packet).
   */
  requeue(f: Flow, now: number): void {
    this.num[f.base + N.QUEUED] = now;
    if (f === this.activeTail) return;
    this.unlink(f);
    this.append(f, ListId.Active);
  }

  /** The flow closed (TCP FINs / RST): move it to the closing list. */
  close(f: Flow, now: number): void {
    if (f.list === ListId.Closing) return;
    this.unlink(f);
    this.num[f.base + N.CLOSE] = now;
    this.append(f, ListId.Closing);
  }

  /** Twice the buckets; every live flow is on the start-order list, so re-chain from there. */
  private grow(): void {
    const n = this.buckets.length * 2;
    const buckets = new Array<Flow | null>(n).fill(null);
    const mask = n - 1;
    for (let f = this.startHead; f !== null; f = f.sNext) {
      const b = f.hash & mask;
      f.chain = buckets[b] as Flow | null;
      buckets[b] = f;
    }
    this.buckets = buckets;
    this.mask = mask;
  }

  private allocRecord(): number {
    const b = this.free.pop();
    if (b !== undefined) return b;
    if (this.nextBase + STRIDE > this.num.length) {
      const bigger = new Float64Array(this.num.length * 2);
      bigger.set(this.num);
      this.num = bigger;
    }
    const base = this.nextBase;
    this.nextBase += STRIDE;
    return base;
  }

  private append(f: Flow, list: ListId): void {
    f.list = list;
    f.next = null;
    if (list === ListId.Active) {
      f.prev = this.activeTail;
      if (this.activeTail !== null) this.activeTail.next = f;
      else this.activeHead = f;
      this.activeTail = f;
    } else {
      f.prev = this.closingTail;
      if (this.closingTail !== null) this.closingTail.next = f;
      else this.closingHead = f;
      this.closingTail = f;
    }
  }

  private unlink(f: Flow): void {
    if (f.list === ListId.None) return;
    const active = f.list === ListId.Active;
    if (f.prev !== null) f.prev.next = f.next;
    else if (active) this.activeHead = f.next;
    else this.closingHead = f.next;
    if (f.next !== null) f.next.prev = f.prev;
    else if (active) this.activeTail = f.prev;
    else this.closingTail = f.prev;
    f.prev = f.next = null;
    f.list = ListId.None;
  }
}
