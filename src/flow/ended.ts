/**
 * An ended flow as numbers: what FlowMeter knows of a flow when it ends, in a Float64Array of fixed
 * layout (E), plus its history letters. The meter fills one reused array per ended flow; the
 * FlowRecord (with its strings: uid, Community ID, addresses) is built from it by endedRecord(),
 * either at once (same thread) or on the other side of a thread boundary (src/features/threaded.ts),
 * where the array travels as raw bytes and the strings are made by the thread that needs them.
 */
import { tunnelChainName } from '../decode/tunnel.ts';
import { communityId } from './community-id.ts';
import { formatIPv4, formatIPv6 } from './ip-format.ts';
import type { ConnFlag, EndReason, FlowRecord, ProtocolType } from './record.ts';
import { type Flow, N, makeUid } from './table.ts';
import { H_DATA, connState, udpConnState } from './tcp-state.ts';
import { IPPROTO } from '../decode/packet.ts';

const P_TCP = IPPROTO.TCP, P_UDP = IPPROTO.UDP, P_ICMP = IPPROTO.ICMP, P_ICMP6 = IPPROTO.IPV6_ICMP;

/** Offsets in an ended-flow array. Addresses: originator (SRC*) and responder (DST*) words, one for IPv4. */
export const enum E {
  SEQ = 0, REASON, VER, PROTO, SRC0, SRC1, SRC2, SRC3, DST0, DST1, DST2, DST3,
  SPORT, DPORT, VLAN, ICMPT, ICMPC, STATE, START, END,
  OBYTES, RBYTES, OPKTS, RPKTS, OIPB, RIPB, LAND, WFRAG, URG,
  /** The run's uid salt (the uid is made from it and SEQ). */
  SALT,
  /** Tunnel chain (0: none); then, with a tunnel, the outermost tunnel's IP version and address words. */
  TUN, TVER, TSRC0, TSRC1, TSRC2, TSRC3, TDST0, TDST1, TDST2, TDST3,
  /** Values per ended flow. */
  SIZE,
}

export const END_REASONS: readonly EndReason[] = ['fin', 'rst', 'idle', 'active', 'eof'];
export const CONN_STATES: readonly ConnFlag[] = ['S0', 'S1', 'SF', 'REJ', 'S2', 'S3', 'RSTO', 'RSTR', 'RSTOS0', 'RSTRH', 'SH', 'SHR', 'OTH'];
/** Index of a reason / conn_state in the arrays above (what E.REASON / E.STATE hold). */
export const REASON_CODE: Readonly<Record<EndReason, number>> = Object.fromEntries(END_REASONS.map((r, i) => [r, i])) as Record<EndReason, number>;
export const STATE_CODE: Readonly<Record<ConnFlag, number>> = Object.fromEntries(CONN_STATES.map((s, i) => [s, i])) as Record<ConnFlag, number>;

export function protocolType(proto: number): ProtocolType {
  return proto === P_TCP ? 'tcp' : proto === P_UDP ? 'udp' : proto === P_ICMP || proto === P_ICMP6 ? 'icmp' : 'other';
}

const srcWords = new Uint32Array(4);
const tunWords = new Uint32Array(4);

/** Text of the outermost tunnel endpoint at `e[at + first …]` (version `ver`). */
function tunnelAddr(e: Float64Array, at: number, ver: number, first: number): string {
  if (ver === 4) return formatIPv4(e[at + first]!);
  for (let i = 0; i < 4; i++) tunWords[i] = e[at + first + i]!;
  return formatIPv6(tunWords);
}
const dstWords = new Uint32Array(4);

