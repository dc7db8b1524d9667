/**
 * Reconnect timing shared by the player and the publisher: capped exponential
 * backoff with full jitter, so a restarted server is not hit by every client
 * at the same instant, and a returning server is retried within `maxMs`.
 */

/** Options for {@link backoffDelay}. */
export interface BackoffOptions {
  /** First retry delay, ms. Default 250. */
  baseMs?: number;
  /** Largest delay, ms. Default 2000 (so a returning server is reached within ~2 s). */
  maxMs?: number;
  /** Random source in [0, 1). Default Math.random. */
  random?: () => number;
}

/**
 * The delay before retry number `attempt` (0-based): a random value between
 * half and all of min(maxMs, baseMs·2^attempt).
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 250;
  const max = options.maxMs ?? 2000;
  const cap = Math.min(max, base * 2 ** Math.min(attempt, 20));
  const r = (options.random ?? Math.random)();
  return Math.round(cap / 2 + (cap / 2) * r);
}
