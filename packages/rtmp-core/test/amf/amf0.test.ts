import { describe, expect, it } from 'vitest';
import { ByteCursor, ByteWriter, bytesToHex, hexToBytes } from '../../src/bytes/byte-cursor.ts';
import { RtmpErrorCode as Code } from '../../src/errors.ts';
import {
  Amf0DecodeContext,
  Amf0EncodeContext,
  decodeAmf0,
  decodeAmf0Value,
  encodeAmf0,
  writeAmf0Value,
} from '../../src/amf/amf0.ts';
import {
  AMF_CLASS_NAME,
  AMF_ECMA_ARRAY,
  AmfDictionary,
  AmfVector,
  AmfXml,
  amfClassName,
  amfEcmaArray,
  amfTypedObject,
  isAmfEcmaArray,
  type AmfObject,
  type AmfValue,
} from '../../src/amf/amf-value.ts';
import {
  AMF0_CONNECT_HEX,
  AMF0_CONNECT_RESULT_HEX,
  AMF0_ON_METADATA_HEX,
  AMF0_ON_STATUS_HEX,
} from '../fixtures/amf-fixtures.ts';
import { expectAmfEqual, expectRtmpError } from './amf-test-helpers.ts';

const hex = (h: string): string => h.replace(/\s+/g, '').toLowerCase();

/** Decodes `h`, compares with `values`, encodes `values` and compares with `h`. */
function golden(h: string, values: AmfValue[]): void {
  const decoded = decodeAmf0(hexToBytes(h));
  expect(decoded.length).toBe(values.length);
  values.forEach((v, i) => expectAmfEqual(decoded[i], v));
  expect(bytesToHex(encodeAmf0(values))).toBe(hex(h));
  // And the decoded values encode back to the same bytes.
  expect(bytesToHex(encodeAmf0(decoded))).toBe(hex(h));
}