/** Fill `e` (layout E) with what the flow table knows of `f` as it ends (`num`: the table's numbers). */
export function endedNumbers(e: Float64Array, f: Flow, num: Float64Array, reason: EndReason): void {
  const v6 = f.ver === 6;
  // Originator / responder address words (1 for IPv4; the others 0).
  const oa = f.origIsA ? N.A0 : N.B0, ob = f.origIsA ? N.B0 : N.A0;
  e[E.SRC0] = num[f.base + oa]!;
  e[E.DST0] = num[f.base + ob]!;
  if (v6) {
    const o1 = f.origIsA ? N.A1 : N.B1, r1 = f.origIsA ? N.B1 : N.A1;
    for (let i = 0; i < 3; i++) { e[E.SRC1 + i] = num[f.base + o1 + i]!; e[E.DST1 + i] = num[f.base + r1 + i]!; }
  } else {
    e[E.SRC1] = e[E.SRC2] = e[E.SRC3] = e[E.DST1] = e[E.DST2] = e[E.DST3] = 0;
  }
  const proto = f.proto;
  let cs: ConnFlag;
  if (proto === P_TCP) cs = connState(f.origState, f.respState, f.history, f.origBytes, f.respBytes);
  else if (proto === P_UDP) cs = udpConnState((f.histSeen & H_DATA) !== 0, (f.histSeen & (H_DATA << 8)) !== 0); // ICMP errors do not count
  else cs = 'OTH';
  const sameAddr = num[f.base + N.A0] === num[f.base + N.B0] && num[f.base + N.A1] === num[f.base + N.B1] && num[f.base + N.A2] === num[f.base + N.B2] && num[f.base + N.A3] === num[f.base + N.B3];
  const portsMatter = proto === P_TCP || proto === P_UDP;
  e[E.SEQ] = f.seq;
  e[E.REASON] = REASON_CODE[reason];
  e[E.VER] = f.ver;
  e[E.PROTO] = proto;
  e[E.SPORT] = f.srcPort;
  e[E.DPORT] = f.dstPort;
  e[E.VLAN] = f.vlanId;
  e[E.ICMPT] = f.icmpType;
  e[E.ICMPC] = f.icmpCode;
  e[E.STATE] = STATE_CODE[cs];
  e[E.START] = num[f.base + N.START]!;
  e[E.END] = num[f.base + N.END]!;
  e[E.OBYTES] = f.origBytes;
  e[E.RBYTES] = f.respBytes;
  e[E.OPKTS] = f.origPkts;
  e[E.RPKTS] = f.respPkts;
  e[E.OIPB] = f.origIpBytes;
  e[E.RIPB] = f.respIpBytes;
  e[E.LAND] = sameAddr && (!portsMatter || f.aPort === f.bPort) ? 1 : 0;
  e[E.WFRAG] = f.wrongFragment;
  e[E.URG] = f.urgent;
  e[E.SALT] = f.uidSalt;
  e[E.TUN] = f.tunnelChain;
  if (f.tunnelChain !== 0) {
    const a = f.tunnelAddr!;
    for (let i = 0; i < 9; i++) e[E.TVER + i] = a[i]!;
  }
}

/** The FlowRecord of an ended flow: `e[at …]` in layout E. */
export function endedRecord(e: Float64Array, at: number, history: string, communityIdSeed: number): FlowRecord {
  const v6 = e[at + E.VER] === 6;
  const src = srcWords, dst = dstWords;
  for (let i = 0; i < 4; i++) {
    src[i] = e[at + E.SRC0 + i]!;
    dst[i] = e[at + E.DST0 + i]!;
  }
  const proto = e[at + E.PROTO]!;
  const pt = protocolType(proto);
  const cs = CONN_STATES[e[at + E.STATE]!]!;
  const srcPort = e[at + E.SPORT]!, dstPort = e[at + E.DPORT]!, icmpType = e[at + E.ICMPT]!, icmpCode = e[at + E.ICMPC]!;
  const rec: FlowRecord = {
    uid: makeUid(e[at + E.SEQ]!, e[at + E.SALT]!),
    communityId: communityId(v6 ? 6 : 4, proto, src, dst, srcPort, dstPort, icmpType, icmpCode, communityIdSeed),
    startTs: e[at + E.START]!,
    endTs: e[at + E.END]!,
    ipVersion: v6 ? 6 : 4,
    proto,
    protocolType: pt,
    srcIp: v6 ? formatIPv6(src) : formatIPv4(src[0]!),
    dstIp: v6 ? formatIPv6(dst) : formatIPv4(dst[0]!),
    srcPort,
    dstPort,
    vlan: e[at + E.VLAN]!,
    icmpType,
    icmpCode,
    flag: proto === P_TCP ? cs : pt === 'other' ? 'OTH' : 'SF',
    connState: cs,
    history,
    endReason: END_REASONS[e[at + E.REASON]!]!,
    srcBytes: e[at + E.OBYTES]!,
    dstBytes: e[at + E.RBYTES]!,
    srcPkts: e[at + E.OPKTS]!,
    dstPkts: e[at + E.RPKTS]!,
    srcIpBytes: e[at + E.OIPB]!,
    dstIpBytes: e[at + E.RIPB]!,
    land: e[at + E.LAND] === 1 ? 1 : 0,
    wrongFragment: e[at + E.WFRAG]!,
    urgent: e[at + E.URG]!,
    payloadInspected: false,
    tunnel: '',
    tunnelSrc: '',
    tunnelDst: '',
  };
  const tun = e[at + E.TUN]!;
  if (tun !== 0) {
    const tv = e[at + E.TVER]!;
    rec.tunnel = tunnelChainName(tun);
    rec.tunnelSrc = tunnelAddr(e, at, tv, E.TSRC0);
    rec.tunnelDst = tunnelAddr(e, at, tv, E.TDST0);
  }
  return rec;
}
