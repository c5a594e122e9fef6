/**
 * The content-feature rules (KDD features 10–22): ONE list that the analyzers fire by id and that
 * renders the README table (`renderRulesTable`, kept in sync by test/features/content/readme.test.ts
 * and written by `npx tsx scripts/gen-readme.ts`).
 *
 * A rule's effects are applied each time it fires: `+1` adds one to a count, `=1` sets a 0/1 flag.
 */
import type { ContentFeatures } from '../../flow/record.ts';

export type ContentFeature = keyof ContentFeatures;

/** Feature order = KDD order (10–22). */
export const CONTENT_FEATURES: readonly ContentFeature[] = [
  'hot', 'num_failed_logins', 'logged_in', 'num_compromised', 'root_shell', 'su_attempted', 'num_root',
  'num_file_creations', 'num_shells', 'num_access_files', 'num_outbound_cmds', 'is_host_login', 'is_guest_login',
];

const FLAGS: ReadonlySet<ContentFeature> = new Set<ContentFeature>(['logged_in', 'root_shell', 'su_attempted', 'is_host_login', 'is_guest_login']);

export interface RuleDef {
  /** Features the rule changes; counts get +1, 0/1 flags are set to 1. */
  effects: ContentFeature[];
  /** Analyzers the rule belongs to. */
  protocols: string;
  /** When it fires (what in the payload, which direction). */
  when: string;
  /** A payload excerpt that fires it. */
  example: string;
}

export interface Rule extends RuleDef {
  id: string;
  /** Index of the rule in RULES. */
  index: number;
  /** Indexes (in CONTENT_FEATURES) of the features it changes. */
  featureIndexes: number[];
}

