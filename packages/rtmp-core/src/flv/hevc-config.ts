/**
 * HEVC: the HEVCDecoderConfigurationRecord (hvcC, ISO 14496-15 §8.3.3.1),
 * its codec string (Annex E.3) and the picture size from its SPS
 * (H.265 §7.3.2.2).
 *
 * ```
 * hvcC (23-byte header, then arrays of NAL units):
 *   u8   configurationVersion = 1
 *   u2   general_profile_space  u1 general_tier_flag  u5 general_profile_idc
 *   u32  general_profile_compatibility_flags
 *   u48  general_constraint_indicator_flags
 *   u8   general_level_idc
 *   1111b u12 min_spatial_segmentation_idc
 *   111111b u2 parallelismType
 *   111111b u2 chromaFormat
 *   11111b u3 bitDepthLumaMinus8
 *   11111b u3 bitDepthChromaMinus8
 *   u16  avgFrameRate
 *   u2 constantFrameRate  u3 numTemporalLayers  u1 temporalIdNested  u2 lengthSizeMinusOne
 *   u8   numOfArrays
 *        { u1 array_completeness  u1 0  u6 NAL_unit_type
 *          u16 numNalus  { u16 nalUnitLength; u8[nalUnitLength] } × numNalus } × numOfArrays
 * ```
 */
import { RtmpError, RtmpErrorCode } from '../errors.ts';
import { ByteCursor, ByteWriter } from '../bytes/byte-cursor.ts';
import { BitReader } from './bitstream.ts';
import type { VideoDecoderConfigLike } from './decoder-config.ts';
import { isNalLengthSize, naluToRbsp, type NalLengthSize } from './nalu.ts';

const Code = RtmpErrorCode.CodecConfigInvalid;

/** HEVC NAL unit types that appear in an hvcC. */
export const HevcNaluType = {
  Vps: 32,
  Sps: 33,
  Pps: 34,
  PrefixSei: 39,
  SuffixSei: 40,
} as const;
/** An HEVC parameter-set NAL unit type. */
export type HevcNaluType = (typeof HevcNaluType)[keyof typeof HevcNaluType];

/** One array of NAL units of the same type in an hvcC. */
export interface HevcNaluArray {
  /** array_completeness: all NAL units of this type are in the array. */
  complete: boolean;
  /** NAL_unit_type, e.g. 32 VPS, 33 SPS, 34 PPS. */
  naluType: number;
  /** The NAL units (views into the input). */
  nalus: Uint8Array[];
}

/** A parsed hvcC. */
export interface HevcDecoderConfigurationRecord {
  /** general_profile_space (0..3). */
  profileSpace: number;
  /** general_tier_flag: true for the High tier. */
  tierFlag: boolean;
  /** general_profile_idc, e.g. 1 Main, 2 Main 10. */
  profileIdc: number;
  /** general_profile_compatibility_flags, as a u32 (flag 0 is the top bit). */
  profileCompatibilityFlags: number;
  /** general_constraint_indicator_flags, 6 bytes. */
  constraintIndicatorFlags: Uint8Array;
  /** general_level_idc (30 × the level, e.g. 93 for 3.1). */
  levelIdc: number;
  /** min_spatial_segmentation_idc. */
  minSpatialSegmentationIdc: number;
  /** parallelismType. */
  parallelismType: number;
  /** chroma_format_idc. */
  chromaFormat: number;
  /** Luma bit depth. */
  bitDepthLuma: number;
  /** Chroma bit depth. */
  bitDepthChroma: number;
  /** avgFrameRate in frames per 256 seconds (0 = unspecified). */
  avgFrameRate: number;
  /** constantFrameRate (0..2). */
  constantFrameRate: number;
  /** numTemporalLayers. */
  numTemporalLayers: number;
  /** temporalIdNested. */
  temporalIdNested: boolean;
  /** NAL length size of the samples. */
  nalLengthSize: NalLengthSize;
  /** The parameter-set arrays. */
  arrays: HevcNaluArray[];
}

/**
 * Parses an HEVCDecoderConfigurationRecord.
 *
 * @throws RtmpError CodecConfigInvalid when the version is not 1, the length
 *   size is 3, or a count or length runs past the record.
 */
