/**
 * An ended flow as numbers: what FlowMeter knows of a flow when it ends, in a Float64Array of fixed
 * layout (E), plus its history letters. The meter fills one reused array per ended flow; the
 * FlowRecord (with its strings: uid, Community ID, addresses) is built from it by endedRecord(),
 * either at once (same thread) or on the other side of a thread boundary (src/features/threaded.ts),
 * where the array travels as raw bytes and the strings are made by the thread that needs them.
 *
 * The layout is declared once (ENDED below); E, endedNumbers and endedRecord are generated from it.
 */
import { tunnelChainName } from '../decode/tunnel.ts';
import { communityId } from './community-id.ts';
import { formatIPv4, formatIPv6 } from './ip-format.ts';
import type { ConnFlag, EndReason, FlowRecord, ProtocolType } from './record.ts';
import { type Flow, N, makeUid } from './table.ts';
import { H_DATA, connState, udpConnState } from './tcp-state.ts';
import { IPPROTO } from '../decode/packet.ts';
import { compileFunction } from '../v8-workarounds.ts';

const P_TCP = IPPROTO.TCP, P_UDP = IPPROTO.UDP, P_ICMP = IPPROTO.ICMP, P_ICMP6 = IPPROTO.IPV6_ICMP;

export const END_REASONS: readonly EndReason[] = ['fin', 'rst', 'idle', 'active', 'eof'];
export const CONN_STATES: readonly ConnFlag[] = ['S0', 'S1', 'SF', 'REJ', 'S2', 'S3', 'RSTO', 'RSTR', 'RSTOS0', 'RSTRH', 'SH', 'SHR', 'OTH'];
/** Index of a reason / conn_state in the arrays above (what E.REASON / E.STATE hold). */
export const REASON_CODE: Readonly<Record<EndReason, number>> = Object.fromEntries(END_REASONS.map((r, i) => [r, i])) as Record<EndReason, number>;
export const STATE_CODE: Readonly<Record<ConnFlag, number>> = Object.fromEntries(CONN_STATES.map((s, i) => [s, i])) as Record<ConnFlag, number>;

export function protocolType(proto: number): ProtocolType {
  return proto === P_TCP ? 'tcp' : proto === P_UDP ? 'udp' : proto === P_ICMP || proto === P_ICMP6 ? 'icmp' : 'other';
}

/** A number of an ended flow, from the live flow (`num`: the flow table's numbers) as it ends. */
type Fill = (f: Flow, num: Float64Array, reason: EndReason) => number;
/** A record field derived from the numbers (`e[at …]`) when the record is built. */
type Read = (e: Float64Array, at: number, history: string, communityIdSeed: number) => unknown;
type NumberField = { [K in keyof FlowRecord]-?: FlowRecord[K] extends number ? K : never }[keyof FlowRecord];

interface Slot<K extends string> { readonly slot: K; readonly fill: Fill; readonly field?: NumberField; readonly read?: undefined }
interface Derived { readonly slot?: undefined; readonly field: keyof FlowRecord; readonly read: Read }

/** A number the record derives fields from (uid, addresses, codes, tunnel). */
function slot<K extends string>(name: K, fill: Fill): Slot<K> {
  return { slot: name, fill };
}
/** A number the flow engine measured that the record takes as it is (one slot, named by the field). */
function measured<K extends NumberField>(field: K, fill: Fill): Slot<K> {
  return { slot: field, fill, field };
}
/** A record field made from the numbers when the record is built. */
function derived(field: keyof FlowRecord, read: Read): Derived {
  return { field, read };
}

/** The originator's (or, `resp`, responder's) address word i of the live flow (IPv4: one word, the others 0). */
function word(f: Flow, num: Float64Array, resp: boolean, i: number): number {
  const a = f.origIsA !== resp;
  if (i === 0) return num[f.base + (a ? N.A0 : N.B0)]!;
  return f.ver === 6 ? num[f.base + (a ? N.A1 : N.B1) + i - 1]! : 0;
}
const words = <P extends string>(prefix: P, resp: boolean) =>
  [0, 1, 2, 3].map((i) => slot(`${prefix}${i}` as `${P}${0 | 1 | 2 | 3}`, (f, num) => word(f, num, resp, i)));
/** Word i of the outermost tunnel's [IP version, source ×4, destination ×4] (0 without a tunnel). */
const tunnelWord = (i: number): Fill => (f) => (f.tunnelChain === 0 ? 0 : f.tunnelAddr![i]!);

