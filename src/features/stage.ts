/**
 * The feature stage: finished flows (END order) in, rows (START order) out, each with its service
 * and window features. Usable with any flow source: `push` / `pushEnded` each finished flow,
 * `release(oldestLiveStart)` when the source's earliest open flow changes, `finish()` at the end.
 */
import type { Row } from '../dataset/types.ts';
import { E } from '../flow/ended.ts';
import type { ContentFeatures, FlowRecord } from '../flow/record.ts';
import { errorClass } from './basic.ts';
import { HeldFlows } from './held.ts';
import { compileFlowRow, flowRow, type FlowRowFn } from './row.ts';
import { FLOW_COLUMNS, type FlowColumn } from './schema.ts';
import { flowService, SERVICE_INDEX } from './services.ts';
import { StartOrderBuffer } from './start-order.ts';
import { emptyWindowFeatures, TrafficWindows, type WindowFeatures } from './windows.ts';

export interface FeatureStageOptions {
  /** Time window for features 23–31, seconds (default 2). */
  timeWindow?: number;
  /** Host window for features 32–41, connections (default 100). */
  hostWindow?: number;
  /** Most finished flows held back waiting for an earlier-started flow (default 500,000). */
  maxHeld?: number;
  /** The columns of each Row (default FLOW_COLUMNS). */
  columns?: readonly FlowColumn[];
}

export class FeatureStage {
  readonly windows: TrafficWindows;
  /** Held flows in start order (slots of the held-flow store). */
  readonly buffer: StartOrderBuffer<number>;
  flows = 0;
  outOfOrder = 0;
  private readonly held = new HeldFlows();
  /** Community ID seed of the records built at release (the flow source's). */
  private seed = 0;
  private readonly win = emptyWindowFeatures();
  private readonly conn = { startTs: 0, dstHost: '', service: 0, srcPort: 0, err: 0 };
  private readonly emitFn: (slot: number) => void;
  private readonly rowOf: FlowRowFn;

  /**
   * `onFlow`, when given, takes each flow instead of `onRow` (no Row built): its record, service and
   * window features (reused: valid during the call).
   */
  constructor(
    opts: FeatureStageOptions,
    private readonly onRow: (row: Row, flow: FlowRecord) => void,
    private readonly onFlow?: (f: FlowRecord, service: string, w: Readonly<WindowFeatures>) => void,
  ) {
    this.windows = new TrafficWindows(opts);
    this.buffer = new StartOrderBuffer<number>(opts.maxHeld);
    this.rowOf = opts.columns === undefined || opts.columns === FLOW_COLUMNS ? flowRow : compileFlowRow(opts.columns);
    this.emitFn = (slot) => this.emit(this.held.take(slot, this.seed));
  }

  /** A finished flow as its record. */
  push(f: FlowRecord): void {
    this.buffer.add(this.held.putRecord(f), f.startTs);
  }

  /**
   * A finished flow as numbers (`e[at …]` in layout E of src/flow/ended.ts) with its history and
   * content results: its FlowRecord is built when it is released (seed = Community ID seed).
   */
  pushEnded(e: Float64Array, at: number, history: string, inspected: boolean, content: ContentFeatures | undefined, seed: number): void {
    this.seed = seed;
    this.buffer.add(this.held.putEnded(e, at, history, inspected, content), e[at + E.startTs]!);
  }

  release(oldestLiveStart: number): void {
    this.buffer.release(oldestLiveStart, this.emitFn);
  }

  finish(): void {
    this.buffer.drain(this.emitFn);
  }

  private emit(f: FlowRecord): void {
    const service = flowService(f);
    const c = this.conn;
    if (f.startTs < this.windows.lastStart) this.outOfOrder++;
    c.startTs = f.startTs;
    c.dstHost = f.dstIp;
    c.service = SERVICE_INDEX.get(service)!;
    c.srcPort = f.srcPort;
    c.err = errorClass(f.flag);
    this.windows.add(c, this.win);
    this.flows++;
    if (this.onFlow !== undefined) this.onFlow(f, service, this.win);
    else this.onRow(this.rowOf(f, service, this.win), f);
  }
}
