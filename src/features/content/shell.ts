/**
 * A remote login session as text (telnet after option stripping, rlogin, rsh): login phase
 * (user name, password, outcome) and shell phase (commands typed by the client, output and prompts
 * from the server). Rules: shell_login_failed, shell_logged_in, su_attempt, root_shell, root_jump,
 * root_command, file_creation, shell_started, access_file, hot_*, not_found, crash_output.
 */
import { type Findings, R } from './rules.ts';
import { checkPaths, loginAs, type LoginLists } from './patterns.ts';

const LOGIN_FAILED = /login incorrect|login failed|authentication fail|incorrect password|password incorrect|access denied/i;
const LOGIN_PROMPT = /(?:login|username|user name)\s*:\s*$/i;
const PASSWORD_PROMPT = /pass(?:word|phrase)(?: for [^:]*)?\s*:\s*$/i;
/** A shell prompt: short line ending in `$ `, `# `, `% ` or `> `. */
const SHELL_PROMPT = /[$#%>] $/;
const NOT_FOUND = /not found/i;
const CRASH = /segmentation fault|core dumped|illegal instruction|bus error/i;
/** Any of the output events above (uid=0, not found, crash). */
const OUTPUT_EVENT = /uid=0\(|not found|segmentation fault|core dumped|illegal instruction|bus error/i;

const SHELLS = new Set(['sh', 'bash', 'csh', 'tcsh', 'ksh', 'zsh', 'dash', 'ash', 'rbash', 'busybox']);
const CREATORS = new Set(['touch', 'cp', 'mkdir', 'ln', 'mknod', 'mkfifo', 'install', 'wget']);
const COMPILERS = new Set(['cc', 'gcc', 'g++', 'c++', 'clang', 'make', 'ld', 'as', 'uudecode']);
const INTERPRETERS = new Set(['perl', 'python', 'python2', 'python3', 'ruby', 'php', 'tclsh', 'lua', 'node']);
const PREFIXES = new Set(['exec', 'nohup', 'time', 'nice', 'env', 'command', 'builtin']);
const REDIRECT = /(?:^|[^<>&0-9])[0-9]?>>?(?!&)\s*([^\s&|;<>]+)/g;
/** Splits a command line into simple commands. */
const SEPARATORS = /\s*(?:;|&&|\|\||\||&|`|\$\()\s*/;
/** A character every separator above contains: without one, the line is one simple command. */
const HAS_SEPARATOR = /[;&|`]|\$\(/;
const SPACE = /\s/;
const SPACES = /\s+/;
/** Regexes used per command, made once (a regex literal in a function is a new RegExp per call). */
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const CHMOD_SYMBOLIC_X = /^[ugoa]*[+=][rwxXst]*x/;
const CHMOD_OCTAL = /^[0-7]{3,4}$/;
const CHMOD_OCTAL_X = /[1357]/;
const LOCAL_PROGRAM = /^(?:\.\.?\/|\/tmp\/|\/var\/tmp\/|\/dev\/shm\/)/;

const LOGIN = 0;
const SHELL = 1;

export class ShellSession {
  user = '';
  private phase = LOGIN;
  private expectPassword = false;
  private credentialsSent = false;
  private rootMode = false;
  private suSeen = false;
  private rootShell = false;

  constructor(
    private readonly f: Findings,
    private readonly lists: LoginLists,
  ) {}

  /** The login user is known from the protocol (rlogin/rsh request). */
  setUser(user: string): void {
    this.user = user;
    this.credentialsSent = true;
  }

  /** The login succeeded without a prompt (rsh accepted). */
  loggedIn(): void {
    if (this.phase === SHELL) return;
    this.phase = SHELL;
    loginAs(this.user, this.lists, this.f);
    if (this.user.toLowerCase() === 'root') this.rootMode = true;
  }

  /** A complete line of server output. */
  serverLine(line: string): void {
    if (this.phase === LOGIN) {
      if (LOGIN_FAILED.test(line)) {
        this.f.fire(R.shell_login_failed);
        this.expectPassword = false;
        this.credentialsSent = false;
        this.user = '';
      } else if (this.credentialsSent && line.startsWith('Last login:')) {
        this.f.fire(R.shell_logged_in);
        this.loggedIn();
      }
      return;
    }
    if (!OUTPUT_EVENT.test(line)) return; // one pass over ordinary output lines
    if (line.includes('uid=0(')) this.rootSeen();
    if (NOT_FOUND.test(line)) this.f.fire(R.not_found);
    if (CRASH.test(line)) this.f.fire(R.crash_output);
  }

  /** The server stopped in the middle of a line: maybe a prompt. */
  serverPartial(text: string): void {
    if (text.length > 256) return;
    if (PASSWORD_PROMPT.test(text)) {
      this.expectPassword = true;
      return;
    }
    if (this.phase === LOGIN && LOGIN_PROMPT.test(text)) {
      this.expectPassword = false;
      return;
    }
    if (!SHELL_PROMPT.test(text)) return;
    const root = text.trimEnd().endsWith('#');
    if (this.phase === LOGIN) {
      if (!this.credentialsSent) return;
      this.f.fire(R.shell_logged_in);
      this.loggedIn();
    }
    if (root) this.rootSeen();
    else this.rootMode = false;
  }

  /** A line typed by the client. */
  clientLine(line: string): void {
    if (this.expectPassword) {
      this.expectPassword = false;
      if (this.phase === LOGIN) this.credentialsSent = true;
      return;
    }
    if (this.phase === LOGIN) {
      const u = line.trim();
      if (u !== '') {
        this.user = u;
        this.credentialsSent = true;
      }
      return;
    }
    this.command(line);
  }

  /** Analyze one command line (also rsh/rexec commands). */
  command(line: string): void {
    const text = line.trim();
    if (text === '') return;
    if (this.rootMode) this.f.fire(R.root_command);
    // Typed commands are mostly one word or one simple command: split only what has something to split.
    if (!HAS_SEPARATOR.test(text)) this.simple(text);
    else for (const part of text.split(SEPARATORS)) this.simple(part);
    if (text.includes('>')) {
      REDIRECT.lastIndex = 0;
      for (let m = REDIRECT.exec(text); m !== null; m = REDIRECT.exec(text)) {
        if (!m[1]!.startsWith('/dev/')) this.f.fire(R.file_creation);
      }
    }
    checkPaths(text, this.f);
  }

  private simple(part: string): void {
    const words = SPACE.test(part) ? part.split(SPACES).filter((w) => w !== '') : part === '' ? [] : [part];
    let i = 0;
    while (i < words.length && (PREFIXES.has(words[i]!) || ASSIGNMENT.test(words[i]!))) i++;
    if (i >= words.length) return;
    const path = words[i]!;
    const cmd = path.slice(path.lastIndexOf('/') + 1);
    const args = words.slice(i + 1);
    if (cmd === 'su') {
      const target = args.find((a) => !a.startsWith('-'));
      if (target === undefined || target === 'root') {
        this.f.fire(R.su_attempt);
        this.suSeen = true;
      }
      return;
    }
    if (cmd === 'sudo') {
      this.f.fire(R.su_attempt);
      this.suSeen = true;
      const rest = args.findIndex((a) => !a.startsWith('-'));
      if (rest >= 0) this.simple(args.slice(rest).join(' '));
      return;
    }
    if (SHELLS.has(cmd)) this.f.fire(R.shell_started);
    if (CREATORS.has(cmd) || (cmd === 'tee' && args.some((a) => !a.startsWith('-'))) || (cmd === 'dd' && args.some((a) => a.startsWith('of=')))
      || (cmd === 'curl' && args.some((a) => a === '-o' || a === '-O' || a.startsWith('--output')))) {
      this.f.fire(R.file_creation);
    }
    if (COMPILERS.has(cmd) || (cmd === 'chmod' && args.some((a) => CHMOD_SYMBOLIC_X.test(a) || (CHMOD_OCTAL.test(a) && CHMOD_OCTAL_X.test(a))))) {
      this.f.fire(R.hot_program_creation);
    }
    if (LOCAL_PROGRAM.test(path) || (INTERPRETERS.has(cmd) && args.some((a) => !a.startsWith('-')))) {
      this.f.fire(R.hot_program_execution);
    }
  }

  private rootSeen(): void {
    this.rootMode = true;
    if (this.rootShell) return;
    if (this.user.toLowerCase() === 'root' && !this.suSeen) return;
    this.rootShell = true;
    this.f.fire(R.root_shell);
    if (!this.suSeen) this.f.fire(R.root_jump);
  }
}
