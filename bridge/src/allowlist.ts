/**
 * The target allowlist: which `host:port` pairs a client may reach, and the
 * check that turns a requested target into the addresses to connect to.
 *
 * Deny by default. A request is allowed only when:
 * 1. its host is a DNS name matching a name or wildcard entry with the same
 *    port, and every address the name resolves to is public, or is named by a
 *    literal entry with the same port; or
 * 2. its host is an IP literal, spelled canonically, named by a literal entry
 *    with the same port (then any range is fine: the operator named it).
 *
 * The addresses checked are the addresses connected to: the name is resolved
 * once, here, so DNS rebinding between check and connect is not possible.
 */
import { promises as dns } from 'node:dns';
import { classifyIp, hostText, parseHost, sameIp, AddressRange, type IpAddress } from './ip-address.ts';
import { RefusalReason } from './refusal.ts';

/** One allowlist entry, parsed. */
export type AllowEntry =
  /** A DNS name, lower case. */
  | { readonly kind: 'name'; readonly name: string; readonly port: number }
  /** `*.suffix`: exactly one more label in front of `suffix` (like a TLS wildcard). */
  | { readonly kind: 'wildcard'; readonly suffix: string; readonly port: number }
  /** An IP literal, stored canonically. */
  | { readonly kind: 'ip'; readonly ip: IpAddress; readonly port: number };

/** One answer of a {@link Lookup}, as `dns.promises.lookup(host, { all: true })` gives them. */
export interface LookupAnswer {
  /** The address text. */
  readonly address: string;
  /** 4 or 6 (informational: the address text decides). */
  readonly family: number;
}

/** Resolves a host name to addresses. Inject one in tests: never real DNS there. */
export type Lookup = (hostname: string) => Promise<readonly LookupAnswer[]>;

/** The system resolver (getaddrinfo), all answers in resolver order. */
export const systemLookup: Lookup = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

/** A requested target after syntax checks, before the allowlist and DNS. */
export interface TargetSpec {
  /** The host: a DNS name or an IP literal. */
  readonly host: { readonly kind: 'name'; readonly name: string } | { readonly kind: 'ip'; readonly ip: IpAddress; readonly canonical: boolean };
  /** 1–65535. */
  readonly port: number;
  /** `host:port` as written canonically (IPv6 in brackets); what tokens bind to and logs show. */
  readonly label: string;
}

/** An allowed target: what to connect to, and the name for SNI and certificate checks. */
export interface AllowedTarget {
  /** Canonical `host:port`. */
  readonly label: string;
  /** The addresses to try, in resolver order, all checked. */
  readonly addresses: readonly IpAddress[];
  /** The port. */
  readonly port: number;
  /** The DNS name, for TLS SNI and certificate checks; undefined for an IP literal. */
  readonly servername: string | undefined;
}

/** The result of {@link authorizeTarget}. */
export type TargetDecision =
  | { readonly ok: true; readonly target: AllowedTarget }
  | { readonly ok: false; readonly reason: RefusalReason };

/** Most answers of one lookup that are checked and tried; the rest are ignored. */
const MAX_ANSWERS = 16;

/**
 * Parses one entry: `host:port`, `[ipv6]:port` or `*.example.com:port`.
 * IP literals may be written in any spelling and are stored canonically.
 * Throws a TypeError naming the entry when it is malformed.
 */
export function parseAllowEntry(text: string): AllowEntry {
  const bad = (why: string) => new TypeError(`allow entry ${JSON.stringify(text)}: ${why}`);
  const split = splitHostPort(text.trim());
  if (split === undefined) throw bad('expected host:port (IPv6 as [addr]:port)');
  const port = parsePort(split.port);
  if (port === undefined) throw bad('port must be 1–65535');
  if (split.host.startsWith('*.')) {
    const suffix = parseHost(split.host.slice(2));
    if (suffix.kind !== 'name' || !suffix.name.includes('.')) {
      throw bad('a wildcard needs at least two labels after "*.", e.g. *.example.com');
    }
    return { kind: 'wildcard', suffix: suffix.name, port };
  }
  const host = parseHost(split.host);
  if (host.kind === 'invalid') throw bad('not a valid host name or IP address');
  if (host.kind === 'ip') return { kind: 'ip', ip: host.ip, port };
  return { kind: 'name', name: host.name, port };
}

/**
 * Parses an allowlist file: one entry per line; blank lines and `#` comments
 * (whole-line or trailing) are ignored. Throws a TypeError naming the line.
 */
export function parseAllowFile(text: string): AllowEntry[] {
  const entries: AllowEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    try {
      entries.push(parseAllowEntry(line));
    } catch (e) {
      throw new TypeError(`line ${i + 1}: ${(e as Error).message}`);
    }
  });
  return entries;
}

