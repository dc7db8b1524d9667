/**
 * AV1: the AV1CodecConfigurationRecord (av1C, "AV1 Codec ISO Media File
 * Format Binding" §2.3), its codec string (same document, "Codecs
 * Parameter String") and the maximum frame size from the sequence header OBU
 * it may carry (AV1 spec §5.5).
 *
 * ```
 * av1C:
 *   u1 marker = 1            u7 version = 1
 *   u3 seq_profile           u5 seq_level_idx_0
 *   u1 seq_tier_0  u1 high_bitdepth  u1 twelve_bit  u1 monochrome
 *   u1 chroma_subsampling_x  u1 chroma_subsampling_y  u2 chroma_sample_position
 *   u3 reserved  u1 initial_presentation_delay_present  u4 initial_presentation_delay_minus_one
 *   configOBUs (usually the sequence header OBU)
 * ```
 */
import { RtmpError, RtmpErrorCode } from '../errors.ts';
import { BitReader } from './bitstream.ts';
import type { VideoDecoderConfigLike } from './decoder-config.ts';

const Code = RtmpErrorCode.CodecConfigInvalid;

/** A parsed av1C. */
export interface Av1CodecConfigurationRecord {
  /** seq_profile (0 Main, 1 High, 2 Professional). */
  profile: number;
  /** seq_level_idx_0 (e.g. 4 = level 3.0, 8 = level 4.0). */
  level: number;
  /** seq_tier_0: true for the High tier. */
  tier: boolean;
  /** 8, 10 or 12. */
  bitDepth: number;
  /** monochrome. */
  monochrome: boolean;
  /** chroma_subsampling_x. */
  chromaSubsamplingX: boolean;
  /** chroma_subsampling_y. */
  chromaSubsamplingY: boolean;
  /** chroma_sample_position (0..3). */
  chromaSamplePosition: number;
  /** initial_presentation_delay_minus_one + 1, when present. */
  initialPresentationDelay?: number;
  /** The config OBUs (a view). */
  configObus: Uint8Array;
}

/**
 * Parses an AV1CodecConfigurationRecord.
 *
 * @throws RtmpError CodecConfigInvalid when shorter than 4 bytes or the marker/version is wrong.
 */
export function parseAv1CodecConfigurationRecord(av1c: Uint8Array): Av1CodecConfigurationRecord {
  if (av1c.length < 4) throw new RtmpError(Code, `av1C needs 4 bytes, got ${av1c.length}`);
  const b0 = av1c[0]!;
  const b1 = av1c[1]!;
  const b2 = av1c[2]!;
  const b3 = av1c[3]!;
  if (b0 !== 0x81) throw new RtmpError(Code, `av1C marker/version byte is 0x${b0.toString(16)}, expected 0x81`);
  const profile = b1 >> 5;
  const highBitdepth = (b2 & 0x40) !== 0;
  const twelveBit = (b2 & 0x20) !== 0;
  const record: Av1CodecConfigurationRecord = {
    profile,
    level: b1 & 0x1f,
    tier: (b2 & 0x80) !== 0,
    bitDepth: highBitdepth ? (profile === 2 && twelveBit ? 12 : 10) : 8,
    monochrome: (b2 & 0x10) !== 0,
    chromaSubsamplingX: (b2 & 0x08) !== 0,
    chromaSubsamplingY: (b2 & 0x04) !== 0,
    chromaSamplePosition: b2 & 0x03,
    configObus: av1c.subarray(4),
  };
  if (b3 & 0x10) record.initialPresentationDelay = (b3 & 0x0f) + 1;
  return record;
}

/** Input to {@link buildAv1CodecConfigurationRecord}. */
export interface Av1ConfigInput {
  /** seq_profile 0..2. */
  profile: number;
  /** seq_level_idx_0 0..31. */
  level: number;
  /** High tier. Defaults to false. */
  tier?: boolean;
  /** 8, 10 or 12 (12 only with profile 2). */
  bitDepth: number;
  /** Defaults to false. */
  monochrome?: boolean;
  /** Defaults to true (4:2:0). */
  chromaSubsamplingX?: boolean;
  /** Defaults to true (4:2:0). */
  chromaSubsamplingY?: boolean;
  /** Defaults to 0. */
  chromaSamplePosition?: number;
  /** 1..16, when signalled. */
  initialPresentationDelay?: number;
  /** The sequence header OBU, ideally. Defaults to none. */
  configObus?: Uint8Array;
}

