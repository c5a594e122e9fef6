/**
 * Classic libpcap reader: magics a1b2c3d4 (µs) and a1b23c4d (ns) in either byte order, and the
 * Kuznetzov "modified" format a1b2cd34 (24-byte record headers: + ifindex, protocol, pkt_type, pad).
 *
 * The hot loop walks records straight out of the window with DataView reads and fills the one
 * reused CaptureRecord; it only leaves the synchronous loop when the next record is not complete
 * in the window.
 */
import type { ParseState } from './state.ts';
import { MAX_RECORD, STANDARD_MAX_CAPLEN } from './state.ts';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAP_MAGIC_MODIFIED = 0xa1b2cd34;

/** Identify a classic pcap magic in the first 4 bytes; null when not classic pcap. */
export function classicMagic(b: Uint8Array): { le: boolean; ns: boolean; modified: boolean } | null {
  const be = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  const le = ((b[3]! << 24) | (b[2]! << 16) | (b[1]! << 8) | b[0]!) >>> 0;
  for (const [v, isLe] of [
    [be, false],
    [le, true],
  ] as const) {
    if (v === PCAP_MAGIC_US) return { le: isLe, ns: false, modified: false };
    if (v === PCAP_MAGIC_NS) return { le: isLe, ns: true, modified: false };
    if (v === PCAP_MAGIC_MODIFIED) return { le: isLe, ns: false, modified: true };
  }
  return null;
}

export async function readPcap(st: ParseState): Promise<void> {
  const w = st.w;
  const report = st.report;
  if (!(await w.ensure(24))) {
    st.fault('E_PCAP_TRUNCATED', 0, `truncated dump file; tried to read 24 file header bytes, only got ${w.avail}`);
    return;
  }
  const kind = classicMagic(w.buf.subarray(w.pos))!;
  const le = kind.le;
  const dv0 = w.dv;
  const h = w.pos;
  const major = dv0.getUint16(h + 4, le);
  const minor = dv0.getUint16(h + 6, le);
  const snaplen = dv0.getUint32(h + 16, le);
  const ltField = dv0.getUint32(h + 20, le);
  report.format = 'pcap';
  report.byteOrder = le ? 'little' : 'big';
  report.precision = kind.ns ? 'ns' : 'us';
  report.modified = kind.modified;
  report.snaplen = snaplen;
  if (major !== 2) {
    st.fault('E_PCAP_BAD_VERSION', h + 4, `unsupported pcap version ${major}.${minor} (expected major version 2)`);
    return;
  }
  // Link-type field: low 16 bits link type, bits 16-25 reserved (must be 0), FCS flag + length above.
  if ((ltField & 0x03ff0000) !== 0) {
    st.fault(
      'E_PCAP_BAD_LINKTYPE',
      h + 20,
      `link-type field 0x${ltField.toString(16).padStart(8, '0')} has reserved bits set (0x${(ltField & 0x03ff0000).toString(16).padStart(8, '0')}; expected 0)`,
    );
    return;
  }
  const linktype = ltField & 0xffff;
  report.linktypes = [linktype];
  // FCS length in the link-type field: flag bit 26, length in 16-bit words in bits 28-31.
  const fcsLen = ltField & 0x04000000 ? (ltField >>> 28) * 2 : 0;
  const iface = { section: 0, id: 0, linktype, snaplen, tsUnitsPerSecond: kind.ns ? 1e9 : 1e6, tsOffset: 0, fcsLen, packets: 0 };
  report.interfaces = [iface];
  w.pos += 24;
  st.opts.onFileStart?.(report);

  const hdr = kind.modified ? 24 : 16;
  const mult = kind.ns ? 1 : 1000;
  const fracLimit = kind.ns ? 1e9 : 1e6;
  const maxCap = Math.min(MAX_RECORD, Math.max(snaplen, STANDARD_MAX_CAPLEN));
  const rec = st.rec;
  rec.linktype = linktype;
  rec.interfaceId = 0;
  rec.tsMissing = false;
  const limit = st.limit;

  for (;;) {
    w.pos = walkRecords(st, hdr, le, mult, fracLimit, maxCap);
    iface.packets = st.packets;
    const n = st.packets;
    if (n >= limit) return;
    const dv = w.dv;
    const p = w.pos;
    const end = w.end;
    const base = w.base;
    let need = hdr;
    if (end - p >= hdr) {
      const caplen = dv.getUint32(p + 8, le);
      if (caplen > maxCap) {
        const at = base + p;
        const detail = `record ${n}: caplen ${caplen} exceeds the maximum ${maxCap} (snaplen ${snaplen}) (corrupt record header)`;
        if (st.opts.resync) {
          if (await resync(st, hdr, le, fracLimit, Math.min(maxCap, snaplen > 0 ? Math.max(snaplen, 1) : maxCap), at, detail)) continue;
          return;
        }
        st.fault('E_PCAP_CORRUPT_RECORD', at, detail);
        return;
      }
      need = hdr + caplen;
    }
    if (!(await w.ensure(need))) {
      if (st.aborted) return;
      const got = w.avail;
      if (got === 0) return; // clean end of file
      const at = w.offset;
      if (got < hdr) {
        st.cutShort('E_PCAP_TRUNCATED', at, `truncated dump file; tried to read ${hdr} header bytes, only got ${got}`);
      } else {
        st.cutShort(
          'E_PCAP_TRUNCATED',
          at,
          `truncated dump file; tried to read ${need - hdr} captured bytes of record ${n}, only got ${got - hdr}`,
        );
      }
      w.pos = w.end;
      return;
    }
  }
}

