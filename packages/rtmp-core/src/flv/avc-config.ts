/**
 * H.264: the AVCDecoderConfigurationRecord (avcC, ISO 14496-15 §5.3.3.1) and
 * just enough of the sequence parameter set (H.264 §7.3.2.1.1) to name the
 * codec and size the picture.
 *
 * ```
 * avcC:
 *   u8  configurationVersion = 1
 *   u8  AVCProfileIndication        (= SPS profile_idc)
 *   u8  profile_compatibility       (= SPS constraint_set flags)
 *   u8  AVCLevelIndication          (= SPS level_idc)
 *   u8  111111b | lengthSizeMinusOne(2)    0, 1 or 3
 *   u8  111b | numOfSequenceParameterSets(5)
 *       { u16 length; u8[length] SPS NAL unit } × numOfSPS
 *   u8  numOfPictureParameterSets
 *       { u16 length; u8[length] PPS NAL unit } × numOfPPS
 *   if profile is 100, 110, 122 or 144 (optional in practice, often absent):
 *   u8  111111b | chroma_format(2)
 *   u8  11111b | bit_depth_luma_minus8(3)
 *   u8  11111b | bit_depth_chroma_minus8(3)
 *   u8  numOfSequenceParameterSetExt
 *       { u16 length; u8[length] SPS extension NAL unit } × n
 * ```
 */
import { RtmpError, RtmpErrorCode } from '../errors.ts';
import { ByteCursor, ByteWriter } from '../bytes/byte-cursor.ts';
import { BitReader } from './bitstream.ts';
import type { VideoDecoderConfigLike } from './decoder-config.ts';
import { isNalLengthSize, naluToRbsp, type NalLengthSize } from './nalu.ts';

const Code = RtmpErrorCode.AvcConfigInvalid;

/** The optional High-profile tail of an avcC. */
export interface AvcConfigHighProfileExt {
  /** chroma_format_idc: 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4. */
  chromaFormat: number;
  /** Luma bit depth (8..14). */
  bitDepthLuma: number;
  /** Chroma bit depth (8..14). */
  bitDepthChroma: number;
  /** SPS extension NAL units (views). */
  spsExt: Uint8Array[];
}

/** A parsed avcC. NAL units are views into the input. */
export interface AvcDecoderConfigurationRecord {
  /** Always 1. */
  configurationVersion: number;
  /** profile_idc, e.g. 66 baseline, 77 main, 100 high. */
  profileIndication: number;
  /** The constraint_set flags byte. */
  profileCompatibility: number;
  /** level_idc, e.g. 31 for level 3.1. */
  levelIndication: number;
  /** Size of the NAL unit length prefix in samples. */
  nalLengthSize: NalLengthSize;
  /** Sequence parameter set NAL units, with their NAL header byte. */
  sps: Uint8Array[];
  /** Picture parameter set NAL units, with their NAL header byte. */
  pps: Uint8Array[];
  /** The High-profile tail, when present. */
  highProfileExt?: AvcConfigHighProfileExt;
}

// Profiles whose SPS carries chroma_format_idc etc. (H.264 §7.3.2.1.1).
const SPS_CHROMA_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);
// Profiles whose avcC carries the High-profile tail (ISO 14496-15 §5.3.3.1.2).
const AVCC_EXT_PROFILES = new Set([100, 110, 122, 144]);

/**
 * Parses an AVCDecoderConfigurationRecord.
 *
 * @throws RtmpError AvcConfigInvalid when the version is not 1, the length
 *   size is 3, or any SPS/PPS length runs past the record.
 */
