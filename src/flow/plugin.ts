/**
 * Flow plugins (nfstream's NFPlugin lifecycle): the flow engine calls them for every packet of a
 * flow and once when the flow ends, so stages such as payload inspection (KDD content features)
 * extend flows without forking the engine.
 */
import type { CaptureRecord } from '../capture/record.ts';
import type { DecodedPacket } from '../decode/packet.ts';
import type { FlowRecord } from './record.ts';

/** What a plugin may see of a live flow. `slots[i]` is private state of the plugin at index i. */
export interface FlowContext {
  readonly uid: string;
  /** The flow's number in this run (1, 2, … by creation; the uid is made from it). */
  readonly seq: number;
  readonly proto: number;
  /** Originator / responder ports (ICMP: type/code), fixed once the originator is known. */
  readonly srcPort: number;
  readonly dstPort: number;
  readonly slots: unknown[];
}

export interface FlowPlugin {
  readonly name: string;
  /**
   * A packet of the flow (after fragment reassembly). `fromOriginator` = sent by `src`.
   * Return `false` to receive no more packets of this flow (onExpire is still called): a plugin that
   * has decided a flow is not for it then costs nothing per packet.
   */
  onPacket(flow: FlowContext, pkt: DecodedPacket, rec: CaptureRecord, fromOriginator: boolean): void | boolean;
  /**
   * True: onPacket is called only for packets that carry payload bytes (pkt.payloadCaptured > 0),
   * e.g. payload inspection; bare ACKs, SYNs and FINs then cost no call.
   */
  readonly payloadOnly?: boolean;
  /** The flow ended: write results into the record (e.g. rec.content, rec.payloadInspected). */
  onExpire(flow: FlowContext, out: FlowRecord): void;
}
