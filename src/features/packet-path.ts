/**
 * One packet through the flow engine, the same on either thread (extract.ts on the calling thread,
 * flow-thread.ts on the worker): decode into one reused packet, count packets without an IP layer
 * by the decoder's reason (the meter then only advances its clock), hand the packet to the meter,
 * and say whether flows ended meanwhile — then the start-order stage may release the finished
 * flows that started before the oldest live one.
 */
import type { CaptureRecord } from '../capture/record.ts';
import { decodePacket } from '../decode/decoder.ts';
import { DecodedPacket } from '../decode/packet.ts';
import type { FlowMeter } from '../flow/meter.ts';

export class PacketPath {
  readonly pkt = new DecodedPacket();
  /** Packets without an IP layer, by the decoder's stop reason. */
  readonly skipped: Record<string, number> = {};
  packets = 0;
  private ended = false;

  /** Call from the meter's flow callback (or ended-flow sink). */
  flowEnded(): void {
    this.ended = true;
  }

  /** One record; true when flows ended during it. */
  record(rec: CaptureRecord, meter: FlowMeter): boolean {
    this.packets++;
    const pkt = this.pkt;
    decodePacket(rec, pkt);
    if (pkt.ipVersion === 0) {
      const why = pkt.stopReason || 'not-ip';
      this.skipped[why] = (this.skipped[why] ?? 0) + 1;
    }
    meter.packet(rec, pkt);
    if (!this.ended) return false;
    this.ended = false;
    return true;
  }
}
