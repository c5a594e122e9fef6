import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TcpStream, type ReassemblyOptions } from '../../../src/flow/reassembly.ts';
import { TCP } from '../../../src/decode/packet.ts';

/** Records what a stream delivers: bytes as a string, gaps as `[gap N]`. */
function collector(opts?: ReassemblyOptions) {
  let out = '';
  const stream = new TcpStream(
    {
      data(buf, off, len) {
        out += Buffer.from(buf.subarray(off, off + len)).toString('latin1');
      },
      gap(len) {
        out += `[gap ${len}]`;
      },
    },
    opts,
  );
  const seg = (seq: number, text: string, flags = TCP.ACK | TCP.PSH) => {
    // Put the payload at an offset inside a bigger buffer, as a packet would have it.
    const buf = new Uint8Array(40 + text.length);
    buf.set(Buffer.from(text, 'latin1'), 40);
    stream.segment(seq >>> 0, flags, buf, 40, text.length);
  };
  return { stream, seg, get out() { return out; } };
}

describe('TcpStream reassembly', () => {
  it('starts after the SYN and delivers in-order segments', () => {
    const c = collector();
    c.stream.segment(1000, TCP.SYN, new Uint8Array(0), 0, 0);
    c.seg(1001, 'USER bob\r\n');
    c.seg(1011, 'PASS x\r\n');
    expect(c.out).toBe('USER bob\r\nPASS x\r\n');
    expect(c.stream.delivered).toBe(18);
  });

  it('starts at the first data segment when the SYN was not captured', () => {
    const c = collector();
    c.seg(5000, 'abc');
    c.seg(5003, 'def');
    expect(c.out).toBe('abcdef');
  });

  it('holds out-of-order segments until the hole is filled', () => {
    const c = collector();
    c.stream.segment(0, TCP.SYN, new Uint8Array(0), 0, 0);
    c.seg(1, 'aaaa');
    c.seg(9, 'cccc'); // ahead: held
    c.seg(13, 'dd'); // ahead: held
    expect(c.out).toBe('aaaa');
    c.seg(5, 'bbbb'); // fills the hole: b, then the held c and d
    expect(c.out).toBe('aaaabbbbccccdd');
  });

  it('drops retransmissions and trims overlaps (first copy wins)', () => {
    const c = collector();
    c.stream.segment(99, TCP.SYN, new Uint8Array(0), 0, 0);
    c.seg(100, 'hello ');
    c.seg(100, 'hello '); // exact retransmission
    c.seg(103, 'XXXworld'); // 3 bytes overlap already-delivered data: only 'world' is new (next = 111)
    c.seg(112, 'YY!'); // one byte ahead: held
    c.seg(111, 'Z'); // fills the hole
    c.seg(108, 'rlZY'); // overlaps delivered bytes only: dropped
    expect(c.out).toBe('hello worldZYY!');
  });

  it('delivers overlapping held segments once, in sequence order', () => {
    const c = collector();
    c.seg(0, 'a');
    c.seg(3, 'DEF'); // held [3,6)
    c.seg(2, 'cdXY'); // [2,6): c d deliver after b; 'XY' overlap the held 'EF'
    c.seg(1, 'b');
    expect(c.out).toBe('abcdXY'); // the held 'DEF' [3,6) is entirely covered by 'cdXY' [2,6)
  });

  it('skips a hole at the end of the flow and reports it as a gap', () => {
    const c = collector();
    c.stream.segment(10, TCP.SYN, new Uint8Array(0), 0, 0);
    c.seg(11, 'one ');
    c.seg(19, 'three', TCP.ACK | TCP.FIN); // 'two ' (4 bytes at 15) was never captured
    expect(c.out).toBe('one ');
    c.stream.end();
    expect(c.out).toBe('one [gap 4]three');
    expect(c.stream.gaps).toBe(1);
    expect(c.stream.gapBytes).toBe(4);
  });

  it('skips a hole when the out-of-order buffer bound is exceeded', () => {
    const c = collector({ maxBuffered: 8 });
    c.seg(0, 'ab');
    c.seg(10, 'xxxx'); // hole [2,10)
    expect(c.out).toBe('ab');
    c.seg(14, 'yyyyy'); // 9 bytes held > 8: skip the hole
    expect(c.out).toBe('ab[gap 8]xxxxyyyyy');
    c.seg(2, 'late'); // the lost bytes arrive after the skip: old, ignored
    expect(c.out).toBe('ab[gap 8]xxxxyyyyy');
  });

  it('skips when too many segments are held', () => {
    const c = collector({ maxSegments: 2 });
    c.seg(0, 'a');
    c.seg(2, 'c');
    c.seg(4, 'e');
    expect(c.out).toBe('a');
    c.seg(6, 'g'); // a third held segment > 2: skip the first hole only
    expect(c.out).toBe('a[gap 1]c');
    c.stream.end();
    expect(c.out).toBe('a[gap 1]c[gap 1]e[gap 1]g');
  });

  it('handles sequence number wraparound', () => {
    const c = collector();
    const isn = 0xfffffffa; // SYN takes 0xfffffffa, data starts at 0xfffffffb
    c.stream.segment(isn, TCP.SYN, new Uint8Array(0), 0, 0);
    c.seg(0xfffffffb, 'wrap'); // 0xfffffffb..0xfffffffe
    c.seg(0x00000003, 'after'); // ahead (held): next expected is 0xffffffff
    c.seg(0xffffffff, 'ping'); // 0xffffffff, 0, 1, 2 → fills the hole across the wrap
    c.seg(0xfffffffd, 'ap'); // retransmission from before the wrap
    expect(c.out).toBe('wrappingafter');
  });

  it('delivers at most maxBytes and then keeps nothing', () => {
    const c = collector({ maxBytes: 10 });
    c.seg(0, 'abcdef');
    c.seg(20, 'later'); // held? beyond the bound: not copied
    c.seg(6, 'ghijkl');
    expect(c.out).toBe('abcdefghij');
    expect(c.stream.finished).toBe(true);
    expect(c.stream.truncated).toBe(true);
    c.seg(12, 'mn');
    c.stream.end();
    expect(c.out).toBe('abcdefghij');
  });

  it('inOrder() takes exactly the next in-order segment, and defers to segment() otherwise', () => {
    const c = collector({ maxBytes: 12 });
    c.stream.segment(100, TCP.SYN, new Uint8Array(0), 0, 0);
    expect(c.stream.inOrder(101, TCP.ACK, 5)).toBe(5); // in order: the caller delivers 5 bytes
    expect(c.stream.inOrder(110, TCP.ACK, 3)).toBe(-1); // ahead: general path
    c.seg(110, 'zzz'); // held
    expect(c.stream.inOrder(106, TCP.ACK, 4)).toBe(-1); // something is held: general path
    c.seg(106, 'yyyy'); // fills the hole: 'yyyy' + 'zzz' delivered (7 more → 12 = the bound)
    expect(c.out).toBe('yyyyzzz');
    expect(c.stream.finished).toBe(true);
    expect(c.stream.inOrder(113, TCP.ACK, 4)).toBe(-1);
    const d = collector({ maxBytes: 4 });
    d.seg(0, 'ab');
    expect(d.stream.inOrder(2, TCP.ACK, 5)).toBe(2); // only 2 bytes left under the bound
    expect(d.stream.truncated).toBe(true);
    expect(d.stream.finished).toBe(true);
  });

  it('reassembles any segmentation, order and duplication of a stream (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 80 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (data, isn, sizes, order, dups) => {
          // Cut the stream into segments.
          const segs: Array<[number, number]> = [];
          let pos = 0;
          for (let i = 0; pos < data.length; i++) {
            const n = Math.min(sizes[i % sizes.length]!, data.length - pos);
            segs.push([pos, n]);
            pos += n;
          }
          // Shuffle (deterministically from `order`) and add duplicates.
          for (let i = segs.length - 1; i > 0; i--) {
            const j = (order[i % Math.max(order.length, 1)] ?? 0) % (i + 1);
            [segs[i], segs[j]] = [segs[j]!, segs[i]!];
          }
          for (const d of dups) segs.push(segs[d % segs.length]!);
          let got = new Uint8Array(0);
          const s = new TcpStream(
            {
              data(buf, off, len) {
                const next = new Uint8Array(got.length + len);
                next.set(got);
                next.set(buf.subarray(off, off + len), got.length);
                got = next;
              },
              gap() {
                throw new Error('no bytes are missing');
              },
            },
            { maxBuffered: 1 << 20, maxSegments: 1 << 20 },
          );
          s.segment(isn, TCP.SYN, data, 0, 0);
          for (const [o, n] of segs) s.segment((isn + 1 + o) >>> 0, TCP.ACK, data, o, n);
          s.end();
          expect(Buffer.from(got).equals(Buffer.from(data))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
