/**
 * IPv4 and IPv6 fragment reassembly (RFC 791 / RFC 8200), keyed by (version, src, dst, protocol,
 * identification), with a timeout on packet time and memory bounds (buffers, bytes).
 *
 * Fragments are rare, so this path copies fragment bytes. A completed datagram is rebuilt as an
 * unfragmented raw IP packet (the first fragment's IPv4 header, or the IPv6 fixed header with the
 * fragment header removed) and decoded again by the project's decoder, so the flow engine sees
 * ONE packet with the full transport header and payload length.
 *
 * Bad fragments (KDD `wrong_fragment`) are counted per datagram, each fragment at most once:
 * overlapping data that is not an exact duplicate (teardrop), a datagram running past 65,535
 * bytes (ping of death), zero-length fragments, non-last fragments whose length is not a multiple
 * of 8, data past the end given by the last fragment, and conflicting last fragments. Overlaps keep
 * the first data received.
 *
 * Tunnels: fragments of an inner datagram (inside GRE, VXLAN, ...) are reassembled on the inner IP
 * header and the datagram keeps the tunnels its fragments came through; a fragmented outer datagram
 * is reassembled first and its decode then decapsulates the tunnel it carries.
 */
import type { CaptureRecord } from '../capture/record.ts';
import { decodePacket } from '../decode/decoder.ts';
import { DecodedPacket } from '../decode/packet.ts';
import { prependTunnels } from '../decode/tunnel.ts';

export interface FragmentOptions {
  /** Seconds (packet time) a partial datagram is kept. Default 30 (Linux ipfrag_time). */
  fragmentTimeout?: number;
  /** Partial datagrams held at once. Default 4096. */
  maxFragmentBuffers?: number;
  /** Fragment payload bytes held at once. Default 32 MiB. */
  maxFragmentBytes?: number;
}

export interface FragmentStats {
  /** Fragment packets seen. */
  fragments: number;
  /** Datagrams completed. */
  reassembled: number;
  /** Bad fragments (overlap, oversize, zero-length, misaligned, conflicting end). */
  badFragments: number;
  /** Partial datagrams dropped on timeout or left incomplete at the end of input. */
  fragmentTimeouts: number;
  /** Partial datagrams dropped because a memory bound was hit. */
  fragmentLimitHits: number;
}

interface Piece { off: number; len: number; data: Uint8Array }

class FragBuffer {
  pieces: Piece[] = [];
  /** Datagram payload length once the last fragment is seen, else -1. */
  total = -1;
  bytes = 0;
  bad = 0;
  /** Rebuilt L3 header (IPv4 header / IPv6 fixed header) from the offset-0 fragment. */
  header: Uint8Array | null = null;
  constructor(readonly key: string, readonly firstTs: number) {}
}

/** 2^16 − 1: the largest IP datagram (IPv4 total length / IPv6 40 + payload length). */
const MAX_DATAGRAM = 65535;
const LINKTYPE_RAW = 101;

export class FragmentReassembler {
  /** Decoded reassembled datagram (valid after `add` returned true, until the next call). */
  readonly out = new DecodedPacket();
  /** Bad fragments of the datagram just completed (charge them to its flow). */
  outBad = 0;
  private readonly timeout: number;
  private readonly maxBuffers: number;
  private readonly maxBytes: number;
  /** Insertion order = age order: timeouts and evictions take from the head. */
  private readonly buffers = new Map<string, FragBuffer>();
  private bytes = 0;
  private readonly tun = { n: 0, chain: 0, ver: 0, src4: 0, dst4: 0, src6: new Uint32Array(4), dst6: new Uint32Array(4) };
  private readonly rec: CaptureRecord = {
    tsSec: 0, tsNsec: 0, caplen: 0, origLen: 0, linktype: LINKTYPE_RAW, interfaceId: 0,
    buf: new Uint8Array(0), offset: 0, file: '', packetIndex: 0, byteOffset: 0,
  };

  constructor(
    opts: FragmentOptions = {},
    readonly stats: FragmentStats = { fragments: 0, reassembled: 0, badFragments: 0, fragmentTimeouts: 0, fragmentLimitHits: 0 },
  ) {
    this.timeout = opts.fragmentTimeout ?? 30;
    this.maxBuffers = opts.maxFragmentBuffers ?? 4096;
    this.maxBytes = opts.maxFragmentBytes ?? 32 * 1024 * 1024;
  }

