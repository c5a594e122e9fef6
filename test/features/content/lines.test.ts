import { describe, expect, it } from 'vitest';
import { indexOfByte, LineSplitter } from '../../../src/features/content/lines.ts';
import { TelnetAnalyzer, TelnetStripper } from '../../../src/features/content/telnet.ts';
import { userSet } from '../../../src/features/content/patterns.ts';
import { Findings } from '../../../src/features/content/rules.ts';

const b = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

function split(chunks: string[], setup?: (l: LineSplitter) => void, terminal = false): string[] {
  const out: string[] = [];
  const l = new LineSplitter((x) => out.push(x), { terminal });
  setup?.(l);
  for (const c of chunks) {
    const buf = b(`##${c}##`); // the chunk sits inside a bigger buffer, as in a packet
    l.push(buf, 2, c.length);
  }
  l.flush();
  return out;
}

describe('indexOfByte', () => {
  it('finds the first byte in [from, end) like a plain loop: any alignment, before/inside/after the word scan and the native search', () => {
    for (const shift of [0, 1, 2, 3]) {
      const buf = Buffer.alloc(404).subarray(shift, shift + 400); // byteOffset 0..3: word alignment differs
      for (const at of [-1, 3, 15, 16, 17, 63, 64, 65, 66, 127, 128, 129, 130, 131, 132, 133, 299]) {
        buf.fill(0x61);
        if (at >= 0) buf[at] = 0x0a;
        buf[350] = 0x0a; // outside every searched range below: must not be found
        buf[2] = 0x0b; // a byte one off the needle, and 0x0a's neighbours below
        buf[40] = 0x09;
        buf[41] = 0x8a;
        for (const [from, end] of [[0, 300], [1, 300], [2, 300], [3, 70], [4, 20], [64, 300], [66, 131], [0, 3], [5, 133], [129, 300]] as const) {
          let want = -1;
          for (let i = from; i < end; i++) if (buf[i] === 0x0a) { want = i; break; }
          expect(indexOfByte(buf, 0x0a, from, end), `shift ${shift}, at ${at} in [${from}, ${end})`).toBe(want);
        }
      }
    }
    const ff = Buffer.alloc(200, 0xfe);
    ff[150] = 0xff;
    expect(indexOfByte(ff, 0xff, 0, 200)).toBe(150);
    expect(indexOfByte(ff, 0xff, 0, 150)).toBe(-1);
  });
});

