/**
 * Decoder micro-benchmark: decodePacket alone, over an in-memory capture, plus read+decode through
 * readCaptures for the same file.
 *
 *   npx tsx scripts/bench-decode.ts [FLOWS=20000] [REPEAT=10] [capture.pcap]
 *
 * Without a capture argument it generates one with ../shared/bench/gen_bench_pcap.py FLOWS 42 into
 * the OS temp dir (Ethernet/IPv4/TCP/UDP/ICMP, classic LE µs pcap). The file is read into memory
 * once, its record headers walked once into an offset table, then decodePacket runs over every
 * record REPEAT times (one reused record + one reused DecodedPacket, as in the pipeline).
 * Prints ns/packet and packets/s for decode only, then streamed read-only and read+decode passes
 * through readCaptures (wall and process CPU time: CPU time is steadier on a shared machine).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newRecord, readCaptures } from '../src/capture/index.ts';
import { decodePacket } from '../src/decode/decoder.ts';
import { DecodedPacket } from '../src/decode/packet.ts';

const flows = Number(process.argv[2] ?? 20000);
const repeat = Number(process.argv[3] ?? 10);
let file = process.argv[4];
let tmp: string | undefined;
if (!file) {
  tmp = mkdtempSync(join(tmpdir(), 'flowsift-bench-decode-'));
  file = join(tmp, 'x.pcap');
  const gen = fileURLToPath(new URL('../../shared/bench/gen_bench_pcap.py', import.meta.url));
  if (!existsSync(gen)) throw new Error(`generator not found: ${gen}`);
  const t0 = performance.now();
  execFileSync('python3', [gen, file, String(flows), '42'], { stdio: 'ignore' });
  console.log(`generated ${file} (${flows} flows, seed 42) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

// In-memory: classic little-endian pcap (what the generator writes); collect record offsets once.
const data = readFileSync(file);
const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
if (data.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error('bench-decode expects a little-endian µs classic pcap');
const linktype = data.readUInt32LE(20);
const offs: number[] = [];
const lens: number[] = [];
for (let o = 24; o + 16 <= data.length; ) {
  const incl = data.readUInt32LE(o + 8);
  if (o + 16 + incl > data.length) break;
  offs.push(o + 16);
  lens.push(incl);
  o += 16 + incl;
}
const n = offs.length;
const offA = Int32Array.from(offs);
const lenA = Int32Array.from(lens);
console.log(`${file}: ${data.length} bytes, ${n} packets, linktype ${linktype}`);

const rec = newRecord();
rec.buf = bytes;
rec.linktype = linktype;
const pkt = new DecodedPacket();
let sink = 0;
function pass(): void {
  for (let i = 0; i < n; i++) {
    rec.offset = offA[i]!;
    rec.caplen = lenA[i]!;
    rec.origLen = lenA[i]!;
    decodePacket(rec, pkt);
    sink += pkt.srcPort + pkt.payloadLen;
  }
}
pass(); // warm-up (JIT)
pass();
// Wall time and process CPU time per pass (CPU time is the steadier figure on a shared machine).
const times: number[] = [];
const cpus: number[] = [];
for (let r = 0; r < repeat; r++) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  pass();
  times.push(Number(process.hrtime.bigint() - t0));
  const c = process.cpuUsage(c0);
  cpus.push((c.user + c.system) * 1000);
}
const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const med = median(times);
const best = Math.min(...times);
const cpu = median(cpus);
console.log(
  `decode only: wall median ${(med / n).toFixed(1)} ns/packet = ${((n / med) * 1e3).toFixed(2)} M packets/s ` +
    `(best ${(best / n).toFixed(1)} ns = ${((n / best) * 1e3).toFixed(2)} M/s); ` +
    `CPU median ${(cpu / n).toFixed(1)} ns/packet = ${((n / cpu) * 1e3).toFixed(2)} M packets/s; ${repeat} passes × ${n} packets`,
);

// Streamed read + decode through the capture reader (one pass; file is in the page cache now).
// Streamed read alone (same reader, callback only counts) as the baseline for read+decode.
for (let r = 0; r < 2; r++) {
  let cnt = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await readCaptures([file], () => {
    cnt++;
  });
  const ns = Number(process.hrtime.bigint() - t0);
  const c = process.cpuUsage(c0);
  const cns = (c.user + c.system) * 1000;
  console.log(
    `read only  (readCaptures) run ${r + 1}: ${cnt} packets, wall ${(ns / 1e6).toFixed(1)} ms = ${((cnt / ns) * 1e3).toFixed(2)} M packets/s, ` +
      `CPU ${(cns / 1e6).toFixed(1)} ms = ${((cnt / cns) * 1e3).toFixed(2)} M packets/s`,
  );
}
for (let r = 0; r < 3; r++) {
  let cnt = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await readCaptures([file], (rc) => {
    decodePacket(rc, pkt);
    sink += pkt.dstPort;
    cnt++;
  });
  const ns = Number(process.hrtime.bigint() - t0);
  const c = process.cpuUsage(c0);
  const cns = (c.user + c.system) * 1000;
  console.log(
    `read+decode (readCaptures) run ${r + 1}: ${cnt} packets, wall ${(ns / 1e6).toFixed(1)} ms = ${((cnt / ns) * 1e3).toFixed(2)} M packets/s, ` +
      `CPU ${(cns / 1e6).toFixed(1)} ms = ${((cnt / cns) * 1e3).toFixed(2)} M packets/s`,
  );
}
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (checksum ${sink})`);
if (tmp) rmSync(tmp, { recursive: true, force: true });
