/**
 * Flows to Parquet straight from their records — the `flows` command's fast path to Parquet, the
 * twin of flow-csv.ts: each column's value is taken where it lives and set in the writer's typed
 * column buffer, with no Row object built per flow (flowRow() builds 60 properties that the generic
 * writer then looks up again by name). The values are those of flowRow() in FLOW_COLUMNS order
 * (test/dataset/flow-parquet.test.ts compares both paths over corpus captures).
 */
import { flowDuration } from '../features/basic.ts';
import { FLOW_COLUMNS, FLOW_COLUMN_NAMES } from '../features/schema.ts';
import type { WindowFeatures } from '../features/windows.ts';
import type { FlowRecord } from '../flow/record.ts';
import type { FlowLineWriter } from './flow-csv.ts';
import { createParquetWriter, type ParquetOptions, type ParquetWriter } from './parquet.ts';
import type { DatasetWriter, Row } from './types.ts';

const at = (name: string): number => {
  const i = FLOW_COLUMN_NAMES.indexOf(name);
  if (i < 0) throw new Error(`flow column ${name} is not declared in FLOW_COLUMNS`);
  return i;
};
const TS = at('ts');
const CONTENT = ['hot', 'num_failed_logins', 'logged_in', 'num_compromised', 'root_shell', 'su_attempted', 'num_root', 'num_file_creations', 'num_shells', 'num_access_files', 'num_outbound_cmds', 'is_host_login', 'is_guest_login'] as const;
const CONTENT_AT = CONTENT.map(at);
const WINDOW_INT = ['count', 'srv_count', 'dst_host_count', 'dst_host_srv_count'] as const;
const WINDOW_INT_AT = WINDOW_INT.map(at);
const WINDOW_RATE = [
  'serror_rate', 'srv_serror_rate', 'rerror_rate', 'srv_rerror_rate', 'same_srv_rate', 'diff_srv_rate', 'srv_diff_host_rate',
  'dst_host_same_srv_rate', 'dst_host_diff_srv_rate', 'dst_host_same_src_port_rate', 'dst_host_srv_diff_host_rate',
  'dst_host_serror_rate', 'dst_host_srv_serror_rate', 'dst_host_rerror_rate', 'dst_host_srv_rerror_rate',
] as const;
const WINDOW_RATE_AT = WINDOW_RATE.map(at);
const C = {
  uid: at('uid'), community_id: at('community_id'), src_ip: at('src_ip'), src_port: at('src_port'), dst_ip: at('dst_ip'),
  dst_port: at('dst_port'), proto: at('proto'), duration: at('duration'), protocol_type: at('protocol_type'), service: at('service'),
  flag: at('flag'), src_bytes: at('src_bytes'), dst_bytes: at('dst_bytes'), land: at('land'), wrong_fragment: at('wrong_fragment'),
  urgent: at('urgent'), conn_state: at('conn_state'), history: at('history'), end_reason: at('end_reason'), src_pkts: at('src_pkts'),
  dst_pkts: at('dst_pkts'), src_ip_bytes: at('src_ip_bytes'), dst_ip_bytes: at('dst_ip_bytes'), vlan: at('vlan'),
  payload_inspected: at('payload_inspected'), ip_version: at('ip_version'), tunnel: at('tunnel'), tunnel_src: at('tunnel_src'),
  tunnel_dst: at('tunnel_dst'),
};
// Every declared flow column is set exactly once by writeFlow (a column added to FLOW_COLUMNS must be added here).
const COVERED = new Set([TS, ...CONTENT_AT, ...WINDOW_INT_AT, ...WINDOW_RATE_AT, ...Object.values(C)]);
if (COVERED.size !== FLOW_COLUMNS.length) {
  throw new Error(`flow-parquet.ts sets ${COVERED.size} of the ${FLOW_COLUMNS.length} flow columns: ${FLOW_COLUMN_NAMES.filter((_, i) => !COVERED.has(i)).join(', ')} missing`);
}

/** A Parquet writer over the flow columns (all REQUIRED) that also takes flows as they are. */
export class FlowParquetWriter implements DatasetWriter, FlowLineWriter {
  private readonly pw: ParquetWriter;

  constructor(path: string, opts: Omit<ParquetOptions, 'required'> = {}) {
    this.pw = createParquetWriter(path, FLOW_COLUMNS, { ...opts, required: FLOW_COLUMN_NAMES });
  }

  write(row: Row): void | Promise<void> {
    return this.pw.write(row);
  }

