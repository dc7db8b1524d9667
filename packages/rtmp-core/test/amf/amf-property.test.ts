import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesToHex } from '../../src/bytes/byte-cursor.ts';
import { RtmpError, RtmpErrorCode as Code } from '../../src/errors.ts';
import { decodeAmf0, encodeAmf0 } from '../../src/amf/amf0.ts';
import { decodeAmf3, encodeAmf3 } from '../../src/amf/amf3.ts';
import {
  AmfDictionary,
  AmfVector,
  AmfXml,
  amfEcmaArray,
  amfTypedObject,
  setAmfProperty,
  type AmfObject,
  type AmfValue,
} from '../../src/amf/amf-value.ts';
import { amfDiff } from './amf-test-helpers.ts';

type Format = 'amf0' | 'amf3';

const number = fc.oneof(
  fc.double(),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
  fc.constantFrom(-0, NaN, Infinity, -Infinity, 2 ** 28, -(2 ** 28), 2 ** 28 - 1, -(2 ** 28) - 1, 2 ** 53, 0.1),
);

const text = fc.string({ unit: 'grapheme', maxLength: 12 });

const key = fc.oneof(
  text,
  fc.constantFrom('', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '0', '1', '10', '-1', 'length'),
);

function toObject(entries: readonly (readonly [string, AmfValue])[]): AmfObject {
  const o: AmfObject = {};
  for (const [k, v] of entries) setAmfProperty(o, k, v);
  return o;
}

/**
 * Arbitrary AMF value trees. AMF3 cannot carry an empty ECMA array (it is an
 * empty dense array on the wire), an ECMA key "" (it ends the associative
 * part) or a typed object with class name "" (that means anonymous), so those
 * only appear for AMF0.
 */
function amfValue(format: Format): fc.Arbitrary<AmfValue> {
  // AMF0 sends vectors and dictionaries as AMF3 (avmplus), so what they hold
  // follows the AMF3 rules.
  const inner = format === 'amf0' ? amfValue('amf3') : undefined;
  const { value } = fc.letrec<{
    value: AmfValue;
    array: AmfValue[];
    object: AmfObject;
    ecma: AmfObject;
    typed: AmfObject;
    vector: AmfVector;
    dictionary: AmfDictionary;
  }>((tie) => {
    const entries = fc.array(fc.tuple(key, tie('value')), { maxLength: 5 });
    return {
      value: fc.oneof(
        { depthSize: 'small', maxDepth: 5 },
        number,
        fc.boolean(),
        text,
        fc.constant(null),
        fc.constant(undefined),
        fc.date(),
        fc.uint8Array({ maxLength: 8 }),
        fc.tuple(text, fc.constantFrom('document' as const, 'e4x' as const)).map(([t, k]) => new AmfXml(t, k)),
        tie('array'),
        tie('object'),
        tie('ecma'),
        tie('typed'),
        tie('vector'),
        tie('dictionary'),
      ),
      array: fc.oneof(fc.array(tie('value'), { maxLength: 5 }), fc.sparseArray(tie('value'), { maxLength: 6 })),
      object: entries.map(toObject),
      ecma:
        format === 'amf0'
          ? entries.map((e) => amfEcmaArray(toObject(e)))
          : fc
              .array(fc.tuple(key.filter((k) => k !== ''), tie('value')), { minLength: 1, maxLength: 5 })
              .map((e) => amfEcmaArray(toObject(e))),
      typed: fc
        .tuple(format === 'amf0' ? text : text.filter((t) => t !== ''), entries)
        .map(([name, e]) => amfTypedObject(name, toObject(e))),
      vector: fc.oneof(
        fc
          .tuple(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 5 }), fc.boolean())
          .map(([a, f]) => new AmfVector(Int32Array.from(a), f)),
        fc
          .tuple(fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { maxLength: 5 }), fc.boolean())
          .map(([a, f]) => new AmfVector(Uint32Array.from(a), f)),
        fc.tuple(fc.array(fc.double(), { maxLength: 5 }), fc.boolean()).map(([a, f]) => new AmfVector(Float64Array.from(a), f)),
        fc
          .tuple(fc.array(inner ?? tie('value'), { maxLength: 4 }), fc.boolean(), fc.constantFrom('', '*', 'String', 'com.example.Item'))
          .map(([a, f, t]) => new AmfVector(a, f, t)),
      ),
      dictionary: fc
        .tuple(
          fc.array(
            fc.tuple(fc.oneof(text, number, fc.boolean(), fc.constant(null), inner ?? tie('object')), inner ?? tie('value')),
            { maxLength: 4 },
          ),
          fc.boolean(),
        )
        .map(([e, weak]) => new AmfDictionary(e, weak)),
    };
  });
  return value;
}

const codecs = {
  amf0: { encode: encodeAmf0, decode: decodeAmf0 },
  amf3: { encode: encodeAmf3, decode: decodeAmf3 },
} as const;

/** Runs `fn`; passes if it returns or throws an RtmpError, fails on anything else. */
function onlyRtmpErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof RtmpError)) throw new Error(`non-RtmpError escaped: ${String(e)}`, { cause: e });
  }
}

for (const format of ['amf0', 'amf3'] as const) {
  const { encode, decode } = codecs[format];
  const values = fc.array(amfValue(format), { maxLength: 4 });

  describe(`${format} properties`, () => {
    it('decode(encode(v)) is v, and encodes back to the same bytes', () => {
      fc.assert(
        fc.property(values, (vs) => {
          const bytes = encode(vs);
          const back = decode(bytes);
          expect(back.length).toBe(vs.length);
          vs.forEach((v, i) => {
            const d = amfDiff(v, back[i]);
            if (d) throw new Error(d);
          });
          expect(bytesToHex(encode(back))).toBe(bytesToHex(bytes));
        }),
        { numRuns: 400 },
      );
    });

    it('every strict prefix of one encoded value is truncated', () => {
      fc.assert(
        fc.property(amfValue(format), (v) => {
          const bytes = encode([v]);
          for (let n = 1; n < bytes.length; n++) {
            try {
              decode(bytes.subarray(0, n));
            } catch (e) {
              if (e instanceof RtmpError && e.code === Code.AmfTruncated) continue;
              throw e;
            }
            throw new Error(`prefix of ${n}/${bytes.length} bytes decoded`);
          }
        }),
        { numRuns: 150 },
      );
    });

    it('random bytes never raise anything but an RtmpError', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => onlyRtmpErrors(() => decode(bytes))),
        { numRuns: 2000 },
      );
    });

    it('mutated valid encodings never raise anything but an RtmpError', () => {
      fc.assert(
        fc.property(
          amfValue(format),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
          (v, edits) => {
            const bytes = encode([v]).slice();
            if (bytes.length === 0) return;
            for (const [at, b] of edits) bytes[at % bytes.length] = b;
            onlyRtmpErrors(() => decode(bytes));
          },
        ),
        { numRuns: 1000 },
      );
    });
  });
}

describe('shared objects', () => {
  it('keep their identity through both formats', () => {
    fc.assert(
      fc.property(amfValue('amf3'), (inner) => {
        const o = { inner };
        const a = [o, o];
        for (const format of ['amf0', 'amf3'] as const) {
          const [back] = codecs[format].decode(codecs[format].encode([a])) as [AmfValue[]];
          expect(back[0]).toBe(back[1]);
        }
      }),
      { numRuns: 100 },
    );
  });
});
