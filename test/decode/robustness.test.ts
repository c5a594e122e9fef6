/**
 * Robustness of decodePacket on every corpus packet, every truncation of them, and random or
 * mutated bytes (fast-check): it never throws, every exposed offset stays inside the record, and it
 * never reads outside [start, end): decoding a record that is a view into a larger buffer (real
 * neighbouring bytes, or the rest of the packet after a cut) gives exactly the result of decoding an
 * exact-length copy, where any out-of-range read would behave differently.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCaptures } from '../../src/capture/index.ts';
import { DecodedPacket } from '../../src/decode/packet.ts';
import { decodePacket } from '../../src/decode/decoder.ts';
import { CORPUS_DIR, boundsViolation, corpusFiles, decodeRaw, readPackets, type RawPacket } from './corpus.ts';

const OFFSET_FIELDS = new Set(['ipOffset', 'l4Offset', 'payloadOffset', 'fragDataOffset']);
const SKIP = new Set(['buf', 'start', 'end']);
const KEYS = Object.keys(new DecodedPacket()).filter((k) => !SKIP.has(k));

/** '' when a and b decoded the same bytes to the same result (offsets taken relative to each start). */
function diff(a: DecodedPacket, b: DecodedPacket): string {
  if (a.end - a.start !== b.end - b.start) return `length ${a.end - a.start} vs ${b.end - b.start}`;
  const ra = a as unknown as Record<string, unknown>;
  const rb = b as unknown as Record<string, unknown>;
  for (const k of KEYS) {
    let va = ra[k];
    let vb = rb[k];
    if (OFFSET_FIELDS.has(k)) {
      va = va === 0 ? 0 : (va as number) - a.start;
      vb = vb === 0 ? 0 : (vb as number) - b.start;
    }
    if (va instanceof Uint32Array && vb instanceof Uint32Array) {
      if (va.some((x, i) => x !== vb[i])) return `${k}: ${va} vs ${vb}`;
    } else if (va !== vb) return `${k}: ${String(va)} vs ${String(vb)}`;
  }
  return '';
}

/**
 * Key fields of a cut decode must be unset or equal to the full packet's (never garbage), when both
 * describe the same tunnel level (a cut that loses an inner IP header describes the outer packet). Not
 * fragId: with several IPv6 fragment headers a cut chain legitimately reports an earlier one.
 */
const STABLE = ['src4', 'dst4', 'srcPort', 'dstPort', 'seq', 'ack', 'tcpFlags', 'window', 'icmpType', 'icmpCode', 'vlan', 'innerVlan', 'ttl', 'innerProto', 'innerSrcPort', 'innerDstPort'] as const;
function unstable(cut: DecodedPacket, full: DecodedPacket): string {
  if (cut.tunnels > full.tunnels) return `tunnels: cut ${cut.tunnels} vs full ${full.tunnels}`;
  // Cut inside a tunnel: the packet is described at the last level fully present (the outer one).
  if (cut.tunnels !== full.tunnels) return cut.tunnelChain === full.tunnelChain % 32 ** cut.tunnels ? '' : `tunnel chain ${cut.tunnelChain} vs ${full.tunnelChain}`;
  for (const k of STABLE) if (cut[k] !== 0 && cut[k] !== full[k]) return `${k}: cut ${cut[k]} vs full ${full[k]}`;
  if (cut.ipVersion !== 0 && cut.ipVersion !== full.ipVersion) return `ipVersion ${cut.ipVersion} vs ${full.ipVersion}`;
  return '';
}

const copyOut = new DecodedPacket();

