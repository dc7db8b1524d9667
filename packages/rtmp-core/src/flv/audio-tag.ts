/**
 * The audio tag body: an FLV audio tag's data, and the payload of an RTMP
 * audio message (type 8).
 *
 * Legacy (FLV 10.1 spec, E.4.2.1):
 * ```
 * UB[4] soundFormat  UB[2] soundRate  UB[1] soundSize  UB[1] soundType
 * if soundFormat == 10 (AAC): UI8 AACPacketType   0 AudioSpecificConfig, 1 raw AAC frame
 * body
 * ```
 * Enhanced RTMP (veovera/enhanced-rtmp v2, "Enhanced Audio"):
 * ```
 * UB[4] soundFormat = 9 (ExHeader)  UB[4] audioPacketType
 * [ModEx blocks while audioPacketType == 7]
 * FOURCC audioFourCc                 Opus, fLaC, ac-3, ec-3, .mp3, mp4a
 * SequenceStart (0): codec config    CodedFrames (1): frames    SequenceEnd (2): nothing
 * MultichannelConfig (4): UI8 channelOrder, UI8 channelCount,
 *   Custom: UI8[channelCount] mapping; Native: UI32 channel mask
 * ```
 * Multitrack (packet type 5) puts a multitrack header where the FourCC is and
 * repeats FourCC?/trackId/size?/body per track: see `ex-header.ts` and
 * {@link parseAudioMessage}.
 *
 * An empty audio message is the "audio silence" message that E-RTMP v2
 * documents (AudioPacketType, SequenceEnd note): it parses as `silence`.
 */
