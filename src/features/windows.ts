/**
 * KDD traffic features 23–41 over connections ordered by START time, streaming and exact.
 *
 * - Time window (23–31): connections that started in [ts − timeWindow, ts] (default 2 s), up to and
 *   including the current one. `count` = same destination host, `srv_count` = same service (any host).
 * - Host window (32–41): the last `hostWindow` connections (default 100), the current one included.
 *   `dst_host_count` = same destination host, `dst_host_srv_count` = same service (any host).
 * - Rates: same_srv/diff_srv over the same-host set; srv_diff_host over the same-service set;
 *   dst_host_same_src_port_rate = share of the same-host set with this flow's source port; error
 *   rates with SYN errors {S0,S1,S2,S3,SH} and REJ errors {REJ,RSTO,RSTR,RSTOS0}; a rate with a zero
 *   denominator is 0 (cannot happen while the current connection is counted, kept for safety).
 *
 * Cost: O(1) amortised per connection (per-host/per-service counters updated on insert and
 * eviction), never a rescan of the window; a SYN flood with 100 k connections in 2 s costs the same
 * per connection as quiet traffic.
 *
 * Streaming: flows arrive in END order (the flow meter emits them when they finish). `StartOrderBuffer`
 * holds finished flows in a start-ordered heap and releases one only when no live flow started
 * earlier (`oldestLiveStart` from the meter), so every window sees the FINAL flags of earlier
 * connections. The wait is bounded by the meter's active timeout; with it off, a flow that stays open
 * for a long time holds back the rows of flows that started after it (up to `maxHeld`, after which
 * rows are released early and counted as `forcedReleases`).
 */
import { keepMutable } from '../v8-workarounds.ts';

export { StartOrderBuffer } from './start-order.ts';

export interface WindowOptions {
  /** Time window in seconds (default 2). */
  timeWindow?: number;
  /** Host window in connections (default 100). */
  hostWindow?: number;
}

/** One connection as the windows see it. */
export interface WindowConn {
  startTs: number;
  /** Destination host key (address string). */
  dstHost: string;
  /** Service index 0..69 (SERVICE_INDEX) — any small integer < 128 works. */
  service: number;
  srcPort: number;
  /** 0 none, 1 SYN error, 2 REJ error (errorClass). */
  err: number;
}

export interface WindowFeatures {
  count: number;
  srv_count: number;
  serror_rate: number;
  srv_serror_rate: number;
  rerror_rate: number;
  srv_rerror_rate: number;
  same_srv_rate: number;
  diff_srv_rate: number;
  srv_diff_host_rate: number;
  dst_host_count: number;
  dst_host_srv_count: number;
  dst_host_same_srv_rate: number;
  dst_host_diff_srv_rate: number;
  dst_host_same_src_port_rate: number;
  dst_host_srv_diff_host_rate: number;
  dst_host_serror_rate: number;
  dst_host_srv_serror_rate: number;
  dst_host_rerror_rate: number;
  dst_host_srv_rerror_rate: number;
}

export function emptyWindowFeatures(): WindowFeatures {
  return {
    count: 0, srv_count: 0, serror_rate: 0, srv_serror_rate: 0, rerror_rate: 0, srv_rerror_rate: 0,
    same_srv_rate: 0, diff_srv_rate: 0, srv_diff_host_rate: 0, dst_host_count: 0, dst_host_srv_count: 0,
    dst_host_same_srv_rate: 0, dst_host_diff_srv_rate: 0, dst_host_same_src_port_rate: 0,
    dst_host_srv_diff_host_rate: 0, dst_host_serror_rate: 0, dst_host_srv_serror_rate: 0,
    dst_host_rerror_rate: 0, dst_host_srv_rerror_rate: 0,
  };
}

/** Per destination host: counters of both windows (shared object, interned while referenced). */
class Host {
  refs = 0;
  // time window
  tN = 0;
  tSerr = 0;
  tRerr = 0;
  // host window
  hN = 0;
  hSerr = 0;
  hRerr = 0;
  constructor(readonly key: string, readonly id: number) {}
}

const SVC_SLOTS = 128;

function rate(num: number, den: number): number {
  return den > 0 ? num / den : 0;
}

/**
 * Counts per integer key (0 ≤ key < 2^53): open addressing with linear probing in typed arrays,
 * deletion by backward shift (no tombstones), so counting allocates nothing and keys need no boxing
 * (a Map<number, number> boxed every key above 2^30 and cost two hash lookups per update).
 */
export class CountTable {
  private keys: Float64Array;
  private counts: Int32Array;
  private mask: number;
  private shift: number;
  /** Keys with a count > 0. */
  size = 0;

