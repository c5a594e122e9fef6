/**
 * The event format of the two-thread pipeline (src/features/events.ts): every event kind written by
 * EventWriter into a ring is read back by its decoder with the same values — ended flows (numbers
 * in layout E and history), payload segments (small, odd-aligned, and larger than a ring record, in
 * pieces), releases, progress, and reports too long for one record (in PART pieces).
 */
import { describe, expect, it } from 'vitest';
import { DecodedPacket } from '../../src/decode/packet.ts';
import { InputError } from '../../src/errors.ts';
import {
  EventWriter, Interned, MAX_PIECE, T_BYTES, T_END, T_FILE, T_FLOW, T_PART, T_PAYLOAD, T_PROGRESS, T_RELEASE,
  bytesAt, bytesLength, decodePayload, decodeProgress, decodeRelease, decodeText, eventKind, flowContentSlot,
  flowHistoryAt, flowHistoryLength, flowNumbers, payloadEvent, reviveErrors,
} from '../../src/features/events.ts';
import { RingReader, RingWriter, ringBuffer } from '../../src/features/ring.ts';
import { E } from '../../src/flow/ended.ts';

interface Read { kind: number; at: number; type: number; bytes: number }

/** Everything written so far, as [kind, offset, type word, size] in order. */
async function readAll(r: RingReader, w: RingWriter, count: number): Promise<Read[]> {
  w.publish();
  const out: Read[] = [];
  await r.drain((at, type, bytes) => {
    out.push({ kind: eventKind(type), at, type, bytes });
    return out.length === count;
  }, () => new Error('dead'));
  return out;
}

function packet(bytes: Uint8Array, off: number, len: number, v4: boolean): DecodedPacket {
  const p = new DecodedPacket();
  p.buf = bytes;
  p.payloadOffset = off;
  p.payloadCaptured = len;
  p.seq = 0xfffffff0; // above 2^31: read back unsigned
  p.tcpFlags = 0x18;
  p.ipVersion = v4 ? 4 : 6;
  p.src4 = 0xc0a80001 | 0;
  p.dst4 = 0x0a000002;
  return p;
}

