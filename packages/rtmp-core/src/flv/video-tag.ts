/**
 * The video tag body: an FLV video tag's data, and the payload of an RTMP
 * video message (type 9).
 *
 * Legacy (FLV 10.1 spec, E.4.3.1):
 * ```
 * UB[4] frameType  UB[4] codecId
 * if codecId == 7 (AVC):
 *   UI8  AVCPacketType     0 sequence header (avcC), 1 NALUs, 2 end of sequence
 *   SI24 compositionTime   milliseconds, signed
 * body
 * ```
 * Enhanced RTMP (veovera/enhanced-rtmp v1/v2, "Enhanced Video"):
 * ```
 * UB[1] isExHeader = 1  UB[3] frameType  UB[4] videoPacketType
 * [ModEx blocks while videoPacketType == 7]
 * if frameType == 5 (command) and packet type != Metadata: UI8 videoCommand, nothing more
 * FOURCC videoFourCc                  avc1, hvc1, av01, vp09, vp08
 * if CodedFrames (1) and avc1/hvc1: SI24 compositionTime
 * body                                CodedFramesX (3) has no composition time
 * ```
 * Multitrack (packet type 6) puts a multitrack header where the FourCC is and
 * repeats FourCC?/trackId/size?/body per track: see `ex-header.ts` and
 * {@link parseVideoMessage}.
 */
import { RtmpError, RtmpErrorCode } from '../errors.ts';
import { ByteCursor, writeU24Be } from '../bytes/byte-cursor.ts';
import {
  AvMultitrackType,
  AvcPacketType,
  VIDEO_EX_HEADER_FLAG,
  VideoCodecId,
  VideoFourCc,
  VideoFrameType,
  VideoPacketType,
  videoCodecIdNames,
} from './flv-constants.ts';
import {
  type TrackInput,
  type TrackResult,
  buildMultitrackBody,
  parseMultitrack,
  parseTrack,
  readFourCc,
  readModExChain,
  unknownFourCcError,
  writeFourCc,
} from './ex-header.ts';

const Code = RtmpErrorCode.FlvInvalid;

/** Fields every parsed video tag has. */
interface VideoTagCommon {
  /** True when the tag used the E-RTMP ExVideoTagHeader. */
  enhanced: boolean;
  /** E-RTMP TimestampOffsetNano, to add to the message timestamp. */
  timestampOffsetNs?: number;
}

/** A sequence start: the codec configuration record for the frames that follow. */
export interface VideoSequenceStartTag extends VideoTagCommon {
  kind: 'sequence-start';
  /** The codec, as its E-RTMP FourCC (legacy AVC is `avc1`). */
  codec: VideoFourCc;
  /** avcC, hvcC, av1C or vpcC (a view into the tag). */
  config: Uint8Array;
}

/** One coded frame. */
export interface VideoFrameTag extends VideoTagCommon {
  kind: 'frame';
  /** The codec, as its FourCC. */
  codec: VideoFourCc;
  /** Frame type 1 (a seekable frame). */
  keyframe: boolean;
  /** The raw frame type (1..4). */
  frameType: number;
  /** Presentation time minus decode time, in milliseconds (signed). */
  compositionTimeMs: number;
  /** The frame: length-prefixed NALUs for avc1/hvc1, OBUs for av01, a frame for vp09/vp08. A view. */
  data: Uint8Array;
}

/** End of sequence: the decoder may be flushed. */
export interface VideoSequenceEndTag extends VideoTagCommon {
  kind: 'sequence-end';
  /** The codec, as its FourCC. */
  codec: VideoFourCc;
}

/** E-RTMP Metadata: AMF0-encoded [name, value] pairs such as colorInfo. */
export interface VideoMetadataTag extends VideoTagCommon {
  kind: 'metadata';
  /** The codec, as its FourCC. */
  codec: VideoFourCc;
  /** The AMF0 bytes (a view), for the AMF layer to decode. */
  data: Uint8Array;
}

