/**
 * A tiny pcapng writer written from the pcapng specification (draft-ietf-opsawg-pcapng), for cases
 * the corpus lacks (power-of-2 if_tsresol, if_tsoffset, obsolete Packet Block, 64-bit timestamps
 * with a large high word) and for deliberately broken blocks. Shares no code with src/capture.
 * The output of `sampleNg()` was checked with tshark 4.0.17 when this file was written (see
 * formats.test.ts for the values tshark printed).
 */
export class NgBuilder {
  private parts: Buffer[] = [];
  le = true;

  private u16(v: number): Buffer {
    const b = Buffer.alloc(2);
    if (this.le) b.writeUInt16LE(v);
    else b.writeUInt16BE(v);
    return b;
  }
  private u32(v: number): Buffer {
    const b = Buffer.alloc(4);
    if (this.le) b.writeUInt32LE(v >>> 0);
    else b.writeUInt32BE(v >>> 0);
    return b;
  }
  private u64(v: bigint): Buffer {
    const b = Buffer.alloc(8);
    if (this.le) b.writeBigUInt64LE(BigInt.asUintN(64, v));
    else b.writeBigUInt64BE(BigInt.asUintN(64, v));
    return b;
  }
  private pad(b: Buffer): Buffer {
    return b.length % 4 === 0 ? b : Buffer.concat([b, Buffer.alloc(4 - (b.length % 4))]);
  }
  option(code: number, value: Buffer): Buffer {
    return Buffer.concat([this.u16(code), this.u16(value.length), this.pad(value)]);
  }
  private endOptions(opts: Buffer[]): Buffer {
    return opts.length ? Buffer.concat([...opts, this.u16(0), this.u16(0)]) : Buffer.alloc(0);
  }
  /** A block with a correct length; `lengthOverride`/`trailerOverride` break it on purpose. */
  block(type: number, body: Buffer, lengthOverride?: number, trailerOverride?: number): this {
    const b = this.pad(body);
    const total = 12 + b.length;
    this.parts.push(this.u32(type), this.u32(lengthOverride ?? total), b, this.u32(trailerOverride ?? total));
    return this;
  }
  shb(le: boolean, major = 1, minor = 0): this {
    this.le = le;
    const body = Buffer.concat([this.u32(0x1a2b3c4d), this.u16(major), this.u16(minor), this.u64(-1n)]);
    return this.block(0x0a0d0d0a, body);
  }
  idb(linktype: number, snaplen: number, o: { tsresol?: number; tsoffset?: bigint; name?: string } = {}): this {
    const opts: Buffer[] = [];
    if (o.name !== undefined) opts.push(this.option(2, Buffer.from(o.name)));
    if (o.tsresol !== undefined) opts.push(this.option(9, Buffer.from([o.tsresol])));
    if (o.tsoffset !== undefined) opts.push(this.option(14, this.u64(o.tsoffset)));
    return this.block(1, Buffer.concat([this.u16(linktype), this.u16(0), this.u32(snaplen), this.endOptions(opts)]));
  }
  epb(ifid: number, ts: bigint, data: Buffer, origLen = data.length, caplenOverride?: number): this {
    const hi = Number(ts >> 32n);
    const lo = Number(ts & 0xffffffffn);
    return this.block(
      6,
      Buffer.concat([this.u32(ifid), this.u32(hi), this.u32(lo), this.u32(caplenOverride ?? data.length), this.u32(origLen), this.pad(data)]),
    );
  }
  /** Obsolete Packet Block (type 2): 16-bit interface id and drops count. */
  pb(ifid: number, ts: bigint, data: Buffer, origLen = data.length): this {
    const hi = Number(ts >> 32n);
    const lo = Number(ts & 0xffffffffn);
    return this.block(
      2,
      Buffer.concat([this.u16(ifid), this.u16(0), this.u32(hi), this.u32(lo), this.u32(data.length), this.u32(origLen), this.pad(data)]),
    );
  }
  spb(data: Buffer, origLen = data.length): this {
    return this.block(3, Buffer.concat([this.u32(origLen), this.pad(data)]));
  }
  /** Name Resolution Block with one IPv4 record, then end of records. */
  nrb(): this {
    const rec = Buffer.concat([Buffer.from([10, 0, 0, 1]), Buffer.from('host.example\0')]);
    return this.block(4, Buffer.concat([this.u16(1), this.u16(rec.length), this.pad(rec), this.u16(0), this.u16(0)]));
  }
  /** Interface Statistics Block for interface `ifid`. */
  isb(ifid: number): this {
    return this.block(5, Buffer.concat([this.u32(ifid), this.u32(0), this.u32(0)]));
  }
  custom(): this {
    return this.block(0x00000bad, Buffer.concat([this.u32(32473), Buffer.from('custom data')]));
  }
  raw(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Ethernet/IPv4/UDP-looking payload of `n` bytes with a recognisable pattern. */
export function payload(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + seed) & 0xff;
  return b;
}

export const SAMPLE = {
  /** Interface 0: 2^-20 s units. */
  ts0: (1700000000n << 20n) + 777777n,
  /** Interface 1: ns units with a large high word, plus if_tsoffset 1,000,000,000 s. */
  ts1: 123_456_789_012_345_678n,
  offset1: 1_000_000_000n,
  /** Interface 2: default µs, obsolete Packet Block. */
  ts2: 1_700_000_001_000_001n,
  /** Section 1 (big-endian), interface 0: µs. */
  ts3: 1_700_000_002_500_000n,
};

/**
 * Two sections (little- then big-endian), four interfaces, every packet block type, and skipped
 * NRB/ISB/custom/unknown blocks.
 */
export function sampleNg(): Buffer {
  const b = new NgBuilder();
  b.shb(true)
    .idb(1, 64, { tsresol: 0x80 | 20, name: 'pow2' })
    .idb(0, 0, { tsresol: 9, tsoffset: SAMPLE.offset1, name: 'ns+offset' })
    .idb(1, 0, { name: 'default' })
    .epb(0, SAMPLE.ts0, payload(100, 1), 1500)
    .nrb()
    .isb(0)
    .custom()
    .block(0x12345678, Buffer.from('unknown block type'))
    .epb(1, SAMPLE.ts1, payload(44, 2))
    .spb(payload(64, 3), 80)
    .pb(2, SAMPLE.ts2, payload(60, 4))
    .shb(false)
    .idb(101, 0, { tsresol: 6 })
    .epb(0, SAMPLE.ts3, payload(20, 5));
  return b.build();
}
