/**
 * Seeded, format-aware mutation fuzzer for captures. `makeCase(corpus, seed, index)` is a pure
 * function: the same (seed, index) over the same corpus always yields the same bytes, so every
 * finding reproduces with `npx tsx scripts/fuzz.ts --seed S --case I`.
 *
 * Mutations target what real-world breakage and hostile traffic look like: truncation at record
 * boundaries / random bytes / inside records, bit flips, corrupted length fields (pcap caplen over
 * snaplen or 0xffffffff, pcapng block lengths not multiple of 4, zero-length blocks, trailer
 * mismatch, overrunning options), random link types, IPv4 IHL < 5, TCP data offset < 5, IPv6
 * extension chains that never end or run past the packet, VLAN/MPLS tag chains, TCP sequence jumps
 * and hostile payloads (for the payload stage's reassembly and analyzers), fragment floods, inputs
 * larger than the read window with a 100–250 MiB length claim, and gzip wrapping (whole or cut).
 * A quarter of the cases are fed through stdin in odd-sized chunks; half the pcap cases use resync.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { ethIpv4, ethIpv6, ip4, tcpSegment, udpDatagram, writePcap, type Frame } from './build.ts';
import { locateIp, put16, put32, u16, u32, walkCapture, type CaptureLayout, type RecordPos } from './layout.ts';

// ---- PRNG ----------------------------------------------------------------------------------------

/** sfc32 seeded through splitmix32: fast, 32-bit, deterministic across platforms. */
export class Rng {
  private a: number; private b: number; private c: number; private d: number;
  constructor(...seeds: number[]) {
    let h = 0x9e3779b9;
    const mix = (): number => {
      h = (h + 0x9e3779b9) | 0;
      let z = h;
      for (const s of seeds) z = Math.imul(z ^ (s | 0), 0x85ebca6b) ^ (z >>> 13);
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    this.a = mix(); this.b = mix(); this.c = mix(); this.d = mix();
    for (let i = 0; i < 12; i++) this.next();
  }
  /** Uniform uint32. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor((this.next() / 4294967296) * n);
  }
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() / 4294967296 < p;
  }
}

// ---- corpus --------------------------------------------------------------------------------------

export interface CorpusFile {
  name: string;
  bytes: Uint8Array;
  layout: CaptureLayout;
}

export const CORPUS_DIR = new URL('../../../shared/corpus/pcap/', import.meta.url);

/** Every capture in the corpus (sorted by name so case numbering is stable). */
export function loadCorpus(dir: URL = CORPUS_DIR): CorpusFile[] {
  return readdirSync(dir)
    .filter((n) => /\.(pcap|pcapng|cap)$/.test(n))
    .sort()
    .map((name) => {
      const bytes = new Uint8Array(readFileSync(new URL(name, dir)));
      return { name, bytes, layout: walkCapture(bytes) };
    });
}

// ---- cases ---------------------------------------------------------------------------------------

export interface FuzzCase {
  index: number;
  seed: number;
  /** Source corpus file ('' for a fully synthetic capture). */
  source: string;
  op: string;
  detail: string;
  bytes: Uint8Array;
  /** Upper bound on packets any correct reader can deliver from these bytes. */
  maxPackets: number;
  /** Complete records before a truncation point (truncation ops only): a lenient reader must deliver exactly these. */
  completeRecords?: number;
  gzip?: boolean;
  /** The mutation is certainly corrupt framing: the reader must report an error or warning. */
  expectFault?: boolean;
  /** Feed the bytes through stdin in chunks of these sizes (cycled), exercising the stream reader. */
  stdinChunks?: number[];
  /** Read with ReadOptions.resync (classic pcap: skip a corrupt record header to the next plausible one). */
  resync?: boolean;
}

interface Ctx {
  f: CorpusFile;
  rng: Rng;
}
type Mut = { op: string; detail: string; bytes: Uint8Array; completeRecords?: number; expectFault?: boolean } | null;

const copy = (b: Uint8Array): Uint8Array => new Uint8Array(b);
const hex = (n: number): string => '0x' + (n >>> 0).toString(16);

function pickRecord(c: Ctx): RecordPos | null {
  const rs = c.f.layout.records;
  return rs.length ? c.rng.pick(rs) : null;
}

function truncBoundary(c: Ctx): Mut {
  const rs = c.f.layout.records;
  if (!rs.length) return null;
  const k = c.rng.int(rs.length + 1);
  const cut = k === rs.length ? rs[k - 1]!.end : rs[k]!.hdr;
  return { op: 'trunc-boundary', detail: `cut at record boundary ${k} (byte ${cut})`, bytes: c.f.bytes.slice(0, cut), completeRecords: k };
}

function truncRandom(c: Ctx): Mut {
  const cut = c.rng.int(c.f.bytes.length);
  return { op: 'trunc-random', detail: `cut at byte ${cut}`, bytes: c.f.bytes.slice(0, cut), completeRecords: c.f.layout.records.filter((r) => r.end <= cut).length };
}

function truncInside(c: Ctx): Mut {
  const r = pickRecord(c);
  if (!r || r.end - r.hdr < 2) return null;
  const cut = c.rng.range(r.hdr + 1, r.end - 1);
  return { op: 'trunc-inside', detail: `cut at byte ${cut} inside the record at ${r.hdr}`, bytes: c.f.bytes.slice(0, cut), completeRecords: c.f.layout.records.filter((x) => x.end <= cut).length };
}

function bitflip(c: Ctx): Mut {
  const b = copy(c.f.bytes);
  if (!b.length) return null;
  const n = c.rng.range(1, 16);
  const at: number[] = [];
  const r = pickRecord(c);
  for (let i = 0; i < n; i++) {
    // Half the flips land in one record's first 80 bytes (headers), half anywhere.
    const o = r && c.rng.chance(0.5) ? Math.min(b.length - 1, r.hdr + c.rng.int(80)) : c.rng.int(b.length);
    b[o]! ^= 1 << c.rng.int(8);
    at.push(o);
  }
  return { op: 'bitflip', detail: `${n} bit flips at bytes ${at.join(',')}`, bytes: b };
}

function byteSet(c: Ctx): Mut {
  const b = copy(c.f.bytes);
  if (!b.length) return null;
  const n = c.rng.range(1, 8);
  const at: string[] = [];
  for (let i = 0; i < n; i++) {
    const o = c.rng.int(b.length);
    const v = c.rng.pick([0, 0xff, 0x7f, 0x80, 0x01, c.rng.int(256)]);
    b[o] = v;
    at.push(`${o}=${v}`);
  }
  return { op: 'byteset', detail: `bytes set ${at.join(',')}`, bytes: b };
}

function splice(c: Ctx): Mut {
  const src = c.f.bytes;
  if (src.length < 8) return null;
  const from = c.rng.int(src.length);
  const len = c.rng.range(1, Math.min(256, src.length - from));
  const to = c.rng.int(src.length);
  const mode = c.rng.int(3);
  let b: Uint8Array;
  if (mode === 0) { b = copy(src); b.copyWithin(to, from, from + len); }
  else if (mode === 1) { b = new Uint8Array(src.length + len); b.set(src.subarray(0, to)); b.set(src.subarray(from, from + len), to); b.set(src.subarray(to), to + len); }
  else { const cut = Math.min(len, src.length - to); b = new Uint8Array(src.length - cut); b.set(src.subarray(0, to)); b.set(src.subarray(to + cut), to); }
  return { op: 'splice', detail: `${['overwrite', 'insert', 'delete'][mode]} ${len} bytes from ${from} at ${to}`, bytes: b };
}

const HUGE_LENGTHS = [0xffffffff, 0x80000000, 0x7fffffff, 0x10000001, 0x0fffffff, 0x00ffffff];

function pcapCaplen(c: Ctx): Mut {
  if (c.f.layout.kind !== 'pcap') return null;
  const r = pickRecord(c);
  if (!r) return null;
  const snap = c.f.layout.snaplen;
  const v = c.rng.pick([snap + 1, snap + c.rng.range(1, 70000), c.rng.pick(HUGE_LENGTHS), 0, r.caplen + 1, Math.max(0, r.caplen - 1), r.caplen + c.rng.range(2, 5000), c.rng.next()]) >>> 0;
  const b = copy(c.f.bytes);
  put32(b, r.caplenField, v, r.little);
  return { op: 'pcap-caplen', detail: `record at ${r.hdr}: caplen ${r.caplen} -> ${v} (${hex(v)}), snaplen ${snap}`, bytes: b, expectFault: v > 0x10000000 };
}

function pcapOriglen(c: Ctx): Mut {
  const r = pickRecord(c);
  if (!r || r.origlenField < 0) return null;
  const v = c.rng.pick([0, Math.max(0, r.caplen - 1), 0xffffffff, c.rng.next()]) >>> 0;
  const b = copy(c.f.bytes);
  put32(b, r.origlenField, v, r.little);
  return { op: 'origlen', detail: `record at ${r.hdr}: origlen -> ${v}`, bytes: b };
}

function pcapTimestamp(c: Ctx): Mut {
  if (c.f.layout.kind !== 'pcap') return null;
  const r = pickRecord(c);
  if (!r) return null;
  const b = copy(c.f.bytes);
  const field = c.rng.chance(0.5) ? 4 : 0;
  const v = c.rng.pick([1_000_000, 999_999_999, 1_000_000_000, 0xffffffff, 0, c.rng.next()]) >>> 0;
  put32(b, r.hdr + field, v, r.little);
  return { op: 'pcap-ts', detail: `record at ${r.hdr}: ts_${field ? 'frac' : 'sec'} -> ${v}`, bytes: b };
}

const LINKTYPES = [0, 1, 9, 12, 14, 50, 101, 104, 105, 108, 113, 127, 228, 229, 276, 147, 65535, 0xffff, 0xfffffff, 0xffffffff];

function pcapFileHeader(c: Ctx): Mut {
  if (c.f.layout.kind !== 'pcap' || c.f.bytes.length < 24) return null;
  const b = copy(c.f.bytes);
  const L = c.f.layout;
  const what = c.rng.int(4);
  if (what === 0) {
    const v = c.rng.pick([0, 1, 14, 0xffffffff, 0x7fffffff, 0x40000, c.rng.next()]) >>> 0;
    put32(b, 16, v, L.little);
    return { op: 'pcap-snaplen', detail: `snaplen ${L.snaplen} -> ${v}`, bytes: b };
  }
  if (what === 1) {
    const v = c.rng.chance(0.7) ? c.rng.pick(LINKTYPES) : c.rng.next();
    put32(b, 20, v, L.little);
    return { op: 'linktype', detail: `pcap linktype ${L.linktype} -> ${v >>> 0}`, bytes: b };
  }
  if (what === 2) {
    put16(b, 4, c.rng.int(65536), L.little);
    put16(b, 6, c.rng.int(65536), L.little);
    return { op: 'pcap-version', detail: `version -> ${u16(b, 4, L.little)}.${u16(b, 6, L.little)}`, bytes: b };
  }
  b[c.rng.int(4)]! ^= 1 << c.rng.int(8);
  return { op: 'pcap-magic', detail: `magic -> ${hex(u32(b, 0, false))}`, bytes: b };
}

function ngBlockLen(c: Ctx): Mut {
  const bs = c.f.layout.blocks;
  if (!bs.length) return null;
  const blk = c.rng.pick(bs);
  const b = copy(c.f.bytes);
  const v = c.rng.pick([blk.totalLen + 1, blk.totalLen + 2, blk.totalLen + 3, 0, 4, 8, 12, blk.totalLen - 4, blk.totalLen + 4 * c.rng.range(1, 64), c.rng.pick(HUGE_LENGTHS), c.rng.next()]) >>> 0;
  put32(b, blk.offset + 4, v, blk.little);
  const both = c.rng.chance(0.5);
  if (both) put32(b, blk.offset + blk.totalLen - 4, v, blk.little);
  return { op: 'ng-blocklen', detail: `block type ${hex(blk.type)} at ${blk.offset}: total length ${blk.totalLen} -> ${v}${both ? ' (head and trailer)' : ''}`, bytes: b, expectFault: v !== blk.totalLen };
}

function ngTrailer(c: Ctx): Mut {
  const bs = c.f.layout.blocks;
  if (!bs.length) return null;
  const blk = c.rng.pick(bs);
  const b = copy(c.f.bytes);
  const v = c.rng.pick([blk.totalLen + 4, blk.totalLen - 4, 0, c.rng.next()]) >>> 0;
  put32(b, blk.offset + blk.totalLen - 4, v, blk.little);
  return { op: 'ng-trailer', detail: `block at ${blk.offset}: trailing length ${blk.totalLen} -> ${v}`, bytes: b };
}

function ngInsertBlock(c: Ctx): Mut {
  const bs = c.f.layout.blocks;
  if (!bs.length) return null;
  const at = c.rng.pick(bs).offset + (c.rng.chance(0.5) ? c.rng.pick(bs).totalLen : 0);
  const pos = Math.min(at, c.f.bytes.length);
  const little = bs[0]!.little;
  const kind = c.rng.int(4);
  let blk: Uint8Array;
  let detail: string;
  let fault = true;
  if (kind === 0) {
    blk = new Uint8Array(8);
    put32(blk, 0, c.rng.pick([6, 1, 3, 5, 0x0bad]), little);
    detail = 'zero-length block (total length 0)';
  } else if (kind === 1) {
    blk = new Uint8Array(12);
    const type = c.rng.pick([6, 1, 3, 5, 2, 0x0a0d0d0a]);
    put32(blk, 0, type, little); put32(blk, 4, 12, little); put32(blk, 8, 12, little);
    detail = `empty-body block type ${hex(type)} (total length 12)`;
    fault = type !== 5; // an empty ISB is malformed, but readers may skip statistics blocks unread
  } else if (kind === 2) {
    const n = 4 * c.rng.range(3, 40);
    blk = new Uint8Array(n);
    for (let i = 8; i < n - 4; i++) blk[i] = c.rng.int(256);
    const type = c.rng.pick([6, 1, 3, 5, 0x80000001, 0x0bad]);
    put32(blk, 0, type, little); put32(blk, 4, n, little); put32(blk, n - 4, n, little);
    detail = `random-body block type ${hex(type)} length ${n}`;
    fault = false;
  } else {
    // An EPB whose caplen points far past its block.
    blk = new Uint8Array(36);
    put32(blk, 0, 6, little); put32(blk, 4, 36, little); put32(blk, 8, c.rng.int(3), little);
    const cl = c.rng.pick([5, 8, 100, 0xffffffff]);
    put32(blk, 20, cl, little); put32(blk, 24, 60, little); put32(blk, 32, 36, little);
    detail = `EPB (4 data bytes) with caplen ${cl} past its block`;
  }
  const b = new Uint8Array(c.f.bytes.length + blk.length);
  b.set(c.f.bytes.subarray(0, pos)); b.set(blk, pos); b.set(c.f.bytes.subarray(pos), pos + blk.length);
  return { op: 'ng-insert', detail: `${detail} inserted at ${pos}`, bytes: b, expectFault: fault };
}

function ngOption(c: Ctx): Mut {
  const os = c.f.layout.options;
  if (!os.length) return null;
  const o = c.rng.pick(os);
  const b = copy(c.f.bytes);
  const what = c.rng.int(3);
  if (what === 0) {
    const v = c.rng.pick([0xffff, o.len + 4, o.len + c.rng.range(5, 400), 0xfffc]);
    put16(b, o.offset + 2, v, o.little);
    return { op: 'ng-option-len', detail: `option ${o.code} of block ${hex(o.blockType)} at ${o.offset}: length ${o.len} -> ${v}`, bytes: b };
  }
  if (what === 1 && o.blockType === 1) {
    // if_tsresol (9) / if_tsoffset (14) with hostile values, keeping the option's own length.
    const code = c.rng.pick([9, 14]);
    put16(b, o.offset, code, o.little);
    if (code === 9) {
      const v = c.rng.pick([0x7f, 0xff, 0xbf, 0x80, 0x40, 19, 0]);
      put16(b, o.offset + 2, 1, o.little);
      if (o.offset + 4 < b.length) b[o.offset + 4] = v;
      return { op: 'ng-tsresol', detail: `IDB option at ${o.offset} -> if_tsresol ${hex(v)}`, bytes: b };
    }
    put16(b, o.offset + 2, c.rng.pick([8, 4, 1]), o.little);
    for (let i = 0; i < 8 && o.offset + 4 + i < b.length; i++) b[o.offset + 4 + i] = c.rng.pick([0xff, 0x7f, c.rng.int(256)]);
    return { op: 'ng-tsoffset', detail: `IDB option at ${o.offset} -> if_tsoffset (hostile)`, bytes: b };
  }
  put16(b, o.offset, c.rng.next() & 0xffff, o.little);
  return { op: 'ng-option-code', detail: `option at ${o.offset}: code ${o.code} -> ${u16(b, o.offset, o.little)}`, bytes: b };
}

function ngFields(c: Ctx): Mut {
  const bs = c.f.layout.blocks;
  if (!bs.length) return null;
  const b = copy(c.f.bytes);
  const blk = c.rng.pick(bs);
  const L = blk.little;
  if (blk.type === 0x0a0d0d0a && blk.totalLen >= 28) {
    const what = c.rng.int(3);
    if (what === 0) { put32(b, blk.offset + 8, c.rng.pick([0, 0x1a2b3c4e, c.rng.next()]), true); return { op: 'ng-shb-bom', detail: `SHB at ${blk.offset}: byte-order magic corrupted`, bytes: b }; }
    if (what === 1) { put16(b, blk.offset + 12, c.rng.pick([0, 2, 0xffff]), L); return { op: 'ng-shb-version', detail: `SHB at ${blk.offset}: major version changed`, bytes: b }; }
    for (let i = 16; i < 24; i++) b[blk.offset + i] = c.rng.int(256);
    return { op: 'ng-shb-seclen', detail: `SHB at ${blk.offset}: random section length`, bytes: b };
  }
  if (blk.type === 1 && blk.totalLen >= 20) {
    if (c.rng.chance(0.6)) {
      const v = c.rng.chance(0.7) ? c.rng.pick(LINKTYPES) & 0xffff : c.rng.int(65536);
      put16(b, blk.offset + 8, v, L);
      return { op: 'linktype', detail: `IDB at ${blk.offset}: linktype -> ${v}`, bytes: b };
    }
    const v = c.rng.pick([0, 1, 0xffffffff, c.rng.next()]) >>> 0;
    put32(b, blk.offset + 12, v, L);
    return { op: 'ng-snaplen', detail: `IDB at ${blk.offset}: snaplen -> ${v}`, bytes: b };
  }
  if ((blk.type === 6 || blk.type === 2) && blk.totalLen >= 32) {
    const what = c.rng.int(3);
    if (what === 0) {
      const v = c.rng.pick([blk.totalLen, blk.totalLen - 27, c.rng.pick(HUGE_LENGTHS), 0x10000, c.rng.next()]) >>> 0;
      put32(b, blk.offset + 20, v, L);
      return { op: 'ng-caplen', detail: `EPB at ${blk.offset} (length ${blk.totalLen}): caplen -> ${v}`, bytes: b };
    }
    if (what === 1) {
      const v = c.rng.pick([1, 7, 255, 0xffff, 0xffffffff, c.rng.next()]) >>> 0;
      if (blk.type === 6) put32(b, blk.offset + 8, v, L); else put16(b, blk.offset + 8, v & 0xffff, L);
      return { op: 'ng-iface', detail: `EPB at ${blk.offset}: interface id -> ${v}`, bytes: b };
    }
    put32(b, blk.offset + 12, c.rng.next(), L);
    put32(b, blk.offset + 16, c.rng.next(), L);
    return { op: 'ng-ts', detail: `EPB at ${blk.offset}: random 64-bit timestamp`, bytes: b };
  }
  return null;
}

// ---- packet-content mutations ----------------------------------------------------------------------

function pickIpRecord(c: Ctx, want: 4 | 6 | 0, needL4 = false): { r: RecordPos; ip: ReturnType<typeof locateIp> & {} } | null {
  const rs = c.f.layout.records;
  if (!rs.length) return null;
  const start = c.rng.int(rs.length);
  for (let i = 0; i < Math.min(rs.length, 400); i++) {
    const r = rs[(start + i) % rs.length]!;
    const ip = locateIp(c.f.bytes, r);
    if (ip && (want === 0 || ip.version === want) && (!needL4 || ip.l4 >= 0)) return { r, ip };
  }
  return null;
}

function ipv4Header(c: Ctx): Mut {
  const hit = pickIpRecord(c, 4);
  if (!hit) return null;
  const b = copy(c.f.bytes);
  const o = hit.ip.ip;
  const what = c.rng.int(4);
  if (what === 0) {
    const ihl = c.rng.pick([0, 1, 2, 3, 4, 15]);
    b[o] = 0x40 | ihl;
    return { op: 'ipv4-ihl', detail: `record at ${hit.r.hdr}: IPv4 IHL -> ${ihl} (${ihl * 4} bytes)`, bytes: b };
  }
  if (what === 1) {
    const v = c.rng.pick([0, 1, 19, 20, 21, 65535, c.rng.int(65536)]);
    put16(b, o + 2, v, false);
    return { op: 'ipv4-totlen', detail: `record at ${hit.r.hdr}: IPv4 total length -> ${v}`, bytes: b };
  }
  if (what === 2) {
    const v = c.rng.pick([0x2000, 0x1fff, 0x3fff, 0x2001, c.rng.int(65536)]);
    put16(b, o + 6, v, false);
    return { op: 'ipv4-frag', detail: `record at ${hit.r.hdr}: IPv4 flags/fragment offset -> ${hex(v)}`, bytes: b };
  }
  const p = c.rng.pick([0, 1, 2, 4, 6, 17, 41, 47, 50, 51, 58, 132, 255]);
  b[o + 9] = p;
  return { op: 'ipv4-proto', detail: `record at ${hit.r.hdr}: IPv4 protocol -> ${p}`, bytes: b };
}

function transportHeader(c: Ctx): Mut {
  const hit = pickIpRecord(c, 0, true);
  if (!hit) return null;
  const b = copy(c.f.bytes);
  const o = hit.ip.l4;
  const end = hit.r.data + hit.r.caplen;
  if (hit.ip.proto === 6 && o + 13 < end) {
    const doff = c.rng.pick([0, 1, 2, 3, 4, 15]);
    b[o + 12] = (doff << 4) | (b[o + 12]! & 0x0f);
    if (c.rng.chance(0.3)) b[o + 13] = c.rng.int(256);
    return { op: 'tcp-doff', detail: `record at ${hit.r.hdr}: TCP data offset -> ${doff}, flags ${hex(b[o + 13]!)}`, bytes: b };
  }
  if (hit.ip.proto === 17 && o + 6 <= end) {
    const v = c.rng.pick([0, 1, 7, 8, 65535, c.rng.int(65536)]);
    put16(b, o + 4, v, false);
    return { op: 'udp-len', detail: `record at ${hit.r.hdr}: UDP length -> ${v}`, bytes: b };
  }
  // Anything else: randomise the first transport bytes.
  for (let i = 0; i < 8 && o + i < end; i++) b[o + i] = c.rng.int(256);
  return { op: 'l4-random', detail: `record at ${hit.r.hdr}: first transport bytes randomised (proto ${hit.ip.proto})`, bytes: b };
}

function tcpSeqAndPayload(c: Ctx): Mut {
  // Prefer TCP records that carry payload (application streams the payload stage reassembles).
  let hit = null;
  for (let i = 0; i < 20; i++) {
    const h = pickIpRecord(c, 0, true);
    if (!h || h.ip.proto !== 6) continue;
    hit = h;
    if (h.ip.l4 + 20 < h.r.data + h.r.caplen) break;
  }
  if (!hit) return null;
  const b = copy(c.f.bytes);
  const o = hit.ip.l4;
  const end = hit.r.data + hit.r.caplen;
  const what = c.rng.int(3);
  if (what === 0 && o + 12 <= end) {
    const old = u32(b, o + 4, false);
    const v = c.rng.pick([(old + 0x80000000) >>> 0, (old - 1) >>> 0, (old + 65536 * 1024) >>> 0, 0xffffffff, 0, c.rng.next()]);
    put32(b, o + (c.rng.chance(0.7) ? 4 : 8), v, false);
    return { op: 'tcp-seq', detail: `record at ${hit.r.hdr}: TCP seq/ack ${old} -> ${v}`, bytes: b };
  }
  const doff = (b[o + 12]! >> 4) * 4;
  const p = o + Math.max(20, doff);
  if (p >= end) return null;
  const pat = c.rng.int(4);
  const text = ['USER root', 'PASS ', 'GET /' + 'A'.repeat(40), 'su root\r\n', '230 ', '\xff\xfd\x18'][c.rng.int(6)]!;
  for (let i = p; i < end; i++) {
    b[i] = pat === 0 ? c.rng.int(256) : pat === 1 ? text.charCodeAt((i - p) % text.length) & 0xff : pat === 2 ? 0x0a : 0x41;
  }
  return { op: 'payload', detail: `record at ${hit.r.hdr}: ${end - p} TCP payload bytes -> ${['random', `repeated "${text}"`, 'all newlines', 'one long line'][pat]}`, bytes: b };
}

function ipv6Mutation(c: Ctx): Mut {
  const hit = pickIpRecord(c, 6);
  if (!hit) return null;
  const b = copy(c.f.bytes);
  const o = hit.ip.ip;
  const end = hit.r.data + hit.r.caplen;
  const what = c.rng.int(3);
  if (what === 0) {
    // A chain of hop-by-hop/dest-options/routing headers each pointing to another, running to the end of the packet.
    b[o + 6] = 0;
    let p = o + 40;
    let n = 0;
    while (p + 2 <= end) {
      b[p] = c.rng.pick([0, 60, 43, 0]);
      b[p + 1] = 0;
      p += 8;
      n++;
    }
    return { op: 'ipv6-ext-loop', detail: `record at ${hit.r.hdr}: ${n} extension headers chained to the end of the packet (never reaching a transport)`, bytes: b };
  }
  if (what === 1 && o + 42 <= end) {
    b[o + 6] = c.rng.pick([0, 43, 60, 44, 51]);
    b[o + 40] = c.rng.pick([0, 6, 17, 59, 44]);
    b[o + 41] = c.rng.pick([255, 200, 31]);
    return { op: 'ipv6-ext-overrun', detail: `record at ${hit.r.hdr}: extension header ${b[o + 6]} with length ${b[o + 41]} past the packet end`, bytes: b };
  }
  const v = c.rng.pick([0, 1, 65535, c.rng.int(65536)]);
  put16(b, o + 4, v, false);
  return { op: 'ipv6-paylen', detail: `record at ${hit.r.hdr}: IPv6 payload length -> ${v}`, bytes: b };
}

function linkChain(c: Ctx): Mut {
  const rs = c.f.layout.records.filter((r) => r.linktype === 1 && r.caplen > 18);
  if (!rs.length) return null;
  const r = c.rng.pick(rs);
  const b = copy(c.f.bytes);
  const end = r.data + r.caplen;
  const kind = c.rng.int(3);
  let p = r.data + 12;
  if (kind === 0) {
    while (p + 4 <= end) { put16(b, p, c.rng.pick([0x8100, 0x88a8, 0x9100]), false); put16(b, p + 2, c.rng.int(4096), false); p += 4; }
    return { op: 'vlan-chain', detail: `record at ${r.hdr}: VLAN tags to the end of the frame`, bytes: b };
  }
  if (kind === 1) {
    put16(b, p, 0x8847, false);
    p += 2;
    while (p + 4 <= end) { put32(b, p, (c.rng.int(1 << 20) << 12) | 64, false); p += 4; }
    return { op: 'mpls-chain', detail: `record at ${r.hdr}: MPLS labels without bottom-of-stack to the end of the frame`, bytes: b };
  }
  put16(b, p, 0x8864, false);
  if (p + 8 <= end) { b[p + 2] = 0x11; b[p + 3] = 0; put16(b, p + 6, c.rng.pick([0, 1, 0xffff]), false); }
  return { op: 'pppoe-len', detail: `record at ${r.hdr}: PPPoE session header with hostile length`, bytes: b };
}

function shuffleRecords(c: Ctx): Mut {
  const rs = c.f.layout.records;
  if (rs.length < 3 || c.f.layout.kind !== 'pcap') return null;
  const i = c.rng.int(rs.length);
  const j = c.rng.int(rs.length);
  if (i === j) return null;
  const [a, z] = i < j ? [rs[i]!, rs[j]!] : [rs[j]!, rs[i]!];
  const src = c.f.bytes;
  const b = new Uint8Array(src.length);
  let o = 0;
  const put = (s: number, e: number): void => { b.set(src.subarray(s, e), o); o += e - s; };
  put(0, a.hdr); put(z.hdr, z.end); put(a.end, z.hdr); put(a.hdr, a.end); put(z.end, src.length);
  return { op: 'swap-records', detail: `records at ${a.hdr} and ${z.hdr} swapped (time goes backwards)`, bytes: b };
}

function gzipWrap(c: Ctx): Mut {
  const z = gzipSync(c.f.bytes, { level: 1 });
  if (c.rng.chance(0.5)) {
    const cut = c.rng.int(z.length);
    return { op: 'gzip-cut', detail: `gzipped then cut at compressed byte ${cut} of ${z.length}`, bytes: z.subarray(0, cut) };
  }
  const zz = new Uint8Array(z);
  if (c.rng.chance(0.5)) zz[c.rng.range(10, Math.max(10, zz.length - 9))]! ^= 1 << c.rng.int(8);
  return { op: 'gzip', detail: 'gzipped (maybe one bit flipped in the deflate stream)', bytes: zz };
}

function bigFileLength(c: Ctx): Mut {
  // Inputs larger than the 4 MiB read window (+ read-ahead), so a corrupt length makes the reader
  // refill and grow its window for real: a pcapng file repeated as sections, or a pcap's records
  // repeated under a 256 MiB snaplen; then one length field claims 100–250 MiB.
  const L = c.f.layout;
  if (!L.records.length || c.f.bytes.length < 2000) return null;
  const target = 5 * 1024 * 1024 + c.rng.int(3 * 1024 * 1024);
  let b: Uint8Array;
  let field: number;
  let little: boolean;
  if (L.kind === 'pcapng') {
    const reps = Math.ceil(target / c.f.bytes.length);
    b = new Uint8Array(reps * c.f.bytes.length);
    for (let i = 0; i < reps; i++) b.set(c.f.bytes, i * c.f.bytes.length);
    const rep = c.rng.int(reps);
    const blk = c.rng.pick(L.blocks);
    field = rep * c.f.bytes.length + blk.offset + 4;
    little = blk.little;
  } else if (L.kind === 'pcap') {
    const body = c.f.bytes.subarray(24, L.records[L.records.length - 1]!.end);
    const reps = Math.ceil(target / body.length);
    b = new Uint8Array(24 + reps * body.length);
    b.set(c.f.bytes.subarray(0, 24));
    for (let i = 0; i < reps; i++) b.set(body, 24 + i * body.length);
    put32(b, 16, 0x10000000, L.little);
    const rep = c.rng.int(reps);
    const r = c.rng.pick(L.records);
    field = 24 + rep * body.length + (r.caplenField - 24);
    little = L.little;
  } else return null;
  const v = (c.rng.range(100, 250) * 1024 * 1024) & ~3;
  put32(b, field, v, little);
  return { op: 'big-length', detail: `${b.length}-byte ${L.kind} built from repeats; length field at ${field} -> ${v}`, bytes: b, expectFault: true };
}

// ---- synthetic: fragment floods ------------------------------------------------------------------

export function fragmentFlood(rng: Rng, count: number): { op: string; detail: string; bytes: Uint8Array } {
  const mode = rng.int(6);
  const frames: Frame[] = [];
  const t0 = 1_700_000_000;
  const chunk = new Uint8Array(rng.pick([8, 16, 64, 1480]));
  const A = ip4(10, 0, 0, 1);
  const B = ip4(10, 0, 0, 2);
  for (let i = 0; i < count; i++) {
    const ts = t0 + i * 1e-4;
    if (mode === 0) {
      // One datagram, thousands of overlapping fragments, never completed (no final fragment).
      frames.push({ ts, data: ethIpv4({ src: A, dst: B, proto: 17, id: 7, mf: true, fragOffset: (rng.int(8000) * 8) & 0xfff8, payload: chunk }) });
    } else if (mode === 1) {
      // Many datagrams (distinct sources and ids), first fragment only.
      frames.push({ ts, data: ethIpv4({ src: (A + i) >>> 0, dst: B, proto: 6, id: i & 0xffff, mf: true, fragOffset: 0, payload: tcpSegment(A + i, B, 1024 + (i & 0x7fff), 80, 0x02) }) });
    } else if (mode === 2) {
      // Fragments reaching past 65535 bytes (offset 8184 × 8 + data).
      frames.push({ ts, data: ethIpv4({ src: A, dst: (B + (i & 255)) >>> 0, proto: 17, id: i & 0xffff, mf: rng.chance(0.5), fragOffset: 65528, payload: new Uint8Array(1480) }) });
    } else if (mode === 3) {
      // Zero-length and tiny fragments, plus last fragments without a first.
      frames.push({ ts, data: ethIpv4({ src: A, dst: B, proto: rng.pick([6, 17, 1]), id: rng.int(64), mf: rng.chance(0.5), fragOffset: rng.int(64) * 8, payload: new Uint8Array(rng.int(3) * 8) }) });
    } else if (mode === 5) {
      // Overlapping fragments of a few datagrams that DO complete (final fragment at the end of each
      // group of 500): reassembly must bound and finish them.
      const id = (i / 500) | 0;
      const last = i % 500 === 499;
      frames.push({ ts, data: ethIpv4({ src: A, dst: B, proto: 17, id, mf: !last, fragOffset: last ? 8 * 100 : rng.int(120) * 8, payload: i % 500 === 0 ? udpDatagram(1000, 53, new Uint8Array(chunk.length)) : chunk }) });
    } else {
      // IPv6 fragment-header flood: many ids, offsets, M flags.
      const s = new Uint8Array(16); s[0] = 0xfe; s[1] = 0x80; s[15] = 1;
      const d = new Uint8Array(16); d[0] = 0xfe; d[1] = 0x80; d[15] = 2;
      const fh = new Uint8Array(8 + chunk.length);
      fh[0] = 17;
      put16(fh, 2, ((rng.int(8000) << 3) | (rng.chance(0.9) ? 1 : 0)) & 0xffff, false);
      put32(fh, 4, rng.int(1 + (i >> 2)), false);
      frames.push({ ts, data: ethIpv6(s, d, 44, fh) });
    }
  }
  const names = ['one datagram, overlapping, never completed', 'many datagrams, first fragment only', 'fragments past 65535 bytes', 'tiny and zero-length fragments', 'IPv6 fragment headers', 'overlapping fragments that complete'];
  return { op: 'frag-flood', detail: `${count} fragments: ${names[mode]}`, bytes: writePcap(frames) };
}

/** A few valid synthetic packets (for the empty-corpus case and as a sanity baseline). */
export function smallValidCapture(): Uint8Array {
  const A = ip4(192, 168, 1, 10);
  const B = ip4(192, 168, 1, 20);
  return writePcap([
    { ts: 1_700_000_000, data: ethIpv4({ src: A, dst: B, proto: 6, payload: tcpSegment(A, B, 40000, 80, 0x02) }) },
    { ts: 1_700_000_000.01, data: ethIpv4({ src: B, dst: A, proto: 6, payload: tcpSegment(B, A, 80, 40000, 0x12) }) },
    { ts: 1_700_000_000.02, data: ethIpv4({ src: A, dst: B, proto: 17, payload: udpDatagram(5353, 53, new Uint8Array(20)) }) },
  ]);
}

// ---- case generation -------------------------------------------------------------------------------

const OPS: Array<[weight: number, fn: (c: Ctx) => Mut]> = [
  [10, truncBoundary], [6, truncRandom], [6, truncInside], [10, bitflip], [4, byteSet], [4, splice],
  [8, pcapCaplen], [3, pcapOriglen], [3, pcapTimestamp], [5, pcapFileHeader],
  [6, ngBlockLen], [3, ngTrailer], [4, ngInsertBlock], [4, ngOption], [5, ngFields],
  [7, ipv4Header], [6, transportHeader], [6, tcpSeqAndPayload], [5, ipv6Mutation], [4, linkChain], [2, shuffleRecords], [3, gzipWrap], [1, bigFileLength],
];
const TOTAL_WEIGHT = OPS.reduce((s, [w]) => s + w, 0);

/** Upper bound on records any reader can find in `n` bytes of the given format. */
function packetBound(bytes: Uint8Array): number {
  const L = walkCapture(bytes);
  if (L.kind === 'pcap') return Math.max(0, Math.floor((bytes.length - 24) / L.recHdrLen));
  if (L.kind === 'pcapng') return Math.floor(bytes.length / 16);
  // gzip or garbage: bound by the inflated size, generously.
  return Math.floor((bytes.length * 1100) / 16) + 1;
}

export function makeCase(corpus: CorpusFile[], seed: number, index: number): FuzzCase {
  const c = makeCaseBytes(corpus, seed, index);
  // A quarter of the cases go through stdin in odd-sized chunks (1 byte … 64 KiB).
  const rng = new Rng(seed, index, 0x5d1);
  if (rng.chance(0.25)) {
    c.stdinChunks = Array.from({ length: 7 }, () => rng.pick([1, 3, 15, 16, 17, 100, 4093, 65536, rng.range(1, 70000)]));
    // Large inputs: odd chunks interleaved with pipe-sized ones (600 k tiny chunks only measure stream overhead).
    if (c.bytes.length > 200_000) c.stdinChunks = c.stdinChunks.flatMap((n) => [n, 65536]);
  }
  return c;
}

function makeCaseBytes(corpus: CorpusFile[], seed: number, index: number): FuzzCase {
  const rng = new Rng(seed, index);
  // ~3 % synthetic fragment floods, the rest mutate a corpus file.
  if (corpus.length === 0 || rng.chance(0.03)) {
    const m = fragmentFlood(rng, rng.range(1000, 5000));
    return { index, seed, source: '', ...m, maxPackets: packetBound(m.bytes) };
  }
  // pcapng files are a minority of the corpus but have the richer framing: give them ~40 % of cases.
  const ng = corpus.filter((f) => f.layout.kind === 'pcapng');
  for (let attempt = 0; attempt < 50; attempt++) {
    const f = ng.length && rng.chance(0.4) ? rng.pick(ng) : rng.pick(corpus);
    let x = rng.int(TOTAL_WEIGHT);
    let fn = OPS[0]![1];
    for (const [w, g] of OPS) { if (x < w) { fn = g; break; } x -= w; }
    const m = fn({ f, rng });
    if (!m) continue;
    const gz = m.op.startsWith('gzip');
    return { index, seed, source: f.name, op: m.op, detail: m.detail, bytes: m.bytes, maxPackets: gz ? f.layout.records.length + packetBound(f.bytes) : packetBound(m.bytes), completeRecords: m.completeRecords, gzip: gz, expectFault: m.expectFault, resync: f.layout.kind === 'pcap' && rng.chance(0.5) };
  }
  const m = fragmentFlood(rng, 1000);
  return { index, seed, source: '', ...m, maxPackets: packetBound(m.bytes) };
}