describe('AMF0 types (read, write, round trip)', () => {
  it('number', () => {
    golden('00 3ff8000000000000', [1.5]);
    golden('00 8000000000000000', [-0]);
    golden('00 7ff0000000000000', [Infinity]);
    golden('00 0000000000000000', [0]);
    const [nan] = decodeAmf0(hexToBytes('00 7ff8000000000000'));
    expect(Number.isNaN(nan)).toBe(true);
  });

  it('boolean (any non-zero byte is true)', () => {
    golden('01 01 01 00', [true, false]);
    expect(decodeAmf0(hexToBytes('01 02'))).toEqual([true]);
  });

  it('string, including UTF-8 and the empty string', () => {
    golden('02 0002 6869', ['hi']);
    golden('02 0000', ['']);
    golden('02 0003 e282ac', ['€']);
    golden('02 0004 f09f8eac', ['🎬']);
  });

  it('null and undefined', () => {
    golden('05 06', [null, undefined]);
  });

  it('anonymous object', () => {
    golden('03 0001 61 00 3ff0000000000000 0001 62 02 0001 78 0000 09', [{ a: 1, b: 'x' }]);
    golden('03 0000 09', [{}]);
  });

  it('a property named "" is not the object end', () => {
    golden('03 0000 00 3ff0000000000000 0000 09', [{ '': 1 }]);
  });

  it('ECMA array keeps its marker', () => {
    const [v] = decodeAmf0(hexToBytes('08 00000001 0001 61 00 3ff0000000000000 0000 09'));
    expect(isAmfEcmaArray(v)).toBe(true);
    expect(Object.keys(v as object)).toEqual(['a']);
    expect(JSON.stringify(v)).toBe('{"a":1}');
    golden('08 00000001 0001 61 00 3ff0000000000000 0000 09', [amfEcmaArray({ a: 1 })]);
  });

  it('ECMA array count is a hint only', () => {
    const [v] = decodeAmf0(hexToBytes('08 00000007 0001 61 05 0000 09'));
    expectAmfEqual(v, amfEcmaArray({ a: null }));
  });

  it('strict array', () => {
    golden('0a 00000002 00 3ff0000000000000 02 0001 61', [[1, 'a']]);
    golden('0a 00000000', [[]]);
  });

  it('strict array holes go out as undefined', () => {
    // eslint-disable-next-line no-sparse-arrays
    const sparse: AmfValue[] = [1, , 3];
    expect(bytesToHex(encodeAmf0([sparse]))).toBe(hex('0a 00000003 00 3ff0000000000000 06 00 4008000000000000'));
  });

  it('date, with a zero time zone', () => {
    golden('0b 4278bcfe56800000 0000', [new Date(1_700_000_000_000)]);
    // A non-zero time zone is read and ignored (AMF0 §2.13).
    const [d] = decodeAmf0(hexToBytes('0b 4278bcfe56800000 ff88'));
    expect((d as Date).getTime()).toBe(1_700_000_000_000);
  });

  it('long string decodes to a string; the encoder picks by UTF-8 length', () => {
    expect(decodeAmf0(hexToBytes('0c 00000003 616263'))).toEqual(['abc']);
    const at = 'a'.repeat(0xffff);
    expect(bytesToHex(encodeAmf0([at]).subarray(0, 3))).toBe('02ffff');
    const over = 'a'.repeat(0x10000);
    const enc = encodeAmf0([over]);
    expect(bytesToHex(enc.subarray(0, 5))).toBe('0c00010000');
    expect(decodeAmf0(enc)).toEqual([over]);
    // 32,768 characters but 65,536 UTF-8 bytes: a long string.
    const wide = 'é'.repeat(0x8000);
    const encWide = encodeAmf0([wide]);
    expect(encWide[0]).toBe(0x0c);
    expect(decodeAmf0(encWide)).toEqual([wide]);
  });

  it('xml document', () => {
    golden('0f 00000004 3c612f3e', [new AmfXml('<a/>')]);
  });

  it('typed object', () => {
    const h = '10 0005 506f696e74 0001 78 00 3ff0000000000000 0001 79 00 4000000000000000 0000 09';
    golden(h, [amfTypedObject('Point', { x: 1, y: 2 })]);
    const [v] = decodeAmf0(hexToBytes(h));
    expect(amfClassName(v)).toBe('Point');
    expect(Object.keys(v as object)).toEqual(['x', 'y']);
    expect((v as AmfObject)[AMF_CLASS_NAME]).toBe('Point');
  });

  it('reference (0x07) resolves to the same earlier object', () => {
    const h = '0a 00000002 03 0001 61 00 3ff0000000000000 0000 09 07 0001';
    const [arr] = decodeAmf0(hexToBytes(h)) as [AmfValue[]];
    expect(arr[0]).toBe(arr[1]);
    // The encoder sends a repeated object as a reference too.
    const shared = { a: 1 };
    expect(bytesToHex(encodeAmf0([[shared, shared]]))).toBe(hex(h));
  });

  it('references index objects in order of first appearance, across values', () => {
    // value 0: {} (#0); value 1: [ {} (#2) ] (#1); value 2: ref #2; value 3: ref #0
    const [a, b, c, d] = decodeAmf0(hexToBytes('03 0000 09 0a 00000001 03 0000 09 07 0002 07 0000'));
    expect(c).toBe((b as AmfValue[])[0]);
    expect(d).toBe(a);
  });

  it('avmplus marker switches to AMF3 for one value', () => {
    const [arr, n] = decodeAmf0(hexToBytes('11 09 07 01 04 01 04 02 04 03 00 3ff0000000000000'));
    expect(arr).toEqual([1, 2, 3]);
    expect(n).toBe(1);
  });

  it('AMF3-only values go out after an avmplus marker', () => {
    golden('11 0c 07 010203', [new Uint8Array([1, 2, 3])]);
    golden('11 0b 09 3c612f3e', [new AmfXml('<a/>', 'e4x')]);
    golden('11 0d 05 00 00000001 ffffffff', [new AmfVector(new Int32Array([1, -1]))]);
    golden('11 11 03 00 06 03 6b 04 01', [new AmfDictionary([['k', 1]])]);
    // Each switch starts fresh AMF3 tables: a repeated ByteArray goes out in
    // full again, never as a reference into an earlier switch's table.
    const b = new Uint8Array([1]);
    expect(bytesToHex(encodeAmf0([b, b]))).toBe(hex('11 0c 03 01 11 0c 03 01'));
    expectRtmpError(() => decodeAmf0(hexToBytes('11 0c 03 01 11 0c 00')), Code.AmfBadReference);
  });
});

describe('AMF0 real-world messages', () => {
  it('FFmpeg connect', () => {
    golden(AMF0_CONNECT_HEX, [
      'connect',
      1,
      {
        app: 'live',
        type: 'nonprivate',
        flashVer: 'FMLE/3.0 (compatible; Lavf61.7.100)',
        tcUrl: 'rtmp://localhost:1935/live',
      },
    ]);
  });

  it('nginx-rtmp _result for connect', () => {
    golden(AMF0_CONNECT_RESULT_HEX, [
      '_result',
      1,
      { fmsVer: 'FMS/3,0,1,123', capabilities: 31 },
      {
        level: 'status',
        code: 'NetConnection.Connect.Success',
        description: 'Connection succeeded.',
        objectEncoding: 0,
      },
    ]);
  });

  it('nginx-rtmp onStatus', () => {
    golden(AMF0_ON_STATUS_HEX, [
      'onStatus',
      0,
      null,
      { level: 'status', code: 'NetStream.Play.Start', description: 'Start live' },
    ]);
  });

  it('onMetaData is a plain object app code can use directly', () => {
    const meta = amfEcmaArray({
      duration: 0,
      width: 1280,
      height: 720,
      videodatarate: 2500,
      framerate: 30,
      videocodecid: 7,
      audiodatarate: 128,
      audiosamplerate: 48000,
      audiosamplesize: 16,
      stereo: true,
      audiocodecid: 10,
      encoder: 'Lavf61.7.100',
      filesize: 0,
    });
    golden(AMF0_ON_METADATA_HEX, ['onMetaData', meta]);
    const [, decoded] = decodeAmf0(hexToBytes(AMF0_ON_METADATA_HEX)) as [string, AmfObject];
    expect(decoded.width).toBe(1280);
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.keys(JSON.parse(JSON.stringify(decoded)) as object)).toEqual(Object.keys(decoded));
    expect(decoded[AMF_ECMA_ARRAY]).toBe(true);
  });
});

