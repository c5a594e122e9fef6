import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CountTable, StartOrderBuffer, TrafficWindows, type WindowConn, type WindowFeatures } from '../../src/features/windows.ts';
import { errorClass } from '../../src/features/basic.ts';
import { SERVICE_INDEX } from '../../src/features/services.ts';
import type { FlowRecord } from '../../src/flow/record.ts';

const svc = (name: string): number => SERVICE_INDEX.get(name)!;
const conn = (startTs: number, dstHost: string, service: string, flag: string, srcPort = 40000): WindowConn => ({
  startTs, dstHost, service: svc(service), srcPort, err: errorClass(flag),
});

function run(conns: WindowConn[], opts = {}): WindowFeatures[] {
  const w = new TrafficWindows(opts);
  return conns.map((c) => ({ ...w.add(c) }));
}

describe('TrafficWindows on hand-checkable sequences', () => {
  it('a lone connection counts itself: count 1, same_srv_rate 1, its own error class', () => {
    const [f] = run([conn(100, '10.0.0.1', 'http', 'SF')]);
    expect(f!.count).toBe(1);
    expect(f!.srv_count).toBe(1);
    expect(f!.same_srv_rate).toBe(1);
    expect(f!.diff_srv_rate).toBe(0);
    expect(f!.srv_diff_host_rate).toBe(0);
    expect(f!.serror_rate).toBe(0);
    expect(f!.dst_host_count).toBe(1);
    expect(f!.dst_host_srv_count).toBe(1);
    expect(f!.dst_host_same_srv_rate).toBe(1);
    expect(f!.dst_host_same_src_port_rate).toBe(1);
    const [s0] = run([conn(100, '10.0.0.1', 'private', 'S0')]);
    expect(s0!.serror_rate).toBe(1);
    expect(s0!.srv_serror_rate).toBe(1);
    expect(s0!.dst_host_serror_rate).toBe(1);
    expect(s0!.rerror_rate).toBe(0);
    const [rej] = run([conn(100, '10.0.0.1', 'private', 'REJ')]);
    expect(rej!.rerror_rate).toBe(1);
    expect(rej!.dst_host_srv_rerror_rate).toBe(1);
    expect(rej!.serror_rate).toBe(0);
  });

  it('5 SYNs (S0) to one host within 2 s: count 5, serror_rate 1.00', () => {
    const fs = run([0, 0.4, 0.9, 1.3, 1.8].map((t, i) => conn(1000 + t, '10.0.0.9', 'private', 'S0', 50000 + i)));
    expect(fs.map((f) => f.count)).toEqual([1, 2, 3, 4, 5]);
    expect(fs[4]!.serror_rate).toBe(1);
    expect(fs[4]!.srv_count).toBe(5);
    expect(fs[4]!.srv_serror_rate).toBe(1);
    expect(fs[4]!.dst_host_count).toBe(5);
    expect(fs[4]!.dst_host_serror_rate).toBe(1);
    // different source ports: only this flow's own port matches
    expect(fs[4]!.dst_host_same_src_port_rate).toBeCloseTo(1 / 5, 12);
  });

  it('every SYN-error flag (S0 S1 S2 S3 SH) and REJ-error flag (REJ RSTO RSTR RSTOS0) counts; SF/OTH/RSTRH/SHR do not', () => {
    const flags = ['S0', 'S1', 'S2', 'S3', 'SH', 'REJ', 'RSTO', 'RSTR', 'RSTOS0', 'SF', 'OTH', 'RSTRH', 'SHR'];
    const fs = run(flags.map((fl, i) => conn(10 + i * 0.01, '10.1.1.1', 'http', fl)));
    const last = fs[fs.length - 1]!;
    expect(last.count).toBe(13);
    expect(last.serror_rate).toBeCloseTo(5 / 13, 12);
    expect(last.rerror_rate).toBeCloseTo(4 / 13, 12);
    expect(last.dst_host_serror_rate).toBeCloseTo(5 / 13, 12);
    expect(last.dst_host_srv_rerror_rate).toBeCloseTo(4 / 13, 12);
  });

  it('time window: [ts − 2 s, ts] by start time; older connections drop out', () => {
    const fs = run([conn(0, 'h', 'http', 'SF'), conn(1, 'h', 'http', 'SF'), conn(2, 'h', 'http', 'SF'), conn(2.5, 'h', 'http', 'SF'), conn(5, 'h', 'http', 'SF')]);
    expect(fs.map((f) => f.count)).toEqual([1, 2, 3, 3, 1]);
    // the host window (last 100) keeps all of them
    expect(fs.map((f) => f.dst_host_count)).toEqual([1, 2, 3, 4, 5]);
  });

  it('same/diff service over the same-host set; srv_diff_host over the same-service set', () => {
    // at t=10..10.4: A:http, A:ftp, B:http, A:http, C:smtp
    const fs = run([
      conn(10.0, 'A', 'http', 'SF'), conn(10.1, 'A', 'ftp', 'SF'), conn(10.2, 'B', 'http', 'SF'),
      conn(10.3, 'A', 'http', 'SF'), conn(10.4, 'C', 'smtp', 'SF'),
    ]);
    const f = fs[3]!; // A:http — same host {A:http, A:ftp, A:http} = 3; same service {A:http, B:http, A:http} = 3
    expect(f.count).toBe(3);
    expect(f.srv_count).toBe(3);
    expect(f.same_srv_rate).toBeCloseTo(2 / 3, 12);
    expect(f.diff_srv_rate).toBeCloseTo(1 / 3, 12);
    expect(f.srv_diff_host_rate).toBeCloseTo(1 / 3, 12);
    expect(f.dst_host_srv_diff_host_rate).toBeCloseTo(1 / 3, 12);
    const c = fs[4]!;
    expect(c.count).toBe(1);
    expect(c.same_srv_rate).toBe(1);
    expect(c.srv_count).toBe(1);
  });

  it('host window: last N connections (option), any host for dst_host_srv_count', () => {
    const conns: WindowConn[] = [];
    for (let i = 0; i < 6; i++) conns.push(conn(100 * i, i % 2 ? 'A' : 'B', 'http', i < 3 ? 'S0' : 'SF', 1234));
    const fs = run(conns, { hostWindow: 4 });
    // last one (i=5, host A): window = i=2..5 → hosts B,A,B,A → dst_host_count 2; all http → srv_count 4
    expect(fs[5]!.dst_host_count).toBe(2);
    expect(fs[5]!.dst_host_srv_count).toBe(4);
    expect(fs[5]!.dst_host_srv_diff_host_rate).toBeCloseTo(2 / 4, 12);
    expect(fs[5]!.dst_host_same_src_port_rate).toBe(1);
    // S0 ones in window: i=2 (B) only → host A serror 0, srv serror 1/4
    expect(fs[5]!.dst_host_serror_rate).toBe(0);
    expect(fs[5]!.dst_host_srv_serror_rate).toBeCloseTo(1 / 4, 12);
    // time windows are 100 s apart: each alone
    expect(fs.every((f) => f.count === 1 && f.srv_count === 1)).toBe(true);
  });

  it('a host whose last reference the time window drops while its next connection arrives keeps counting', () => {
    // A at 0 (host window of 2 then forgets it: B, C follow), A at 2.5 evicts A@0 — A's last
    // reference — and must still be the same host for A at 3: count 2 (A@2.5, A@3), dst_host_count 2.
    const fs = run([conn(0, 'A', 'http', 'SF'), conn(0.1, 'B', 'http', 'SF'), conn(0.2, 'C', 'http', 'SF'), conn(2.5, 'A', 'http', 'S0'), conn(3, 'A', 'http', 'SF')], { hostWindow: 2 });
    expect(fs.map((f) => f.count)).toEqual([1, 1, 1, 1, 2]);
    expect(fs[4]!.dst_host_count).toBe(2);
    expect(fs[4]!.serror_rate).toBe(0.5);
    expect(fs[4]!.same_srv_rate).toBe(1);
    expect(fs[4]!.srv_diff_host_rate).toBe(0);
  });

  it('time window size is an option', () => {
    const fs = run([conn(0, 'h', 'http', 'SF'), conn(5, 'h', 'http', 'SF'), conn(9, 'h', 'http', 'SF')], { timeWindow: 10 });
    expect(fs.map((f) => f.count)).toEqual([1, 2, 3]);
  });

  it('incremental counters equal a brute-force recount on random sequences (flood-sized windows included)', () => {
    const hosts = ['a', 'b', 'c', 'd'];
    const services = ['http', 'private', 'ftp', 'smtp', 'eco_i'];
    const flags = ['SF', 'S0', 'REJ', 'RSTO', 'SH', 'OTH'];
    fc.assert(
      fc.property(
        // gaps mostly short (dense windows), sometimes past the time window (hosts leave it)
        fc.array(fc.tuple(fc.oneof(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1500, max: 2600 })), fc.constantFrom(...hosts), fc.constantFrom(...services), fc.constantFrom(...flags), fc.integer({ min: 1000, max: 1003 })), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 20 }),
        (raw, hostWindow) => {
          let t = 0;
          const conns = raw.map(([dt, h, s, fl, p]) => conn((t += dt / 1000), h, s, fl, p));
          const got = run(conns, { hostWindow });
          conns.forEach((c, i) => {
            const tw = conns.slice(0, i + 1).filter((x) => x.startTs >= c.startTs - 2);
            const hw = conns.slice(Math.max(0, i + 1 - hostWindow), i + 1);
            const sameH = tw.filter((x) => x.dstHost === c.dstHost);
            const sameS = tw.filter((x) => x.service === c.service);
            const hH = hw.filter((x) => x.dstHost === c.dstHost);
            const hS = hw.filter((x) => x.service === c.service);
            const r = (n: number, d: number): number => (d ? n / d : 0);
            const g = got[i]!;
            expect(g.count).toBe(sameH.length);
            expect(g.srv_count).toBe(sameS.length);
            expect(g.serror_rate).toBeCloseTo(r(sameH.filter((x) => x.err === 1).length, sameH.length), 12);
            expect(g.srv_rerror_rate).toBeCloseTo(r(sameS.filter((x) => x.err === 2).length, sameS.length), 12);
            expect(g.same_srv_rate).toBeCloseTo(r(sameH.filter((x) => x.service === c.service).length, sameH.length), 12);
            expect(g.srv_diff_host_rate).toBeCloseTo(r(sameS.filter((x) => x.dstHost !== c.dstHost).length, sameS.length), 12);
            expect(g.dst_host_count).toBe(hH.length);
            expect(g.dst_host_srv_count).toBe(hS.length);
            expect(g.dst_host_same_src_port_rate).toBeCloseTo(r(hH.filter((x) => x.srcPort === c.srcPort).length, hH.length), 12);
            expect(g.dst_host_srv_diff_host_rate).toBeCloseTo(r(hS.filter((x) => x.dstHost !== c.dstHost).length, hS.length), 12);
            expect(g.dst_host_rerror_rate).toBeCloseTo(r(hH.filter((x) => x.err === 2).length, hH.length), 12);
            expect(g.dst_host_srv_serror_rate).toBeCloseTo(r(hS.filter((x) => x.err === 1).length, hS.length), 12);
            for (const v of Object.values(g)) expect(Number.isFinite(v)).toBe(true);
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('forgets hosts that left both windows (memory stays bounded)', () => {
    const w = new TrafficWindows({ hostWindow: 10 });
    for (let i = 0; i < 5000; i++) w.add(conn(i * 0.01, `10.0.${i >> 8}.${i & 255}`, 'http', 'SF'));
    expect(w.hostCount).toBeLessThanOrEqual(10 + 201);
    expect(w.timeWindowSize).toBe(201);
    // hosts no window references are kept for reuse only up to a bound
    for (let i = 0; i < 30000; i++) {
      w.add(conn(100 + i * 0.01, `10.1.${i >> 8}.${i & 255}`, 'http', 'SF'));
      expect(w.hostsHeld).toBeLessThanOrEqual(4096 + 2 * w.hostCount + 1);
    }
  });
});

function rec(uid: string, startTs: number): FlowRecord {
  return { uid, startTs } as FlowRecord;
}

describe('StartOrderBuffer', () => {
  it('releases in start order only when no earlier-started flow is open', () => {
    const b = new StartOrderBuffer();
    const out: string[] = [];
    const emit = (f: FlowRecord): void => void out.push(f.uid);
    // flows A(start 1) .. live; B(start 2) ends, C(start 3) ends; A ends
    b.push(rec('C', 3));
    b.release(1, emit); // A (start 1) still open
    b.push(rec('B', 2));
    b.release(1, emit);
    expect(out).toEqual([]);
    b.push(rec('A', 1));
    b.release(Infinity, emit);
    expect(out).toEqual(['A', 'B', 'C']);
  });

  it('ties on start time keep arrival order; release up to and including the oldest live start', () => {
    const b = new StartOrderBuffer();
    const out: string[] = [];
    const emit = (f: FlowRecord): void => void out.push(f.uid);
    b.push(rec('x', 5));
    b.push(rec('y', 5));
    b.push(rec('z', 6));
    b.release(5, emit);
    expect(out).toEqual(['x', 'y']);
    b.drain(emit);
    expect(out).toEqual(['x', 'y', 'z']);
  });

  it('caps what it holds (maxHeld) and counts the forced releases', () => {
    const b = new StartOrderBuffer(2);
    const out: string[] = [];
    for (let i = 0; i < 5; i++) b.push(rec(String(i), 10 + i));
    b.release(0, (f) => void out.push(f.uid));
    expect(out).toEqual(['0', '1', '2']);
    expect(b.forcedReleases).toBe(3);
    expect(b.size).toBe(2);
    expect(b.peakHeld).toBe(5);
  });
});

describe('StartOrderBuffer ordering under load', () => {
  it('drains any push order sorted by (start, arrival)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 3000 }), (starts) => {
        const b = new StartOrderBuffer();
        starts.forEach((t, i) => b.push(rec(String(i), t)));
        const out: FlowRecord[] = [];
        b.drain((f) => void out.push(f));
        const want = starts.map((t, i) => ({ t, i })).sort((x, y) => x.t - y.t || x.i - y.i).map((x) => String(x.i));
        expect(out.map((f) => f.uid)).toEqual(want);
      }),
      { numRuns: 40 },
    );
  });
});