/** E-RTMP MPEG2TSSequenceStart (e.g. an AV1 video descriptor); not needed by WebCodecs. */
export interface VideoMpeg2TsSequenceStartTag extends VideoTagCommon {
  kind: 'mpeg2ts-sequence-start';
  /** The codec, as its FourCC. */
  codec: VideoFourCc;
  /** The descriptor bytes (a view). */
  data: Uint8Array;
}

/** A command frame (frame type 5): start or end of client-side seeking. */
export interface VideoCommandTag extends VideoTagCommon {
  kind: 'command';
  /** A {@link VideoCommand} value (0 start seek, 1 end seek). */
  command: number;
}

/** A parsed video tag body. */
export type VideoTag =
  | VideoSequenceStartTag
  | VideoFrameTag
  | VideoSequenceEndTag
  | VideoMetadataTag
  | VideoMpeg2TsSequenceStartTag
  | VideoCommandTag;

const VIDEO_FOURCCS: ReadonlySet<string> = new Set(Object.values(VideoFourCc));

function unsupported(message: string): RtmpError {
  // Not fatal: the connection and the other track can go on.
  return new RtmpError(RtmpErrorCode.CodecUnsupported, message, { fatal: false });
}

/**
 * Parses a video tag body (legacy or E-RTMP). Frames and configs are views
 * into `body`, not copies.
 *
 * @throws RtmpError FlvInvalid when the tag is empty, truncated or uses a
 *   reserved frame or packet type; CodecUnsupported (not fatal) for legacy
 *   codecs other than AVC, unknown FourCCs (`details.fourCc`) and E-RTMP
 *   multitrack, which {@link parseVideoMessage} reads.
 */
export function parseVideoTag(body: Uint8Array): VideoTag {
  const c = new ByteCursor(body, Code);
  if (body.length === 0) throw new RtmpError(Code, 'empty video tag');
  const b0 = c.u8();
  return b0 & VIDEO_EX_HEADER_FLAG ? parseExVideo(c, b0) : parseLegacyVideo(c, b0);
}

function checkFrameType(frameType: number): void {
  if (frameType < VideoFrameType.Key || frameType > VideoFrameType.Command) {
    throw new RtmpError(Code, `reserved video frame type ${frameType}`);
  }
}

function parseLegacyVideo(c: ByteCursor, b0: number): VideoTag {
  const frameType = b0 >> 4;
  const codecId = b0 & 0x0f;
  checkFrameType(frameType);
  if (frameType === VideoFrameType.Command) {
    c.need(1, 'video command');
    return { kind: 'command', command: c.u8(), enhanced: false };
  }
  if (codecId === VideoCodecId.Avc) return parseLegacyAvcLike(c, frameType, VideoFourCc.Avc);
  if (codecId === VideoCodecId.HevcDeFacto) return parseLegacyAvcLike(c, frameType, VideoFourCc.Hevc);
  const name = videoCodecIdNames[codecId];
  throw unsupported(
    name === undefined ? `unknown legacy video codec id ${codecId}` : `video codec ${name} (id ${codecId}) is not supported`,
  );
}

function parseLegacyAvcLike(c: ByteCursor, frameType: number, codec: VideoFourCc): VideoTag {
  c.need(1, 'AVCPacketType');
  const packetType = c.u8();
  // Some encoders send a bare "end of sequence" without the composition time.
  if (packetType === AvcPacketType.EndOfSequence && c.remaining < 3) {
    return { kind: 'sequence-end', codec, enhanced: false };
  }
  c.need(3, 'composition time');
  const cts = c.i24be();
  switch (packetType) {
    case AvcPacketType.SequenceHeader:
      return { kind: 'sequence-start', codec, config: c.bytesView(c.remaining), enhanced: false };
    case AvcPacketType.Nalu:
      return {
        kind: 'frame',
        codec,
        keyframe: frameType === VideoFrameType.Key,
        frameType,
        compositionTimeMs: cts,
        data: c.bytesView(c.remaining),
        enhanced: false,
      };
    case AvcPacketType.EndOfSequence:
      return { kind: 'sequence-end', codec, enhanced: false };
    default:
      throw new RtmpError(Code, `reserved AVCPacketType ${packetType}`);
  }
}

/** The part of an ExVideoTagHeader before the FourCC. */
interface ExVideoHeader {
  frameType: number;
  packetType: number;
  common: VideoTagCommon;
}