/**
 * The hot loop: deliver every record complete in the window, from w.pos; returns the position of
 * the first record not delivered (incomplete or corrupt header). Synchronous on purpose: in the
 * async driver its locals would live in the generator context.
 */
function walkRecords(st: ParseState, hdr: number, le: boolean, mult: number, fracLimit: number, maxCap: number): number {
  const w = st.w;
  const rec = st.rec;
  const onRecord = st.onRecord;
  const limit = st.limit;
  const buf = w.buf;
  const dv = w.dv;
  const end = w.end;
  const base = w.base;
  let p = w.pos;
  while (p + hdr <= end && st.packets < limit) {
    const caplen = dv.getUint32(p + 8, le);
    if (caplen > maxCap) break;
    const next = p + hdr + caplen;
    if (next > end) break;
    let sec = dv.getUint32(p, le);
    let frac = dv.getUint32(p + 4, le);
    if (frac >= fracLimit) {
      sec += Math.floor(frac / fracLimit);
      frac %= fracLimit;
    }
    const nsec = frac * mult;
    const orig = dv.getUint32(p + 12, le);
    rec.tsSec = sec;
    rec.tsNsec = nsec;
    rec.caplen = caplen;
    rec.origLen = orig;
    rec.buf = buf;
    rec.offset = p + hdr;
    rec.byteOffset = base + p;
    rec.packetIndex = st.packets;
    st.countTimed(rec);
    onRecord(rec);
    p = next;
  }
  // The caller stores the position (see PcapngReader.walk: no property store after an OSR'd loop).
  return p;
}

function plausible(dv: DataView, q: number, le: boolean, fracLimit: number, capLimit: number, haveLast: boolean, lastSec: number): boolean {
  const caplen = dv.getUint32(q + 8, le);
  const orig = dv.getUint32(q + 12, le);
  if (caplen > capLimit || caplen > orig || orig === 0 || orig > STANDARD_MAX_CAPLEN) return false;
  if (dv.getUint32(q + 4, le) >= fracLimit) return false;
  if (haveLast) {
    const sec = dv.getUint32(q, le);
    if (sec < lastSec - 3600 || sec > lastSec + 86400) return false;
  }
  return true;
}

/**
 * After a corrupt record header at `badAt`: find the next offset where a plausible record header is
 * followed by another plausible header (or the end of file) and continue there. Resolves false when
 * no such place exists before the end of input (the rest is reported as skipped).
 */
async function resync(st: ParseState, hdr: number, le: boolean, fracLimit: number, capLimit: number, badAt: number, detail: string): Promise<boolean> {
  const w = st.w;
  const haveLast = st.packets > 0;
  const lastSec = st.lastSec;
  let q = w.pos + 1;
  for (;;) {
    const dv = w.dv;
    const end = w.end;
    let need = 0;
    while (q + hdr <= end) {
      if (plausible(dv, q, le, fracLimit, capLimit, haveLast, lastSec)) {
        const next = q + hdr + dv.getUint32(q + 8, le);
        if (next + hdr <= end) {
          if (plausible(dv, next, le, fracLimit, capLimit, true, dv.getUint32(q, le))) break;
        } else if (!w.eof) {
          need = next + hdr - q;
          break;
        } else if (next <= end) {
          break; // last record of the file (possibly followed by a cut header)
        }
      }
      q++;
    }
    if (q + hdr <= end && need === 0) {
      const resumeAt = w.base + q;
      w.pos = q;
      st.warn(badAt, `${detail}; resynchronised: skipped ${resumeAt - badAt} bytes to the next plausible record header at byte ${resumeAt}`);
      return true;
    }
    w.pos = Math.min(q, w.end);
    if (st.aborted) return false;
    if (!(await w.ensure(need > 0 ? need : hdr))) {
      if (st.aborted) return false;
      if (need > 0 && w.avail >= hdr) {
        q = w.pos; // end of input reached: re-check this candidate knowing it
        continue;
      }
      st.fault('E_PCAP_CORRUPT_RECORD', badAt, `${detail}; no plausible record header found in the remaining ${w.base + w.end - badAt} bytes`);
      w.pos = w.end;
      return false;
    }
    q = w.pos;
  }
}
