/**
 * AMF0 decoding and encoding (Adobe "AMF0 File Format Specification",
 * amf0-file-format-specification).
 *
 * AMF0 is what RTMP command messages (type 20) and data messages (type 18,
 * `onMetaData`) carry: a plain concatenation of values, each a one-byte
 * marker and a body.
 *
 * ```
 * number       00 DOUBLE
 * boolean      01 U8
 * string       02 U16 len, UTF-8          long string  0C U32 len, UTF-8
 * object       03 (U16 len, UTF-8 name, value)* 00 00 09
 * ecma array   08 U32 count (a hint) (name, value)* 00 00 09
 * strict array 0A U32 count, value*
 * typed object 10 U16 len, UTF-8 class name, (name, value)* 00 00 09
 * date         0B DOUBLE ms since epoch, S16 time zone (reserved: 0)
 * reference    07 U16 index into the complex-object table
 * avmplus      11 one AMF3 value
 * ```
 *
 * Decoding treats the bytes as hostile: lengths and counts are checked
 * against the bytes left before anything is allocated or looped over,
 * nesting is capped, and references may only point at complete objects.
 */
import { ByteCursor, ByteWriter } from '../bytes/byte-cursor.ts';
import { RtmpError, RtmpErrorCode as Code } from '../errors.ts';
import {
  AMF_CLASS_NAME,
  AMF_ECMA_ARRAY,
  Amf0Marker as M,
  AmfXml,
  setAmfProperty,
  type AmfDecodeOptions,
  type AmfEncodeOptions,
  type AmfObject,
  type AmfValue,
} from './amf-value.ts';
import {
  AmfBudget,
  PENDING,
  amfObjectKind,
  badReference,
  encodeMaxDepth,
  readUtf8,
  toAmfError,
  unencodable,
  unsupportedMarker,
  utf8Bytes,
  type AmfRefSlot,
} from './amf-shared.ts';
import { Amf3DecodeContext, Amf3EncodeContext, readAmf3Value, writeAmf3ValueAt } from './amf3.ts';

/**
 * The reference table and caps for decoding one AMF0 message. Keep one per
 * message when calling {@link decodeAmf0Value} value by value: references
 * (marker 0x07) may point at objects in earlier values of the same message.
 */
export class Amf0DecodeContext {
  /** The caps and item counter for the whole message, AMF3 parts included. */
  readonly budget: AmfBudget;
  /**
   * Complex values in order of first appearance (AMF0 §2.9: anonymous
   * objects, typed objects, ECMA arrays and strict arrays). An entry is
   * {@link PENDING} while its own contents are being decoded.
   */
  readonly objects: AmfRefSlot[] = [];

  constructor(options?: AmfDecodeOptions | AmfBudget) {
    this.budget = options instanceof AmfBudget ? options : new AmfBudget(options);
  }
}

/**
 * Decodes every AMF0 value in `bytes`, in order, until the bytes end; e.g. a
 * command message body gives `["connect", 1, {app: "live", ...}]`.
 *
 * @throws RtmpError AmfTruncated, AmfDepthExceeded, AmfTooManyItems,
 *   AmfUnsupportedMarker or AmfBadReference; never anything else.
 */
export function decodeAmf0(bytes: Uint8Array, options?: AmfDecodeOptions): AmfValue[] {
  const ctx = new Amf0DecodeContext(options);
  const c = new ByteCursor(bytes, Code.AmfTruncated);
  const out: AmfValue[] = [];
  try {
    while (c.remaining > 0) out.push(readValue(c, ctx, 0));
  } catch (e) {
    throw toAmfError(e);
  }
  return out;
}

/**
 * Decodes one AMF0 value at the cursor and advances past it, for callers that
 * read a message value by value (the command layer). Build the cursor with
 * `RtmpErrorCode.AmfTruncated` so running out of bytes reports as AMF.
 *
 * @param ctx the message's reference table and caps; a fresh one by default
 * @throws RtmpError only (see {@link decodeAmf0})
 */
