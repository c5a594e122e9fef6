/**
 * Order-independent flow keys, numeric and allocation-free.
 *
 * A key is {IP version, protocol, VLAN, endpoint A (address, port), endpoint B (address, port)}
 * with A ≤ B (VLAN: 0 for Zeek's key, the default; outer | inner << 12 for the VLAN-aware one) (address words compared first, then the port), so both directions of a connection
 * give the same key. The packet's fields are written into a reused `KeyScratch`; its 30-bit hash
 * (a small integer, so the table's Map<number, …> never boxes it) selects a bucket and the
 * table compares the full key to resolve collisions.
 *
 * "Ports" are what identifies the conversation inside the address pair: TCP/UDP ports; for ICMP
 * echo-like messages the identifier (both sides); for other ICMP a per-type-family marker.
 */

/** Reused scratch holding the canonical key of the current packet. */
export class KeyScratch {
  ver = 4;
  proto = 0;
  vlan = 0;
  /** Lower endpoint: address words (IPv4 uses a0 only) and port. */
  a0 = 0; a1 = 0; a2 = 0; a3 = 0; aPort = 0;
  /** Higher endpoint. */
  b0 = 0; b1 = 0; b2 = 0; b3 = 0; bPort = 0;
  /** True when the packet's sender is endpoint A. */
  senderIsA = true;
  hash = 0;
}

/** Key fields kept on a flow object; the address words live in the table's number array at `base`. */
export interface FlowKeyFields {
  ver: number; proto: number; vlan: number; aPort: number; bPort: number;
  /** Offset of the flow's record in the table's Float64Array (see table.ts `N`). */
  base: number;
}

/** Offsets of the address words in a flow's number record (table.ts keeps the same values in N). */
export const K_A0 = 0, K_B0 = 1, K_A1 = 20, K_A2 = 21, K_A3 = 22, K_B1 = 23, K_B2 = 24, K_B3 = 25;

function mix(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x9e3779b1);
  return (h << 13) | (h >>> 19);
}

/** murmur3's 32-bit finaliser: a bijection on 32-bit values (also used for flow uids). */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hashKey(k: KeyScratch): number {
  let h = mix(0x2545f491, k.ver | (k.proto << 8) | (k.vlan << 16) | (k.vlan >>> 16)); // vlan: up to 24 bits
  h = mix(h, k.a0);
  h = mix(h, k.b0);
  if (k.ver === 6) {
    h = mix(h, k.a1); h = mix(h, k.a2); h = mix(h, k.a3);
    h = mix(h, k.b1); h = mix(h, k.b2); h = mix(h, k.b3);
  }
  h = mix(h, (k.aPort << 16) ^ k.bPort ^ (k.aPort >>> 16) ^ ((k.bPort >>> 16) << 7));
  return fmix32(h) & 0x3fffffff; // a V8 small integer
}

/** IPv4 key; `src`/`dst` as unsigned or int32 (`x | 0`: a small integer, never a heap box when not inlined). */
export function setKey4(k: KeyScratch, proto: number, vlan: number, src: number, sPort: number, dst: number, dPort: number): void {
  k.ver = 4; k.proto = proto; k.vlan = vlan;
  // a1..b3 are not written for IPv4: keyEquals/copyKey ignore them when ver === 4.
  src >>>= 0; dst >>>= 0;
  if (src < dst || (src === dst && sPort <= dPort)) {
    k.a0 = src; k.aPort = sPort; k.b0 = dst; k.bPort = dPort; k.senderIsA = true;
  } else {
    k.a0 = dst; k.aPort = dPort; k.b0 = src; k.bPort = sPort; k.senderIsA = false;
  }
  k.hash = hashKey(k);
}

function cmp6(s: Uint32Array, d: Uint32Array): number {
  for (let i = 0; i < 4; i++) {
    if (s[i] !== d[i]) return s[i] < d[i] ? -1 : 1;
  }
  return 0;
}

