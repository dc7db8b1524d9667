/**
 * IP literals, parsed the way the resolver would read them, and the address
 * ranges the bridge refuses to reach.
 *
 * The resolver (getaddrinfo / inet_aton) accepts many spellings of one IPv4
 * address: `127.1`, `0x7f.0.0.1`, `017700000001` and `2130706433` all mean
 * 127.0.0.1. If the bridge treated those as host names, an allowlist check on
 * the text would be bypassed. So every host that *ends in a number* (the
 * WHATWG URL rule) is parsed as IPv4 here, every bracketed or colon-bearing
 * host as IPv6, and the result carries the one canonical spelling: dotted
 * decimal for IPv4, RFC 5952 for IPv6 (lower case, `::` for the longest run
 * of two or more zero groups, always hex, so `::ffff:127.0.0.1` is written
 * `::ffff:7f00:1` as WHATWG URL does).
 */

/** One IPv4 or IPv6 address. */
export interface IpAddress {
  /** 4 or 6. */
  readonly family: 4 | 6;
  /** The address in network order: 4 or 16 bytes. */
  readonly bytes: Uint8Array;
  /** The canonical spelling, without brackets. */
  readonly text: string;
}

/** What a host string turned out to be. */
export type ParsedHost =
  /** An IP literal. `canonical` is false for any other spelling than {@link IpAddress.text}. */
  | { readonly kind: 'ip'; readonly ip: IpAddress; readonly canonical: boolean }
  /** A syntactically valid DNS name, lower-cased, without a trailing dot. */
  | { readonly kind: 'name'; readonly name: string }
  /** Neither: empty, bad characters, an IPv4-looking host that does not parse, a zone id... */
  | { readonly kind: 'invalid' };

/** The address ranges the bridge tells apart. Only `public` is reachable without a literal allowlist entry. */
export const AddressRange = {
  Public: 'public',
  /** 0.0.0.0/8 and ::/128 (on Linux, connecting to 0.0.0.0 reaches localhost). */
  Unspecified: 'unspecified',
  /** 127.0.0.0/8 and ::1. */
  Loopback: 'loopback',
  /** 10/8, 172.16/12, 192.168/16 and fc00::/7 (unique local). */
  Private: 'private',
  /** 169.254/16 and fe80::/10. */
  LinkLocal: 'link-local',
  /** 100.64.0.0/10 (RFC 6598 carrier-grade NAT). */
  Cgnat: 'cgnat',
  /** ::ffff:0:0/96: an IPv4 address in IPv6 clothing. */
  Ipv4Mapped: 'ipv4-mapped',
  /** Ranges that embed or translate to IPv4 (NAT64, 6to4, Teredo, IPv4-compatible). */
  Ipv4Embedding: 'ipv4-embedding',
  /** 224/4 and ff00::/8. */
  Multicast: 'multicast',
  /** Documentation, benchmarking, protocol assignments, 240/4, broadcast, site-local, discard. */
  Reserved: 'reserved',
} as const;

/** One of the values of {@link AddressRange}. */
export type AddressRange = (typeof AddressRange)[keyof typeof AddressRange];

/**
 * Parses any spelling of an IP literal the resolver would accept: IPv4 in
 * one to four parts, each decimal, octal (leading 0) or hex (0x), and IPv6
 * with or without brackets, with an optional dotted IPv4 tail. Returns
 * undefined for anything else (names, zone ids, out-of-range numbers).
 */
export function parseIp(text: string): IpAddress | undefined {
  const host = parseHost(text);
  return host.kind === 'ip' ? host.ip : undefined;
}

/**
 * Sorts a host string (as found in a URL query or an allowlist entry) into
 * an IP literal, a DNS name, or invalid. See the module docblock for why an
 * IPv4-looking host is never treated as a name.
 */
