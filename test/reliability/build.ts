/**
 * Tiny capture builders for the reliability tests and the fuzzer: a classic-pcap writer and
 * Ethernet/IPv4/IPv6/TCP/UDP frame builders (checksums correct), so hostile inputs (fragment floods,
 * 1 M SYN sources, extension-header chains) are generated instead of stored.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { put16, put32 } from './layout.ts';

export interface Frame {
  /** Float epoch seconds. */
  ts: number;
  data: Uint8Array;
  /** Wire length (defaults to data.length). */
  origLen?: number;
}

/** Classic little-endian µs pcap (magic a1b2c3d4 written LE), v2.4. */
export function pcapHeader(linktype = 1, snaplen = 65535): Uint8Array {
  const h = new Uint8Array(24);
  put32(h, 0, 0xa1b2c3d4, true);
  put16(h, 4, 2, true);
  put16(h, 6, 4, true);
  put32(h, 16, snaplen, true);
  put32(h, 20, linktype, true);
  return h;
}

export function pcapRecordHeader(ts: number, caplen: number, origLen: number, into = new Uint8Array(16), at = 0): Uint8Array {
  const sec = Math.floor(ts);
  const usec = Math.min(999_999, Math.round((ts - sec) * 1e6));
  put32(into, at, sec, true);
  put32(into, at + 4, usec, true);
  put32(into, at + 8, caplen, true);
  put32(into, at + 12, origLen, true);
  return into;
}

export function writePcap(frames: Frame[], linktype = 1, snaplen = 65535): Uint8Array {
  let size = 24;
  for (const f of frames) size += 16 + f.data.length;
  const out = new Uint8Array(size);
  out.set(pcapHeader(linktype, snaplen), 0);
  let o = 24;
  for (const f of frames) {
    pcapRecordHeader(f.ts, f.data.length, f.origLen ?? f.data.length, out, o);
    out.set(f.data, o + 16);
    o += 16 + f.data.length;
  }
  return out;
}

