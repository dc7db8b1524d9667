import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../src/bytes/byte-cursor.ts';
import { RtmpErrorCode } from '../../src/errors.ts';
import {
  avcCodecString,
  avcConfigToDecoderConfig,
  buildAvcDecoderConfigurationRecord,
  parseAvcDecoderConfigurationRecord,
  parseAvcSps,
} from '../../src/flv/avc-config.ts';
import { BitWriter } from '../../src/flv/bitstream.ts';
import { X264_BASELINE_320X240_AVCC, X264_HIGH_640X360_AVCC } from '../fixtures/flv-fixtures.ts';
import { codeOf } from '../error-code.ts';

const h = hexToBytes;
// The SPS of the brief, verified against ffprobe: High, level 3.0, 640x360.
const X264_SPS = h('6764001eacd940a02ff970110000030001000003003c0f162d96');
const X264_PPS = h('68ebe3cb22c0');


describe('AVCDecoderConfigurationRecord (ISO 14496-15 §5.3.3.1)', () => {
  it('parses the x264 record: profile, level, length size, SPS/PPS views and the High tail', () => {
    const r = parseAvcDecoderConfigurationRecord(X264_HIGH_640X360_AVCC);
    expect(r).toMatchObject({
      configurationVersion: 1,
      profileIndication: 100,
      profileCompatibility: 0,
      levelIndication: 30,
      nalLengthSize: 4,
      highProfileExt: { chromaFormat: 1, bitDepthLuma: 8, bitDepthChroma: 8, spsExt: [] },
    });
    expect(r.sps.map(bytesToHex)).toEqual([bytesToHex(X264_SPS)]);
    expect(r.pps.map(bytesToHex)).toEqual([bytesToHex(X264_PPS)]);
    expect(r.sps[0]!.buffer).toBe(X264_HIGH_640X360_AVCC.buffer);
  });

  it('parses a baseline record without a tail', () => {
    const r = parseAvcDecoderConfigurationRecord(X264_BASELINE_320X240_AVCC);
    expect(r).toMatchObject({ profileIndication: 66, profileCompatibility: 0xc0, levelIndication: 13 });
    expect(r.highProfileExt).toBeUndefined();
  });

  it('builds both x264 records byte for byte from their parameter sets', () => {
    expect(bytesToHex(buildAvcDecoderConfigurationRecord({ sps: [X264_SPS], pps: [X264_PPS] }))).toBe(
      bytesToHex(X264_HIGH_640X360_AVCC),
    );
    const b = parseAvcDecoderConfigurationRecord(X264_BASELINE_320X240_AVCC);
    expect(bytesToHex(buildAvcDecoderConfigurationRecord({ sps: b.sps, pps: b.pps }))).toBe(
      bytesToHex(X264_BASELINE_320X240_AVCC),
    );
  });

  it('builds 2-byte and 1-byte NAL length sizes', () => {
    for (const n of [1, 2, 4] as const) {
      const rec = buildAvcDecoderConfigurationRecord({ sps: [X264_SPS], pps: [X264_PPS], nalLengthSize: n });
      expect(parseAvcDecoderConfigurationRecord(rec).nalLengthSize).toBe(n);
    }
  });

  it('rejects SPS/PPS lengths that run past the record', () => {
    const full = X264_HIGH_640X360_AVCC;
    // Cut the record inside the SPS, inside the PPS length, and inside the PPS.
    for (const cut of [8, 20, 8 + 26, 8 + 26 + 2, 8 + 26 + 3 + 3]) {
      expect(codeOf(() => parseAvcDecoderConfigurationRecord(full.subarray(0, cut))), `cut at ${cut}`).toBe(
        RtmpErrorCode.AvcConfigInvalid,
      );
    }
    const longSps = full.slice();
    longSps[6] = 0x01; // SPS length 0x011a
    expect(codeOf(() => parseAvcDecoderConfigurationRecord(longSps))).toBe(RtmpErrorCode.AvcConfigInvalid);
  });

  it('rejects builder misuse with TypeError', () => {
    expect(() => buildAvcDecoderConfigurationRecord({ sps: [], pps: [] })).toThrow(TypeError);
    expect(() => buildAvcDecoderConfigurationRecord({ sps: [h('6742')], pps: [] })).toThrow(TypeError);
  });
});

