/**
 * Which analyzer a TCP flow gets: by responder port first, else by sniffing the first payload
 * bytes. Encrypted protocols (by port or by an SSH banner / TLS record seen first) get none.
 */

export const enum Kind {
  None = 0,
  Ftp = 1,
  Telnet = 2,
  Rlogin = 3,
  Rsh = 4,
  Rexec = 5,
  Pop3 = 6,
  Imap = 7,
  Smtp = 8,
  Http = 9,
}

export const KIND_NAMES = ['none', 'ftp', 'telnet', 'rlogin', 'rsh', 'rexec', 'pop3', 'imap', 'smtp', 'http'] as const;

/** Responder ports of cleartext protocols. */
const PORT_KIND = new Map<number, Kind>([
  [21, Kind.Ftp], [23, Kind.Telnet], [513, Kind.Rlogin], [514, Kind.Rsh], [512, Kind.Rexec],
  [110, Kind.Pop3], [109, Kind.Pop3], [143, Kind.Imap], [220, Kind.Imap], [25, Kind.Smtp], [587, Kind.Smtp],
  [80, Kind.Http], [8080, Kind.Http], [8000, Kind.Http], [8008, Kind.Http], [8888, Kind.Http], [3128, Kind.Http], [81, Kind.Http],
]);

/** Responder ports of encrypted protocols: never inspected. */
export const ENCRYPTED_PORTS: ReadonlySet<number> = new Set([22, 443, 465, 563, 585, 614, 636, 853, 989, 990, 992, 993, 994, 995, 5061, 8443]);

/** Kind by responder port (None = sniff). */
export function kindByPort(dstPort: number): Kind {
  return PORT_KIND.get(dstPort) ?? Kind.None;
}

const METHODS = ['GET ', 'POST ', 'HEAD ', 'PUT ', 'DELETE ', 'OPTIONS ', 'TRACE ', 'CONNECT ', 'PATCH ', 'PROPFIND '];

function startsWith(buf: Uint8Array, off: number, len: number, s: string): boolean {
  if (len < s.length) return false;
  for (let i = 0; i < s.length; i++) if (buf[off + i] !== s.charCodeAt(i)) return false;
  return true;
}

/** True when the first bytes of a direction are an SSH banner or a TLS/SSL record. */
export function looksEncrypted(buf: Uint8Array, off: number, len: number): boolean {
  if (startsWith(buf, off, len, 'SSH-')) return true;
  // TLS record: content type 20..23, version 3.x; SSLv2 client hello: 0x80 len 0x01.
  if (len >= 3 && buf[off]! >= 20 && buf[off]! <= 23 && buf[off + 1] === 3 && buf[off + 2]! <= 4) return true;
  return len >= 3 && (buf[off]! & 0x80) !== 0 && buf[off + 2] === 1 && buf[off]! !== 0xff;
}

/** Sniff the first payload of a flow on an unknown port. */
export function sniff(fromOrig: boolean, buf: Uint8Array, off: number, len: number): Kind {
  if (len === 0) return Kind.None;
  if (buf[off] === 0xff && len >= 3 && buf[off + 1]! >= 251 && buf[off + 1]! <= 254) return Kind.Telnet;
  if (fromOrig) {
    for (const m of METHODS) if (startsWith(buf, off, len, m)) return Kind.Http;
    if (startsWith(buf, off, len, 'USER ')) return Kind.Ftp;
    return Kind.None;
  }
  if (startsWith(buf, off, len, '+OK')) return Kind.Pop3;
  if (startsWith(buf, off, len, '* OK') || startsWith(buf, off, len, '* PREAUTH')) return Kind.Imap;
  if (startsWith(buf, off, len, '220')) {
    const head = String.fromCharCode(...buf.subarray(off, off + Math.min(len, 200)));
    return /SMTP|mail/i.test(head) ? Kind.Smtp : Kind.Ftp;
  }
  return Kind.None;
}