describe('LineSplitter', () => {
  it('splits CRLF and LF lines, across chunk boundaries, and keeps an unterminated tail until flush', () => {
    expect(split(['USER bob\r\nPA', 'SS x\r', '\nQUIT\n', 'tail'])).toEqual(['USER bob', 'PASS x', 'QUIT', 'tail']);
  });

  it('long chunks (searched natively) split the same way as short ones', () => {
    const text = `${'x'.repeat(70)}\r\nUSER bob\r\n\r\n${'y'.repeat(100)}`;
    const whole = split([text, '\r\nend\n']);
    const bytewise = split([...text, '\r\nend\n']);
    expect(whole).toEqual(['x'.repeat(70), 'USER bob', '', 'y'.repeat(100), 'end']);
    expect(bytewise).toEqual(whole);
    // quiet: only the tail after the last LF of a long chunk is kept
    const out: string[] = [];
    const l = new LineSplitter((x) => out.push(x));
    l.quiet = true;
    const body = b(`${'z'.repeat(60)}\nlast line start`);
    l.push(body, 0, body.length);
    l.quiet = false;
    l.push(b(' and end\n'), 0, 9);
    expect(out).toEqual(['last line start and end']);
    // the last LF more than 64 bytes before the chunk's end (found by the native search)
    out.length = 0;
    l.quiet = true;
    const far = b(`${'z'.repeat(10)}\n${'w'.repeat(100)}`);
    l.push(far, 0, far.length);
    l.quiet = false;
    l.push(b(' end\n'), 0, 5);
    expect(out).toEqual([`${'w'.repeat(100)} end`]);
  });

  it('a line longer than maxLine is cut at maxLine however it arrives (one chunk, pieces, byte by byte)', () => {
    const long = Array.from({ length: 1500 }, (_, i) => String.fromCharCode(0x21 + (i % 90))).join('');
    const want = [long.slice(0, 1024), 'next'];
    expect(split([`${long}\r\nnext\n`])).toEqual(want);
    expect(split([long.slice(0, 10), long.slice(10, 700), `${long.slice(700)}\r\nnext\n`])).toEqual(want);
    const out: string[] = [];
    const l = new LineSplitter((x) => out.push(x), { maxLine: 100 });
    for (const c of `${long.slice(0, 150)}\nab`) l.pushByte(c.charCodeAt(0));
    expect(l.partial()).toBe('ab');
    l.flush();
    expect(out).toEqual([long.slice(0, 100), 'ab']);
  });

  it('skips a body of known length, even across chunks', () => {
    const out: string[] = [];
    const l = new LineSplitter((x) => {
      out.push(x);
      if (x === 'Content-Length: 7') l.skip(7 + 2); // body + the blank line before it, for the test
    });
    for (const c of ['Content-Length: 7\r\n\r\nabc', 'defgNEXT\r\n']) l.push(b(c), 0, c.length);
    expect(out).toEqual(['Content-Length: 7', 'NEXT']);
  });

  it('quiet: lines are delimited but not emitted; keepDot lets the "." line through', () => {
    expect(split(['a\r\nb\r\nc'], (l) => (l.quiet = true))).toEqual([]);
    expect(split(['body\r\n.\r\n', 'after\r\n'], (l) => {
      l.quiet = true;
      l.keepDot = true;
    })).toEqual(['.']);
  });

  it('quiet: the line after quiet ends starts cleanly at the last line boundary', () => {
    const out: string[] = [];
    const l = new LineSplitter((x) => out.push(x));
    l.quiet = true;
    const first = b('+OK Logged in\r\nbinary\x00\x01 body\r\npartial');
    l.push(first, 0, first.length);
    l.quiet = false;
    const rest = ' line\r\n-ERR x\r\n';
    l.push(b(rest), 0, rest.length);
    expect(out).toEqual(['partial line', '-ERR x']);
  });

  it('a gap drops the line being assembled, the next segment starts a line; inside a skipped body the framing is kept', () => {
    const out: string[] = [];
    const l = new LineSplitter((x) => out.push(x));
    const push = (t: string) => l.push(b(t), 0, t.length);
    push('RETR a\r\nRETR b');
    expect(l.gap(10)).toBe(false); // lost: the rest of 'RETR b…': the damaged line is dropped
    push('QUIT\r\n');
    expect(out).toEqual(['RETR a', 'QUIT']);
    l.skip(100);
    expect(l.gap(40)).toBe(true); // 40 of the 100 body bytes lost: 60 remain to skip
    push(`${'z'.repeat(60)}NEXT\r\n`);
    expect(out).toEqual(['RETR a', 'QUIT', 'NEXT']);
  });

  it('terminal: CR or CR NUL or CR LF ends a line; backspace and ^U edit; controls are dropped', () => {
    expect(split(['ls\r\0', 'cd /tmpx\x08\r\n', 'junk\x15pwd\r', 'a\x01b\n'], undefined, true)).toEqual(['ls', 'cd /tmp', 'pwd', 'ab']);
  });
});

describe('TelnetStripper', () => {
  it('removes option negotiation, subnegotiation and commands; IAC IAC is a data 255', () => {
    const t = new TelnetStripper();
    const input = b('\xff\xfd\x18\xff\xfb\x01lo\xff\xfa\x18\x00xterm\xff\xf0gin\xff\xff: \xff\xf1');
    const out = new Uint8Array(input.length);
    // In two pieces, cut inside the subnegotiation: the state carries over.
    const n1 = t.strip(input, 0, 12, out);
    const n2 = t.strip(input, 12, input.length - 12, out.subarray(n1));
    expect(Buffer.from(out.subarray(0, n1 + n2)).toString('latin1')).toBe('login\xff: ');
  });
});

describe('TelnetAnalyzer: commands inside long and short chunks are stripped before lines are read', () => {
  it.each([
    ['long chunk (native IAC search)', `${'x'.repeat(100)}\r\nLogin inc\xff\xfb\x01orrect\r\n`],
    ['short chunk', 'Login inc\xff\xfb\x01orrect\r\n'],
    ['IAC in the last byte of a long chunk, its option in the next', `${'x'.repeat(100)}\r\nLogin inc\xff`, '\xfb\x01orrect\r\n'],
  ])('%s', (_name, ...chunks) => {
    const findings = new Findings();
    const a = new TelnetAnalyzer({ hotUsers: userSet([]), guestUsers: userSet([]), findings, httpLoggedIn: 'success', clientIp4: -1 });
    for (const c of chunks) a.data(false, b(c), 0, c.length);
    a.end();
    expect(findings.ruleHits()).toEqual(['shell_login_failed']);
  });
});
