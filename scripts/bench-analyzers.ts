/**
 * Payload-stage analyzers ALONE (KDD content features 10–22): CPU per TCP payload segment of
 * reassembly (src/flow/reassembly.ts) + protocol analyzers (src/features/content/*) + rule firing,
 * without reading, decoding or the flow engine — far less noise than the whole pipeline
 * (scripts/bench-content.ts) on a shared machine.
 *
 *   npx tsx scripts/bench-analyzers.ts [--runs N (default 5)] [--max-mb M] [--flows F] [--stats] [--only KIND|all] [--ab DIR]
 *   (--only telnet|http|smtp|…: replay only that analyzer's flows, to see where the time goes;
 *    --ab DIR: also replay with the content stage of another checkout DIR (one that has
 *    ContentEngine, from commit d2cda95 on), e.g. `git worktree add /tmp/wt-prev HEAD` + a
 *    node_modules symlink, runs alternating: an A/B less hurt by the load of a shared machine
 *    than two separate runs)
 *
 * 1. Reads the bench capture once (os.tmpdir()/flowsift-bench/bench1g.pcap, generated if missing;
 *    `--flows F` uses benchF.pcap) through read → decode → FlowMeter with two plugins: the real
 *    payload stage (createContentPlugin, for a reference digest) and a recorder that, for every flow
 *    the payload stage inspects (same detection: classifyFlow), copies each payload segment it
 *    would still look at (flow, direction, tcp seq, flags,
 *    bytes) into big Buffers, plus each flow's expiry, in capture order. `--max-mb M` stops
 *    recording after M MB of payload (then the reference digest no longer applies).
 * 2. Replays the events N times into a fresh ContentEngine (what the plugin and the two-thread
 *    pipeline both drive: begin / segment / finish), and prints the least CPU time (user + system)
 *    of a run, ns per segment, and a digest: sha1 over every inspected flow's toFeatures() JSON +
 *    ruleHits(), in expiry order. The digest must not change when the analyzers get faster; the
 *    reference digest of the real plugin checks that the replay matches it.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import type { CaptureRecord } from '../src/capture/record.ts';
import { readCaptures } from '../src/capture/index.ts';
import { decodePacket } from '../src/decode/decoder.ts';
import { DecodedPacket } from '../src/decode/packet.ts';
import { FlowMeter } from '../src/flow/meter.ts';
import type { FlowContext, FlowPlugin } from '../src/flow/plugin.ts';
import type { FlowRecord } from '../src/flow/record.ts';
import { DEFAULT_STREAM_BYTES, type StreamConsumer, TcpStream } from '../src/flow/reassembly.ts';
import { Kind, KIND_NAMES } from '../src/features/content/detect.ts';
import { ContentEngine, type FlowState, classifyFlow, createContentPlugin, MAX_HELD_TOTAL } from '../src/features/content/index.ts';
import { benchCapture } from './bench-flows.ts';

const argv = process.argv.slice(2);
const arg = (name: string): string | undefined => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const RUNS = Number(arg('--runs') ?? 5);
const MAX_BYTES = Number(arg('--max-mb') ?? Infinity) * 1e6;
const FLOWS = arg('--flows');
const STATS = argv.includes('--stats');
const ONLY = arg('--only') === 'all' ? undefined : arg('--only');
const AB = arg('--ab');

// ---- recording ------------------------------------------------------------------------------------

/** Event kinds. */
const EV_PACKET = 0;
const EV_EXPIRE = 1;

const CHUNK = 64 * 1024 * 1024;

class Recording {
  /** Per event: kind, flow index, direction (1 = originator), seq, flags, chunk, offset, length. */
  kind: Uint8Array = new Uint8Array(1 << 20);
  flow: Int32Array = new Int32Array(1 << 20);
  fromOrig: Uint8Array = new Uint8Array(1 << 20);
  seq: Uint32Array = new Uint32Array(1 << 20);
  flags: Uint8Array = new Uint8Array(1 << 20);
  chunk: Uint16Array = new Uint16Array(1 << 20);
  off: Int32Array = new Int32Array(1 << 20);
  len: Int32Array = new Int32Array(1 << 20);
  events = 0;
  segments = 0;
  bytes = 0;
  readonly chunks: Buffer[] = [Buffer.allocUnsafeSlow(CHUNK)];
  private used = 0;
  /** Per flow: responder port and originator IPv4 (or -1). */
  readonly dstPort: number[] = [];
  readonly clientIp4: number[] = [];
  full = false;

