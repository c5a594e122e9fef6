/**
 * HTTP framing with the header lines the analyzer reads (Authorization, Proxy-Authorization,
 * Content-Length, Transfer-Encoding: any letter case, RFC 9110 §5.1); every other header line is
 * dropped undecoded (LinePrefixes).
 */
import { describe, expect, it } from 'vitest';
import { HttpAnalyzer } from '../../../src/features/content/http.ts';
import { LinePrefixes } from '../../../src/features/content/lines.ts';
import { userSet } from '../../../src/features/content/patterns.ts';
import { Findings } from '../../../src/features/content/rules.ts';

const b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

describe('LinePrefixes', () => {
  const p = new LinePrefixes(['content-length', 'transfer-encoding']);
  it.each([
    ['content-length: 5', true],
    ['CONTENT-Length:5', true],
    ['Content-Length', true],
    ['Content-Lengt', false],
    ['Content\rLength: 5', false], // CR | 0x20 is '-': not a letter, compared exactly
    ['Content-Type: text/html', false],
    ['transfer-encoding: chunked', true],
    ['Host: x', false],
  ] as const)('%j → %s', (line, want) => {
    const buf = b(`..${line}..`);
    expect(p.starts(buf, 2, 2 + line.length)).toBe(want);
  });
});

describe('HTTP framing by the header lines read', () => {
  function run(req: string, resp: string): string[] {
    const findings = new Findings();
    const a = new HttpAnalyzer({ hotUsers: userSet([]), guestUsers: userSet([]), findings, httpLoggedIn: 'credentials', clientIp4: -1 });
    a.data(true, b(req), 0, req.length);
    a.data(false, b(resp), 0, resp.length);
    a.end();
    return findings.ruleHits();
  }
  const fake = 'HTTP/1.1 200 OK\r\n\r\n'; // a body that reads like a response: read as one, it would take the 401's request
  it('Content-Length in any case skips the body; a 401 to a request with credentials counts once', () => {
    const req = 'GET /a HTTP/1.1\r\nACCEPT: */*\r\nproxy-AUTHORIZATION: Basic eDp5\r\n\r\nGET /b HTTP/1.1\r\nAuthorization: Basic eDp5\r\nCookie: a=b\r\n\r\n';
    const resp = `HTTP/1.1 200 OK\r\nContent-type: text/plain\r\ncontent-LENGTH: ${fake.length}\r\n\r\n${fake}HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n`;
    expect(run(req, resp)).toEqual(['http_logged_in', 'http_auth_failed']);
  });
  it('Transfer-Encoding: chunked in any case is followed through its chunks', () => {
    const req = 'GET /a HTTP/1.1\r\nAuthorization: Basic eDp5\r\n\r\nGET /b HTTP/1.1\r\nAuthorization: Basic eDp5\r\n\r\n';
    const chunk = fake.length.toString(16);
    const resp = `HTTP/1.1 200 OK\r\nTRANSFER-encoding: chunked\r\nConnection: keep-alive\r\n\r\n${chunk}\r\n${fake}\r\n0\r\n\r\nHTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n`;
    expect(run(req, resp)).toEqual(['http_logged_in', 'http_auth_failed']);
  });
  it('without Authorization a 401 is no failed login', () => {
    const req = 'GET /a HTTP/1.1\r\nAccept: */*\r\nAuthorisation: x\r\n\r\n';
    expect(run(req, 'HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n')).toEqual([]);
  });
});

describe('HTTP status lines', () => {
  // What /^HTTP\/\d\.\d (\d{3})/ reads (RFC 9112 §4: HTTP-version SP 3DIGIT): anything else stops the direction.
  it.each([
    ['HTTP/1.1 200 OK', ['http_logged_in']],
    ['HTTP/1.0 204', ['http_logged_in']],
    ['HTTP/2.0 2999', ['http_logged_in']],
    ['HTTP/1.1 20 OK', []],
    ['HTTP/1.1 2x0 OK', []],
    ['HTTP/1.1  200 OK', []],
    ['HTTP/11 200 OK', []],
    ['http/1.1 200 OK', []],
    ['HTTP/1,1 200 OK', []],
    ['HTTP/1.1 199', []], // 1xx is interim: the final response is awaited
    ['HTTP/1.1 500 Oops', []],
  ] as const)('%j → %j', (status, want) => {
    const findings = new Findings();
    const a = new HttpAnalyzer({ hotUsers: userSet([]), guestUsers: userSet([]), findings, httpLoggedIn: 'success', clientIp4: -1 });
    const req = 'GET / HTTP/1.1\r\n\r\n';
    const resp = `${status}\r\nContent-Length: 0\r\n\r\n`;
    a.data(true, b(req), 0, req.length);
    a.data(false, b(resp), 0, resp.length);
    expect(findings.ruleHits()).toEqual(want);
  });
});

describe('HTTP request URIs', () => {
  it.each([
    ['/a/b/../c', []],
    ['/a/../../x', ['path_traversal']],
    ['/%2e%2e/x', ['path_traversal']],
    ['/..%5c..%5cx', ['path_traversal']],
    ['http://h.example/../x', ['path_traversal']],
    ['http://h.example/a/../x', []],
    ['/a?q=../../..', []],
    ['/cgi-bin/phf?Qalias=x', ['hot_http_cgi']],
    ['/a+b/../../etc/passwd', ['access_file', 'path_traversal']], // ruleHits lists rules in RULES order
  ] as const)('%j → %j', (uri, want) => {
    const findings = new Findings();
    const a = new HttpAnalyzer({ hotUsers: userSet([]), guestUsers: userSet([]), findings, httpLoggedIn: 'credentials', clientIp4: -1 });
    const req = `GET ${uri} HTTP/1.1\r\n\r\n`;
    a.data(true, b(req), 0, req.length);
    expect(findings.ruleHits()).toEqual(want);
  });
});
