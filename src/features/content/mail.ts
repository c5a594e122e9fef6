/**
 * Mail protocols, login outcome and a few hot commands:
 * POP3 (RFC 1939/5034), IMAP (RFC 9051 LOGIN/AUTHENTICATE), SMTP (RFC 5321, AUTH RFC 4954).
 */
import { type AnalyzerEnv, LineAnalyzer } from './analyzer.ts';
import { loginAs } from './patterns.ts';
import { R } from './rules.ts';

/** Regexes used per line, made once (a regex literal in a function is a new RegExp per call). */
const VERB_ARG = /^(\S+)\s*(.*)$/;
const SPACES = /\s+/;
const IMAP_LOGIN = /^(\S+)\s+(LOGIN|AUTHENTICATE)\b\s*(.*)$/i;
const IMAP_USER = /^(?:"((?:[^"\\]|\\.)*)"|(\S+))/;
const IMAP_TAGGED = /^(\S+)\s+(OK|NO|BAD)\b/i;
const FIRST_WORD = /^\S+/;
const PIPE_ADDRESS = /[<"]\s*\|/;

export class Pop3Analyzer extends LineAnalyzer {
  private user = '';
  /** PASS/APOP/AUTH sent, outcome not seen yet. */
  private _awaiting = false;

  constructor(env: AnalyzerEnv) {
    super(env);
    this.server.quiet = true; // server lines (greeting, message bodies) matter only after PASS/APOP/AUTH
    // serverLine reads only the first 4 characters (+OK / -ERR) of a line: a line that began while
    // quiet (a tail of a message body when PASS is sent) needs no more of its quiet part than that.
    // (Cutting a line's quiet part at 4 bytes changes neither startsWith: the kept prefix is the
    // same, and a CR the end-of-line strip removes at index 3 is not 'R' either.)
    this.server.quietKeep = 4;
  }

  private get awaiting(): boolean {
    return this._awaiting;
  }

  private set awaiting(v: boolean) {
    this._awaiting = v;
    this.server.quiet = !v;
  }

  protected clientLine(line: string): void {
    const m = VERB_ARG.exec(line);
    if (m === null) return;
    const verb = m[1]!.toUpperCase();
    if (verb === 'USER') this.user = m[2]!.trim();
    else if (verb === 'PASS' || verb === 'AUTH') this.awaiting = true;
    else if (verb === 'APOP') {
      this.user = m[2]!.trim().split(SPACES)[0] ?? '';
      this.awaiting = true;
    }
  }

  protected serverLine(line: string): void {
    if (!this.awaiting) return;
    if (line.startsWith('+OK')) {
      this.awaiting = false;
      this.f.fire(R.pop3_logged_in);
      loginAs(this.user, this.env, this.f);
    } else if (line.startsWith('-ERR')) {
      this.awaiting = false;
      this.f.fire(R.pop3_login_failed);
    }
  }
}

export class ImapAnalyzer extends LineAnalyzer {
  /** Tag of the pending LOGIN/AUTHENTICATE → user. */
  private readonly pending = new Map<string, string>();

  protected clientLine(line: string): void {
    const m = IMAP_LOGIN.exec(line);
    if (m === null) return;
    let user = '';
    if (m[2]!.toUpperCase() === 'LOGIN') {
      const u = IMAP_USER.exec(m[3]!);
      user = u === null ? '' : (u[1] ?? u[2] ?? '');
    }
    if (this.pending.size < 64) this.pending.set(m[1]!, user);
  }

  protected serverLine(line: string): void {
    if (line.startsWith('* PREAUTH')) {
      this.f.fire(R.imap_logged_in);
      return;
    }
    const m = IMAP_TAGGED.exec(line);
    if (m === null || !this.pending.has(m[1]!)) return;
    const user = this.pending.get(m[1]!)!;
    this.pending.delete(m[1]!);
    if (m[2]!.toUpperCase() === 'OK') {
      this.f.fire(R.imap_logged_in);
      loginAs(user, this.env, this.f);
    } else this.f.fire(R.imap_login_failed);
  }
}

/** End of a message body (RFC 5321 §4.1.1.4); LF-only clients send `\n.\n`. */
const DATA_END = Buffer.from('\r\n.\r\n');
const DATA_END_LF = Buffer.from('\n.\n');
const TERMINATORS = [DATA_END, DATA_END_LF] as const;
const LF_DOT = Buffer.from('\n.');
const indexOf = Buffer.prototype.indexOf as (this: Uint8Array, needle: Uint8Array, from?: number) => number;
/** The last body bytes kept (≤ 4) + the first ≤ 4 bytes of a segment: where a terminator may straddle. */
const joint = new Uint8Array(8);

/** First index of t in a[0, n), or -1 (what indexOf gives on that prefix). */
function firstIndex(a: Uint8Array, n: number, t: Uint8Array): number {
  outer: for (let i = 0; i + t.length <= n; i++) {
    for (let j = 0; j < t.length; j++) if (a[i + j] !== t[j]) continue outer;
    return i;
  }
  return -1;
}

export class SmtpAnalyzer extends LineAnalyzer {
  private awaiting = false;
  private inData = false;
  private dataPending = false;
  /** Last bytes of the body so far (a terminator may straddle two segments). */
  private readonly tail = new Uint8Array(8);
  private tailLen = 0;

  constructor(env: AnalyzerEnv) {
    super(env);
    this.server.quiet = true;
  }

  /**
   * Server lines matter only while a DATA or AUTH answer is awaited (serverLine does nothing
   * otherwise): the rest are delimited but not decoded.
   */
  private serverWanted(): void {
    this.server.quiet = !(this.dataPending || this.awaiting);
  }

  override data(fromOrig: boolean, buf: Uint8Array, off: number, len: number): void {
    if (fromOrig && this.inData) {
      // The message body is not read line by line: one native search for its terminator.
      const end = this.bodyEnd(buf, off, len);
      if (end < 0) return;
      this.inData = false;
      off += end;
      len -= end;
      if (len <= 0) return;
    }
    super.data(fromOrig, buf, off, len);
  }

  /** Bytes of buf[off, off+len) up to and including the body terminator, or -1 when not in it. */
  private bodyEnd(buf: Uint8Array, off: number, len: number): number {
    // Terminator across the previous segment and this one: search tail + the first 4 bytes
    // (a small shared scratch array: no allocation per body segment).
    const tailLen = this.tailLen;
    const k = Math.min(len, 4);
    for (let i = 0; i < tailLen; i++) joint[i] = this.tail[i]!;
    for (let i = 0; i < k; i++) joint[tailLen + i] = buf[off + i]!;
    const jointLen = tailLen + k;
    for (const t of TERMINATORS) {
      const at = firstIndex(joint, jointLen, t);
      if (at >= 0 && at + t.length > tailLen) return at + t.length - tailLen;
    }
    if (len >= DATA_END_LF.length) {
      // Both terminators contain LF '.': one native search for that pair finds the earlier end (the
      // first pair followed by LF or CR LF; a later pair cannot end before it).
      const view = new Uint8Array(buf.buffer, buf.byteOffset + off, len);
      for (let p = indexOf.call(view, LF_DOT); p >= 0; p = indexOf.call(view, LF_DOT, p + 2)) {
        // Bounds first: a read past the view is undefined (no match), but optimized code reading
        // out of bounds deoptimizes (it did, twice per run on bench captures).
        if (p + 2 < len && view[p + 2] === 0x0a) return p + 3; // \n.\n
        if (p >= 1 && p + 3 < len && view[p - 1] === 0x0d && view[p + 2] === 0x0d && view[p + 3] === 0x0a) return p + 4; // \r\n.\r\n
      }
    }
    // Keep the last 4 bytes of tail + segment.
    const keep = Math.min(4, tailLen + len);
    if (len <= 4) for (let i = 0; i < keep; i++) this.tail[i] = joint[jointLen - keep + i]!;
    else for (let i = 0; i < keep; i++) this.tail[i] = buf[off + len - keep + i]!;
    this.tailLen = keep;
    return -1;
  }

  protected clientLine(line: string): void {
    const verb = (FIRST_WORD.exec(line)?.[0] ?? '').toUpperCase();
    if (verb === 'AUTH') {
      this.awaiting = true;
      this.serverWanted();
    } else if (verb === 'DATA') {
      this.dataPending = true;
      this.serverWanted();
    }
    else if (verb === 'DEBUG' || verb === 'WIZ' || verb === 'KILL') this.f.fire(R.hot_smtp_debug);
    else if ((verb === 'MAIL' || verb === 'RCPT') && PIPE_ADDRESS.test(line)) this.f.fire(R.hot_program_execution);
  }

  protected serverLine(line: string): void {
    this.serverReply(line);
    this.serverWanted();
  }

  private serverReply(line: string): void {
    const code = line.slice(0, 3);
    if (this.dataPending) {
      this.dataPending = false;
      // 354: the client now sends the message; pipelined clients may already have.
      if (code === '354') {
        // The message body follows; the CRLF that ended the DATA command starts a terminator.
        this.inData = true;
        this.tail.set([0x0d, 0x0a]);
        this.tailLen = 2;
      }
    }
    if (!this.awaiting || line[3] === '-') return;
    if (code === '235') {
      this.awaiting = false;
      this.f.fire(R.smtp_logged_in);
    } else if (code === '535' || code === '454' || code === '534') {
      this.awaiting = false;
      this.f.fire(R.smtp_auth_failed);
    } else if (code !== '334') this.awaiting = false;
  }
}
