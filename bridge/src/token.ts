/**
 * HMAC-signed, expiring access tokens.
 *
 * A token is `<payload>.<signature>`, both base64url without padding:
 * payload is the JSON `{"v":1,"exp":<unix seconds>,"tgt":"host:port"?}`,
 * signature is HMAC-SHA256(secret, "rtmp-bridge-token.v1." + payload).
 * The signature is checked (in constant time) before the payload is parsed.
 * A token with `tgt` is good for that one target only.
 *
 * Mint tokens on your own backend, hand them to the page, and the page adds
 * `&token=…` to the bridge URL. They are bearer tokens: keep the TTL short.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseTargetSpec } from './allowlist.ts';

/** Options for {@link mintToken}. */
export interface MintTokenOptions {
  /** The shared secret (the bridge's `--token-secret`). At least 16 bytes. */
  secret: string | Uint8Array;
  /** Lifetime in seconds, 1 to 31 days' worth. */
  ttlSeconds: number;
  /** Bind the token to this one `host:port` (IPv6 as `[addr]:port`). */
  target?: string;
  /** The current time in milliseconds; for tests. Defaults to `Date.now()`. */
  now?: number;
}

/** Options for {@link verifyToken}. */
export interface VerifyTokenOptions {
  /** The shared secret. */
  secret: string | Uint8Array;
  /** The canonical `host:port` the client asked for (see `TargetSpec.label`). */
  target: string;
  /** The current time in milliseconds; for tests. Defaults to `Date.now()`. */
  now?: number;
}

/** Why a token was not accepted. For logs only: the client sees one uniform refusal. */
export type TokenProblem = 'missing' | 'malformed' | 'bad-signature' | 'expired' | 'wrong-target';

/** The result of {@link verifyToken}. */
export type TokenCheck = { readonly ok: true; readonly expiresAt: number } | { readonly ok: false; readonly problem: TokenProblem };

/** Longest token accepted; a signed payload with a long host name fits easily. */
const MAX_TOKEN_LENGTH = 1024;
const MAX_TTL_SECONDS = 31 * 24 * 3600;
const CONTEXT = 'rtmp-bridge-token.v1.';

/** Mints a token. Throws a TypeError naming the bad option. */
export function mintToken(options: MintTokenOptions): string {
  const { ttlSeconds } = options;
  assertTokenSecret(options.secret);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TTL_SECONDS) {
    throw new TypeError(`mintToken: ttlSeconds must be an integer from 1 to ${MAX_TTL_SECONDS}`);
  }
  const payload: { v: 1; exp: number; tgt?: string } = {
    v: 1,
    exp: Math.floor((options.now ?? Date.now()) / 1000) + ttlSeconds,
  };
  if (options.target !== undefined) payload.tgt = canonicalTarget(options.target);
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${sign(options.secret, body).toString('base64url')}`;
}

/** Verifies a token's signature, expiry and target binding. Never throws for bad input. */
export function verifyToken(token: string | undefined, options: VerifyTokenOptions): TokenCheck {
  if (token === undefined || token === '') return { ok: false, problem: 'missing' };
  if (token.length > MAX_TOKEN_LENGTH) return { ok: false, problem: 'malformed' };
  const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(token);
  if (match === null) return { ok: false, problem: 'malformed' };
  const [, body = '', signature = ''] = match;
  const expected = sign(options.secret, body);
  const given = Buffer.from(signature, 'base64url');
  // Lengths are public (always 32 for SHA-256); compare the bytes in constant time.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, problem: 'bad-signature' };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, problem: 'malformed' };
  }
  if (typeof payload !== 'object' || payload === null) return { ok: false, problem: 'malformed' };
  const { v, exp, tgt } = payload as { v?: unknown; exp?: unknown; tgt?: unknown };
  if (v !== 1 || typeof exp !== 'number' || (tgt !== undefined && typeof tgt !== 'string')) {
    return { ok: false, problem: 'malformed' };
  }
  if ((options.now ?? Date.now()) >= exp * 1000) return { ok: false, problem: 'expired' };
  if (tgt !== undefined && tgt !== options.target) return { ok: false, problem: 'wrong-target' };
  return { ok: true, expiresAt: exp * 1000 };
}

function sign(secret: string | Uint8Array, body: string): Buffer {
  return createHmac('sha256', secret).update(CONTEXT + body).digest();
}

/** Throws a TypeError unless `secret` is a string or bytes of at least 16 bytes. */
export function assertTokenSecret(secret: string | Uint8Array): void {
  const length = typeof secret === 'string' ? Buffer.byteLength(secret) : secret?.byteLength;
  if (typeof length !== 'number' || length < 16) {
    throw new TypeError('token secret must be at least 16 bytes');
  }
}

function canonicalTarget(target: string): string {
  const colon = target.lastIndexOf(':');
  const spec = colon > 0 ? parseTargetSpec(target.slice(0, colon), target.slice(colon + 1)) : undefined;
  if (spec === undefined) throw new TypeError(`mintToken: target ${JSON.stringify(target)} is not host:port`);
  return spec.label;
}