  constructor(capacity = 256) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.keys = new Float64Array(cap).fill(-1);
    this.counts = new Int32Array(cap);
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
    // Replaced when the table grows, after add() was optimised (scripts/bench-rows.ts).
    keepMutable(this, 'keys', this.keys.slice(), this.keys);
    keepMutable(this, 'counts', this.counts.slice(), this.counts);
    keepMutable(this, 'mask', 0, cap - 1);
    keepMutable(this, 'shift', 0, 32 - Math.log2(cap));
  }

  private home(k: number): number {
    // Fibonacci hashing of the low and high 32 bits.
    return Math.imul((k | 0) ^ Math.imul((k / 4294967296) | 0, 0x27d4eb2d), 0x9e3779b1) >>> this.shift;
  }

  /** Count of `k` (0 when absent). */
  get(k: number): number {
    const keys = this.keys;
    for (let i = this.home(k); ; i = (i + 1) & this.mask) {
      const x = keys[i]!;
      if (x === k) return this.counts[i]!;
      if (x === -1) return 0;
    }
  }

  /** Add one to the count of `k`; returns the new count. */
  inc(k: number): number {
    const keys = this.keys;
    for (let i = this.home(k); ; i = (i + 1) & this.mask) {
      const x = keys[i]!;
      if (x === k) return ++this.counts[i]!;
      if (x === -1) {
        keys[i] = k;
        this.counts[i] = 1;
        if (++this.size * 2 > keys.length) this.grow();
        return 1;
      }
    }
  }

  /** Take one from the count of `k` (which must be > 0); the key goes at 0. */
  dec(k: number): void {
    const keys = this.keys;
    const mask = this.mask;
    let i = this.home(k);
    while (keys[i] !== k) i = (i + 1) & mask;
    if (--this.counts[i]! > 0) return;
    this.size--;
    // Backward shift: move later entries of the probe run into the hole unless their home lies
    // cyclically in (hole, position].
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const x = keys[j]!;
      if (x === -1) break;
      const h = this.home(x);
      const stays = i <= j ? i < h && h <= j : i < h || h <= j;
      if (!stays) {
        keys[i] = x;
        this.counts[i] = this.counts[j]!;
        i = j;
      }
    }
    keys[i] = -1;
    this.counts[i] = 0;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldCounts = this.counts;
    const cap = oldKeys.length * 2;
    this.keys = new Float64Array(cap).fill(-1);
    this.counts = new Int32Array(cap);
    this.mask = cap - 1;
    this.shift--;
    const keys = this.keys;
    for (let j = 0; j < oldKeys.length; j++) {
      const x = oldKeys[j]!;
      if (x === -1) continue;
      let i = this.home(x);
      while (keys[i] !== -1) i = (i + 1) & this.mask;
      keys[i] = x;
      this.counts[i] = oldCounts[j]!;
    }
  }
}

/** Hosts no window references are kept for reuse until there are this many (and more than the live ones). */
const IDLE_HOSTS_KEPT = 4096;

/** The two KDD windows with incremental counters. Feed connections in start order via `add`. */
export class TrafficWindows {
  readonly timeWindow: number;
  readonly hostWindow: number;

  private readonly hosts = new Map<string, Host>();
  private nextHostId = 1;
  /** Ids of forgotten hosts, reused (keeps the counter keys small). */
  private readonly freeIds: number[] = [];
  /** Hosts in `hosts` that no window references (kept for reuse, swept in bulk). */
  private idleHosts = 0;

  // time window: FIFO ring of connections (grows as needed)
  private tCap = 1024;
  private tHead = 0;
  private tLen = 0;
  private tStart = new Float64Array(this.tCap);
  private tSvc = new Uint8Array(this.tCap);
  private tErr = new Uint8Array(this.tCap);
  private tHost: (Host | undefined)[] = new Array(this.tCap);
  private readonly tSvcN = new Int32Array(SVC_SLOTS);
  private readonly tSvcSerr = new Int32Array(SVC_SLOTS);
  private readonly tSvcRerr = new Int32Array(SVC_SLOTS);
  private readonly tHostSvc = new CountTable();

  // host window: fixed ring of the last N connections
  private hHead = 0;
  private hLen = 0;
  private readonly hSvc: Uint8Array;
  private readonly hErr: Uint8Array;
  private readonly hPort: Int32Array;
  private readonly hHost: (Host | undefined)[];
  private readonly hSvcN = new Int32Array(SVC_SLOTS);
  private readonly hSvcSerr = new Int32Array(SVC_SLOTS);
  private readonly hSvcRerr = new Int32Array(SVC_SLOTS);
  private readonly hHostSvc = new CountTable();
  private readonly hHostPort = new CountTable();

