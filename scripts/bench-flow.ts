/**
 * Flow-engine benchmark: packets/s and peak RSS of read → decode → FlowMeter on the ~1 GB
 * generated capture, next to read-only and read+decode passes over the same file, so the flow
 * table's own cost per packet shows. Each pass runs in a fresh child process (its own peak RSS).
 * With the ~0.5 GB capture also present, RSS is shown for both sizes (it must be flat).
 *
 *   npx tsx scripts/bench-flow.ts [--runs N] [--capture FILE]
 *   npx tsx scripts/bench-flow.ts --replay [--runs N] [--capture FILE]
 *
 * --replay: the flow engine ALONE, with less noise on a loaded machine — the capture is decoded once
 * into typed arrays (the fields FlowMeter reads; IPv4 unfragmented captures such as the generated
 * ones), then replayed N times into a fresh FlowMeter each; prints the least CPU time per packet
 * (replay − the cost of refilling the packet object) and a digest of every emitted record, so a
 * change that alters any flow's output shows.
 *
 * Capture (cached, shared with the other benchmarks): os.tmpdir()/flowsift-bench/bench1g.pcap =
 *   python3 ../shared/bench/gen_bench_pcap.py bench1g.pcap 118000 42   (999 MB, 4.44 M packets)
 * Targets: ≥ 5 M packets/s for read+decode+flows, ≤ 250 MB peak RSS, flat in file size. The
 * machine is shared (2 cores): figures are noisy; the page cache is warmed before each run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchCapture as capture } from './bench-flows.ts';

type Mode = 'read' | 'decode' | 'flows';
interface Result { mode: Mode; packets: number; flows: number; seconds: number; cpuSeconds: number; peakRssMB: number }

async function child(path: string, mode: Mode): Promise<void> {
  const { readCaptures } = await import('../src/capture/index.ts');
  const { decodePacket } = await import('../src/decode/decoder.ts');
  const { DecodedPacket } = await import('../src/decode/packet.ts');
  const { FlowMeter } = await import('../src/flow/meter.ts');
  let flows = 0;
  const meter = new FlowMeter({}, () => { flows++; });
  const pkt = new DecodedPacket();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const report = await readCaptures([path], mode === 'read'
    ? () => {}
    : mode === 'decode'
      ? (r) => { decodePacket(r, pkt); }
      : (r) => { decodePacket(r, pkt); meter.packet(r, pkt); });
  if (mode === 'flows') meter.finish();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const res: Result = { mode, packets: report.packets, flows, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssMB: process.resourceUsage().maxRSS / 1024 };
  console.log(JSON.stringify({ ...res, stats: mode === 'flows' ? meter.stats : undefined }));
}

/** Decode once into typed arrays, replay `runs` times into FlowMeter; CPU per packet of the engine alone. */
async function replay(path: string, runs: number): Promise<void> {
  const { readCaptures } = await import('../src/capture/index.ts');
  const { decodePacket } = await import('../src/decode/decoder.ts');
  const { DecodedPacket } = await import('../src/decode/packet.ts');
  const { FlowMeter } = await import('../src/flow/meter.ts');
  const cap = Math.ceil(statSync(path).size / 54); // ≥ 16 record header + 14 Ethernet + 20 IPv4 bytes per packet
  const tsS = new Int32Array(cap), tsN = new Int32Array(cap);
  const s4 = new Uint32Array(cap), d4 = new Uint32Array(cap), sq = new Uint32Array(cap), ak = new Uint32Array(cap);
  const sp = new Uint16Array(cap), dp = new Uint16Array(cap), win = new Uint16Array(cap), tl = new Uint16Array(cap), pl = new Uint16Array(cap), pc = new Uint16Array(cap), iid = new Uint16Array(cap);
  const pr = new Uint8Array(cap), ly = new Uint8Array(cap), fl = new Uint8Array(cap), thl = new Uint8Array(cap), ihl = new Uint8Array(cap), it = new Uint8Array(cap), ic = new Uint8Array(cap), ip = new Uint8Array(cap);
  let n = 0;
  const d = new DecodedPacket();
  await readCaptures([path], (r) => {
    decodePacket(r, d);
    if (n === cap) throw new Error('--replay: more packets than the file size allows for full IPv4 frames');
    if (d.ipVersion !== 4 || d.isFragment || d.vlan !== 0 || d.innerProto !== 0) throw new Error('--replay needs IPv4, unfragmented, untagged packets without ICMP errors');
    tsS[n] = r.tsSec; tsN[n] = r.tsNsec; s4[n] = d.src4; d4[n] = d.dst4; sq[n] = d.seq; ak[n] = d.ack;
    sp[n] = d.srcPort; dp[n] = d.dstPort; win[n] = d.window; tl[n] = d.ipTotalLen; pl[n] = d.payloadLen; pc[n] = d.payloadCaptured; iid[n] = d.icmpId;
    pr[n] = d.proto; ly[n] = d.layer; fl[n] = d.tcpFlags; thl[n] = d.tcpHeaderLen; ihl[n] = d.ipHeaderLen; it[n] = d.icmpType; ic[n] = d.icmpCode; ip[n] = d.innerProto;
    n++;
  });
  class Rec { tsSec = 0; tsNsec = 0; }
  const rec = new Rec() as unknown as import('../src/capture/record.ts').CaptureRecord;
  const pkt = new DecodedPacket();
  pkt.ipVersion = 4;
  const fill = (i: number): void => {
    rec.tsSec = tsS[i]!; rec.tsNsec = tsN[i]!;
    pkt.src4 = s4[i]!; pkt.dst4 = d4[i]!; pkt.seq = sq[i]!; pkt.ack = ak[i]!; pkt.srcPort = sp[i]!; pkt.dstPort = dp[i]!;
    pkt.window = win[i]!; pkt.ipTotalLen = tl[i]!; pkt.payloadLen = pl[i]!; pkt.payloadCaptured = pc[i]!; pkt.icmpId = iid[i]!; pkt.proto = pr[i]!; pkt.layer = ly[i]!;
    pkt.tcpFlags = fl[i]!; pkt.tcpHeaderLen = thl[i]!; pkt.ipHeaderLen = ihl[i]!; pkt.icmpType = it[i]!; pkt.icmpCode = ic[i]!; pkt.innerProto = ip[i]!;
  };
  const cpu = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
  let base = Infinity, best = Infinity, digest = 0, flows = 0;
  for (let r = 0; r < runs; r++) {
    let c0 = cpu();
    let x = 0;
    for (let i = 0; i < n; i++) { fill(i); x += pkt.srcPort; }
    base = Math.min(base, cpu() - c0 + (x < 0 ? 1 : 0));
    let h = 0, c = 0;
    const meter = new FlowMeter({}, (f) => {
      c++;
      h = (Math.imul(h, 31) + f.srcBytes + f.dstBytes * 7 + f.srcPkts * 3 + f.dstIpBytes * 5 + f.startTs * 1000 + f.endTs * 999 + f.land + f.urgent) | 0;
      const t = f.uid + f.history + f.flag + f.connState + f.endReason + f.communityId + f.srcIp + f.dstIp + f.srcPort + '/' + f.dstPort;
      for (let i = 0; i < t.length; i++) h = (Math.imul(h, 33) + t.charCodeAt(i)) | 0;
    });
    c0 = cpu();
    for (let i = 0; i < n; i++) { fill(i); meter.packet(rec, pkt); }
    meter.finish();
    best = Math.min(best, cpu() - c0);
    digest = h; flows = c;
  }
  const ns = (best - base) / n * 1e9;
  console.log(`${path}: ${n.toLocaleString('en-US')} packets replayed ${runs}× into FlowMeter (least CPU): ${best.toFixed(3)} s, refill ${base.toFixed(3)} s → flow engine ≈ ${ns.toFixed(0)} ns/packet (${(1e3 / ns).toFixed(2)} M packets/CPU-s); ${flows.toLocaleString('en-US')} flows, record digest ${(digest >>> 0).toString(16)}`);
}

