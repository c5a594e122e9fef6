/**
 * The event format of the two-thread pipeline: what the flow-engine thread (flow-thread.ts) writes
 * into the shared ring (ring.ts) and the main thread (threaded.ts) reads back — one encoder
 * (EventWriter) and one decoder per event kind, in this one file.
 *
 * Event layout (8-byte aligned; int32 words from the record's start):
 *   [0] type | small << 8   [1] total bytes   then
 *   FLOW     small = history length; [2] content slot (-1: none); float64 × E.SIZE at byte 16;
 *            history bytes after them
 *   PAYLOAD  small = fromOrig | kind << 1 (kind ≠ 0 on a flow's first segment); [2] content slot
 *            (a small number the worker gives each inspected flow, reused after its FLOW) [3] TCP seq
 *            [4] TCP flags [5] length [6] originator IPv4 [7] bit 0: [6] is set, bits 1–3: pad; bytes
 *            at byte 32 + pad (pad: 0–7, so they are as aligned as in the read buffer), or (bit
 *            PIECES_FOLLOW, segments over MAX_PIECE) in the BYTES records that follow
 *   RELEASE  float64 at byte 8: oldest live flow start
 *   PROGRESS float64 at byte 8 / 16: file byte offset, packets; file name (UTF-8) at byte 24
 *   FILE/END small = JSON length; JSON (UTF-8) at byte 8: a FileReport / the read report and stats;
 *            a long one is preceded by PART records holding its first pieces
 */
import { InputError } from '../errors.ts';
import type { DecodedPacket } from '../decode/packet.ts';
import { E } from '../flow/ended.ts';
import { clientIp4 } from './content/classify.ts';
import type { RingReader, RingWriter } from './ring.ts';
import { keepMutable } from '../v8-workarounds.ts';

export const T_FLOW = 1, T_PAYLOAD = 2, T_RELEASE = 3, T_PROGRESS = 4, T_FILE = 5, T_END = 6, T_PART = 7, T_BYTES = 8;
/** Most payload bytes in one ring record; PAYLOAD's PIECES_FOLLOW bit: its bytes come in BYTES records. */
export const MAX_PIECE = 1024 * 1024;
export const PIECES_FOLLOW = 1 << 20;
/** Characters of JSON per ring record (UTF-8: at most 3 bytes each, well under a quarter of the ring). */
const JSON_PIECE = 256 * 1024;
export const FLOW_HEAD = 16 + E.SIZE * 8;

const align8 = (n: number): number => (n + 7) & ~7;

/** The kind of an event (its first word's low byte). */
export function eventKind(type: number): number {
  return type & 0xff;
}

export class EventWriter {
  private readonly buf: Buffer;
  private srcBuf: Uint8Array | null = null;
  private srcView: Uint8Array = new Uint8Array(0);
  /** Bytes of the record being written (open → close). */
  private size = 0;

  constructor(readonly ring: RingWriter) {
    this.buf = Buffer.from(ring.sab, ring.u8.byteOffset, ring.size);
    // Replaced at each new read buffer, after the packet loop was optimised (scripts/bench-flows.ts).
    keepMutable(this, 'srcBuf', this.buf, null);
    keepMutable(this, 'srcView', new Uint8Array(0), this.srcView);
  }

  /** Reserve a record of `bytes` (rounded up to 8) and write its first word and size; returns its offset. */
  private open(word0: number, bytes: number): number {
    const n = align8(bytes);
    const r = this.ring;
    const at = r.reserve(n);
    r.i32[at >> 2] = word0;
    r.i32[(at >> 2) + 1] = n;
    this.size = n;
    return at;
  }

  private close(): void {
    this.ring.commit(this.size);
  }

  flow(e: Float64Array, history: string, contentSlot: number): void {
    const hl = history.length;
    const at = this.open(T_FLOW | (hl << 8), FLOW_HEAD + hl);
    const r = this.ring;
    r.i32[(at >> 2) + 2] = contentSlot;
    r.f64.set(e, (at >> 3) + 2);
    const u8 = r.u8;
    for (let i = 0, o = at + FLOW_HEAD; i < hl; i++) u8[o + i] = history.charCodeAt(i);
    this.close();
  }