/** Reads the first byte's fields and the ModEx chain; a command frame ends the tag there. */
function readExVideoHeader(c: ByteCursor, b0: number): ExVideoHeader | VideoCommandTag {
  const frameType = (b0 >> 4) & 0x07;
  const modEx = readModExChain(c, b0 & 0x0f);
  const packetType = modEx.packetType;
  const common: VideoTagCommon = { enhanced: true };
  if (modEx.timestampOffsetNs !== undefined) common.timestampOffsetNs = modEx.timestampOffsetNs;
  // The frame type is ignored for Metadata (E-RTMP v2, VideoFrameType); a
  // multitrack message is checked once its tracks' packet type is known.
  if (packetType !== VideoPacketType.Metadata) {
    if (frameType === VideoFrameType.Command) {
      return { ...common, kind: 'command', command: c.u8() };
    }
    if (packetType !== VideoPacketType.Multitrack) checkFrameType(frameType);
  }
  return { frameType, packetType, common };
}

function parseExVideo(c: ByteCursor, b0: number): VideoTag {
  const header = readExVideoHeader(c, b0);
  if ('kind' in header) return header;
  if (header.packetType === VideoPacketType.Multitrack) {
    checkFrameType(header.frameType);
    throw unsupported('E-RTMP multitrack video: parse it with parseVideoMessage');
  }
  return parseExVideoSingle(c, header);
}

/** A single-track ExVideoTag after its header: the FourCC, then the body. */
function parseExVideoSingle(c: ByteCursor, header: ExVideoHeader): VideoTag {
  const fourCc = readFourCc(c);
  if (!VIDEO_FOURCCS.has(fourCc)) throw unknownFourCcError('video', fourCc);
  return parseExVideoBody(c, header, fourCc as VideoFourCc);
}

/** The body after the FourCC (or a track's body in a multitrack message). */
function parseExVideoBody(c: ByteCursor, header: ExVideoHeader, codec: VideoFourCc): VideoTag {
  const { frameType, packetType, common } = header;
  switch (packetType) {
    case VideoPacketType.SequenceStart:
      return { ...common, kind: 'sequence-start', codec, config: c.bytesView(c.remaining) };
    case VideoPacketType.CodedFrames:
    case VideoPacketType.CodedFramesX: {
      // Only avc1/hvc1 carry a composition time, and only in CodedFrames.
      const hasCts =
        packetType === VideoPacketType.CodedFrames && (codec === VideoFourCc.Avc || codec === VideoFourCc.Hevc);
      const compositionTimeMs = hasCts ? c.i24be() : 0;
      return {
        ...common,
        kind: 'frame',
        codec,
        keyframe: frameType === VideoFrameType.Key,
        frameType,
        compositionTimeMs,
        data: c.bytesView(c.remaining),
      };
    }
    case VideoPacketType.SequenceEnd:
      return { ...common, kind: 'sequence-end', codec };
    case VideoPacketType.Metadata:
      return { ...common, kind: 'metadata', codec, data: c.bytesView(c.remaining) };
    case VideoPacketType.MPEG2TSSequenceStart:
      return { ...common, kind: 'mpeg2ts-sequence-start', codec, data: c.bytesView(c.remaining) };
    default:
      throw new RtmpError(Code, `reserved E-RTMP VideoPacketType ${packetType}`);
  }
}

// ---------------------------------------------------------------- multitrack

/** One track of a video message: its tag, or the typed error that costs only this track. */
export type VideoTrackResult = TrackResult<VideoTag>;

/** A video message as tracks: one (id 0) unless it is E-RTMP multitrack. */
export interface VideoMessage {
  /** The {@link AvMultitrackType}, when the message is multitrack. */
  multitrack?: AvMultitrackType;
  /** The tracks in message order (ids may repeat across messages, never matter within one). */
  tracks: VideoTrackResult[];
}

