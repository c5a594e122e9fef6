/**
 * Snappy block compression (the format Parquet's SNAPPY codec names), written for the Parquet writer's
 * pages: flat typed arrays and dictionary indices with long runs. Blocks of 64 KiB, a 16 K-entry
 * hash table of 4-byte sequences, snappy's skip heuristic on incompressible stretches. Decoders:
 * every Snappy reader (DuckDB, Arrow, Spark, hyparquet).
 */

const HASH_BITS = 14;
const BLOCK = 1 << 16;
const table = new Int32Array(1 << HASH_BITS);

/** Worst-case compressed size of `n` bytes. */
export function snappyMaxLength(n: number): number {
  return 32 + n + Math.ceil(n / 6);
}

function load32(s: Uint8Array, i: number): number {
  return s[i]! | (s[i + 1]! << 8) | (s[i + 2]! << 16) | (s[i + 3]! << 24);
}

function hash(x: number): number {
  return Math.imul(x, 0x1e35a7bd) >>> (32 - HASH_BITS);
}

function emitLiteral(src: Uint8Array, from: number, to: number, out: Uint8Array, o: number): number {
  const n = to - from - 1;
  if (n < 60) {
    out[o++] = n << 2;
  } else if (n < 0x100) {
    out[o++] = 60 << 2;
    out[o++] = n;
  } else if (n < 0x10000) {
    out[o++] = 61 << 2;
    out[o++] = n & 0xff;
    out[o++] = n >>> 8;
  } else if (n < 0x1000000) {
    out[o++] = 62 << 2;
    out[o++] = n & 0xff;
    out[o++] = (n >>> 8) & 0xff;
    out[o++] = n >>> 16;
  } else {
    out[o++] = 63 << 2;
    out[o++] = n & 0xff;
    out[o++] = (n >>> 8) & 0xff;
    out[o++] = (n >>> 16) & 0xff;
    out[o++] = n >>> 24;
  }
  out.set(src.subarray(from, to), o);
  return o + (to - from);
}

function emitCopy(offset: number, len: number, out: Uint8Array, o: number): number {
  // copies of 64 bytes at most (2-byte offset form), keeping at least 4 for the last one
  while (len >= 68) {
    out[o++] = (63 << 2) | 2;
    out[o++] = offset & 0xff;
    out[o++] = offset >>> 8;
    len -= 64;
  }
  if (len > 64) {
    out[o++] = (59 << 2) | 2;
    out[o++] = offset & 0xff;
    out[o++] = offset >>> 8;
    len -= 60;
  }
  if (len < 12 && offset < 2048) {
    out[o++] = 1 | ((len - 4) << 2) | ((offset >>> 8) << 5);
    out[o++] = offset & 0xff;
  } else {
    out[o++] = ((len - 1) << 2) | 2;
    out[o++] = offset & 0xff;
    out[o++] = offset >>> 8;
  }
  return o;
}

/**
 * Compress `src` into `out` (at least snappyMaxLength(src.length) bytes); returns the compressed
 * length.
 */
export function snappyCompress(src: Uint8Array, out: Uint8Array): number {
  let o = 0;
  // preamble: uncompressed length as a varint
  let n = src.length;
  while (n >= 0x80) {
    out[o++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  out[o++] = n;
  for (let bs = 0; bs < src.length; bs += BLOCK) {
    const end = Math.min(bs + BLOCK, src.length);
    let nextEmit = bs;
    if (end - bs >= 15) {
      table.fill(-1);
      const ipLimit = end - 15;
      let ip = bs + 1;
      outer: for (;;) {
        let skip = 32;
        let cand: number;
        for (;;) {
          if (ip > ipLimit) break outer;
          const x = load32(src, ip);
          const h = hash(x);
          cand = table[h]!;
          table[h] = ip;
          if (cand >= 0 && load32(src, cand) === x) break;
          ip += skip++ >> 5;
        }
        if (ip > nextEmit) o = emitLiteral(src, nextEmit, ip, out, o);
        let len = 4;
        while (ip + len < end && src[cand + len] === src[ip + len]) len++;
        o = emitCopy(ip - cand, len, out, o);
        ip += len;
        nextEmit = ip;
        if (ip > ipLimit) break;
        table[hash(load32(src, ip - 1))] = ip - 1;
      }
    }
    if (nextEmit < end) o = emitLiteral(src, nextEmit, end, out, o);
  }
  return o;
}