export function parseAvcDecoderConfigurationRecord(avcc: Uint8Array): AvcDecoderConfigurationRecord {
  const c = new ByteCursor(avcc, Code);
  c.need(6, 'avcC header');
  const configurationVersion = c.u8();
  if (configurationVersion !== 1) {
    throw new RtmpError(Code, `avcC configurationVersion is ${configurationVersion}, expected 1`);
  }
  const profileIndication = c.u8();
  const profileCompatibility = c.u8();
  const levelIndication = c.u8();
  const nalLengthSize = (c.u8() & 0x03) + 1;
  if (!isNalLengthSize(nalLengthSize)) {
    throw new RtmpError(Code, `avcC lengthSizeMinusOne is 2; only 1, 2 or 4 byte NAL lengths exist`);
  }
  const numSps = c.u8() & 0x1f;
  const sps = readParameterSets(c, numSps, 'SPS');
  c.need(1, 'avcC numOfPictureParameterSets');
  const numPps = c.u8();
  const pps = readParameterSets(c, numPps, 'PPS');
  const record: AvcDecoderConfigurationRecord = {
    configurationVersion,
    profileIndication,
    profileCompatibility,
    levelIndication,
    nalLengthSize,
    sps,
    pps,
  };
  // The tail is optional in practice: many encoders (and FFmpeg before 2017)
  // omit it, so it is read only when its fixed part is present.
  if (AVCC_EXT_PROFILES.has(profileIndication) && c.remaining >= 4) {
    const chromaFormat = c.u8() & 0x03;
    const bitDepthLuma = (c.u8() & 0x07) + 8;
    const bitDepthChroma = (c.u8() & 0x07) + 8;
    const numExt = c.u8();
    const spsExt = readParameterSets(c, numExt, 'SPS extension');
    record.highProfileExt = { chromaFormat, bitDepthLuma, bitDepthChroma, spsExt };
  }
  return record;
}

function readParameterSets(c: ByteCursor, count: number, what: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  // Each entry takes at least 2 bytes, so a count the record cannot hold is
  // rejected before the loop.
  c.need(count * 2, `avcC ${count} ${what} entries`);
  for (let i = 0; i < count; i++) {
    const len = c.u16be();
    if (len === 0) throw new RtmpError(Code, `avcC ${what} ${i} has length 0`);
    out.push(c.bytesView(len, `avcC ${what} ${i} (${len} bytes)`));
  }
  return out;
}

/** Input to {@link buildAvcDecoderConfigurationRecord}. */
export interface AvcConfigInput {
  /** SPS NAL units (at least one; the first gives profile and level). */
  sps: readonly Uint8Array[];
  /** PPS NAL units. */
  pps: readonly Uint8Array[];
  /** NAL length size of the samples that follow. Defaults to 4. */
  nalLengthSize?: NalLengthSize;
  /**
   * The High-profile tail. For profiles 100/110/122/144 it is derived from
   * the first SPS when not given.
   */
  highProfileExt?: AvcConfigHighProfileExt;
}

/**
 * Builds an AVCDecoderConfigurationRecord from parameter sets.
 *
 * @throws TypeError when there is no SPS or a count/length does not fit.
 * @throws RtmpError AvcConfigInvalid when the High-profile tail must be derived and the SPS is malformed.
 */
export function buildAvcDecoderConfigurationRecord(input: AvcConfigInput): Uint8Array {
  const first = input.sps[0];
  if (first === undefined || first.length < 4) throw new TypeError('sps: need at least one SPS of 4 or more bytes');
  if (input.sps.length > 31) throw new TypeError('sps: at most 31 SPS fit an avcC');
  if (input.pps.length > 255) throw new TypeError('pps: at most 255 PPS fit an avcC');
  const nalLengthSize = input.nalLengthSize ?? 4;
  if (!isNalLengthSize(nalLengthSize)) throw new TypeError(`nalLengthSize must be 1, 2 or 4`);
  const profile = first[1]!;
  const w = new ByteWriter(64);
  w.u8(1).u8(profile).u8(first[2]!).u8(first[3]!);
  w.u8(0xfc | (nalLengthSize - 1));
  w.u8(0xe0 | input.sps.length);
  for (const s of input.sps) writeParameterSet(w, s, 'sps');
  w.u8(input.pps.length);
  for (const p of input.pps) writeParameterSet(w, p, 'pps');
  if (AVCC_EXT_PROFILES.has(profile)) {
    let ext = input.highProfileExt;
    if (ext === undefined) {
      const info = parseAvcSps(first);
      ext = {
        chromaFormat: info.chromaFormatIdc,
        bitDepthLuma: info.bitDepthLuma,
        bitDepthChroma: info.bitDepthChroma,
        spsExt: [],
      };
    }
    w.u8(0xfc | (ext.chromaFormat & 3));
    w.u8(0xf8 | ((ext.bitDepthLuma - 8) & 7));
    w.u8(0xf8 | ((ext.bitDepthChroma - 8) & 7));
    if (ext.spsExt.length > 255) throw new TypeError('highProfileExt.spsExt: at most 255 entries');
    w.u8(ext.spsExt.length);
    for (const e of ext.spsExt) writeParameterSet(w, e, 'highProfileExt.spsExt');
  }
  return w.finish().slice();
}

