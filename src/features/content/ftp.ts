/**
 * FTP control connection (RFC 959): client commands and server replies, line by line.
 * Rules: ftp_login_failed, ftp_logged_in, guest_login, host_login, file_creation, access_file,
 * hot_system_dir, hot_guest_transfer, hot_ftp_bounce, hot_ftp_site, path_traversal, ftp_outbound_cmd.
 */
import { LineAnalyzer } from './analyzer.ts';
import { checkPaths, climbsAboveRoot, loginAs } from './patterns.ts';
import { R } from './rules.ts';

const CREATES = new Set(['STOR', 'STOU', 'APPE', 'MKD', 'XMKD']);
const TRANSFERS = new Set(['RETR', 'STOR', 'STOU', 'APPE']);
const PATH_ARG = new Set(['RETR', 'STOR', 'STOU', 'APPE', 'MKD', 'XMKD', 'RMD', 'XRMD', 'CWD', 'XCWD', 'DELE', 'LIST', 'NLST', 'MLSD', 'MLST', 'SIZE', 'MDTM', 'RNFR', 'RNTO', 'STAT', 'SMNT']);
/** RFC 959 / 2428 / 3659 command verbs: a server line starting with one of these is a command. */
const COMMANDS = new Set([
  'USER', 'PASS', 'ACCT', 'CWD', 'CDUP', 'SMNT', 'QUIT', 'REIN', 'PORT', 'PASV', 'TYPE', 'STRU', 'MODE', 'RETR', 'STOR', 'STOU',
  'APPE', 'ALLO', 'REST', 'RNFR', 'RNTO', 'ABOR', 'DELE', 'RMD', 'MKD', 'PWD', 'LIST', 'NLST', 'SITE', 'SYST', 'STAT', 'HELP',
  'NOOP', 'EPRT', 'EPSV', 'FEAT', 'OPTS', 'MLSD', 'MLST', 'SIZE', 'MDTM', 'XCWD', 'XMKD', 'XRMD', 'XPWD', 'AUTH',
]);
const REPLY = /^([1-5]\d\d)([ -]|$)/;
const EPRT_IP4 = /^(.)1\1([0-9.]+)\1/;
const SITE_HOT = /^(?:EXEC|CHMOD)\b/i;
const COMMAND_WORD = /^[A-Za-z]{3,4}\b/;

export class FtpAnalyzer extends LineAnalyzer {
  private user = '';
  private loginPending = false;
  private loggedIn = false;
  private guest = false;
  /** Code of the multi-line reply being read ('' when none). */
  private multi = '';

  protected clientLine(line: string): void {
    this.command(line);
  }

  protected serverLine(line: string): void {
    this.reply(line);
  }

  private command(line: string): void {
    const sp = line.indexOf(' ');
    const verb = (sp < 0 ? line : line.slice(0, sp)).trim().toUpperCase();
    const arg = sp < 0 ? '' : line.slice(sp + 1).trim();
    if (verb === 'USER') {
      this.user = arg;
      this.loginPending = true;
      return;
    }
    if (verb === 'PASS' || verb === 'ACCT') {
      this.loginPending = true;
      return;
    }
    if (CREATES.has(verb)) this.f.fire(R.file_creation);
    if (TRANSFERS.has(verb) && this.guest) this.f.fire(R.hot_guest_transfer);
    if (PATH_ARG.has(verb) && arg !== '') {
      checkPaths(arg, this.f);
      if (arg.startsWith('/') && climbsAboveRoot(arg)) this.f.fire(R.path_traversal);
    } else if (verb === 'PORT') {
      const h = arg.split(',').map((x) => Number(x.trim()));
      if (h.length === 6 && this.env.clientIp4 >= 0) {
        const ip = (((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0);
        if (ip !== this.env.clientIp4) this.f.fire(R.hot_ftp_bounce);
      }
    } else if (verb === 'EPRT') {
      const m = EPRT_IP4.exec(arg);
      if (m !== null && this.env.clientIp4 >= 0) {
        const p = m[2]!.split('.').map(Number);
        const ip = (((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0);
        if (ip !== this.env.clientIp4) this.f.fire(R.hot_ftp_bounce);
      }
    } else if (verb === 'SITE') {
      if (SITE_HOT.test(arg)) this.f.fire(R.hot_ftp_site);
      checkPaths(arg, this.f);
    }
  }

  private reply(line: string): void {
    const m = REPLY.exec(line);
    if (this.multi !== '') {
      // Inside a multi-line reply: only `code<SP>` ends it; other lines are text.
      if (m !== null && m[1] === this.multi && m[2] !== '-') this.multi = '';
      else return;
    } else if (m === null) {
      const verb = COMMAND_WORD.exec(line);
      if (verb !== null && COMMANDS.has(verb[0].toUpperCase())) this.f.fire(R.ftp_outbound_cmd);
      return;
    } else if (m[2] === '-') {
      this.multi = m[1]!;
    }
    const code = m![1]!;
    if (code === '230') {
      if (!this.loggedIn) {
        this.loggedIn = true;
        this.f.fire(R.ftp_logged_in);
        loginAs(this.user, this.env, this.f);
        this.guest = this.env.guestUsers.has(this.user.toLowerCase());
      }
      this.loginPending = false;
    } else if (code === '530') {
      if (this.loginPending && this.multi === '') this.f.fire(R.ftp_login_failed);
      if (this.multi === '') this.loginPending = false;
    }
  }
}
