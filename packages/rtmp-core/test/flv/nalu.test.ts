import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../src/bytes/byte-cursor.ts';
import { RtmpError, RtmpErrorCode } from '../../src/errors.ts';
import {
  annexBToLengthPrefixed,
  avcNaluType,
  hevcNaluType,
  iterateNalus,
  lengthPrefixedToAnnexB,
  naluToRbsp,
  nalusToLengthPrefixed,
  splitAnnexB,
  splitNalus,
} from '../../src/flv/nalu.ts';
import { codeOf } from '../error-code.ts';

const h = hexToBytes;


describe('length-prefixed NAL units (ISO 14496-15 §5.3.2)', () => {
  it('splits 4-, 2- and 1-byte prefixed samples into views', () => {
    const s4 = h('00000002 0910 00000003 658884');
    const units = splitNalus(s4, 4);
    expect(units.map(bytesToHex)).toEqual(['0910', '658884']);
    expect(units[1]!.buffer).toBe(s4.buffer);
    expect(units[1]!.byteOffset).toBe(10);
    expect(splitNalus(h('0002 0910 0001 65'), 2).map(bytesToHex)).toEqual(['0910', '65']);
    expect(splitNalus(h('02 0910 01 65'), 1).map(bytesToHex)).toEqual(['0910', '65']);
    expect(avcNaluType(units[1]!)).toBe(5);
    expect(hevcNaluType(h('2601'))).toBe(19);
  });

  it('skips zero-length units and accepts an empty sample', () => {
    expect(splitNalus(h('00000000 00000001 09'), 4).map(bytesToHex)).toEqual(['09']);
    expect(splitNalus(new Uint8Array(0), 4)).toEqual([]);
  });

  it('rejects a length larger than what remains with NaluInvalid', () => {
    expect(codeOf(() => splitNalus(h('0000000a 6588'), 4))).toBe(RtmpErrorCode.NaluInvalid);
    expect(codeOf(() => splitNalus(h('ffffffff 65'), 4))).toBe(RtmpErrorCode.NaluInvalid);
    expect(codeOf(() => splitNalus(h('0003 6588'), 2))).toBe(RtmpErrorCode.NaluInvalid);
    expect(codeOf(() => splitNalus(h('02 65'), 1))).toBe(RtmpErrorCode.NaluInvalid);
  });

  it('rejects a cut length prefix with NaluInvalid', () => {
    expect(codeOf(() => splitNalus(h('00000002 0910 000000'), 4))).toBe(RtmpErrorCode.NaluInvalid);
    expect(codeOf(() => splitNalus(h('0001 65 00'), 2))).toBe(RtmpErrorCode.NaluInvalid);
  });

  it('iterates lazily: units before a bad length are still yielded', () => {
    const it = iterateNalus(h('00000001 09 000000ff'), 4);
    expect(bytesToHex(it.next().value as Uint8Array)).toBe('09');
    expect(() => it.next()).toThrow(RtmpError);
  });

  it('rejects a bad length size with TypeError', () => {
    expect(() => splitNalus(h('00'), 3 as 4)).toThrow(TypeError);
  });
});

describe('Annex B', () => {
  it('splits on 3- and 4-byte start codes, dropping leading junk and trailing zeros', () => {
    const annexB = h('aa 00000001 6764 000001 68ee 0000 00000001 65888400 000001 0601');
    expect(splitAnnexB(annexB).map(bytesToHex)).toEqual(['6764', '68ee', '658884', '0601']);
    expect(splitAnnexB(h('000001'))).toEqual([]);
    expect(splitAnnexB(h('6764'))).toEqual([]);
  });

  it('converts Annex B → length-prefixed → Annex B', () => {
    const annexB = h('00000001 6764001e 00000001 68ee 00000001 658884');
    const lp = annexBToLengthPrefixed(annexB);
    expect(bytesToHex(lp)).toBe('000000046764001e0000000268ee00000003658884');
    expect(bytesToHex(lengthPrefixedToAnnexB(lp, 4))).toBe(bytesToHex(annexB));
    expect(bytesToHex(annexBToLengthPrefixed(annexB, 2))).toBe('00046764001e000268ee0003658884');
  });

  it('refuses units too long for the length size', () => {
    expect(() => nalusToLengthPrefixed([new Uint8Array(256)], 1)).toThrow(TypeError);
  });
});

describe('naluToRbsp (H.264 §7.4.1)', () => {
  it('removes emulation prevention bytes', () => {
    expect(bytesToHex(naluToRbsp(h('6700000301000003000003')))).toBe('6700000100000000');
    const plain = h('6764001e');
    expect(naluToRbsp(plain)).toBe(plain);
  });
});