function csum(b: Uint8Array, off: number, len: number, init = 0): number {
  let s = init;
  for (let i = 0; i + 1 < len; i += 2) s += (b[off + i]! << 8) | b[off + i + 1]!;
  if (len & 1) s += b[off + len - 1]! << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

export const MAC_A = [0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x01];
export const MAC_B = [0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x02];

export interface Ipv4Spec {
  src: number;
  dst: number;
  proto: number;
  id?: number;
  /** Fragment offset in BYTES (multiple of 8) and more-fragments flag. */
  fragOffset?: number;
  mf?: boolean;
  ttl?: number;
  /** Bytes after the IPv4 header (transport header + data). */
  payload: Uint8Array;
}

/** Ethernet II + IPv4 (IHL 5) frame. */
export function ethIpv4(spec: Ipv4Spec): Uint8Array {
  const f = new Uint8Array(14 + 20 + spec.payload.length);
  f.set(MAC_B, 0);
  f.set(MAC_A, 6);
  put16(f, 12, 0x0800, false);
  const ip = 14;
  f[ip] = 0x45;
  put16(f, ip + 2, 20 + spec.payload.length, false);
  put16(f, ip + 4, spec.id ?? 1, false);
  put16(f, ip + 6, ((spec.mf ? 0x2000 : 0) | ((spec.fragOffset ?? 0) >>> 3)) & 0xffff, false);
  f[ip + 8] = spec.ttl ?? 64;
  f[ip + 9] = spec.proto;
  put32(f, ip + 12, spec.src, false);
  put32(f, ip + 16, spec.dst, false);
  put16(f, ip + 10, ~csum(f, ip, 20) & 0xffff, false);
  f.set(spec.payload, 34);
  return f;
}

/** TCP header (no options) + data, checksum over the IPv4 pseudo header. */
export function tcpSegment(src: number, dst: number, sport: number, dport: number, flags: number, seq = 1, ack = 0, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const t = new Uint8Array(20 + data.length);
  put16(t, 0, sport, false);
  put16(t, 2, dport, false);
  put32(t, 4, seq, false);
  put32(t, 8, ack, false);
  t[12] = 5 << 4;
  t[13] = flags;
  put16(t, 14, 65535, false);
  t.set(data, 20);
  const pseudo = (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + 6 + t.length;
  put16(t, 16, ~csum(t, 0, t.length, pseudo) & 0xffff, false);
  return t;
}

export function udpDatagram(sport: number, dport: number, data: Uint8Array): Uint8Array {
  const u = new Uint8Array(8 + data.length);
  put16(u, 0, sport, false);
  put16(u, 2, dport, false);
  put16(u, 4, u.length, false);
  u.set(data, 8);
  return u;
}

/** Ethernet II + IPv6 frame; `payload` starts right after the fixed 40-byte header. */
export function ethIpv6(src: Uint8Array, dst: Uint8Array, nextHeader: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(14 + 40 + payload.length);
  f.set(MAC_B, 0);
  f.set(MAC_A, 6);
  put16(f, 12, 0x86dd, false);
  f[14] = 0x60;
  put16(f, 18, payload.length, false);
  f[20] = nextHeader;
  f[21] = 64;
  f.set(src, 22);
  f.set(dst, 38);
  f.set(payload, 54);
  return f;
}

export function ip4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/**
 * Write `n` Ethernet/IPv4/TCP SYN frames (54 bytes each), every one from a distinct source address
 * (10.0.0.0/8 + i), 10 µs apart, to a classic pcap at `path`, in 1 MiB chunks (no big buffer).
 */
export function writeSynFlood(path: string, n: number, t0 = 1_700_000_000): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, pcapHeader(1, 65535));
    const dst = ip4(192, 168, 0, 80);
    const per = 16 + 54;
    const batch = 16384;
    const buf = new Uint8Array(per * batch);
    const tmpl = ethIpv4({ src: 0, dst, proto: 6, payload: tcpSegment(0, dst, 40000, 80, 0x02, 1000) });
    for (let i = 0; i < n; i += batch) {
      const m = Math.min(batch, n - i);
      for (let j = 0; j < m; j++) {
        const k = i + j;
        const o = j * per;
        const usec = k * 10;
        pcapRecordHeader(t0 + Math.floor(usec / 1e6) + (usec % 1e6) / 1e6, 54, 54, buf, o);
        buf.set(tmpl, o + 16);
        const src = (0x0a000000 + k) >>> 0;
        put32(buf, o + 16 + 26, src, false);
        // IPv4 header checksum recomputed for the new source; the TCP checksum is left as is
        // (flowsift never drops packets on checksums).
        buf[o + 16 + 24] = 0;
        buf[o + 16 + 25] = 0;
        put16(buf, o + 16 + 24, ~csum(buf, o + 16 + 14, 20) & 0xffff, false);
        put16(buf, o + 16 + 34, 1024 + (k & 0x7fff), false);
      }
      writeSync(fd, buf, 0, m * per);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Write a capture of `flows` complete TCP connections (handshake, one request and one response of
 * `dataLen` bytes, FIN/ACK close: 8 packets each) from distinct client ports/addresses, 1 ms apart.
 */
export function writeTcpSessions(path: string, flows: number, dataLen = 200, t0 = 1_700_000_000): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, pcapHeader(1, 65535));
    const S = ip4(192, 168, 0, 80);
    const data = new Uint8Array(dataLen).fill(0x61);
    for (let i = 0; i < flows; i++) {
      const C = (0x0a000000 + (i >>> 8)) >>> 0;
      const cp = 1024 + (i & 0xff) * 200 + (i % 7);
      const t = t0 + i * 0.001;
      const c2s = (flags: number, seq: number, ack: number, d?: Uint8Array): Uint8Array => ethIpv4({ src: C, dst: S, proto: 6, payload: tcpSegment(C, S, cp, 80, flags, seq, ack, d) });
      const s2c = (flags: number, seq: number, ack: number, d?: Uint8Array): Uint8Array => ethIpv4({ src: S, dst: C, proto: 6, payload: tcpSegment(S, C, 80, cp, flags, seq, ack, d) });
      const frames = [
        c2s(0x02, 100, 0), s2c(0x12, 500, 101), c2s(0x10, 101, 501), c2s(0x18, 101, 501, data),
        s2c(0x18, 501, 101 + dataLen, data), c2s(0x11, 101 + dataLen, 501 + dataLen), s2c(0x11, 501 + dataLen, 102 + dataLen), c2s(0x10, 102 + dataLen, 502 + dataLen),
      ];
      let size = 0;
      for (const f of frames) size += 16 + f.length;
      const out = new Uint8Array(size);
      let o = 0;
      frames.forEach((f, j) => {
        pcapRecordHeader(t + j * 0.0001, f.length, f.length, out, o);
        out.set(f, o + 16);
        o += 16 + f.length;
      });
      writeSync(fd, out);
    }
  } finally {
    closeSync(fd);
  }
}