export function setKey6(k: KeyScratch, proto: number, vlan: number, src: Uint32Array, sPort: number, dst: Uint32Array, dPort: number): void {
  k.ver = 6; k.proto = proto; k.vlan = vlan;
  const c = cmp6(src, dst);
  if (c < 0 || (c === 0 && sPort <= dPort)) {
    k.a0 = src[0]; k.a1 = src[1]; k.a2 = src[2]; k.a3 = src[3]; k.aPort = sPort;
    k.b0 = dst[0]; k.b1 = dst[1]; k.b2 = dst[2]; k.b3 = dst[3]; k.bPort = dPort;
    k.senderIsA = true;
  } else {
    k.a0 = dst[0]; k.a1 = dst[1]; k.a2 = dst[2]; k.a3 = dst[3]; k.aPort = dPort;
    k.b0 = src[0]; k.b1 = src[1]; k.b2 = src[2]; k.b3 = src[3]; k.bPort = sPort;
    k.senderIsA = false;
  }
  k.hash = hashKey(k);
}

export function keyEquals(f: FlowKeyFields, k: KeyScratch, num: Float64Array): boolean {
  const o = f.base;
  return num[o + K_A0] === k.a0 && num[o + K_B0] === k.b0 && f.aPort === k.aPort && f.bPort === k.bPort &&
    f.proto === k.proto && f.ver === k.ver && f.vlan === k.vlan &&
    (k.ver === 4 || (num[o + K_A1] === k.a1 && num[o + K_A2] === k.a2 && num[o + K_A3] === k.a3 &&
      num[o + K_B1] === k.b1 && num[o + K_B2] === k.b2 && num[o + K_B3] === k.b3));
}

export function copyKey(f: FlowKeyFields, k: KeyScratch, num: Float64Array): void {
  f.ver = k.ver; f.proto = k.proto; f.vlan = k.vlan; f.aPort = k.aPort; f.bPort = k.bPort;
  const o = f.base;
  num[o + K_A0] = k.a0; num[o + K_B0] = k.b0;
  if (k.ver === 6) {
    num[o + K_A1] = k.a1; num[o + K_A2] = k.a2; num[o + K_A3] = k.a3;
    num[o + K_B1] = k.b1; num[o + K_B2] = k.b2; num[o + K_B3] = k.b3;
  } else {
    num[o + K_A1] = num[o + K_A2] = num[o + K_A3] = num[o + K_B1] = num[o + K_B2] = num[o + K_B3] = 0;
  }
}

// ---- ICMP conversation identity -----------------------------------------------------------

/** ICMP "port" markers (above the 16-bit range so they never equal an echo identifier). */
const ICMP_FAMILY = 0x10000;
const ICMP_ERROR = 0x20000;

/** ICMPv4 request/reply pairs (RFC 792/950; Community ID spec's table): type → counterpart. */
const ICMP4_PAIR: Record<number, number> = { 8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17 };
/** ICMPv6 pairs: echo 128/129, router 133/134, neighbor 135/136, MLD 130/131, home agent 144/145. */
const ICMP6_PAIR: Record<number, number> = { 128: 129, 129: 128, 133: 134, 134: 133, 135: 136, 136: 135, 130: 131, 131: 130, 144: 145, 145: 144 };

export function icmpCounterpart(v6: boolean, type: number): number | undefined {
  return v6 ? ICMP6_PAIR[type] : ICMP4_PAIR[type];
}

/** Echo request/reply (v4 8/0, v6 128/129): these are keyed on the identifier. */
export function isIcmpEcho(v6: boolean, type: number): boolean {
  return v6 ? type === 128 || type === 129 : type === 8 || type === 0;
}

/** ICMP error messages that quote an offending datagram. */
export function isIcmpError(v6: boolean, type: number): boolean {
  return v6 ? type >= 1 && type <= 4 : type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}

/** The key "port" of an ICMP message (both endpoints get the same value). */
export function icmpKeyPort(v6: boolean, type: number, id: number): number {
  if (isIcmpEcho(v6, type)) return id;
  if (isIcmpError(v6, type)) return ICMP_ERROR | type;
  const other = icmpCounterpart(v6, type);
  return ICMP_FAMILY | (other === undefined ? type : Math.min(type, other));
}
