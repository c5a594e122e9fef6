/**
 * Crafted TCP sessions for protocols the corpus has no sample of (telnet, rlogin/rsh, POP3, IMAP,
 * SMTP): a real three-way handshake, one data segment per step with correct sequence and
 * acknowledgement numbers, an ACK from the peer, and a FIN close — Ethernet/IPv4/TCP headers and
 * checksums from test/reliability/build.ts. Runs the whole pipeline (extractFlows) on the file.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TCP } from '../../../src/decode/packet.ts';
import { extractFlows, type ExtractOptions } from '../../../src/features/extract.ts';
import type { Row } from '../../../src/dataset/types.ts';
import type { Frame } from '../../reliability/build.ts';
import { ethIpv4, ip4, tcpSegment, writePcap } from '../../reliability/build.ts';

export interface Step {
  /** 'c' = client (originator), 's' = server. */
  from: 'c' | 's';
  data: string | Uint8Array;
}

export interface SessionSpec {
  client?: number;
  server?: number;
  cport?: number;
  sport: number;
  /** Initial sequence numbers (default near the 32-bit wrap for the client, to exercise it). */
  isnClient?: number;
  isnServer?: number;
  t0?: number;
  /** Split client data into one segment per byte (as a terminal sends keystrokes). */
  keystrokes?: boolean;
}

/** The bytes of a string as sent on the wire (Latin-1: one byte per char). */
export function bytes(s: string | Uint8Array): Uint8Array<ArrayBuffer> {
  return typeof s === 'string' ? new Uint8Array(Buffer.from(s, 'latin1')) : new Uint8Array(s);
}

/** Frames of a complete TCP session. */
export function sessionFrames(spec: SessionSpec, steps: Step[]): Frame[] {
  const cli = spec.client ?? ip4(192, 168, 1, 10);
  const srv = spec.server ?? ip4(192, 168, 1, 1);
  const cport = spec.cport ?? 40_001;
  let t = spec.t0 ?? 1_700_000_000;
  let cseq = (spec.isnClient ?? 0xfffffff0) >>> 0;
  let sseq = (spec.isnServer ?? 1_000_000) >>> 0;
  const frames: Frame[] = [];
  const send = (fromClient: boolean, flags: number, data: Uint8Array<ArrayBuffer> = new Uint8Array(0)) => {
    t += 0.01;
    const seg = fromClient
      ? tcpSegment(cli, srv, cport, spec.sport, flags, cseq, flags & TCP.ACK ? sseq : 0, data)
      : tcpSegment(srv, cli, spec.sport, cport, flags, sseq, cseq, data);
    frames.push({ ts: t, data: ethIpv4({ src: fromClient ? cli : srv, dst: fromClient ? srv : cli, proto: 6, payload: seg }) });
    const adv = data.length + (flags & (TCP.SYN | TCP.FIN) ? 1 : 0);
    if (fromClient) cseq = (cseq + adv) >>> 0;
    else sseq = (sseq + adv) >>> 0;
  };
  send(true, TCP.SYN);
  send(false, TCP.SYN | TCP.ACK);
  send(true, TCP.ACK);
  for (const step of steps) {
    const fromClient = step.from === 'c';
    const data = bytes(step.data);
    const pieces = fromClient && spec.keystrokes ? [...data].map((b) => Uint8Array.of(b)) : [data];
    for (const p of pieces) {
      send(fromClient, TCP.PSH | TCP.ACK, p);
      send(!fromClient, TCP.ACK);
    }
  }
  send(true, TCP.FIN | TCP.ACK);
  send(false, TCP.FIN | TCP.ACK);
  send(true, TCP.ACK);
  return frames;
}

const dir = mkdtempSync(join(tmpdir(), 'flowsift-content-'));
let n = 0;

/** Write frames to a pcap in a temp dir and return its path. */
export function pcapFile(frames: Frame[]): string {
  const path = join(dir, `s${n++}.pcap`);
  writeFileSync(path, writePcap(frames));
  return path;
}

/** All rows of the pipeline on `files`. */
export async function rows(files: string[], opts: ExtractOptions = {}): Promise<Row[]> {
  const out: Row[] = [];
  await extractFlows(files, opts, (row) => {
    out.push(row);
  });
  return out;
}

export const CONTENT_COLUMNS = [
  'hot', 'num_failed_logins', 'logged_in', 'num_compromised', 'root_shell', 'su_attempted', 'num_root',
  'num_file_creations', 'num_shells', 'num_access_files', 'num_outbound_cmds', 'is_host_login', 'is_guest_login',
] as const;

/** The 13 content columns of a row plus payload_inspected. */
export function content(row: Row): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const k of CONTENT_COLUMNS) o[k] = row[k];
  o.payload_inspected = row.payload_inspected;
  return o;
}

/** Expected content columns: all 0 except `set`. */
export function expected(set: Partial<Record<(typeof CONTENT_COLUMNS)[number], number>>, inspected = true): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const k of CONTENT_COLUMNS) o[k] = set[k] ?? 0;
  o.payload_inspected = inspected;
  return o;
}
