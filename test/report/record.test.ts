import { describe, it, expect } from 'vitest';
import { buildRecord } from '../../src/report/record.ts';
import { csvRow, CSV_COLUMNS, formatBlock } from '../../src/report/format.ts';
import { formatValue, severityOf, type FlowScore } from '../../src/model/score.ts';

const score: FlowScore = {
  cluster: 3,
  distance: 7.42,
  threshold: 5.1,
  anomalyScore: 7.42 / 5.1,
  isAnomaly: true,
  severity: severityOf(7.42 / 5.1),
  reasons: [{ feature: 'serror_rate', value: 1, typical: 0.01, share: 0.6, z: 9.9, text: 'serror_rate 1 vs 0.01' }],
};

describe('anomaly record', () => {
  it('carries identity, ISO timestamp, scores and label; severity follows the eve scale', () => {
    const r = buildRecord(12, { ts: 1714564803.120455, uid: 'C1', community_id: '1:abc=', src_ip: '10.0.0.5', src_port: 51234, dst_ip: '93.184.216.34', dst_port: 80, proto: 6, protocol_type: 'tcp', service: 'http', flag: 'S0', label: 'neptune', category: 'dos' }, score);
    expect(r.timestamp).toBe('2024-05-01T12:00:03.120Z');
    expect(r.ts).toBe(1714564803.120455);
    expect(r).toMatchObject({ event_type: 'anomaly', row: 12, uid: 'C1', src_port: 51234, dst_port: 80, proto: 6, cluster: 3, is_anomaly: true, label: 'neptune', category: 'dos' });
    expect(r.anomaly_score).toBeCloseTo(1.454902, 6);
    expect([severityOf(0.99), severityOf(1.2), severityOf(1.5), severityOf(3)]).toEqual([null, 3, 2, 1]);
    expect(r.severity).toBe(3);
    const row = csvRow(r);
    expect(row.length).toBe(CSV_COLUMNS.length);
    expect(row[CSV_COLUMNS.indexOf('reasons')]).toBe('serror_rate 1 vs 0.01');
    const block = formatBlock(1, r, 'p95');
    expect(block).toContain('#1  2024-05-01T12:00:03.120Z  tcp 10.0.0.5:51234 → 93.184.216.34:80 (http)  S0');
    expect(block).toContain('distance 7.42 > 5.10 (p95) · anomaly_score 1.45 · severity 3');
    expect(block).toContain('wireshark: ip.addr==10.0.0.5 && ip.addr==93.184.216.34 && tcp.port==51234 && tcp.port==80');
  });

  it('KDD rows without identity are named by row number; values print compactly', () => {
    const r = buildRecord(5, { protocol_type: 'udp', service: 'private' }, { ...score, isAnomaly: false, severity: null });
    expect(r.event_type).toBe('flow');
    expect(r.timestamp).toBeUndefined();
    expect(formatBlock(2, r, 'x3')).toContain('#2  row 5  udp private');
    expect([formatValue(0.014), formatValue(12), formatValue(1231044), formatValue(3.456)]).toEqual(['0.01', '12', '1,231,044', '3.46']);
  });
});