const defs = {
  // ---- login outcome -------------------------------------------------------------------------------
  ftp_login_failed: {
    effects: ['num_failed_logins'], protocols: 'ftp',
    when: 'Server reply `530` (final line of the reply) while logging in (after USER/PASS/ACCT).',
    example: '`PASS 1` → `530 Login incorrect.`',
  },
  ftp_logged_in: {
    effects: ['logged_in'], protocols: 'ftp',
    when: 'Server reply `230` (user logged in).',
    example: '`PASS guest@` → `230 Login successful.`',
  },
  pop3_login_failed: {
    effects: ['num_failed_logins'], protocols: 'pop3',
    when: 'Server `-ERR` answering PASS, APOP or AUTH.',
    example: '`PASS x` → `-ERR [AUTH] Authentication failed.`',
  },
  pop3_logged_in: {
    effects: ['logged_in'], protocols: 'pop3',
    when: 'Server `+OK` answering PASS, APOP or a finished AUTH.',
    example: '`PASS s3cret` → `+OK Logged in.`',
  },
  imap_login_failed: {
    effects: ['num_failed_logins'], protocols: 'imap',
    when: 'Tagged `NO`/`BAD` answering the LOGIN or AUTHENTICATE command with that tag.',
    example: '`a1 LOGIN bob x` → `a1 NO [AUTHENTICATIONFAILED] Invalid credentials`',
  },
  imap_logged_in: {
    effects: ['logged_in'], protocols: 'imap',
    when: 'Tagged `OK` answering LOGIN or AUTHENTICATE; or a `* PREAUTH` greeting.',
    example: '`a1 LOGIN bob s3cret` → `a1 OK LOGIN completed`',
  },
  smtp_auth_failed: {
    effects: ['num_failed_logins'], protocols: 'smtp',
    when: 'Server `535` (or `534`, `454`) after AUTH.',
    example: '`AUTH PLAIN AGJvYgB4` → `535 5.7.8 Authentication failed`',
  },
  smtp_logged_in: {
    effects: ['logged_in'], protocols: 'smtp',
    when: 'Server `235` after AUTH.',
    example: '`AUTH PLAIN …` → `235 2.7.0 Authentication successful`',
  },
  shell_login_failed: {
    effects: ['num_failed_logins'], protocols: 'telnet, rlogin',
    when: 'Server line `Login incorrect`, `Login failed`, `Authentication failure` or `incorrect password` before a shell prompt.',
    example: '`Password: ` … `Login incorrect`',
  },
  shell_logged_in: {
    effects: ['logged_in'], protocols: 'telnet, rlogin',
    when: 'A shell prompt from the server (a line ending in `$ `, `# `, `% ` or `> `) or a `Last login:` line after the user name was sent.',
    example: '`Password: ` `secret` → `Welcome` `bob@host:~$ `',
  },
  rsh_logged_in: {
    effects: ['logged_in'], protocols: 'rsh, rexec',
    when: 'The server answers the request with the single byte `\\0` (accepted).',
    example: '`1022\\0bob\\0bob\\0ls\\0` → `\\0`',
  },
  rsh_login_failed: {
    effects: ['num_failed_logins'], protocols: 'rsh, rexec',
    when: 'The server answers the request with byte `\\1` and a message (refused).',
    example: '→ `\\1Permission denied.`',
  },
  http_logged_in: {
    effects: ['logged_in'], protocols: 'http',
    when: 'A `2xx` response (NSL-KDD marks successful HTTP requests logged_in: 34,620 of 37,564 normal http rows); with `httpLoggedIn: "credentials"` only when the request carried `Authorization`.',
    example: '`GET / HTTP/1.1` → `HTTP/1.1 200 OK`',
  },
  http_auth_failed: {
    effects: ['num_failed_logins'], protocols: 'http',
    when: 'A `401` response to a request that carried an `Authorization` header.',
    example: '`Authorization: Basic Ym9iOng=` → `HTTP/1.1 401 Unauthorized`',
  },
  // ---- who logged in -------------------------------------------------------------------------------
  guest_login: {
    effects: ['is_guest_login'], protocols: 'ftp, pop3, imap, telnet, rlogin, rsh',
    when: 'A login succeeded (any `*_logged_in` rule) as a guest account (default `anonymous`, `ftp`, `guest`; option `guestUsers`).',
    example: '`USER anonymous`',
  },
  host_login: {
    effects: ['is_host_login'], protocols: 'ftp, pop3, imap, telnet, rlogin, rsh',
    when: 'A login succeeded as a user on the hot list (default `root`, `admin`; option `hotUsers`).',
    example: '`login: root`',
  },
  // ---- privilege ------------------------------------------------------------------------------------
  su_attempt: {
    effects: ['su_attempted', 'hot'], protocols: 'telnet, rlogin, rsh',
    when: 'A command `su` with no user, `-` or `root` as target, or `sudo`.',
    example: '`su root`, `su -`, `sudo -i`',
  },
  root_shell: {
    effects: ['root_shell', 'hot'], protocols: 'telnet, rlogin',
    when: 'Once per session: a root prompt (line ending in `# `) or `uid=0(` in the output, in a session whose login user is not root (or after su/sudo).',
    example: '`su root` … `Password:` … `host:~# `',
  },
  root_jump: {
    effects: ['num_compromised'], protocols: 'telnet, rlogin',
    when: 'A root shell obtained without any su/sudo command before it (a jump to root, e.g. by an exploit).',
    example: '`./exploit` → `uid=0(root)` or `# `',
  },
  root_command: {
    effects: ['num_root'], protocols: 'telnet, rlogin, rsh',
    when: 'Each command run as root: entered at a root prompt or after a root shell was obtained, or an rsh/rexec command for user root.',
    example: '`# cat /var/log/messages`',
  },
  // ---- files and shells -----------------------------------------------------------------------------
  file_creation: {
    effects: ['num_file_creations'], protocols: 'ftp, telnet, rlogin, rsh',
    when: 'FTP `STOR`, `STOU`, `APPE`, `MKD`/`XMKD`; shell commands `touch`, `cp`, `mkdir`, `ln`, `mknod`, `mkfifo`, `tee`, `install`, `dd of=`, `wget`, `curl -o`; each `>`/`>>` redirection to a file.',
    example: '`STOR x.tgz`, `echo hi > /tmp/x`, `mkdir d`',
  },
  shell_started: {
    effects: ['num_shells'], protocols: 'telnet, rlogin, rsh',
    when: 'A command that starts a shell: `sh`, `bash`, `csh`, `tcsh`, `ksh`, `zsh`, `dash` (bare or by path, also via `exec`). (The task page says "shell prompts"; the data, 0–5 per session, counts shells started.)',
    example: '`/bin/sh -i`, `exec bash`',
  },
  access_file: {
    effects: ['num_access_files', 'hot'], protocols: 'ftp, http, telnet, rlogin, rsh',
    when: 'A command, FTP path or HTTP URI naming an access-control file: `/etc/passwd`, `/etc/shadow`, `/etc/group`, `/etc/sudoers`, `.rhosts`, `.shosts`, `hosts.equiv`, `.netrc`, `.htpasswd`, `.htaccess`, `authorized_keys`, `hosts.allow`/`hosts.deny`.',
    example: '`cat /etc/passwd`, `RETR .rhosts`, `GET /cgi-bin/phf?Qalias=x%0a/bin/cat%20/etc/passwd`',
  },
  // ---- hot indicators ---------------------------------------------------------------------------------
  hot_system_dir: {
    effects: ['hot'], protocols: 'ftp, http, telnet, rlogin, rsh',
    when: 'A command, FTP path or HTTP URI in a system directory (`/etc`, `/bin`, `/sbin`, `/usr/bin`, `/usr/sbin`, `/usr/lib`, `/dev`, `/boot`, `/root`, `/var/log`, `/proc`) — unless it already fired `access_file`.',
    example: '`ls /etc/init.d`, `CWD /bin`',
  },
  hot_program_creation: {
    effects: ['hot'], protocols: 'telnet, rlogin, rsh',
    when: 'A program is created: compiler/linker/assembler (`cc`, `gcc`, `g++`, `make`, `ld`, `as`), `uudecode`, or `chmod` giving execute permission.',
    example: '`gcc -o x x.c`, `chmod +x x`',
  },
  hot_program_execution: {
    effects: ['hot'], protocols: 'telnet, rlogin, rsh, smtp',
    when: 'A program run from the working directory or a temporary directory (`./x`, `/tmp/x`, `/var/tmp/x`), a script interpreter (`perl`, `python`…) on a file, or an SMTP address piping to a program (`RCPT TO:<|cmd>`).',
    example: '`./loadmodule`, `perl x.pl`',
  },
  hot_guest_transfer: {
    effects: ['hot'], protocols: 'ftp',
    when: 'A file transfer (`RETR`, `STOR`, `STOU`, `APPE`) in a guest (anonymous) session (NSL-KDD anonymous-FTP rows carry hot 4–30).',
    example: '`USER anonymous` … `RETR pub/file.tgz`',
  },
  hot_ftp_bounce: {
    effects: ['hot'], protocols: 'ftp',
    when: '`PORT`/`EPRT` naming a host other than the client (FTP bounce).',
    example: 'client 10.0.0.1 sends `PORT 10,0,0,200,78,33`',
  },
  hot_ftp_site: {
    effects: ['hot'], protocols: 'ftp',
    when: '`SITE EXEC` or `SITE CHMOD`.',
    example: '`SITE EXEC /bin/sh`',
  },
  hot_http_cgi: {
    effects: ['hot'], protocols: 'http',
    when: 'A request for a CGI program known from attacks (`phf`, `test-cgi`, `nph-test-cgi`, `php.cgi`, `campas`, `handler`, `glimpse`, `aglimpse`, `websendmail`, `wwwboard`, `formmail`).',
    example: '`GET /cgi-bin/phf?Qalias=x HTTP/1.0`',
  },
  hot_smtp_debug: {
    effects: ['hot'], protocols: 'smtp',
    when: 'The sendmail backdoor commands `DEBUG`, `WIZ`, `KILL`.',
    example: '`DEBUG`',
  },
  // ---- compromised ------------------------------------------------------------------------------------
  not_found: {
    effects: ['num_compromised'], protocols: 'telnet, rlogin, rsh',
    when: 'A server output line with `not found` (e.g. `sh: x: command not found`).',
    example: '`bash: ./xploit: not found`',
  },
  crash_output: {
    effects: ['num_compromised'], protocols: 'telnet, rlogin, rsh',
    when: 'A server output line reporting a crash: `Segmentation fault`, `core dumped`, `Illegal instruction`, `Bus error` (overflow attempts).',
    example: '`Segmentation fault (core dumped)`',
  },
  path_traversal: {
    effects: ['num_compromised', 'hot'], protocols: 'http, ftp',
    when: 'An HTTP URI (percent-decoded) or an absolute FTP path whose `..` segments climb above the root.',
    example: '`GET /../../etc/hosts HTTP/1.0`',
  },
  slash_flood: {
    effects: ['num_compromised', 'hot'], protocols: 'http',
    when: 'An HTTP URI with 32 or more consecutive `/` (the Apache `back` denial of service).',
    example: '`GET //////////…////// HTTP/1.0`',
  },
  // ---- outbound ----------------------------------------------------------------------------------------
  ftp_outbound_cmd: {
    effects: ['num_outbound_cmds'], protocols: 'ftp',
    when: 'A line from the FTP server (responder) that is an FTP command, not a 3-digit reply. 0 in all of NSL-KDD.',
    example: 'server sends `PORT 10,0,0,1,4,1`',
  },
} satisfies Record<string, RuleDef>;