/**
 * Builds an AV1CodecConfigurationRecord.
 *
 * @throws TypeError for a field out of range.
 */
export function buildAv1CodecConfigurationRecord(input: Av1ConfigInput): Uint8Array {
  const { profile, level, bitDepth } = input;
  if (!(profile >= 0 && profile <= 2)) throw new TypeError(`profile must be 0..2, got ${profile}`);
  if (!(level >= 0 && level <= 31)) throw new TypeError(`level must be 0..31, got ${level}`);
  if (bitDepth !== 8 && bitDepth !== 10 && !(bitDepth === 12 && profile === 2)) {
    throw new TypeError(`bitDepth must be 8 or 10 (or 12 with profile 2), got ${bitDepth}`);
  }
  const delay = input.initialPresentationDelay;
  if (delay !== undefined && !(delay >= 1 && delay <= 16)) {
    throw new TypeError(`initialPresentationDelay must be 1..16, got ${delay}`);
  }
  const obus = input.configObus ?? new Uint8Array(0);
  const out = new Uint8Array(4 + obus.length);
  out[0] = 0x81;
  out[1] = (profile << 5) | level;
  out[2] =
    (input.tier ? 0x80 : 0) |
    (bitDepth > 8 ? 0x40 : 0) |
    (bitDepth === 12 ? 0x20 : 0) |
    (input.monochrome ? 0x10 : 0) |
    ((input.chromaSubsamplingX ?? true) ? 0x08 : 0) |
    ((input.chromaSubsamplingY ?? true) ? 0x04 : 0) |
    ((input.chromaSamplePosition ?? 0) & 3);
  out[3] = delay === undefined ? 0 : 0x10 | (delay - 1);
  out.set(obus, 4);
  return out;
}

/** The codec string `av01.P.LLT.DD` (profile, 2-digit level, tier M/H, 2-digit bit depth). */
export function av1CodecString(r: Av1CodecConfigurationRecord): string {
  return `av01.${r.profile}.${String(r.level).padStart(2, '0')}${r.tier ? 'H' : 'M'}.${String(r.bitDepth).padStart(2, '0')}`;
}

const OBU_SEQUENCE_HEADER = 1;

function readLeb128(b: Uint8Array, o: number): { value: number; length: number } {
  let value = 0;
  for (let i = 0; i < 8; i++) {
    const byte = b[o + i];
    if (byte === undefined) throw new RtmpError(Code, 'av1C OBU size runs past the record');
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return { value, length: i + 1 };
  }
  throw new RtmpError(Code, 'av1C OBU size longer than 8 bytes');
}

/**
 * The OBUs of `bytes` in the low-overhead bitstream format (AV1 spec §5.3;
 * the last one may have no size field): each one's type, the whole OBU and
 * its payload.
 *
 * @throws RtmpError CodecConfigInvalid when an OBU runs past the bytes or its forbidden bit is set.
 */
function* av1Obus(bytes: Uint8Array): Generator<{ type: number; obu: Uint8Array; payload: Uint8Array }> {
  let o = 0;
  while (o < bytes.length) {
    const header = bytes[o]!;
    if (header & 0x80) throw new RtmpError(Code, 'AV1 OBU forbidden bit set');
    const type = (header >> 3) & 0x0f;
    const hasExtension = (header & 0x04) !== 0;
    const hasSize = (header & 0x02) !== 0;
    let p = o + 1 + (hasExtension ? 1 : 0);
    let size: number;
    if (hasSize) {
      const leb = readLeb128(bytes, p);
      p += leb.length;
      size = leb.value;
    } else {
      size = bytes.length - p;
    }
    if (p > bytes.length || size > bytes.length - p) {
      throw new RtmpError(Code, `AV1 OBU of ${size} bytes runs past its data`);
    }
    yield { type, obu: bytes.subarray(o, p + size), payload: bytes.subarray(p, p + size) };
    o = p + size;
  }
}

