/**
 * `flowsift info <capture...> [--json] [--strict]`: capinfos-like facts per capture file — format,
 * byte order, link types and interfaces, packet count, earliest/latest timestamp, snaplen,
 * truncated and undecodable packet counts, and any error with its byte offset.
 *
 * Exit 3 when any file has an error (everything read before the fault is still printed); a file cut
 * inside its last record is a warning (exit 0) unless --strict.
 */
import type { Argv } from 'yargs';
import { EXIT, UsageError } from '../errors.ts';
import { readCaptures, type CaptureRecord, type FileReport } from '../capture/index.ts';
import { decodePacket, linktypeName, STOP } from '../decode/decoder.ts';
import { DecodedPacket } from '../decode/packet.ts';
import type { CliIO, CommandDef } from './command.ts';

interface InfoArgs {
  captures: string[];
  json: boolean;
  strict: boolean;
  resync: boolean;
}

/** What decoding found in one file's packets. */
export interface DecodeCounts {
  ipv4: number;
  ipv6: number;
  /** Link layer decoded, network protocol not IP (ARP, LLDP, ...). */
  nonIp: number;
  /** A header was cut by the capture length. */
  headerTruncated: number;
  /** A header contradicts itself or its enclosing length. */
  badHeader: number;
  /** The link type is not one flowsift decodes. */
  unsupportedLinktype: number;
  /** Packets with no usable network layer: bad header, unsupported link type, or cut before the IP header. */
  undecodable: number;
}

function newCounts(): DecodeCounts {
  return { ipv4: 0, ipv6: 0, nonIp: 0, headerTruncated: 0, badHeader: 0, unsupportedLinktype: 0, undecodable: 0 };
}

/** Exact "sec.nnnnnnnnn" string. */
function exactTs(t: [number, number] | null): string | null {
  return t === null ? null : `${t[0]}.${String(t[1]).padStart(9, '0')}`;
}

function isoTs(t: [number, number] | null): string {
  if (t === null) return 'n/a';
  const d = new Date(t[0] * 1000);
  if (Number.isNaN(d.getTime())) return exactTs(t)!;
  return `${d.toISOString().slice(0, 19)}.${String(t[1]).padStart(9, '0')}Z`;
}

function ltList(f: FileReport): string {
  return f.linktypes.length === 0 ? 'none' : f.linktypes.map((lt) => `${linktypeName(lt)} (${lt})`).join(', ');
}

function formatName(f: FileReport): string {
  if (f.format === 'pcap') {
    const v = f.modified ? 'Kuznetzov modified, microsecond' : f.precision === 'ns' ? 'nanosecond' : 'microsecond';
    return `pcap (${v}, ${f.byteOrder}-endian)`;
  }
  if (f.format === 'pcapng') return `pcapng (${f.byteOrder}-endian${f.sections > 1 ? `, ${f.sections} sections` : ''})`;
  return 'unknown';
}

function humanReport(f: FileReport, c: DecodeCounts): string {
  const lines: string[] = [];
  const row = (k: string, v: string | number): void => {
    lines.push(`${(k + ':').padEnd(22)}${v}`);
  };
  row('File name', f.file);
  row('File type', formatName(f) + (f.gzip ? ', gzip-compressed' : ''));
  if (f.format !== 'unknown') {
    row('Encapsulation', ltList(f));
    row('Snapshot length', f.snaplen === 0 ? '(not set)' : f.snaplen);
    row('Number of interfaces', f.interfaces.length);
    if (f.format === 'pcapng') {
      for (const i of f.interfaces) {
        const res = i.tsUnitsPerSecond === 1e6 ? 'µs' : i.tsUnitsPerSecond === 1e9 ? 'ns' : `1/${i.tsUnitsPerSecond} s`;
        lines.push(
          `  #${i.id}${f.sections > 1 ? ` (section ${i.section})` : ''}: ${linktypeName(i.linktype)} (${i.linktype})` +
            `${i.name ? ` "${i.name}"` : ''}${i.description ? ` (${i.description})` : ''}, snaplen ${i.snaplen || '(not set)'}, ` +
            `timestamps ${res}${i.tsOffset ? ` + ${i.tsOffset} s` : ''}${i.fcsLen ? `, ${i.fcsLen}-byte FCS` : ''}, ${i.packets} packets`,
        );
      }
    }
    row('Number of packets', f.packets);
    row('Truncated packets', `${f.truncated} (captured length < length on the wire)`);
    row('Undecodable packets', `${c.undecodable} (no usable IP layer: ${c.badHeader} bad header, ${c.unsupportedLinktype} unsupported link type, ${c.undecodable - c.badHeader - c.unsupportedLinktype} cut before IP)`);
    row('Network layer', `${c.ipv4} IPv4, ${c.ipv6} IPv6, ${c.nonIp} not IP, ${c.headerTruncated} with headers cut by snaplen`);
    if (f.untimed > 0) row('Untimed packets', `${f.untimed} (Simple Packet Blocks carry no timestamp)`);
    row('Strict time order', f.outOfOrder === 0 ? 'True' : `False (${f.outOfOrder} packets earlier than the one before)`);
    row('First packet time', `${isoTs(f.minTsExact)}${f.minTsExact ? ` (${exactTs(f.minTsExact)})` : ''}`);
    row('Last packet time', `${isoTs(f.maxTsExact)}${f.maxTsExact ? ` (${exactTs(f.maxTsExact)})` : ''}`);
    if (f.minTsExact && f.maxTsExact) {
      const dur = (f.maxTsExact[0] - f.minTsExact[0]) * 1e9 + (f.maxTsExact[1] - f.minTsExact[1]);
      row('Capture duration', `${(dur / 1e9).toFixed(9)} s`);
    }
    row('Data size', `${f.capturedBytes} bytes captured, ${f.wireBytes} bytes on the wire`);
  }
  if (f.error) row('Error', f.error.message);
  for (const w of f.warnings) row('Warning', w);
  return lines.join('\n') + '\n';
}

