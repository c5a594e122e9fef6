/**
 * Crafted sessions for what the corpus has no sample of: telnet logins (failed, successful, su to
 * root, exploit to root), rlogin, rsh, POP3, IMAP, SMTP, FTP uploads as root, HTTP attacks.
 * Each is a complete TCP connection (craft.ts) run through the whole pipeline; every expected value
 * is derived in the comments from the session text and the rule list (src/features/content/rules.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Step } from './craft.ts';
import { content, expected, pcapFile, rows, sessionFrames } from './craft.ts';

const IAC_NEGOTIATION = '\xff\xfd\x18\xff\xfd\x1f\xff\xfb\x01\xff\xfb\x03';
const CLIENT_NEGOTIATION = '\xff\xfb\x18\xff\xfa\x18\x00xterm\xff\xf0';

/** Telnet: two failed logins, a successful one as bob, `su root`, work at the root prompt, exit. */
const telnetSu: Step[] = [
  { from: 's', data: IAC_NEGOTIATION },
  { from: 'c', data: CLIENT_NEGOTIATION },
  { from: 's', data: 'Debian GNU/Linux 12\r\nhost login: ' },
  { from: 'c', data: 'bob\r\0' },
  { from: 's', data: 'bob\r\nPassword: ' },
  { from: 'c', data: 'wrong\r\0' },
  { from: 's', data: '\r\nLogin incorrect\r\nhost login: ' }, // shell_login_failed #1
  { from: 'c', data: 'bob\r\0' },
  { from: 's', data: 'bob\r\nPassword: ' },
  { from: 'c', data: 'guess\r\0' },
  { from: 's', data: '\r\nLogin incorrect\r\nhost login: ' }, // shell_login_failed #2
  { from: 'c', data: 'bob\r\0' },
  { from: 's', data: 'bob\r\nPassword: ' },
  { from: 'c', data: 's3cret\r\0' },
  { from: 's', data: '\r\nLast login: Mon Nov 16 10:00:00 2026 from 192.168.1.10\r\nbob@host:~$ ' }, // shell_logged_in
  { from: 'c', data: 'ls /etc/init.d\r\0' }, // hot_system_dir (hot 1)
  { from: 's', data: 'ls /etc/init.d\r\ncron  ssh\r\nbob@host:~$ ' },
  { from: 'c', data: 'su root\r\0' }, // su_attempt (su_attempted, hot 2)
  { from: 's', data: 'su root\r\nPassword: ' },
  { from: 'c', data: 'toor\r\0' }, // a password: not a command
  { from: 's', data: '\r\nroot@host:/home/bob# ' }, // root_shell (hot 3); after su: no root_jump
  { from: 'c', data: 'cat /etc/shadow\r\0' }, // root_command 1; access_file (hot 4)
  { from: 's', data: 'cat /etc/shadow\r\nroot:*:19000:0:99999:7:::\r\nroot@host:/home/bob# ' },
  { from: 'c', data: 'mkdir /tmp/.x; echo hi > /tmp/.x/f\r\0' }, // root_command 2; file_creation ×2 (mkdir, >)
  { from: 's', data: 'mkdir /tmp/.x; echo hi > /tmp/.x/f\r\nroot@host:/home/bob# ' },
  { from: 'c', data: 'exit\r\0' }, // root_command 3
  { from: 's', data: 'exit\r\nbob@host:~$ ' }, // back to a user prompt
  { from: 'c', data: 'frobnicate\r\0' }, // not root: no root_command
  { from: 's', data: 'frobnicate\r\n-bash: frobnicate: command not found\r\nbob@host:~$ ' }, // not_found
  { from: 'c', data: 'exit\r\0' },
  { from: 's', data: 'logout\r\n' },
];
const telnetSuExpected = expected({
  num_failed_logins: 2, logged_in: 1, su_attempted: 1, root_shell: 1, num_root: 3, num_access_files: 1,
  num_file_creations: 2, num_compromised: 1, hot: 4,
});

