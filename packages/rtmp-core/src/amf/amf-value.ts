/**
 * The AMF value model shared by the AMF0 and AMF3 codecs.
 *
 * Decoded values are meant to be used directly by application code: an
 * `onMetaData` body is a plain object, a strict array is a JS array, a date is
 * a `Date`. What plain JS cannot say (an ECMA array versus an anonymous
 * object, the class name of a typed object) rides on symbol-keyed
 * properties, which `Object.keys`, `for...in` and `JSON.stringify` never see,
 * and which the encoders read back so that a round trip keeps the AMF type.
 *
 * The few AMF types with no JS equivalent (XML, Vector, Dictionary) are small
 * classes here. ByteArray is a `Uint8Array`.
 *
 * The options types for both codecs are here too; the machinery they share
 * (caps, UTF-8, errors) is in `amf-shared.ts`, which is not public API.
 *
 * Specs: "AMF0 File Format Specification" (amf0-file-format-specification)
 * and "AMF 3 Specification" (amf-file-format-spec), both Adobe.
 */

// ---------------------------------------------------------------------------
// Markers

/** AMF0 type markers (AMF0 spec §2.1). */
export const Amf0Marker = {
  Number: 0x00,
  Boolean: 0x01,
  String: 0x02,
  Object: 0x03,
  /** Reserved, not supported (AMF0 §2.7). */
  MovieClip: 0x04,
  Null: 0x05,
  Undefined: 0x06,
  Reference: 0x07,
  EcmaArray: 0x08,
  ObjectEnd: 0x09,
  StrictArray: 0x0a,
  Date: 0x0b,
  LongString: 0x0c,
  /** "This type cannot be serialized" placeholder (AMF0 §2.15); we refuse it. */
  Unsupported: 0x0d,
  /** Reserved, not supported (AMF0 §2.16). */
  RecordSet: 0x0e,
  XmlDocument: 0x0f,
  TypedObject: 0x10,
  /** Switch to AMF3 for the next value only (AMF0 §3.1). */
  AvmPlusObject: 0x11,
} as const;

/** One AMF0 type marker byte. */
export type Amf0Marker = (typeof Amf0Marker)[keyof typeof Amf0Marker];

/** AMF3 type markers (AMF3 spec §3.1). */
export const Amf3Marker = {
  Undefined: 0x00,
  Null: 0x01,
  False: 0x02,
  True: 0x03,
  Integer: 0x04,
  Double: 0x05,
  String: 0x06,
  XmlDocument: 0x07,
  Date: 0x08,
  Array: 0x09,
  Object: 0x0a,
  Xml: 0x0b,
  ByteArray: 0x0c,
  VectorInt: 0x0d,
  VectorUint: 0x0e,
  VectorDouble: 0x0f,
  VectorObject: 0x10,
  Dictionary: 0x11,
} as const;

/** One AMF3 type marker byte. */
export type Amf3Marker = (typeof Amf3Marker)[keyof typeof Amf3Marker];

// ---------------------------------------------------------------------------
// The value model

/**
 * Marks a plain object as an ECMA array (AMF0 §2.10, or an AMF3 array with an
 * associative part, AMF3 §3.11). The property's value is `true`.
 *
 * `Symbol.for` so that two copies of this module (a bundling accident) agree.
 * Structured clone (`postMessage`) drops symbol keys: a value sent to another
 * thread loses its markers and becomes an anonymous object.
 */
export const AMF_ECMA_ARRAY: unique symbol = Symbol.for('rtmp-web.amf.ecmaArray');

/**
 * Holds the class name of a typed object (AMF0 §2.18 typed object, AMF3 §3.12
 * object with a non-empty class name).
 */
export const AMF_CLASS_NAME: unique symbol = Symbol.for('rtmp-web.amf.className');

/**
 * An AMF object: anonymous, typed (with {@link AMF_CLASS_NAME}) or an ECMA
 * array (with {@link AMF_ECMA_ARRAY}). Decoded objects have
 * `Object.prototype` and only own data properties; a key "__proto__" is an
 * own property, never a prototype change.
 */
export interface AmfObject {
  [key: string]: AmfValue;
  [AMF_CLASS_NAME]?: string;
  [AMF_ECMA_ARRAY]?: boolean;
}

/** Which XML type an {@link AmfXml} came from, and goes back as. */
export type AmfXmlKind = 'document' | 'e4x';

/**
 * XML as text. `'document'` is the legacy `flash.xml.XMLDocument` (AMF0
 * xml-document-type §2.17, AMF3 xml-doc-type §3.9); `'e4x'` is the AS3 `XML`
 * type (AMF3 xml-type §3.13, which AMF0 can only carry after an avmplus switch).
 */
export class AmfXml {
  /** The XML source text. */
  readonly text: string;
  /** Which XML type this is on the wire. */
  readonly kind: AmfXmlKind;

  constructor(text: string, kind: AmfXmlKind = 'document') {
    this.text = text;
    this.kind = kind;
  }
}

/** The element storage of an {@link AmfVector}; its type decides the AMF3 marker. */
export type AmfVectorItems = Int32Array | Uint32Array | Float64Array | AmfValue[];

/** Which AMF3 vector type an {@link AmfVector} is. */
export type AmfVectorKind = 'int' | 'uint' | 'double' | 'object';

/**
 * An AS3 `Vector.<T>` (AMF3 §3.15). The element type follows from `items`:
 * `Int32Array` → vector-int, `Uint32Array` → vector-uint, `Float64Array` →
 * vector-double, a JS array → vector-object.
 */