  private grow(): void {
    const n = this.kind.length * 2;
    const g = <T extends Uint8Array | Int32Array | Uint32Array | Uint16Array>(a: T, C: new (n: number) => T): T => {
      const b = new C(n);
      b.set(a as never);
      return b;
    };
    this.kind = g(this.kind, Uint8Array);
    this.flow = g(this.flow, Int32Array);
    this.fromOrig = g(this.fromOrig, Uint8Array);
    this.seq = g(this.seq, Uint32Array);
    this.flags = g(this.flags, Uint8Array);
    this.chunk = g(this.chunk, Uint16Array);
    this.off = g(this.off, Int32Array);
    this.len = g(this.len, Int32Array);
  }

  packet(flow: number, fromOrig: boolean, seq: number, flags: number, buf: Uint8Array, off: number, len: number): void {
    if (this.events === this.kind.length) this.grow();
    if (this.used + len > CHUNK) {
      this.chunks.push(Buffer.allocUnsafeSlow(CHUNK));
      this.used = 0;
    }
    const e = this.events++;
    const c = this.chunks.length - 1;
    this.chunks[c]!.set(buf.subarray(off, off + len), this.used);
    this.kind[e] = EV_PACKET;
    this.flow[e] = flow;
    this.fromOrig[e] = fromOrig ? 1 : 0;
    this.seq[e] = seq;
    this.flags[e] = flags;
    this.chunk[e] = c;
    this.off[e] = this.used;
    this.len[e] = len;
    this.used += len;
    this.segments++;
    this.bytes += len;
    if (this.bytes >= MAX_BYTES) this.full = true;
  }

  expire(flow: number): void {
    if (this.events === this.kind.length) this.grow();
    const e = this.events++;
    this.kind[e] = EV_EXPIRE;
    this.flow[e] = flow;
  }
}

const NOOP: StreamConsumer = { data() {}, gap() {} };

/** Detection as the payload stage does it on a flow's first payload segment (TCP flows only reach it). */
function detect(dstPort: number, fromOrig: boolean, buf: Uint8Array, off: number, len: number): Kind {
  return classifyFlow(6, dstPort, fromOrig, buf, off, len);
}

interface RecFlow {
  index: number;
  orig: TcpStream;
  resp: TcpStream;
}

/** Records the payload segments the payload stage would look at, for the flows it inspects. */
function recorder(rec: Recording): FlowPlugin<RecFlow> {
  const streamOpts = { maxBytes: DEFAULT_STREAM_BYTES, shared: { held: 0, max: MAX_HELD_TOTAL } };
  const segment = (st: RecFlow, pkt: DecodedPacket, fromOrig: boolean): void => {
    // A shadow stream: a segment arriving after the direction's byte bound is never looked at.
    const stream = fromOrig ? st.orig : st.resp;
    if (stream.finished) return;
    stream.segment(pkt.seq, pkt.tcpFlags, pkt.buf, pkt.payloadOffset, pkt.payloadCaptured);
    rec.packet(st.index, fromOrig, pkt.seq, pkt.tcpFlags, pkt.buf, pkt.payloadOffset, pkt.payloadCaptured);
  };
  return {
    name: 'recorder',
    payloadOnly: true,
    onInit(flow: FlowContext, pkt: DecodedPacket, _rec: CaptureRecord, fromOrig: boolean): RecFlow | undefined {
      if (rec.full || flow.proto !== 6 || detect(flow.dstPort, fromOrig, pkt.buf, pkt.payloadOffset, pkt.payloadCaptured) === Kind.None) return undefined;
      const st = { index: rec.dstPort.length, orig: new TcpStream(NOOP, streamOpts), resp: new TcpStream(NOOP, streamOpts) };
      rec.dstPort.push(flow.dstPort);
      rec.clientIp4.push(pkt.ipVersion === 4 ? (fromOrig ? pkt.src4 : pkt.dst4) >>> 0 : -1);
      segment(st, pkt, fromOrig);
      return st;
    },
    onPacket(st: RecFlow, _flow: FlowContext, pkt: DecodedPacket, _rec: CaptureRecord, fromOrig: boolean): void {
      segment(st, pkt, fromOrig);
    },
    onExpire(st: RecFlow): void {
      rec.expire(st.index);
    },
  };
}

/** What the digest covers for one inspected flow. */
function flowDigestLine(content: unknown, hits: string[]): string {
  return JSON.stringify(content) + ' ' + hits.join(',') + '\n';
}