export function parseHevcDecoderConfigurationRecord(hvcc: Uint8Array): HevcDecoderConfigurationRecord {
  const c = new ByteCursor(hvcc, Code);
  c.need(23, 'hvcC header');
  const version = c.u8();
  if (version !== 1) throw new RtmpError(Code, `hvcC configurationVersion is ${version}, expected 1`);
  const b1 = c.u8();
  const profileCompatibilityFlags = c.u32be();
  const constraintIndicatorFlags = c.bytesView(6);
  const levelIdc = c.u8();
  const minSpatialSegmentationIdc = c.u16be() & 0x0fff;
  const parallelismType = c.u8() & 0x03;
  const chromaFormat = c.u8() & 0x03;
  const bitDepthLuma = (c.u8() & 0x07) + 8;
  const bitDepthChroma = (c.u8() & 0x07) + 8;
  const avgFrameRate = c.u16be();
  const b21 = c.u8();
  const nalLengthSize = (b21 & 0x03) + 1;
  if (!isNalLengthSize(nalLengthSize)) {
    throw new RtmpError(Code, 'hvcC lengthSizeMinusOne is 2; only 1, 2 or 4 byte NAL lengths exist');
  }
  const numArrays = c.u8();
  c.need(numArrays * 3, `hvcC ${numArrays} arrays`);
  const arrays: HevcNaluArray[] = [];
  for (let i = 0; i < numArrays; i++) {
    const t = c.u8();
    const numNalus = c.u16be();
    c.need(numNalus * 2, `hvcC array ${i}: ${numNalus} NAL units`);
    const nalus: Uint8Array[] = [];
    for (let k = 0; k < numNalus; k++) {
      const len = c.u16be();
      nalus.push(c.bytesView(len, `hvcC array ${i} NAL unit ${k} (${len} bytes)`));
    }
    arrays.push({ complete: (t & 0x80) !== 0, naluType: t & 0x3f, nalus });
  }
  return {
    profileSpace: b1 >> 6,
    tierFlag: (b1 & 0x20) !== 0,
    profileIdc: b1 & 0x1f,
    profileCompatibilityFlags,
    constraintIndicatorFlags,
    levelIdc,
    minSpatialSegmentationIdc,
    parallelismType,
    chromaFormat,
    bitDepthLuma,
    bitDepthChroma,
    avgFrameRate,
    constantFrameRate: b21 >> 6,
    numTemporalLayers: (b21 >> 3) & 0x07,
    temporalIdNested: (b21 & 0x04) !== 0,
    nalLengthSize,
    arrays,
  };
}

/**
 * Writes an hvcC from its fields (the inverse of
 * {@link parseHevcDecoderConfigurationRecord}).
 *
 * @throws TypeError when a count or length does not fit its field.
 */
export function buildHevcDecoderConfigurationRecord(r: HevcDecoderConfigurationRecord): Uint8Array {
  if (r.constraintIndicatorFlags.length !== 6) throw new TypeError('constraintIndicatorFlags must be 6 bytes');
  if (r.arrays.length > 255) throw new TypeError('arrays: at most 255');
  const w = new ByteWriter(128);
  w.u8(1);
  w.u8(((r.profileSpace & 3) << 6) | (r.tierFlag ? 0x20 : 0) | (r.profileIdc & 0x1f));
  w.u32be(r.profileCompatibilityFlags >>> 0);
  w.bytes(r.constraintIndicatorFlags);
  w.u8(r.levelIdc);
  w.u16be(0xf000 | (r.minSpatialSegmentationIdc & 0x0fff));
  w.u8(0xfc | (r.parallelismType & 3));
  w.u8(0xfc | (r.chromaFormat & 3));
  w.u8(0xf8 | ((r.bitDepthLuma - 8) & 7));
  w.u8(0xf8 | ((r.bitDepthChroma - 8) & 7));
  w.u16be(r.avgFrameRate);
  w.u8(
    ((r.constantFrameRate & 3) << 6) |
      ((r.numTemporalLayers & 7) << 3) |
      (r.temporalIdNested ? 4 : 0) |
      (r.nalLengthSize - 1),
  );
  w.u8(r.arrays.length);
  for (const a of r.arrays) {
    if (a.nalus.length > 0xffff) throw new TypeError('arrays[].nalus: at most 65535');
    w.u8((a.complete ? 0x80 : 0) | (a.naluType & 0x3f));
    w.u16be(a.nalus.length);
    for (const n of a.nalus) {
      if (n.length > 0xffff) throw new TypeError('arrays[].nalus[]: each at most 65535 bytes');
      w.u16be(n.length).bytes(n);
    }
  }
  return w.finish().slice();
}

function reverseBits32(x: number): number {
  let r = 0;
  for (let i = 0; i < 32; i++) {
    r = r * 2 + (x & 1);
    x >>>= 1;
  }
  return r;
}

/**
 * The codec string per ISO 14496-15 Annex E.3, e.g. `hvc1.1.6.L93.B0`:
 * profile space letter + profile_idc, the compatibility flags bit-reversed
 * in hex, tier letter + level_idc, then the constraint bytes in hex with
 * trailing zero bytes left out.
 */