export type RuleId = keyof typeof defs;

export const RULES: readonly Rule[] = Object.entries(defs).map(([id, def], index) => ({
  id,
  index,
  ...(def as RuleDef),
  featureIndexes: (def.effects as ContentFeature[]).map((f) => CONTENT_FEATURES.indexOf(f)),
}));

/** Rules by id: `R.ftp_login_failed`. */
export const R = Object.fromEntries(RULES.map((r) => [r.id, r])) as Record<RuleId, Rule>;

const FLAG_INDEX: boolean[] = CONTENT_FEATURES.map((f) => FLAGS.has(f));

/** Per-flow feature counters and rule hit counts. */
export class Findings {
  /** Feature values in CONTENT_FEATURES order (a plain array: cheaper to create per flow than a typed one). */
  readonly values: number[] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  /** Hit count per rule (allocated at the first hit: most flows fire few rules or none). */
  private hits: number[] | null = null;

  fire(rule: Rule): void {
    const hits = (this.hits ??= new Array<number>(RULES.length).fill(0));
    hits[rule.index]!++;
    for (const i of rule.featureIndexes) {
      if (FLAG_INDEX[i]) this.values[i] = 1;
      else this.values[i]!++;
    }
  }

  has(rule: Rule): boolean {
    return this.hits !== null && this.hits[rule.index]! > 0;
  }