async function record(path: string): Promise<{ rec: Recording; reference: string; packets: number; inspected: number }> {
  const rec = new Recording();
  const ref = createHash('sha1');
  let inspected = 0;
  let hits: (() => string[]) | null = null;
  const content = createContentPlugin({ onInspected: (_uid, _p, h) => (hits = h) });
  const plugins = [content, recorder(rec)];
  const meter = new FlowMeter({}, (f: FlowRecord) => {
    if (!f.payloadInspected) return;
    inspected++;
    ref.update(flowDigestLine(f.content, hits!()));
  }, plugins);
  // The reference digest needs the inspected flows in the order the payload stage expired them:
  // onFlow runs right after the plugins' onExpire of that flow, so `hits` belongs to it.
  const pkt = new DecodedPacket();
  let packets = 0;
  await readCaptures([path], (r) => {
    packets++;
    meter.packet(r, decodePacket(r, pkt));
  });
  meter.finish();
  return { rec, reference: ref.digest('hex'), packets, inspected };
}

// ---- replay ---------------------------------------------------------------------------------------

/** The content stage the replay drives (this tree's, or another checkout's with --ab). */
interface Lib {
  ContentEngine: typeof ContentEngine;
  classifyFlow: typeof classifyFlow;
}

const LIB: Lib = { ContentEngine, classifyFlow };

/** The same from another checkout of the repository (e.g. a `git worktree` of the previous commit). */
async function loadLib(root: string): Promise<Lib> {
  return (await import(pathToFileURL(resolve(root, 'src/features/content/index.ts')).href)) as Lib;
}

/** One replay into a fresh engine; returns the digest (sha1 of features + rule hits per inspected flow). */
function replay(lib: Lib, rec: Recording, digest: boolean, skipFlow: Uint8Array | null = null): { hex: string; inspected: number } {
  let hits: (() => string[]) | null = null;
  const engine = new lib.ContentEngine({ onInspected: (_uid, _protocol, h) => (hits = h) });
  const states: (FlowState | null | undefined)[] = new Array(rec.dstPort.length);
  const h = createHash('sha1');
  let inspected = 0;
  const { kind: evKind, flow: evFlow, fromOrig: evDir, seq: evSeq, flags: evFlags, chunk: evChunk, off: evOff, len: evLen, chunks } = rec;
  for (let e = 0; e < rec.events; e++) {
    const fi = evFlow[e]!;
    if (skipFlow !== null && skipFlow[fi] === 1) continue;
    let st = states[fi];
    if (evKind[e] === EV_EXPIRE) {
      states[fi] = undefined;
      if (st === undefined || st === null) continue;
      // As the plugin's onExpire: results into a stand-in record.
      const out = { uid: '', payloadInspected: false } as FlowRecord;
      engine.finish(st, out);
      if (!out.payloadInspected) continue;
      inspected++;
      if (digest) h.update(flowDigestLine(out.content, hits!()));
      continue;
    }
    const fromOrig = evDir[e] === 1;
    const buf = chunks[evChunk[e]!]!;
    const off = evOff[e]!;
    const len = evLen[e]!;
    if (st === undefined) {
      const kind = lib.classifyFlow(6, rec.dstPort[fi]!, fromOrig, buf, off, len);
      if (kind === Kind.None) {
        states[fi] = null;
        continue;
      }
      st = engine.begin(kind, rec.clientIp4[fi]!);
      states[fi] = st;
    } else if (st === null) continue;
    engine.segment(st, fromOrig, evSeq[e]!, evFlags[e]!, buf, off, len);
  }
  return { hex: h.digest('hex'), inspected };
}

/** --stats: recorded segments and bytes per analyzer kind and direction, and segment sizes. */
/** Analyzer kind of each recorded flow (detection on its first recorded segment). */
function flowKinds(rec: Recording): Kind[] {
  const kinds = rec.dstPort.map(() => Kind.None as Kind);
  for (let e = 0; e < rec.events; e++) {
    const fi = rec.flow[e]!;
    if (rec.kind[e] === EV_PACKET && kinds[fi] === Kind.None) {
      kinds[fi] = detect(rec.dstPort[fi]!, rec.fromOrig[e] === 1, rec.chunks[rec.chunk[e]!]!, rec.off[e]!, rec.len[e]!);
    }
  }
  return kinds;
}

