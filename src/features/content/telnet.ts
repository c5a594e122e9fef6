/**
 * Remote-login analyzers: Telnet (RFC 854 option negotiation stripped), rlogin (RFC 1282), rsh and
 * rexec. All three feed a ShellSession (shell.ts) with the client's typed lines and the server's
 * output lines and prompts.
 */
import type { Analyzer, AnalyzerEnv } from './analyzer.ts';
import { indexOfByte, LineSplitter, nativeIndexOfByte } from './lines.ts';
import { type Findings, R } from './rules.ts';
import { ShellSession } from './shell.ts';

let scratch = new Uint8Array(65_536);
function scratchFor(n: number): Uint8Array {
  if (scratch.length < n) scratch = new Uint8Array(n);
  return scratch;
}

const IAC = 255;
const SB = 250;
const SE = 240;
const T_DATA = 0;
const T_IAC = 1;
const T_OPT = 2;
const T_SB = 3;
const T_SB_IAC = 4;

/** Removes Telnet commands (IAC …, option negotiation, subnegotiation) from one direction. */
export class TelnetStripper {
  private state = T_DATA;
  /** Option negotiation commands seen. */
  commands = 0;

  /** Not inside a Telnet command: a byte other than IAC is data. */
  get idle(): boolean {
    return this.state === T_DATA;
  }

  /** True when the chunk is all data: not inside a command and no IAC byte in it. */
  plain(buf: Uint8Array, off: number, len: number): boolean {
    if (this.state !== T_DATA) return false;
    // IAC is rare in data: a long chunk is scanned whole, natively, without a JS prefix first.
    return (len > 64 ? nativeIndexOfByte(buf, IAC, off, off + len) : indexOfByte(buf, IAC, off, off + len)) < 0;
  }

  strip(buf: Uint8Array, off: number, len: number, out: Uint8Array): number {
    let n = 0;
    let st = this.state;
    for (let i = off, end = off + len; i < end; i++) {
      const b = buf[i]!;
      switch (st) {
        case T_DATA:
          if (b === IAC) st = T_IAC;
          else out[n++] = b;
          break;
        case T_IAC:
          this.commands++;
          if (b === IAC) {
            out[n++] = IAC;
            st = T_DATA;
          } else if (b >= 251) st = T_OPT;
          else if (b === SB) st = T_SB;
          else st = T_DATA;
          break;
        case T_OPT:
          st = T_DATA;
          break;
        case T_SB:
          if (b === IAC) st = T_SB_IAC;
          break;
        default: // T_SB_IAC
          st = b === SE ? T_DATA : T_SB;
      }
    }
    this.state = st;
    return n;
  }
}

const SPACE = 0x20;
/** Longest unterminated server line still considered as a prompt. */
const MAX_PROMPT = 256;
const COLON = 0x3a;

/** Shared text handling for telnet and rlogin: client lines with terminal editing, server lines + prompts. */
abstract class TerminalAnalyzer implements Analyzer {
  readonly done = false;
  protected readonly session: ShellSession;
  protected readonly client: LineSplitter;
  protected readonly server: LineSplitter;

  constructor(env: AnalyzerEnv) {
    this.session = new ShellSession(env.findings, env);
    this.client = new LineSplitter((l) => this.session.clientLine(l), { terminal: true });
    // Server output lines matter by their start (events) or when short (prompts): keep 512 bytes.
    this.server = new LineSplitter((l) => this.session.serverLine(l), { maxLine: 512 });
  }

  abstract data(fromOrig: boolean, buf: Uint8Array, off: number, len: number): void;

  protected clientText(buf: Uint8Array, off: number, len: number): void {
    this.client.push(buf, off, len);
  }

  protected serverText(buf: Uint8Array, off: number, len: number): void {
    this.server.push(buf, off, len);
    this.serverPrompt();
  }

  /** After server text: an unterminated line ending like a prompt is handed to the session. */
  protected serverPrompt(): void {
    const last = this.server.lastByte();
    if ((last === SPACE || last === COLON) && this.server.partialLength <= MAX_PROMPT && this.server.promptLike()) this.session.serverPartial(this.server.partial());
  }

  gap(fromOrig: boolean, len: number): void {
    // A lost segment: drop the damaged line and resume at the next one.
    (fromOrig ? this.client : this.server).gap(len);
  }

  end(): void {
    this.server.flush();
  }
}

export class TelnetAnalyzer extends TerminalAnalyzer {
  private readonly cli = new TelnetStripper();
  private readonly srv = new TelnetStripper();