/**
 * Finds the sequence header OBU among the config OBUs and reads the maximum
 * frame size from it. Returns undefined when there is none.
 *
 * @throws RtmpError CodecConfigInvalid when an OBU runs past the bytes or the header is truncated.
 */
export function av1MaxFrameSize(configObus: Uint8Array): { width: number; height: number } | undefined {
  for (const o of av1Obus(configObus)) if (o.type === OBU_SEQUENCE_HEADER) return readSequenceHeaderSize(o.payload);
  return undefined;
}

/**
 * The sequence header OBU of a temporal unit (an encoder's keyframe), whole
 * (header, size, payload), for an av1C's configOBUs; undefined when it has
 * none. The result is a view into `temporalUnit`.
 *
 * @throws RtmpError CodecConfigInvalid when an OBU runs past the bytes.
 */
export function av1SequenceHeaderObu(temporalUnit: Uint8Array): Uint8Array | undefined {
  for (const o of av1Obus(temporalUnit)) if (o.type === OBU_SEQUENCE_HEADER) return o.obu;
  return undefined;
}

// AV1 spec §5.5.1 sequence_header_obu(), up to max_frame_height_minus_1.
function readSequenceHeaderSize(payload: Uint8Array): { width: number; height: number } {
  const r = new BitReader(payload, Code, 'AV1 sequence header');
  r.skip(3); // seq_profile
  r.skip(1); // still_picture
  const reducedStillPictureHeader = r.flag();
  if (reducedStillPictureHeader) {
    r.skip(5); // seq_level_idx[0]
  } else {
    let decoderModelInfoPresent = false;
    let bufferDelayLength = 0;
    if (r.flag()) {
      // timing_info()
      r.skip(32 + 32); // num_units_in_display_tick, time_scale
      if (r.flag()) r.uvlc(); // equal_picture_interval → num_ticks_per_picture_minus_1
      decoderModelInfoPresent = r.flag();
      if (decoderModelInfoPresent) {
        bufferDelayLength = r.bits(5) + 1;
        r.skip(32); // num_units_in_decoding_tick
        r.skip(5 + 5); // buffer_removal_time_length_minus_1, frame_presentation_time_length_minus_1
      }
    }
    const initialDisplayDelayPresent = r.flag();
    const operatingPoints = r.bits(5) + 1;
    for (let i = 0; i < operatingPoints; i++) {
      r.skip(12); // operating_point_idc
      const seqLevelIdx = r.bits(5);
      if (seqLevelIdx > 7) r.skip(1); // seq_tier
      if (decoderModelInfoPresent && r.flag()) r.skip(2 * bufferDelayLength + 1);
      if (initialDisplayDelayPresent && r.flag()) r.skip(4);
    }
  }
  const widthBits = r.bits(4) + 1;
  const heightBits = r.bits(4) + 1;
  const width = r.bits(widthBits) + 1;
  const height = r.bits(heightBits) + 1;
  return { width, height };
}

/**
 * Turns an av1C (an av01 sequence start's body) into a WebCodecs decoder
 * configuration: the codec string, the maximum frame size from the sequence
 * header OBU when there is one, and the av1C (copied) as description.
 *
 * @throws RtmpError CodecConfigInvalid when the record or its OBUs are malformed.
 */
export function av1ConfigToDecoderConfig(av1c: Uint8Array): VideoDecoderConfigLike {
  const record = parseAv1CodecConfigurationRecord(av1c);
  const config: VideoDecoderConfigLike = { codec: av1CodecString(record), description: av1c.slice() };
  const size = av1MaxFrameSize(record.configObus);
  if (size !== undefined) {
    config.codedWidth = size.width;
    config.codedHeight = size.height;
  }
  return config;
}
