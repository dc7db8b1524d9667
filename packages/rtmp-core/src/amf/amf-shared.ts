/**
 * Machinery shared by the AMF0 and AMF3 codecs: the decode budget (caps and
 * item counter), the errors they raise, the funnel that guarantees only an
 * {@link RtmpError} leaves a decoder, UTF-8, and how encoders classify
 * objects. Internal to `src/amf/`; not re-exported as public API.
 */
import { RtmpError, RtmpErrorCode as Code } from '../errors.ts';
import type { ByteCursor } from '../bytes/byte-cursor.ts';
import {
  AMF_CLASS_NAME,
  AMF_DEFAULT_MAX_DEPTH,
  AMF_DEFAULT_MAX_ITEMS,
  AMF_ECMA_ARRAY,
  AmfVector,
  AmfXml,
  type AmfDecodeOptions,
  type AmfEncodeOptions,
  type AmfObject,
  type AmfValue,
} from './amf-value.ts';

/**
 * How the encoders see an object value. Both encoders switch on this, so the
 * two agree on what is what.
 * @internal
 */
export type AmfObjectKind =
  | 'array'
  | 'date'
  | 'bytes'
  | 'xml'
  | 'vector'
  | 'dictionary'
  | 'ecma-array'
  | 'typed-object'
  | 'object';

/**
 * Classifies a non-null object for encoding; throws `AmfUnencodable` for
 * built-ins that would otherwise be silently encoded as an empty object.
 * @internal
 */
export function amfObjectKind(v: object): AmfObjectKind {
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'date';
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof AmfXml) return 'xml';
  if (v instanceof AmfVector) return 'vector';
  if (v instanceof Map) return 'dictionary';
  if (
    ArrayBuffer.isView(v) ||
    v instanceof ArrayBuffer ||
    v instanceof Set ||
    v instanceof WeakMap ||
    v instanceof WeakSet ||
    v instanceof Promise ||
    v instanceof RegExp
  ) {
    throw unencodable(`cannot encode a ${v.constructor.name} in AMF`);
  }
  const o = v as AmfObject;
  if (typeof o[AMF_CLASS_NAME] === 'string') return 'typed-object';
  if (o[AMF_ECMA_ARRAY] === true) return 'ecma-array';
  return 'object';
}

// ---------------------------------------------------------------------------
// Caps

function checkCap(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new TypeError(`${name} must be a non-negative integer, got ${String(v)}`);
  }
  return v;
}

/**
 * The caps and the item counter for one message. An AMF0 decode that switches
 * to AMF3 (avmplus marker) hands its budget to the AMF3 context, so the cap
 * covers the whole message.
 */
export class AmfBudget {
  /** See {@link AmfDecodeOptions.maxDepth}. */
  readonly maxDepth: number;
  /** See {@link AmfDecodeOptions.maxItems}. */
  readonly maxItems: number;
  /** Values decoded so far. */
  items = 0;

  constructor(options: AmfDecodeOptions = {}) {
    this.maxDepth = checkCap('AmfDecodeOptions.maxDepth', options.maxDepth, AMF_DEFAULT_MAX_DEPTH);
    this.maxItems = checkCap('AmfDecodeOptions.maxItems', options.maxItems, AMF_DEFAULT_MAX_ITEMS);
  }

  /** Counts `n` more decoded values; throws `AmfTooManyItems` past the cap. */
  count(n = 1): void {
    this.items += n;
    if (this.items > this.maxItems) {
      throw new RtmpError(Code.AmfTooManyItems, `AMF message holds more than ${this.maxItems} values`);
    }
  }

  /** Throws `AmfDepthExceeded` if a container at `depth` would nest too deep. */
  enter(depth: number): void {
    if (depth >= this.maxDepth) {
      throw new RtmpError(Code.AmfDepthExceeded, `AMF nesting deeper than ${this.maxDepth}`);
    }
  }
}

/** The encoders' depth cap, validated. @internal */
export function encodeMaxDepth(options: AmfEncodeOptions | undefined): number {
  return checkCap('AmfEncodeOptions.maxDepth', options?.maxDepth, AMF_DEFAULT_MAX_DEPTH);
}

// ---------------------------------------------------------------------------
// Errors

/** An `AmfUnencodable` error. @internal */
export function unencodable(message: string): RtmpError {
  return new RtmpError(Code.AmfUnencodable, message, { fatal: false });
}

/** An `AmfBadReference` error. @internal */
export function badReference(message: string): RtmpError {
  return new RtmpError(Code.AmfBadReference, message);
}

/** An `AmfUnsupportedMarker` error naming the marker and where it was. @internal */
export function unsupportedMarker(format: 'AMF0' | 'AMF3', marker: number, offset: number, why = ''): RtmpError {
  const hex = `0x${marker.toString(16).padStart(2, '0')}`;
  return new RtmpError(
    Code.AmfUnsupportedMarker,
    `${format} marker ${hex} at offset ${offset} is not supported${why ? `: ${why}` : ''}`,
  );
}

/**
 * The funnel every decoder's `catch` goes through: an {@link RtmpError}
 * passes as it is; anything else (which would be a bug, or the engine
 * running out of stack or memory) becomes one, so callers need only one
 * kind of error handling for bad input.
 * @internal
 */
export function toAmfError(e: unknown): RtmpError {
  if (e instanceof RtmpError) return e;
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    return new RtmpError(Code.AmfDepthExceeded, 'AMF nesting exhausted the stack', { cause: e });
  }
  const detail = e instanceof Error ? e.message : String(e);
  return new RtmpError(Code.AmfUnsupportedMarker, `AMF data could not be decoded: ${detail}`, { cause: e });
}

/**
 * Stand-in for a complex value whose decoding has started but not finished.
 * A reference that resolves to it is a cycle, which the decoders refuse.
 * @internal
 */
export const PENDING: unique symbol = Symbol('amf.pending');

/** A slot of a decoder's object reference table. @internal */
export type AmfRefSlot = AmfValue | typeof PENDING;

// ---------------------------------------------------------------------------
// UTF-8

// ignoreBOM: keep a leading U+FEFF as data, so strings round-trip exactly.
// Not fatal: a peer's malformed UTF-8 becomes U+FFFD rather than an error,
// as Flash Player itself was lenient here.
const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/**
 * Reads `n` bytes of UTF-8 at the cursor. Short ASCII strings (property
 * names, command names) skip TextDecoder, whose per-call cost dominates there.
 * @internal
 */
export function readUtf8(c: ByteCursor, n: number, what: string): string {
  c.need(n, what);
  const b = c.bytes;
  const start = c.pos;
  const end = start + n;
  c.pos = end;
  if (n <= 64) {
    let s = '';
    for (let i = start; i < end; i++) {
      const x = b[i]!;
      if (x >= 0x80) return utf8Decoder.decode(b.subarray(start, end));
      s += String.fromCharCode(x);
    }
    return s;
  }
  return utf8Decoder.decode(b.subarray(start, end));
}

/**
 * UTF-8 bytes of `s`. Lone surrogates become U+FFFD (TextEncoder), as UTF-8
 * cannot carry them.
 * @internal
 */
export function utf8Bytes(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}