export function parseHost(text: string): ParsedHost {
  if (text.length === 0 || text.length > 253 + 2) return INVALID;
  if (text.startsWith('[')) {
    if (!text.endsWith(']')) return INVALID;
    return ipv6Host(text.slice(1, -1));
  }
  if (text.includes(':')) return ipv6Host(text);
  const lower = text.toLowerCase();
  if (endsInNumber(lower)) {
    const bytes = parseIpv4Bytes(lower);
    if (bytes === undefined) return INVALID;
    const ip = makeIp(4, bytes);
    return { kind: 'ip', ip, canonical: ip.text === text };
  }
  if (!DNS_NAME.test(lower) || lower.length > 253) return INVALID;
  return { kind: 'name', name: lower };
}

/** Formats 4 or 16 bytes as the canonical text of an IP address. */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length !== 16) throw new TypeError(`formatIp: expected 4 or 16 bytes, got ${bytes.length}`);
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  // RFC 5952 §4.2: compress the longest run of at least two zero groups, the first on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (g: number[]) => g.map((n) => n.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

/** The text of an address as it appears before `:port`: brackets around IPv6. */
export function hostText(ip: IpAddress): string {
  return ip.family === 6 ? `[${ip.text}]` : ip.text;
}

/** Which range an address falls in; the first matching row of the table below wins. */
export function classifyIp(ip: IpAddress): AddressRange {
  const table = ip.family === 4 ? IPV4_RANGES : IPV6_RANGES;
  for (const [prefix, bits, range] of table) {
    if (inPrefix(ip.bytes, prefix, bits)) return range;
  }
  return AddressRange.Public;
}

/** True when `a` and `b` are the same address (same family and bytes). */
export function sameIp(a: IpAddress, b: IpAddress): boolean {
  if (a.family !== b.family) return false;
  for (let i = 0; i < a.bytes.length; i++) if (a.bytes[i] !== b.bytes[i]) return false;
  return true;
}

// ---------------------------------------------------------------------------

const INVALID: ParsedHost = { kind: 'invalid' };

/** LDH labels of 1–63 characters, dot-separated (RFC 1123 §2.1). No trailing dot, no underscore. */
const DNS_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

function makeIp(family: 4 | 6, bytes: Uint8Array): IpAddress {
  return { family, bytes, text: formatIp(bytes) };
}

function ipv6Host(inner: string): ParsedHost {
  const bytes = parseIpv6Bytes(inner);
  if (bytes === undefined) return INVALID;
  const ip = makeIp(6, bytes);
  return { kind: 'ip', ip, canonical: ip.text === inner };
}

/**
 * WHATWG URL "ends in a number": the last label (ignoring one trailing dot)
 * is all decimal digits, or 0x followed by hex digits. Such a host is an
 * IPv4 address or nothing.
 */
function endsInNumber(lower: string): boolean {
  const labels = lower.split('.');
  if (labels.at(-1) === '' && labels.length > 1) labels.pop();
  const last = labels.at(-1) ?? '';
  return /^[0-9]+$/.test(last) || /^0x[0-9a-f]*$/.test(last);
}

/** inet_aton(3) / WHATWG IPv4 parser: 1–4 parts; the last one fills the remaining bytes. */
function parseIpv4Bytes(lower: string): Uint8Array | undefined {
  const parts = lower.split('.');
  if (parts.at(-1) === '' && parts.length > 1) parts.pop(); // "127.0.0.1." is the same host
  if (parts.length > 4) return undefined;
  const numbers: number[] = [];
  for (const part of parts) {
    const n = parseIpv4Number(part);
    if (n === undefined) return undefined;
    numbers.push(n);
  }
  const last = numbers.pop() ?? 0;
  if (numbers.some((n) => n > 255)) return undefined;
  if (last >= 256 ** (4 - numbers.length)) return undefined;
  let value = last;
  numbers.forEach((n, i) => {
    value += n * 256 ** (3 - i);
  });
  return new Uint8Array([(value >>> 24) & 255, (value >>> 16) & 255, (value >>> 8) & 255, value & 255]);
}