  payload(slot: number, fromOrig: boolean, kind: number, pkt: DecodedPacket): void {
    const len = pkt.payloadCaptured;
    const off = pkt.payloadOffset;
    const src = pkt.buf;
    // A segment larger than a ring record may be (only from odd captures: an IPv4 total length of 0
    // on a huge frame) goes as a header, then its bytes in BYTES records; the reader joins them.
    const big = len > MAX_PIECE;
    // The bytes start `pad` bytes after the header, so that they sit at the same address mod 8 as in
    // the read buffer (the header and the ring's data area are 8-aligned): V8 copies into shared
    // memory with relaxed atomics, a byte at a time unless source and target are equally aligned.
    const pad = big ? 0 : (src.byteOffset + off) & 7;
    const at = this.open(T_PAYLOAD | ((fromOrig ? 1 : 0) << 8) | (kind << 9) | (big ? PIECES_FOLLOW : 0), 32 + (big ? 0 : pad + len));
    const w = at >> 2;
    const i32 = this.ring.i32;
    i32[w + 2] = slot;
    i32[w + 3] = pkt.seq | 0;
    i32[w + 4] = pkt.tcpFlags;
    i32[w + 5] = len;
    let ipWord = 0;
    if (kind !== 0) {
      const ip = clientIp4(pkt, fromOrig);
      i32[w + 6] = ip | 0;
      ipWord = ip >= 0 ? 1 : 0;
    }
    i32[w + 7] = ipWord | (pad << 1);
    if (big) {
      this.close();
      for (let done = 0; done < len; done += MAX_PIECE) {
        const piece = Math.min(MAX_PIECE, len - done);
        this.copy(src, off + done, piece, this.open(T_BYTES, 8 + piece) + 8);
        this.close();
      }
      return;
    }
    const to = at + 32 + pad;
    if (len <= 128) {
      // Keystrokes, short commands and replies: a loop beats making a view to copy from.
      const u8 = this.ring.u8;
      for (let i = 0; i < len; i++) u8[to + i] = src[off + i]!;
    } else {
      this.copy(src, off, len, to);
    }
    this.close();
  }

  /** A plain view of the packet's whole buffer, made once per buffer (not a Buffer: its subarray
   *  goes through the slower Buffer constructor), then one memcpy into the ring at `to`. */
  private copy(src: Uint8Array, off: number, len: number, to: number): void {
    if (src !== this.srcBuf) {
      this.srcBuf = src;
      this.srcView = new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
    }
    this.ring.u8.set(this.srcView.subarray(off, off + len), to);
  }

  release(oldestLiveStart: number): void {
    const at = this.open(T_RELEASE, 16);
    this.ring.f64[(at >> 3) + 1] = oldestLiveStart;
    this.close();
  }

  progress(file: string, fileBytes: number, packets: number): void {
    const bl = Buffer.byteLength(file);
    const at = this.open(T_PROGRESS | (bl << 8), 24 + bl);
    this.ring.f64[(at >> 3) + 1] = fileBytes;
    this.ring.f64[(at >> 3) + 2] = packets;
    this.buf.write(file, at + 24, bl, 'utf8');
    this.close();
  }

  /**
   * A report as JSON. Long ones (a directory of thousands of captures) go in pieces of at most
   * JSON_PIECE characters: T_PART records, then the last piece with `type`.
   */
  json(type: number, value: unknown): void {
    const text = JSON.stringify(value, (_k, v: unknown) => (v instanceof InputError ? errorJson(v) : v));
    let i = 0;
    while (text.length - i > JSON_PIECE) {
      let end = i + JSON_PIECE;
      const c = text.charCodeAt(end);
      if (c >= 0xdc00 && c <= 0xdfff) end--; // never between the two halves of a surrogate pair
      this.text(T_PART, text.slice(i, end));
      i = end;
    }
    this.text(type, i === 0 ? text : text.slice(i));
  }

  private text(type: number, text: string): void {
    const bl = Buffer.byteLength(text);
    this.buf.write(text, this.open(type | (bl << 8), 8 + bl) + 8, bl, 'utf8');
    this.close();
  }
}

interface ErrorJson { $inputError: true; code: string; file: string; byteOffset: number | null; message: string }

function errorJson(e: InputError): ErrorJson {
  return { $inputError: true, code: e.code, file: e.file, byteOffset: e.byteOffset ?? null, message: e.message };
}

