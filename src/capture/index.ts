/**
 * Capture input: `readCaptures(inputs, onRecord, opts)` streams every packet record of files,
 * directories (all captures inside, ordered by first packet timestamp) and stdin ('-') to one
 * callback, through one reused CaptureRecord. Format is detected from the first bytes only:
 * classic pcap (µs/ns, both byte orders, Kuznetzov modified), pcapng, either one gzipped.
 *
 * Corrupt input is never thrown: reading of that file stops at the fault and the InputError (file,
 * byte offset, expected vs found) goes into the report; callers decide the exit code (3).
 */
import { readdirSync, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import type { CaptureRecord, RecordSink } from './record.ts';
import { classicMagic, readPcap } from './pcap.ts';
import { readPcapng, PCAPNG_SHB } from './pcapng.ts';
import { openFileSource, openStreamSource, SourceDataError, Window, type OpenedSource } from './source.ts';
import { ParseState } from './state.ts';
import type { FileReport, ReadOptions, ReadReport } from './types.ts';

export type { CaptureRecord, RecordSink } from './record.ts';
export { recordTime } from './record.ts';
export type { FileReport, InterfaceInfo, ReadOptions, ReadReport } from './types.ts';

/** A fresh record object (readers fill it in place). */
/**
 * Total bytes of capture inputs (a directory: the files directly inside it); stdin ('-') and inputs
 * that cannot be read count 0. For progress bars and the choice of the two-thread pipeline.
 */
export function inputBytes(inputs: string[]): number {
  let total = 0;
  for (const p of inputs) {
    if (p === '-') continue;
    try {
      const st = statSync(p);
      if (st.isDirectory()) {
        for (const e of readdirSync(p, { withFileTypes: true })) if (e.isFile()) total += statSync(join(p, e.name)).size;
      } else total += st.size;
    } catch {
      // reported by the reader
    }
  }
  return total;
}

export function newRecord(): CaptureRecord {
  return {
    tsSec: 0,
    tsNsec: 0,
    caplen: 0,
    origLen: 0,
    linktype: 0,
    interfaceId: 0,
    buf: new Uint8Array(0),
    offset: 0,
    file: '',
    packetIndex: 0,
    byteOffset: 0,
    tsMissing: false,
  };
}

function newReport(file: string): FileReport {
  return {
    file,
    format: 'unknown',
    byteOrder: 'little',
    linktypes: [],
    interfaces: [],
    snaplen: 0,
    packets: 0,
    firstTs: null,
    lastTs: null,
    minTs: null,
    maxTs: null,
    minTsExact: null,
    maxTsExact: null,
    truncated: 0,
    untimed: 0,
    outOfOrder: 0,
    capturedBytes: 0,
    wireBytes: 0,
    bytesRead: 0,
    gzip: false,
    sections: 0,
    warnings: [],
  };
}

function hex4(b: Uint8Array, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += b[i]!.toString(16).padStart(2, '0');
  return s;
}

function describeOpenError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return err.message;
  }
}

/**
 * Read one input (file path or '-') completely (or up to `limit` packets), delivering records to
 * `onRecord` through `rec`. Never throws for bad input; errors go into the returned report.
 */
