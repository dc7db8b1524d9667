import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../src/bytes/byte-cursor.ts';
import { RtmpErrorCode } from '../../src/errors.ts';
import {
  buildHevcDecoderConfigurationRecord,
  hevcCodecString,
  hevcConfigToDecoderConfig,
  parseHevcDecoderConfigurationRecord,
  parseHevcSps,
} from '../../src/flv/hevc-config.ts';
import {
  av1CodecString,
  av1ConfigToDecoderConfig,
  buildAv1CodecConfigurationRecord,
  parseAv1CodecConfigurationRecord,
} from '../../src/flv/av1-config.ts';
import {
  buildVpCodecConfigurationRecord,
  parseVpCodecConfigurationRecord,
  vp9ConfigToDecoderConfig,
} from '../../src/flv/vp9-config.ts';
import { videoDecoderConfigFromSequenceStart } from '../../src/flv/codec-config.ts';
import { LIBAOM_642X362_AV1C, LIBVPX_VP9_VPCC, X265_MAIN_642X362_HVCC } from '../fixtures/flv-fixtures.ts';
import { codeOf } from '../error-code.ts';

const h = hexToBytes;


describe('hvcC (ISO 14496-15 §8.3.3.1)', () => {
  it('parses the x265 record', () => {
    const r = parseHevcDecoderConfigurationRecord(X265_MAIN_642X362_HVCC);
    expect(r).toMatchObject({
      profileSpace: 0,
      tierFlag: false,
      profileIdc: 1,
      profileCompatibilityFlags: 0x60000000,
      levelIdc: 63,
      chromaFormat: 1,
      bitDepthLuma: 8,
      bitDepthChroma: 8,
      nalLengthSize: 4,
      numTemporalLayers: 1,
      temporalIdNested: true,
    });
    expect(bytesToHex(r.constraintIndicatorFlags)).toBe('900000000000');
    expect(r.arrays.map((a) => [a.naluType, a.nalus.length, a.complete])).toEqual([
      [32, 1, true],
      [33, 1, true],
      [34, 1, true],
    ]);
  });

  it('names it per Annex E: hvc1.1.6.L63.90, and gives 642x362 from the SPS conformance window', () => {
    const c = hevcConfigToDecoderConfig(X265_MAIN_642X362_HVCC);
    expect(c).toMatchObject({ codec: 'hvc1.1.6.L63.90', codedWidth: 642, codedHeight: 362 });
    expect(bytesToHex(c.description!)).toBe(bytesToHex(X265_MAIN_642X362_HVCC));
    const sps = parseHevcDecoderConfigurationRecord(X265_MAIN_642X362_HVCC).arrays[1]!.nalus[0]!;
    expect(parseHevcSps(sps)).toEqual({ chromaFormatIdc: 1, codedWidth: 648, codedHeight: 368, width: 642, height: 362 });
  });

  it('matches the Annex E examples', () => {
    const base = parseHevcDecoderConfigurationRecord(X265_MAIN_642X362_HVCC);
    expect(hevcCodecString({ ...base, levelIdc: 93, constraintIndicatorFlags: h('b00000000000') })).toBe('hvc1.1.6.L93.B0');
    expect(
      hevcCodecString(
        {
          ...base,
          profileSpace: 0,
          profileIdc: 2,
          profileCompatibilityFlags: 0x20000000, // flag 2 only → reversed 4
          tierFlag: true,
          levelIdc: 120,
          constraintIndicatorFlags: h('b00000000000'),
        },
        'hev1',
      ),
    ).toBe('hev1.2.4.H120.B0');
    expect(
      hevcCodecString({ ...base, profileSpace: 1, profileIdc: 4, profileCompatibilityFlags: 0x10000000, constraintIndicatorFlags: h('000000000000') }),
    ).toBe('hvc1.A4.8.L63');
    expect(hevcCodecString({ ...base, constraintIndicatorFlags: h('b00080000000') })).toBe('hvc1.1.6.L63.B0.00.80');
  });

  it('round-trips through the builder', () => {
    const r = parseHevcDecoderConfigurationRecord(X265_MAIN_642X362_HVCC);
    expect(bytesToHex(buildHevcDecoderConfigurationRecord(r))).toBe(bytesToHex(X265_MAIN_642X362_HVCC));
  });

  it('rejects records and SPS that run past their bytes', () => {
    for (let cut = 0; cut < X265_MAIN_642X362_HVCC.length; cut += 7) {
      expect(codeOf(() => parseHevcDecoderConfigurationRecord(X265_MAIN_642X362_HVCC.subarray(0, cut))), `cut ${cut}`).toBe(
        RtmpErrorCode.CodecConfigInvalid,
      );
    }
    expect(codeOf(() => parseHevcSps(h('4201')))).toBe(RtmpErrorCode.CodecConfigInvalid);
    expect(codeOf(() => parseHevcSps(h('4001')))).toBe(RtmpErrorCode.CodecConfigInvalid); // a VPS
  });
});

