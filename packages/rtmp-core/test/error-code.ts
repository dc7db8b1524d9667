/** Test helpers: the RtmpError (or its code) `f` throws, or undefined if it returns. Anything else is rethrown. */
import { RtmpError } from '../src/errors.ts';

/** Runs `f`; returns the RtmpError it throws, undefined if none, rethrows other errors. */
export function errorOf(f: () => unknown): RtmpError | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof RtmpError) return e;
    throw e;
  }
  return undefined;
}

/** Runs `f`; returns the code of the RtmpError it throws, undefined if none, rethrows other errors. */
export function codeOf(f: () => unknown): string | undefined {
  return errorOf(f)?.code;
}
