/**
 * pcapng reader: any number of sections (each with its own byte order), any number of interfaces
 * per section with their own link type, snaplen, if_tsresol (power of 10 or 2) and if_tsoffset;
 * Enhanced, Simple and the obsolete Packet Block carry packets; ISB, NRB, DSB, custom and unknown
 * blocks are skipped by their length. Every block's length is checked (≥ 12, multiple of 4, equal
 * trailing copy) and options of SHB/IDB are bounds-checked.
 *
 * The hot loop handles packet blocks of the current section synchronously out of the window;
 * section headers, interface descriptions, errors and blocks split across reads go through the
 * slow path, which validates and then hands packet blocks back to the hot loop.
 */
import type { CaptureRecord } from './record.ts';
import type { InterfaceInfo } from './types.ts';
import type { ParseState } from './state.ts';
import { MAX_RECORD } from './state.ts';

export const PCAPNG_SHB = 0x0a0d0d0a;
const BT_IDB = 1;
const BT_PB = 2;
const BT_SPB = 3;
const BT_EPB = 6;
const BOM = 0x1a2b3c4d;
/** Largest block accepted: the largest record plus room for headers and options. */
const MAX_BLOCK = MAX_RECORD + (1 << 20);
const TWO32 = 4294967296;

/** Per-interface state, including how its 64-bit timestamps convert to seconds + ns. */
class Iface {
  linktype: number;
  snaplen: number;
  /** Timestamp units per second. */
  units = 1e6;
  /** Power-of-10 units ≤ 1e9: nsec = rem * nsMul. */
  nsMul = 1000;
  /** Power-of-10 units > 1e9: nsec = floor(rem / nsDiv). */
  nsDiv = 0;
  /** Number math is exact for this resolution (see tsToRecord). */
  exact = true;
  offsetSec = 0;
  readonly info: InterfaceInfo;
  constructor(linktype: number, snaplen: number, info: InterfaceInfo) {
    this.linktype = linktype;
    this.snaplen = snaplen;
    this.info = info;
  }
  setResolution(v: number): void {
    if (v & 0x80) {
      const k = v & 0x7f;
      this.units = 2 ** k;
      this.nsMul = 0;
      this.nsDiv = 0;
    } else {
      this.units = 10 ** v;
      if (v <= 9) {
        this.nsMul = 10 ** (9 - v);
        this.nsDiv = 0;
      } else {
        this.nsMul = 0;
        this.nsDiv = 10 ** (v - 9);
      }
    }
    // Long division in 16-bit digits stays below 2^53 when units ≤ 2^37; the quotient stays below
    // 2^53 when units ≥ 2^11; power-of-2 fractions convert exactly when rem * 1e9 < 2^53.
    this.exact = this.units <= 2 ** 37 && this.units >= 2 ** 11 && (this.nsMul !== 0 || this.nsDiv !== 0 || this.units <= 2 ** 23);
    this.info.tsUnitsPerSecond = this.units;
  }
}

/**
 * Convert the 64-bit timestamp (high word, low word) at `off` in `ifc` units exactly into
 * rec.tsSec/rec.tsNsec. Arguments and results are objects and small integers only: a double
 * passed to or returned from a call V8 does not inline is boxed, i.e. allocated per packet.
 */
function convertTs(ifc: Iface, dv: DataView, off: number, le: boolean, rec: CaptureRecord): void {
  const hi = dv.getUint32(off, le);
  const lo = dv.getUint32(off + 4, le);
  const d = ifc.units;
  let sec: number;
  let rem: number;
  if (hi < 0x200000 && (ifc.exact || d < 2 ** 11)) {
    // T < 2^53: exact as a number; the float quotient is off by at most one.
    const t = hi * TWO32 + lo;
    sec = Math.floor(t / d);
    rem = t - sec * d;
    if (rem < 0) {
      sec--;
      rem += d;
    } else if (rem >= d) {
      sec++;
      rem -= d;
    }
  } else if (ifc.exact) {
    // Long division of the 64-bit value by d in 16-bit digits; every intermediate < 2^53. Each
    // float quotient digit is off by at most one and corrected.
    sec = 0;
    rem = 0;
    for (let k = 0; k < 4; k++) {
      const digit = k === 0 ? hi >>> 16 : k === 1 ? hi & 0xffff : k === 2 ? lo >>> 16 : lo & 0xffff;
      const cur = rem * 65536 + digit;
      let q = Math.floor(cur / d);
      rem = cur - q * d;
      if (rem < 0) {
        q--;
        rem += d;
      } else if (rem >= d) {
        q++;
        rem -= d;
      }
      sec = sec * 65536 + q;
    }
  } else {
    convertTsBig(ifc, hi, lo, rec);
    return;
  }
  let ns: number;
  if (ifc.nsMul !== 0) ns = rem * ifc.nsMul;
  else if (ifc.nsDiv !== 0) ns = Math.floor(rem / ifc.nsDiv);
  else if (d <= 2 ** 23) ns = Math.floor((rem * 1e9) / d);
  else {
    convertTsBig(ifc, hi, lo, rec);
    return;
  }
  rec.tsSec = sec + ifc.offsetSec;
  rec.tsNsec = ns;
}