/**
 * Parses a video tag body into tracks: E-RTMP v2 multitrack (OneTrack,
 * ManyTracks, ManyTracksManyCodecs; "Multitrack Streaming via Enhanced
 * RTMP") or a single-track tag as track 0. A track whose codec is unknown or
 * whose body is malformed is reported in its entry and costs only itself;
 * every other track still parses. Frames and configs are views into `body`.
 *
 * @throws RtmpError FlvInvalid when the message framing is bad (the tag
 *   header, the multitrack header, a track header or size running past the
 *   message), so no track can be trusted.
 */
export function parseVideoMessage(body: Uint8Array): VideoMessage {
  const c = new ByteCursor(body, Code);
  if (body.length === 0) throw new RtmpError(Code, 'empty video tag');
  const b0 = c.u8();
  if ((b0 & VIDEO_EX_HEADER_FLAG) === 0) return { tracks: [parseTrack(0, () => parseLegacyVideo(c, b0), RtmpErrorCode.CodecUnsupported)] };
  const header = readExVideoHeader(c, b0);
  if ('kind' in header) return { tracks: [{ trackId: 0, tag: header }] };
  if (header.packetType !== VideoPacketType.Multitrack) {
    return { tracks: [parseTrack(0, () => parseExVideoSingle(c, header), RtmpErrorCode.CodecUnsupported)] };
  }
  return parseMultitrack(
    c,
    VideoPacketType.Multitrack,
    'video',
    (f) => VIDEO_FOURCCS.has(f),
    (body, fourCc, packetType) => parseExVideoBody(body, { ...header, packetType }, fourCc as VideoFourCc),
    // One frame type for all tracks, ignored for Metadata.
    (packetType) => packetType !== VideoPacketType.Metadata && checkFrameType(header.frameType),
  );
}

// ---------------------------------------------------------------- builders

function checkCts(cts: number): void {
  if (!Number.isInteger(cts) || cts < -0x800000 || cts > 0x7fffff) {
    throw new TypeError(`compositionTimeMs must be an integer in -8388608..8388607, got ${cts}`);
  }
}

function legacyAvc(first: number, packetType: number, cts: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + body.length);
  out[0] = first;
  out[1] = packetType;
  writeU24Be(out, 2, cts & 0xffffff);
  out.set(body, 5);
  return out;
}

/** Builds a legacy AVC sequence header tag (`17 00 000000` + avcC). */
export function buildAvcSequenceHeaderTag(avcc: Uint8Array): Uint8Array {
  return legacyAvc((VideoFrameType.Key << 4) | VideoCodecId.Avc, AvcPacketType.SequenceHeader, 0, avcc);
}

/**
 * Builds a legacy AVC frame tag: length-prefixed NALUs with a signed
 * composition time in milliseconds.
 *
 * @throws TypeError when `compositionTimeMs` does not fit SI24.
 */
export function buildAvcFrameTag(keyframe: boolean, compositionTimeMs: number, data: Uint8Array): Uint8Array {
  checkCts(compositionTimeMs);
  const frameType = keyframe ? VideoFrameType.Key : VideoFrameType.Inter;
  return legacyAvc((frameType << 4) | VideoCodecId.Avc, AvcPacketType.Nalu, compositionTimeMs, data);
}

/** Builds a legacy AVC end-of-sequence tag (`17 02 000000`). */
export function buildAvcEndOfSequenceTag(): Uint8Array {
  return legacyAvc((VideoFrameType.Key << 4) | VideoCodecId.Avc, AvcPacketType.EndOfSequence, 0, new Uint8Array(0));
}

function exVideo(frameType: number, packetType: number, fourCc: VideoFourCc, extra: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + extra + body.length);
  out[0] = VIDEO_EX_HEADER_FLAG | (frameType << 4) | packetType;
  writeFourCc(out, 1, fourCc);
  out.set(body, 5 + extra);
  return out;
}

/** Builds an E-RTMP SequenceStart tag (hvcC, av1C, vpcC or avcC). */
export function buildExVideoSequenceStartTag(fourCc: VideoFourCc, config: Uint8Array): Uint8Array {
  return exVideo(VideoFrameType.Key, VideoPacketType.SequenceStart, fourCc, 0, config);
}