/** Sum of the `packets` column of ../shared/corpus/pcap/REFERENCE.tsv (tshark/capinfos 4.0.17). */
function referencePacketTotal(): number {
  const lines = readFileSync(CORPUS_DIR + 'REFERENCE.tsv', 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  const col = lines[0]!.split('\t').indexOf('packets');
  let sum = 0;
  for (const l of lines.slice(1)) {
    const v = l.split('\t')[col]!;
    if (/^\d+$/.test(v)) sum += Number(v);
  }
  return sum;
}

describe('corpus-wide', () => {
  it('every packet of every corpus file: no throw, offsets in bounds, no read outside the record', async () => {
    const files = corpusFiles();
    expect(files.length).toBeGreaterThan(60);
    const pkt = new DecodedPacket();
    let total = 0;
    const problems: string[] = [];
    for (const f of files) {
      await readCaptures([CORPUS_DIR + f], (rec) => {
        total++;
        decodePacket(rec, pkt); // in place, on the reader's chunk: neighbours are real packet bytes
        const v = boundsViolation(pkt);
        const copy = rec.buf.slice(rec.offset, rec.offset + rec.caplen);
        decodeRaw(rec.linktype, new Uint8Array(copy), 0, rec.caplen, copyOut);
        const d = diff(pkt, copyOut);
        if ((v || d) && problems.length < 10) problems.push(`${f} #${rec.packetIndex + 1}: ${v || d}`);
      });
    }
    expect(problems).toEqual([]);
    // every packet tshark counts (REFERENCE.tsv `packets`, summed over the files it reads) was decoded
    expect(total).toBe(referencePacketTotal());
  });
});

describe('truncation', () => {
  it('the first 40 packets of every corpus file cut at every length', async () => {
    const full = new DecodedPacket();
    const cut = new DecodedPacket();
    let decodes = 0;
    const problems: string[] = [];
    for (const f of corpusFiles()) {
      const pkts: RawPacket[] = await readPackets(f, 40);
      pkts.forEach((p, i) => {
        decodeRaw(p.linktype, p.bytes, 0, p.bytes.length, full);
        for (let len = 0; len <= p.bytes.length; len++) {
          decodes++;
          // a view of `len` bytes inside the whole packet: reading past `len` would see real bytes
          decodeRaw(p.linktype, p.bytes, 0, len, cut);
          const exact = decodeRaw(p.linktype, p.bytes.slice(0, len), 0, len, copyOut);
          const why = boundsViolation(cut) || diff(cut, exact) || unstable(cut, full) ||
            (len < p.bytes.length && full.layer > cut.layer && !cut.truncated && cut.stopReason === '' ? `layer ${cut.layer} < ${full.layer} without a stop` : '');
          if (why && problems.length < 10) problems.push(`${f} #${i + 1} cut at ${len}: ${why}`);
        }
      });
    }
    expect(problems).toEqual([]);
    expect(decodes).toBeGreaterThan(100_000);
  });

  it('a record whose caplen/offset exceed its buffer is clamped, not trusted', async () => {
    const [p] = await readPackets('curated-pcaps__single_syn.pcap');
    const out = decodeRaw(1, p!.bytes, 0, p!.bytes.length + 1000);
    expect(out.end).toBe(p!.bytes.length);
    expect(boundsViolation(out)).toBe('');
    const out2 = decodeRaw(1, p!.bytes, p!.bytes.length + 5, 10);
    expect(out2.start).toBe(p!.bytes.length);
    expect(out2.end).toBe(p!.bytes.length);
    expect(out2).toMatchObject({ truncated: true, stopReason: 'truncated', layer: 0 });
  });
});

const LINKTYPES = [0, 1, 9, 12, 14, 50, 101, 104, 108, 113, 228, 229, 276];

describe('property: random and mutated bytes (fast-check)', () => {
  it('random bytes under every supported link type (and others), placed anywhere in a larger buffer', () => {
    const out = new DecodedPacket();
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 160 }),
        fc.oneof(fc.constantFrom(...LINKTYPES), fc.integer({ min: 0, max: 300 })),
        fc.uint8Array({ maxLength: 24 }),
        fc.uint8Array({ maxLength: 24 }),
        (body, lt, before, after) => {
          const buf = new Uint8Array(before.length + body.length + after.length);
          buf.set(before);
          buf.set(body, before.length);
          buf.set(after, before.length + body.length);
          decodeRaw(lt, buf, before.length, body.length, out);
          const exact = decodeRaw(lt, body.slice(), 0, body.length, copyOut);
          return boundsViolation(out) === '' && diff(out, exact) === '';
        },
      ),
      { numRuns: 4000, seed: 20261120 },
    );
  });

  it('corpus packets of every link type and protocol with random byte mutations and cuts', async () => {
    const pool: RawPacket[] = [];
    for (const f of ['zeek__q-in-q.pcap', 'zeek__pppoe-over-qinq.pcap', 'tcpdump__mpls-traceroute.pcap', 'zeek__mpls-6in6-broken.pcap',
      'libpcap__ipv6_ext_headers.pcap', 'zeek__ipv6-http-atomic-frag.pcap', 'zeek__ipv6-fragmented-dns.pcap', 'zeek__icmp6-toobig.pcap',
      'zeek__icmp6-destunreach-ip6ext.pcap', 'zeek__icmp-destunreach-udp.pcap', 'zeek__linux_dlt_sll2.pcap', 'tcpdump__tcp-handshake-nano.pcap',
      'tcpdump__quic_handshake_truncated.pcap', 'tcpdump__LINKTYPE_RAW_ipv6.pcap', 'tcpdump__IGMP_V2.pcap', 'zeek__ipv4-fragmented-syn.pcap']) {
      pool.push(...(await readPackets(f, 6)));
    }
    const out = new DecodedPacket();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: pool.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(),
        (pi, muts, cutSeed) => {
          const src = pool[pi]!;
          const b = src.bytes.slice();
          const hot = Math.min(b.length, 120); // headers live in the first bytes
          for (const [pos, val] of muts) if (hot > 0) b[pos % hot] = val;
          const len = cutSeed % (b.length + 1);
          decodeRaw(src.linktype, b, 0, len, out);
          const exact = decodeRaw(src.linktype, b.slice(0, len), 0, len, copyOut);
          return boundsViolation(out) === '' && diff(out, exact) === '';
        },
      ),
      { numRuns: 20000, seed: 42 },
    );
  });
});