export class AmfVector<T extends AmfVectorItems = AmfVectorItems> {
  /** The elements. */
  readonly items: T;
  /** True for a fixed-length vector (the fixed-vector byte). */
  readonly fixed: boolean;
  /** For vector-object only: the element type name as sent ("" or "*" when untyped). */
  readonly objectTypeName: string;

  constructor(items: T, fixed = false, objectTypeName = '') {
    this.items = items;
    this.fixed = fixed;
    this.objectTypeName = objectTypeName;
  }

  /** The element type, derived from `items`. */
  get kind(): AmfVectorKind {
    const items: AmfVectorItems = this.items;
    if (items instanceof Int32Array) return 'int';
    if (items instanceof Uint32Array) return 'uint';
    if (items instanceof Float64Array) return 'double';
    return 'object';
  }
}

/**
 * An AS3 `flash.utils.Dictionary` (AMF3 §3.16): a `Map` whose keys may be any
 * AMF value (objects by identity). The encoders also accept a plain `Map`.
 */
export class AmfDictionary extends Map<AmfValue, AmfValue> {
  /** The weak-keys flag as sent; it has no effect here. */
  weakKeys: boolean;

  constructor(entries?: Iterable<readonly [AmfValue, AmfValue]> | null, weakKeys = false) {
    super(entries);
    this.weakKeys = weakKeys;
  }
}

/**
 * Any value the AMF codecs read or write.
 *
 * | AMF                               | JS                                   |
 * | --------------------------------- | ------------------------------------ |
 * | number, AMF3 integer/double       | `number`                             |
 * | boolean, string, long string      | `boolean`, `string`                  |
 * | null, undefined                   | `null`, `undefined`                  |
 * | date                              | `Date`                               |
 * | strict array, AMF3 dense array    | `AmfValue[]`                         |
 * | anonymous object                  | {@link AmfObject}                    |
 * | ECMA array, AMF3 associative array| {@link AmfObject} + {@link AMF_ECMA_ARRAY} |
 * | typed object                      | {@link AmfObject} + {@link AMF_CLASS_NAME} |
 * | xml-document, AMF3 XML            | {@link AmfXml}                       |
 * | AMF3 ByteArray                    | `Uint8Array`                         |
 * | AMF3 Vector                       | {@link AmfVector}                    |
 * | AMF3 Dictionary                   | {@link AmfDictionary}                |
 */
export type AmfValue =
  | number
  | boolean
  | string
  | null
  | undefined
  | Date
  | AmfValue[]
  | AmfObject
  | Uint8Array
  | AmfXml
  | AmfVector
  | AmfDictionary;

/**
 * Sets `obj[key] = value` as an own data property. A key "__proto__" would
 * otherwise call the `Object.prototype.__proto__` setter and swap the
 * object's prototype: a classic prototype-pollution path for decoded input.
 */
export function setAmfProperty(obj: AmfObject, key: string, value: AmfValue): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

function copyProperties(target: AmfObject, source: Readonly<Record<string, AmfValue>>): AmfObject {
  for (const key of Object.keys(source)) setAmfProperty(target, key, source[key]);
  return target;
}

/**
 * Returns a new ECMA array (AMF0 ecma-array, AMF3 associative array) holding
 * a copy of `properties`. Use it for `@setDataFrame`/`onMetaData` bodies,
 * which players expect as an ECMA array rather than an anonymous object.
 */
export function amfEcmaArray(properties: Readonly<Record<string, AmfValue>> = {}): AmfObject {
  const obj: AmfObject = {};
  obj[AMF_ECMA_ARRAY] = true;
  return copyProperties(obj, properties);
}

/** Returns a new typed object of class `className` holding a copy of `properties`. */
export function amfTypedObject(
  className: string,
  properties: Readonly<Record<string, AmfValue>> = {},
): AmfObject {
  if (typeof className !== 'string') throw new TypeError('amfTypedObject: className must be a string');
  const obj: AmfObject = {};
  obj[AMF_CLASS_NAME] = className;
  return copyProperties(obj, properties);
}

/** True when `value` is an object marked as an ECMA array. */
export function isAmfEcmaArray(value: unknown): value is AmfObject {
  return typeof value === 'object' && value !== null && (value as AmfObject)[AMF_ECMA_ARRAY] === true;
}

/** The class name of a typed object, or undefined for anything else. */
export function amfClassName(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const name = (value as AmfObject)[AMF_CLASS_NAME];
  return typeof name === 'string' ? name : undefined;
}

// ---------------------------------------------------------------------------
// Options

/** Default for {@link AmfDecodeOptions.maxDepth}. */
export const AMF_DEFAULT_MAX_DEPTH = 64;

/** Default for {@link AmfDecodeOptions.maxItems}. */
export const AMF_DEFAULT_MAX_ITEMS = 1_000_000;

/** Caps for decoding one message of hostile AMF. */
export interface AmfDecodeOptions {
  /**
   * Deepest nesting of arrays/objects/vectors/dictionaries; deeper input fails
   * with `AmfDepthExceeded`. Default 64; the decoder recurses, so this also
   * keeps it far from the JS stack limit.
   */
  maxDepth?: number;
  /**
   * Cap on the number of values decoded from one message (every value,
   * nested ones and vector elements included); past it decoding fails with
   * `AmfTooManyItems`. Default 1,000,000.
   */
  maxItems?: number;
}

/** Caps for encoding. */
export interface AmfEncodeOptions {
  /** Deepest nesting to encode; deeper values fail with `AmfDepthExceeded`. Default 64. */
  maxDepth?: number;
}