function writeParameterSet(w: ByteWriter, nalu: Uint8Array, what: string): void {
  if (nalu.length === 0 || nalu.length > 0xffff) throw new TypeError(`${what}: each entry must be 1..65535 bytes`);
  w.u16be(nalu.length).bytes(nalu);
}

/** What {@link parseAvcSps} reads from a sequence parameter set. */
export interface AvcSpsInfo {
  /** profile_idc. */
  profileIdc: number;
  /** constraint_set0..5 flags and the 2 reserved bits, as one byte. */
  constraintFlags: number;
  /** level_idc. */
  levelIdc: number;
  /** seq_parameter_set_id. */
  spsId: number;
  /** chroma_format_idc (1 when the profile does not signal it). */
  chromaFormatIdc: number;
  /** separate_colour_plane_flag. */
  separateColourPlane: boolean;
  /** Luma bit depth. */
  bitDepthLuma: number;
  /** Chroma bit depth. */
  bitDepthChroma: number;
  /** frame_mbs_only_flag: false when the stream may be interlaced. */
  frameMbsOnly: boolean;
  /** Width of the decoded picture in whole macroblocks (before cropping). */
  mbAlignedWidth: number;
  /** Height of the decoded frame in whole macroblocks (before cropping). */
  mbAlignedHeight: number;
  /** Cropping in pixels. */
  crop: { left: number; right: number; top: number; bottom: number };
  /** Visible width in pixels, after cropping. */
  width: number;
  /** Visible height in pixels, after cropping. */
  height: number;
}

/**
 * Parses an H.264 sequence parameter set NAL unit (with its NAL header byte)
 * up to the frame cropping fields; the VUI is not read.
 *
 * @throws RtmpError AvcConfigInvalid when it is not an SPS, is truncated, or
 *   holds out-of-range values.
 */
