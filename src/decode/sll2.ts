/**
 * Linux "cooked" capture v2 (LINKTYPE_LINUX_SLL2 276): 20-byte header
 * [protocol 2][reserved 2][ifindex 4][ARPHRD 2][packet type 1][addr len 1][addr 8].
 */
import type { DecodedPacket } from './packet.ts';
import { decodeCooked } from './sll.ts';

export const SLL2_HEADER_LEN = 20;

export function decodeSll2(p: DecodedPacket, off: number): void {
  decodeCooked(p, off, SLL2_HEADER_LEN, 0);
}
