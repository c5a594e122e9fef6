/**
 * The Row of a flow (column name → value, keys in FLOW_COLUMNS order so JSON keeps the column
 * order), built from the flow columns' declared readers (features/schema.ts).
 */
import type { Row } from '../dataset/types.ts';
import type { FlowRecord } from '../flow/record.ts';
import { compileFunction } from '../v8-workarounds.ts';
import { FLOW_COLUMNS, type FlowColumn } from './schema.ts';
import type { WindowFeatures } from './windows.ts';

export type FlowRowFn = (f: FlowRecord, service: string, w: Readonly<WindowFeatures>) => Row;

/** A builder of the Row of a flow for `columns`. */
export function compileFlowRow(columns: readonly FlowColumn[]): FlowRowFn {
  const readers: Record<string, unknown> = {};
  columns.forEach((c, i) => (readers[`V${i}`] = c.value));
  // One object literal (one hidden class, constant keys) and one call site per reader: a loop of
  // keyed stores would build every row in dictionary mode (scripts/bench-rows.ts: pipe-rows).
  const body = `return {\n${columns.map((c, i) => `  ${JSON.stringify(c.name)}: V${i}(f, s, w),`).join('\n')}\n};`;
  return compileFunction<FlowRowFn>('flowRow', readers, ['f', 's', 'w'], body);
}

/** The Row of a flow: identity, the 41 KDD features, extras. `w` holds the flow's window features. */
export const flowRow: FlowRowFn = compileFlowRow(FLOW_COLUMNS);
