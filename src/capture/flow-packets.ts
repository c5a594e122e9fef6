/**
 * One flow's packets cut out of the captures it came from (Arkime's "PCAP of a session"): read the
 * captures with flowsift's reader and decoder, keep the packets of the flow — both directions, the
 * flow's addresses, protocol and ports (ICMP: its type pair), IPv4 fragments of its datagrams,
 * within its time span — and write them with their original link type and exact timestamps.
 *
 * The output is classic pcap with nanosecond timestamps; a flow whose packets came through
 * interfaces of different link types (pcapng input) is written as pcapng, one interface per link
 * type. Packets go straight to the output file, so a large flow costs no memory.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { readCaptures, type CaptureRecord, type ReadReport } from './index.ts';
import { decodePacket } from '../decode/decoder.ts';
import { DecodedPacket } from '../decode/packet.ts';

export interface FlowSelector {
  srcIp: string;
  dstIp: string;
  /** For ICMP the type of the first packet and its code (flowsift's src_port / dst_port). */
  srcPort?: number;
  dstPort?: number;
  proto: number;
  /** First and last packet time of the flow, epoch microseconds. */
  startUs: number;
  endUs: number;
}

export interface FlowPacketsResult {
  packets: number;
  /** Captured bytes of the packets written (sum of caplen). */
  bytes: number;
  format: 'pcap' | 'pcapng';
  linktypes: number[];
  /** The reader's report (errors of unreadable captures). */
  read: ReadReport;
}

const ICMP_PAIR: Record<number, number> = { 8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 17: 18, 18: 17 };
const ICMP6_PAIR: Record<number, number> = { 128: 129, 129: 128, 133: 134, 134: 133, 135: 136, 136: 135 };

type Addr = { v: 4; n: number } | { v: 6; w: Uint32Array };

function parseAddr(s: string): Addr {
  if (isIPv4(s)) return { v: 4, n: s.split('.').reduce((n, o) => n * 256 + Number(o), 0) >>> 0 };
  if (!isIPv6(s)) throw new Error(`not an IP address: ${s}`);
  const [l, r] = s.includes('::') ? (s.split('::') as [string, string]) : [s, undefined];
  const left = l ? l.split(':') : [];
  const right = r === undefined ? [] : r ? r.split(':') : [];
  const groups = r === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const w = new Uint32Array(4);
  for (let i = 0; i < 4; i++) w[i] = ((parseInt(groups[2 * i] || '0', 16) << 16) | parseInt(groups[2 * i + 1] || '0', 16)) >>> 0;
  return { v: 6, w };
}

function same6(a: Uint32Array, b: Uint32Array): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}

/** 0 = not this flow, 1 = originator → responder, 2 = responder → originator. */
function direction(p: DecodedPacket, src: Addr, dst: Addr): 0 | 1 | 2 {
  if (src.v === 4) {
    if (p.ipVersion !== 4 || dst.v !== 4) return 0;
    if (p.src4 === src.n && p.dst4 === dst.n) return 1;
    if (p.src4 === dst.n && p.dst4 === src.n) return 2;
    return 0;
  }
  if (p.ipVersion !== 6 || dst.v !== 6) return 0;
  if (same6(p.src6, src.w) && same6(p.dst6, dst.w)) return 1;
  if (same6(p.src6, dst.w) && same6(p.dst6, src.w)) return 2;
  return 0;
}