  toFeatures(): ContentFeatures {
    const v = this.values;
    return {
      hot: v[0]!, num_failed_logins: v[1]!, logged_in: v[2]! ? 1 : 0, num_compromised: v[3]!, root_shell: v[4]! ? 1 : 0,
      su_attempted: v[5]! ? 1 : 0, num_root: v[6]!, num_file_creations: v[7]!, num_shells: v[8]!, num_access_files: v[9]!,
      num_outbound_cmds: v[10]!, is_host_login: v[11]! ? 1 : 0, is_guest_login: v[12]! ? 1 : 0,
    };
  }

  /** Ids of the rules that fired with their counts, e.g. `ftp_login_failed×3`. */
  ruleHits(): string[] {
    const out: string[] = [];
    const hits = this.hits;
    if (hits === null) return out;
    for (let i = 0; i < RULES.length; i++) if (hits[i]! > 0) out.push(hits[i] === 1 ? RULES[i]!.id : `${RULES[i]!.id}×${hits[i]}`);
    return out;
  }
}

function effectText(f: ContentFeature): string {
  return FLAGS.has(f) ? `${f} = 1` : `${f} +1`;
}

/** The README section between the content-rules markers: how the stage works, then one row per rule. */
export function renderReadmeSection(): string {
  return [
    'flowsift computes the 13 KDD content features from cleartext TCP payloads (`flowsift flows`; `--no-content` turns the',
    'stage off, `--content-bytes N` sets how many bytes per direction are inspected, default 65,536). Each TCP direction is',
    'reassembled in order (retransmissions and overlaps trimmed, out-of-order segments held up to a bound, holes skipped),',
    'and an analyzer is chosen by responder port (21 ftp, 23 telnet, 25/587 smtp, 80/8080/… http, 110 pop3, 143 imap,',
    '512 rexec, 513 rlogin, 514 rsh) or, on other ports, by the first payload bytes. Encrypted traffic (ports 22, 443, 993,',
    '995, …, or an SSH banner / TLS record first) is not inspected: its features are 0 and `payload_inspected` is false, so',
    '"no event" (true, zeros) is told apart from "could not see" (false). Every count below is per connection; a rule that',
    'sets a 0/1 feature sets it once.',
    '',
    renderRulesTable(),
  ].join('\n');
}

/** The README table (between the content-rules markers), one row per rule. */
export function renderRulesTable(): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const lines = [
    '| rule | effect | protocols | fires when | example |',
    '|---|---|---|---|---|',
    ...RULES.map((r) => `| \`${r.id}\` | ${r.effects.map(effectText).join(', ')} | ${r.protocols} | ${esc(r.when)} | ${esc(r.example)} |`),
  ];
  return lines.join('\n');
}
