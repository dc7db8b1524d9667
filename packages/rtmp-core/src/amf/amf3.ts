/**
 * AMF3 decoding and encoding (Adobe "AMF 3 Specification", amf-file-format-spec).
 *
 * RTMP carries AMF3 in message types 15/16/17 and, inside AMF0, after the
 * avmplus-object-marker (0x11). Three reference tables make AMF3 compact:
 * strings, complex objects and object traits (class name + sealed member
 * names), each indexed from 0 in order of first appearance (AMF3 §2.2).
 *
 * Hostile input is the design point: every length or count is checked
 * against the bytes left before anything is allocated or looped over, nesting
 * is capped ({@link AmfDecodeOptions.maxDepth}), and references are
 * range-checked. A reference to an object that is still being decoded (which
 * AMF3 allows, for `a.self = a`) is refused with `AmfBadReference`: RTMP
 * commands and metadata never need cycles, and handing cyclic graphs to app
 * code invites infinite loops in whatever walks them next (JSON.stringify,
 * deep-equal, logging). The encoder refuses cycles for the same reason.
 * Externalizable objects (custom binary formats known only to the class
 * itself) are refused with `AmfUnsupportedMarker`.
 */
import { ByteCursor, ByteWriter, readU32Be } from '../bytes/byte-cursor.ts';
import { RtmpError, RtmpErrorCode as Code } from '../errors.ts';
import {
  AMF_CLASS_NAME,
  AMF_ECMA_ARRAY,
  AmfDictionary,
  Amf3Marker as M,
  AmfVector,
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

/** Smallest and largest values of the AMF3 integer type: signed 29-bit (AMF3 §3.6). */
export const AMF3_INT_MIN = -0x10000000;
/** See {@link AMF3_INT_MIN}. */
export const AMF3_INT_MAX = 0x0fffffff;

// Largest U29 value, and the largest length/count a U29 with a flag bit holds.
const U29_MAX = 0x1fffffff;
const U28_MAX = 0x0fffffff;

/** Traits of an AMF3 object: what the trait reference table holds (AMF3 §3.12). */
export interface Amf3Traits {
  /** Class name; "" for an anonymous object. */
  readonly className: string;
  /** Sealed member names, in wire order. */
  readonly sealed: readonly string[];
  /** True when dynamic members follow the sealed ones. */
  readonly dynamic: boolean;
}

/**
 * Reference tables and caps for decoding one AMF3 message (or one AMF0
 * avmplus switch). Keep one per message when calling
 * {@link decodeAmf3Value} value by value.
 */
export class Amf3DecodeContext {
  /** The caps and item counter, possibly shared with an enclosing AMF0 decode. */
  readonly budget: AmfBudget;
  /** String reference table (non-empty strings only, AMF3 §1.3.2). */
  readonly strings: string[] = [];
  /** Object reference table; {@link PENDING} while an entry is being decoded. */
  readonly objects: AmfRefSlot[] = [];
  /** Traits reference table. */
  readonly traits: Amf3Traits[] = [];

  constructor(options?: AmfDecodeOptions | AmfBudget) {
    this.budget = options instanceof AmfBudget ? options : new AmfBudget(options);
  }
}

/**
 * Decodes every AMF3 value in `bytes`, in order, until the bytes end. All
 * values share one set of reference tables.
 *
 * @throws RtmpError AmfTruncated, AmfDepthExceeded, AmfTooManyItems,
 *   AmfUnsupportedMarker or AmfBadReference; never anything else.
 */
export function decodeAmf3(bytes: Uint8Array, options?: AmfDecodeOptions): AmfValue[] {
  const ctx = new Amf3DecodeContext(options);
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
 * Decodes one AMF3 value at the cursor and advances past it. Build the cursor
 * with `RtmpErrorCode.AmfTruncated` so running out of bytes reports as AMF.
 *
 * @param ctx reference tables shared by the values of one message
 * @throws RtmpError only (see {@link decodeAmf3})
 */
export function decodeAmf3Value(cursor: ByteCursor, ctx: Amf3DecodeContext = new Amf3DecodeContext()): AmfValue {
  try {
    return readValue(cursor, ctx, 0);
  } catch (e) {
    throw toAmfError(e);
  }
}

/**
 * Decodes one AMF3 value at nesting `depth`, without the error funnel: for the
 * AMF0 decoder's avmplus switch, which funnels errors itself.
 * @internal
 */
export function readAmf3Value(c: ByteCursor, ctx: Amf3DecodeContext, depth: number): AmfValue {
  return readValue(c, ctx, depth);
}

/**
 * U29: 1 to 4 bytes, big-endian; the first three bytes carry 7 bits each with
 * the high bit meaning "more follows", a fourth byte carries 8 bits (AMF3 §1.3.1).
 */
function readU29(c: ByteCursor): number {
  let b = c.u8();
  if (b < 0x80) return b;
  let v = (b & 0x7f) << 7;
  b = c.u8();
  if (b < 0x80) return v | b;
  v = (v | (b & 0x7f)) << 7;
  b = c.u8();
  if (b < 0x80) return v | b;
  v = (v | (b & 0x7f)) << 8;
  return v | c.u8();
}

/** UTF-8-vr (AMF3 §3.8): a string or a reference into the string table. */
function readString(c: ByteCursor, ctx: Amf3DecodeContext): string {
  const h = readU29(c);
  if ((h & 1) === 0) {
    const s = ctx.strings[h >>> 1];
    if (s === undefined) {
      throw badReference(`AMF3 string reference ${h >>> 1} out of range (table has ${ctx.strings.length})`);
    }
    return s;
  }
  const n = h >>> 1;
  if (n === 0) return ''; // the empty string is never sent by reference
  const s = readUtf8(c, n, 'AMF3 string');
  ctx.strings.push(s);
  return s;
}

/** Resolves an object reference, refusing out-of-range indexes and cycles. */
function objectRef(ctx: Amf3DecodeContext, index: number): AmfValue {
  if (index >= ctx.objects.length) {
    throw badReference(`AMF3 object reference ${index} out of range (table has ${ctx.objects.length})`);
  }
  const v = ctx.objects[index];
  if (v === PENDING) throw badReference(`AMF3 object reference ${index} is a cycle (refused)`);
  return v;
}

function readValue(c: ByteCursor, ctx: Amf3DecodeContext, depth: number): AmfValue {
  ctx.budget.count();
  const at = c.pos;
  const marker = c.u8();
  switch (marker) {
    case M.Undefined:
      return undefined;
    case M.Null:
      return null;
    case M.False:
      return false;
    case M.True:
      return true;
    case M.Integer: {
      // Signed 29-bit: sign-extend bit 28 (AMF3 §3.6).
      const u = readU29(c);
      return u & 0x10000000 ? u - 0x20000000 : u;
    }
    case M.Double:
      return c.f64be();
    case M.String:
      return readString(c, ctx);
    case M.XmlDocument:
    case M.Xml: {
      // XML travels as a string but is referenced through the object table (AMF3 §3.9, §3.13).
      const h = readU29(c);
      if ((h & 1) === 0) return objectRef(ctx, h >>> 1);
      const xml = new AmfXml(readUtf8(c, h >>> 1, 'AMF3 XML'), marker === M.Xml ? 'e4x' : 'document');
      ctx.objects.push(xml);
      return xml;
    }
    case M.Date: {
      // U29D-value: only the low "inline" bit means anything (AMF3 §3.10).
      const h = readU29(c);
      if ((h & 1) === 0) return objectRef(ctx, h >>> 1);
      const d = new Date(c.f64be());
      ctx.objects.push(d);
      return d;
    }
    case M.Array:
      return readArray(c, ctx, depth);
    case M.Object:
      return readObject(c, ctx, depth);
    case M.ByteArray: {
      const h = readU29(c);
      if ((h & 1) === 0) return objectRef(ctx, h >>> 1);
      // Copy: a view would pin (and alias) the whole receive buffer.
      const bytes = c.bytesView(h >>> 1, 'AMF3 ByteArray').slice();
      ctx.objects.push(bytes);
      return bytes;
    }
    case M.VectorInt:
    case M.VectorUint:
    case M.VectorDouble:
      return readNumberVector(c, ctx, marker);
    case M.VectorObject:
      return readObjectVector(c, ctx, depth);
    case M.Dictionary:
      return readDictionary(c, ctx, depth);
    default:
      throw unsupportedMarker('AMF3', marker, at);
  }
}

/**
 * array-type (AMF3 §3.11): U29A-value (dense count), then the associative
 * part as name/value pairs ended by the empty string, then the dense values.
 *
 * A purely dense array becomes a JS array. One with an associative part
 * becomes an ECMA-array object holding both parts (dense elements under
 * "0".."n-1"), as a JS array with extra named properties would be awkward
 * for app code and lossy in JSON.
 */
function readArray(c: ByteCursor, ctx: Amf3DecodeContext, depth: number): AmfValue {
  const h = readU29(c);
  if ((h & 1) === 0) return objectRef(ctx, h >>> 1);
  const dense = h >>> 1;
  c.need(dense, 'AMF3 array (1 byte per element at least)');
  ctx.budget.enter(depth);
  const slot = ctx.objects.length;
  ctx.objects.push(PENDING);
  let assoc: AmfObject | undefined;
  for (;;) {
    const key = readString(c, ctx);
    if (key === '') break;
    if (assoc === undefined) {
      assoc = {};
      assoc[AMF_ECMA_ARRAY] = true;
    }
    setAmfProperty(assoc, key, readValue(c, ctx, depth + 1));
  }
  c.need(dense, 'AMF3 array (1 byte per element at least)');
  let result: AmfValue;
  if (assoc === undefined) {
    const arr: AmfValue[] = [];
    for (let i = 0; i < dense; i++) arr.push(readValue(c, ctx, depth + 1));
    result = arr;
  } else {
    for (let i = 0; i < dense; i++) setAmfProperty(assoc, String(i), readValue(c, ctx, depth + 1));
    result = assoc;
  }
  ctx.objects[slot] = result;
  return result;
}

/**
 * object-type (AMF3 §3.12). The U29O header's low bits: bit 0 clear → object
 * reference; bit 1 clear → traits reference; bit 2 set → externalizable;
 * else inline traits with bit 3 = dynamic and the rest = sealed member count.
 */
function readObject(c: ByteCursor, ctx: Amf3DecodeContext, depth: number): AmfValue {
  const at = c.pos - 1;
  const h = readU29(c);
  if ((h & 1) === 0) return objectRef(ctx, h >>> 1);
  let traits: Amf3Traits;
  if ((h & 2) === 0) {
    const t = ctx.traits[h >>> 2];
    if (t === undefined) {
      throw badReference(`AMF3 traits reference ${h >>> 2} out of range (table has ${ctx.traits.length})`);
    }
    traits = t;
  } else if ((h & 4) !== 0) {
    // The body's format is private to the class (IExternalizable.writeExternal),
    // so there is no way to read it, or even to skip it.
    const className = readString(c, ctx);
    throw unsupportedMarker('AMF3', M.Object, at, `externalizable object of class "${className}"`);
  } else {
    const dynamic = (h & 8) !== 0;
    const count = h >>> 4;
    const className = readString(c, ctx);
    c.need(count, 'AMF3 sealed member names');
    const sealed: string[] = [];
    for (let i = 0; i < count; i++) sealed.push(readString(c, ctx));
    traits = { className, sealed, dynamic };
    ctx.traits.push(traits);
  }
  ctx.budget.enter(depth);
  const obj: AmfObject = {};
  if (traits.className !== '') obj[AMF_CLASS_NAME] = traits.className;
  const slot = ctx.objects.length;
  ctx.objects.push(PENDING);
  c.need(traits.sealed.length, 'AMF3 sealed member values');
  for (const name of traits.sealed) setAmfProperty(obj, name, readValue(c, ctx, depth + 1));
  if (traits.dynamic) {
    for (;;) {
      const key = readString(c, ctx);
      if (key === '') break;
      setAmfProperty(obj, key, readValue(c, ctx, depth + 1));
    }
  }
  ctx.objects[slot] = obj;
  return obj;
}

/** vector-int/-uint/-double (AMF3 §3.15): count, fixed flag, then fixed-size elements. */
function readNumberVector(c: ByteCursor, ctx: Amf3DecodeContext, marker: number): AmfValue {
  const h = readU29(c);
  if ((h & 1) === 0) return objectRef(ctx, h >>> 1);
  const n = h >>> 1;
  const fixed = c.u8() !== 0;
  const size = marker === M.VectorDouble ? 8 : 4;
  c.need(n * size, 'AMF3 vector');
  ctx.budget.count(n);
  let vec: AmfVector;
  if (marker === M.VectorDouble) {
    const items = new Float64Array(n);
    for (let i = 0; i < n; i++) items[i] = c.f64be();
    vec = new AmfVector(items, fixed);
  } else {
    const b = c.bytes;
    let o = c.pos;
    const items = marker === M.VectorInt ? new Int32Array(n) : new Uint32Array(n);
    // Typed-array stores wrap to the element type: `| 0` semantics for
    // Int32Array, `>>> 0` for Uint32Array.
    for (let i = 0; i < n; i++, o += 4) items[i] = readU32Be(b, o);
    c.pos = o;
    vec = new AmfVector(items, fixed);
  }
  ctx.objects.push(vec);
  return vec;
}

/** vector-object (AMF3 §3.15): count, fixed flag, element type name, then values. */
function readObjectVector(c: ByteCursor, ctx: Amf3DecodeContext, depth: number): AmfValue {
  const h = readU29(c);
  if ((h & 1) === 0) return objectRef(ctx, h >>> 1);
  const n = h >>> 1;
  const fixed = c.u8() !== 0;
  ctx.budget.enter(depth);
  const slot = ctx.objects.length;
  ctx.objects.push(PENDING);
  const typeName = readString(c, ctx);
  c.need(n, 'AMF3 vector (1 byte per element at least)');
  const items: AmfValue[] = [];
  for (let i = 0; i < n; i++) items.push(readValue(c, ctx, depth + 1));
  const vec = new AmfVector(items, fixed, typeName);
  ctx.objects[slot] = vec;
  return vec;
}

/** dictionary-type (AMF3 §3.16): entry count, weak-keys flag, then key/value pairs. */
function readDictionary(c: ByteCursor, ctx: Amf3DecodeContext, depth: number): AmfValue {
  const h = readU29(c);
  if ((h & 1) === 0) return objectRef(ctx, h >>> 1);
  const n = h >>> 1;
  const weak = c.u8() !== 0;
  c.need(n * 2, 'AMF3 dictionary (2 bytes per entry at least)');
  ctx.budget.enter(depth);
  const slot = ctx.objects.length;
  ctx.objects.push(PENDING);
  const dict = new AmfDictionary(null, weak);
  for (let i = 0; i < n; i++) {
    const key = readValue(c, ctx, depth + 1);
    dict.set(key, readValue(c, ctx, depth + 1));
  }
  ctx.objects[slot] = dict;
  return dict;
}

// ---------------------------------------------------------------------------
// Encoding

/**
 * Reference tables for encoding one AMF3 message (or one AMF0 avmplus
 * switch). Keep one per message when calling {@link writeAmf3Value} value by
 * value, so later values can refer to earlier strings and objects.
 */
export class Amf3EncodeContext {
  /** Depth cap (see {@link AmfEncodeOptions.maxDepth}). */
  readonly maxDepth: number;
  /** Non-empty strings already sent, by index. */
  readonly strings = new Map<string, number>();
  /** Complex objects already sent (by identity), by index. */
  readonly objects = new Map<object, number>();
  /** Traits already sent, keyed by class name and member names. */
  readonly traits = new Map<string, number>();
  // Objects being written right now: meeting one again is a cycle.
  private readonly active = new Set<object>();

  constructor(options?: AmfEncodeOptions) {
    this.maxDepth = encodeMaxDepth(options);
  }

  /** @internal Writes a reference if `v` was sent before; else registers it. */
  refOrRegister(w: ByteWriter, v: object): boolean {
    const idx = this.objects.get(v);
    if (idx !== undefined) {
      if (this.active.has(v)) throw unencodable('cannot encode a cyclic value in AMF3 (refused by design)');
      writeU29(w, idx << 1);
      return true;
    }
    this.objects.set(v, this.objects.size);
    return false;
  }

  /** @internal Marks `v` as being written (for cycle detection) at `depth`. */
  open(v: object, depth: number): void {
    if (depth >= this.maxDepth) {
      throw new RtmpError(Code.AmfDepthExceeded, `AMF value nests deeper than ${this.maxDepth}`, { fatal: false });
    }
    this.active.add(v);
  }

  /** @internal Ends {@link open}. */
  close(v: object): void {
    this.active.delete(v);
  }
}

/**
 * Encodes `values` as consecutive AMF3 values sharing one set of reference
 * tables: repeated non-empty strings, repeated objects (by identity) and
 * repeated traits are sent as references.
 *
 * Numbers that are integers in the signed 29-bit range (and not -0) use the
 * integer type; all others use double. JS arrays become dense arrays (holes
 * as undefined); ECMA-array objects become associative arrays. AMF3 cannot
 * tell an empty ECMA array from an empty array, nor a typed object of class
 * "" from an anonymous one, so those come back as the latter.
 *
 * @throws RtmpError AmfUnencodable (functions, symbols, bigints, cycles,
 *   lengths past 2^28-1, an ECMA array with an "" key) or AmfDepthExceeded.
 */
export function encodeAmf3(values: readonly AmfValue[], options?: AmfEncodeOptions): Uint8Array {
  const ctx = new Amf3EncodeContext(options);
  const w = new ByteWriter();
  for (const v of values) writeValue(w, ctx, v, 0);
  return w.finish();
}

/**
 * Appends one AMF3 value to `w`.
 *
 * @param ctx reference tables shared by the values of one message
 */
export function writeAmf3Value(w: ByteWriter, value: AmfValue, ctx: Amf3EncodeContext = new Amf3EncodeContext()): void {
  writeValue(w, ctx, value, 0);
}

/**
 * Appends one AMF3 value at nesting `depth`: for the AMF0 encoder's avmplus switch.
 * @internal
 */
export function writeAmf3ValueAt(w: ByteWriter, ctx: Amf3EncodeContext, value: AmfValue, depth: number): void {
  writeValue(w, ctx, value, depth);
}

/** Writes a U29 (AMF3 §1.3.1); `v` must be in 0..2^29-1. */
function writeU29(w: ByteWriter, v: number): void {
  if (v < 0x80) {
    w.u8(v);
  } else if (v < 0x4000) {
    w.u8((v >>> 7) | 0x80).u8(v & 0x7f);
  } else if (v < 0x200000) {
    w.u8((v >>> 14) | 0x80).u8(((v >>> 7) & 0x7f) | 0x80).u8(v & 0x7f);
  } else if (v <= U29_MAX) {
    w.u8((v >>> 22) | 0x80).u8(((v >>> 15) & 0x7f) | 0x80).u8(((v >>> 8) & 0x7f) | 0x80).u8(v & 0xff);
  } else {
    throw unencodable(`${v} does not fit an AMF3 U29`);
  }
}

/** Writes a U29 length/count with the low "inline" flag set. */
function writeInlineLength(w: ByteWriter, n: number, what: string): void {
  if (n > U28_MAX) throw unencodable(`${what} of ${n} is longer than AMF3 allows (2^28-1)`);
  writeU29(w, (n << 1) | 1);
}

/** Writes UTF-8-vr: "" inline, else a reference or an inline string registered for later. */
function writeString(w: ByteWriter, ctx: Amf3EncodeContext, s: string): void {
  if (s === '') {
    w.u8(0x01);
    return;
  }
  const idx = ctx.strings.get(s);
  if (idx !== undefined) {
    writeU29(w, idx << 1);
    return;
  }
  const bytes = utf8Bytes(s);
  writeInlineLength(w, bytes.length, 'string');
  w.bytes(bytes);
  ctx.strings.set(s, ctx.strings.size);
}

function isAmf3Int(v: number): boolean {
  return Number.isInteger(v) && v >= AMF3_INT_MIN && v <= AMF3_INT_MAX && !Object.is(v, -0);
}

function writeValue(w: ByteWriter, ctx: Amf3EncodeContext, v: AmfValue, depth: number): void {
  switch (typeof v) {
    case 'undefined':
      w.u8(M.Undefined);
      return;
    case 'boolean':
      w.u8(v ? M.True : M.False);
      return;
    case 'number':
      if (isAmf3Int(v)) {
        w.u8(M.Integer);
        writeU29(w, v & U29_MAX);
      } else {
        w.u8(M.Double).f64be(v);
      }
      return;
    case 'string':
      w.u8(M.String);
      writeString(w, ctx, v);
      return;
    case 'object':
      if (v === null) {
        w.u8(M.Null);
        return;
      }
      writeComplex(w, ctx, v, depth);
      return;
    default:
      throw unencodable(`cannot encode a ${typeof v} in AMF3`);
  }
}

function writeComplex(w: ByteWriter, ctx: Amf3EncodeContext, v: object, depth: number): void {
  const kind = amfObjectKind(v);
  switch (kind) {
    case 'date': {
      w.u8(M.Date);
      if (ctx.refOrRegister(w, v)) return;
      w.u8(0x01).f64be((v as Date).getTime());
      return;
    }
    case 'bytes': {
      const b = v as Uint8Array;
      w.u8(M.ByteArray);
      if (ctx.refOrRegister(w, v)) return;
      writeInlineLength(w, b.length, 'ByteArray');
      w.bytes(b);
      return;
    }
    case 'xml': {
      const x = v as AmfXml;
      w.u8(x.kind === 'e4x' ? M.Xml : M.XmlDocument);
      if (ctx.refOrRegister(w, v)) return;
      const bytes = utf8Bytes(x.text);
      writeInlineLength(w, bytes.length, 'XML');
      w.bytes(bytes);
      return;
    }
    case 'vector':
      writeVector(w, ctx, v as AmfVector, depth);
      return;
    case 'dictionary': {
      const d = v as Map<AmfValue, AmfValue>;
      w.u8(M.Dictionary);
      if (ctx.refOrRegister(w, v)) return;
      ctx.open(v, depth);
      writeInlineLength(w, d.size, 'Dictionary');
      w.u8(d instanceof AmfDictionary && d.weakKeys ? 1 : 0);
      for (const [key, value] of d) {
        writeValue(w, ctx, key, depth + 1);
        writeValue(w, ctx, value, depth + 1);
      }
      ctx.close(v);
      return;
    }
    case 'array': {
      const a = v as AmfValue[];
      w.u8(M.Array);
      if (ctx.refOrRegister(w, v)) return;
      ctx.open(v, depth);
      writeInlineLength(w, a.length, 'array');
      w.u8(0x01); // no associative part
      // Holes read as undefined and are sent as such.
      for (let i = 0; i < a.length; i++) writeValue(w, ctx, a[i], depth + 1);
      ctx.close(v);
      return;
    }
    case 'ecma-array': {
      const o = v as AmfObject;
      w.u8(M.Array);
      if (ctx.refOrRegister(w, v)) return;
      ctx.open(v, depth);
      w.u8(0x01); // dense count 0: everything goes in the associative part
      for (const key of Object.keys(o)) {
        // The empty name ends the associative part, so it cannot be a key here.
        if (key === '') throw unencodable('an AMF3 associative array cannot have an empty key');
        writeString(w, ctx, key);
        writeValue(w, ctx, o[key], depth + 1);
      }
      w.u8(0x01);
      ctx.close(v);
      return;
    }
    case 'typed-object':
    case 'object':
      writeObject(w, ctx, v as AmfObject, depth);
      return;
  }
}

// Traits-table key of the common anonymous object (dynamic, nothing sealed).
const ANONYMOUS_TRAITS = '[anonymous]';

/**
 * object-type (AMF3 §3.12). Anonymous objects go out as Flash sends them:
 * dynamic, no sealed members, so they share one traits entry. The exception
 * is a key "" (the empty name ends the dynamic part), which must go out as a
 * sealed member, with the keys before it so that the order survives. Typed
 * objects send all their keys as sealed members; traits repeat (by
 * reference) when class name and keys match.
 */
function writeObject(w: ByteWriter, ctx: Amf3EncodeContext, o: AmfObject, depth: number): void {
  w.u8(M.Object);
  if (ctx.refOrRegister(w, o)) return;
  ctx.open(o, depth);
  const className = o[AMF_CLASS_NAME] ?? '';
  const keys = Object.keys(o);
  const dynamic = className === '';
  // For an anonymous object, the keys up to a "" key (if any) go out as
  // sealed members, which keeps the key order on the other side.
  const sealed = dynamic ? keys.slice(0, keys.indexOf('') + 1) : keys;
  const traitsKey = dynamic && sealed.length === 0 ? ANONYMOUS_TRAITS : JSON.stringify([className, dynamic, sealed]);
  const ti = ctx.traits.get(traitsKey);
  if (ti !== undefined) {
    writeU29(w, (ti << 2) | 0b01);
  } else {
    if (sealed.length > 0x1ffffff) throw unencodable('too many sealed members for AMF3');
    writeU29(w, (sealed.length << 4) | (dynamic ? 0b1000 : 0) | 0b011);
    writeString(w, ctx, className);
    for (const name of sealed) writeString(w, ctx, name);
    ctx.traits.set(traitsKey, ctx.traits.size);
  }
  for (const name of sealed) writeValue(w, ctx, o[name], depth + 1);
  if (dynamic) {
    for (let i = sealed.length; i < keys.length; i++) {
      const key = keys[i]!;
      writeString(w, ctx, key);
      writeValue(w, ctx, o[key], depth + 1);
    }
    w.u8(0x01);
  }
  ctx.close(o);
}

/** vector-* (AMF3 §3.15). */
function writeVector(w: ByteWriter, ctx: Amf3EncodeContext, vec: AmfVector, depth: number): void {
  const items = vec.items;
  if (items instanceof Int32Array || items instanceof Uint32Array) {
    w.u8(items instanceof Int32Array ? M.VectorInt : M.VectorUint);
    if (ctx.refOrRegister(w, vec)) return;
    writeInlineLength(w, items.length, 'Vector');
    w.u8(vec.fixed ? 1 : 0);
    for (let i = 0; i < items.length; i++) w.u32be(items[i]! >>> 0);
    return;
  }
  if (items instanceof Float64Array) {
    w.u8(M.VectorDouble);
    if (ctx.refOrRegister(w, vec)) return;
    writeInlineLength(w, items.length, 'Vector');
    w.u8(vec.fixed ? 1 : 0);
    for (let i = 0; i < items.length; i++) w.f64be(items[i]!);
    return;
  }
  w.u8(M.VectorObject);
  if (ctx.refOrRegister(w, vec)) return;
  ctx.open(vec, depth);
  writeInlineLength(w, items.length, 'Vector');
  w.u8(vec.fixed ? 1 : 0);
  writeString(w, ctx, vec.objectTypeName);
  for (let i = 0; i < items.length; i++) writeValue(w, ctx, items[i], depth + 1);
  ctx.close(vec);
}