export function parseAvcSps(nalu: Uint8Array): AvcSpsInfo {
  const header = nalu[0];
  if (header === undefined || (header & 0x80) !== 0 || (header & 0x1f) !== 7) {
    throw new RtmpError(Code, `not an SPS NAL unit (header byte ${header ?? 'missing'})`);
  }
  const r = new BitReader(naluToRbsp(nalu.subarray(1)), Code, 'SPS');
  const profileIdc = r.bits(8);
  const constraintFlags = r.bits(8);
  const levelIdc = r.bits(8);
  const spsId = r.ueMax(31, 'seq_parameter_set_id');
  let chromaFormatIdc = 1;
  let separateColourPlane = false;
  let bitDepthLuma = 8;
  let bitDepthChroma = 8;
  if (SPS_CHROMA_PROFILES.has(profileIdc)) {
    chromaFormatIdc = r.ueMax(3, 'chroma_format_idc');
    if (chromaFormatIdc === 3) separateColourPlane = r.flag();
    bitDepthLuma = r.ueMax(6, 'bit_depth_luma_minus8') + 8;
    bitDepthChroma = r.ueMax(6, 'bit_depth_chroma_minus8') + 8;
    r.skip(1); // qpprime_y_zero_transform_bypass_flag
    if (r.flag()) {
      // seq_scaling_matrix_present_flag: 6 4x4 lists, then 2 (or 6 for 4:4:4) 8x8 lists.
      const lists = chromaFormatIdc !== 3 ? 8 : 12;
      for (let i = 0; i < lists; i++) {
        if (r.flag()) skipScalingList(r, i < 6 ? 16 : 64);
      }
    }
  }
  r.ueMax(12, 'log2_max_frame_num_minus4');
  const pocType = r.ueMax(2, 'pic_order_cnt_type');
  if (pocType === 0) {
    r.ueMax(12, 'log2_max_pic_order_cnt_lsb_minus4');
  } else if (pocType === 1) {
    r.skip(1); // delta_pic_order_always_zero_flag
    r.se(); // offset_for_non_ref_pic
    r.se(); // offset_for_top_to_bottom_field
    const n = r.ueMax(255, 'num_ref_frames_in_pic_order_cnt_cycle');
    for (let i = 0; i < n; i++) r.se();
  }
  r.ue(); // max_num_ref_frames
  r.skip(1); // gaps_in_frame_num_value_allowed_flag
  const widthMbs = r.ueMax(0xffff, 'pic_width_in_mbs_minus1') + 1;
  const heightMapUnits = r.ueMax(0xffff, 'pic_height_in_map_units_minus1') + 1;
  const frameMbsOnly = r.flag();
  if (!frameMbsOnly) r.skip(1); // mb_adaptive_frame_field_flag
  r.skip(1); // direct_8x8_inference_flag
  const crop = { left: 0, right: 0, top: 0, bottom: 0 };
  const mbAlignedWidth = widthMbs * 16;
  const mbAlignedHeight = (frameMbsOnly ? 1 : 2) * heightMapUnits * 16;
  if (r.flag()) {
    // Crop offsets are in chroma sample units (H.264 §7.4.2.1.1, eq. 7-19..7-22).
    const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
    const subWidthC = chromaFormatIdc === 3 ? 1 : 2;
    const subHeightC = chromaFormatIdc === 1 ? 2 : 1;
    const cropUnitX = chromaArrayType === 0 ? 1 : subWidthC;
    const cropUnitY = (chromaArrayType === 0 ? 1 : subHeightC) * (frameMbsOnly ? 1 : 2);
    crop.left = r.ue() * cropUnitX;
    crop.right = r.ue() * cropUnitX;
    crop.top = r.ue() * cropUnitY;
    crop.bottom = r.ue() * cropUnitY;
  }
  const width = mbAlignedWidth - crop.left - crop.right;
  const height = mbAlignedHeight - crop.top - crop.bottom;
  if (width <= 0 || height <= 0) {
    throw new RtmpError(Code, `SPS cropping leaves a ${width}x${height} picture`);
  }
  return {
    profileIdc,
    constraintFlags,
    levelIdc,
    spsId,
    chromaFormatIdc,
    separateColourPlane,
    bitDepthLuma,
    bitDepthChroma,
    frameMbsOnly,
    mbAlignedWidth,
    mbAlignedHeight,
    crop,
    width,
    height,
  };
}

// H.264 §7.3.2.1.1.1 scaling_list(): the values are not needed, only skipped.
function skipScalingList(r: BitReader, size: number): void {
  let lastScale = 8;
  let nextScale = 8;
  for (let j = 0; j < size; j++) {
    if (nextScale !== 0) {
      const delta = r.se();
      if (delta < -128 || delta > 127) r.fail(`delta_scale ${delta} out of range`);
      nextScale = (lastScale + delta + 256) % 256;
    }
    lastScale = nextScale === 0 ? lastScale : nextScale;
  }
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

/** The RFC 6381 codec string `avc1.PPCCLL` (upper-case hex). */
export function avcCodecString(profileIdc: number, constraintFlags: number, levelIdc: number): string {
  return `avc1.${hex2(profileIdc)}${hex2(constraintFlags)}${hex2(levelIdc)}`;
}

/**
 * Turns an avcC (an AVC sequence header's body) into a WebCodecs decoder
 * configuration: the codec string from the record's profile/level bytes,
 * the size from the first SPS, and the avcC itself (copied) as description.
 *
 * @throws RtmpError AvcConfigInvalid when the record or its first SPS is malformed.
 */
export function avcConfigToDecoderConfig(avcc: Uint8Array): VideoDecoderConfigLike {
  const record = parseAvcDecoderConfigurationRecord(avcc);
  const config: VideoDecoderConfigLike = {
    codec: avcCodecString(record.profileIndication, record.profileCompatibility, record.levelIndication),
    description: avcc.slice(),
  };
  const sps = record.sps[0];
  if (sps !== undefined) {
    const info = parseAvcSps(sps);
    config.codedWidth = info.width;
    config.codedHeight = info.height;
  }
  return config;
}