describe('SPS (H.264 §7.3.2.1.1)', () => {
  it('reads the x264 High SPS: 640x360 from 40x23 MBs cropped by 8 lines', () => {
    const s = parseAvcSps(X264_SPS);
    expect(s).toMatchObject({
      profileIdc: 100,
      constraintFlags: 0,
      levelIdc: 30,
      chromaFormatIdc: 1,
      bitDepthLuma: 8,
      frameMbsOnly: true,
      mbAlignedWidth: 640,
      mbAlignedHeight: 368,
      crop: { left: 0, right: 0, top: 0, bottom: 8 },
      width: 640,
      height: 360,
    });
  });

  it('reads the baseline SPS', () => {
    const sps = parseAvcDecoderConfigurationRecord(X264_BASELINE_320X240_AVCC).sps[0]!;
    expect(parseAvcSps(sps)).toMatchObject({ profileIdc: 66, width: 320, height: 240 });
  });

  // A synthetic High 4:2:2 10-bit SPS with scaling lists, pic_order_cnt_type 1
  // and an interlaced 1920x1080 frame (frame_mbs_only 0): the crop unit is 2×2.
  it('handles scaling lists, poc type 1, 4:2:2 and field coding', () => {
    const w = new BitWriter();
    w.bits(8, 122).bits(8, 0).bits(8, 40); // profile High 4:2:2, level 4.0
    w.ue(0); // sps id
    w.ue(2).ue(2).ue(2); // chroma 4:2:2, 10-bit luma and chroma
    w.flag(false); // qpprime
    w.flag(true); // seq_scaling_matrix_present
    for (let i = 0; i < 8; i++) {
      w.flag(i % 2 === 0);
      if (i % 2 === 0) {
        const size = i < 6 ? 16 : 64;
        w.se(-8); // first delta: nextScale 0 → "use default", list ends
        void size;
      }
    }
    w.ue(0); // log2_max_frame_num_minus4
    w.ue(1); // pic_order_cnt_type 1
    w.flag(false).se(-2).se(3).ue(2).se(1).se(-1);
    w.ue(4).flag(false); // max_num_ref_frames, gaps
    w.ue(119).ue(33); // 120 MBs wide, 34 map units (68 MB rows as fields)
    w.flag(false).flag(true); // frame_mbs_only 0 → mb_adaptive_frame_field
    w.flag(true); // direct_8x8
    w.flag(true).ue(0).ue(0).ue(0).ue(2); // crop bottom 2 → 2*2*... rows
    w.flag(false).bits(1, 1); // vui, stop bit
    const sps = new Uint8Array([0x67, ...w.finish()]);
    const s = parseAvcSps(sps);
    expect(s).toMatchObject({ profileIdc: 122, chromaFormatIdc: 2, bitDepthLuma: 10, frameMbsOnly: false });
    // 4:2:2: SubHeightC 1, × 2 for field coding → crop unit Y 2; 1088 - 2*2 = 1084.
    expect(s.mbAlignedHeight).toBe(1088);
    expect(s.width).toBe(1920);
    expect(s.height).toBe(1084);
  });

  it('reads a non-trivial scaling list with many deltas', () => {
    const w = new BitWriter();
    w.bits(8, 100).bits(8, 0).bits(8, 31).ue(0);
    w.ue(1).ue(0).ue(0).flag(false).flag(true);
    for (let i = 0; i < 8; i++) {
      w.flag(true);
      const size = i < 6 ? 16 : 64;
      for (let j = 0; j < size; j++) w.se(j % 2 === 0 ? 1 : -1); // never reaches nextScale 0
    }
    w.ue(0).ue(2).ue(1).flag(false).ue(79).ue(44).flag(true).flag(true).flag(false).flag(false).bits(1, 1);
    const s = parseAvcSps(new Uint8Array([0x67, ...w.finish()]));
    expect(s).toMatchObject({ width: 1280, height: 720, levelIdc: 31 });
  });

  it('removes emulation prevention bytes before reading', () => {
    // x264's SPS contains 00 00 03 twice; without RBSP conversion the VUI and
    // everything after would be off, but the size is before them: check a
    // synthetic SPS where 00 00 03 sits before the size fields instead.
    const w = new BitWriter();
    w.bits(8, 66).bits(8, 0).bits(8, 0); // level_idc 0 makes "00 00" with the constraint byte
    w.ue(0).ue(0).ue(0).ue(0).ue(1).flag(false).ue(19).ue(14).flag(true).flag(true).flag(false).flag(false).bits(1, 1);
    const rbsp = w.finish();
    // Insert the emulation prevention byte after the two zero bytes (constraint, level).
    const nalu = new Uint8Array([0x67, rbsp[0]!, 0, 0, 3, ...rbsp.subarray(3)]);
    expect(rbsp[1]).toBe(0);
    expect(rbsp[2]).toBe(0);
    expect(parseAvcSps(nalu)).toMatchObject({ width: 320, height: 240 });
  });

  it('rejects malformed SPS with AvcConfigInvalid', () => {
    for (const hex of ['', '68ebe3cb', 'e764001e', '6764001e', '6742001e0000000000ff', '6764001eff']) {
      expect(codeOf(() => parseAvcSps(h(hex))), hex).toBe(RtmpErrorCode.AvcConfigInvalid);
    }
  });
});

describe('avcConfigToDecoderConfig', () => {
  it('gives avc1.64001E, the size, and a copy of the avcC', () => {
    const c = avcConfigToDecoderConfig(X264_HIGH_640X360_AVCC);
    expect(c).toMatchObject({ codec: 'avc1.64001E', codedWidth: 640, codedHeight: 360 });
    expect(bytesToHex(c.description!)).toBe(bytesToHex(X264_HIGH_640X360_AVCC));
    expect(c.description!.buffer).not.toBe(X264_HIGH_640X360_AVCC.buffer);
  });

  it('names constrained baseline avc1.42C00D', () => {
    expect(avcConfigToDecoderConfig(X264_BASELINE_320X240_AVCC)).toMatchObject({
      codec: 'avc1.42C00D',
      codedWidth: 320,
      codedHeight: 240,
    });
    expect(avcCodecString(77, 0x40, 0x1f)).toBe('avc1.4D401F');
  });

  it('omits the size when the record has no SPS', () => {
    const c = avcConfigToDecoderConfig(h('0164001effe000'));
    expect(c.codec).toBe('avc1.64001E');
    expect(c.codedWidth).toBeUndefined();
  });
});
