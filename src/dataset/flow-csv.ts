/**
 * The CSV line of a flow written straight from its record, service and window features — the
 * `flows` command's fast path to CSV. The generic CsvWriter formats a Row object that flowRow()
 * builds per flow (60 properties), reading it back column by column through type-generic helpers;
 * here each column's value is taken where it lives and written by the helper for its declared type,
 * and the 13 content features of a flow the payload stage did not inspect (most flows) are one
 * constant run of zeros. The bytes are exactly CsvWriter's over flowRow(): the same helpers format
 * every value (with the same fallbacks for unusual ones), in FLOW_COLUMNS order
 * (test/dataset/flow-csv.test.ts compares both over corpus captures and crafted edge values).
 * Measured on bench1g.pcap (alternated runs, 10 pairs): wall 1.533 → 1.482 s, CPU 2.66 → 2.59 s; main
 * thread 0.88 → 0.85 CPU-s (`scripts/bench-rows.ts`: stage → CSV 428–444 → 416–423 ms per replay).
 */
import { ZERO_CONTENT, flowDuration } from '../features/basic.ts';
import { FLOW_COLUMN_NAMES } from '../features/schema.ts';
import type { WindowFeatures } from '../features/windows.ts';
import type { FlowRecord } from '../flow/record.ts';
import { CsvWriter, type LineBuffer, NUM_MAX, flushLines, putCsvSlow, putMicroCol, putPlain, putUintCol } from './csv.ts';
import type { ColumnDef } from './types.ts';

/** Room reserved per line, as the generic row writer reserves for these columns. */
const RESERVE = FLOW_COLUMN_NAMES.length * NUM_MAX + 2;
const COMMA = 44;
const NEWLINE = 10;
/** The content features of a flow without payload findings (contentFeatures() gives ZERO_CONTENT): all zeros. */
const ZERO_CONTENT_CSV = Buffer.from(Object.values(ZERO_CONTENT).join(','), 'latin1');

/** An integer column (the generic writer's putUintCol path and fallback) at `o`; the offset after it. */
function int(lb: LineBuffer, o: number, v: number): number {
  const k = putUintCol(lb.buf, o, v);
  return k >= 0 ? k : putCsvSlow(lb, o, v, false, RESERVE);
}

/** A time or rate column (µs precision: putMicroCol and its fallback) at `o`; the offset after it. */
function micro(lb: LineBuffer, o: number, v: number): number {
  const k = putMicroCol(lb.buf, o, v);
  return k >= 0 ? k : putCsvSlow(lb, o, v, true, RESERVE);
}

/** A text column (plain ASCII copied; anything needing quotes or UTF-8 through csvField) at `o`. */
function text(lb: LineBuffer, o: number, v: string): number {
  const k = typeof v === 'string' ? putPlain(lb, o, v, RESERVE, true) : -1;
  return k >= 0 ? k : putCsvSlow(lb, o, v, false, RESERVE);
}

/**
 * One flow's CSV line (FLOW_COLUMNS order, with its newline) appended to `lb`. Separators go
 * through `lb.buf` as it is after each field: a text field, or a number written in full by the
 * fallback (1e300 has 301 digits), may have grown it.
 */
