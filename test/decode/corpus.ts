/**
 * Test helpers for the decoder: read corpus captures through the real capture reader, keep a copy
 * of each packet's bytes, and decode them again into plain snapshots (allocation is fine here).
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { newRecord, readCaptures } from '../../src/capture/index.ts';
import type { CaptureRecord } from '../../src/capture/record.ts';
import { decodePacket } from '../../src/decode/decoder.ts';
import { DecodedPacket } from '../../src/decode/packet.ts';

export const CORPUS_DIR = fileURLToPath(new URL('../../../shared/corpus/pcap/', import.meta.url));

export interface RawPacket {
  linktype: number;
  bytes: Uint8Array;
  origLen: number;
}

/** Every capture file of the corpus (not the REFERENCE.tsv table). */
export function corpusFiles(): string[] {
  return readdirSync(CORPUS_DIR)
    .filter((f) => /\.(pcap|pcapng|cap)$/.test(f))
    .sort();
}

/** All packets of a corpus file (copies of their bytes); reader errors are ignored (corrupt files end early). */
export async function readPackets(name: string, max = Infinity): Promise<RawPacket[]> {
  const out: RawPacket[] = [];
  await readCaptures([CORPUS_DIR + name], (rec) => {
    if (out.length < max) {
      // A copy as a plain Uint8Array (rec.buf may be a Buffer, whose slice() is a view into the reused chunk).
      const bytes = new Uint8Array(rec.caplen);
      bytes.set(rec.buf.subarray(rec.offset, rec.offset + rec.caplen));
      out.push({ linktype: rec.linktype, bytes, origLen: rec.origLen });
    }
  });
  return out;
}

const rec: CaptureRecord = newRecord();

/** Decode `bytes` (optionally placed at `at` inside a larger buffer) with the shared reused objects. */
export function decodeRaw(linktype: number, buf: Uint8Array, offset = 0, caplen = buf.length - offset, out = new DecodedPacket()): DecodedPacket {
  rec.buf = buf;
  rec.offset = offset;
  rec.caplen = caplen;
  rec.origLen = caplen;
  rec.linktype = linktype;
  return decodePacket(rec, out);
}

/** Dotted quad of an unsigned 32-bit address. */
export function formatIPv4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** RFC 5952 text of four 32-bit words, via the WHATWG URL serializer (same rules as tshark's). */
export function formatIPv6(w: ArrayLike<number>): string {
  const groups: string[] = [];
  for (let i = 0; i < 4; i++) groups.push(((w[i]! >>> 16) & 0xffff).toString(16), (w[i]! & 0xffff).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

export type Snap = Record<string, number | boolean | string | number[]>;

/** Plain copy of every field of a decoded packet (arrays as number[]), plus readable addresses. */
export function snap(p: DecodedPacket): Snap {
  const s: Snap = {};
  for (const [k, v] of Object.entries(p)) {
    if (k === 'buf') continue;
    s[k] = v instanceof Uint32Array ? Array.from(v) : (v as number | boolean | string);
  }
  s.src = p.ipVersion === 4 ? formatIPv4(p.src4) : p.ipVersion === 6 ? formatIPv6(p.src6) : '';
  s.dst = p.ipVersion === 4 ? formatIPv4(p.dst4) : p.ipVersion === 6 ? formatIPv6(p.dst6) : '';
  s.innerSrc = p.innerIpVersion === 4 ? formatIPv4(p.innerSrc4) : p.innerIpVersion === 6 ? formatIPv6(p.innerSrc6) : '';
  s.innerDst = p.innerIpVersion === 4 ? formatIPv4(p.innerDst4) : p.innerIpVersion === 6 ? formatIPv6(p.innerDst6) : '';
  return s;
}

/** Decode every packet of a corpus file; element i is frame i+1 in tshark's numbering. */
export async function decodeFile(name: string): Promise<Snap[]> {
  const pkts = await readPackets(name);
  const out = new DecodedPacket();
  return pkts.map((k) => snap(decodeRaw(k.linktype, k.bytes, 0, k.bytes.length, out)));
}

/**
 * Offsets a decoded packet exposes must lie inside [start, end] and captured payload inside the
 * captured bytes. Returns a description of the first violation, or '' when all hold.
 */
export function boundsViolation(p: DecodedPacket): string {
  const { start, end } = p;
  if (!(start >= 0 && start <= end && end <= p.buf.length)) return `view [${start},${end}) outside buffer ${p.buf.length}`;
  const offs: [string, number][] = [['ipOffset', p.ipOffset], ['l4Offset', p.l4Offset], ['payloadOffset', p.payloadOffset], ['fragDataOffset', p.fragDataOffset]];
  for (const [k, v] of offs) {
    if (v !== 0 && (v < start || v > end)) return `${k}=${v} outside [${start},${end}]`;
    if (!Number.isInteger(v)) return `${k}=${v} not an integer`;
  }
  if (p.payloadCaptured < 0 || p.payloadCaptured > p.payloadLen) return `payloadCaptured=${p.payloadCaptured} vs payloadLen=${p.payloadLen}`;
  if (p.payloadCaptured > 0 && p.payloadOffset + p.payloadCaptured > end) return `payload [${p.payloadOffset}+${p.payloadCaptured}] past end ${end}`;
  const nums = [p.ipHeaderLen, p.ipTotalLen, p.ttl, p.proto, p.srcPort, p.dstPort, p.seq, p.ack, p.window, p.tcpHeaderLen, p.payloadLen, p.icmpType, p.icmpCode, p.vlan, p.etherType, p.src4, p.dst4, p.fragOffset, p.fragId];
  for (const n of nums) if (!Number.isInteger(n) || n < 0) return `field value ${n} is not a non-negative integer`;
  if (p.stopReason !== '' && p.stopLayer === 0) return `stopReason ${p.stopReason} without stopLayer`;
  if (p.stopReason === 'truncated' && !p.truncated) return 'stopReason truncated without truncated flag';
  return '';
}
