/**
 * Test helpers: run real captures through readCaptures → decodePacket → FlowMeter, and build
 * variants of real captures by selecting/reordering their packets (records copied as they are).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCaptures } from '../../src/capture/index.ts';
import type { CaptureRecord } from '../../src/capture/record.ts';
import { decodePacket } from '../../src/decode/decoder.ts';
import { DecodedPacket } from '../../src/decode/packet.ts';
import { FlowMeter, type FlowOptions, type FlowStats } from '../../src/flow/meter.ts';
import type { FlowRecord } from '../../src/flow/record.ts';

export const CORPUS = fileURLToPath(new URL('../../../shared/corpus/pcap/', import.meta.url));
export const BENCH_GEN = fileURLToPath(new URL('../../../shared/bench/gen_bench_pcap.py', import.meta.url));

/**
 * A capture from the bench generator (`flows` background flows, `seed`) and its per-flow truth,
 * made once and reused: cached in the temp folder under a digest of the generator's text and the
 * arguments (a changed generator makes new files), written under a temp name and renamed (parallel
 * test files).
 */
export function benchCapture(flows: number, seed: number): { pcap: string; labels: string } {
  const args = [String(flows), String(seed)];
  const key = createHash('sha256').update(readFileSync(BENCH_GEN)).update(JSON.stringify(args)).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'flowsift-gen');
  mkdirSync(dir, { recursive: true });
  const pcap = join(dir, `${key}.pcap`);
  const labels = join(dir, `${key}.labels.csv`);
  if (!existsSync(pcap) || !existsSync(labels)) {
    const tmp = join(dir, `part-${process.pid}`);
    execFileSync('python3', [BENCH_GEN, `${tmp}.pcap`, ...args, '--labels', `${tmp}.csv`], { stdio: 'ignore' });
    renameSync(`${tmp}.csv`, labels);
    renameSync(`${tmp}.pcap`, pcap);
  }
  return { pcap, labels };
}

export function corpus(name: string): string {
  return CORPUS + name;
}

/** A packet kept from a capture: its record fields and a copy of its bytes. */
export interface SavedPacket {
  rec: CaptureRecord;
}

/** Read every record of a capture (copied). */
export async function loadPackets(file: string): Promise<SavedPacket[]> {
  const out: SavedPacket[] = [];
  await readCaptures([file], (r) => {
    const bytes = Uint8Array.prototype.slice.call(r.buf, r.offset, r.offset + r.caplen);
    out.push({ rec: { ...r, buf: bytes, offset: 0 } });
  });
  return out;
}

/** Run saved packets (in the given order) through a FlowMeter. */
export function flowsOfPackets(pkts: SavedPacket[], opts: FlowOptions = {}): { flows: FlowRecord[]; stats: FlowStats } {
  const flows: FlowRecord[] = [];
  const m = new FlowMeter(opts, (f) => flows.push(f));
  const p = new DecodedPacket();
  for (const s of pkts) {
    decodePacket(s.rec, p);
    m.packet(s.rec, p);
  }
  m.finish();
  return { flows: flows.sort((a, b) => a.startTs - b.startTs), stats: m.stats };
}

/** Stream a capture through a FlowMeter. */
export async function flowsOf(files: string | string[], opts: FlowOptions = {}): Promise<{ flows: FlowRecord[]; stats: FlowStats }> {
  const flows: FlowRecord[] = [];
  const m = new FlowMeter(opts, (f) => flows.push(f));
  const p = new DecodedPacket();
  await readCaptures(Array.isArray(files) ? files : [files], (r) => {
    decodePacket(r, p);
    m.packet(r, p);
  });
  m.finish();
  return { flows: flows.sort((a, b) => a.startTs - b.startTs), stats: m.stats };
}

/** Packets by 1-based frame numbers (as tshark numbers them), in the order given. */
export function frames(pkts: SavedPacket[], numbers: number[]): SavedPacket[] {
  return numbers.map((n) => {
    const p = pkts[n - 1];
    if (p === undefined) throw new Error(`no frame ${n}`);
    return p;
  });
}