  writeFlow(f: FlowRecord, service: string, w: Readonly<WindowFeatures>): void | Promise<void> {
    const p = this.pw;
    p.setLong(TS, f.startTs);
    p.setString(C.uid, f.uid);
    p.setString(C.community_id, f.communityId);
    p.setString(C.src_ip, f.srcIp);
    p.setInt(C.src_port, f.srcPort);
    p.setString(C.dst_ip, f.dstIp);
    p.setInt(C.dst_port, f.dstPort);
    p.setInt(C.proto, f.proto);
    p.setDouble(C.duration, flowDuration(f));
    p.setString(C.protocol_type, f.protocolType);
    p.setString(C.service, service);
    p.setString(C.flag, f.flag);
    p.setLong(C.src_bytes, f.srcBytes);
    p.setLong(C.dst_bytes, f.dstBytes);
    p.setInt(C.land, f.land);
    p.setInt(C.wrong_fragment, f.wrongFragment);
    p.setLong(C.urgent, f.urgent);
    const c = f.content;
    if (c === undefined) {
      for (let i = 0; i < CONTENT_AT.length; i++) p.setInt(CONTENT_AT[i]!, 0);
    } else {
      p.setInt(CONTENT_AT[0]!, c.hot);
      p.setInt(CONTENT_AT[1]!, c.num_failed_logins);
      p.setInt(CONTENT_AT[2]!, c.logged_in);
      p.setInt(CONTENT_AT[3]!, c.num_compromised);
      p.setInt(CONTENT_AT[4]!, c.root_shell);
      p.setInt(CONTENT_AT[5]!, c.su_attempted);
      p.setInt(CONTENT_AT[6]!, c.num_root);
      p.setInt(CONTENT_AT[7]!, c.num_file_creations);
      p.setInt(CONTENT_AT[8]!, c.num_shells);
      p.setInt(CONTENT_AT[9]!, c.num_access_files);
      p.setInt(CONTENT_AT[10]!, c.num_outbound_cmds);
      p.setInt(CONTENT_AT[11]!, c.is_host_login);
      p.setInt(CONTENT_AT[12]!, c.is_guest_login);
    }
    p.setInt(WINDOW_INT_AT[0]!, w.count);
    p.setInt(WINDOW_INT_AT[1]!, w.srv_count);
    p.setInt(WINDOW_INT_AT[2]!, w.dst_host_count);
    p.setInt(WINDOW_INT_AT[3]!, w.dst_host_srv_count);
    p.setDouble(WINDOW_RATE_AT[0]!, w.serror_rate);
    p.setDouble(WINDOW_RATE_AT[1]!, w.srv_serror_rate);
    p.setDouble(WINDOW_RATE_AT[2]!, w.rerror_rate);
    p.setDouble(WINDOW_RATE_AT[3]!, w.srv_rerror_rate);
    p.setDouble(WINDOW_RATE_AT[4]!, w.same_srv_rate);
    p.setDouble(WINDOW_RATE_AT[5]!, w.diff_srv_rate);
    p.setDouble(WINDOW_RATE_AT[6]!, w.srv_diff_host_rate);
    p.setDouble(WINDOW_RATE_AT[7]!, w.dst_host_same_srv_rate);
    p.setDouble(WINDOW_RATE_AT[8]!, w.dst_host_diff_srv_rate);
    p.setDouble(WINDOW_RATE_AT[9]!, w.dst_host_same_src_port_rate);
    p.setDouble(WINDOW_RATE_AT[10]!, w.dst_host_srv_diff_host_rate);
    p.setDouble(WINDOW_RATE_AT[11]!, w.dst_host_serror_rate);
    p.setDouble(WINDOW_RATE_AT[12]!, w.dst_host_srv_serror_rate);
    p.setDouble(WINDOW_RATE_AT[13]!, w.dst_host_rerror_rate);
    p.setDouble(WINDOW_RATE_AT[14]!, w.dst_host_srv_rerror_rate);
    p.setString(C.conn_state, f.connState);
    p.setString(C.history, f.history);
    p.setString(C.end_reason, f.endReason);
    p.setLong(C.src_pkts, f.srcPkts);
    p.setLong(C.dst_pkts, f.dstPkts);
    p.setLong(C.src_ip_bytes, f.srcIpBytes);
    p.setLong(C.dst_ip_bytes, f.dstIpBytes);
    p.setInt(C.vlan, f.vlan);
    p.setBool(C.payload_inspected, f.payloadInspected);
    p.setInt(C.ip_version, f.ipVersion);
    p.setString(C.tunnel, f.tunnel);
    p.setString(C.tunnel_src, f.tunnelSrc);
    p.setString(C.tunnel_dst, f.tunnelDst);
    return p.endRow();
  }

  close(): Promise<number> {
    return this.pw.close();
  }

  abort(): Promise<void> {
    return this.pw.abort();
  }
}