  /** Partial datagrams currently held. */
  get pending(): number {
    return this.buffers.size;
  }

  /** End of input: the partial datagrams left can never complete (counted as timeouts). */
  flush(): void {
    this.stats.fragmentTimeouts += this.buffers.size;
    this.buffers.clear();
    this.bytes = 0;
  }

  /** Drop partial datagrams older than the timeout (packet time `now`). */
  expire(now: number): void {
    for (const b of this.buffers.values()) {
      if (b.firstTs + this.timeout >= now) break;
      this.drop(b);
      this.stats.fragmentTimeouts++;
    }
  }

  private drop(b: FragBuffer): void {
    this.buffers.delete(b.key);
    this.bytes -= b.bytes;
  }

  /**
   * Add one fragment (pkt.isFragment). Returns true when it completed a datagram: `out` then holds
   * the decoded datagram (VLAN copied from the fragment) and `outBad` its bad-fragment count.
   */
  add(pkt: DecodedPacket, rec: CaptureRecord, t: number = rec.tsSec + rec.tsNsec * 1e-9): boolean {
    this.stats.fragments++;
    this.expire(t);
    const buf = pkt.buf;
    const ipOff = pkt.ipOffset;
    let dataOff: number;
    let nextHeader = pkt.proto;
    if (pkt.ipVersion === 4) {
      dataOff = ipOff + pkt.ipHeaderLen;
    } else {
      // Find the fragment header: the fragmentable part starts right after it.
      let nh = buf[ipOff + 6]!;
      let o = ipOff + 40;
      const lim = pkt.end;
      while (nh !== 44) {
        if ((nh !== 0 && nh !== 43 && nh !== 60 && nh !== 51) || o + 2 > lim) return false;
        const len = nh === 51 ? (buf[o + 1]! + 2) << 2 : (buf[o + 1]! + 1) << 3;
        nh = buf[o]!;
        o += len;
      }
      if (o + 8 > lim) return false;
      nextHeader = buf[o]!;
      dataOff = o + 8;
    }
    const ipEnd = ipOff + pkt.ipTotalLen;
    const dataLen = ipEnd > dataOff ? ipEnd - dataOff : 0;
    const off = pkt.fragOffset;
    const key = `${pkt.ipVersion}|${nextHeader}|${pkt.fragId}|` + (pkt.ipVersion === 4
      ? `${pkt.src4}|${pkt.dst4}`
      : `${pkt.src6.join(',')}|${pkt.dst6.join(',')}`);
    let b = this.buffers.get(key);
    if (b === undefined) {
      if (this.buffers.size >= this.maxBuffers) this.evictOldest();
      b = new FragBuffer(key, t);
      this.buffers.set(key, b);
    }
    // ---- validity checks (a fragment counts once, however many rules it breaks) --------------
    let bad = 0;
    const hdrLen = pkt.ipVersion === 4 ? pkt.ipHeaderLen : 40;
    const end = off + dataLen;
    if (dataLen === 0) bad = 1;
    else if (pkt.moreFragments && (dataLen & 7) !== 0) bad = 1; // misaligned
    if (hdrLen + end > MAX_DATAGRAM) bad = 1; // ping of death
    if (b.total >= 0 && end > b.total) bad = 1; // data past the end set by the last fragment
    let duplicate = false;
    if (dataLen > 0) {
      for (const p of b.pieces) {
        if (p.off < end && off < p.off + p.len) {
          if (p.off === off && p.len === dataLen) duplicate = true;
          else bad = 1; // overlap (teardrop)
        }
      }
    }
    if (!pkt.moreFragments) {
      if (b.total >= 0 && b.total !== end) bad = 1; // a second, different last fragment
      else {
        b.total = end;
        for (const p of b.pieces) if (p.off + p.len > end) bad = 1; // earlier data past this end
      }
    }
    b.bad += bad;
    this.stats.badFragments += bad;
    // ---- store ------------------------------------------------------------------------------
    if (off === 0 && b.header === null) {
      if (pkt.ipVersion === 4) {
        b.header = copyBytes(buf, ipOff, ipOff + pkt.ipHeaderLen);
      } else {
        const h = copyBytes(buf, ipOff, ipOff + 40);
        h[6] = nextHeader;
        b.header = h;
      }
    }
    if (dataLen > 0 && !duplicate) {
      const have = Math.max(0, Math.min(ipEnd, pkt.end) - dataOff);
      const data = new Uint8Array(dataLen);
      data.set(buf.subarray(dataOff, dataOff + Math.min(have, dataLen)));
      b.pieces.push({ off, len: dataLen, data });
      b.bytes += dataLen;
      this.bytes += dataLen;
      while (this.bytes > this.maxBytes && this.buffers.size > 1) this.evictOldest(b);
    }
    if (b.total < 0 || b.header === null || !covered(b.pieces, b.total)) return false;
    // ---- complete ---------------------------------------------------------------------------
    this.drop(b);
    this.stats.reassembled++;
    this.outBad = b.bad;
    // The tunnels this fragment came through (read before build: `pkt` may be `out` itself when a
    // reassembled outer datagram carried inner fragments).
    const tun = this.tun;
    tun.n = pkt.tunnels;
    if (tun.n !== 0) {
      tun.chain = pkt.tunnelChain; tun.ver = pkt.tunnelIpVersion; tun.src4 = pkt.tunnelSrc4; tun.dst4 = pkt.tunnelDst4;
      tun.src6.set(pkt.tunnelSrc6); tun.dst6.set(pkt.tunnelDst6);
    }
    this.build(b, rec, pkt.vlan, pkt.innerVlan);
    if (tun.n !== 0) prependTunnels(this.out, tun.n, tun.chain, tun.ver, tun.src4, tun.dst4, tun.src6, tun.dst6);
    return true;
  }

