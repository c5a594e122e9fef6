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