export function decodeAmf0Value(cursor: ByteCursor, ctx: Amf0DecodeContext = new Amf0DecodeContext()): AmfValue {
  try {
    return readValue(cursor, ctx, 0);
  } catch (e) {
    throw toAmfError(e);
  }
}

/** Resolves a reference (AMF0 §2.9), refusing out-of-range indexes and cycles. */
function objectRef(ctx: Amf0DecodeContext, index: number): AmfValue {
  if (index >= ctx.objects.length) {
    throw badReference(`AMF0 reference ${index} out of range (table has ${ctx.objects.length})`);
  }
  const v = ctx.objects[index];
  // Only an ancestor of the current value can still be pending: a cycle.
  // Refused, as RTMP never needs one and app code rarely survives one.
  if (v === PENDING) throw badReference(`AMF0 reference ${index} is a cycle (refused)`);
  return v;
}

function readValue(c: ByteCursor, ctx: Amf0DecodeContext, depth: number): AmfValue {
  ctx.budget.count();
  const at = c.pos;
  const marker = c.u8();
  switch (marker) {
    case M.Number:
      return c.f64be();
    case M.Boolean:
      return c.u8() !== 0;
    case M.String:
      return readUtf8(c, c.u16be(), 'AMF0 string');
    case M.LongString:
      return readUtf8(c, c.u32be(), 'AMF0 long string');
    case M.Null:
      return null;
    case M.Undefined:
      return undefined;
    case M.Object:
      return readProperties(c, ctx, depth, {});
    case M.TypedObject: {
      const className = readUtf8(c, c.u16be(), 'AMF0 class name');
      const obj: AmfObject = {};
      obj[AMF_CLASS_NAME] = className;
      return readProperties(c, ctx, depth, obj);
    }
    case M.EcmaArray: {
      // The count is only a hint (AMF0 §2.10): encoders are known to write 0
      // or a wrong value, so read until the object end as for an object.
      c.u32be();
      const obj: AmfObject = {};
      obj[AMF_ECMA_ARRAY] = true;
      return readProperties(c, ctx, depth, obj);
    }
    case M.StrictArray: {
      const n = c.u32be();
      // Every value takes at least its marker byte: a count past the bytes
      // left is truncated input, and must fail before we allocate or loop.
      c.need(n, 'AMF0 strict array (1 byte per element at least)');
      ctx.budget.enter(depth);
      const slot = ctx.objects.length;
      ctx.objects.push(PENDING);
      const arr: AmfValue[] = [];
      for (let i = 0; i < n; i++) arr.push(readValue(c, ctx, depth + 1));
      ctx.objects[slot] = arr;
      return arr;
    }
    case M.Date: {
      const ms = c.f64be();
      c.skip(2); // time-zone: "reserved, not supported, should be set to 0x0000" (AMF0 §2.13)
      return new Date(ms);
    }
    case M.Reference:
      return objectRef(ctx, c.u16be());
    case M.XmlDocument: {
      const text = readUtf8(c, c.u32be(), 'AMF0 XML document');
      return new AmfXml(text, 'document');
    }
    case M.AvmPlusObject:
      // One AMF3 value follows, with its own (fresh) AMF3 reference tables;
      // the caps and item count carry over (AMF0 §3.1).
      return readAmf3Value(c, new Amf3DecodeContext(ctx.budget), depth);
    case M.MovieClip:
      throw unsupportedMarker('AMF0', marker, at, 'movieclip is reserved');
    case M.RecordSet:
      throw unsupportedMarker('AMF0', marker, at, 'recordset is reserved');
    case M.Unsupported:
      throw unsupportedMarker('AMF0', marker, at, 'the sender could not serialize this value');
    case M.ObjectEnd:
      throw unsupportedMarker('AMF0', marker, at, 'object end outside an object');
    default:
      throw unsupportedMarker('AMF0', marker, at);
  }
}

