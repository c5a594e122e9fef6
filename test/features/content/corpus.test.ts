/**
 * Content features on real corpus captures. Expected values were read with tshark 4.0.17
 * (commands and outputs quoted at each test), never from flowsift's own output.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { content, expected, rows } from './craft.ts';

const corpus = (name: string) => fileURLToPath(new URL(`../../../../shared/corpus/pcap/${name}`, import.meta.url));

describe('content features on corpus captures', () => {
  it('zeek__ftp-bruteforce: one failed login in each of the 30 connections', async () => {
    // tshark -r zeek__ftp-bruteforce.pcap -Y ftp -T fields -e tcp.stream -e ftp.request.command -e ftp.request.arg -e ftp.response.code
    // → every stream 0..29 (client ports 54017–54048) is: 220, USER bro, 331, PASS <n>, 530, QUIT, 221.
    //   Per stream: exactly one 530 and no 230 (awk count over the response codes).
    const r = await rows([corpus('zeek__ftp-bruteforce.pcap')]);
    const ftp = r.filter((x) => x.dst_port === 21);
    expect(ftp).toHaveLength(30);
    for (const row of ftp) expect(content(row)).toEqual(expected({ num_failed_logins: 1 }));
  });

  it('zeek__ftp-cwd-navigation: anonymous login, 687 guest downloads, no file creations', async () => {
    // tshark -Y ftp -T fields -e ftp.request.command -e ftp.request.arg -e ftp.response.code:
    //   USER anonymous → 331, PASS anonymous@ → 230 (multi-line 230- banner), then CWD ×1379,
    //   TYPE ×689, PASV ×688, RETR ×687 — no STOR/STOU/APPE/MKD, no 530.
    // The client stream is 41,420 bytes (tcp.nxtseq of the last client segment 41421), inside the
    // default 64 KiB per direction, so all 687 RETR are seen: hot_guest_transfer ×687 → hot 687.
    // No path names a system directory or access file (CWD ../, CWD 2015, pub/data/noaa/isd-lite/…).
    const r = await rows([corpus('zeek__ftp-cwd-navigation.pcap')]);
    expect(r).toHaveLength(1);
    expect(content(r[0]!)).toEqual(expected({ logged_in: 1, is_guest_login: 1, hot: 687 }));
  });

  it('zeek__ftp-cwd-navigation with --content-bytes 4096: the bound limits what is counted', async () => {
    // Only the first 4,096 client bytes are read: the login (USER/PASS within the first 33 bytes)
    // still counts; RETR lines beyond byte 4,096 do not. tshark:
    //   -Y 'ftp.request.command == "RETR" && tcp.nxtseq <= 4097' | wc -l  → 66
    const r = await rows([corpus('zeek__ftp-cwd-navigation.pcap')], { content: { maxBytes: 4096 } });
    expect(content(r[0]!)).toEqual(expected({ logged_in: 1, is_guest_login: 1, hot: 66 }));
  });

  it('zeek__ftp-many-port-expected: 500 PORT commands to a third host (bounce), never logged in', async () => {
    // tshark -Y 'ftp.request.command == "PORT"' -T fields -e ip.src -e ftp.active.cip | sort | uniq -c
    //   → 500 × (10.0.0.1, 10.0.0.200): the client asks the server to connect to ANOTHER host.
    // The only reply is `220 ready` (no USER/PASS, no 230/530): logged_in 0, no failed logins.
    const r = await rows([corpus('zeek__ftp-many-port-expected.pcap')]);
    expect(r).toHaveLength(1);
    expect(content(r[0]!)).toEqual(expected({ hot: 500 }));
  });

  it('zeek__http-methods: logged_in exactly on the connections answered 2xx', async () => {
    // tshark -r zeek__http-methods.pcap -Y http -T fields -e tcp.stream -e tcp.srcport -e http.request.method -e http.response.code
    // → 200 responses only on streams 4, 5, 9 (GET /) and 44, 45 (HEAD /): client ports 46566,
    //   46567, 46571, 46606, 46607. All other streams get 400/403/405/411. No URI names a system
    //   path or climbs above the root (`/`, `*`, `/HTTP/1.1`).
    const r = await rows([corpus('zeek__http-methods.pcap')]);
    expect(r).toHaveLength(49);
    const ok = new Set([46566, 46567, 46571, 46606, 46607]);
    for (const row of r) {
      expect(content(row)).toEqual(expected({ logged_in: ok.has(row.src_port as number) ? 1 : 0 }));
    }
  });

  it('zeek__get-to-ssh-server: an HTTP GET sent to an SSH server is not inspected', async () => {
    // tshark: 136.216.42.40:44338 → 130.74.164.231:22, client sends `GET / HTTP/1.1`, server answers
    // `SSH-2.0-OpenSSH_8.7` and resets. Port 22 is SSH (encrypted): zeros, payload_inspected false.
    const r = await rows([corpus('zeek__get-to-ssh-server.pcap')]);
    expect(r).toHaveLength(1);
    expect(content(r[0]!)).toEqual(expected({}, false));
  });

  it('zeek__ssh: every connection (SSH on 22 and elsewhere, UDP) is zeros and not inspected', async () => {
    // tshark -q -z conv,tcp: 23 TCP conversations, 20 on port 22; 2200 and 41644 start with
    // `SSH-2.0-` banners (follow,tcp), 8118 carries 45 + 31 binary bytes; plus 2 UDP conversations.
    // None carries a cleartext login protocol.
    const r = await rows([corpus('zeek__ssh.pcap')]);
    expect(r.filter((x) => x.protocol_type === 'tcp')).toHaveLength(23);
    for (const row of r) expect(content(row)).toEqual(expected({}, false));
  });

  it('--no-content (content: false): the same flows, all zeros, nothing inspected', async () => {
    const r = await rows([corpus('zeek__ftp-bruteforce.pcap')], { content: false });
    expect(r.filter((x) => x.dst_port === 21)).toHaveLength(30);
    for (const row of r) expect(content(row)).toEqual(expected({}, false));
  });
});