  private evictOldest(keep?: FragBuffer): void {
    for (const b of this.buffers.values()) {
      if (b === keep) continue;
      this.drop(b);
      this.stats.fragmentLimitHits++;
      return;
    }
  }

  private build(b: FragBuffer, rec: CaptureRecord, vlan: number, innerVlan: number): void {
    const hdr = b.header!;
    const total = hdr.length + b.total;
    const dg = new Uint8Array(total);
    dg.set(hdr, 0);
    // Earliest data wins on overlap: write in reverse arrival order.
    for (let i = b.pieces.length - 1; i >= 0; i--) {
      const p = b.pieces[i]!;
      const n = Math.min(p.len, b.total - p.off);
      if (n > 0) dg.set(p.data.subarray(0, n), hdr.length + p.off);
    }
    const lenField = Math.min(total, MAX_DATAGRAM);
    if (hdr[0]! >> 4 === 4) {
      dg[2] = lenField >> 8; dg[3] = lenField & 255;
      dg[6] = 0; dg[7] = 0; // clear MF and the offset
      dg[10] = 0; dg[11] = 0; // header checksum no longer valid: zero it
    } else {
      const plen = lenField - 40;
      dg[4] = plen >> 8; dg[5] = plen & 255;
    }
    const r = this.rec;
    r.tsSec = rec.tsSec; r.tsNsec = rec.tsNsec; r.file = rec.file; r.packetIndex = rec.packetIndex;
    r.byteOffset = rec.byteOffset; r.interfaceId = rec.interfaceId;
    r.buf = dg; r.offset = 0; r.caplen = total; r.origLen = total;
    const out = decodePacket(r, this.out);
    if (total > lenField) {
      // Ping of death: the real size does not fit the 16-bit length field.
      out.ipTotalLen += total - lenField;
      out.payloadLen += total - lenField;
    }
    out.vlan = vlan;
    out.innerVlan = innerVlan;
  }
}

/** A real copy (Buffer#slice would return a view into the reader's reused chunk). */
function copyBytes(buf: Uint8Array, a: number, b: number): Uint8Array {
  const out = new Uint8Array(b - a);
  out.set(buf.subarray(a, b));
  return out;
}

/** True when the pieces cover [0, total). */
function covered(pieces: Piece[], total: number): boolean {
  const sorted = pieces.slice().sort((x, y) => x.off - y.off);
  let reach = 0;
  for (const p of sorted) {
    if (p.off > reach) return false;
    if (p.off + p.len > reach) reach = p.off + p.len;
    if (reach >= total) return true;
  }
  return reach >= total;
}