describe('crafted sessions through the whole pipeline', () => {
  it('telnet: failed logins, login, su root, root prompt, commands as root (typed one key per segment)', async () => {
    const r = await rows([pcapFile(sessionFrames({ sport: 23, keystrokes: true }, telnetSu))]);
    expect(r).toHaveLength(1);
    expect(r[0]!.service).toBe('telnet');
    expect(content(r[0]!)).toEqual(telnetSuExpected);
  });

  it('telnet: the same session with reordered, retransmitted segments gives the same features', async () => {
    const frames = sessionFrames({ sport: 23, keystrokes: true }, telnetSu);
    // Frames 0–2 are the handshake; then each step is (data, ack). Swap the data frames of the
    // keystrokes 's' and 'u' of `su root` (out of order) and retransmit the root prompt twice.
    const isData = (i: number) => frames[i]!.data.length > 54;
    const dataIdx = frames.map((_, i) => i).filter(isData);
    const su = dataIdx.find((i) => frames[i]!.data[54] === 0x73 && frames[dataIdx[dataIdx.indexOf(i) + 1]!]!.data[54] === 0x75)!;
    const u = dataIdx[dataIdx.indexOf(su) + 1]!;
    [frames[su], frames[u]] = [frames[u]!, frames[su]!];
    const prompt = dataIdx.find((i) => Buffer.from(frames[i]!.data.subarray(54)).toString('latin1').includes('root@host:/home/bob# '))!;
    frames.splice(prompt + 1, 0, { ...frames[prompt]!, ts: frames[prompt]!.ts + 0.001 }, { ...frames[prompt]!, ts: frames[prompt]!.ts + 0.002 });
    const r = await rows([pcapFile(frames)]);
    expect(content(r[0]!)).toEqual(telnetSuExpected);
  });

  it('telnet: password guessing as root, three "Login incorrect", never logged in', async () => {
    const steps: Step[] = [{ from: 's', data: IAC_NEGOTIATION + 'login: ' }];
    for (const pw of ['123456', 'root', 'toor']) {
      steps.push({ from: 'c', data: 'root\r\n' }, { from: 's', data: 'Password: ' }, { from: 'c', data: `${pw}\r\n` });
      steps.push({ from: 's', data: '\r\nLogin incorrect\r\nlogin: ' });
    }
    const r = await rows([pcapFile(sessionFrames({ sport: 23 }, steps))]);
    // 3 × shell_login_failed; no prompt → logged_in 0; is_host_login needs a successful login.
    expect(content(r[0]!)).toEqual(expected({ num_failed_logins: 3 }));
  });

  it('telnet: an exploit to root without su (root jump), a shell started, setuid chmod', async () => {
    const steps: Step[] = [
      { from: 's', data: 'login: ' }, { from: 'c', data: 'alice\r\n' },
      { from: 's', data: 'Password: ' }, { from: 'c', data: 'pw\r\n' },
      { from: 's', data: 'Welcome to host\r\n$ ' }, // shell_logged_in
      { from: 'c', data: 'gcc -o ex ex.c\r\n' }, // hot_program_creation (hot 1)
      { from: 's', data: '$ ' },
      { from: 'c', data: './ex\r\n' }, // hot_program_execution (hot 2)
      { from: 's', data: 'sh-5.2# ' }, // root_shell (hot 3) + root_jump (num_compromised 1): no su before
      { from: 'c', data: 'id\r\n' }, // root_command 1
      { from: 's', data: 'uid=0(root) gid=0(root) groups=0(root)\r\nsh-5.2# ' },
      { from: 'c', data: '/bin/sh -i\r\n' }, // root_command 2; shell_started; hot_system_dir (/bin) (hot 4)
      { from: 's', data: 'sh-5.2# ' },
      { from: 'c', data: 'chmod 4755 /tmp/sh\r\n' }, // root_command 3; hot_program_creation (hot 5)
      { from: 's', data: 'sh-5.2# ' },
    ];
    const r = await rows([pcapFile(sessionFrames({ sport: 23 }, steps))]);
    expect(content(r[0]!)).toEqual(expected({
      logged_in: 1, hot: 5, root_shell: 1, num_compromised: 1, num_root: 3, num_shells: 1,
    }));
  });

  it('rlogin: user from the request, password, .rhosts created', async () => {
    const steps: Step[] = [
      { from: 'c', data: '\0bob\0bob\0xterm/38400\0' }, // server user (3rd field) = bob
      { from: 's', data: '\0' },
      { from: 's', data: 'Password: ' }, { from: 'c', data: 'pw\r' },
      { from: 's', data: '\r\nLast login: Sun Nov 15 09:00:00 from a\r\n$ ' }, // shell_logged_in
      { from: 'c', data: 'touch .rhosts\r' }, // file_creation; access_file (hot 1)
      { from: 's', data: '$ ' },
    ];
    const r = await rows([pcapFile(sessionFrames({ sport: 513, cport: 1023 }, steps))]);
    expect(content(r[0]!)).toEqual(expected({ logged_in: 1, num_file_creations: 1, num_access_files: 1, hot: 1 }));
  });

  it('rsh: a command run as root', async () => {
    const steps: Step[] = [
      { from: 'c', data: '0\0root\0root\0cat /etc/passwd\0' }, // server user root → is_host_login
      { from: 's', data: '\0root:x:0:0:root:/root:/bin/bash\n' }, // \0 = accepted: rsh_logged_in
    ];
    const r = await rows([pcapFile(sessionFrames({ sport: 514, cport: 1022 }, steps))]);
    // root_command (user root) 1; access_file (hot 1).
    expect(content(r[0]!)).toEqual(expected({ logged_in: 1, is_host_login: 1, num_root: 1, num_access_files: 1, hot: 1 }));
  });

  it('rsh: refused request counts a failed login', async () => {
    const steps: Step[] = [
      { from: 'c', data: '0\0eve\0root\0id\0' },
      { from: 's', data: '\x01Permission denied.\n' },
    ];
    const r = await rows([pcapFile(sessionFrames({ sport: 514, cport: 1021 }, steps))]);
    expect(content(r[0]!)).toEqual(expected({ num_failed_logins: 1 }));
  });

  it('POP3: -ERR after PASS, then +OK after PASS', async () => {
    const steps: Step[] = [
      { from: 's', data: '+OK POP3 ready\r\n' },
      { from: 'c', data: 'USER bob\r\n' }, { from: 's', data: '+OK\r\n' },
      { from: 'c', data: 'PASS x\r\n' }, { from: 's', data: '-ERR [AUTH] Authentication failed.\r\n' },
      { from: 'c', data: 'USER bob\r\n' }, { from: 's', data: '+OK\r\n' },
      { from: 'c', data: 'PASS y\r\n' }, { from: 's', data: '+OK Logged in.\r\n' },
      { from: 'c', data: 'QUIT\r\n' }, { from: 's', data: '+OK Bye\r\n' },
    ];
    const r = await rows([pcapFile(sessionFrames({ sport: 110 }, steps))]);
    expect(content(r[0]!)).toEqual(expected({ num_failed_logins: 1, logged_in: 1 }));
  });

  it('IMAP: tagged NO on LOGIN, then OK as guest', async () => {
    const steps: Step[] = [
      { from: 's', data: '* OK IMAP4rev1 ready\r\n' },
      { from: 'c', data: 'a1 LOGIN guest "x"\r\n' }, { from: 's', data: 'a1 NO [AUTHENTICATIONFAILED] Invalid credentials\r\n' },
      { from: 'c', data: 'a2 LOGIN "guest" "guest"\r\n' }, { from: 's', data: 'a2 OK LOGIN completed\r\n' },
      { from: 'c', data: 'a3 LOGOUT\r\n' }, { from: 's', data: '* BYE\r\na3 OK LOGOUT completed\r\n' },
    ];
    const r = await rows([pcapFile(sessionFrames({ sport: 143 }, steps))]);
    expect(content(r[0]!)).toEqual(expected({ num_failed_logins: 1, logged_in: 1, is_guest_login: 1 }));
  });

  it('SMTP: failed AUTH, sendmail DEBUG, a pipe recipient; the message body is not read as commands', async () => {
    const steps: Step[] = [
      { from: 's', data: '220 mail.example ESMTP\r\n' },
      { from: 'c', data: 'EHLO x\r\n' }, { from: 's', data: '250 mail.example\r\n' },
      { from: 'c', data: 'AUTH PLAIN AGJvYgB4\r\n' }, { from: 's', data: '535 5.7.8 Authentication failed\r\n' }, // smtp_auth_failed
      { from: 'c', data: 'DEBUG\r\n' }, { from: 's', data: '200 Debug set\r\n' }, // hot_smtp_debug (hot 1)
      { from: 'c', data: 'MAIL FROM:<a@b.example>\r\n' }, { from: 's', data: '250 ok\r\n' },
      { from: 'c', data: 'RCPT TO:<|/bin/sh>\r\n' }, { from: 's', data: '250 ok\r\n' }, // hot_program_execution (hot 2)
      { from: 'c', data: 'DATA\r\n' }, { from: 's', data: '354 go ahead\r\n' },
      { from: 'c', data: 'Subject: x\r\n\r\nRCPT TO:<|evil>\r\nDEBUG\r\n.\r\n' }, // body: ignored
      { from: 's', data: '250 queued\r\n' },
      { from: 'c', data: 'QUIT\r\n' }, { from: 's', data: '221 bye\r\n' },
    ];
    const r = await rows([pcapFile(sessionFrames({ sport: 25 }, steps))]);
    expect(content(r[0]!)).toEqual(expected({ num_failed_logins: 1, hot: 2 }));
  });

  it('SMTP: a body terminator split across segments ends the body; commands after it count again', async () => {
    const steps: Step[] = [
      { from: 's', data: '220 mail.example ESMTP\r\n' },
      { from: 'c', data: 'MAIL FROM:<a@b.example>\r\n' }, { from: 's', data: '250 ok\r\n' },
      { from: 'c', data: 'RCPT TO:<c@d.example>\r\n' }, { from: 's', data: '250 ok\r\n' },
      { from: 'c', data: 'DATA\r\n' }, { from: 's', data: '354 go ahead\r\n' },
      { from: 'c', data: 'Subject: y\r\n\r\nWIZ\r\n.x\r\n' }, // body (a "WIZ" line, a dot-stuffed line): ignored
      { from: 'c', data: 'KILL\r\n.' }, // still body; the terminator starts here …
      { from: 'c', data: '\r\nDEBUG\r\n' }, // … and ends here; DEBUG is a command again: hot_smtp_debug (hot 1)
      { from: 's', data: '250 queued\r\n200 Debug set\r\n' },
      { from: 'c', data: 'MAIL FROM:<a@b.example>\r\n' }, { from: 's', data: '250 ok\r\n' },
      { from: 'c', data: 'RCPT TO:<c@d.example>\r\n' }, { from: 's', data: '250 ok\r\n' },
      { from: 'c', data: 'DATA\r\n' }, { from: 's', data: '354 go ahead\r\n' },
      { from: 'c', data: '.\r\nWIZ\r\n' }, // an empty message, then WIZ: hot_smtp_debug (hot 2)
      { from: 's', data: '250 queued\r\n' },
    ];
    const r = await rows([pcapFile(sessionFrames({ sport: 25, cport: 40002 }, steps))]);
    expect(content(r[0]!)).toEqual(expected({ hot: 2 }));
  });

  it('FTP as root: 530 then 230, uploads, /etc/passwd, traversal, SITE EXEC, a command from the server', async () => {
    const steps: Step[] = [
      { from: 's', data: '220 ftp ready\r\n' },
      { from: 'c', data: 'USER root\r\n' }, { from: 's', data: '331 Password required\r\n' },
      { from: 'c', data: 'PASS x\r\n' }, { from: 's', data: '530 Login incorrect.\r\n' }, // ftp_login_failed
      { from: 'c', data: 'USER root\r\n' }, { from: 's', data: '331 Password required\r\n' },
      { from: 'c', data: 'PASS y\r\n' }, { from: 's', data: '230-Welcome\r\n230 User root logged in.\r\n' }, // ftp_logged_in, host_login
      { from: 'c', data: 'MKD /tmp/.hidden\r\n' }, { from: 's', data: '257 created\r\n' }, // file_creation 1
      { from: 'c', data: 'STOR /tmp/.hidden/kit.tgz\r\n' }, { from: 's', data: '150 ok\r\n226 done\r\n' }, // file_creation 2
      { from: 'c', data: 'RETR /etc/passwd\r\n' }, { from: 's', data: '150 ok\r\n226 done\r\n' }, // access_file (hot 1)
      { from: 'c', data: 'CWD /../../etc\r\n' }, { from: 's', data: '250 ok\r\n' }, // path_traversal (hot 2, compromised 1) + hot_system_dir (hot 3)
      { from: 'c', data: 'SITE EXEC /bin/sh\r\n' }, { from: 's', data: '500 no\r\n' }, // hot_ftp_site (hot 4) + hot_system_dir (hot 5)
      { from: 's', data: 'PORT 192,168,1,10,4,1\r\n' }, // ftp_outbound_cmd
    ];
    const r = await rows([pcapFile(sessionFrames({ sport: 21 }, steps))]);
    expect(content(r[0]!)).toEqual(expected({
      num_failed_logins: 1, logged_in: 1, is_host_login: 1, num_file_creations: 2, num_access_files: 1,
      num_compromised: 1, hot: 5, num_outbound_cmds: 1,
    }));
  });

  it('HTTP: phf with a chunked 200, slash flood, traversal with rejected credentials (pipelined)', async () => {
    const steps: Step[] = [
      { from: 'c', data: 'GET /cgi-bin/phf?Qalias=x%0a/bin/cat%20/etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n' }, // hot_http_cgi (hot 1), access_file (hot 2)
      { from: 's', data: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nroot:\r\n0\r\n\r\n' }, // http_logged_in
      { from: 'c', data: `GET ${'/'.repeat(40)} HTTP/1.1\r\nHost: a\r\n\r\n` }, // slash_flood (hot 3, compromised 1)
      { from: 's', data: 'HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\n\r\nForbidden' },
      { from: 'c', data: 'GET /icons/../../etc/hosts HTTP/1.1\r\nAuthorization: Basic Ym9iOng=\r\n\r\n' }, // path_traversal (hot 4, compromised 2), hot_system_dir (hot 5)
      { from: 's', data: 'HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n' }, // http_auth_failed
    ];
    const r = await rows([pcapFile(sessionFrames({ sport: 80 }, steps))]);
    expect(content(r[0]!)).toEqual(expected({ logged_in: 1, hot: 5, num_compromised: 2, num_access_files: 1, num_failed_logins: 1 }));
  });

  it('an unknown port is sniffed: HTTP is inspected, binary is not', async () => {
    const http: Step[] = [
      { from: 'c', data: 'GET /x HTTP/1.0\r\n\r\n' },
      { from: 's', data: 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok' },
    ];
    const bin: Step[] = [{ from: 'c', data: '\x00\x01\x02\x03binary' }, { from: 's', data: '\x09\x08\x07' }];
    const r = await rows([pcapFile([...sessionFrames({ sport: 5000, cport: 41000 }, http), ...sessionFrames({ sport: 5001, cport: 41001, t0: 1_700_000_100 }, bin)])]);
    const by = new Map(r.map((x) => [x.dst_port, x]));
    expect(content(by.get(5000)!)).toEqual(expected({ logged_in: 1 }));
    expect(content(by.get(5001)!)).toEqual(expected({}, false));
  });
});
