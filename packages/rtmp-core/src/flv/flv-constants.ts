/**
 * FLV wire constants: tag types, legacy codec ids and flags (FLV 10.1 spec,
 * annex E.4) and the Enhanced RTMP additions (veovera/enhanced-rtmp v1/v2:
 * ExHeader bit, packet types, FourCCs, multitrack and ModEx).
 *
 * Every map is `as const`, with a union type of its values under the same
 * name, so a `switch` over a parsed field is checked for exhaustiveness.
 */

/** FLV tag types; also the RTMP message type ids of audio (8) and video (9) messages. */
export const FlvTagType = {
  Audio: 8,
  Video: 9,
  /** AMF0 script data (onMetaData), RTMP message type 18. */
  Script: 18,
} as const;
/** An FLV tag type. */
export type FlvTagType = (typeof FlvTagType)[keyof typeof FlvTagType];

/** Legacy video frame types (upper nibble of the first video byte; 3 bits in E-RTMP). */
export const VideoFrameType = {
  /** A seekable frame (IDR for AVC). */
  Key: 1,
  /** A non-seekable frame. */
  Inter: 2,
  /** H.263 only. */
  DisposableInter: 3,
  /** Reserved for server use. */
  GeneratedKey: 4,
  /** A video info / command frame: the body is one UI8 {@link VideoCommand}. */
  Command: 5,
} as const;
/** A video frame type. */
export type VideoFrameType = (typeof VideoFrameType)[keyof typeof VideoFrameType];

/** The UI8 carried by a command frame (frame type 5). */
export const VideoCommand = {
  StartSeek: 0,
  EndSeek: 1,
} as const;
/** A video command. */
export type VideoCommand = (typeof VideoCommand)[keyof typeof VideoCommand];

/** Legacy video codec ids (lower nibble of the first video byte when not an ExHeader). */
export const VideoCodecId = {
  SorensonH263: 2,
  Screen: 3,
  On2Vp6: 4,
  On2Vp6Alpha: 5,
  ScreenV2: 6,
  Avc: 7,
  /**
   * Not in any Adobe or Veovera spec: HEVC carried exactly like AVC (packet
   * type + SI24 composition time + hvcC / length-prefixed NALUs). Chinese CDNs,
   * SRS and many flv.js forks send it, so we accept it.
   */
  HevcDeFacto: 12,
} as const;
/** A legacy video codec id. */
export type VideoCodecId = (typeof VideoCodecId)[keyof typeof VideoCodecId];

/** Human-readable names of legacy video codec ids, for error messages. */
export const videoCodecIdNames: Readonly<Record<number, string>> = {
  2: 'Sorenson H.263',
  3: 'Screen video',
  4: 'On2 VP6',
  5: 'On2 VP6 with alpha',
  6: 'Screen video v2',
  7: 'AVC (H.264)',
  12: 'HEVC (codec id 12)',
};

/** Legacy AVCPacketType (the byte after the first byte of an AVC video tag). */
export const AvcPacketType = {
  /** Body is an AVCDecoderConfigurationRecord. */
  SequenceHeader: 0,
  /** Body is one or more length-prefixed NAL units. */
  Nalu: 1,
  /** End of sequence; the body is empty. */
  EndOfSequence: 2,
} as const;
/** An AVC packet type. */
export type AvcPacketType = (typeof AvcPacketType)[keyof typeof AvcPacketType];

/** The bit in the first video byte that turns on the E-RTMP ExVideoTagHeader. */
export const VIDEO_EX_HEADER_FLAG = 0x80;

/** E-RTMP VideoPacketType (lower nibble of the first byte of an ExVideoTagHeader). */
export const VideoPacketType = {
  SequenceStart: 0,
  /** Coded frames; avc1/hvc1 carry an SI24 composition time first. */
  CodedFrames: 1,
  SequenceEnd: 2,
  /** Coded frames with an implied composition time of zero. */
  CodedFramesX: 3,
  /** AMF-encoded metadata (e.g. colorInfo); the frame type is ignored. */
  Metadata: 4,
  MPEG2TSSequenceStart: 5,
  Multitrack: 6,
  /** A modifier/extension block precedes the real packet type. */
  ModEx: 7,
} as const;
/** An E-RTMP video packet type. */
export type VideoPacketType = (typeof VideoPacketType)[keyof typeof VideoPacketType];

/** E-RTMP video FourCCs. */
export const VideoFourCc = {
  Avc: 'avc1',
  Hevc: 'hvc1',
  Av1: 'av01',
  Vp9: 'vp09',
  Vp8: 'vp08',
} as const;
/** An E-RTMP video FourCC. */
export type VideoFourCc = (typeof VideoFourCc)[keyof typeof VideoFourCc];