describe('av1C', () => {
  it('parses the libaom record and its sequence header OBU', () => {
    const r = parseAv1CodecConfigurationRecord(LIBAOM_642X362_AV1C);
    expect(r).toMatchObject({ profile: 0, level: 1, tier: false, bitDepth: 8, monochrome: false, chromaSubsamplingX: true, chromaSubsamplingY: true });
    expect(av1ConfigToDecoderConfig(LIBAOM_642X362_AV1C)).toMatchObject({
      codec: 'av01.0.01M.08',
      codedWidth: 642,
      codedHeight: 362,
    });
  });

  it('names high tier, 10- and 12-bit streams', () => {
    const r = parseAv1CodecConfigurationRecord(LIBAOM_642X362_AV1C);
    expect(av1CodecString({ ...r, level: 8, tier: true, bitDepth: 10 })).toBe('av01.0.08H.10');
    const twelve = parseAv1CodecConfigurationRecord(buildAv1CodecConfigurationRecord({ profile: 2, level: 13, bitDepth: 12 }));
    expect(av1CodecString(twelve)).toBe('av01.2.13M.12');
  });

  it('round-trips through the builder', () => {
    const r = parseAv1CodecConfigurationRecord(LIBAOM_642X362_AV1C);
    expect(bytesToHex(buildAv1CodecConfigurationRecord(r))).toBe(bytesToHex(LIBAOM_642X362_AV1C));
  });

  it('rejects bad records with CodecConfigInvalid', () => {
    expect(codeOf(() => parseAv1CodecConfigurationRecord(h('8101')))).toBe(RtmpErrorCode.CodecConfigInvalid);
    expect(codeOf(() => parseAv1CodecConfigurationRecord(h('01010c00')))).toBe(RtmpErrorCode.CodecConfigInvalid);
    // OBU size past the end, OBU forbidden bit, truncated sequence header.
    for (const obus of ['0a0b0000', '8a00', '0a0100', '0a8080']) {
      expect(codeOf(() => av1ConfigToDecoderConfig(h('81010c00' + obus))), obus).toBe(RtmpErrorCode.CodecConfigInvalid);
    }
  });

  it('gives no size without a sequence header OBU', () => {
    const c = av1ConfigToDecoderConfig(h('81010c00'));
    expect(c.codec).toBe('av01.0.01M.08');
    expect(c.codedWidth).toBeUndefined();
  });
});

describe('vpcC', () => {
  it('parses the MP4 FullBox form and the bare record alike', () => {
    const full = parseVpCodecConfigurationRecord(LIBVPX_VP9_VPCC);
    const bare = parseVpCodecConfigurationRecord(LIBVPX_VP9_VPCC.subarray(4));
    expect(full).toEqual(bare);
    expect(full).toMatchObject({ profile: 0, level: 21, bitDepth: 8, chromaSubsampling: 1, videoFullRange: false, colourPrimaries: 2 });
    expect(vp9ConfigToDecoderConfig(LIBVPX_VP9_VPCC)).toEqual({ codec: 'vp09.00.21.08' });
  });

  it('builds vp09.00.10.08 and round-trips', () => {
    const b = buildVpCodecConfigurationRecord({ profile: 0, level: 10, bitDepth: 8 });
    expect(bytesToHex(b)).toBe('000a820101010000');
    expect(vp9ConfigToDecoderConfig(b)).toEqual({ codec: 'vp09.00.10.08' });
    expect(vp9ConfigToDecoderConfig(buildVpCodecConfigurationRecord({ profile: 2, level: 41, bitDepth: 10 }))).toEqual({
      codec: 'vp09.02.41.10',
    });
  });

  it('rejects truncated records and bad bit depths', () => {
    for (const hex of ['', '000a82', '01000000000a82', '000a720101010000', '000a82010101ffff']) {
      expect(codeOf(() => parseVpCodecConfigurationRecord(h(hex))), hex).toBe(RtmpErrorCode.CodecConfigInvalid);
    }
  });
});

describe('videoDecoderConfigFromSequenceStart', () => {
  it('dispatches on the FourCC', () => {
    expect(videoDecoderConfigFromSequenceStart({ codec: 'hvc1', config: X265_MAIN_642X362_HVCC }).codec).toBe('hvc1.1.6.L63.90');
    expect(videoDecoderConfigFromSequenceStart({ codec: 'av01', config: LIBAOM_642X362_AV1C }).codec).toBe('av01.0.01M.08');
    expect(videoDecoderConfigFromSequenceStart({ codec: 'vp09', config: LIBVPX_VP9_VPCC }).codec).toBe('vp09.00.21.08');
    expect(videoDecoderConfigFromSequenceStart({ codec: 'vp08', config: new Uint8Array(0) })).toEqual({ codec: 'vp8' });
  });
});