class Out {
  private readonly fd: number;
  private buf = Buffer.allocUnsafe(1 << 20);
  private off = 0;
  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }
  put(bytes: Uint8Array): void {
    if (this.off + bytes.length > this.buf.length) this.flush();
    if (bytes.length > this.buf.length) {
      writeSync(this.fd, bytes);
      return;
    }
    this.buf.set(bytes, this.off);
    this.off += bytes.length;
  }
  flush(): void {
    if (this.off) writeSync(this.fd, this.buf, 0, this.off);
    this.off = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/**
 * Write the flow's packets from `captures` to `outPath`. Packets of other link types than the first
 * one seen make it a pcapng file (the captures are then read a second time).
 */
export async function writeFlowPackets(captures: string[], flow: FlowSelector, outPath: string, opts: { signal?: AbortSignal } = {}): Promise<FlowPacketsResult> {
  const first = await pass(captures, flow, outPath, 'pcap', opts.signal);
  if (first.linktypes.length <= 1) return first;
  return pass(captures, flow, outPath, 'pcapng', opts.signal);
}

async function pass(captures: string[], flow: FlowSelector, outPath: string, format: 'pcap' | 'pcapng', signal?: AbortSignal): Promise<FlowPacketsResult> {
  const src = parseAddr(flow.srcIp);
  const dst = parseAddr(flow.dstIp);
  const pkt = new DecodedPacket();
  const isIcmp = flow.proto === 1 || flow.proto === 58;
  const pair = flow.proto === 1 ? ICMP_PAIR : ICMP6_PAIR;
  const icmpTypes = isIcmp && flow.srcPort !== undefined ? new Set([flow.srcPort, pair[flow.srcPort] ?? flow.srcPort]) : undefined;
  // IPv4 fragment ids of the flow's datagrams (by direction): their later fragments carry no ports
  const frags = new Set<string>();
  const out = new Out(outPath);
  const linktypes: number[] = [];
  const ifIndex = new Map<number, number>();
  let packets = 0;
  let bytes = 0;
  let maxCaplen = 0;
  const hdr = Buffer.alloc(28);
  // classic pcap header: written first with a provisional link type, rewritten at the end
  if (format === 'pcap') out.put(Buffer.alloc(24));
  else {
    const shb = Buffer.alloc(28);
    shb.writeUInt32LE(0x0a0d0d0a, 0);
    shb.writeUInt32LE(28, 4);
    shb.writeUInt32LE(0x1a2b3c4d, 8);
    shb.writeUInt16LE(1, 12);
    shb.writeUInt16LE(0, 14);
    shb.writeBigInt64LE(-1n, 16);
    shb.writeUInt32LE(28, 24);
    out.put(shb);
  }
  const lo = flow.startUs - 2;
  const hi = flow.endUs + 2;
  const onRecord = (rec: CaptureRecord): void => {
    const us = rec.tsSec * 1e6 + Math.floor(rec.tsNsec / 1000);
    if (us < lo || us > hi) return;
    decodePacket(rec, pkt);
    const dir = direction(pkt, src, dst);
    const proto = pkt.isFragment && pkt.fragNextHeader ? pkt.fragNextHeader : pkt.proto;
    if (dir === 0 || proto !== flow.proto) return;
    let keep: boolean;
    const fragKey = pkt.isFragment ? `${dir}:${pkt.fragId}` : '';
    if (pkt.isFragment && pkt.fragOffset > 0) keep = frags.has(fragKey);
    else if (flow.proto === 6 || flow.proto === 17) {
      keep = dir === 1 ? pkt.srcPort === flow.srcPort && pkt.dstPort === flow.dstPort : pkt.srcPort === flow.dstPort && pkt.dstPort === flow.srcPort;
    } else if (isIcmp) keep = icmpTypes === undefined || icmpTypes.has(pkt.icmpType);
    else keep = true;
    if (!keep) return;
    if (pkt.isFragment && pkt.fragOffset === 0) frags.add(fragKey);
    const lt = rec.linktype;
    if (!ifIndex.has(lt)) {
      ifIndex.set(lt, linktypes.length);
      linktypes.push(lt);
      if (format === 'pcapng') {
        // Interface Description Block with if_tsresol = 9 (nanoseconds)
        const idb = Buffer.alloc(32);
        idb.writeUInt32LE(1, 0);
        idb.writeUInt32LE(32, 4);
        idb.writeUInt16LE(lt, 8);
        idb.writeUInt32LE(0, 12);
        idb.writeUInt16LE(9, 16);
        idb.writeUInt16LE(1, 18);
        idb.writeUInt8(9, 20);
        idb.writeUInt32LE(0, 24);
        idb.writeUInt32LE(32, 28);
        out.put(idb);
      }
    }
    const data = rec.buf.subarray(rec.offset, rec.offset + rec.caplen);
    if (format === 'pcap') {
      if (linktypes.length > 1) return; // counted in linktypes: the caller writes pcapng instead
      hdr.writeUInt32LE(rec.tsSec >>> 0, 0);
      hdr.writeUInt32LE(rec.tsNsec >>> 0, 4);
      hdr.writeUInt32LE(rec.caplen, 8);
      hdr.writeUInt32LE(rec.origLen, 12);
      out.put(hdr.subarray(0, 16));
      out.put(data);
    } else {
      const pad = (4 - (rec.caplen % 4)) % 4;
      const len = 32 + rec.caplen + pad;
      const t = BigInt(rec.tsSec) * 1_000_000_000n + BigInt(rec.tsNsec);
      hdr.writeUInt32LE(6, 0);
      hdr.writeUInt32LE(len, 4);
      hdr.writeUInt32LE(ifIndex.get(lt)!, 8);
      hdr.writeUInt32LE(Number(t >> 32n), 12);
      hdr.writeUInt32LE(Number(t & 0xffffffffn), 16);
      hdr.writeUInt32LE(rec.caplen, 20);
      hdr.writeUInt32LE(rec.origLen, 24);
      out.put(hdr.subarray(0, 28));
      out.put(data);
      if (pad) out.put(Buffer.alloc(pad));
      const tail = Buffer.alloc(4);
      tail.writeUInt32LE(len, 0);
      out.put(tail);
    }
    packets++;
    bytes += rec.caplen;
    if (rec.caplen > maxCaplen) maxCaplen = rec.caplen;
  };
  let read: ReadReport;
  try {
    read = await readCaptures(captures, onRecord, { signal });
  } finally {
    out.close();
  }
  if (format === 'pcap') {
    const fh = Buffer.alloc(24);
    fh.writeUInt32LE(0xa1b23c4d, 0); // nanosecond-resolution pcap: timestamps kept exactly
    fh.writeUInt16LE(2, 4);
    fh.writeUInt16LE(4, 6);
    fh.writeUInt32LE(Math.max(65535, maxCaplen), 16);
    fh.writeUInt32LE(linktypes[0] ?? 1, 20);
    const fd = openSync(outPath, 'r+');
    try {
      writeSync(fd, fh, 0, 24, 0);
    } finally {
      closeSync(fd);
    }
  }
  return { packets, bytes, format, linktypes, read };
}
