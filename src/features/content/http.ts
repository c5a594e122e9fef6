/**
 * HTTP/1.x: requests (method, URI, Authorization) and responses (status), bodies skipped by
 * Content-Length or chunked framing, pipelining by a FIFO of request methods.
 * Rules: http_logged_in, http_auth_failed, access_file, hot_system_dir, hot_http_cgi,
 * path_traversal, slash_flood.
 */
import type { Analyzer, AnalyzerEnv } from './analyzer.ts';
import { LinePrefixes, LineSplitter } from './lines.ts';
import { checkPaths, climbsAboveRoot } from './patterns.ts';
import { type Findings, R } from './rules.ts';

const REQUEST = /^([A-Z][A-Z_-]{1,19}) (\S+) HTTP\/\d\.\d$/;
/** Digit value of line[i], or -1000 (keeps any sum with it negative). */
function digitAt(line: string, i: number): number {
  const c = line.charCodeAt(i) - 0x30;
  return c >= 0 && c <= 9 ? c : -1000;
}

/** The status code of a status line (what /^HTTP\/\d\.\d (\d{3})/ matches), or -1: no regex, no match array. */
function statusCode(line: string): number {
  if (line.length < 12 || !line.startsWith('HTTP/') || line.charCodeAt(6) !== 0x2e || line.charCodeAt(8) !== 0x20) return -1;
  if (digitAt(line, 5) < 0 || digitAt(line, 7) < 0) return -1;
  const code = digitAt(line, 9) * 100 + digitAt(line, 10) * 10 + digitAt(line, 11);
  return code >= 0 ? code : -1;
}

const CONTENT_LENGTH = /^content-length\s*:\s*(\d+)/i;
const CHUNKED = /^transfer-encoding\s*:.*chunked/i;
const AUTHORIZATION = /^(?:proxy-)?authorization\s*:/i;
const CGI = /\/(?:phf|test-cgi|nph-test-cgi|php\.cgi|campas|handler|glimpse|aglimpse|websendmail|wwwboard(?:\.pl)?|formmail(?:\.pl)?)(?:$|[?/.])/i;
/** Regexes used per request, made once (a regex literal in a function is a new RegExp per call). */
const PLUS = /\+/g;
const SLASH_FLOOD = /\/{32,}/;
const SCHEME_HOST = /^[a-z]+:\/\/[^/]*/i;
const PERCENT = /%([0-9a-fA-F]{2})/g;

/**
 * The header lines each side reads: other header lines are dropped undecoded by the LineSplitter
 * (Accept, Cookie, Content-Type, … made up most decoded lines). requestLine/responseLine/header do
 * nothing with a header line not starting with one of these names (their regexes start so).
 */
const REQUEST_HEADERS = new LinePrefixes(['authorization', 'proxy-authorization', 'content-length', 'transfer-encoding']);
const RESPONSE_HEADERS = new LinePrefixes(['content-length', 'transfer-encoding']);

const START = 0;
const HEADERS = 1;
const CHUNK_SIZE = 2;
const CHUNK_END = 3;
const TRAILERS = 4;
const STOPPED = 5;

interface Request {
  method: string;
  auth: boolean;
}

/** Decodes %xx escapes leniently (invalid escapes stay as they are). */
function percentDecode(s: string): string {
  return s.includes('%') ? s.replace(PERCENT, (_, h: string) => String.fromCharCode(parseInt(h, 16))) : s;
}

/** One direction of HTTP/1.x message framing. */
class Side {
  state = START;
  contentLength = -1;
  chunked = false;
  readonly lines: LineSplitter;

  constructor(onLine: (l: string) => void) {
    this.lines = new LineSplitter(onLine);
  }

  /** A header line: only Content-Length and Transfer-Encoding matter for framing. */
  header(line: string): void {
    const c = line.charCodeAt(0) | 0x20;
    if (c === 0x63 /* c */) {
      const m = CONTENT_LENGTH.exec(line);
      if (m !== null) this.contentLength = Number(m[1]);
    } else if (c === 0x74 /* t */ && CHUNKED.test(line)) this.chunked = true;
  }

  /** End of headers: skip a body of known length or switch to chunked framing. */
  body(hasBody: boolean): void {
    this.lines.prefixes = null;
    if (!hasBody) this.state = START;
    else if (this.chunked) this.state = CHUNK_SIZE;
    else if (this.contentLength > 0) {
      this.lines.skip(this.contentLength);
      this.state = START;
    } else if (this.contentLength === 0) this.state = START;
    else this.state = STOPPED; // delimited by close: nothing more to read
    this.contentLength = -1;
    this.chunked = false;
  }

