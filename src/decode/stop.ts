import type { DecodedPacket, Layer } from './packet.ts';

/**
 * Stop reasons (DecodedPacket.stopReason). A layer whose header is cut by the capture is
 * 'truncated'; a header that contradicts itself or its enclosing length is 'bad-header'; a
 * non-first fragment's missing L4 header is 'fragment'; an EtherType/AF/PPP protocol that is not
 * IP is 'not-ip'; link types we cannot decode give 'unsupported-linktype'.
 */
export const STOP = {
  TRUNCATED: 'truncated',
  BAD_HEADER: 'bad-header',
  NOT_IP: 'not-ip',
  FRAGMENT: 'fragment',
  UNSUPPORTED_LINKTYPE: 'unsupported-linktype',
} as const;

/** Header of `layer` cut by the end of the captured bytes. */
export function stopTruncated(p: DecodedPacket, layer: Layer): void {
  p.truncated = true;
  p.stopLayer = layer;
  p.stopReason = STOP.TRUNCATED;
}

export function stopAt(p: DecodedPacket, layer: Layer, reason: string): void {
  p.stopLayer = layer;
  p.stopReason = reason;
}

/**
 * An L4 header that does not fit in [off, min(ipEnd, end)): truncated by the capture when the IP
 * datagram runs past the captured bytes; otherwise it continues in a later fragment ('fragment')
 * or the IP length is too short for it ('bad-header').
 */
export function stopL4(p: DecodedPacket, layer: Layer, ipEnd: number): void {
  if (ipEnd > p.end) stopTruncated(p, layer);
  else stopAt(p, layer, p.isFragment ? STOP.FRAGMENT : STOP.BAD_HEADER);
}

/** An L4 header with at least its 4 port bytes present at `off`: offset, ports, layer reached. */
export function setPorts(p: DecodedPacket, off: number, layer: Layer): void {
  const buf = p.buf;
  p.l4Offset = off;
  p.srcPort = (buf[off]! << 8) | buf[off + 1]!;
  p.dstPort = (buf[off + 2]! << 8) | buf[off + 3]!;
  p.layer = layer;
}

/**
 * The payload after the last header decoded (L4 data, or the IP payload when no L4 decoder applies):
 * offset and header-declared length (from the IP length); `payloadCaptured`
 * is what is present. Marks the packet truncated when the capture cut the datagram.
 */
export function setPayload(p: DecodedPacket, off: number, ipEnd: number): void {
  const end = p.end;
  p.payloadOffset = off;
  p.payloadLen = ipEnd > off ? ipEnd - off : 0;
  const lim = ipEnd < end ? ipEnd : end;
  p.payloadCaptured = lim > off ? lim - off : 0;
  if (ipEnd > end) p.truncated = true;
}
