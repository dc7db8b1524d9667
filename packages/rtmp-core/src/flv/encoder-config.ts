/**
 * A video encoder's output → the configuration record an FLV sequence
 * header (or an Enhanced RTMP sequence start) carries: the inverse of
 * decoder-config.ts, for publishers.
 *
 * WebCodecs' `decoderConfig.description` is the record where the codec's
 * ISO binding has one and the encoder gives it: avcC (H.264 in `avc`
 * format), hvcC (HEVC in `hevc` format). Chromium gives none for VP9 and
 * AV1, whose records are small enough to build:
 *
 * - vpcC from the codec string `vp09.PP.LL.DD[.CC.cp.tc.mc.FF]` (VP9 ISO
 *   binding, "Codecs Parameter String");
 * - av1C from the codec string `av01.P.LLT.DD[.M.CCC.cp.tc.mc.F]` (AV1 ISO
 *   binding §5) and the sequence header OBU of the first keyframe, which a
 *   player's decoder needs before any frame.
 */
import { RtmpError, RtmpErrorCode } from '../errors.ts';
import { av1SequenceHeaderObu, buildAv1CodecConfigurationRecord } from './av1-config.ts';
import { VideoFourCc } from './flv-constants.ts';
import { buildVpCodecConfigurationRecord } from './vp9-config.ts';

/** The FourCC a codec string names (its first dot-separated part); undefined for a codec FLV cannot carry. */
export function videoFourCcOf(codec: string): VideoFourCc | undefined {
  const head = codec.split('.', 1)[0];
  switch (head) {
    case 'avc1':
    case 'avc3':
      return VideoFourCc.Avc;
    case 'hvc1':
    case 'hev1':
      return VideoFourCc.Hevc;
    case 'av01':
      return VideoFourCc.Av1;
    case 'vp09':
      return VideoFourCc.Vp9;
    case 'vp8':
      return VideoFourCc.Vp8;
    default:
      return undefined;
  }
}

/**
 * The configuration record for a stream encoded as `codec`: the encoder's
 * `description` when it gave one, otherwise built (VP9 from the codec
 * string; AV1 from it and `keyframe`'s sequence header OBU).
 *
 * @throws RtmpError CodecUnsupported for a codec FLV cannot carry;
 *   CodecConfigInvalid when the record cannot be had (H.264/HEVC without a
 *   description, a malformed codec string, an AV1 keyframe without a
 *   sequence header).
 */
export function videoConfigRecord(codec: string, description: Uint8Array | null, keyframe: Uint8Array | null): { fourCc: VideoFourCc; record: Uint8Array } {
  const fourCc = videoFourCcOf(codec);
  if (fourCc === undefined) throw new RtmpError(RtmpErrorCode.CodecUnsupported, `FLV cannot carry the codec "${codec}"`);
  if (description !== null && description.length > 0) return { fourCc, record: description };
  const bad = (why: string): RtmpError => new RtmpError(RtmpErrorCode.CodecConfigInvalid, `${codec}: ${why}`);
  const parts = codec.split('.');
  const num = (i: number, fallback?: number): number => {
    const p = parts[i];
    if (p === undefined) {
      if (fallback !== undefined) return fallback;
      throw bad(`the codec string has no field ${i}`);
    }
    if (!/^\d+$/.test(p)) throw bad(`field ${i} ("${p}") is not a number`);
    return Number(p);
  };
  try {
    if (fourCc === VideoFourCc.Vp9) {
      return {
        fourCc,
        record: buildVpCodecConfigurationRecord({
          profile: num(1),
          level: num(2),
          bitDepth: num(3),
          chromaSubsampling: num(4, 1),
          colourPrimaries: num(5, 1),
          transferCharacteristics: num(6, 1),
          matrixCoefficients: num(7, 1),
          videoFullRange: num(8, 0) === 1,
        }),
      };
    }
    if (fourCc === VideoFourCc.Av1) {
      const levelTier = /^(\d{2})([MH])$/.exec(parts[2] ?? '');
      if (levelTier === null) throw bad('its level and tier ("LLT") are malformed');
      const obu = keyframe === null ? undefined : av1SequenceHeaderObu(keyframe);
      if (obu === undefined) throw bad('the first keyframe carries no sequence header OBU');
      const chroma = parts[5] ?? '110';
      if (!/^[01][01][0-3]$/.test(chroma)) throw bad(`its chroma field ("${chroma}") is malformed`);
      return {
        fourCc,
        record: buildAv1CodecConfigurationRecord({
          profile: num(1),
          level: Number(levelTier[1]),
          tier: levelTier[2] === 'H',
          bitDepth: num(3),
          monochrome: num(4, 0) === 1,
          chromaSubsamplingX: chroma[0] === '1',
          chromaSubsamplingY: chroma[1] === '1',
          chromaSamplePosition: Number(chroma[2]),
          configObus: obu.slice(),
        }),
      };
    }
  } catch (e) {
    // The builders' range checks (TypeError) are a bad codec string too.
    if (e instanceof RtmpError) throw e;
    throw bad((e as Error).message);
  }
  throw bad('the encoder gave no decoder configuration record');
}