/** Rare resolutions (finer than 2^-37 s, coarser than 2^-11 s with huge values, 2^-k with k > 23). */
function convertTsBig(ifc: Iface, hi: number, lo: number, rec: CaptureRecord): void {
  const t = (BigInt(hi) << 32n) | BigInt(lo);
  let units: bigint;
  if (ifc.nsMul === 0 && ifc.nsDiv === 0) units = 1n << BigInt(Math.round(Math.log2(ifc.units)));
  else units = 10n ** BigInt(Math.round(Math.log10(ifc.units)));
  const sec = t / units;
  const rem = t % units;
  rec.tsSec = Number(sec) + ifc.offsetSec;
  rec.tsNsec = Number((rem * 1_000_000_000n) / units);
}

function describeBlock(type: number): string {
  switch (type) {
    case PCAPNG_SHB:
      return 'Section Header Block';
    case BT_IDB:
      return 'Interface Description Block';
    case BT_PB:
      return 'Packet Block';
    case BT_SPB:
      return 'Simple Packet Block';
    case BT_EPB:
      return 'Enhanced Packet Block';
    default:
      return `block type 0x${type.toString(16).padStart(8, '0')}`;
  }
}

export function readPcapng(st: ParseState): Promise<void> {
  return new PcapngReader(st).run();
}

class PcapngReader {
  /** Byte order of the current section. */
  le = true;
  section = -1;
  ifaces: Iface[] = [];
  nIf = 0;
  started = false;
  /** Offset of the last block the slow path validated for the hot loop (guards against a livelock). */
  handedBack = -1;

  constructor(readonly st: ParseState) {}

  /**
   * The hot loop: packet and skippable blocks of the current section, complete in the window.
   * Synchronous with everything in locals; stops at anything the slow path must look at.
   */
  walk(): number {
    const st = this.st;
    const w = st.w;
    const rec = st.rec;
    const onRecord = st.onRecord;
    const limit = st.limit;
    const le = this.le;
    const ifaces = this.ifaces;
    const nIf = this.nIf;
    const buf = w.buf;
    const dv = w.dv;
    const end = w.end;
    const base = w.base;
    let p = w.pos;
    while (p + 12 <= end && st.packets < limit) {
      const type = dv.getUint32(p, le);
      const blen = dv.getUint32(p + 4, le);
      if (type === PCAPNG_SHB || type === BT_IDB || blen < 12 || (blen & 3) !== 0 || blen > MAX_BLOCK) break;
      const next = p + blen;
      if (next > end || dv.getUint32(next - 4, le) !== blen) break;
      if (type === BT_EPB || type === BT_PB) {
        if (blen < 32) break;
        const ifid = type === BT_EPB ? dv.getUint32(p + 8, le) : dv.getUint16(p + 8, le);
        const caplen = dv.getUint32(p + 20, le);
        if (ifid >= nIf || caplen > blen - 32) break;
        const ifc = ifaces[ifid]!;
        convertTs(ifc, dv, p + 12, le, rec);
        const orig = dv.getUint32(p + 24, le);
        rec.caplen = caplen;
        rec.origLen = orig;
        rec.linktype = ifc.linktype;
        rec.interfaceId = ifid;
        rec.buf = buf;
        rec.offset = p + 28;
        rec.byteOffset = base + p;
        rec.packetIndex = st.packets;
        rec.tsMissing = false;
        st.countTimed(rec);
        ifc.info.packets++;
        onRecord(rec);
      } else if (type === BT_SPB) {
        if (blen < 16 || nIf === 0) break;
        const ifc = ifaces[0]!;
        const orig = dv.getUint32(p + 8, le);
        let caplen = blen - 16;
        if (orig < caplen) caplen = orig;
        if (ifc.snaplen !== 0 && ifc.snaplen < caplen) caplen = ifc.snaplen;
        rec.tsSec = st.lastSec;
        rec.tsNsec = st.lastNsec;
        rec.caplen = caplen;
        rec.origLen = orig;
        rec.linktype = ifc.linktype;
        rec.interfaceId = 0;
        rec.buf = buf;
        rec.offset = p + 12;
        rec.byteOffset = base + p;
        rec.packetIndex = st.packets;
        rec.tsMissing = true;
        st.countUntimed(rec);
        ifc.info.packets++;
        onRecord(rec);
      }
      // ISB, NRB, DSB, custom, unknown: skipped by length.
      p = next;
    }
    // The caller stores the position: a property store here, after the loop, would have no type
    // feedback when V8 compiles the loop on-stack (OSR) during the first call, and the cached OSR
    // code would then deoptimise on every later call.
    return p;
  }

