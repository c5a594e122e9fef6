/**
 * Mail protocols, login outcome and a few hot commands:
 * POP3 (RFC 1939/5034), IMAP (RFC 9051 LOGIN/AUTHENTICATE), SMTP (RFC 5321, AUTH RFC 4954).
 */
import { type AnalyzerEnv, LineAnalyzer } from './analyzer.ts';
import { loginAs } from './patterns.ts';
import { R } from './rules.ts';

export class Pop3Analyzer extends LineAnalyzer {
  private user = '';
  /** PASS/APOP/AUTH sent, outcome not seen yet. */
  private _awaiting = false;

  constructor(env: AnalyzerEnv) {
    super(env);
    this.server.quiet = true; // server lines (greeting, message bodies) matter only after PASS/APOP/AUTH
  }

  private get awaiting(): boolean {
    return this._awaiting;
  }

  private set awaiting(v: boolean) {
    this._awaiting = v;
    this.server.quiet = !v;
  }

  protected clientLine(line: string): void {
    const m = /^(\S+)\s*(.*)$/.exec(line);
    if (m === null) return;
    const verb = m[1]!.toUpperCase();
    if (verb === 'USER') this.user = m[2]!.trim();
    else if (verb === 'PASS' || verb === 'AUTH') this.awaiting = true;
    else if (verb === 'APOP') {
      this.user = m[2]!.trim().split(/\s+/)[0] ?? '';
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
    const m = /^(\S+)\s+(LOGIN|AUTHENTICATE)\b\s*(.*)$/i.exec(line);
    if (m === null) return;
    let user = '';
    if (m[2]!.toUpperCase() === 'LOGIN') {
      const u = /^(?:"((?:[^"\\]|\\.)*)"|(\S+))/.exec(m[3]!);
      user = u === null ? '' : (u[1] ?? u[2] ?? '');
    }
    if (this.pending.size < 64) this.pending.set(m[1]!, user);
  }

  protected serverLine(line: string): void {
    if (line.startsWith('* PREAUTH')) {
      this.f.fire(R.imap_logged_in);
      return;
    }
    const m = /^(\S+)\s+(OK|NO|BAD)\b/i.exec(line);
    if (m === null || !this.pending.has(m[1]!)) return;
    const user = this.pending.get(m[1]!)!;
    this.pending.delete(m[1]!);
    if (m[2]!.toUpperCase() === 'OK') {
      this.f.fire(R.imap_logged_in);
      loginAs(user, this.env, this.f);
    } else this.f.fire(R.imap_login_failed);
  }
}

export class SmtpAnalyzer extends LineAnalyzer {
  private awaiting = false;
  private inData = false;
  private dataPending = false;

  protected clientLine(line: string): void {
    if (this.inData) {
      if (line === '.') {
        this.inData = false;
        this.client.quiet = false;
      }
      return;
    }
    const verb = (/^\S+/.exec(line)?.[0] ?? '').toUpperCase();
    if (verb === 'AUTH') this.awaiting = true;
    else if (verb === 'DATA') this.dataPending = true;
    else if (verb === 'DEBUG' || verb === 'WIZ' || verb === 'KILL') this.f.fire(R.hot_smtp_debug);
    else if ((verb === 'MAIL' || verb === 'RCPT') && /[<"]\s*\|/.test(line)) this.f.fire(R.hot_program_execution);
  }

  protected serverLine(line: string): void {
    const code = line.slice(0, 3);
    if (this.dataPending) {
      this.dataPending = false;
      // 354: the client now sends the message; pipelined clients may already have.
      if (code === '354') {
        // The message body: lines are delimited but not decoded, except the final ".".
        this.inData = true;
        this.client.quiet = true;
        this.client.keepDot = true;
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
