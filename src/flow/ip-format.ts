/**
 * IP address text, formatted once per flow at emission: dotted quad for IPv4, RFC 5952 canonical
 * form for IPv6 (lower-case hex, no leading zeros, the longest run of ≥ 2 zero groups as "::",
 * the first such run on ties; IPv4-mapped addresses as ::ffff:a.b.c.d).
 */

/**
 * Recently formatted IPv4 addresses, direct-mapped by a hash of the address (a slot holds the last
 * address that hashed there). Captures repeat a few thousand hosts over hundreds of thousands of
 * flows: a hit costs a multiply and a compare instead of four number-to-string conversions and
 * three concatenations, and hands back the same string object, whose hash V8 has already computed
 * (the window features key their per-host counters by it). 4,096 slots: ~0.3 MB at most.
 */
const V4_SLOTS = 4096;
const v4Keys = new Float64Array(V4_SLOTS).fill(-1);
const v4Text: string[] = new Array<string>(V4_SLOTS).fill('');

/** IPv4 from its unsigned 32-bit value (network order value, as DecodedPacket.src4). */
export function formatIPv4(v: number): string {
  v >>>= 0; // an int32 view of the same address is the same key (and never the -1 of an empty slot)
  const i = Math.imul(v, 0x9e3779b1) >>> 20;
  if (v4Keys[i] === v) return v4Text[i]!;
  const s = `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  v4Keys[i] = v;
  v4Text[i] = s;
  return s;
}

/** IPv6 from four unsigned 32-bit words (as DecodedPacket.src6). */
export function formatIPv6(w: ArrayLike<number>): string {
  const g = new Array<number>(8);
  for (let i = 0; i < 4; i++) {
    g[2 * i] = (w[i]! >>> 16) & 0xffff;
    g[2 * i + 1] = w[i]! & 0xffff;
  }
  // IPv4-mapped (::ffff:0:0/96): RFC 5952 §5 recommends the dotted tail.
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return '::ffff:' + formatIPv4(w[3]! >>> 0);
  }
  let bestStart = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (a: number, b: number): string => g.slice(a, b).map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(0, 8);
  return hex(0, bestStart) + '::' + hex(bestStart + bestLen, 8);
}