  /** Bounds-check options in [o, endOpts); returns an error detail or null; calls `onOpt` per option. */
  walkOptions(o: number, endOpts: number, onOpt: ((code: number, at: number, len: number) => void) | null): string | null {
    const w = this.st.w;
    const dv = w.dv;
    while (o + 4 <= endOpts) {
      const code = dv.getUint16(o, this.le);
      const len = dv.getUint16(o + 2, this.le);
      if (code === 0) return null;
      if (o + 4 + len > endOpts) {
        return `option ${code} at byte ${w.base + o} has length ${len} but only ${endOpts - o - 4} bytes remain in the block (corrupt option)`;
      }
      onOpt?.(code, o + 4, len);
      o += 4 + ((len + 3) & ~3);
    }
    return null;
  }

  /** Handle a complete SHB at w.pos (le already set from its byte-order magic). False on fault. */
  sectionHeader(blen: number): boolean {
    const st = this.st;
    const w = st.w;
    const dv = w.dv;
    const p = w.pos;
    const at = w.base + p;
    const major = dv.getUint16(p + 12, this.le);
    const minor = dv.getUint16(p + 14, this.le);
    if (major !== 1 || minor > 2) {
      st.fault('E_PCAPNG_BAD_VERSION', at + 12, `unsupported pcapng section version ${major}.${minor} (expected 1.0)`);
      return false;
    }
    const bad = this.walkOptions(p + 24, p + blen - 4, null);
    if (bad) {
      st.fault('E_PCAPNG_BAD_OPTION', at, `Section Header Block: ${bad}`);
      return false;
    }
    this.section++;
    st.report.sections = this.section + 1;
    if (this.section === 0) st.report.byteOrder = this.le ? 'little' : 'big';
    this.ifaces = [];
    this.nIf = 0;
    return true;
  }

  interfaceDescription(blen: number): boolean {
    const st = this.st;
    const w = st.w;
    const report = st.report;
    const le = this.le;
    const dv = w.dv;
    const buf = w.buf;
    const p = w.pos;
    const at = w.base + p;
    const linktype = dv.getUint16(p + 8, le);
    const snaplen = dv.getUint32(p + 12, le);
    const info: InterfaceInfo = { section: this.section, id: this.nIf, linktype, snaplen, tsUnitsPerSecond: 1e6, tsOffset: 0, fcsLen: 0, packets: 0 };
    const ifc = new Iface(linktype, snaplen, info);
    let tsresol = -1;
    const bad = this.walkOptions(p + 16, p + blen - 4, (code, o, len) => {
      if (code === 2 || code === 3) {
        const s = Buffer.from(buf.buffer, buf.byteOffset + o, len).toString('utf8').replace(/\0+$/, '');
        if (code === 2) info.name = s;
        else info.description = s;
      } else if (code === 9 && len >= 1) {
        tsresol = buf[o]!;
      } else if (code === 13 && len >= 1) {
        info.fcsLen = buf[o]!;
      } else if (code === 14 && len >= 8) {
        ifc.offsetSec = Number(dv.getBigInt64(o, le));
        info.tsOffset = ifc.offsetSec;
      }
    });
    if (bad) {
      st.fault('E_PCAPNG_BAD_OPTION', at, `Interface Description Block: ${bad}`);
      return false;
    }
    if (tsresol >= 0) {
      const k = tsresol & 0x7f;
      if (tsresol & 0x80 ? k > 63 : k > 19) {
        st.fault('E_PCAPNG_BAD_OPTION', at, `if_tsresol 0x${tsresol.toString(16)} is out of range (expected 10^-0..10^-19 or 2^-0..2^-63)`);
        return false;
      }
      ifc.setResolution(tsresol);
    }
    this.ifaces.push(ifc);
    this.nIf = this.ifaces.length;
    report.interfaces.push(info);
    if (!report.linktypes.includes(linktype)) report.linktypes.push(linktype);
    if (snaplen > report.snaplen) report.snaplen = snaplen;
    return true;
  }

  /** Input ended inside a block: a warning, but an error before the first section header is complete. */
  cut(code: string, at: number, detail: string): void {
    if (this.section < 0) this.st.fault(code, at, detail);
    else this.st.cutShort(code, at, detail);
  }

  async run(): Promise<void> {
    const st = this.st;
    const w = st.w;
    st.report.format = 'pcapng';
    st.rec.tsMissing = false;
    for (;;) {
      if (this.section >= 0) w.pos = this.walk();
      if (st.packets >= st.limit) return;
      if (!(await this.slowPath())) return;
    }
  }

