import { describe, expect, it } from 'vitest';
import { ByteCursor, ByteWriter, bytesToHex, hexToBytes } from '../../src/bytes/byte-cursor.ts';
import { RtmpErrorCode as Code } from '../../src/errors.ts';
import {
  Amf3DecodeContext,
  Amf3EncodeContext,
  decodeAmf3,
  decodeAmf3Value,
  encodeAmf3,
  writeAmf3Value,
} from '../../src/amf/amf3.ts';
import {
  AmfDictionary,
  AmfVector,
  AmfXml,
  amfClassName,
  amfEcmaArray,
  amfTypedObject,
  type AmfObject,
  type AmfValue,
} from '../../src/amf/amf-value.ts';
import { expectAmfEqual, expectRtmpError } from './amf-test-helpers.ts';

const hex = (h: string): string => h.replace(/\s+/g, '').toLowerCase();

/** Decodes `h`, compares with `values`, encodes `values` and compares with `h`. */
function golden(h: string, values: AmfValue[]): void {
  const decoded = decodeAmf3(hexToBytes(h));
  expect(decoded.length).toBe(values.length);
  values.forEach((v, i) => expectAmfEqual(decoded[i], v));
  expect(bytesToHex(encodeAmf3(values))).toBe(hex(h));
  expect(bytesToHex(encodeAmf3(decoded))).toBe(hex(h));
}

describe('AMF3 types (read, write, round trip)', () => {
  it('undefined, null, false, true', () => {
    golden('00 01 02 03', [undefined, null, false, true]);
  });

  it('integer: every U29 width and the signed 29-bit range', () => {
    golden('04 00', [0]);
    golden('04 7f', [127]);
    golden('04 8100', [128]);
    golden('04 ff7f', [16383]);
    golden('04 818000', [16384]);
    golden('04 ffff7f', [2097151]);
    golden('04 80c08000', [2097152]);
    golden('04 bfffffff', [0x0fffffff]);
    golden('04 ffffffff', [-1]);
    golden('04 c0808000', [-0x10000000]);
  });

  it('double: beyond 29 bits, fractions, -0, NaN, infinities', () => {
    golden('05 41b0000000000000', [0x10000000]);
    golden('05 c1b0000001000000', [-0x10000001]);
    golden('05 3ff8000000000000', [1.5]);
    golden('05 8000000000000000', [-0]);
    golden('05 fff0000000000000', [-Infinity]);
    const [nan] = decodeAmf3(hexToBytes('05 7ff8000000000000'));
    expect(Number.isNaN(nan)).toBe(true);
  });

  it('string, with the string reference table', () => {
    golden('06 0b 68656c6c6f', ['hello']);
    golden('06 01', ['']);
    // The second "a" is reference 0; "" is never a reference.
    golden('06 03 61 06 01 06 00', ['a', '', 'a']);
    golden('06 07 e282ac', ['€']);
  });

  it('xml document and xml', () => {
    golden('07 09 3c612f3e', [new AmfXml('<a/>')]);
    golden('0b 09 3c612f3e', [new AmfXml('<a/>', 'e4x')]);
  });

  it('date', () => {
    golden('08 01 4278bcfe56800000', [new Date(1_700_000_000_000)]);
  });

  it('dense array', () => {
    golden('09 07 01 04 01 04 02 04 03', [[1, 2, 3]]);
    golden('09 01 01', [[]]);
  });

  it('associative array decodes to an ECMA-array object', () => {
    golden('09 01 03 61 04 01 01', [amfEcmaArray({ a: 1 })]);
  });

  it('mixed array: dense elements join the associative part under "0".."n-1"', () => {
    const [v] = decodeAmf3(hexToBytes('09 03 03 61 04 01 01 04 05'));
    expectAmfEqual(v, amfEcmaArray({ 0: 5, a: 1 }));
  });

  it('anonymous object (dynamic, shared traits)', () => {
    golden('0a 0b 01 03 61 04 01 03 62 06 03 78 01', [{ a: 1, b: 'x' }]);
    // The second object refers to the first one's traits (0x01) and key (0x00).
    golden('09 05 01 0a 0b 01 03 61 04 01 01 0a 01 00 04 02 01', [[{ a: 1 }, { a: 2 }]]);
  });

  it('anonymous object with a "" key sends it as a sealed member', () => {
    golden('0a 1b 01 01 04 01 03 61 04 02 01', [{ '': 1, a: 2 }]);
  });

  it('typed object (sealed members)', () => {
    const h = '0a 23 0b 506f696e74 03 78 03 79 04 01 04 02';
    golden(h, [amfTypedObject('Point', { x: 1, y: 2 })]);
    expect(amfClassName(decodeAmf3(hexToBytes(h))[0])).toBe('Point');
    // Same class and keys again: a traits reference, strings by reference.
    golden('09 05 01 0a 23 0b 506f696e74 03 78 03 79 04 01 04 02 0a 01 04 03 04 04', [
      [amfTypedObject('Point', { x: 1, y: 2 }), amfTypedObject('Point', { x: 3, y: 4 })],
    ]);
  });

  it('typed object with dynamic members decodes all members', () => {
    // class "C", dynamic, one sealed member "s", dynamic member "d"
    const [v] = decodeAmf3(hexToBytes('0a 1b 03 43 03 73 04 01 03 64 04 02 01'));
    expectAmfEqual(v, amfTypedObject('C', { s: 1, d: 2 }));
  });

  it('object reference resolves to the same object; the encoder sends one too', () => {
    const h = '09 05 01 0a 0b 01 03 61 04 01 01 0a 02';
    const [arr] = decodeAmf3(hexToBytes(h)) as [AmfValue[]];
    expect(arr[0]).toBe(arr[1]);
    const o = { a: 1 };
    expect(bytesToHex(encodeAmf3([[o, o]]))).toBe(hex(h));
  });

  it('byte array (a copy, not a view of the message)', () => {
    golden('0c 07 010203', [new Uint8Array([1, 2, 3])]);
    const msg = hexToBytes('0c 07 010203');
    const [b] = decodeAmf3(msg) as [Uint8Array];
    expect(b.buffer).not.toBe(msg.buffer);
  });

  it('vectors', () => {
    golden('0d 05 00 00000001 ffffffff', [new AmfVector(new Int32Array([1, -1]))]);
    golden('0e 05 01 00000001 ffffffff', [new AmfVector(new Uint32Array([1, 0xffffffff]), true)]);
    golden('0f 03 00 3ff8000000000000', [new AmfVector(new Float64Array([1.5]))]);
    golden('10 05 00 03 2a 06 03 61 04 01', [new AmfVector(['a', 1], false, '*')]);
  });

  it('dictionary', () => {
    golden('11 03 00 06 03 6b 04 01', [new AmfDictionary([['k', 1]])]);
    golden('11 03 01 04 01 0a 0b 01 01', [new AmfDictionary([[1, {}]], true)]);
  });
});

