/** pcapng reader (in progress). */
import type { ParseState } from './state.ts';

export const PCAPNG_SHB = 0x0a0d0d0a;

export async function readPcapng(st: ParseState): Promise<void> {
  st.report.format = 'pcapng';
  st.fault('E_PCAPNG_UNSUPPORTED', 0, 'pcapng reading is not implemented yet');
}