  /** Start time of the latest connection added (to detect out-of-order input). */
  lastStart = -Infinity;

  constructor(opts: WindowOptions = {}) {
    this.timeWindow = opts.timeWindow ?? 2;
    this.hostWindow = opts.hostWindow ?? 100;
    if (!(this.timeWindow >= 0) || !Number.isFinite(this.timeWindow)) throw new RangeError(`time window must be a finite number ≥ 0, got ${this.timeWindow}`);
    if (!Number.isInteger(this.hostWindow) || this.hostWindow < 1) throw new RangeError(`host window must be an integer ≥ 1, got ${this.hostWindow}`);
    const n = this.hostWindow;
    this.hSvc = new Uint8Array(n);
    this.hErr = new Uint8Array(n);
    this.hPort = new Int32Array(n);
    this.hHost = new Array(n);
    // The time-window ring grows in a burst of connections, after add() was optimised (scripts/bench-rows.ts).
    keepMutable(this, 'tStart', new Float64Array(this.tCap), this.tStart);
    keepMutable(this, 'tSvc', new Uint8Array(this.tCap), this.tSvc);
    keepMutable(this, 'tErr', new Uint8Array(this.tCap), this.tErr);
    keepMutable(this, 'tHost', new Array(this.tCap) as typeof this.tHost, this.tHost);
    keepMutable(this, 'tCap', 0, this.tStart.length);
  }

  /** Distinct destination hosts referenced by the windows. */
  get hostCount(): number {
    return this.hosts.size - this.idleHosts;
  }

  /** Host entries held, referenced or kept for reuse (memory check: ≤ 2 · hostCount + 4096). */
  get hostsHeld(): number {
    return this.hosts.size;
  }

  /** Connections currently in the time window. */
  get timeWindowSize(): number {
    return this.tLen;
  }

  private host(key: string): Host {
    let h = this.hosts.get(key);
    if (h === undefined) {
      h = new Host(key, this.freeIds.length > 0 ? this.freeIds.pop()! : this.nextHostId++);
      this.hosts.set(key, h);
    } else if (h.refs === 0) this.idleHosts--;
    return h;
  }

  /**
   * One window reference of `h` gone. A host no window references is kept (its counters are all 0)
   * so that the next connection to it finds it: destinations come back, and deleting and recreating
   * them cost a Map deletion, an insertion and an object each time. They are swept in bulk when
   * they outnumber both IDLE_HOSTS_KEPT and the live hosts (memory stays bounded).
   */
  private release(h: Host): void {
    if (--h.refs !== 0) return;
    if (++this.idleHosts > IDLE_HOSTS_KEPT && this.idleHosts * 2 > this.hosts.size) this.sweepHosts();
  }

  private sweepHosts(): void {
    for (const [key, h] of this.hosts) {
      if (h.refs !== 0) continue;
      this.hosts.delete(key);
      this.freeIds.push(h.id);
    }
    this.idleHosts = 0;
  }

