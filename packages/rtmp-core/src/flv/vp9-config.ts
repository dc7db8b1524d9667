/**
 * VP9 (and VP8): the VPCodecConfigurationRecord (vpcC, "VP Codec ISO Media
 * File Format Binding" §2.2) and the codec string (same document, "Codecs
 * Parameter String").
 *
 * ```
 * [u8 version = 1, u24 flags = 0]   only in the MP4 FullBox form
 * u8  profile
 * u8  level                         10, 11, 20, ... 62 (level × 10)
 * u4 bitDepth  u3 chromaSubsampling  u1 videoFullRangeFlag
 * u8  colourPrimaries
 * u8  transferCharacteristics
 * u8  matrixCoefficients
 * u16 codecInitializationDataSize   0 for VP8 and VP9
 * u8[codecInitializationDataSize]
 * ```
 *
 * E-RTMP carries "a VPCodecConfigurationRecord"; FFmpeg's flvenc writes the
 * bare record, while MP4 boxes have the FullBox prefix. A bare record always
 * has a non-zero third byte (bitDepth is 8, 10 or 12), and the prefix is
 * `01 00 00 00`, so both are accepted.
 */
import { RtmpError, RtmpErrorCode } from '../errors.ts';
import { ByteCursor } from '../bytes/byte-cursor.ts';
import type { VideoDecoderConfigLike } from './decoder-config.ts';

const Code = RtmpErrorCode.CodecConfigInvalid;

/** A parsed vpcC. */
export interface VpCodecConfigurationRecord {
  /** profile 0..3. */
  profile: number;
  /** level × 10, e.g. 10 for level 1, 31 for level 3.1. */
  level: number;
  /** 8, 10 or 12. */
  bitDepth: number;
  /** 0 4:2:0 vertical, 1 4:2:0 colocated, 2 4:2:2, 3 4:4:4. */
  chromaSubsampling: number;
  /** videoFullRangeFlag. */
  videoFullRange: boolean;
  /** ISO 23091-2 colour primaries. */
  colourPrimaries: number;
  /** ISO 23091-2 transfer characteristics. */
  transferCharacteristics: number;
  /** ISO 23091-2 matrix coefficients. */
  matrixCoefficients: number;
  /** codecInitializationData (a view; empty for VP8/VP9). */
  codecInitializationData: Uint8Array;
}

/**
 * Parses a VPCodecConfigurationRecord, with or without the FullBox prefix.
 *
 * @throws RtmpError CodecConfigInvalid when truncated or the bit depth is not 8, 10 or 12.
 */
export function parseVpCodecConfigurationRecord(vpcc: Uint8Array): VpCodecConfigurationRecord {
  const hasFullBoxHeader =
    vpcc.length >= 4 && vpcc[0] === 1 && vpcc[1] === 0 && vpcc[2] === 0 && vpcc[3] === 0;
  const c = new ByteCursor(vpcc, Code, hasFullBoxHeader ? 4 : 0);
  c.need(8, 'vpcC');
  const profile = c.u8();
  const level = c.u8();
  const b = c.u8();
  const bitDepth = b >> 4;
  if (bitDepth !== 8 && bitDepth !== 10 && bitDepth !== 12) {
    throw new RtmpError(Code, `vpcC bitDepth is ${bitDepth}, expected 8, 10 or 12`);
  }
  const colourPrimaries = c.u8();
  const transferCharacteristics = c.u8();
  const matrixCoefficients = c.u8();
  const initSize = c.u16be();
  const codecInitializationData = c.bytesView(initSize, 'vpcC codecInitializationData');
  return {
    profile,
    level,
    bitDepth,
    chromaSubsampling: (b >> 1) & 0x07,
    videoFullRange: (b & 1) !== 0,
    colourPrimaries,
    transferCharacteristics,
    matrixCoefficients,
    codecInitializationData,
  };
}

/** Input to {@link buildVpCodecConfigurationRecord}; colour fields default to BT.709. */
export interface VpConfigInput {
  /** profile 0..3. */
  profile: number;
  /** level × 10 (10, 11, 20 ... 62). */
  level: number;
  /** 8, 10 or 12. */
  bitDepth: number;
  /** 0..3; defaults to 1 (4:2:0 colocated). */
  chromaSubsampling?: number;
  /** Defaults to false. */
  videoFullRange?: boolean;
  /** Defaults to 1 (BT.709). */
  colourPrimaries?: number;
  /** Defaults to 1 (BT.709). */
  transferCharacteristics?: number;
  /** Defaults to 1 (BT.709). */
  matrixCoefficients?: number;
}

/**
 * Builds a bare VPCodecConfigurationRecord (no FullBox prefix), as FFmpeg's
 * flvenc does for E-RTMP `vp09`.
 *
 * @throws TypeError for a field out of range.
 */
export function buildVpCodecConfigurationRecord(input: VpConfigInput): Uint8Array {
  const { profile, level, bitDepth } = input;
  if (!(profile >= 0 && profile <= 3)) throw new TypeError(`profile must be 0..3, got ${profile}`);
  if (!(level >= 0 && level <= 255)) throw new TypeError(`level must be 0..255, got ${level}`);
  if (bitDepth !== 8 && bitDepth !== 10 && bitDepth !== 12) throw new TypeError(`bitDepth must be 8, 10 or 12`);
  const chroma = input.chromaSubsampling ?? 1;
  if (!(chroma >= 0 && chroma <= 3)) throw new TypeError(`chromaSubsampling must be 0..3, got ${chroma}`);
  return Uint8Array.of(
    profile,
    level,
    (bitDepth << 4) | (chroma << 1) | (input.videoFullRange ? 1 : 0),
    input.colourPrimaries ?? 1,
    input.transferCharacteristics ?? 1,
    input.matrixCoefficients ?? 1,
    0,
    0,
  );
}

/** The short codec string `vp09.PP.LL.DD`, e.g. `vp09.00.10.08`. */
export function vp9CodecString(r: VpCodecConfigurationRecord): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `vp09.${two(r.profile)}.${two(r.level)}.${two(r.bitDepth)}`;
}

/**
 * Turns a vpcC (a vp09 sequence start's body) into a WebCodecs decoder
 * configuration. VP9 needs no description; the size comes with the frames.
 *
 * @throws RtmpError CodecConfigInvalid, as {@link parseVpCodecConfigurationRecord}.
 */
export function vp9ConfigToDecoderConfig(vpcc: Uint8Array): VideoDecoderConfigLike {
  return { codec: vp9CodecString(parseVpCodecConfigurationRecord(vpcc)) };
}