/** The canonical text of an entry, as `parseAllowEntry` would accept it. */
export function formatAllowEntry(entry: AllowEntry): string {
  switch (entry.kind) {
    case 'name':
      return `${entry.name}:${entry.port}`;
    case 'wildcard':
      return `*.${entry.suffix}:${entry.port}`;
    case 'ip':
      return `${hostText(entry.ip)}:${entry.port}`;
  }
}

/** A set of allow entries. Empty means nothing is reachable. */
export class Allowlist {
  /** The entries, parsed. */
  readonly entries: readonly AllowEntry[];

  /** Takes entry strings (see {@link parseAllowEntry}) or parsed entries. */
  constructor(entries: Iterable<string | AllowEntry> = []) {
    this.entries = Array.from(entries, (e) => (typeof e === 'string' ? parseAllowEntry(e) : e));
  }

  /** True when a name or wildcard entry matches this lower-case DNS name and port. */
  matchesName(name: string, port: number): boolean {
    return this.entries.some((e) => {
      if (e.port !== port) return false;
      if (e.kind === 'name') return e.name === name;
      if (e.kind === 'wildcard') {
        if (!name.endsWith(`.${e.suffix}`)) return false;
        const label = name.slice(0, -e.suffix.length - 1);
        return label.length > 0 && !label.includes('.');
      }
      return false;
    });
  }

  /** True when a literal entry names this address and port. */
  namesAddress(ip: IpAddress, port: number): boolean {
    return this.entries.some((e) => e.kind === 'ip' && e.port === port && sameIp(e.ip, ip));
  }
}

/**
 * Checks the syntax of a requested `host` and `port` (from the query string)
 * without consulting the allowlist. IP literals in other spellings parse
 * (with `canonical: false`) so they can be refused by {@link authorizeTarget}.
 */
export function parseTargetSpec(host: string, port: string): TargetSpec | undefined {
  const p = parsePort(port);
  const h = parseHost(host);
  if (p === undefined || h.kind === 'invalid') return undefined;
  const label = h.kind === 'ip' ? `${hostText(h.ip)}:${p}` : `${h.name}:${p}`;
  return { host: h, port: p, label };
}

/**
 * Decides whether a target is reachable and, if so, which addresses to
 * connect to. Resolves names with `lookup`; never connects anywhere.
 */
export async function authorizeTarget(spec: TargetSpec, allowlist: Allowlist, lookup: Lookup): Promise<TargetDecision> {
  const { host, port, label } = spec;
  if (host.kind === 'ip') {
    // Refusing other spellings keeps one way to write an allowed address, so
    // no parser disagreement (ours vs the client's vs a proxy's) can matter.
    if (!host.canonical) return { ok: false, reason: RefusalReason.NonCanonicalIp };
    if (!allowlist.namesAddress(host.ip, port)) return { ok: false, reason: RefusalReason.NotAllowed };
    return { ok: true, target: { label, addresses: [host.ip], port, servername: undefined } };
  }
  if (!allowlist.matchesName(host.name, port)) return { ok: false, reason: RefusalReason.NotAllowed };
  let answers: readonly LookupAnswer[];
  try {
    answers = await lookup(host.name);
  } catch {
    return { ok: false, reason: RefusalReason.DnsFailed };
  }
  const addresses: IpAddress[] = [];
  for (const answer of answers.slice(0, MAX_ANSWERS)) {
    const parsed = parseHost(String(answer.address));
    if (parsed.kind !== 'ip') return { ok: false, reason: RefusalReason.DnsFailed };
    // One forbidden answer refuses the whole name: a name that mixes public
    // and private answers is a rebinding attempt or a misconfiguration.
    if (classifyIp(parsed.ip) !== AddressRange.Public && !allowlist.namesAddress(parsed.ip, port)) {
      return { ok: false, reason: RefusalReason.AddressForbidden };
    }
    if (!addresses.some((a) => sameIp(a, parsed.ip))) addresses.push(parsed.ip);
  }
  if (addresses.length === 0) return { ok: false, reason: RefusalReason.DnsFailed };
  return { ok: true, target: { label, addresses, port, servername: host.name } };
}

function splitHostPort(text: string): { host: string; port: string } | undefined {
  if (text.startsWith('[')) {
    const close = text.indexOf(']:');
    if (close < 0) return undefined;
    return { host: text.slice(0, close + 1), port: text.slice(close + 2) };
  }
  const colon = text.lastIndexOf(':');
  if (colon <= 0 || text.indexOf(':') !== colon) return undefined;
  return { host: text.slice(0, colon), port: text.slice(colon + 1) };
}

/** Decimal 1–65535 without leading zeros or signs. */
function parsePort(text: string): number | undefined {
  if (!/^[1-9][0-9]{0,4}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 65535 ? n : undefined;
}
