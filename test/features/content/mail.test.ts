/**
 * Mail analyzers. SMTP message bodies are skipped by a native search for the end-of-data mark (RFC 5321 §4.1.1.4:
 * CRLF "." CRLF; LF-only clients send LF "." LF): a command inside the body must not count, the
 * first command after the mark must, wherever the segments split the mark.
 */
import { describe, expect, it } from 'vitest';
import { Pop3Analyzer, SmtpAnalyzer } from '../../../src/features/content/mail.ts';
import { userSet } from '../../../src/features/content/patterns.ts';
import { Findings } from '../../../src/features/content/rules.ts';

const b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

/** Runs a session whose client bytes after `354` are split at the given offsets; returns rule hits. */
function run(body: string, cuts: number[]): string[] {
  const findings = new Findings();
  const a = new SmtpAnalyzer({ hotUsers: userSet([]), guestUsers: userSet([]), findings, httpLoggedIn: 'success', clientIp4: -1 });
  const send = (fromOrig: boolean, s: string): void => {
    const buf = b(`xx${s}`);
    a.data(fromOrig, buf, 2, buf.length - 2);
  };
  send(true, 'MAIL FROM:<a@b.example>\r\n');
  send(false, '250 ok\r\n');
  send(true, 'DATA\r\n');
  send(false, '354 go ahead\r\n');
  let at = 0;
  for (const c of [...cuts, body.length]) {
    if (c > at) send(true, body.slice(at, c));
    at = Math.max(at, c);
  }
  a.end();
  return findings.ruleHits();
}

describe('SMTP body skipping', () => {
  const bodies = [
    'Subject: x\r\n\r\nDEBUG\r\n..DEBUG\r\n.\r\nDEBUG\r\nQUIT\r\n',
    'Subject: x\n\nDEBUG\n.\nDEBUG\nQUIT\n',
    '.\r\nDEBUG\r\n', // empty body: the CRLF of DATA starts the mark
    'a\r\n.x\r\nWIZ\n.\r\n\r\n.\r\nKILL\r\n', // "\n.\r\n" without CR before is no mark; "\r\n.\r\n" after it is
  ];
  it.each(bodies.map((body, i) => [i, body] as const))('body %i: one hot_smtp_debug for the command after the mark, at every split', (_i, body) => {
    for (let c1 = 0; c1 <= body.length; c1++) {
      for (const c2 of [c1, c1 + 1, c1 + 2, c1 + 4]) expect(run(body, [c1, c2]), `cuts ${c1} ${c2}`).toEqual(['hot_smtp_debug']);
    }
  });
});

describe('SMTP AUTH answers (server lines are read only while an answer is awaited)', () => {
  function session(steps: [boolean, string][]): string[] {
    const findings = new Findings();
    const a = new SmtpAnalyzer({ hotUsers: userSet([]), guestUsers: userSet([]), findings, httpLoggedIn: 'success', clientIp4: -1 });
    for (const [fromOrig, s] of steps) a.data(fromOrig, b(s), 0, s.length);
    a.end();
    return findings.ruleHits();
  }
  const S = false;
  const C = true;
  it.each([
    ['334 challenge, then 235', [[S, '220 mx ESMTP\r\n250 ok\r\n'], [C, 'AUTH LOGIN\r\n'], [S, '334 VXNlcm5hbWU6\r\n'], [C, 'Ym9i\r\n'], [S, '235 2.7.0 ok\r\n']], ['smtp_logged_in']],
    ['multi-line 235', [[C, 'AUTH PLAIN AGJvYgB4\r\n'], [S, '235-first\r\n235 done\r\n']], ['smtp_logged_in']],
    ['535', [[S, '250 ok\r\n'], [C, 'AUTH PLAIN AGJvYgB4\r\n'], [S, '535 5.7.8 no\r\n235 ok\r\n']], ['smtp_auth_failed']],
    ['a 235 before any AUTH', [[S, '235 ok\r\n'], [C, 'EHLO x\r\n'], [S, '235 ok\r\n']], []],
    // the line "250 ok" started before AUTH and ends after it: it is the answer, and ends the wait
    ['reply line split around AUTH', [[S, '250 o'], [C, 'AUTH PLAIN AGJvYgB4\r\n'], [S, 'k\r\n235 ok\r\n']], []],
  ] as const)('%s', (_name, steps, want) => {
    expect(session(steps as unknown as [boolean, string][])).toEqual(want);
  });
});

describe('POP3: a server line that began before PASS and ends after it is the answer', () => {
  function session(steps: [boolean, string][]): string[] {
    const findings = new Findings();
    const a = new Pop3Analyzer({ hotUsers: userSet(['root']), guestUsers: userSet([]), findings, httpLoggedIn: 'success', clientIp4: -1 });
    for (const [fromOrig, s] of steps) a.data(fromOrig, b(s), 0, s.length);
    a.end();
    return findings.ruleHits();
  }
  const S = false;
  const C = true;
  const long = 'x'.repeat(300);
  it.each([
    ['-ERR cut after 12 bytes', [[S, '+OK ready\r\n'], [C, 'USER root\r\n'], [S, '+OK\r\n-ERR invalid'], [C, 'PASS x\r\n'], [S, ` ${long}\r\n`]], ['pop3_login_failed']],
    ['-ER | R', [[S, '+OK ready\r\n-ER'], [C, 'USER root\r\nPASS x\r\n'], [S, 'R\r\n']], ['pop3_login_failed']],
    ['+OK after a long quiet part', [[S, `+OK ${long}`], [C, 'USER root\r\nPASS x\r\n'], [S, `${long}\r\n`]], ['pop3_logged_in', 'host_login']],
    ['+OK CR | LF', [[S, '+OK\r'], [C, 'USER root\r\nPASS x\r\n'], [S, '\n']], ['pop3_logged_in', 'host_login']],
    ['-ER CR | LF is not -ERR', [[S, '-ER\r'], [C, 'USER root\r\nPASS x\r\n'], [S, '\n+OK\r\n']], ['pop3_logged_in', 'host_login']],
    ['answer in a message body line after PASS', [[S, `+OK\r\n${long}\r\n+OK in body`], [C, 'PASS x\r\n'], [S, '\r\n']], ['pop3_logged_in']],
  ] as const)('%s', (_name, steps, want) => {
    expect(session(steps as unknown as [boolean, string][])).toEqual(want);
  });
});