/**
 * Builds an E-RTMP frame tag. avc1/hvc1 with a non-zero composition time use
 * CodedFrames with SI24; with zero they use CodedFramesX, as FFmpeg does.
 * Other codecs have no composition time and use CodedFrames.
 *
 * @throws TypeError when `compositionTimeMs` does not fit SI24, or is
 *   non-zero for a codec that cannot carry it.
 */
export function buildExVideoFrameTag(
  fourCc: VideoFourCc,
  keyframe: boolean,
  compositionTimeMs: number,
  data: Uint8Array,
): Uint8Array {
  checkCts(compositionTimeMs);
  const frameType = keyframe ? VideoFrameType.Key : VideoFrameType.Inter;
  const nalBased = fourCc === VideoFourCc.Avc || fourCc === VideoFourCc.Hevc;
  if (!nalBased) {
    if (compositionTimeMs !== 0) throw new TypeError(`compositionTimeMs must be 0 for ${fourCc}`);
    return exVideo(frameType, VideoPacketType.CodedFrames, fourCc, 0, data);
  }
  if (compositionTimeMs === 0) return exVideo(frameType, VideoPacketType.CodedFramesX, fourCc, 0, data);
  const out = exVideo(frameType, VideoPacketType.CodedFrames, fourCc, 3, data);
  writeU24Be(out, 5, compositionTimeMs & 0xffffff);
  return out;
}

/**
 * The body of one avc1/hvc1 track in a multitrack CodedFrames tag: the SI24
 * composition time, then the NAL units (what {@link buildExVideoFrameTag}
 * writes after the FourCC). A composition time of 0 is CodedFramesX there,
 * whose body is the NAL units alone.
 *
 * @throws TypeError when `compositionTimeMs` does not fit SI24.
 */
export function buildCodedFramesTrackBody(compositionTimeMs: number, data: Uint8Array): Uint8Array {
  checkCts(compositionTimeMs);
  const out = new Uint8Array(3 + data.length);
  writeU24Be(out, 0, compositionTimeMs & 0xffffff);
  out.set(data, 3);
  return out;
}

/** Builds an E-RTMP SequenceEnd tag. */
export function buildExVideoSequenceEndTag(fourCc: VideoFourCc): Uint8Array {
  return exVideo(VideoFrameType.Key, VideoPacketType.SequenceEnd, fourCc, 0, new Uint8Array(0));
}

/** Builds an E-RTMP Metadata tag around AMF0-encoded bytes (e.g. `"colorInfo", {...}`). */
export function buildExVideoMetadataTag(fourCc: VideoFourCc, amf: Uint8Array): Uint8Array {
  return exVideo(VideoFrameType.Key, VideoPacketType.Metadata, fourCc, 0, amf);
}

export type { TrackInput } from './ex-header.ts';

/** Options for {@link buildExVideoMultitrackTag}. */
export interface ExVideoMultitrackInput {
  /** An {@link AvMultitrackType}. */
  type: AvMultitrackType;
  /** The packet type of every track (SequenceStart, CodedFrames, CodedFramesX, SequenceEnd, Metadata…). */
  packetType: VideoPacketType;
  /** Key (1) or inter (2); every track shares it. */
  frameType: VideoFrameType;
  /** Each track's id, FourCC and body (for avc1/hvc1 CodedFrames, the SI24 composition time first). */
  tracks: readonly TrackInput[];
}

/**
 * Builds an E-RTMP multitrack video tag: several renditions (or codecs) of
 * one picture in one message.
 *
 * @throws TypeError as `buildMultitrackBody` (track count, ids, shared FourCC),
 *   or for a packet type that cannot be multitrack.
 */
export function buildExVideoMultitrackTag(input: ExVideoMultitrackInput): Uint8Array {
  const { type, packetType, frameType, tracks } = input;
  if (packetType === VideoPacketType.Multitrack || packetType === VideoPacketType.ModEx) {
    throw new TypeError(`packetType ${packetType} cannot be the packet type of multitrack tracks`);
  }
  const rest = buildMultitrackBody(type, packetType, tracks);
  const out = new Uint8Array(1 + rest.length);
  out[0] = VIDEO_EX_HEADER_FLAG | ((frameType & 0x07) << 4) | VideoPacketType.Multitrack;
  out.set(rest, 1);
  return out;
}
