/**
 * Community ID v1 against tshark's own implementation (Wireshark ≥ 3.3.1 post-dissector), on
 * corpus captures. The expected IDs were produced with
 *   tshark -n -r F --enable-protocol communityid -T fields -e communityid | sort -u
 * (tshark 4.0.17, seed 0, base64), i.e. one ID per packet's flow.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { communityId } from '../../src/flow/community-id.ts';
import { corpus, flowsOf } from './helpers.ts';

const TSHARK_COMMUNITY_IDS: Record<string, string[]> = {
  'zeek__ssh.pcap': [
    '1:3zZVBFrYPsmh0Q/fVXudGmp5/XQ=', '1:4BqKBo4PVLDqKfc1gYy6W0rR8mw=', '1:77amRT9Lyb+32k3QdNZyFZDdax8=',
    '1:CDPr8Ae7wJGlVwnbM56szkOkg+U=', '1:DbDrjuSYYZ2bIydwKhRS+XRkgSs=', '1:I4XAhvPqM0+p3F+F06Ad75E7++M=',
    '1:K7fRpnTecjEW1uwz8UewMroPHf4=', '1:LFIiuXvBiZQRaxJ9MqDPnPUPPCA=', '1:Lf/Fl2k3u+KdkSYQ5lSOU3ZD/0s=',
    '1:NvXuI0YmYFt3PGmGV5H5ZAVdWvs=', '1:R1UL+pWFCuNIvK3oTGp53WIvRo0=', '1:SZacxXr2RE5eWw9x9xmvkkIpEv8=',
    '1:TnkKG+Ahwvl+cljxT4uWmzBagcw=', '1:Z2ZCZF5zf6b7kkYA6h85gMetvBo=', '1:ZtQaszDKp/kAiGPx50B5OM6X41U=',
    '1:fcy7VhQC2VoyNpZc5Yvx3/JKcVg=', '1:gj/2iGGIxT0Sa8v3aLpVvNctKHY=', '1:h32tiv8qgWkg3oR2sn+eyYXu0d0=',
    '1:kj3jLZk02EAXIOhwlAj9/fuDv7s=', '1:qgyfgijDiq3aRpSzLVwwHC0pmgo=', '1:ukcSanPa97rOEvbPTtWPwYtBvuE=',
    '1:v6OH3C3TXD7jeDG8xOD47xwd4W0=', '1:vuTsikS8afkGuTZ4TdCTmmWDBQw=', '1:wkygIcMZuUiKLdIqofcc7mLIGTE=',
    '1:xB2UaCKtzFJAYWyEDMozK6yvIGY=',
  ],
  'zeek__ipv6-http-atomic-frag.pcap': [
    '1:1xcy2WHsKWPsze9lcUH+U6VVX5A=', '1:IhSl98DC+UY/vDxMAr9mJGRdyjk=', '1:Lemoi9vhwjyfeAvtAyITzfiUEeo=',
    '1:ei5oU+6Q1SLoI2DiULRYgF7D70w=', '1:mJkcZbnrtQcb17qNk1e3/K2yV9c=', '1:on65FKMd1L8JTxiqb1eHl08W6vY=',
  ],
  'zeek__icmp-timeexceeded.pcap': [
    '1:YHxtAirCG//0OzkcVAukqKQN9xM=',
  ],
  'zeek__icmp6-toobig.pcap': [
    '1:VXUUlAFAS357fM3FZcY4j0CKuiM=',
  ],
  'zeek__icmp-destunreach-udp.pcap': [
    '1:GGvyj18dEx42K7edkkcDklsnKqs=',
  ],
  'zeek__icmp6-destunreach-ip6ext.pcap': [
    '1:yKjGzNwCjlAeVWScG1SfMn5ewIE=',
  ],
  'zeek__trunc-icmp-payload-trunc.pcap': [
    '1:8FstmKcBL0F+GWz/0GJ8EpJ+9B8=', '1:ZD1LclZ45D22chP/v8X/864rpfs=',
  ],
  'tcpdump__mpls-traceroute.pcap': [
    '1:/Bu1aFNyG5wgpjPIyxxLmyhzgOQ=', '1:8/3VK7uxj2JeV/vGRFIQxjGYTCU=', '1:EtfNWoqEaacX8a+0FgJRG/i+4dM=',
    '1:JcQ/B0//GD/sab2qEA5mzNJuL04=', '1:Kqk7EcRI+rkMeN/hN3GieSMZpZM=', '1:OV2F1d4u9rObSliqQvD1vl8vVxg=',
    '1:TOeDciUFjci2N7PnPNpSWqNr7tw=', '1:UMsWp74TXRd73Dy8hlPi0k10mSw=', '1:VSllSjaDlzHmpJ88to8oP10ZE3c=',
    '1:XshF5hE6oG6ru+q+ki7n4uHiMX8=', '1:x8pqZBRCeRYWhvg4VN3f4w4JXfE=', '1:yK/1nay3cVp0Hh7T9xBINs9vt94=',
  ],
  'zeek__ipv6-fragmented-dns.pcap': [
    '1:IKFvWXWE1GGSaT+RGPwyTZBhELE=', '1:RFi26uxdTiJNmfOvQr7IFNZsfyo=',
  ],
};

describe('Community ID v1', () => {
  for (const [file, ids] of Object.entries(TSHARK_COMMUNITY_IDS)) {
    it(`${file}: every flow's ID is one tshark computed`, async () => {
      const { flows, stats } = await flowsOf(corpus(file));
      const ours = new Set(flows.map((f) => f.communityId));
      for (const id of ours) expect(ids, id).toContain(id);
      // tshark also gives each ICMP error its own ID; flowsift counts those errors on the flow they quote.
      expect(ours.size + stats.icmpErrorsAttributed).toBeGreaterThanOrEqual(ids.length);
      if (stats.icmpErrorsAttributed === 0) expect(ours.size).toBe(ids.length);
    });
  }

  it('spec example: the two directions of 10.0.0.1:1234 ↔ 127.0.0.1:80/TCP give one ID', () => {
    const a = communityId(4, 6, [0x0a000001], [0x7f000001], 1234, 80);
    const b = communityId(4, 6, [0x7f000001], [0x0a000001], 80, 1234);
    expect(a).toBe(b);
    expect(a).toMatch(/^1:[A-Za-z0-9+/]{27}=$/);
  });

  it('ICMP echo request and reply share an ID; a one-way type does not reorder', () => {
    expect(communityId(4, 1, [1], [2], 0, 0, 8, 0)).toBe(communityId(4, 1, [2], [1], 0, 0, 0, 0));
    expect(communityId(4, 1, [1], [2], 0, 0, 11, 0)).not.toBe(communityId(4, 1, [2], [1], 0, 0, 11, 0));
  });

  it('the hand-written one-block SHA-1 equals node:crypto on the spec byte layout (v4/v6, seeds, ports)', () => {
    const word = fc.integer({ min: 0, max: 0xffffffff });
    fc.assert(fc.property(
      fc.boolean(), fc.constantFrom(6, 17, 132, 47, 50), fc.array(word, { minLength: 4, maxLength: 4 }), fc.array(word, { minLength: 4, maxLength: 4 }),
      fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 }),
      (v6, proto, s, d, sp, dp, seed) => {
        const n = v6 ? 4 : 1;
        const src = s.slice(0, n), dst = d.slice(0, n);
        const hasPorts = proto === 6 || proto === 17 || proto === 132;
        // Order per the spec: smaller (address, port) first.
        let swap = false;
        for (let i = 0; i < n && !swap; i++) { if (src[i] !== dst[i]) { swap = src[i]! > dst[i]!; break; } }
        const same = src.every((x, i) => x === dst[i]);
        if (same && hasPorts && sp > dp) swap = true;
        const [a, b, pa, pb] = swap ? [dst, src, dp, sp] : [src, dst, sp, dp];
        const bytes = [seed >>> 8, seed & 255];
        for (const w of [...a, ...b]) bytes.push(w >>> 24, (w >>> 16) & 255, (w >>> 8) & 255, w & 255);
        bytes.push(proto, 0);
        if (hasPorts) bytes.push(pa >>> 8, pa & 255, pb >>> 8, pb & 255);
        const want = '1:' + createHash('sha1').update(Buffer.from(bytes)).digest('base64');
        expect(communityId(v6 ? 6 : 4, proto, src, dst, sp, dp, -1, -1, seed)).toBe(want);
      }), { seed: 20261120, numRuns: 500 });
  });
});