function connStateOf(f: Flow): ConnFlag {
  if (f.proto === P_TCP) return connState(f.origState, f.respState, f.history, f.origBytes, f.respBytes);
  if (f.proto === P_UDP) return udpConnState((f.histSeen & H_DATA) !== 0, (f.histSeen & (H_DATA << 8)) !== 0); // ICMP errors do not count
  return 'OTH';
}

function landOf(f: Flow, num: Float64Array): number {
  const o = f.base;
  const same = num[o + N.A0] === num[o + N.B0] && num[o + N.A1] === num[o + N.B1] && num[o + N.A2] === num[o + N.B2] && num[o + N.A3] === num[o + N.B3];
  return same && (!(f.proto === P_TCP || f.proto === P_UDP) || f.aPort === f.bPort) ? 1 : 0;
}

/**
 * Layout E and the FlowRecord made from it, declared once, in record order. `slot`: a number that
 * travels (filled from the live flow as it ends); `measured`: a number the record takes as it is;
 * `derived`: a record field made from the numbers. A new value the flow engine measures is one
 * `measured` entry (beside its Flow field, where the meter counts it, and its FlowRecord field).
 */
export const ENDED = [
  slot('SEQ', (f) => f.seq),
  /** The run's uid salt (the uid is made from it and SEQ). */
  slot('SALT', (f) => f.uidSalt),
  slot('REASON', (_f, _num, reason) => REASON_CODE[reason]),
  slot('VER', (f) => f.ver),
  slot('STATE', (f) => STATE_CODE[connStateOf(f)]),
  ...words('SRC', false),
  ...words('DST', true),
  /** Tunnel chain (0: none); then, with a tunnel, the outermost tunnel's IP version and address words. */
  slot('TUN', (f) => f.tunnelChain),
  slot('TVER', tunnelWord(0)),
  ...[1, 2, 3, 4].map((i) => slot(`TSRC${i - 1}` as `TSRC${0 | 1 | 2 | 3}`, tunnelWord(i))),
  ...[5, 6, 7, 8].map((i) => slot(`TDST${i - 5}` as `TDST${0 | 1 | 2 | 3}`, tunnelWord(i))),

  derived('uid', (e, at): string => makeUid(e[at + E.SEQ]!, e[at + E.SALT]!)),
  derived('communityId', communityIdOf),
  measured('startTs', (f, num) => num[f.base + N.START]!),
  measured('endTs', (f, num) => num[f.base + N.END]!),
  derived('ipVersion', (e, at): 4 | 6 => (e[at + E.VER] === 6 ? 6 : 4)),
  measured('proto', (f) => f.proto),
  derived('protocolType', (e, at): ProtocolType => protocolType(e[at + E.proto]!)),
  derived('srcIp', (e, at): string => addressText(e, at, E.SRC0)),
  derived('dstIp', (e, at): string => addressText(e, at, E.DST0)),
  measured('srcPort', (f) => f.srcPort),
  measured('dstPort', (f) => f.dstPort),
  measured('vlan', (f) => f.vlanId),
  measured('icmpType', (f) => f.icmpType),
  measured('icmpCode', (f) => f.icmpCode),
  derived('flag', (e, at): ConnFlag => {
    const proto = e[at + E.proto]!;
    return proto === P_TCP ? CONN_STATES[e[at + E.STATE]!]! : protocolType(proto) === 'other' ? 'OTH' : 'SF';
  }),
  derived('connState', (e, at): ConnFlag => CONN_STATES[e[at + E.STATE]!]!),
  derived('history', (_e, _at, history): string => history),
  derived('endReason', (e, at): EndReason => END_REASONS[e[at + E.REASON]!]!),
  measured('srcBytes', (f) => f.origBytes),
  measured('dstBytes', (f) => f.respBytes),
  measured('srcPkts', (f) => f.origPkts),
  measured('dstPkts', (f) => f.respPkts),
  measured('srcIpBytes', (f) => f.origIpBytes),
  measured('dstIpBytes', (f) => f.respIpBytes),
  measured('land', landOf),
  measured('wrongFragment', (f) => f.wrongFragment),
  measured('urgent', (f) => f.urgent),
  derived('payloadInspected', (): boolean => false),
  derived('tunnel', (e, at): string => (e[at + E.TUN] === 0 ? '' : tunnelChainName(e[at + E.TUN]!))),
  derived('tunnelSrc', (e, at): string => tunnelText(e, at, E.TSRC0)),
  derived('tunnelDst', (e, at): string => tunnelText(e, at, E.TDST0)),
] as const;