/**
 * The body of an object, typed object or ECMA array (AMF0 §2.5, §2.10, §2.18):
 * name/value pairs until an empty name followed by the object-end marker.
 * An empty name followed by anything else is a property named "".
 */
function readProperties(c: ByteCursor, ctx: Amf0DecodeContext, depth: number, obj: AmfObject): AmfObject {
  ctx.budget.enter(depth);
  const slot = ctx.objects.length;
  ctx.objects.push(PENDING);
  for (;;) {
    const len = c.u16be();
    if (len === 0) {
      c.need(1, 'AMF0 object end');
      if (c.bytes[c.pos] === M.ObjectEnd) {
        c.pos++;
        break;
      }
    }
    const key = readUtf8(c, len, 'AMF0 property name');
    setAmfProperty(obj, key, readValue(c, ctx, depth + 1));
  }
  ctx.objects[slot] = obj;
  return obj;
}

// ---------------------------------------------------------------------------
// Encoding

// References are U16 indexes (AMF0 §2.9).
const MAX_REFERENCE = 0xffff;

/**
 * The reference table for encoding one AMF0 message. Keep one per message
 * when calling {@link writeAmf0Value} value by value.
 */
export class Amf0EncodeContext {
  /** Depth cap (see {@link AmfEncodeOptions.maxDepth}). */
  readonly maxDepth: number;
  /** Complex objects already sent (by identity), by table index. */
  readonly objects = new Map<object, number>();
  /** Number of complex objects sent so far (the next table index). */
  count = 0;
  // Objects being written right now: meeting one again is a cycle.
  private readonly active = new Set<object>();

  constructor(options?: AmfEncodeOptions) {
    this.maxDepth = encodeMaxDepth(options);
  }

  /** @internal Writes a reference if `v` was sent before; else registers it and opens it. */
  refOrOpen(w: ByteWriter, v: object, depth: number): boolean {
    if (this.active.has(v)) throw unencodable('cannot encode a cyclic value in AMF0');
    const idx = this.objects.get(v);
    if (idx !== undefined && idx <= MAX_REFERENCE) {
      w.u8(M.Reference).u16be(idx);
      return true;
    }
    if (depth >= this.maxDepth) {
      throw new RtmpError(Code.AmfDepthExceeded, `AMF value nests deeper than ${this.maxDepth}`, { fatal: false });
    }
    // Past index 65535 an object cannot be referenced: it goes out again in
    // full, and takes a new table slot as the decoder will count it too.
    if (idx === undefined) this.objects.set(v, this.count);
    this.count++;
    this.active.add(v);
    return false;
  }

  /** @internal Ends {@link refOrOpen}. */
  close(v: object): void {
    this.active.delete(v);
  }
}

/**
 * Encodes `values` as consecutive AMF0 values, e.g.
 * `encodeAmf0(["connect", 1, { app: "live", ... }])` for a command body.
 *
 * Strings longer than 65535 UTF-8 bytes become long strings. An object,
 * array or ECMA array met again (by identity) is sent as a reference
 * (AMF0 §2.9). Values AMF0 has no type for (ByteArray, Vector, Dictionary,
 * E4X XML) go out as AMF3 after an avmplus marker (AMF0 §3.1).
 *
 * @throws RtmpError AmfUnencodable (functions, symbols, bigints, cycles,
 *   property names over 65535 bytes) or AmfDepthExceeded.
 */
export function encodeAmf0(values: readonly AmfValue[], options?: AmfEncodeOptions): Uint8Array {
  const ctx = new Amf0EncodeContext(options);
  const w = new ByteWriter();
  for (const v of values) writeValue(w, ctx, v, 0);
  return w.finish();
}

/**
 * Appends one AMF0 value to `w`.
 *
 * @param ctx the message's reference table; a fresh one by default
 */
export function writeAmf0Value(w: ByteWriter, value: AmfValue, ctx: Amf0EncodeContext = new Amf0EncodeContext()): void {
  writeValue(w, ctx, value, 0);
}

