/**
 * LINKTYPE_* values (tcpdump.org/linktypes.html) that flowsift decodes, their names, and whether a
 * link type is supported. Pure lookup tables; no per-packet work happens here.
 */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  PPP: 9,
  /** DLT_RAW on most platforms: raw IPv4/IPv6 (version nibble decides); OpenBSD's DLT_LOOP when an AF header leads. */
  RAW_12: 12,
  /** DLT_RAW on OpenBSD: raw IPv4/IPv6. */
  RAW_14: 14,
  PPP_HDLC: 50,
  RAW: 101,
  C_HDLC: 104,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

const NAMES = new Map<number, string>([
  [LINKTYPE.NULL, 'NULL'],
  [LINKTYPE.ETHERNET, 'ETHERNET'],
  [LINKTYPE.PPP, 'PPP'],
  [LINKTYPE.RAW_12, 'RAW'],
  [LINKTYPE.RAW_14, 'RAW'],
  [LINKTYPE.PPP_HDLC, 'PPP_HDLC'],
  [LINKTYPE.RAW, 'RAW'],
  [LINKTYPE.C_HDLC, 'C_HDLC'],
  [LINKTYPE.LOOP, 'LOOP'],
  [LINKTYPE.LINUX_SLL, 'LINUX_SLL'],
  [LINKTYPE.IPV4, 'IPV4'],
  [LINKTYPE.IPV6, 'IPV6'],
  [LINKTYPE.LINUX_SLL2, 'LINUX_SLL2'],
]);

/** Some link types we do not decode but can name (seen in real pcapng files). */
const OTHER_NAMES = new Map<number, string>([
  [6, 'IEEE802_5'], [8, 'SLIP'], [10, 'FDDI'], [105, 'IEEE802_11'], [119, 'PRISM_HEADER'],
  [127, 'IEEE802_11_RADIOTAP'], [147, 'USER0'], [187, 'BLUETOOTH_HCI_H4'], [189, 'USB_LINUX'],
  [195, 'IEEE802_15_4_WITHFCS'], [201, 'BLUETOOTH_HCI_H4_WITH_PHDR'], [220, 'USB_LINUX_MMAPPED'],
  [227, 'CAN_SOCKETCAN'], [249, 'NETLINK'], [253, 'NETANALYZER'], [263, 'NFLOG'], [274, 'ETHERNET_MPACKET'],
]);

/** Short LINKTYPE name, e.g. `ETHERNET`, `LINUX_SLL2`; `LINKTYPE_<n>` when unknown. */
export function linktypeName(lt: number): string {
  return NAMES.get(lt) ?? OTHER_NAMES.get(lt) ?? `LINKTYPE_${lt}`;
}

/** True when decodePacket understands this link type (else it stops with 'unsupported-linktype'). */
export function isSupportedLinktype(lt: number): boolean {
  return NAMES.has(lt);
}