describe('AMF0 value-by-value decoding', () => {
  it('decodeAmf0Value reads one value and shares references through the context', () => {
    const c = new ByteCursor(hexToBytes('02 0003 616263 03 0000 09 07 0000'), Code.AmfTruncated);
    const ctx = new Amf0DecodeContext();
    expect(decodeAmf0Value(c, ctx)).toBe('abc');
    const obj = decodeAmf0Value(c, ctx);
    expect(decodeAmf0Value(c, ctx)).toBe(obj);
    expect(c.remaining).toBe(0);
  });

  it('writeAmf0Value appends to a writer and shares references through the context', () => {
    const w = new ByteWriter();
    const ctx = new Amf0EncodeContext();
    const o = {};
    writeAmf0Value(w, 'abc', ctx);
    writeAmf0Value(w, o, ctx);
    writeAmf0Value(w, o, ctx);
    expect(bytesToHex(w.finish())).toBe(hex('02 0003 616263 03 0000 09 07 0000'));
  });
});

describe('AMF0 hostile input', () => {
  it('a strict array count of 2^32-1 with 5 bytes left fails at once', () => {
    expectRtmpError(() => decodeAmf0(hexToBytes('0a ffffffff 05 05 05 05 05')), Code.AmfTruncated);
  });

  it('never changes a prototype for a "__proto__" key', () => {
    // {__proto__: {polluted: true}}
    const h = '03 0009 5f5f70726f746f5f5f 03 0008 706f6c6c75746564 01 01 0000 09 0000 09';
    const [v] = decodeAmf0(hexToBytes(h)) as [AmfObject];
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(Object.prototype.hasOwnProperty.call(v, '__proto__')).toBe(true);
    expect((v as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(bytesToHex(encodeAmf0([v]))).toBe(hex(h));
  });

  it('caps the number of values (maxItems)', () => {
    const bytes = hexToBytes('0a 0000000a 05 05 05 05 05 05 05 05 05 05');
    expect(decodeAmf0(bytes, { maxItems: 11 })).toHaveLength(1);
    expectRtmpError(() => decodeAmf0(bytes, { maxItems: 10 }), Code.AmfTooManyItems);
  });

  it('caps nesting (maxDepth)', () => {
    const bytes = hexToBytes('0a 00000001 0a 00000001 0a 00000000');
    expect(decodeAmf0(bytes, { maxDepth: 3 })).toEqual([[[[]]]]);
    expectRtmpError(() => decodeAmf0(bytes, { maxDepth: 2 }), Code.AmfDepthExceeded);
  });

  it('rejects bad options with a TypeError naming the option', () => {
    expect(() => decodeAmf0(new Uint8Array(), { maxDepth: -1 })).toThrow(/maxDepth/);
    expect(() => decodeAmf0(new Uint8Array(), { maxItems: 1.5 })).toThrow(/maxItems/);
  });

  it('names the marker and offset of an unsupported marker', () => {
    const e = expectRtmpError(() => decodeAmf0(hexToBytes('05 0d')), Code.AmfUnsupportedMarker);
    expect(e.message).toContain('0x0d');
    expect(e.message).toContain('offset 1');
  });
});

describe('AMF0 encoder refusals', () => {
  it('refuses functions, symbols and bigints', () => {
    for (const v of [() => 1, Symbol('s'), 10n]) {
      expectRtmpError(() => encodeAmf0([v as unknown as AmfValue]), Code.AmfUnencodable);
      expectRtmpError(() => encodeAmf0([{ a: v } as unknown as AmfValue]), Code.AmfUnencodable);
    }
  });

  it('refuses built-ins that would turn into empty objects', () => {
    for (const v of [new Set([1]), new Uint16Array(2), new ArrayBuffer(2), /x/]) {
      expectRtmpError(() => encodeAmf0([v as unknown as AmfValue]), Code.AmfUnencodable);
    }
  });

  it('refuses cycles instead of looping', () => {
    const o: AmfObject = {};
    o.self = o;
    expectRtmpError(() => encodeAmf0([o]), Code.AmfUnencodable);
    const a: AmfValue[] = [];
    a.push([a]);
    expectRtmpError(() => encodeAmf0([a]), Code.AmfUnencodable);
  });

  it('refuses nesting past maxDepth with AmfDepthExceeded, not a stack overflow', () => {
    let deep: AmfValue = null;
    for (let i = 0; i < 70_000; i++) deep = [deep];
    expectRtmpError(() => encodeAmf0([deep]), Code.AmfDepthExceeded);
    let ok: AmfValue = null;
    for (let i = 0; i < 64; i++) ok = [ok];
    expect(decodeAmf0(encodeAmf0([ok]))).toHaveLength(1);
  });

  it('refuses property names over 65535 UTF-8 bytes', () => {
    expectRtmpError(() => encodeAmf0([{ ['k'.repeat(0x10000)]: 1 }]), Code.AmfUnencodable);
  });
});
