/**
 * Big-endian (network order) reads from a Uint8Array. Callers bounds-check first: these never test
 * the index (V8 inlines them into the decoders' hot paths).
 */
export function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

/** Unsigned 32-bit value (0..2^32-1). */
export function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
