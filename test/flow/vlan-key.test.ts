/**
 * VLAN and the flow key, on test/captures/vlan-split.pcap (scripts/make-traffic-captures.py; tshark
 * reads it as: a TCP connection 10.1.0.5:40010 → 10.2.0.9:80 whose client packets carry 802.1Q tag 10
 * and whose server packets are untagged; then one UDP exchange 192.168.1.10:5555 ↔ 192.168.1.20:53
 * sent on VLAN 100 and again, same addresses and ports, on VLAN 200).
 * Default (Zeek's key, VLAN ignored): the TCP connection is one SF flow. --vlan-key (Suricata's):
 * it is two half-flows and the overlapping UDP conversations are two flows.
 */
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import type { Row } from '../../src/dataset/types.ts';
import { extractFlows, type ExtractOptions } from '../../src/features/extract.ts';

const CAP = fileURLToPath(new URL('../captures/vlan-split.pcap', import.meta.url));

async function rows(opts: ExtractOptions = {}): Promise<Row[]> {
  const out: Row[] = [];
  await extractFlows([CAP], opts, (r) => void out.push(r));
  return out;
}

describe('VLAN and the flow key', () => {
  it('default: a connection tagged on the client side only is one whole flow', async () => {
    const r = await rows();
    const tcp = r.filter((x) => x.proto === 6);
    expect(tcp).toHaveLength(1);
    expect(tcp[0]).toMatchObject({ src_ip: '10.1.0.5', src_port: 40010, dst_ip: '10.2.0.9', dst_port: 80, conn_state: 'SF', history: 'ShADdFf', src_pkts: 5, dst_pkts: 3, src_bytes: 100, dst_bytes: 200, vlan: 10 });
    const udp = r.filter((x) => x.proto === 17);
    expect(udp).toHaveLength(1);
    expect(udp[0]).toMatchObject({ src_pkts: 2, dst_pkts: 2, vlan: 100 });
  });

  it('vlanKey (Suricata): the VLAN ids are in the key — two half-flows, two UDP flows', async () => {
    const r = await rows({ flow: { vlanKey: true } });
    const tcp = r.filter((x) => x.proto === 6);
    expect(tcp.map((x) => [x.vlan, x.src_pkts, x.dst_pkts])).toEqual([[10, 5, 0], [0, 0, 3]]);
    expect(tcp.map((x) => x.conn_state)).not.toContain('SF');
    const udp = r.filter((x) => x.proto === 17);
    expect(udp.map((x) => [x.vlan, x.src_pkts, x.dst_pkts])).toEqual([[100, 1, 1], [200, 1, 1]]);
  });

  it('flows --vlan-key on the command line', async () => {
    const run = async (args: string[]): Promise<Record<string, string>[]> => {
      const chunks: Buffer[] = [];
      const out = new Writable({ write(c, _e, cb) { chunks.push(Buffer.from(c)); cb(); } });
      const err = new Writable({ write(_c, _e, cb) { cb(); } });
      expect(await runCli(['flows', CAP, ...args], { stdout: out, stderr: err })).toBe(0);
      return parse(Buffer.concat(chunks).toString('utf8'), { columns: true }) as Record<string, string>[];
    };
    expect(await run([])).toHaveLength(2);
    expect(await run(['--vlan-key'])).toHaveLength(4);
  });
});