/** Legacy SoundFormat (upper nibble of the first audio byte). */
export const SoundFormat = {
  LPcmPlatformEndian: 0,
  AdPcm: 1,
  Mp3: 2,
  LPcmLittleEndian: 3,
  Nellymoser16kMono: 4,
  Nellymoser8kMono: 5,
  Nellymoser: 6,
  G711ALaw: 7,
  G711MuLaw: 8,
  /** E-RTMP: the lower nibble is an {@link AudioPacketType} and a FourCC follows. */
  ExHeader: 9,
  Aac: 10,
  Speex: 11,
  Mp3_8k: 14,
  /** Device-specific sound. */
  Native: 15,
} as const;
/** A legacy sound format. */
export type SoundFormat = (typeof SoundFormat)[keyof typeof SoundFormat];

/** Human-readable names of sound formats, for error messages. */
export const soundFormatNames: Readonly<Record<number, string>> = {
  0: 'linear PCM, platform endian',
  1: 'ADPCM',
  2: 'MP3',
  3: 'linear PCM, little endian',
  4: 'Nellymoser 16 kHz mono',
  5: 'Nellymoser 8 kHz mono',
  6: 'Nellymoser',
  7: 'G.711 A-law',
  8: 'G.711 mu-law',
  9: 'E-RTMP ExHeader',
  10: 'AAC',
  11: 'Speex',
  12: 'reserved (12)',
  13: 'reserved (13)',
  14: 'MP3 8 kHz',
  15: 'device-specific sound',
};

/** Legacy SoundRate (2 bits). */
export const SoundRate = {
  Rate5_5k: 0,
  Rate11k: 1,
  Rate22k: 2,
  Rate44k: 3,
} as const;
/** A legacy sound rate code. */
export type SoundRate = (typeof SoundRate)[keyof typeof SoundRate];

/**
 * Sample rates of the SoundRate codes, as FFmpeg's flvdec computes them
 * (`44100 << rate >> 3`): 5.5 kHz is 5512 Hz.
 */
export const soundRateHz: readonly [number, number, number, number] = [5512, 11025, 22050, 44100];

/** Legacy SoundSize (1 bit). */
export const SoundSize = {
  Bits8: 0,
  Bits16: 1,
} as const;
/** A legacy sound size code. */
export type SoundSize = (typeof SoundSize)[keyof typeof SoundSize];

/** Legacy SoundType (1 bit). */
export const SoundType = {
  Mono: 0,
  Stereo: 1,
} as const;
/** A legacy sound type code. */
export type SoundType = (typeof SoundType)[keyof typeof SoundType];

/** Legacy AACPacketType (the byte after the first byte of an AAC audio tag). */
export const AacPacketType = {
  /** Body is an AudioSpecificConfig. */
  SequenceHeader: 0,
  /** Body is one raw AAC access unit. */
  Raw: 1,
} as const;
/** An AAC packet type. */
export type AacPacketType = (typeof AacPacketType)[keyof typeof AacPacketType];

/** E-RTMP AudioPacketType (lower nibble of the first byte when SoundFormat is ExHeader). */
export const AudioPacketType = {
  SequenceStart: 0,
  CodedFrames: 1,
  SequenceEnd: 2,
  MultichannelConfig: 4,
  Multitrack: 5,
  ModEx: 7,
} as const;
/** An E-RTMP audio packet type. */
export type AudioPacketType = (typeof AudioPacketType)[keyof typeof AudioPacketType];

/** E-RTMP audio FourCCs. */
export const AudioFourCc = {
  Ac3: 'ac-3',
  Eac3: 'ec-3',
  Opus: 'Opus',
  Mp3: '.mp3',
  Flac: 'fLaC',
  Aac: 'mp4a',
} as const;
/** An E-RTMP audio FourCC. */
export type AudioFourCc = (typeof AudioFourCc)[keyof typeof AudioFourCc];

/** E-RTMP AvMultitrackType (used by audio and video). */
export const AvMultitrackType = {
  OneTrack: 0,
  ManyTracks: 1,
  ManyTracksManyCodecs: 2,
} as const;
/** An E-RTMP multitrack type. */
export type AvMultitrackType = (typeof AvMultitrackType)[keyof typeof AvMultitrackType];

/** E-RTMP ModEx types (audio and video share the one defined value). */
export const PacketModExType = {
  /** modExData holds a UI24 nanosecond offset added to the message timestamp. */
  TimestampOffsetNano: 0,
} as const;
/** An E-RTMP ModEx type. */
export type PacketModExType = (typeof PacketModExType)[keyof typeof PacketModExType];

/** E-RTMP AudioChannelOrder, in a MultichannelConfig packet. */
export const AudioChannelOrder = {
  /** Only the channel count is given. */
  Unspecified: 0,
  /** Channels in AudioChannel order; a UI32 AudioChannelMask follows. */
  Native: 1,
  /** An explicit UI8 speaker per channel follows. */
  Custom: 2,
} as const;
/** An E-RTMP audio channel order. */
export type AudioChannelOrder = (typeof AudioChannelOrder)[keyof typeof AudioChannelOrder];

/** Formats 4 bytes as a FourCC string; non-printable bytes as `\xNN`, for error messages. */
export function fourCcToString(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : `\\x${x.toString(16).padStart(2, '0')}`;
  return s;
}