/** An entry of a layout declaration such as ENDED. */
export type EndedEntry = Slot<string> | Derived;
type SlotOf<D extends readonly EndedEntry[]> = Extract<D[number], { slot: string }>['slot'];

export interface EndedLayout<D extends readonly EndedEntry[]> {
  /** Offsets in an ended-flow array, and SIZE: values per ended flow. */
  readonly E: Readonly<Record<SlotOf<D> | 'SIZE', number>>;
  /** Fill `e` (the layout) with what the flow table knows of `f` as it ends (`num`: the table's numbers). */
  readonly endedNumbers: (e: Float64Array, f: Flow, num: Float64Array, reason: EndReason) => void;
  /** The FlowRecord of an ended flow: `e[at …]` in the layout (`seed`: Community ID seed). */
  readonly endedRecord: (e: Float64Array, at: number, history: string, seed: number) => FlowRecord;
}

/**
 * The layout of a declaration: offsets in declaration order; both functions written out per entry
 * (one store, one object-literal key per value keeps every access monomorphic and the record one
 * hidden class: scripts/bench-rows.ts, compileFunction).
 */
export function endedLayout<D extends readonly EndedEntry[]>(decl: D): EndedLayout<D> {
  const at: [string, number][] = [];
  for (const d of decl) if (d.slot !== undefined) at.push([d.slot, at.length]);
  at.push(['SIZE', at.length]);
  // An object literal: keys added one by one would leave it a dictionary, a hash lookup per E.X.
  const E = compileFunction<() => Record<string, number>>('layout', {}, [], `return { ${at.map(([k, v]) => `${JSON.stringify(k)}: ${v}`).join(', ')} };`)();
  const fills: Record<string, unknown> = {};
  const reads: Record<string, unknown> = {};
  const fillLines: string[] = [];
  const recordKeys: string[] = [];
  decl.forEach((d, i) => {
    if (d.slot !== undefined) {
      fills[`F${i}`] = d.fill;
      fillLines.push(`  e[${E[d.slot]}] = F${i}(f, num, reason);`);
    }
    if (d.field === undefined) return;
    if (d.read !== undefined) {
      reads[`R${i}`] = d.read;
      recordKeys.push(`    ${JSON.stringify(d.field)}: R${i}(e, at, history, seed),`);
    } else {
      recordKeys.push(`    ${JSON.stringify(d.field)}: e[at + ${E[d.slot!]}],`);
    }
  });
  return {
    E: Object.freeze(E) as EndedLayout<D>['E'],
    endedNumbers: compileFunction('endedNumbers', fills, ['e', 'f', 'num', 'reason'], fillLines.join('\n')),
    endedRecord: compileFunction('endedRecord', reads, ['e', 'at', 'history', 'seed'], `  return {\n${recordKeys.join('\n')}\n  };`),
  };
}

const LAYOUT = endedLayout(ENDED);
/** Offsets in an ended-flow array (layout E), and SIZE: values per ended flow. */
export const E = LAYOUT.E;
export const endedNumbers = LAYOUT.endedNumbers;
export const endedRecord = LAYOUT.endedRecord;
export { measured };

const srcWords = new Uint32Array(4);
const dstWords = new Uint32Array(4);

/** Address words `e[at + first …]` into `w`. */
function wordsInto(w: Uint32Array, e: Float64Array, at: number, first: number): Uint32Array {
  for (let i = 0; i < 4; i++) w[i] = e[at + first + i]!;
  return w;
}

function addressText(e: Float64Array, at: number, first: number): string {
  return e[at + E.VER] === 6 ? formatIPv6(wordsInto(srcWords, e, at, first)) : formatIPv4(e[at + first]!);
}

function communityIdOf(e: Float64Array, at: number, _history: string, seed: number): string {
  return communityId(e[at + E.VER] === 6 ? 6 : 4, e[at + E.proto]!, wordsInto(srcWords, e, at, E.SRC0), wordsInto(dstWords, e, at, E.DST0),
    e[at + E.srcPort]!, e[at + E.dstPort]!, e[at + E.icmpType]!, e[at + E.icmpCode]!, seed);
}

/** Text of the outermost tunnel endpoint at `e[at + first …]` ('' without a tunnel). */
function tunnelText(e: Float64Array, at: number, first: number): string {
  if (e[at + E.TUN] === 0) return '';
  return e[at + E.TVER] === 4 ? formatIPv4(e[at + first]!) : formatIPv6(wordsInto(srcWords, e, at, first));
}