function parseIpv4Number(part: string): number | undefined {
  let digits = part;
  let radix = 10;
  if (/^0x/.test(part)) {
    digits = part.slice(2);
    radix = 16;
    if (digits === '') return 0; // WHATWG: "0x" alone is zero
  } else if (part.length > 1 && part.startsWith('0')) {
    digits = part.slice(1);
    radix = 8;
  }
  const valid = radix === 16 ? /^[0-9a-f]+$/ : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!valid.test(digits) || digits.length > 32) return undefined;
  const n = parseInt(digits, radix);
  return n <= 0xffffffff ? n : undefined;
}

/** RFC 4291 §2.2 text forms. No zone ids: a target is never link-scoped. */
function parseIpv6Bytes(text: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] ?? '';
      if (p.includes('.')) {
        if (i !== parts.length - 1) return undefined;
        const v4 = strictDottedQuad(p);
        if (v4 === undefined) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  // An embedded IPv4 may only end the address.
  if (halves.length === 2 && (halves[0] ?? '').includes('.')) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    if (head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    if (head.length !== 8) return undefined;
    groups = head;
  }
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 255;
  });
  return bytes;
}

/** Four decimal parts 0–255 without leading zeros, as inet_pton(AF_INET) accepts. */
function strictDottedQuad(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

function inPrefix(bytes: Uint8Array, prefix: readonly number[], bits: number): boolean {
  for (let i = 0; i < bits; i += 8) {
    const take = Math.min(8, bits - i);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((bytes[i / 8] ?? 0) & mask) !== ((prefix[i / 8] ?? 0) & mask)) return false;
  }
  return true;
}

type RangeRow = readonly [prefix: readonly number[], bits: number, range: AddressRange];

/** IANA IPv4 Special-Purpose Address Registry (RFC 6890), plus multicast and 240/4. */
const IPV4_RANGES: readonly RangeRow[] = [
  [[0], 8, AddressRange.Unspecified],
  [[10], 8, AddressRange.Private],
  [[100, 64], 10, AddressRange.Cgnat],
  [[127], 8, AddressRange.Loopback],
  [[169, 254], 16, AddressRange.LinkLocal],
  [[172, 16], 12, AddressRange.Private],
  [[192, 0, 0], 24, AddressRange.Reserved],
  [[192, 0, 2], 24, AddressRange.Reserved],
  [[192, 88, 99], 24, AddressRange.Reserved],
  [[192, 168], 16, AddressRange.Private],
  [[198, 18], 15, AddressRange.Reserved],
  [[198, 51, 100], 24, AddressRange.Reserved],
  [[203, 0, 113], 24, AddressRange.Reserved],
  [[224], 4, AddressRange.Multicast],
  [[240], 4, AddressRange.Reserved], // includes 255.255.255.255
];

const z = (n: number) => new Array<number>(n).fill(0);

/** IANA IPv6 Special-Purpose Address Registry (RFC 6890 and later). */
const IPV6_RANGES: readonly RangeRow[] = [
  [z(16), 128, AddressRange.Unspecified],
  [[...z(15), 1], 128, AddressRange.Loopback],
  [[...z(10), 0xff, 0xff], 96, AddressRange.Ipv4Mapped],
  [z(12), 96, AddressRange.Ipv4Embedding], // IPv4-compatible (deprecated, RFC 4291 §2.5.5.1)
  [[0, 0x64, 0xff, 0x9b], 32, AddressRange.Ipv4Embedding], // NAT64 64:ff9b::/96 and 64:ff9b:1::/48
  [[0x01, 0x00, ...z(6)], 64, AddressRange.Reserved], // discard-only 100::/64
  [[0x20, 0x01, 0, 0], 32, AddressRange.Ipv4Embedding], // Teredo 2001::/32
  [[0x20, 0x01, 0x0d, 0xb8], 32, AddressRange.Reserved], // documentation
  [[0x20, 0x01, 0x00], 23, AddressRange.Reserved], // IETF protocol assignments 2001::/23
  [[0x20, 0x02], 16, AddressRange.Ipv4Embedding], // 6to4
  [[0xfc], 7, AddressRange.Private],
  [[0xfe, 0x80], 10, AddressRange.LinkLocal],
  [[0xfe, 0xc0], 10, AddressRange.Reserved], // site-local (deprecated)
  [[0xff], 8, AddressRange.Multicast],
];