  /** Framing inside chunked bodies; returns true when the line was consumed. */
  chunkLine(line: string): boolean {
    if (this.state === CHUNK_SIZE) {
      const n = Number.parseInt(line, 16);
      if (!Number.isFinite(n) || n < 0) this.state = STOPPED;
      else if (n === 0) this.state = TRAILERS;
      else {
        this.lines.skip(n);
        this.state = CHUNK_END;
      }
      return true;
    }
    if (this.state === CHUNK_END) {
      this.state = CHUNK_SIZE; // the CRLF after the chunk data
      return true;
    }
    if (this.state === TRAILERS) {
      if (line === '') this.state = START;
      return true;
    }
    return false;
  }
}

export class HttpAnalyzer implements Analyzer {
  private readonly f: Findings;
  private readonly req: Side;
  private readonly resp: Side;
  private readonly queue: Request[] = [];
  private current: Request = { method: '', auth: false };
  private status = 0;

  constructor(private readonly env: AnalyzerEnv) {
    this.f = env.findings;
    this.req = new Side((l) => this.requestLine(l));
    this.resp = new Side((l) => this.responseLine(l));
  }

  /** Both directions stopped (a plain field, updated after each call that can change a state: the
   *  plugin reads `done` of every analyzer kind per segment, a getter here would slow that site). */
  done = false;

  data(fromOrig: boolean, buf: Uint8Array, off: number, len: number): void {
    const side = fromOrig ? this.req : this.resp;
    if (side.state !== STOPPED) {
      side.lines.push(buf, off, len);
      this.done = this.req.state === STOPPED && this.resp.state === STOPPED;
    }
  }

  gap(fromOrig: boolean, len: number): void {
    // A hole inside a skipped body keeps the framing; anywhere else it is lost: stop that direction.
    const side = fromOrig ? this.req : this.resp;
    if (!side.lines.gap(len)) side.state = STOPPED;
    this.done = this.req.state === STOPPED && this.resp.state === STOPPED;
  }

  end(): void {}

  private requestLine(line: string): void {
    const s = this.req;
    if (s.chunkLine(line)) return;
    if (s.state === START) {
      if (line === '') return;
      const m = REQUEST.exec(line);
      if (m === null) {
        s.state = STOPPED;
        return;
      }
      this.current = { method: m[1]!, auth: false };
      if (this.queue.length < 256) this.queue.push(this.current);
      this.uri(m[2]!);
      s.state = HEADERS;
      s.lines.prefixes = REQUEST_HEADERS;
    } else if (s.state === HEADERS) {
      if (line === '') {
        s.body(s.chunked || s.contentLength > 0);
        return;
      }
      const c = line.charCodeAt(0) | 0x20;
      if ((c === 0x61 /* a */ || c === 0x70 /* p */) && AUTHORIZATION.test(line)) this.current.auth = true;
      else s.header(line);
    }
  }

  private responseLine(line: string): void {
    const s = this.resp;
    if (s.chunkLine(line)) return;
    if (s.state === START) {
      if (line === '') return;
      const status = statusCode(line);
      if (status < 0) {
        s.state = STOPPED;
        return;
      }
      this.status = status;
      s.state = HEADERS;
      s.lines.prefixes = RESPONSE_HEADERS;
    } else if (s.state === HEADERS) {
      if (line !== '') {
        s.header(line);
        return;
      }
      const status = this.status;
      if (status >= 100 && status < 200) {
        s.state = START; // interim response; the final one follows
        s.lines.prefixes = null;
        return;
      }
      const req = this.queue.shift();
      if (status >= 200 && status < 300 && (this.env.httpLoggedIn === 'success' || req?.auth === true)) {
        if (!this.f.has(R.http_logged_in)) this.f.fire(R.http_logged_in);
      } else if (status === 401 && req?.auth === true) this.f.fire(R.http_auth_failed);
      s.body(req?.method !== 'HEAD' && status !== 204 && status !== 304);
    }
  }

  private uri(raw: string): void {
    const decoded = percentDecode(raw.includes('+') ? raw.replace(PLUS, ' ') : raw);
    const q = decoded.indexOf('?');
    const path = q < 0 ? decoded : decoded.slice(0, q);
    if (SLASH_FLOOD.test(decoded)) this.f.fire(R.slash_flood);
    if (path.includes('..') && climbsAboveRoot(path.includes('://') ? path.replace(SCHEME_HOST, '') : path)) this.f.fire(R.path_traversal);
    if (CGI.test(path)) this.f.fire(R.hot_http_cgi);
    checkPaths(decoded, this.f);
  }
}
