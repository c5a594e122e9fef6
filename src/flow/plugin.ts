/**
 * Flow plugins (nfstream's NFPlugin lifecycle: on_init → on_update → on_expire): the flow engine
 * calls them for the packets of a flow and once when the flow ends, so stages such as payload
 * inspection (KDD content features) extend flows without forking the engine. A plugin's state for a
 * flow is what its onInit returned; the engine keeps it and hands it back, so plugins never share
 * or index a common store.
 */
import type { CaptureRecord } from '../capture/record.ts';
import type { DecodedPacket } from '../decode/packet.ts';
import type { ContentFeatures, FlowRecord } from './record.ts';
import type { Flow } from './table.ts';

/** What a plugin may see of a live flow. */
export interface FlowContext {
  readonly uid: string;
  /** The flow's number in this run (1, 2, … by creation; the uid is made from it). */
  readonly seq: number;
  readonly proto: number;
  /** Originator / responder ports (ICMP: type/code), fixed once the originator is known. */
  readonly srcPort: number;
  readonly dstPort: number;
}

/**
 * What a plugin may write at a flow's end when the engine emits flows as numbers (FlowMeter with an
 * EndedSink): the payload stage's results. A FlowRecord has these fields too.
 */
export interface FlowResults {
  readonly uid: string;
  payloadInspected: boolean;
  content?: ContentFeatures;
}

/**
 * `S`: the plugin's state of one flow (never `undefined`). `Out`: what onExpire writes into — a
 * FlowRecord by default; a plugin that writes only FlowResults also runs with an EndedSink.
 */
export interface FlowPlugin<S = any, Out extends FlowResults = FlowRecord> {
  readonly name: string;
  /**
   * True: the plugin gets only packets that carry payload bytes (pkt.payloadCaptured > 0), e.g.
   * payload inspection; bare ACKs, SYNs and FINs then cost no call.
   */
  readonly payloadOnly?: boolean;
  /**
   * The first packet of a flow this plugin gets (after fragment reassembly; `fromOrig` = sent by the
   * originator): returns the plugin's state for the flow. `undefined` = the flow is not for this
   * plugin: no more packets of it, and no onExpire.
   */
  onInit: (flow: FlowContext, pkt: DecodedPacket, rec: CaptureRecord, fromOrig: boolean) => S | undefined;
  /**
   * A later packet of the flow, with the state onInit returned. Return `false` to receive no more
   * packets of this flow (onExpire is still called): a plugin done with a flow then costs nothing.
   */
  onPacket: (state: S, flow: FlowContext, pkt: DecodedPacket, rec: CaptureRecord, fromOrig: boolean) => void | boolean;
  /**
   * The flow ended (called for every flow onInit returned a state for, before the flow is emitted):
   * write results into `out` (e.g. out.content, out.payloadInspected).
   */
  onExpire: (state: S, flow: FlowContext, out: Out) => void;
}

/** The FlowResults handed to an EndedSink: reused for every flow; the uid is made only if read. */
export class EndedResults implements FlowResults {
  flow: Flow | null = null;
  payloadInspected = false;
  content: ContentFeatures | undefined = undefined;
  get uid(): string {
    return this.flow!.uid;
  }
}

/**
 * A packet of flow `f` for its plugins (FlowMeter): a plugin's first packet of the flow goes to its
 * onInit, later ones to onPacket, until it declines or opts out. The states live in
 * `f.pluginState`: [i] = plugin i's state, [n + i] = true once plugin i takes no more packets.
 */
export function runPlugins(plugins: readonly FlowPlugin<unknown, FlowResults>[], f: Flow, pkt: DecodedPacket, rec: CaptureRecord, fromOrig: boolean): void {
  const n = plugins.length;
  const s = f.pluginState;
  for (let i = 0; i < n; i++) {
    const p = plugins[i]!;
    if (s[n + i] === true || (pkt.payloadCaptured === 0 && p.payloadOnly === true)) continue;
    const st = s[i];
    let more: unknown;
    if (st === undefined) {
      const init = p.onInit(f, pkt, rec, fromOrig);
      s[i] = init;
      more = init !== undefined;
    } else {
      more = p.onPacket(st, f, pkt, rec, fromOrig);
    }
    if (more === false) {
      s[n + i] = true;
      f.pluginsLeft--;
    }
  }
}

/** Flow `f` ended: each plugin holding a state of it writes its results into `out`. */
export function expirePlugins(plugins: readonly FlowPlugin<unknown, FlowResults>[], f: Flow, out: FlowResults): void {
  const s = f.pluginState;
  for (let i = 0; i < plugins.length; i++) {
    const st = s[i];
    if (st !== undefined) plugins[i]!.onExpire(st, f, out);
  }
}