function writeValue(w: ByteWriter, ctx: Amf0EncodeContext, v: AmfValue, depth: number): void {
  switch (typeof v) {
    case 'number':
      w.u8(M.Number).f64be(v);
      return;
    case 'boolean':
      w.u8(M.Boolean).u8(v ? 1 : 0);
      return;
    case 'string': {
      const bytes = utf8Bytes(v);
      if (bytes.length <= 0xffff) {
        w.u8(M.String).u16be(bytes.length);
      } else if (bytes.length <= 0xffffffff) {
        w.u8(M.LongString).u32be(bytes.length);
      } else {
        throw unencodable('string too long for AMF0');
      }
      w.bytes(bytes);
      return;
    }
    case 'undefined':
      w.u8(M.Undefined);
      return;
    case 'object':
      if (v === null) {
        w.u8(M.Null);
        return;
      }
      writeComplex(w, ctx, v, depth);
      return;
    default:
      throw unencodable(`cannot encode a ${typeof v} in AMF0`);
  }
}

/** A U16-length UTF-8 string without marker (property and class names). */
function writeName(w: ByteWriter, s: string): void {
  const bytes = utf8Bytes(s);
  if (bytes.length > 0xffff) throw unencodable('property or class name longer than 65535 bytes');
  w.u16be(bytes.length).bytes(bytes);
}

function writeProperties(w: ByteWriter, ctx: Amf0EncodeContext, o: AmfObject, keys: readonly string[], depth: number): void {
  for (const key of keys) {
    writeName(w, key);
    writeValue(w, ctx, o[key], depth + 1);
  }
  w.u16be(0).u8(M.ObjectEnd);
}

function writeComplex(w: ByteWriter, ctx: Amf0EncodeContext, v: object, depth: number): void {
  switch (amfObjectKind(v)) {
    case 'date':
      w.u8(M.Date).f64be((v as Date).getTime()).u16be(0);
      return;
    case 'array': {
      if (ctx.refOrOpen(w, v, depth)) return;
      const a = v as AmfValue[];
      w.u8(M.StrictArray).u32be(a.length);
      // Holes read as undefined and are sent as such.
      for (let i = 0; i < a.length; i++) writeValue(w, ctx, a[i], depth + 1);
      ctx.close(v);
      return;
    }
    case 'object': {
      if (ctx.refOrOpen(w, v, depth)) return;
      w.u8(M.Object);
      writeProperties(w, ctx, v as AmfObject, Object.keys(v), depth);
      ctx.close(v);
      return;
    }
    case 'ecma-array': {
      if (ctx.refOrOpen(w, v, depth)) return;
      const keys = Object.keys(v);
      w.u8(M.EcmaArray).u32be(keys.length);
      writeProperties(w, ctx, v as AmfObject, keys, depth);
      ctx.close(v);
      return;
    }
    case 'typed-object': {
      if (ctx.refOrOpen(w, v, depth)) return;
      const o = v as AmfObject;
      w.u8(M.TypedObject);
      writeName(w, o[AMF_CLASS_NAME]!);
      writeProperties(w, ctx, o, Object.keys(o), depth);
      ctx.close(v);
      return;
    }
    case 'xml': {
      const x = v as AmfXml;
      if (x.kind === 'document') {
        const bytes = utf8Bytes(x.text);
        w.u8(M.XmlDocument).u32be(bytes.length).bytes(bytes);
        return;
      }
      writeAvmPlus(w, ctx, v as AmfXml, depth);
      return;
    }
    case 'bytes':
    case 'vector':
    case 'dictionary':
      writeAvmPlus(w, ctx, v as AmfValue, depth);
      return;
  }
}

/** Sends one value as AMF3 (AMF0 §3.1), with fresh AMF3 reference tables. */
function writeAvmPlus(w: ByteWriter, ctx: Amf0EncodeContext, v: AmfValue, depth: number): void {
  w.u8(M.AvmPlusObject);
  writeAmf3ValueAt(w, new Amf3EncodeContext({ maxDepth: ctx.maxDepth }), v, depth);
}