import { RtmpError, RtmpErrorCode } from '../errors.ts';
import { ByteCursor } from '../bytes/byte-cursor.ts';
import {
  AacPacketType,
  AudioChannelOrder,
  AudioFourCc,
  AudioPacketType,
  AvMultitrackType,
  SoundFormat,
  SoundRate,
  SoundSize,
  SoundType,
  soundFormatNames,
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

/**
 * An audio codec the tag layer can hand on, named for WebCodecs where it can
 * be. `nellymoser` and `speex` have no WebCodecs decoder anywhere: players
 * decode them with the core's own decoders (`audio-codecs/`).
 */
export type AudioCodec =
  | 'aac'
  | 'mp3'
  | 'opus'
  | 'flac'
  | 'ac3'
  | 'eac3'
  | 'alaw'
  | 'ulaw'
  | 'pcm-u8'
  | 'pcm-s16'
  | 'nellymoser'
  | 'speex';

/** The legacy rate/size/type flags of a non-E-RTMP audio tag. */
export interface LegacyAudioFlags {
  /** SoundFormat (upper nibble). */
  soundFormat: number;
  /** SoundRate code (0 5.5 kHz .. 3 44 kHz). */
  soundRate: SoundRate;
  /** SoundSize code (0 8-bit, 1 16-bit). */
  soundSize: SoundSize;
  /** SoundType code (0 mono, 1 stereo). */
  soundType: SoundType;
}

/** Fields every parsed audio tag has. */
interface AudioTagCommon {
  /** True when the tag used the E-RTMP ExAudioTagHeader. */
  enhanced: boolean;
  /** E-RTMP TimestampOffsetNano, to add to the message timestamp. */
  timestampOffsetNs?: number;
}

/** A sequence start: AudioSpecificConfig, Opus ID header or FLAC STREAMINFO (`fLaC`+block header+STREAMINFO, or bare as FFmpeg 8.1 sends it). */
export interface AudioSequenceStartTag extends AudioTagCommon {
  kind: 'sequence-start';
  /** The codec. */
  codec: AudioCodec;
  /** The configuration (a view into the tag). */
  config: Uint8Array;
  /** The legacy flags (legacy AAC only; they are fixed at 44 kHz/16-bit/stereo and mean nothing). */
  legacy?: LegacyAudioFlags;
}

/** One or more coded audio frames. */
export interface AudioFrameTag extends AudioTagCommon {
  kind: 'frame';
  /** The codec. */
  codec: AudioCodec;
  /** The coded audio (a view into the tag). */
  data: Uint8Array;
  /** The legacy flags, for codecs configured from them (MP3, G.711, PCM, Nellymoser, Speex). */
  legacy?: LegacyAudioFlags;
}

/** E-RTMP SequenceEnd. */
export interface AudioSequenceEndTag extends AudioTagCommon {
  kind: 'sequence-end';
  /** The codec. */
  codec: AudioCodec;
}

/** E-RTMP MultichannelConfig: the speaker layout for codecs that do not carry one. */
export interface AudioMultichannelConfigTag extends AudioTagCommon {
  kind: 'multichannel-config';
  /** The codec. */
  codec: AudioCodec;
  /** An {@link AudioChannelOrder}. */
  channelOrder: number;
  /** Number of channels. */
  channelCount: number;
  /** Custom order: one AudioChannel byte per channel (a view). */
  channelMapping?: Uint8Array;
  /** Native order: the AudioChannelMask of the channels present. */
  channelFlags?: number;
}

/** The empty "audio silence" message. */
export interface AudioSilenceTag {
  kind: 'silence';
  /** Always false: the message has no header at all. */
  enhanced: false;
}

/** A parsed audio tag body. */
export type AudioTag =
  | AudioSequenceStartTag
  | AudioFrameTag
  | AudioSequenceEndTag
  | AudioMultichannelConfigTag
  | AudioSilenceTag;

const CODEC_BY_FOURCC: Readonly<Record<AudioFourCc, AudioCodec>> = {
  'ac-3': 'ac3',
  'ec-3': 'eac3',
  Opus: 'opus',
  '.mp3': 'mp3',
  fLaC: 'flac',
  mp4a: 'aac',
};

function unsupported(message: string): RtmpError {
  // Not fatal: the connection and the video track can go on.
  return new RtmpError(RtmpErrorCode.CodecUnsupported, message, { fatal: false });
}

/**
 * The codec of a legacy SoundFormat other than AAC and ExHeader.
 *
 * @throws RtmpError CodecUnsupported (not fatal) for ADPCM and
 *   device-specific sound, naming the codec; FlvInvalid for the reserved
 *   formats 12 and 13.
 */
export function legacyAudioCodec(soundFormat: number, soundSize: number): AudioCodec {
  switch (soundFormat) {
    case SoundFormat.Mp3:
    case SoundFormat.Mp3_8k:
      return 'mp3';
    case SoundFormat.G711ALaw:
      return 'alaw';
    case SoundFormat.G711MuLaw:
      return 'ulaw';
    case SoundFormat.LPcmPlatformEndian:
    case SoundFormat.LPcmLittleEndian:
      // Platform endian is little endian on every machine that made FLV files.
      return soundSize === SoundSize.Bits8 ? 'pcm-u8' : 'pcm-s16';
    case SoundFormat.Aac:
      return 'aac';
    case SoundFormat.Nellymoser16kMono:
    case SoundFormat.Nellymoser8kMono:
    case SoundFormat.Nellymoser:
      return 'nellymoser';
    case SoundFormat.Speex:
      return 'speex';
    case 12:
    case 13:
      throw new RtmpError(Code, `reserved sound format ${soundFormat}`);
    default:
      throw unsupported(
        `audio codec ${soundFormatNames[soundFormat] ?? soundFormat} (sound format ${soundFormat}) is not supported`,
      );
  }
}

/**
 * Parses an audio tag body (legacy or E-RTMP). Frames and configs are views
 * into `body`, not copies.
 *
 * @throws RtmpError FlvInvalid when truncated or a packet type is reserved;
 *   CodecUnsupported (not fatal) for ADPCM, device-specific sound, unknown
 *   FourCCs (`details.fourCc`) and E-RTMP multitrack, which
 *   {@link parseAudioMessage} reads.
 */
export function parseAudioTag(body: Uint8Array): AudioTag {
  if (body.length === 0) return { kind: 'silence', enhanced: false };
  const c = new ByteCursor(body, Code);
  const b0 = c.u8();
  const soundFormat = b0 >> 4;
  if (soundFormat === SoundFormat.ExHeader) return parseExAudio(c, b0 & 0x0f);
  const legacy: LegacyAudioFlags = {
    soundFormat,
    soundRate: ((b0 >> 2) & 3) as SoundRate,
    soundSize: ((b0 >> 1) & 1) as SoundSize,
    soundType: (b0 & 1) as SoundType,
  };
  const codec = legacyAudioCodec(soundFormat, legacy.soundSize);
  if (codec === 'aac') {
    c.need(1, 'AACPacketType');
    const packetType = c.u8();
    const rest = c.bytesView(c.remaining);
    if (packetType === AacPacketType.SequenceHeader) {
      return { kind: 'sequence-start', codec, config: rest, enhanced: false, legacy };
    }
    if (packetType === AacPacketType.Raw) return { kind: 'frame', codec, data: rest, enhanced: false, legacy };
    throw new RtmpError(Code, `reserved AACPacketType ${packetType}`);
  }
  return { kind: 'frame', codec, data: c.bytesView(c.remaining), enhanced: false, legacy };
}

/** The part of an ExAudioTagHeader before the FourCC. */
interface ExAudioHeader {
  packetType: number;
  common: AudioTagCommon;
}

function readExAudioHeader(c: ByteCursor, firstPacketType: number): ExAudioHeader {
  const modEx = readModExChain(c, firstPacketType);
  const common: AudioTagCommon = { enhanced: true };
  if (modEx.timestampOffsetNs !== undefined) common.timestampOffsetNs = modEx.timestampOffsetNs;
  return { packetType: modEx.packetType, common };
}

function parseExAudio(c: ByteCursor, firstPacketType: number): AudioTag {
  const header = readExAudioHeader(c, firstPacketType);
  if (header.packetType === AudioPacketType.Multitrack) throw unsupported('E-RTMP multitrack audio: parse it with parseAudioMessage');
  return parseExAudioSingle(c, header);
}

/** A single-track ExAudioTag after its header: the FourCC, then the body. */
function parseExAudioSingle(c: ByteCursor, header: ExAudioHeader): AudioTag {
  const fourCc = readFourCc(c);
  if (!Object.hasOwn(CODEC_BY_FOURCC, fourCc)) throw unknownFourCcError('audio', fourCc);
  return parseExAudioBody(c, header, CODEC_BY_FOURCC[fourCc as AudioFourCc]);
}

/** The body after the FourCC (or a track's body in a multitrack message). */
function parseExAudioBody(c: ByteCursor, header: ExAudioHeader, codec: AudioCodec): AudioTag {
  const { packetType, common } = header;
  switch (packetType) {
    case AudioPacketType.SequenceStart:
      return { ...common, kind: 'sequence-start', codec, config: c.bytesView(c.remaining) };
    case AudioPacketType.CodedFrames:
      return { ...common, kind: 'frame', codec, data: c.bytesView(c.remaining) };
    case AudioPacketType.SequenceEnd:
      return { ...common, kind: 'sequence-end', codec };
    case AudioPacketType.MultichannelConfig: {
      const channelOrder = c.u8();
      const channelCount = c.u8();
      const tag: AudioMultichannelConfigTag = { ...common, kind: 'multichannel-config', codec, channelOrder, channelCount };
      if (channelOrder === AudioChannelOrder.Custom) tag.channelMapping = c.bytesView(channelCount, 'channel mapping');
      else if (channelOrder === AudioChannelOrder.Native) tag.channelFlags = c.u32be();
      else if (channelOrder !== AudioChannelOrder.Unspecified) {
        throw new RtmpError(Code, `reserved AudioChannelOrder ${channelOrder}`);
      }
      return tag;
    }
    default:
      throw new RtmpError(Code, `reserved E-RTMP AudioPacketType ${packetType}`);
  }
}

// ---------------------------------------------------------------- multitrack

/** One track of an audio message: its tag, or the typed error that costs only this track. */
export type AudioTrackResult = TrackResult<AudioTag>;

/** An audio message as tracks: one (id 0) unless it is E-RTMP multitrack. */
export interface AudioMessage {
  /** The {@link AvMultitrackType}, when the message is multitrack. */
  multitrack?: AvMultitrackType;
  /** The tracks in message order. */
  tracks: AudioTrackResult[];
}

/**
 * Parses an audio tag body into tracks: E-RTMP v2 multitrack (OneTrack,
 * ManyTracks, ManyTracksManyCodecs) or a single-track tag as track 0. FFmpeg
 * 8.1 sends its first audio stream single-track and each further one as
 * OneTrack with the stream's index as trackId. A track whose codec is
 * unknown or whose body is malformed is reported in its entry and costs only
 * itself. Frames and configs are views into `body`.
 *
 * @throws RtmpError FlvInvalid when the message framing is bad (the tag
 *   header, the multitrack header, a track header or size running past the
 *   message).
 */
export function parseAudioMessage(body: Uint8Array): AudioMessage {
  if (body.length === 0) return { tracks: [{ trackId: 0, tag: { kind: 'silence', enhanced: false } }] };
  const c = new ByteCursor(body, Code);
  const b0 = c.u8();
  if (b0 >> 4 !== SoundFormat.ExHeader) return { tracks: [parseTrack(0, () => parseAudioTag(body), RtmpErrorCode.CodecUnsupported)] };
  const header = readExAudioHeader(c, b0 & 0x0f);
  if (header.packetType !== AudioPacketType.Multitrack) {
    return { tracks: [parseTrack(0, () => parseExAudioSingle(c, header), RtmpErrorCode.CodecUnsupported)] };
  }
  return parseMultitrack(c, AudioPacketType.Multitrack, 'audio', (f) => Object.hasOwn(CODEC_BY_FOURCC, f), (body, fourCc, packetType) =>
    parseExAudioBody(body, { ...header, packetType }, CODEC_BY_FOURCC[fourCc as AudioFourCc]),
  );
}

// ---------------------------------------------------------------- builders

// AAC tags always say 44 kHz, 16-bit, stereo (FLV spec E.4.2.1); the real
// values are in the AudioSpecificConfig.
const AAC_FIRST_BYTE =
  (SoundFormat.Aac << 4) | (SoundRate.Rate44k << 2) | (SoundSize.Bits16 << 1) | SoundType.Stereo; // 0xAF

function withHeader(header: readonly number[], body: Uint8Array): Uint8Array {
  const out = new Uint8Array(header.length + body.length);
  out.set(header);
  out.set(body, header.length);
  return out;
}

/** Builds a legacy AAC sequence header tag (`AF 00` + AudioSpecificConfig). */
export function buildAacSequenceHeaderTag(asc: Uint8Array): Uint8Array {
  return withHeader([AAC_FIRST_BYTE, AacPacketType.SequenceHeader], asc);
}

/** Builds a legacy AAC frame tag (`AF 01` + one raw AAC frame). */
export function buildAacFrameTag(data: Uint8Array): Uint8Array {
  return withHeader([AAC_FIRST_BYTE, AacPacketType.Raw], data);
}

/**
 * Builds a legacy audio tag with explicit flags, for MP3, G.711 and PCM.
 * FFmpeg writes G.711 at 8 kHz as `soundRate` 0 with 16-bit size; readers
 * take 8 kHz from the format, not from the rate bits.
 *
 * @throws TypeError for AAC or ExHeader formats (use the dedicated builders) or out-of-range flags.
 */
export function buildLegacyAudioTag(flags: LegacyAudioFlags, data: Uint8Array): Uint8Array {
  const { soundFormat, soundRate, soundSize, soundType } = flags;
  if (!(soundFormat >= 0 && soundFormat <= 15) || soundFormat === SoundFormat.Aac || soundFormat === SoundFormat.ExHeader) {
    throw new TypeError(`soundFormat must be 0..15 and not 9 or 10, got ${soundFormat}`);
  }
  return withHeader([(soundFormat << 4) | ((soundRate & 3) << 2) | ((soundSize & 1) << 1) | (soundType & 1)], data);
}

function exAudio(packetType: number, fourCc: AudioFourCc, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + body.length);
  out[0] = (SoundFormat.ExHeader << 4) | packetType;
  writeFourCc(out, 1, fourCc);
  out.set(body, 5);
  return out;
}