export async function readOne(
  input: string,
  rec: CaptureRecord,
  onRecord: RecordSink,
  opts: ReadOptions = {},
  limit = opts.maxPacketsPerFile ?? Infinity,
): Promise<FileReport> {
  const report = newReport(input);
  let opened: OpenedSource;
  try {
    opened = input === '-' ? await openStreamSource(opts.stdin ?? process.stdin, opts.signal) : await openFileSource(input);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (typeof e.code !== 'string') throw err;
    report.error = new InputError('E_INPUT_OPEN', input, undefined, describeOpenError(e));
    return report;
  }
  report.gzip = opened.gzip;
  const w = new Window(opened.source, opts.chunkSize, opts.signal);
  const st = new ParseState(w, rec, onRecord, report, opts, limit);
  rec.file = input;
  try {
    if (!(await w.ensure(4))) {
      if (!st.aborted) {
        st.fault(
          'E_PCAP_BAD_MAGIC',
          0,
          w.avail === 0
            ? 'empty input (expected a pcap or pcapng file header)'
            : `input is only ${w.avail} bytes (expected a pcap or pcapng file header)`,
        );
      }
    } else {
      const b = w.buf.subarray(w.pos, w.pos + 4);
      if (classicMagic(b)) {
        await readPcap(st);
      } else if (w.dv.getUint32(w.pos, true) === PCAPNG_SHB) {
        await readPcapng(st);
      } else {
        const zstd = b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd;
        const xz = b[0] === 0xfd && b[1] === 0x37 && b[2] === 0x7a && b[3] === 0x58;
        st.fault(
          'E_PCAP_BAD_MAGIC',
          0,
          `${zstd ? 'zstd-compressed input is not supported (decompress it first)' : xz ? 'xz-compressed input is not supported (decompress it first)' : 'not a capture file'}: found magic 0x${hex4(b, 4)}, expected pcap a1b2c3d4/a1b23c4d/a1b2cd34 (either byte order), pcapng 0a0d0d0a or gzip 1f8b`,
        );
      }
    }
  } catch (err) {
    if (err instanceof SourceDataError) {
      st.fault('E_GZIP_CORRUPT', w.base + w.end, `${err.message} (decompressed offset)`);
    } else {
      const e = err as NodeJS.ErrnoException;
      if (typeof e.code === 'string' && typeof e.syscall === 'string') {
        st.fault('E_INPUT_READ', w.base + w.end, `read failed: ${e.message}`);
      } else {
        await w.drain();
        await opened.source.close();
        throw err;
      }
    }
  }
  await w.drain();
  await opened.source.close();
  if (opened.source.truncatedCompressed && !report.error) {
    const detail = 'gzip stream ends before its end-of-stream marker (compressed file truncated)';
    if (report.truncatedTail) st.warn(w.base + w.end, detail);
    else st.cutShort('E_GZIP_TRUNCATED', w.base + w.end, detail);
  }
  st.finish();
  return report;
}

interface Entry {
  path: string;
  firstTs: [number, number] | null;
}

/** Expand directories into the captures inside, ordered by first packet timestamp. */
async function expandInputs(inputs: string[], opts: ReadOptions, warnings: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const input of inputs) {
    if (input === '-') {
      out.push(input);
      continue;
    }
    let isDir = false;
    try {
      isDir = (await stat(input)).isDirectory();
    } catch {
      /* reported when opened */
    }
    if (!isDir) {
      out.push(input);
      continue;
    }
    const names: string[] = [];
    for (const d of await readdir(input, { withFileTypes: true })) {
      // Regular files, and symbolic links to regular files; subdirectories are not descended.
      if (d.isFile() || (d.isSymbolicLink() && (await stat(join(input, d.name)).catch(() => null))?.isFile())) names.push(d.name);
    }
    names.sort();
    const entries: Entry[] = [];
    const probeRec = newRecord();
    for (const name of names) {
      const path = join(input, name);
      let first: [number, number] | null = null;
      const r = await readOne(path, probeRec, (rec) => {
        first = [rec.tsSec, rec.tsNsec];
      }, { ...opts, onFile: undefined, onFileStart: undefined, chunkSize: 64 * 1024 }, 1);
      if (r.format === 'unknown') {
        if (r.error?.code === 'E_PCAP_BAD_MAGIC') warnings.push(`${path}: skipped (not a capture file)`);
        else if (r.error) out.push(path); // unreadable: let the real read report it
        continue;
      }
      entries.push({ path, firstTs: first });
    }
    entries.sort((a, b) => {
      if (a.firstTs === null || b.firstTs === null) return (a.firstTs === null ? 0 : 1) - (b.firstTs === null ? 0 : 1);
      return a.firstTs[0] - b.firstTs[0] || a.firstTs[1] - b.firstTs[1];
    });
    for (const e of entries) out.push(e.path);
  }
  return out;
}

/**
 * Read all inputs in order, delivering every record to `onRecord` (one reused object: copy what
 * you keep). Resolves with per-file reports; corrupt input is reported, never thrown.
 */
export async function readCaptures(inputs: string[], onRecord: RecordSink, opts: ReadOptions = {}): Promise<ReadReport> {
  const report: ReadReport = { files: [], packets: 0, errors: [], warnings: [], aborted: false };
  const files = await expandInputs(inputs, opts, report.warnings);
  const rec = newRecord();
  for (const f of files) {
    if (opts.signal?.aborted) break;
    const fr = await readOne(f, rec, onRecord, opts);
    report.files.push(fr);
    report.packets += fr.packets;
    if (fr.error) report.errors.push(fr.error);
    report.warnings.push(...fr.warnings);
    opts.onFile?.(fr);
  }
  report.aborted = opts.signal?.aborted === true;
  return report;
}
