/**
 * UDP (RFC 768): ports; payload = IP payload after the 8-byte header (payloadLen from the IP
 * length, like every other layer; the UDP length field is not trusted over it). Datagrams to the
 * VXLAN and Geneve ports and from/to the Teredo port are tunnels when their payload says so.
 */
import { GENEVE_PORT, decodeGeneve } from './geneve.ts';
import { type DecodedPacket, Layer } from './packet.ts';
import { TEREDO_PORT, decodeTeredo } from './teredo.ts';
import { VXLAN_PORT, decodeVxlan } from './vxlan.ts';
import { setPayload, setPorts, stopL4 } from './stop.ts';

export function decodeUdp(p: DecodedPacket, off: number, ipEnd: number): void {
  const end = p.end;
  const avail = (ipEnd < end ? ipEnd : end) - off;
  if (avail >= 4) setPorts(p, off, Layer.UDP);
  if (avail < 8) {
    stopL4(p, Layer.UDP, ipEnd);
    return;
  }
  setPayload(p, off + 8, ipEnd);
  const d = p.dstPort;
  if (d === VXLAN_PORT || d === GENEVE_PORT || d === TEREDO_PORT || p.srcPort === TEREDO_PORT) udpTunnel(p, off + 8, ipEnd, d);
}

function udpTunnel(p: DecodedPacket, off: number, ipEnd: number, d: number): void {
  const lim = ipEnd < p.end ? ipEnd : p.end;
  if (d === VXLAN_PORT) decodeVxlan(p, off, lim);
  else if (d === GENEVE_PORT) decodeGeneve(p, off, lim);
  else decodeTeredo(p, off, ipEnd, lim);
}