/** Builds an E-RTMP audio SequenceStart tag (e.g. an Opus ID header, FLAC `fLaC`+STREAMINFO or an ASC). */
export function buildExAudioSequenceStartTag(fourCc: AudioFourCc, config: Uint8Array): Uint8Array {
  return exAudio(AudioPacketType.SequenceStart, fourCc, config);
}

/** Builds an E-RTMP audio CodedFrames tag. */
export function buildExAudioFrameTag(fourCc: AudioFourCc, data: Uint8Array): Uint8Array {
  return exAudio(AudioPacketType.CodedFrames, fourCc, data);
}

/** Builds an E-RTMP audio SequenceEnd tag. */
export function buildExAudioSequenceEndTag(fourCc: AudioFourCc): Uint8Array {
  return exAudio(AudioPacketType.SequenceEnd, fourCc, new Uint8Array(0));
}

/** Options for {@link buildExAudioMultitrackTag}. */
export interface ExAudioMultitrackInput {
  /** An {@link AvMultitrackType}. */
  type: AvMultitrackType;
  /** The packet type of every track (SequenceStart, CodedFrames, SequenceEnd, MultichannelConfig). */
  packetType: AudioPacketType;
  /** Each track's id, FourCC and body. */
  tracks: readonly TrackInput[];
}

/**
 * Builds an E-RTMP multitrack audio tag (e.g. languages or commentary beside
 * the main track, each with its track id).
 *
 * @throws TypeError as `buildMultitrackBody`, or for a packet type that cannot be multitrack.
 */
export function buildExAudioMultitrackTag(input: ExAudioMultitrackInput): Uint8Array {
  const { type, packetType, tracks } = input;
  if (packetType === AudioPacketType.Multitrack || packetType === AudioPacketType.ModEx) {
    throw new TypeError(`packetType ${packetType} cannot be the packet type of multitrack tracks`);
  }
  const rest = buildMultitrackBody(type, packetType, tracks);
  const out = new Uint8Array(1 + rest.length);
  out[0] = (SoundFormat.ExHeader << 4) | AudioPacketType.Multitrack;
  out.set(rest, 1);
  return out;
}