describe('CountTable (integer-keyed counters of the windows)', () => {
  it('matches a Map model under any sequence of increments and decrements (growth and backward-shift deletion)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 2 ** 31 }), fc.maxSafeNat())), { maxLength: 3000 }),
        (ops) => {
          const t = new CountTable(4);
          const m = new Map<number, number>();
          for (const [up, k] of ops) {
            if (up || !m.has(k)) {
              const n = (m.get(k) ?? 0) + 1;
              m.set(k, n);
              if (t.inc(k) !== n) return false;
            } else {
              const n = m.get(k)! - 1;
              if (n === 0) m.delete(k);
              else m.set(k, n);
              t.dec(k);
            }
            if (t.size !== m.size) return false;
          }
          for (const [k, n] of m) if (t.get(k) !== n) return false;
          for (const [, k] of ops) if (!m.has(k) && t.get(k) !== 0) return false;
          return true;
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keys that share a probe run survive deletions of their neighbours', () => {
    const t = new CountTable(8);
    const keys = Array.from({ length: 200 }, (_, i) => i * 128 + (i % 7));
    for (const k of keys) t.inc(k);
    for (let i = 0; i < keys.length; i += 2) t.dec(keys[i]!);
    keys.forEach((k, i) => expect(t.get(k)).toBe(i % 2 ? 1 : 0));
    expect(t.size).toBe(100);
  });
});
