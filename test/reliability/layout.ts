/**
 * An independent, tolerant walk over capture bytes (classic pcap incl. Kuznetzov's modified format,
 * and pcapng): where every record/block and its length fields are. The mutator uses it to corrupt
 * the RIGHT bytes (a caplen field, a block trailer, an IPv4 IHL…), and the reliability tests use it
 * to know how many complete records a (truncated) file holds — without trusting the reader under test.
 *
 * Formats: pcap — https://www.tcpdump.org/manpages/pcap-savefile.5.html (24-byte file header,
 * 16-byte record headers; modified pcap a1b2cd34 has 24-byte record headers);
 * pcapng — draft-ietf-opsawg-pcapng (block = type, total length, body, total length; SHB carries
 * the byte-order magic 0x1A2B3C4D; IDB linktype/snaplen; EPB iface/ts/caplen/origlen/data).
 */

export interface RecordPos {
  /** Offset of the record header (pcap) or the packet block (pcapng). */
  hdr: number;
  /** Offset of the packet bytes. */
  data: number;
  caplen: number;
  /** Offset just past the record (pcap) / block (pcapng). */
  end: number;
  /** Offsets of the caplen / origlen fields (-1 when the block has none, e.g. SPB caplen). */
  caplenField: number;
  origlenField: number;
  linktype: number;
  little: boolean;
}

export interface BlockPos {
  offset: number;
  type: number;
  totalLen: number;
  little: boolean;
}

export interface OptionPos {
  /** Offset of the option's code field; its length field is at +2. */
  offset: number;
  code: number;
  len: number;
  little: boolean;
  blockType: number;
}

export interface CaptureLayout {
  kind: 'pcap' | 'pcapng' | 'unknown';
  little: boolean;
  /** Classic pcap: record header size (16, or 24 for the modified format), snaplen, linktype. */
  recHdrLen: number;
  snaplen: number;
  linktype: number;
  /** Packet records in file order (complete ones only). */
  records: RecordPos[];
  /** pcapng blocks (complete ones only). */
  blocks: BlockPos[];
  options: OptionPos[];
  /** Offset where the walk stopped (file end when the whole file was well-formed). */
  walkedTo: number;
}

const PCAP_MAGICS: Record<number, { little: boolean; modified: boolean }> = {
  0xa1b2c3d4: { little: false, modified: false },
  0xd4c3b2a1: { little: true, modified: false },
  0xa1b23c4d: { little: false, modified: false },
  0x4d3cb2a1: { little: true, modified: false },
  0xa1b2cd34: { little: false, modified: true },
  0x34cdb2a1: { little: true, modified: true },
};