describe('two-thread event codec', () => {
  it('FLOW: the layout-E numbers, the history letters and the content slot', async () => {
    const sab = ringBuffer(1 << 16);
    const w = new RingWriter(sab);
    const r = new RingReader(sab);
    const ev = new EventWriter(w);
    const e = Float64Array.from({ length: E.SIZE }, (_, i) => (i === E.startTs ? 1_700_000_000.123456 : i * 1.5 + 2 ** 40));
    ev.flow(e, 'ShADadFf', 7);
    ev.flow(e, '', -1);
    const [a, b] = await readAll(r, w, 2);
    const interned = new Interned();
    expect(a!.kind).toBe(T_FLOW);
    expect(Array.from(r.f64.subarray(flowNumbers(a!.at), flowNumbers(a!.at) + E.SIZE))).toEqual(Array.from(e));
    expect(interned.get(r.u8, flowHistoryAt(a!.at), flowHistoryLength(a!.type))).toBe('ShADadFf');
    expect(flowContentSlot(r, a!.at)).toBe(7);
    expect(flowHistoryLength(b!.type)).toBe(0);
    expect(flowContentSlot(r, b!.at)).toBe(-1);
    // Interning: the same letters give the same string.
    expect(interned.get(r.u8, flowHistoryAt(a!.at), 8)).toBe(interned.get(r.u8, flowHistoryAt(a!.at), 8));
  });

  it('PAYLOAD: fields and bytes, at any alignment of the source; a segment over MAX_PIECE comes whole in BYTES pieces', async () => {
    const sab = ringBuffer(16 << 20);
    const w = new RingWriter(sab);
    const r = new RingReader(sab);
    const ev = new EventWriter(w);
    const src = new Uint8Array(4096).map((_, i) => (i * 31 + 7) & 0xff);
    ev.payload(3, true, 5, packet(src, 13, 100, true)); // short: copied byte by byte
    ev.payload(3, false, 0, packet(src, 1001, 2000, false)); // long: one copy, same alignment mod 8
    const big = new Uint8Array(MAX_PIECE * 2 + 123).map((_, i) => (i * 7) & 0xff);
    ev.payload(9, true, 2, packet(big, 0, big.length, true));
    const events = await readAll(r, w, 2 + 1 + 3);
    const p = payloadEvent();

    decodePayload(r, events[0]!.at, events[0]!.type, p);
    expect(events[0]!.kind).toBe(T_PAYLOAD);
    expect(p).toMatchObject({ slot: 3, fromOrig: true, kind: 5, seq: 0xfffffff0, flags: 0x18, len: 100, clientIp4: 0xc0a80001, piecesFollow: false });
    expect(Array.from(r.u8.subarray(p.bytesAt, p.bytesAt + 100))).toEqual(Array.from(src.subarray(13, 113)));

    decodePayload(r, events[1]!.at, events[1]!.type, p);
    expect(p).toMatchObject({ slot: 3, fromOrig: false, kind: 0, len: 2000, clientIp4: -1, piecesFollow: false });
    expect((p.bytesAt & 7)).toBe((src.byteOffset + 1001) & 7);
    expect(Array.from(r.u8.subarray(p.bytesAt, p.bytesAt + 2000))).toEqual(Array.from(src.subarray(1001, 3001)));

    decodePayload(r, events[2]!.at, events[2]!.type, p);
    expect(p).toMatchObject({ slot: 9, fromOrig: true, kind: 2, len: big.length, piecesFollow: true });
    const pieces: Buffer[] = [];
    let filled = 0;
    for (const piece of events.slice(3)) {
      expect(piece.kind).toBe(T_BYTES);
      const n = Math.min(bytesLength(piece.bytes), big.length - filled);
      pieces.push(Buffer.from(r.u8.subarray(bytesAt(piece.at), bytesAt(piece.at) + n)));
      filled += n;
    }
    expect(Buffer.concat(pieces).equals(Buffer.from(big))).toBe(true);
  });

  it('RELEASE, PROGRESS and reports (FILE, END, in PART pieces when long) with their InputErrors', async () => {
    const sab = ringBuffer(4 << 20);
    const w = new RingWriter(sab);
    const r = new RingReader(sab);
    const text = Buffer.from(sab, r.u8.byteOffset, r.size);
    const ev = new EventWriter(w);
    ev.release(1_700_000_123.25);
    ev.progress('dïr/träce.pcap', 123456789, 4242);
    // Over two JSON pieces of 256 Ki characters (two bytes each in UTF-8).
    const report = { file: 'x.pcap', errors: [new InputError('truncated', 'x.pcap', 99, 'x.pcap: byte 99: cut')], names: 'ü'.repeat(600_000) };
    ev.json(T_END, report);
    ev.json(T_FILE, { file: 'y.pcap', packets: 3 });
    const events = await readAll(r, w, 6);
    expect(events.map((e) => e.kind)).toEqual([T_RELEASE, T_PROGRESS, T_PART, T_PART, T_END, T_FILE]);
    expect(decodeRelease(r, events[0]!.at)).toBe(1_700_000_123.25);
    expect(decodeProgress(r, text, events[1]!.at, events[1]!.type)).toEqual({ file: 'dïr/träce.pcap', fileBytes: 123456789, packets: 4242 });
    const json = events.slice(2, 5).map((e) => decodeText(text, e.at, e.type)).join('');
    const back = JSON.parse(json, reviveErrors) as typeof report;
    expect(back.names).toBe(report.names);
    expect(back.errors[0]).toBeInstanceOf(InputError);
    expect(back.errors[0]).toMatchObject({ code: 'truncated', file: 'x.pcap', byteOffset: 99, message: report.errors[0]!.message });
    expect(JSON.parse(decodeText(text, events[5]!.at, events[5]!.type))).toEqual({ file: 'y.pcap', packets: 3 });
  });
});
