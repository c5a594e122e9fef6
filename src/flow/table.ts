/**
 * The live-flow table: a hash index (Map<30-bit hash, chain head>, collisions chained through the
 * flows) plus intrusive doubly-linked lists that order flows for the timers, so expiry never scans
 * the table:
 *   - `active`: open flows by last packet (LRU: a packet moves its flow to the tail), idle timeout
 *     and maxFlows eviction take from the head;
 *   - `closing`: TCP flows that finished (both FINs or a RST), by close time; they linger a few
 *     seconds so late ACKs/RSTs join them;
 *   - `started`: all flows by creation (= start) time: the active timeout and oldestLiveStart().
 * Every timer runs on packet time.
 */
import type { FlowContext } from './plugin.ts';
import type { EndReason } from './record.ts';
import { type FlowKeyFields, type KeyScratch, copyKey, keyEquals } from './key.ts';
import { TcpState, type TcpEndpoints } from './tcp-state.ts';

export const enum ListId { None = 0, Active = 1, Closing = 2 }

/** One live bidirectional flow. Fields are plain numbers (monomorphic, no per-packet allocation). */
export class Flow implements FlowKeyFields, FlowContext, TcpEndpoints {
  // ---- key (A = lower endpoint) ----
  ver = 4; proto = 0; vlan = 0;
  a0 = 0; a1 = 0; a2 = 0; a3 = 0; aPort = 0;
  b0 = 0; b1 = 0; b2 = 0; b3 = 0; bPort = 0;
  hash = 0;
  /** Next flow in the same hash bucket. */
  chain: Flow | null = null;
  // ---- lists ----
  list: ListId = ListId.None;
  prev: Flow | null = null;
  next: Flow | null = null;
  sPrev: Flow | null = null;
  sNext: Flow | null = null;
  // ---- identity ----
  seq = 0;
  uid = '';
  /** True when endpoint A is the originator. */
  origIsA = true;
  srcPort = 0;
  dstPort = 0;
  slots: unknown[];
  // ---- times ----
  startTs = 0;
  endTs = 0;
  /** Monotonic packet clock at the last touch (drives the LRU order). */
  touchTs = 0;
  closeTs = 0;
  endReason: EndReason = 'eof';
  // ---- counters ----
  origPkts = 0; respPkts = 0;
  origBytes = 0; respBytes = 0;
  origIpBytes = 0; respIpBytes = 0;
  urgent = 0;
  wrongFragment = 0;
  icmpType = -1; icmpCode = -1;
  // ---- TCP ----
  origState: TcpState = TcpState.Inactive;
  respState: TcpState = TcpState.Inactive;
  origPrev: TcpState = TcpState.Inactive;
  respPrev: TcpState = TcpState.Inactive;
  /** Originator's ISN (first SYN's seq), -1 when no SYN seen. */
  origIsn = -1;
  respIsn = -1;
  /** Per direction: next expected sequence number (highest seen end), hole [s,e) for reordering. */
  origInit = false; respInit = false;
  origHi = 0; respHi = 0;
  origHoleS = 0; origHoleE = 0; respHoleS = 0; respHoleE = 0;
  // ---- history ----
  history = '';
  histSeen = 0;
  origLastSyn = -1; origLastFin = -1; origLastRst = -1;
  respLastSyn = -1; respLastFin = -1; respLastRst = -1;
  origRexmit = 0; respRexmit = 0; origRexmitNext = 1; respRexmitNext = 1;
  origZeroWin = 0; respZeroWin = 0; origZeroWinNext = 1; respZeroWinNext = 1;

  constructor(nSlots: number) {
    this.slots = nSlots === 0 ? EMPTY : new Array<unknown>(nSlots).fill(undefined);
  }
}

const EMPTY: unknown[] = [];

export class FlowTable {
  private readonly index = new Map<number, Flow>();
  size = 0;
  activeHead: Flow | null = null;
  activeTail: Flow | null = null;
  closingHead: Flow | null = null;
  closingTail: Flow | null = null;
  startHead: Flow | null = null;
  startTail: Flow | null = null;

  /** The start-order list is always kept: it also answers oldestLiveStart() for the window stage. */
  private readonly trackStart = true;

  find(k: KeyScratch): Flow | null {
    let f: Flow | null | undefined = this.index.get(k.hash);
    while (f !== undefined && f !== null) {
      if (keyEquals(f, k)) return f;
      f = f.chain;
    }
    return null;
  }

  insert(f: Flow, k: KeyScratch, now: number): void {
    copyKey(f, k);
    f.hash = k.hash;
    const head = this.index.get(k.hash);
    f.chain = head === undefined ? null : head;
    this.index.set(k.hash, f);
    this.size++;
    f.touchTs = now;
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
    const head = this.index.get(f.hash)!;
    if (head === f) {
      if (f.chain === null) this.index.delete(f.hash);
      else this.index.set(f.hash, f.chain);
    } else {
      let p = head;
      while (p.chain !== f) p = p.chain!;
      p.chain = f.chain;
    }
    f.chain = null;
    this.size--;
    this.unlink(f);
    if (this.trackStart) {
      if (f.sPrev !== null) f.sPrev.sNext = f.sNext;
      else this.startHead = f.sNext;
      if (f.sNext !== null) f.sNext.sPrev = f.sPrev;
      else this.startTail = f.sPrev;
      f.sPrev = f.sNext = null;
    }
  }

  /** A packet of an open flow: move it to the LRU tail (no-op when already there). */
  touch(f: Flow, now: number): void {
    f.touchTs = now;
    if (f.list !== ListId.Active || f === this.activeTail) return;
    // unlink (f is not the tail, so f.next !== null)
    const n = f.next!;
    if (f.prev !== null) f.prev.next = n;
    else this.activeHead = n;
    n.prev = f.prev;
    f.prev = this.activeTail;
    f.next = null;
    this.activeTail!.next = f;
    this.activeTail = f;
  }

  /** The flow closed (TCP FINs / RST): move it to the closing list. */
  close(f: Flow, now: number): void {
    if (f.list === ListId.Closing) return;
    this.unlink(f);
    f.closeTs = now;
    this.append(f, ListId.Closing);
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