  /**
   * Add connection `c` (start order) and write its 19 window features into `out` (the windows
   * include `c` itself). Returns `out`.
   */
  add(c: WindowConn, out: WindowFeatures = emptyWindowFeatures()): WindowFeatures {
    const svc = c.service;
    const err = c.err;
    const serr = err === 1 ? 1 : 0;
    const rerr = err === 2 ? 1 : 0;
    const t = c.startTs;
    if (t > this.lastStart) this.lastStart = t;

    // ---------------- time window: evict, insert, read ----------------
    const lo = t - this.timeWindow;
    while (this.tLen > 0 && this.tStart[this.tHead]! < lo) this.evictTime();
    // The host is looked up after the eviction (which may release this very host's last reference).
    const h = this.host(c.dstHost);
    this.pushTime(t, h, svc, err);
    h.tN++;
    h.tSerr += serr;
    h.tRerr += rerr;
    this.tSvcN[svc]!++;
    this.tSvcSerr[svc]! += serr;
    this.tSvcRerr[svc]! += rerr;
    const tSame = this.tHostSvc.inc(h.id * SVC_SLOTS + svc);

    const count = h.tN;
    const srvCount = this.tSvcN[svc]!;
    out.count = count;
    out.srv_count = srvCount;
    out.serror_rate = rate(h.tSerr, count);
    out.srv_serror_rate = rate(this.tSvcSerr[svc]!, srvCount);
    out.rerror_rate = rate(h.tRerr, count);
    out.srv_rerror_rate = rate(this.tSvcRerr[svc]!, srvCount);
    out.same_srv_rate = rate(tSame, count);
    out.diff_srv_rate = rate(count - tSame, count);
    out.srv_diff_host_rate = rate(srvCount - tSame, srvCount);

    // ---------------- host window: evict oldest if full, insert, read ----------------
    const n = this.hostWindow;
    let slot: number;
    if (this.hLen === n) {
      slot = this.hHead;
      this.evictHost(slot);
      this.hHead = (this.hHead + 1) % n;
    } else {
      slot = (this.hHead + this.hLen) % n;
      this.hLen++;
    }
    h.refs++;
    this.hHost[slot] = h;
    this.hSvc[slot] = svc;
    this.hErr[slot] = err;
    this.hPort[slot] = c.srcPort;
    h.hN++;
    h.hSerr += serr;
    h.hRerr += rerr;
    this.hSvcN[svc]!++;
    this.hSvcSerr[svc]! += serr;
    this.hSvcRerr[svc]! += rerr;
    const hSame = this.hHostSvc.inc(h.id * SVC_SLOTS + svc);
    const hPort = this.hHostPort.inc(h.id * 65536 + (c.srcPort & 0xffff));

    const hc = h.hN;
    const hs = this.hSvcN[svc]!;
    out.dst_host_count = hc;
    out.dst_host_srv_count = hs;
    out.dst_host_same_srv_rate = rate(hSame, hc);
    out.dst_host_diff_srv_rate = rate(hc - hSame, hc);
    out.dst_host_same_src_port_rate = rate(hPort, hc);
    out.dst_host_srv_diff_host_rate = rate(hs - hSame, hs);
    out.dst_host_serror_rate = rate(h.hSerr, hc);
    out.dst_host_srv_serror_rate = rate(this.hSvcSerr[svc]!, hs);
    out.dst_host_rerror_rate = rate(h.hRerr, hc);
    out.dst_host_srv_rerror_rate = rate(this.hSvcRerr[svc]!, hs);
    return out;
  }

  private pushTime(t: number, h: Host, svc: number, err: number): void {
    if (this.tLen === this.tCap) this.growTime();
    const i = (this.tHead + this.tLen) % this.tCap;
    this.tStart[i] = t;
    this.tHost[i] = h;
    this.tSvc[i] = svc;
    this.tErr[i] = err;
    this.tLen++;
    h.refs++;
  }

  private growTime(): void {
    const cap = this.tCap * 2;
    const start = new Float64Array(cap);
    const svc = new Uint8Array(cap);
    const err = new Uint8Array(cap);
    const host: (Host | undefined)[] = new Array(cap);
    for (let k = 0; k < this.tLen; k++) {
      const i = (this.tHead + k) % this.tCap;
      start[k] = this.tStart[i]!;
      svc[k] = this.tSvc[i]!;
      err[k] = this.tErr[i]!;
      host[k] = this.tHost[i];
    }
    this.tStart = start;
    this.tSvc = svc;
    this.tErr = err;
    this.tHost = host;
    this.tCap = cap;
    this.tHead = 0;
  }

  private evictTime(): void {
    const i = this.tHead;
    const h = this.tHost[i]!;
    const svc = this.tSvc[i]!;
    const err = this.tErr[i]!;
    const serr = err === 1 ? 1 : 0;
    const rerr = err === 2 ? 1 : 0;
    h.tN--;
    h.tSerr -= serr;
    h.tRerr -= rerr;
    this.tSvcN[svc]!--;
    this.tSvcSerr[svc]! -= serr;
    this.tSvcRerr[svc]! -= rerr;
    this.tHostSvc.dec(h.id * SVC_SLOTS + svc);
    this.tHost[i] = undefined;
    this.tHead = (i + 1) % this.tCap;
    this.tLen--;
    this.release(h);
  }

  private evictHost(slot: number): void {
    const h = this.hHost[slot]!;
    const svc = this.hSvc[slot]!;
    const err = this.hErr[slot]!;
    const serr = err === 1 ? 1 : 0;
    const rerr = err === 2 ? 1 : 0;
    h.hN--;
    h.hSerr -= serr;
    h.hRerr -= rerr;
    this.hSvcN[svc]!--;
    this.hSvcSerr[svc]! -= serr;
    this.hSvcRerr[svc]! -= rerr;
    this.hHostSvc.dec(h.id * SVC_SLOTS + svc);
    this.hHostPort.dec(h.id * 65536 + (this.hPort[slot]! & 0xffff));
    this.hHost[slot] = undefined;
    this.release(h);
  }
}