function run(path: string, mode: Mode, runs: number): Result {
  const out: Result[] = [];
  for (let i = 0; i < runs; i++) {
    // Warm the page cache (untimed) without growing this process: Linux folds the RSS a child
    // inherits through fork into its ru_maxrss, so the parent must stay small.
    execFileSync('cat', [path], { stdio: ['ignore', 'ignore', 'inherit'] });
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', path, mode], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
    out.push(JSON.parse(r.stdout.trim().split('\n').pop()!) as Result);
  }
  out.sort((a, b) => a.seconds - b.seconds);
  const med = out[Math.floor(out.length / 2)]!;
  return { ...med, peakRssMB: Math.max(...out.map((r) => r.peakRssMB)) };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return child(argv[1]!, argv[2] as Mode);
  const runs = argv.includes('--runs') ? Number(argv[argv.indexOf('--runs') + 1]) : 3;
  const given = argv.includes('--capture') ? argv[argv.indexOf('--capture') + 1] : undefined;
  if (argv.includes('--replay')) return replay(given ?? capture('bench1g.pcap', 118000), runs);
  const files = given !== undefined ? [given] : [capture('bench1g.pcap', 118000)];
  const half = join(tmpdir(), 'flowsift-bench', 'bench500m.pcap');
  if (given === undefined && existsSync(half)) files.push(half);
  for (const path of files) {
    const mb = statSync(path).size / 1e6;
    const res = (['read', 'decode', 'flows'] as const).map((m) => run(path, m, runs));
    console.log(`${path}: ${mb.toFixed(0)} MB, ${res[0]!.packets.toLocaleString('en-US')} packets, median of ${runs}`);
    for (const r of res) {
      const pps = r.packets / r.seconds;
      const cpuPps = r.packets / r.cpuSeconds;
      console.log(`  ${r.mode.padEnd(6)} wall ${r.seconds.toFixed(2)} s  ${(pps / 1e6).toFixed(2)} M packets/s | CPU ${r.cpuSeconds.toFixed(2)} s  ${(cpuPps / 1e6).toFixed(2)} M packets/CPU-s  ${(1e9 / cpuPps).toFixed(0)} ns/packet | peak RSS ${r.peakRssMB.toFixed(0)} MB` +
        (r.mode === 'flows' ? `  ${r.flows.toLocaleString('en-US')} flows` : ''));
    }
    const flowNs = (res[2]!.cpuSeconds - res[1]!.cpuSeconds) / res[0]!.packets * 1e9;
    console.log(`  flow table alone ≈ ${flowNs.toFixed(0)} ns/packet of CPU (flows − decode)`);
  }
}

await main();
