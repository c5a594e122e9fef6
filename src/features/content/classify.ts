/**
 * Which flows the payload stage inspects, decided from a flow's first payload: pure, so the flow
 * engine's thread can decide it (and pass on only those flows' payload) while the analyzers run on
 * the main thread.
 */
import type { DecodedPacket } from '../../decode/packet.ts';
import { DEFAULT_STREAM_BYTES } from '../../flow/reassembly.ts';
import { ENCRYPTED_PORTS, Kind, kindByPort, looksEncrypted, sniff } from './detect.ts';

/**
 * Which analyzer a flow gets, from its first payload (`len` > 0 bytes at buf[off]): Kind.None for
 * non-TCP flows, encrypted ones (port, SSH banner, TLS record) and payloads no analyzer knows.
 */
export function classifyFlow(proto: number, dstPort: number, fromOrig: boolean, buf: Uint8Array, off: number, len: number, maxBytes = DEFAULT_STREAM_BYTES): Kind {
  if (proto !== 6 || maxBytes <= 0 || ENCRYPTED_PORTS.has(dstPort) || looksEncrypted(buf, off, len)) return Kind.None;
  return kindByPort(dstPort) || sniff(fromOrig, buf, off, len);
}

/** The originator's IPv4 address (unsigned) of a packet of the flow, -1 for IPv6. */
export function clientIp4(pkt: DecodedPacket, fromOrig: boolean): number {
  return pkt.ipVersion === 4 ? (fromOrig ? pkt.src4 : pkt.dst4) >>> 0 : -1;
}
