/**
 * The CSV line of a flow written straight from its record, service and window features — the
 * `flows` command's fast path to CSV, with no Row object per flow. The line writer is generated
 * from the flow columns (features/schema.ts): per column its declared reader, then the same
 * per-type code as the generic CsvWriter (csvLineBody), so the bytes are exactly CsvWriter's over
 * flowRow() (test/dataset/flow-csv.test.ts compares both over corpus captures and crafted values).
 */
import { FLOW_COLUMNS, FLOW_COLUMN_NAMES, type FlowColumn } from '../features/schema.ts';
import type { WindowFeatures } from '../features/windows.ts';
import type { FlowRecord } from '../flow/record.ts';
import { compileFunction } from '../v8-workarounds.ts';
import { CsvWriter, type LineBuffer, csvLineBody, csvLineHelpers, flushLines } from './csv.ts';
import type { ColumnDef } from './types.ts';
import type { TextSink } from './output.ts';

/** Writes one flow's CSV line (with its newline) into `lb`. */
export type FlowLineFn = (lb: LineBuffer, f: FlowRecord, service: string, w: Readonly<WindowFeatures>) => void;

/** The CSV line writer of flows for `columns` (each column's `value` reads the flow). */
export function compileFlowLine(columns: readonly FlowColumn[]): FlowLineFn {
  const readers: Record<string, unknown> = {};
  columns.forEach((c, i) => (readers[`V${i}`] = c.value));
  // One constant call site per reader, per-type code per column (scripts/bench-rows.ts: pipe-flowcsv).
  return compileFunction<FlowLineFn>('flowCsvLine', { ...csvLineHelpers(columns), ...readers }, ['lb', 'f', 's', 'w'], csvLineBody(columns, (i) => `V${i}(f, s, w)`));
}

/** One flow's CSV line in FLOW_COLUMNS order (with its newline) appended to `lb`. */
export const writeFlowLine: FlowLineFn = compileFlowLine(FLOW_COLUMNS);

/** True when `columns` are the flow columns, in order (what writeFlowLine writes). */
export function isFlowColumns(columns: readonly ColumnDef[]): boolean {
  return columns.length === FLOW_COLUMN_NAMES.length && columns.every((c, i) => c.name === FLOW_COLUMN_NAMES[i]);
}

/** Where extractFlows can send flows instead of Row objects (ExtractOptions.flowWriter). */
export interface FlowLineWriter {
  writeFlow(f: FlowRecord, service: string, w: Readonly<WindowFeatures>): void | Promise<void>;
}

/** A CsvWriter over flow columns that also takes flows as they are (writeFlow: no Row built). */
export class FlowCsvWriter extends CsvWriter implements FlowLineWriter {
  private readonly line: FlowLineFn;

  /** `columns`: flow columns (with their readers); column definitions without readers write FLOW_COLUMNS. */
  constructor(sink: TextSink, columns: readonly ColumnDef[] = FLOW_COLUMNS, opts: { header?: boolean } = {}) {
    super(sink, columns, opts);
    const own = (columns.length !== FLOW_COLUMNS.length || columns.some((c, i) => c !== FLOW_COLUMNS[i])) && columns.every((c) => typeof (c as FlowColumn).value === 'function');
    this.line = own ? compileFlowLine(columns as readonly FlowColumn[]) : writeFlowLine;
  }

  writeFlow(f: FlowRecord, service: string, w: Readonly<WindowFeatures>): void | Promise<void> {
    if (!this.headerDone) this.header();
    this.line(this.lb, f, service, w);
    this.rows++;
    if (this.lb.full) return flushLines(this.lb, this.sink);
  }
}