export function hevcCodecString(r: HevcDecoderConfigurationRecord, sampleEntry: 'hvc1' | 'hev1' = 'hvc1'): string {
  const space = ['', 'A', 'B', 'C'][r.profileSpace & 3]!;
  const compat = reverseBits32(r.profileCompatibilityFlags >>> 0).toString(16).toUpperCase();
  let s = `${sampleEntry}.${space}${r.profileIdc}.${compat}.${r.tierFlag ? 'H' : 'L'}${r.levelIdc}`;
  let last = r.constraintIndicatorFlags.length - 1;
  while (last >= 0 && r.constraintIndicatorFlags[last] === 0) last--;
  for (let i = 0; i <= last; i++) {
    s += '.' + r.constraintIndicatorFlags[i]!.toString(16).toUpperCase().padStart(2, '0');
  }
  return s;
}

/** What {@link parseHevcSps} reads. */
export interface HevcSpsInfo {
  /** chroma_format_idc. */
  chromaFormatIdc: number;
  /** pic_width_in_luma_samples. */
  codedWidth: number;
  /** pic_height_in_luma_samples. */
  codedHeight: number;
  /** Visible width after the conformance window. */
  width: number;
  /** Visible height after the conformance window. */
  height: number;
}

/**
 * Parses an HEVC SPS NAL unit (with its 2-byte NAL header) up to the
 * conformance window.
 *
 * @throws RtmpError CodecConfigInvalid when it is not an SPS, truncated or out of range.
 */
export function parseHevcSps(nalu: Uint8Array): HevcSpsInfo {
  if (nalu.length < 2 || ((nalu[0]! >> 1) & 0x3f) !== HevcNaluType.Sps) {
    throw new RtmpError(Code, 'not an HEVC SPS NAL unit');
  }
  const r = new BitReader(naluToRbsp(nalu.subarray(2)), Code, 'HEVC SPS');
  r.skip(4); // sps_video_parameter_set_id
  const maxSubLayersMinus1 = r.bits(3);
  if (maxSubLayersMinus1 > 6) r.fail(`sps_max_sub_layers_minus1 is ${maxSubLayersMinus1}`);
  r.skip(1); // sps_temporal_id_nesting_flag
  // profile_tier_level(1, maxSubLayersMinus1), H.265 §7.3.3.
  r.skip(88 + 8); // general profile (88 bits) and general_level_idc
  const profilePresent: boolean[] = [];
  const levelPresent: boolean[] = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    profilePresent.push(r.flag());
    levelPresent.push(r.flag());
  }
  if (maxSubLayersMinus1 > 0) r.skip(2 * (8 - maxSubLayersMinus1));
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    if (profilePresent[i]) r.skip(88);
    if (levelPresent[i]) r.skip(8);
  }
  r.ueMax(15, 'sps_seq_parameter_set_id');
  const chromaFormatIdc = r.ueMax(3, 'chroma_format_idc');
  let separateColourPlane = false;
  if (chromaFormatIdc === 3) separateColourPlane = r.flag();
  const codedWidth = r.ueMax(65535, 'pic_width_in_luma_samples');
  const codedHeight = r.ueMax(65535, 'pic_height_in_luma_samples');
  let width = codedWidth;
  let height = codedHeight;
  if (r.flag()) {
    // conf_win offsets are in chroma units (H.265 Table 6-1).
    const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
    const subWidthC = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
    const subHeightC = chromaArrayType === 1 ? 2 : 1;
    width -= subWidthC * (r.ue() + r.ue());
    height -= subHeightC * (r.ue() + r.ue());
  }
  if (width <= 0 || height <= 0) r.fail(`conformance window leaves a ${width}x${height} picture`);
  return { chromaFormatIdc, codedWidth, codedHeight, width, height };
}

/**
 * Turns an hvcC (an hvc1 sequence start's body) into a WebCodecs decoder
 * configuration: the Annex E codec string, the size from the first SPS, and
 * the hvcC (copied) as description.
 *
 * @throws RtmpError CodecConfigInvalid when the record or its SPS is malformed.
 */
export function hevcConfigToDecoderConfig(hvcc: Uint8Array): VideoDecoderConfigLike {
  const record = parseHevcDecoderConfigurationRecord(hvcc);
  const config: VideoDecoderConfigLike = { codec: hevcCodecString(record), description: hvcc.slice() };
  const sps = record.arrays.find((a) => a.naluType === HevcNaluType.Sps)?.nalus[0];
  if (sps !== undefined) {
    const info = parseHevcSps(sps);
    config.codedWidth = info.width;
    config.codedHeight = info.height;
  }
  return config;
}
