/**
 * TCP (RFC 9293): ports, seq/ack (unsigned 32-bit numbers), flags byte (CWR..FIN; the NS bit is not
 * included), window, urgent pointer, header length = data offset × 4 (options length =
 * tcpHeaderLen − 20). Data offset < 5 is a bad header. With only 4..19 bytes present the ports are
 * still filled (layer = TCP, truncated) so a cut segment can be put in its flow.
 */
import { type DecodedPacket, Layer } from './packet.ts';
import { STOP, setPayload, setPorts, stopAt, stopL4 } from './stop.ts';

export function decodeTcp(p: DecodedPacket, off: number, ipEnd: number): void {
  const buf = p.buf;
  const end = p.end;
  const avail = (ipEnd < end ? ipEnd : end) - off;
  if (avail >= 4) setPorts(p, off, Layer.TCP);
  if (avail < 20) {
    stopL4(p, Layer.TCP, ipEnd);
    return;
  }
  const hlen = (buf[off + 12]! >> 4) << 2;
  p.seq = ((buf[off + 4]! << 24) | (buf[off + 5]! << 16) | (buf[off + 6]! << 8) | buf[off + 7]!) >>> 0;
  p.ack = ((buf[off + 8]! << 24) | (buf[off + 9]! << 16) | (buf[off + 10]! << 8) | buf[off + 11]!) >>> 0;
  p.tcpFlags = buf[off + 13]!;
  p.window = (buf[off + 14]! << 8) | buf[off + 15]!;
  p.urgentPtr = (buf[off + 18]! << 8) | buf[off + 19]!;
  p.tcpHeaderLen = hlen;
  if (hlen < 20) {
    stopAt(p, Layer.TCP, STOP.BAD_HEADER);
    return;
  }
  if (hlen > avail) {
    // Options cut (or longer than the datagram): fixed fields above are valid.
    stopL4(p, Layer.TCP, ipEnd);
    return;
  }
  setPayload(p, off + hlen, ipEnd);
}