export function reviveErrors(_k: string, v: unknown): unknown {
  if (v !== null && typeof v === 'object' && (v as ErrorJson).$inputError === true) {
    const j = v as ErrorJson;
    const e = new InputError(j.code, j.file, j.byteOffset ?? undefined, '');
    e.message = j.message;
    return e;
  }
  return v;
}

// ---- decoders: each reads what the EventWriter method of the same kind wrote at `at` ----

/** A FLOW event: its numbers are `f64[flowNumbers(at) …]` in layout E. */
export function flowNumbers(at: number): number {
  return (at >> 3) + 2;
}
export function flowContentSlot(r: RingReader, at: number): number {
  return r.i32[(at >> 2) + 2]!;
}
export function flowHistoryLength(type: number): number {
  return type >>> 8;
}
/** Byte offset of a FLOW event's history letters (ASCII, flowHistoryLength bytes). */
export function flowHistoryAt(at: number): number {
  return at + FLOW_HEAD;
}

/** A PAYLOAD event, decoded into a reused object. */
export interface PayloadEvent {
  slot: number;
  fromOrig: boolean;
  /** The content kind on a flow's first segment, else 0. */
  kind: number;
  seq: number;
  flags: number;
  len: number;
  /** Originator IPv4 (unsigned) or -1. */
  clientIp4: number;
  /** Byte offset of the payload bytes (when they are not in BYTES records). */
  bytesAt: number;
  /** The bytes follow in BYTES records. */
  piecesFollow: boolean;
}

export function payloadEvent(): PayloadEvent {
  return { slot: 0, fromOrig: false, kind: 0, seq: 0, flags: 0, len: 0, clientIp4: -1, bytesAt: 0, piecesFollow: false };
}

export function decodePayload(r: RingReader, at: number, type: number, out: PayloadEvent): PayloadEvent {
  const w = at >> 2;
  const i32 = r.i32;
  out.slot = i32[w + 2]!;
  out.fromOrig = ((type >> 8) & 1) === 1;
  out.kind = (type >> 9) & 0x7ff;
  out.seq = i32[w + 3]! >>> 0;
  out.flags = i32[w + 4]!;
  out.len = i32[w + 5]!;
  out.clientIp4 = (i32[w + 7]! & 1) === 1 ? i32[w + 6]! >>> 0 : -1;
  out.bytesAt = at + 32 + ((i32[w + 7]! >> 1) & 7);
  out.piecesFollow = (type & PIECES_FOLLOW) !== 0;
  return out;
}

/** A BYTES event: its bytes are `u8[at + 8 …]`, this many. */
export function bytesLength(recordBytes: number): number {
  return recordBytes - 8;
}
export function bytesAt(at: number): number {
  return at + 8;
}

/** A RELEASE event: flows that started before this time may be released. */
export function decodeRelease(r: RingReader, at: number): number {
  return r.f64[(at >> 3) + 1]!;
}

/** A PROGRESS event: the file, byte offset in it, packets so far. */
export function decodeProgress(r: RingReader, text: Buffer, at: number, type: number): { file: string; fileBytes: number; packets: number } {
  return { file: text.toString('utf8', at + 24, at + 24 + (type >>> 8)), fileBytes: r.f64[(at >> 3) + 1]!, packets: r.f64[(at >> 3) + 2]! };
}

/** A FILE / END / PART event: its piece of JSON text (`text` is a Buffer over the ring's data). */
export function decodeText(text: Buffer, at: number, type: number): string {
  return text.toString('utf8', at + 8, at + 8 + (type >>> 8));
}

/**
 * Strings of a few bytes that repeat (history letters: a few hundred distinct values over millions
 * of flows), looked up by a hash of their bytes instead of decoded each time.
 */
export class Interned {
  private readonly map = new Map<number, string>();

  get(u8: Uint8Array, at: number, len: number): string {
    let h = len;
    for (let i = 0; i < len; i++) h = Math.imul(h ^ u8[at + i]!, 0x01000193);
    const hit = this.map.get(h);
    if (hit !== undefined && hit.length === len) {
      let same = true;
      for (let i = 0; i < len && same; i++) same = hit.charCodeAt(i) === u8[at + i];
      if (same) return hit;
    }
    let s = '';
    for (let i = 0; i < len; i++) s += String.fromCharCode(u8[at + i]!);
    if (this.map.size < 65_536) this.map.set(h, s);
    return s;
  }
}
