/**
 * Why the bridge refused a WebSocket upgrade, and what the client sees.
 *
 * The reason goes to the log and the metrics only. The client sees one of a
 * few HTTP statuses, chosen so it learns nothing about the allowlist or DNS:
 * every policy refusal (origin, token, target, address) is the same 403 with
 * the same body, sent before the upgrade and before any outbound connection.
 */

/** Stable refusal reasons. The values never change once released. */
export const RefusalReason = {
  /** Not a valid WebSocket upgrade request (method, headers). HTTP 400. */
  BadUpgrade: 'bad-upgrade',
  /** The Origin header is missing or not on the origin allowlist. HTTP 403. */
  Origin: 'origin',
  /** A token secret is set and the token is missing, malformed, forged, expired or for another target. HTTP 403. */
  Token: 'token',
  /** `host`/`port`/`tls` missing, repeated or malformed. HTTP 403. */
  BadTarget: 'bad-target',
  /** An IP literal spelled other than canonically (`127.1`, `0x7f.0.0.1`, `[::ffff:127.0.0.1]`). HTTP 403. */
  NonCanonicalIp: 'non-canonical-ip',
  /** The host and port match no allowlist entry. HTTP 403. */
  NotAllowed: 'not-allowed',
  /** The name did not resolve (or the resolver failed or timed out). HTTP 403. */
  DnsFailed: 'dns-failed',
  /** The name resolved to a private, loopback, link-local, CGNAT, mapped or reserved address that no entry names. HTTP 403. */
  AddressForbidden: 'address-forbidden',
  /** The global connection limit is reached. HTTP 503. */
  LimitGlobal: 'limit-global',
  /** The per-client-IP connection limit is reached. HTTP 429. */
  LimitPerIp: 'limit-per-ip',
  /** The bridge is shutting down. HTTP 503. */
  ShuttingDown: 'shutting-down',
  /** The target refused or reset the connection, or TLS verification failed. HTTP 502. */
  ConnectFailed: 'connect-failed',
  /** The target did not connect within the connect timeout (or the handshake timed out). HTTP 504. */
  ConnectTimeout: 'connect-timeout',
} as const;

/** One of the values of {@link RefusalReason}. */
export type RefusalReason = (typeof RefusalReason)[keyof typeof RefusalReason];

/** The HTTP status the client gets for each refusal reason. */
export const REFUSAL_STATUS: Readonly<Record<RefusalReason, number>> = {
  'bad-upgrade': 400,
  origin: 403,
  token: 403,
  'bad-target': 403,
  'non-canonical-ip': 403,
  'not-allowed': 403,
  'dns-failed': 403,
  'address-forbidden': 403,
  'limit-global': 503,
  'limit-per-ip': 429,
  'shutting-down': 503,
  'connect-failed': 502,
  'connect-timeout': 504,
};