function jsonReport(f: FileReport, c: DecodeCounts): string {
  const errors = f.error ? [{ code: f.error.code, message: f.error.message, byte_offset: f.error.byteOffset ?? null }] : [];
  return (
    JSON.stringify({
      file: f.file,
      format: f.format,
      byte_order: f.format === 'unknown' ? null : f.byteOrder,
      gzip: f.gzip,
      precision: f.precision ?? null,
      modified: f.modified ?? false,
      sections: f.sections,
      linktypes: f.linktypes,
      linktype_names: f.linktypes.map(linktypeName),
      interfaces: f.interfaces.map((i) => ({
        section: i.section,
        id: i.id,
        linktype: i.linktype,
        linktype_name: linktypeName(i.linktype),
        snaplen: i.snaplen,
        name: i.name ?? null,
        description: i.description ?? null,
        ts_units_per_second: i.tsUnitsPerSecond,
        ts_offset: i.tsOffset,
        fcs_len: i.fcsLen,
        packets: i.packets,
      })),
      snaplen: f.snaplen,
      packets: f.packets,
      first_ts: f.minTs,
      last_ts: f.maxTs,
      first_ts_exact: exactTs(f.minTsExact),
      last_ts_exact: exactTs(f.maxTsExact),
      first_packet_ts: f.firstTs,
      last_packet_ts: f.lastTs,
      untimed: f.untimed,
      out_of_order: f.outOfOrder,
      truncated: f.truncated,
      undecodable: c.undecodable,
      decode: {
        ipv4: c.ipv4,
        ipv6: c.ipv6,
        non_ip: c.nonIp,
        header_truncated: c.headerTruncated,
        bad_header: c.badHeader,
        unsupported_linktype: c.unsupportedLinktype,
      },
      captured_bytes: f.capturedBytes,
      wire_bytes: f.wireBytes,
      errors,
      warnings: f.warnings,
    }) + '\n'
  );
}

export async function runInfo(args: InfoArgs, io: CliIO): Promise<number> {
  const captures = args.captures.map(String);
  const unknown = captures.find((c) => c.startsWith('-') && c !== '-');
  if (unknown !== undefined) throw new UsageError(`info: unknown option ${unknown} (a capture whose name starts with '-' can be given as ./${unknown})`);
  const pkt = new DecodedPacket();
  let counts = newCounts();
  const onRecord = (rec: CaptureRecord): void => {
    decodePacket(rec, pkt);
    if (pkt.ipVersion === 4) counts.ipv4++;
    else if (pkt.ipVersion === 6) counts.ipv6++;
    switch (pkt.stopReason) {
      case STOP.NOT_IP:
        if (pkt.ipVersion === 0) counts.nonIp++;
        break;
      case STOP.TRUNCATED:
        counts.headerTruncated++;
        if (pkt.ipVersion === 0) counts.undecodable++; // cut before any IP header
        break;
      case STOP.BAD_HEADER:
        counts.badHeader++;
        counts.undecodable++;
        break;
      case STOP.UNSUPPORTED_LINKTYPE:
        counts.unsupportedLinktype++;
        counts.undecodable++;
        break;
    }
  };
  let failed = false;
  const report = await readCaptures(captures, onRecord, {
    strict: args.strict,
    resync: args.resync,
    signal: io.signal,
    stdin: io.stdin,
    onFile(f) {
      io.stdout.write(args.json ? jsonReport(f, counts) : humanReport(f, counts) + '\n');
      if (f.error) {
        failed = true;
        io.stderr.write(`flowsift: ${f.error.message}\n`);
      }
      for (const w of f.warnings) io.stderr.write(`flowsift: warning: ${w}\n`);
      counts = newCounts();
    },
  });
  for (const w of report.warnings.filter((w) => !report.files.some((f) => f.warnings.includes(w)))) {
    io.stderr.write(`flowsift: warning: ${w}\n`);
  }
  if (report.aborted) return EXIT.INTERRUPTED;
  if (report.files.length === 0) {
    io.stderr.write(`flowsift: no capture files found in ${args.captures.join(', ')}\n`);
    return EXIT.BAD_INPUT;
  }
  return failed ? EXIT.BAD_INPUT : EXIT.OK;
}

const info: CommandDef<InfoArgs> = {
  command: 'info <captures..>',
  describe: 'Show format, link types, interfaces, packet count, time span and problems of capture files (like capinfos)',
  builder: (y: Argv) =>
    y
      // yargs 18 drops a lone '-' (stdin) from variadic positionals when it re-parses them; keeping
      // unknown options as arguments keeps it. Real unknown options are rejected in runInfo.
      .parserConfiguration({ 'unknown-options-as-args': true })
      .positional('captures', {
        describe: "capture files (pcap, pcapng, optionally gzipped), directories, or '-' for stdin",
        type: 'string',
        array: true,
        demandOption: true,
      })
      .option('json', { type: 'boolean', default: false, describe: 'one JSON object per line per file' })
      .option('strict', { type: 'boolean', default: false, describe: 'a file cut inside its last record is an error (exit 3)' })
      .option('resync', {
        type: 'boolean',
        default: false,
        describe: 'classic pcap: skip over a corrupt record header to the next plausible one (reported as a warning)',
      }) as unknown as Argv<InfoArgs>,
  run: runInfo,
};

export default info;
