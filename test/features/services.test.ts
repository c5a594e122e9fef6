import { describe, expect, it } from 'vitest';
import { readKdd } from '../../src/dataset/kdd.ts';
import { KDD_SERVICES, flowService, icmpService, tcpService, udpService, TCP_PORTS } from '../../src/features/services.ts';

const KDD_TRAIN = new URL('../../../shared/corpus/kdd/KDDTrain+.txt.gz', import.meta.url).pathname;

describe('service vocabulary', () => {
  it('is exactly the set of services in NSL-KDD KDDTrain+ (all 70 occur there)', async () => {
    const seen = new Set<string>();
    const protoOf = new Map<string, Set<string>>();
    for await (const row of readKdd(KDD_TRAIN)) {
      const s = row.service as string;
      seen.add(s);
      if (!protoOf.has(s)) protoOf.set(s, new Set());
      protoOf.get(s)!.add(row.protocol_type as string);
    }
    expect([...seen].sort()).toEqual([...KDD_SERVICES].sort());
    expect(KDD_SERVICES.length).toBe(70);
    // The UDP names we produce are the UDP names of the data.
    const udpInData = [...protoOf].filter(([, p]) => p.has('udp')).map(([s]) => s).sort();
    const udpOurs = new Set<string>();
    for (let p = 0; p < 65536; p++) udpOurs.add(udpService(p));
    expect([...udpOurs].sort()).toEqual(udpInData);
    // The ICMP names we produce are the data's ICMP names, plus 'other' (our choice for the ICMP types
    // the data has no name for: KDD's extractors used oth_i, which is not in the vocabulary).
    const icmpOurs = new Set<string>();
    for (const proto of [1, 58]) for (let t = 0; t < 256; t++) for (let c = 0; c < 16; c++) icmpOurs.add(icmpService(proto, t, c));
    const icmpInData = [...protoOf].filter(([, p]) => p.has('icmp')).map(([s]) => s);
    expect([...icmpOurs].sort()).toEqual([...icmpInData, 'other'].sort());
  }, 60_000);

  it('every TCP and UDP port maps into the 70 names', () => {
    const vocab = new Set<string>(KDD_SERVICES);
    const produced = new Set<string>();
    for (let p = 0; p < 65536; p++) {
      produced.add(tcpService(40000, p));
      produced.add(udpService(p));
    }
    for (const s of produced) expect(vocab.has(s), s).toBe(true);
    expect(produced.size).toBeGreaterThan(60);
    for (const name of Object.values(TCP_PORTS)) expect(vocab.has(name)).toBe(true);
  });
});

describe('service rules', () => {
  it('TCP by responder port (IANA assignments under KDD names)', () => {
    expect(tcpService(51000, 80)).toBe('http');
    expect(tcpService(51000, 443)).toBe('http_443');
    expect(tcpService(51000, 21)).toBe('ftp');
    expect(tcpService(51000, 22)).toBe('ssh');
    expect(tcpService(51000, 23)).toBe('telnet');
    expect(tcpService(51000, 25)).toBe('smtp');
    expect(tcpService(51000, 53)).toBe('domain');
    expect(tcpService(51000, 110)).toBe('pop_3');
    expect(tcpService(51000, 143)).toBe('imap4');
    expect(tcpService(51000, 6000)).toBe('X11');
    expect(tcpService(51000, 6063)).toBe('X11');
    expect(tcpService(51000, 6667)).toBe('IRC');
  });

  it('active FTP data (from or to port 20) is ftp_data', () => {
    expect(tcpService(20, 51234)).toBe('ftp_data');
    expect(tcpService(51234, 20)).toBe('ftp_data');
  });

  it('unlisted ports: dynamic range and unregistered → private; well-known and registered non-KDD services → other', () => {
    expect(tcpService(40000, 51234)).toBe('private');
    expect(tcpService(40000, 12345)).toBe('private');
    expect(tcpService(40000, 3306)).toBe('other');
    expect(tcpService(40000, 3389)).toBe('other');
    expect(tcpService(40000, 445)).toBe('other');
    expect(udpService(51234)).toBe('private');
    expect(udpService(137)).toBe('other');
    expect(udpService(53)).toBe('domain_u');
    expect(udpService(69)).toBe('tftp_u');
    expect(udpService(123)).toBe('ntp_u');
  });

  it('ICMP by the first packet type/code, ICMPv6 by its equivalents', () => {
    expect(icmpService(1, 8, 0)).toBe('eco_i');
    expect(icmpService(1, 0, 0)).toBe('ecr_i');
    expect(icmpService(1, 3, 3)).toBe('urp_i');
    expect(icmpService(1, 3, 1)).toBe('urh_i');
    expect(icmpService(1, 11, 0)).toBe('tim_i');
    expect(icmpService(1, 5, 1)).toBe('red_i');
    expect(icmpService(1, 13, 0)).toBe('other');
    expect(icmpService(58, 128, 0)).toBe('eco_i');
    expect(icmpService(58, 129, 0)).toBe('ecr_i');
    expect(icmpService(58, 1, 4)).toBe('urp_i');
    expect(icmpService(58, 1, 3)).toBe('urh_i');
    expect(icmpService(58, 3, 0)).toBe('tim_i');
    expect(icmpService(58, 137, 0)).toBe('red_i');
  });

  it('flowService dispatches on protocol (other IP protocols → other)', () => {
    const base = { proto: 6, srcPort: 40000, dstPort: 80, icmpType: -1, icmpCode: -1 };
    expect(flowService({ ...base, protocolType: 'tcp' })).toBe('http');
    expect(flowService({ ...base, protocolType: 'udp', proto: 17, dstPort: 53 })).toBe('domain_u');
    expect(flowService({ ...base, protocolType: 'icmp', proto: 1, icmpType: 8, icmpCode: 0 })).toBe('eco_i');
    expect(flowService({ ...base, protocolType: 'other', proto: 47 })).toBe('other');
  });
});

describe('renderServiceRules', () => {
  it('renders the port table from the code (every listed TCP port appears)', async () => {
    const { renderServiceRules } = await import('../../src/features/services.ts');
    const md = renderServiceRules();
    expect(md).toContain('http 80, 8008, 8080');
    expect(md).toContain('X11 6000–6063');
    expect(md).toContain('domain_u 53');
    expect(md.split('\n').filter((l) => l.startsWith('|'))).toHaveLength(7);
  });
});