  /**
   * The block at w.pos: read it whole, validate it, handle SHB/IDB; packet blocks that are fine
   * go back to the hot loop. Resolves false when reading stops (end, fault, abort).
   */
  async slowPath(): Promise<boolean> {
    const st = this.st;
    const w = st.w;
    const n = st.packets;
    if (!(await w.ensure(8))) {
      if (st.aborted) return false;
      if (w.avail > 0) {
        this.cut('E_PCAPNG_TRUNCATED', w.offset, `truncated pcapng file; tried to read 8 block header bytes, only got ${w.avail}`);
        w.pos = w.end;
      }
      return false;
    }
    const at = w.offset;
    if (at === this.handedBack) throw new Error(`internal error: pcapng block at byte ${at} was validated but not consumed`);
    const type0 = w.dv.getUint32(w.pos, true);
    if (type0 === PCAPNG_SHB) {
      if (!(await w.ensure(12))) {
        if (st.aborted) return false;
        this.cut('E_PCAPNG_TRUNCATED', at, `truncated pcapng file; tried to read 12 section header bytes, only got ${w.avail}`);
        w.pos = w.end;
        return false;
      }
      const bom = w.dv.getUint32(w.pos + 8, true);
      if (bom === BOM) this.le = true;
      else if (bom === 0x4d3c2b1a) this.le = false;
      else {
        st.fault('E_PCAPNG_BAD_BOM', at + 8, `Section Header Block byte-order magic is 0x${bom.toString(16).padStart(8, '0')} (expected 1a2b3c4d in either byte order)`);
        return false;
      }
    } else if (this.section < 0) {
      st.fault('E_PCAPNG_BAD_BLOCK', at, `expected a Section Header Block, found ${describeBlock(type0)}`);
      return false;
    }
    const le = this.le;
    const type = w.dv.getUint32(w.pos, le);
    const blen = w.dv.getUint32(w.pos + 4, le);
    const name = describeBlock(type);
    const minLen = type === PCAPNG_SHB ? 28 : type === BT_EPB || type === BT_PB ? 32 : type === BT_SPB ? 16 : type === BT_IDB ? 20 : 12;
    if (blen < minLen || (blen & 3) !== 0 || blen > MAX_BLOCK) {
      st.fault(
        'E_PCAPNG_BAD_BLOCK',
        at + 4,
        `${name} length ${blen} is ${blen < minLen ? `less than the minimum ${minLen}` : (blen & 3) !== 0 ? 'not a multiple of 4' : `over the maximum ${MAX_BLOCK}`} (corrupt block)`,
      );
      return false;
    }
    if (!(await w.ensure(blen))) {
      if (st.aborted) return false;
      this.cut('E_PCAPNG_TRUNCATED', at, `truncated pcapng file; tried to read ${blen} bytes of ${name}, only got ${w.avail}`);
      w.pos = w.end;
      return false;
    }
    const dv = w.dv;
    const q = w.pos;
    const trail = dv.getUint32(q + blen - 4, le);
    if (trail !== blen) {
      st.fault('E_PCAPNG_BAD_BLOCK', at + blen - 4, `${name} trailing length ${trail} does not match its leading length ${blen} (corrupt block)`);
      return false;
    }
    if (type === PCAPNG_SHB) {
      if (!this.sectionHeader(blen)) return false;
      w.pos += blen;
      if (!this.started) {
        this.started = true;
        st.opts.onFileStart?.(st.report);
      }
      return true;
    }
    if (type === BT_IDB) {
      if (!this.interfaceDescription(blen)) return false;
      w.pos += blen;
      return true;
    }
    const nIf = this.nIf;
    if (type === BT_EPB || type === BT_PB) {
      const ifid = type === BT_EPB ? dv.getUint32(q + 8, le) : dv.getUint16(q + 8, le);
      const caplen = dv.getUint32(q + 20, le);
      if (ifid >= nIf) {
        st.fault('E_PCAPNG_BAD_INTERFACE', at + 8, `${name} for packet ${n} refers to interface ${ifid} but section ${this.section} has ${nIf} interface${nIf === 1 ? '' : 's'}`);
        return false;
      }
      if (caplen > blen - 32) {
        st.fault('E_PCAPNG_BAD_BLOCK', at + 20, `${name} for packet ${n}: caplen ${caplen} exceeds the block's data area of ${blen - 32} bytes (corrupt block)`);
        return false;
      }
    } else if (type === BT_SPB && nIf === 0) {
      st.fault('E_PCAPNG_BAD_INTERFACE', at, `Simple Packet Block for packet ${n} but section ${this.section} has no interface`);
      return false;
    }
    // A valid complete block: the hot loop takes it.
    this.handedBack = at;
    return true;
  }
}
