/**
 * A deadline for a promise that may never settle: a browser call such as
 * WebCodecs' `isConfigSupported()`, which a media stack in trouble can leave
 * unanswered. The caller decides what no answer means.
 */

/**
 * How long the player and the publisher wait for WebCodecs'
 * isConfigSupported() before taking no answer as a yes (they then configure,
 * and the codec's error callback tells if it cannot), ms.
 */
export const SUPPORT_CHECK_TIMEOUT_MS = 3000;

/** What {@link within} gives when the answer did not come in time. */
export const TIMED_OUT: unique symbol = Symbol('timed out');

/** `answer`'s value, or {@link TIMED_OUT} when it has not settled within `ms`; a rejection passes through. The timer is cleared either way. */
export async function within<T>(answer: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), ms)));
  try {
    return await Promise.race([answer, late]);
  } finally {
    clearTimeout(timer);
  }
}
