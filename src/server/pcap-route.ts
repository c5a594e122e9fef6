/**
 * GET /api/v1/flows/:uid/pcap — the flow's packets as a capture file, cut from the captures the
 * analysis was made from (its analysis.json) by src/capture/flow-packets.ts, through a temp file
 * streamed to the client and removed after. At most two cuts run at once (each reads whole captures).
 */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Context } from 'hono';
import type { Analysis, ServerContext } from './context.ts';
import { ApiError, notFound } from './errors.ts';
import { flowByUid } from './queries.ts';
import { parseTime } from './filters.ts';
import { writeFlowPackets, type FlowSelector } from '../capture/flow-packets.ts';

export function pcapAvailable(a: Analysis): boolean {
  return a.sources.length > 0;
}

let running = 0;
const waiting: (() => void)[] = [];
async function slot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= 2) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** ISO-8601 with up to 6 decimals → epoch microseconds (exact). */
export function isoToMicros(iso: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:?\d\d)?$/.exec(iso);
  if (!m) return NaN;
  const sec = Date.parse(`${m[1]}${m[3] ?? 'Z'}`) / 1000;
  return sec * 1e6 + Number((m[2] ?? '').padEnd(6, '0').slice(0, 6));
}

export function selectorOf(row: Record<string, unknown>): FlowSelector | undefined {
  const { src_ip, dst_ip, proto, ts, duration, src_port, dst_port } = row;
  if (typeof src_ip !== 'string' || typeof dst_ip !== 'string' || typeof proto !== 'number' || typeof ts !== 'string') return undefined;
  const startUs = isoToMicros(ts);
  if (!Number.isFinite(startUs)) return undefined;
  const d = typeof duration === 'number' && Number.isFinite(duration) ? duration : 0;
  return {
    srcIp: src_ip, dstIp: dst_ip, proto, startUs, endUs: startUs + Math.round(d * 1e6),
    srcPort: typeof src_port === 'number' ? src_port : undefined, dstPort: typeof dst_port === 'number' ? dst_port : undefined,
  };
}

export async function flowPcap(ctx: ServerContext, c: Context): Promise<Response> {
  const a = ctx.analyses.get(c.req.query('analysis'));
  const uid = c.req.param('uid')!;
  const ts = c.req.query('ts');
  const row = (ts ? await flowByUid(a, uid, parseTime('ts', ts)) : undefined) ?? (await flowByUid(a, uid));
  if (!row) throw notFound(`no flow with uid ${uid} in analysis ${a.name}`, 'no_flow');
  if (!pcapAvailable(a)) {
    throw notFound(`analysis ${a.name} does not name a capture that is still at hand (its analysis.json lists the captures analyze read)`, 'no_capture');
  }
  const sel = selectorOf(row);
  if (!sel) throw new ApiError(422, 'no_identity', `flow ${uid} has no addresses, protocol or time to find its packets by`);
  const file = join(tmpdir(), `flowsift-flow-${process.pid}-${randomBytes(6).toString('hex')}.pcap`);
  let res;
  try {
    res = await slot(() => writeFlowPackets(a.sources, sel, file, { signal: c.req.raw.signal }));
  } catch (e) {
    await rm(file, { force: true });
    throw e;
  }
  if (res.packets === 0) {
    await rm(file, { force: true });
    const why = res.read.errors.length ? `: ${res.read.errors[0]!.message}` : ' (have they changed since the analysis?)';
    throw notFound(`none of flow ${uid}'s packets were found in ${a.sources.length === 1 ? a.sources[0] : `${a.sources.length} captures`}${why}`, 'no_packets');
  }
  const rs = createReadStream(file);
  rs.once('close', () => void rm(file, { force: true }));
  c.header('Content-Type', res.format === 'pcap' ? 'application/vnd.tcpdump.pcap' : 'application/x-pcapng');
  c.header('Content-Disposition', `attachment; filename="${uid}.${res.format}"`);
  c.header('X-Flowsift-Packets', String(res.packets));
  return c.body(Readable.toWeb(rs) as unknown as ReadableStream);
}