describe('AMF3 value-by-value', () => {
  it('shares tables across values through the context', () => {
    const c = new ByteCursor(hexToBytes('06 03 61 06 00'), Code.AmfTruncated);
    const ctx = new Amf3DecodeContext();
    expect(decodeAmf3Value(c, ctx)).toBe('a');
    expect(decodeAmf3Value(c, ctx)).toBe('a');
    const w = new ByteWriter();
    const ectx = new Amf3EncodeContext();
    writeAmf3Value(w, 'a', ectx);
    writeAmf3Value(w, 'a', ectx);
    expect(bytesToHex(w.finish())).toBe('0603610600');
  });
});

describe('AMF3 hostile input and refusals', () => {
  it('a self-referencing array is refused (cycle)', () => {
    const e = expectRtmpError(() => decodeAmf3(hexToBytes('09 03 01 09 00')), Code.AmfBadReference);
    expect(e.message).toContain('cycle');
  });

  it('externalizable objects are refused with a clear message', () => {
    const e = expectRtmpError(
      () => decodeAmf3(hexToBytes('0a 07 43 666c65782e6d6573736167696e672e696f2e4172726179436f6c6c656374696f6e 09 01 01')),
      Code.AmfUnsupportedMarker,
    );
    expect(e.message).toContain('externalizable');
    expect(e.message).toContain('flex.messaging.io.ArrayCollection');
  });

  it('never changes a prototype for a "__proto__" key', () => {
    // {__proto__: {polluted: true}} as a dynamic object
    const [v] = decodeAmf3(hexToBytes('0a 0b 01 13 5f5f70726f746f5f5f 0a 01 11 706f6c6c75746564 03 01 01')) as [AmfObject];
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('vector elements count towards maxItems', () => {
    const bytes = hexToBytes('0d 07 00 00000001 00000002 00000003');
    expect(decodeAmf3(bytes, { maxItems: 4 })).toHaveLength(1);
    expectRtmpError(() => decodeAmf3(bytes, { maxItems: 3 }), Code.AmfTooManyItems);
  });

  it('the encoder refuses cycles, including through a dictionary', () => {
    const o: AmfObject = {};
    o.self = o;
    expectRtmpError(() => encodeAmf3([o]), Code.AmfUnencodable);
    const d = new AmfDictionary();
    d.set('me', d);
    expectRtmpError(() => encodeAmf3([d]), Code.AmfUnencodable);
  });

  it('the encoder refuses an ECMA array with an "" key (the end of the associative part)', () => {
    expectRtmpError(() => encodeAmf3([amfEcmaArray({ '': 1 })]), Code.AmfUnencodable);
  });

  it('the encoder refuses functions, symbols and bigints', () => {
    for (const v of [() => 1, Symbol('s'), 10n]) {
      expectRtmpError(() => encodeAmf3([[v] as unknown as AmfValue]), Code.AmfUnencodable);
    }
  });

  it('the encoder caps depth without a stack overflow', () => {
    let deep: AmfValue = null;
    for (let i = 0; i < 70_000; i++) deep = { a: deep };
    expectRtmpError(() => encodeAmf3([deep]), Code.AmfDepthExceeded);
  });
});