function printStats(rec: Recording): void {
  const kinds = flowKinds(rec);
  const rows = new Map<string, { flows: Set<number>; segs: number; bytes: number; one: number; small: number; big: number }>();
  for (let e = 0; e < rec.events; e++) {
    if (rec.kind[e] !== EV_PACKET) continue;
    const fi = rec.flow[e]!;
    const dir = rec.fromOrig[e] === 1;
    const key = `${KIND_NAMES[kinds[fi]!]} ${dir ? 'client' : 'server'}`;
    let r = rows.get(key);
    if (r === undefined) rows.set(key, (r = { flows: new Set(), segs: 0, bytes: 0, one: 0, small: 0, big: 0 }));
    const len = rec.len[e]!;
    r.flows.add(fi);
    r.segs++;
    r.bytes += len;
    if (len === 1) r.one++;
    else if (len <= 48) r.small++;
    else r.big++;
  }
  process.stdout.write('kind/direction: flows segments MB | 1-byte ≤48 >48 segments\n');
  for (const [k, r] of [...rows].sort((a, b) => b[1].segs - a[1].segs)) {
    process.stdout.write(`  ${k.padEnd(14)} ${r.flows.size} ${r.segs} ${(r.bytes / 1e6).toFixed(1)} | ${r.one} ${r.small} ${r.big}\n`);
  }
}

async function main(): Promise<void> {
  const path = FLOWS === undefined ? benchCapture('bench1g.pcap', 118000) : benchCapture(`bench${FLOWS}.pcap`, Number(FLOWS));
  const t0 = performance.now();
  const { rec, reference, packets, inspected } = await record(path);
  process.stdout.write(
    `recorded ${path}: ${packets} packets, ${rec.dstPort.length} inspected flows, ${rec.segments} payload segments, ` +
      `${(rec.bytes / 1e6).toFixed(1)} MB payload in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
  );
  const libB = AB === undefined ? null : await loadLib(AB);
  // Untimed digest run (also checks the replay against the real plugin's output).
  const first = replay(LIB, rec, true);
  if (rec.full) process.stdout.write(`recording capped at --max-mb: no reference digest\n`);
  else {
    const same = first.hex === reference && first.inspected === inspected;
    process.stdout.write(`reference (pipeline plugin) ${reference} ${inspected} flows — replay ${same ? 'matches' : `DIFFERS (${first.hex} ${first.inspected} flows)`}\n`);
    if (!same) process.exitCode = 1;
  }
  const firstB = libB === null ? null : replay(libB, rec, true);
  if (STATS) printStats(rec);
  let skipFlow: Uint8Array | null = null;
  let segments = rec.segments;
  if (ONLY !== undefined) {
    const kinds = flowKinds(rec);
    skipFlow = new Uint8Array(kinds.length);
    for (let i = 0; i < kinds.length; i++) skipFlow[i] = KIND_NAMES[kinds[i]!] === ONLY ? 0 : 1;
    segments = 0;
    for (let e = 0; e < rec.events; e++) if (rec.kind[e] === EV_PACKET && skipFlow[rec.flow[e]!] === 0) segments++;
    process.stdout.write(`--only ${ONLY}: ${segments} segments\n`);
  }
  const timed = (lib: Lib): number => {
    const c0 = process.cpuUsage();
    replay(lib, rec, false, skipFlow);
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  };
  const report = (name: string, cpu: number[], digest: { hex: string; inspected: number }): void => {
    const best = Math.min(...cpu);
    process.stdout.write(`${name}runs (CPU ms): ${cpu.map((x) => x.toFixed(0)).join(' ')}\n`);
    process.stdout.write(`${name}best ${best.toFixed(0)} ms CPU per replay, ${((best * 1e6) / segments).toFixed(1)} ns/segment (${segments} segments)\n`);
    process.stdout.write(`${name}digest ${digest.hex} (${digest.inspected} flows)\n`);
  };
  const cpu: number[] = [];
  const cpuB: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    // --ab: runs alternate (B first in odd rounds), so load changes on a shared machine hit both alike.
    if (libB !== null && r % 2 === 1) cpuB.push(timed(libB));
    cpu.push(timed(LIB));
    if (libB !== null && r % 2 === 0) cpuB.push(timed(libB));
  }
  if (libB === null) report('', cpu, first);
  else {
    report('A (this tree) ', cpu, first);
    report(`B (${AB}) `, cpuB, firstB!);
    const a = Math.min(...cpu);
    const b = Math.min(...cpuB);
    process.stdout.write(`A vs B: ${(((a - b) / b) * 100).toFixed(1)} % CPU; digests ${first.hex === firstB!.hex ? 'equal' : 'DIFFER'}\n`);
  }
}

await main();