export function u16(b: Uint8Array, off: number, little: boolean): number {
  return little ? b[off]! | (b[off + 1]! << 8) : (b[off]! << 8) | b[off + 1]!;
}
export function u32(b: Uint8Array, off: number, little: boolean): number {
  return little
    ? (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0
    : ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}
export function put16(b: Uint8Array, off: number, v: number, little: boolean): void {
  if (off < 0 || off + 2 > b.length) return;
  if (little) { b[off] = v & 0xff; b[off + 1] = (v >>> 8) & 0xff; } else { b[off] = (v >>> 8) & 0xff; b[off + 1] = v & 0xff; }
}
export function put32(b: Uint8Array, off: number, v: number, little: boolean): void {
  if (off < 0 || off + 4 > b.length) return;
  v >>>= 0;
  if (little) {
    b[off] = v & 0xff; b[off + 1] = (v >>> 8) & 0xff; b[off + 2] = (v >>> 16) & 0xff; b[off + 3] = v >>> 24;
  } else {
    b[off] = v >>> 24; b[off + 1] = (v >>> 16) & 0xff; b[off + 2] = (v >>> 8) & 0xff; b[off + 3] = v & 0xff;
  }
}

export function walkCapture(b: Uint8Array): CaptureLayout {
  const out: CaptureLayout = { kind: 'unknown', little: true, recHdrLen: 16, snaplen: 0, linktype: -1, records: [], blocks: [], options: [], walkedTo: 0 };
  if (b.length < 4) return out;
  const magicBE = u32(b, 0, false);
  const pm = PCAP_MAGICS[magicBE];
  if (pm) {
    out.kind = 'pcap';
    out.little = pm.little;
    out.recHdrLen = pm.modified ? 24 : 16;
    if (b.length < 24) return out;
    out.snaplen = u32(b, 16, pm.little);
    out.linktype = u32(b, 20, pm.little) & 0x0fffffff;
    let off = 24;
    while (off + out.recHdrLen <= b.length) {
      const caplen = u32(b, off + 8, pm.little);
      const end = off + out.recHdrLen + caplen;
      if (caplen > 0x4000000 || end > b.length) break;
      out.records.push({ hdr: off, data: off + out.recHdrLen, caplen, end, caplenField: off + 8, origlenField: off + 12, linktype: out.linktype, little: pm.little });
      off = end;
    }
    out.walkedTo = off;
    return out;
  }
  if (magicBE !== 0x0a0d0d0a) return out;
  out.kind = 'pcapng';
  let off = 0;
  let little = true;
  let linktypes: number[] = [];
  let snaplens: number[] = [];
  while (off + 12 <= b.length) {
    if (u32(b, off, false) === 0x0a0d0d0a) {
      const bom = u32(b, off + 8, true);
      if (bom === 0x1a2b3c4d) little = true;
      else if (bom === 0x4d3c2b1a) little = false;
      else break;
      linktypes = [];
      snaplens = [];
    }
    const type = u32(b, off, little);
    const totalLen = u32(b, off + 4, little);
    if (totalLen < 12 || totalLen % 4 !== 0 || off + totalLen > b.length) break;
    if (u32(b, off + totalLen - 4, little) !== totalLen) break;
    if (out.blocks.length === 0) out.little = little;
    out.blocks.push({ offset: off, type, totalLen, little });
    const bodyEnd = off + totalLen - 4;
    let optStart = -1;
    if (type === 0x0a0d0d0a) optStart = off + 24;
    else if (type === 1 && totalLen >= 20) {
      linktypes.push(u16(b, off + 8, little));
      snaplens.push(u32(b, off + 12, little));
      optStart = off + 16;
    } else if ((type === 6 || type === 2) && totalLen >= 32) {
      const caplen = u32(b, off + 20, little);
      const iface = type === 6 ? u32(b, off + 8, little) : u16(b, off + 8, little);
      if (28 + caplen <= totalLen - 4) {
        out.records.push({ hdr: off, data: off + 28, caplen, end: off + totalLen, caplenField: off + 20, origlenField: off + 24, linktype: linktypes[iface] ?? -1, little });
        optStart = off + 28 + ((caplen + 3) & ~3);
      }
    } else if (type === 3 && totalLen >= 16) {
      const orig = u32(b, off + 8, little);
      const snap = snaplens[0] || 0xffffffff;
      const caplen = Math.min(orig, snap, totalLen - 16);
      out.records.push({ hdr: off, data: off + 12, caplen, end: off + totalLen, caplenField: -1, origlenField: off + 8, linktype: linktypes[0] ?? -1, little });
    } else if (type === 5 && totalLen >= 28) optStart = off + 20;
    if (optStart >= 0) {
      let o = optStart;
      while (o + 4 <= bodyEnd) {
        const code = u16(b, o, little);
        const len = u16(b, o + 2, little);
        out.options.push({ offset: o, code, len, little, blockType: type });
        if (code === 0) break;
        o += 4 + ((len + 3) & ~3);
      }
    }
    off += totalLen;
  }
  out.walkedTo = off;
  return out;
}

/** Offset of the network (IP) header inside a record for the common link types, -1 if unknown. */
export function networkOffset(b: Uint8Array, r: RecordPos): number {
  const d = r.data;
  const end = r.data + r.caplen;
  switch (r.linktype) {
    case 1: {
      let o = d + 12;
      while (o + 2 <= end) {
        const et = u16(b, o, false);
        if (et === 0x8100 || et === 0x88a8 || et === 0x9100) { o += 4; continue; }
        return et === 0x0800 || et === 0x86dd ? o + 2 : -1;
      }
      return -1;
    }
    case 12: case 14: case 101: case 228: case 229: return d;
    case 0: case 108: return d + 4;
    case 113: return d + 16;
    case 276: return d + 20;
    default: return -1;
  }
}

export interface IpPos {
  /** Offset of the IP header, IP version, and (IPv4) header length / (IPv6) upper-layer offset. */
  ip: number;
  version: 4 | 6;
  /** Offset of the transport header and the protocol there (-1 when not reached). */
  l4: number;
  proto: number;
}

/** Locate IP and transport headers in a record (first header only; no extension-header walk beyond the simple ones). */
export function locateIp(b: Uint8Array, r: RecordPos): IpPos | null {
  const ip = networkOffset(b, r);
  const end = r.data + r.caplen;
  if (ip < 0 || ip + 20 > end) return null;
  const v = b[ip]! >> 4;
  if (v === 4) {
    const ihl = (b[ip]! & 15) * 4;
    const frag = u16(b, ip + 6, false) & 0x1fff;
    return { ip, version: 4, l4: ihl >= 20 && ip + ihl < end && frag === 0 ? ip + ihl : -1, proto: b[ip + 9]! };
  }
  if (v === 6 && ip + 40 <= end) {
    let nh = b[ip + 6]!;
    let o = ip + 40;
    for (let i = 0; i < 8 && (nh === 0 || nh === 43 || nh === 60) && o + 8 <= end; i++) {
      nh = b[o]!;
      o += (b[o + 1]! + 1) * 8;
    }
    return { ip, version: 6, l4: o < end ? o : -1, proto: nh };
  }
  return null;
}
