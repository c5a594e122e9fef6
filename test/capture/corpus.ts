/**
 * Test helpers: the shared capture corpus (../shared/corpus/pcap) and its REFERENCE.tsv, which holds
 * facts from tshark/capinfos 4.0.17 for every file (see ../shared/corpus/MANIFEST.md).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';

export const CORPUS = fileURLToPath(new URL('../../../shared/corpus/pcap/', import.meta.url));

export interface RefRow {
  file: string;
  path: string;
  sha256: string;
  bytes: number;
  fileFormat: string;
  encapsulation: string;
  snaplen: string;
  packets: number;
  firstTs: string;
  lastTs: string;
  readStatus: string;
}

export function reference(): RefRow[] {
  const text = readFileSync(CORPUS + 'REFERENCE.tsv', 'utf8');
  const rows: RefRow[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#') || line.startsWith('file\t')) continue;
    const c = line.split('\t');
    rows.push({
      file: c[0]!,
      path: CORPUS + c[0]!,
      sha256: c[1]!,
      bytes: Number(c[2]),
      fileFormat: c[3]!,
      encapsulation: c[4]!,
      snaplen: c[5]!,
      packets: c[6] === '-' ? -1 : Number(c[6]),
      firstTs: c[7]!,
      lastTs: c[8]!,
      readStatus: c[14]!,
    });
  }
  return rows;
}

/** "sec.frac" (6 or 9 digits) → [sec, ns] exactly. */
export function parseEpoch(s: string): [number, number] {
  const [sec, frac = ''] = s.split('.');
  return [Number(sec), Number(frac.padEnd(9, '0'))];
}

/** A Writable collecting text (for runCli). */
export class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

/**
 * Independent minimal walker (written from the format specs, sharing no code with src/capture):
 * the end offset of every packet record in a complete, well-formed pcap or pcapng file.
 */
export function packetRecordEnds(b: Uint8Array): number[] {
  return walk(b).ends;
}

/** Packet record ends, and every offset where a file header, block or record ends. */
export function walk(b: Uint8Array): { ends: number[]; boundaries: Set<number> } {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const ends: number[] = [];
  const boundaries = new Set<number>();
  const m = dv.getUint32(0, false);
  if (m === 0x0a0d0d0a) {
    let p = 0;
    let le = true;
    while (p + 12 <= b.length) {
      if (dv.getUint32(p, true) === 0x0a0d0d0a) le = dv.getUint32(p + 8, true) === 0x1a2b3c4d;
      const type = dv.getUint32(p, le);
      const len = dv.getUint32(p + 4, le);
      if (type === 2 || type === 3 || type === 6) ends.push(p + len);
      p += len;
      boundaries.add(p);
    }
    return { ends, boundaries };
  }
  const le = m === 0xd4c3b2a1 || m === 0x4d3cb2a1 || m === 0x34cdb2a1;
  const hdr = m === 0xa1b2cd34 || m === 0x34cdb2a1 ? 24 : 16;
  let p = 24;
  boundaries.add(p);
  while (p + hdr <= b.length) {
    const end = p + hdr + dv.getUint32(p + 8, le);
    if (end > b.length) break;
    ends.push(end);
    boundaries.add(end);
    p = end;
  }
  return { ends, boundaries };
}