  data(fromOrig: boolean, buf: Uint8Array, off: number, len: number): void {
    const st = fromOrig ? this.cli : this.srv;
    if (len === 1 && buf[off] !== IAC && st.idle) {
      // A keystroke or its echo: one byte, no Telnet command.
      if (fromOrig) this.client.pushByte(buf[off]!);
      else {
        this.server.pushByte(buf[off]!);
        this.serverPrompt();
      }
      return;
    }
    if (st.plain(buf, off, len)) {
      // No Telnet command in the chunk: use the bytes in place.
      if (fromOrig) this.clientText(buf, off, len);
      else this.serverText(buf, off, len);
      return;
    }
    const out = scratchFor(len);
    if (fromOrig) this.clientText(out, 0, st.strip(buf, off, len, out));
    else this.serverText(out, 0, st.strip(buf, off, len, out));
  }
}

/** Collects the NUL-terminated fields at the start of an r-command request. */
class NulFields {
  readonly fields: string[] = [];
  private cur: number[] = [];

  constructor(private readonly count: number) {}

  get complete(): boolean {
    return this.fields.length >= this.count;
  }

  /** Consumes bytes until the fields are complete; returns how many bytes were used. */
  take(buf: Uint8Array, off: number, len: number): number {
    let i = off;
    const end = off + len;
    while (i < end && !this.complete) {
      const b = buf[i++]!;
      if (b === 0) {
        this.fields.push(String.fromCharCode(...this.cur));
        this.cur = [];
      } else if (this.cur.length < 1024) this.cur.push(b);
    }
    return i - off;
  }
}

/** rlogin (513): `\0 client-user \0 server-user \0 terminal/speed \0`, then a terminal session. */
export class RloginAnalyzer extends TerminalAnalyzer {
  private readonly request = new NulFields(4);
  private acked = false;

  data(fromOrig: boolean, buf: Uint8Array, off: number, len: number): void {
    if (fromOrig) {
      if (!this.request.complete) {
        const used = this.request.take(buf, off, len);
        off += used;
        len -= used;
        if (this.request.complete) this.session.setUser(this.request.fields[2] ?? '');
      }
      // Window-size control message: FF FF 's' 's' + 8 bytes.
      if (len >= 12 && buf[off] === 0xff && buf[off + 1] === 0xff && buf[off + 2] === 0x73 && buf[off + 3] === 0x73) {
        off += 12;
        len -= 12;
      }
      if (len > 0) this.clientText(buf, off, len);
      return;
    }
    if (!this.acked && len > 0) {
      this.acked = true;
      if (buf[off] === 0) {
        off++;
        len--;
      }
    }
    if (len > 0) this.serverText(buf, off, len);
  }
}

/**
 * rsh (514): `stderr-port \0 client-user \0 server-user \0 command \0`; rexec (512):
 * `stderr-port \0 user \0 password \0 command \0`. The server answers `\0` (accepted) or `\1` + message.
 */
export class RshAnalyzer implements Analyzer {
  readonly done = false;
  private readonly request = new NulFields(4);
  private readonly session: ShellSession;
  private readonly output: LineSplitter;
  private answered = false;
  private refused = false;
  private command = '';
  private readonly f: Findings;

  constructor(env: AnalyzerEnv, private readonly rexec: boolean) {
    this.f = env.findings;
    this.session = new ShellSession(env.findings, env);
    this.output = new LineSplitter((l) => this.session.serverLine(l));
  }

  data(fromOrig: boolean, buf: Uint8Array, off: number, len: number): void {
    if (fromOrig) {
      if (!this.request.complete) {
        this.request.take(buf, off, len);
        if (this.request.complete) {
          const f = this.request.fields;
          this.session.setUser((this.rexec ? f[1] : f[2]) ?? '');
          this.command = f[3] ?? '';
        }
      }
      return;
    }
    if (!this.answered && len > 0) {
      this.answered = true;
      const ok = buf[off] === 0;
      off++;
      len--;
      if (ok) {
        this.f.fire(R.rsh_logged_in);
        this.session.loggedIn();
        this.session.command(this.command);
      } else {
        this.f.fire(R.rsh_login_failed);
        this.refused = true;
      }
    }
    if (len > 0 && !this.refused) this.output.push(buf, off, len);
  }

  gap(fromOrig: boolean, len: number): void {
    if (!fromOrig) this.output.gap(len);
  }

  end(): void {
    this.output.flush();
  }
}
