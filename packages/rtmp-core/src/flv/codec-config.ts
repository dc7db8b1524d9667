/**
 * From parsed FLV tags to WebCodecs decoder configurations.
 *
 * Video always starts from a sequence start (avcC, hvcC, av1C, vpcC). Audio
 * either starts from a sequence start (AAC, Opus, FLAC) or is self-describing
 * per frame (MP3, AC-3, E-AC-3) or configured by the legacy tag flags
 * (G.711, PCM, Nellymoser, Speex: the last two named `nellymoser` and
 * `speex`, which no WebCodecs implementation decodes; players route them to
 * the core's own decoders). The WebCodecs stage calls {@link audioDecoderConfigFromTag}
 * on each audio tag until it gets a configuration, and again on every
 * sequence start.
 *
 * Legacy flag conventions follow FFmpeg's flvdec (libavformat/flvdec.c,
 * flv_set_audio_codec): G.711 A-law and µ-law are always 8 kHz whatever the
 * rate bits say (FFmpeg writes them with rate code 0, "5.5 kHz"), with the
 * channel count from the SoundType bit; MP3's rate and channels come from
 * its own frame header when there is one, else from the flags; format 14 is
 * MP3 at 8 kHz; PCM takes all three from the flags, 5.5 kHz meaning 5512 Hz.
 * Nellymoser and Speex are mono whatever the SoundType bit says; Nellymoser
 * is 16 kHz for format 4, 8 kHz for format 5 and the rate bits for format
 * 6; Speex in FLV is always 16 kHz (FLV 10.1 spec, E.4.2.1).
 */
import { RtmpError, RtmpErrorCode } from '../errors.ts';
import { aacConfigToDecoderConfig } from './aac-config.ts';
import { flacDescription, parseAc3Header, parseFlacStreamInfo, parseMpegAudioHeader, parseOpusIdHeader } from './audio-headers.ts';
import type { AudioTag, LegacyAudioFlags } from './audio-tag.ts';
import { av1ConfigToDecoderConfig } from './av1-config.ts';
import { avcConfigToDecoderConfig } from './avc-config.ts';
import type { AudioDecoderConfigLike, VideoDecoderConfigLike } from './decoder-config.ts';
import { SoundFormat, SoundType, VideoFourCc, soundRateHz } from './flv-constants.ts';
import { hevcConfigToDecoderConfig } from './hevc-config.ts';
import { vp9ConfigToDecoderConfig } from './vp9-config.ts';

/** The part of a video sequence start that configures a decoder. */
export interface VideoSequenceStartLike {
  /** The codec FourCC. */
  codec: VideoFourCc;
  /** The configuration record. */
  config: Uint8Array;
}

/**
 * Turns a video sequence start into a WebCodecs decoder configuration.
 *
 * @throws RtmpError AvcConfigInvalid (avc1) or CodecConfigInvalid (hvc1, av01, vp09) when the record is malformed.
 */
export function videoDecoderConfigFromSequenceStart(tag: VideoSequenceStartLike): VideoDecoderConfigLike {
  switch (tag.codec) {
    case VideoFourCc.Avc:
      return avcConfigToDecoderConfig(tag.config);
    case VideoFourCc.Hevc:
      return hevcConfigToDecoderConfig(tag.config);
    case VideoFourCc.Av1:
      return av1ConfigToDecoderConfig(tag.config);
    case VideoFourCc.Vp9:
      return vp9ConfigToDecoderConfig(tag.config);
    case VideoFourCc.Vp8:
      // VP8 needs no description; the record, if any, only repeats what frames say.
      return { codec: 'vp8' };
  }
}

function nellymoserRate(flags: LegacyAudioFlags): number {
  if (flags.soundFormat === SoundFormat.Nellymoser16kMono) return 16000;
  if (flags.soundFormat === SoundFormat.Nellymoser8kMono) return 8000;
  return soundRateHz[flags.soundRate];
}

function legacyChannels(flags: LegacyAudioFlags): number {
  return flags.soundType === SoundType.Stereo ? 2 : 1;
}

