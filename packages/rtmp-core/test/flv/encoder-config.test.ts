import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../src/bytes/byte-cursor.ts';
import { RtmpErrorCode } from '../../src/errors.ts';
import { videoConfigRecord, videoFourCcOf } from '../../src/flv/encoder-config.ts';
import { av1SequenceHeaderObu } from '../../src/flv/av1-config.ts';
import { LIBAOM_642X362_AV1C, LIBVPX_VP9_VPCC } from '../fixtures/flv-fixtures.ts';
import { codeOf } from '../error-code.ts';

const h = hexToBytes;
/** A keyframe temporal unit: temporal delimiter, libaom's sequence header OBU (from the av1C fixture), a frame OBU. */
const SEQ_HEADER_OBU = LIBAOM_642X362_AV1C.subarray(4);
const AV1_KEYFRAME = h('1200' + bytesToHex(SEQ_HEADER_OBU) + '3203aabbcc');

describe('videoConfigRecord (encoder output → FLV configuration record)', () => {
  it('names the FourCC of a codec string', () => {
    expect(videoFourCcOf('avc1.42E01F')).toBe('avc1');
    expect(videoFourCcOf('avc3.640028')).toBe('avc1');
    expect(videoFourCcOf('hev1.1.6.L93.B0')).toBe('hvc1');
    expect(videoFourCcOf('av01.0.08M.08')).toBe('av01');
    expect(videoFourCcOf('vp09.00.31.08')).toBe('vp09');
    expect(videoFourCcOf('theora')).toBeUndefined();
  });

  it('takes the encoder’s description when it gave one (avcC, hvcC)', () => {
    const avcc = h('01640028ffe1');
    expect(videoConfigRecord('avc1.640028', avcc, null)).toEqual({ fourCc: 'avc1', record: avcc });
  });

  it('builds a vpcC from the codec string, as FFmpeg writes it (no FullBox prefix)', () => {
    const { fourCc, record } = videoConfigRecord('vp09.00.21.08.01.02.02.02.00', null, null);
    expect(fourCc).toBe('vp09');
    expect(bytesToHex(record)).toBe(bytesToHex(LIBVPX_VP9_VPCC.subarray(4)));
    // The short form: 4:2:0 colocated, BT.709, limited range.
    expect(bytesToHex(videoConfigRecord('vp09.00.31.08', null, null).record)).toBe('001f820101010000');
  });

  it('builds an av1C from the codec string and the first keyframe’s sequence header OBU', () => {
    expect(bytesToHex(av1SequenceHeaderObu(AV1_KEYFRAME)!)).toBe(bytesToHex(SEQ_HEADER_OBU));
    const { fourCc, record } = videoConfigRecord('av01.0.01M.08', null, AV1_KEYFRAME);
    expect(fourCc).toBe('av01');
    expect(bytesToHex(record)).toBe(bytesToHex(LIBAOM_642X362_AV1C));
    const high = videoConfigRecord('av01.0.08H.10.0.110.01.01.01.0', null, AV1_KEYFRAME).record;
    expect(bytesToHex(high.subarray(0, 4))).toBe('8108cc00');
  });

  it('fails with a typed error when the record cannot be had', () => {
    expect(codeOf(() => videoConfigRecord('avc1.42E01F', null, null))).toBe(RtmpErrorCode.CodecConfigInvalid);
    expect(codeOf(() => videoConfigRecord('theora', null, null))).toBe(RtmpErrorCode.CodecUnsupported);
    expect(codeOf(() => videoConfigRecord('av01.0.01M.08', null, h('1200')))).toBe(RtmpErrorCode.CodecConfigInvalid);
    expect(codeOf(() => videoConfigRecord('av01.0.01M.08', null, null))).toBe(RtmpErrorCode.CodecConfigInvalid);
    expect(codeOf(() => videoConfigRecord('av01.0.1.08', null, AV1_KEYFRAME))).toBe(RtmpErrorCode.CodecConfigInvalid);
    expect(codeOf(() => videoConfigRecord('vp09.07.31.08', null, null))).toBe(RtmpErrorCode.CodecConfigInvalid);
    expect(codeOf(() => videoConfigRecord('vp09.00.x.08', null, null))).toBe(RtmpErrorCode.CodecConfigInvalid);
    expect(codeOf(() => videoConfigRecord('vp09', null, null))).toBe(RtmpErrorCode.CodecConfigInvalid);
    // A keyframe whose OBU runs past its bytes.
    expect(codeOf(() => videoConfigRecord('av01.0.01M.08', null, h('0a7f00')))).toBe(RtmpErrorCode.CodecConfigInvalid);
  });
});