export function writeFlowLine(lb: LineBuffer, f: FlowRecord, service: string, w: Readonly<WindowFeatures>): void {
  lb.room(RESERVE);
  let o = lb.off;
  o = micro(lb, o, f.startTs); lb.buf[o++] = COMMA;
  o = text(lb, o, f.uid); lb.buf[o++] = COMMA;
  o = text(lb, o, f.communityId); lb.buf[o++] = COMMA;
  o = text(lb, o, f.srcIp); lb.buf[o++] = COMMA;
  o = int(lb, o, f.srcPort); lb.buf[o++] = COMMA;
  o = text(lb, o, f.dstIp); lb.buf[o++] = COMMA;
  o = int(lb, o, f.dstPort); lb.buf[o++] = COMMA;
  o = int(lb, o, f.proto); lb.buf[o++] = COMMA;
  o = micro(lb, o, flowDuration(f)); lb.buf[o++] = COMMA;
  o = text(lb, o, f.protocolType); lb.buf[o++] = COMMA;
  o = text(lb, o, service); lb.buf[o++] = COMMA;
  o = text(lb, o, f.flag); lb.buf[o++] = COMMA;
  o = int(lb, o, f.srcBytes); lb.buf[o++] = COMMA;
  o = int(lb, o, f.dstBytes); lb.buf[o++] = COMMA;
  o = int(lb, o, f.land); lb.buf[o++] = COMMA;
  o = int(lb, o, f.wrongFragment); lb.buf[o++] = COMMA;
  o = int(lb, o, f.urgent); lb.buf[o++] = COMMA;
  if (f.content === undefined) {
    lb.buf.set(ZERO_CONTENT_CSV, o);
    o += ZERO_CONTENT_CSV.length;
  } else {
    const c = f.content;
    o = int(lb, o, c.hot); lb.buf[o++] = COMMA;
    o = int(lb, o, c.num_failed_logins); lb.buf[o++] = COMMA;
    o = int(lb, o, c.logged_in); lb.buf[o++] = COMMA;
    o = int(lb, o, c.num_compromised); lb.buf[o++] = COMMA;
    o = int(lb, o, c.root_shell); lb.buf[o++] = COMMA;
    o = int(lb, o, c.su_attempted); lb.buf[o++] = COMMA;
    o = int(lb, o, c.num_root); lb.buf[o++] = COMMA;
    o = int(lb, o, c.num_file_creations); lb.buf[o++] = COMMA;
    o = int(lb, o, c.num_shells); lb.buf[o++] = COMMA;
    o = int(lb, o, c.num_access_files); lb.buf[o++] = COMMA;
    o = int(lb, o, c.num_outbound_cmds); lb.buf[o++] = COMMA;
    o = int(lb, o, c.is_host_login); lb.buf[o++] = COMMA;
    o = int(lb, o, c.is_guest_login);
  }
  lb.buf[o++] = COMMA;
  o = int(lb, o, w.count); lb.buf[o++] = COMMA;
  o = int(lb, o, w.srv_count); lb.buf[o++] = COMMA;
  o = micro(lb, o, w.serror_rate); lb.buf[o++] = COMMA;
  o = micro(lb, o, w.srv_serror_rate); lb.buf[o++] = COMMA;
  o = micro(lb, o, w.rerror_rate); lb.buf[o++] = COMMA;
  o = micro(lb, o, w.srv_rerror_rate); lb.buf[o++] = COMMA;
  o = micro(lb, o, w.same_srv_rate); lb.buf[o++] = COMMA;
  o = micro(lb, o, w.diff_srv_rate); lb.buf[o++] = COMMA;
  o = micro(lb, o, w.srv_diff_host_rate); lb.buf[o++] = COMMA;
  o = int(lb, o, w.dst_host_count); lb.buf[o++] = COMMA;
  o = int(lb, o, w.dst_host_srv_count); lb.buf[o++] = COMMA;
  o = micro(lb, o, w.dst_host_same_srv_rate); lb.buf[o++] = COMMA;
  o = micro(lb, o, w.dst_host_diff_srv_rate); lb.buf[o++] = COMMA;
  o = micro(lb, o, w.dst_host_same_src_port_rate); lb.buf[o++] = COMMA;
  o = micro(lb, o, w.dst_host_srv_diff_host_rate); lb.buf[o++] = COMMA;
  o = micro(lb, o, w.dst_host_serror_rate); lb.buf[o++] = COMMA;
  o = micro(lb, o, w.dst_host_srv_serror_rate); lb.buf[o++] = COMMA;
  o = micro(lb, o, w.dst_host_rerror_rate); lb.buf[o++] = COMMA;
  o = micro(lb, o, w.dst_host_srv_rerror_rate); lb.buf[o++] = COMMA;
  o = text(lb, o, f.connState); lb.buf[o++] = COMMA;
  o = text(lb, o, f.history); lb.buf[o++] = COMMA;
  o = text(lb, o, f.endReason); lb.buf[o++] = COMMA;
  o = int(lb, o, f.srcPkts); lb.buf[o++] = COMMA;
  o = int(lb, o, f.dstPkts); lb.buf[o++] = COMMA;
  o = int(lb, o, f.srcIpBytes); lb.buf[o++] = COMMA;
  o = int(lb, o, f.dstIpBytes); lb.buf[o++] = COMMA;
  o = int(lb, o, f.vlan); lb.buf[o++] = COMMA;
  const b = lb.buf;
  if (f.payloadInspected === true) {
    b[o] = 116; b[o + 1] = 114; b[o + 2] = 117; b[o + 3] = 101; o += 4;
  } else if (f.payloadInspected === false) {
    b[o] = 102; b[o + 1] = 97; b[o + 2] = 108; b[o + 3] = 115; b[o + 4] = 101; o += 5;
  } else o = putCsvSlow(lb, o, f.payloadInspected, false, RESERVE);
  lb.buf[o++] = COMMA;
  o = int(lb, o, f.ipVersion); lb.buf[o++] = COMMA;
  if (f.tunnel === '') {
    lb.buf[o++] = COMMA; lb.buf[o++] = COMMA;
  } else {
    o = text(lb, o, f.tunnel); lb.buf[o++] = COMMA;
    o = text(lb, o, f.tunnelSrc); lb.buf[o++] = COMMA;
    o = text(lb, o, f.tunnelDst);
  }
  lb.buf[o++] = NEWLINE;
  lb.off = o;
}

/** True when `columns` are the flow columns, in order (what writeFlowLine writes). */
export function isFlowColumns(columns: readonly ColumnDef[]): boolean {
  return columns.length === FLOW_COLUMN_NAMES.length && columns.every((c, i) => c.name === FLOW_COLUMN_NAMES[i]);
}

/** Where extractFlows can send flows instead of Row objects (ExtractOptions.flowWriter). */
export interface FlowLineWriter {
  writeFlow(f: FlowRecord, service: string, w: Readonly<WindowFeatures>): void | Promise<void>;
}

/** A CsvWriter over the flow columns that also takes flows as they are (writeFlow: no Row built). */
export class FlowCsvWriter extends CsvWriter implements FlowLineWriter {
  writeFlow(f: FlowRecord, service: string, w: Readonly<WindowFeatures>): void | Promise<void> {
    if (!this.headerDone) this.header();
    writeFlowLine(this.lb, f, service, w);
    this.rows++;
    if (this.lb.full) return flushLines(this.lb, this.sink);
  }
}