/**
 * The decoder configuration an audio tag gives, or undefined when this tag
 * does not configure a decoder (an AAC/Opus/FLAC frame, which needs the
 * sequence start; an MP3 or AC-3 frame without a valid header; an end of
 * sequence; silence; a multichannel config).
 *
 * @throws RtmpError AacConfigInvalid or CodecConfigInvalid when a sequence start is malformed.
 */
export function audioDecoderConfigFromTag(tag: AudioTag): AudioDecoderConfigLike | undefined {
  if (tag.kind === 'sequence-start') {
    switch (tag.codec) {
      case 'aac':
        return aacConfigToDecoderConfig(tag.config);
      case 'opus': {
        // E-RTMP: an empty Opus sequence start means plain mono/stereo; assume stereo.
        if (tag.config.length === 0) return { codec: 'opus', sampleRate: 48000, numberOfChannels: 2 };
        const head = parseOpusIdHeader(tag.config);
        // Opus always decodes at 48 kHz (RFC 7845 §5.1: the input rate is informational).
        return { codec: 'opus', sampleRate: 48000, numberOfChannels: head.channels, description: tag.config.slice() };
      }
      case 'flac': {
        // Bare STREAMINFO (FFmpeg 8.1) or fLaC + STREAMINFO (the spec); WebCodecs wants the latter.
        const info = parseFlacStreamInfo(tag.config);
        return {
          codec: 'flac',
          sampleRate: info.sampleRate,
          numberOfChannels: info.channels,
          description: flacDescription(tag.config),
        };
      }
      default:
        // AC-3, E-AC-3 and MP3 have no defined sequence start; their frames configure.
        return undefined;
    }
  }
  if (tag.kind !== 'frame') return undefined;
  const legacy = tag.legacy;
  switch (tag.codec) {
    case 'mp3': {
      const h = parseMpegAudioHeader(tag.data);
      if (h !== undefined) return { codec: 'mp3', sampleRate: h.sampleRate, numberOfChannels: h.channels };
      if (legacy === undefined) return undefined;
      const sampleRate = legacy.soundFormat === SoundFormat.Mp3_8k ? 8000 : soundRateHz[legacy.soundRate];
      return { codec: 'mp3', sampleRate, numberOfChannels: legacyChannels(legacy) };
    }
    case 'ac3':
    case 'eac3': {
      const h = parseAc3Header(tag.data);
      if (h === undefined) return undefined;
      return { codec: h.enhanced ? 'ec-3' : 'ac-3', sampleRate: h.sampleRate, numberOfChannels: h.channels };
    }
    case 'alaw':
    case 'ulaw':
      if (legacy === undefined) return undefined;
      return { codec: tag.codec, sampleRate: 8000, numberOfChannels: legacyChannels(legacy) };
    case 'pcm-u8':
    case 'pcm-s16':
      if (legacy === undefined) return undefined;
      return { codec: tag.codec, sampleRate: soundRateHz[legacy.soundRate], numberOfChannels: legacyChannels(legacy) };
    case 'nellymoser':
      if (legacy === undefined) return undefined;
      return { codec: 'nellymoser', sampleRate: nellymoserRate(legacy), numberOfChannels: 1 };
    case 'speex':
      return { codec: 'speex', sampleRate: 16000, numberOfChannels: 1 };
    default:
      return undefined;
  }
}

/**
 * Like {@link audioDecoderConfigFromTag} for a tag that must configure a
 * decoder (a sequence start, or a frame of a self-describing codec).
 *
 * @throws RtmpError CodecConfigInvalid when the tag gives no configuration.
 */
export function requireAudioDecoderConfig(tag: AudioTag): AudioDecoderConfigLike {
  const config = audioDecoderConfigFromTag(tag);
  if (config === undefined) {
    const what = tag.kind === 'silence' ? 'silence' : `${tag.codec} ${tag.kind}`;
    throw new RtmpError(RtmpErrorCode.CodecConfigInvalid, `audio tag (${what}) does not configure a decoder`);
  }
  return config;
}
