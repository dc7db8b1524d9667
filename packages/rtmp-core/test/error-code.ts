/** Test helper: the RtmpError code `f` throws, or undefined if it returns. Rethrows anything else. */
import { RtmpError } from '../src/errors.ts';

/** Runs `f`; returns the code of the RtmpError it throws, undefined if none, rethrows other errors. */
export function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof RtmpError) return e.code;
    throw e;
  }
  return undefined;
}
