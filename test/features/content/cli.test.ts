/**
 * `flowsift flows` with the payload stage: on by default, `--no-content`, `--content-bytes N`.
 * Expected values from tshark on the same captures (cited in corpus.test.ts).
 */
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/main.ts';

const corpus = (name: string) => fileURLToPath(new URL(`../../../../shared/corpus/pcap/${name}`, import.meta.url));

async function jsonl(args: string[]): Promise<{ code: number; rows: Record<string, unknown>[]; err: string }> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (to: Buffer[]) => new Writable({ write(c, _e, cb) { to.push(Buffer.from(c)); cb(); } });
  const code = await runCli(['flows', '--format', 'jsonl', ...args], { stdout: sink(out), stderr: sink(err) });
  const text = Buffer.concat(out).toString('utf8');
  return { code, rows: text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>), err: Buffer.concat(err).toString('utf8') };
}

describe('flowsift flows: content stage options', () => {
  it('is on by default: each brute-force connection has one failed login, payload_inspected true', async () => {
    // tshark: each of the 30 FTP connections has exactly one `530` reply.
    const { code, rows } = await jsonl([corpus('zeek__ftp-bruteforce.pcap')]);
    expect(code).toBe(0);
    const ftp = rows.filter((r) => r.dst_port === 21);
    expect(ftp).toHaveLength(30);
    for (const r of ftp) expect(r).toMatchObject({ num_failed_logins: 1, logged_in: 0, payload_inspected: true });
  });

  it('--no-content: same flows, content features 0, payload_inspected false', async () => {
    const { code, rows } = await jsonl([corpus('zeek__ftp-bruteforce.pcap'), '--no-content']);
    expect(code).toBe(0);
    expect(rows.filter((r) => r.dst_port === 21)).toHaveLength(30);
    for (const r of rows) expect(r).toMatchObject({ num_failed_logins: 0, hot: 0, payload_inspected: false });
  });

  it('--content-bytes bounds the bytes inspected per direction', async () => {
    // tshark -Y 'ftp.request.command == "RETR" && tcp.nxtseq <= 4097' | wc -l → 66 guest downloads
    // in the first 4,096 client bytes (687 in the whole connection).
    const small = await jsonl([corpus('zeek__ftp-cwd-navigation.pcap'), '--content-bytes', '4096']);
    expect(small.rows[0]).toMatchObject({ hot: 66, logged_in: 1, is_guest_login: 1, payload_inspected: true });
    const full = await jsonl([corpus('zeek__ftp-cwd-navigation.pcap')]);
    expect(full.rows[0]).toMatchObject({ hot: 687 });
  });

  it('--content-bytes must be a non-negative integer', async () => {
    const { code, err } = await jsonl([corpus('zeek__ftp-bruteforce.pcap'), '--content-bytes', '-5']);
    expect(code).toBe(2);
    expect(err).toMatch(/content-bytes/);
  });
});
