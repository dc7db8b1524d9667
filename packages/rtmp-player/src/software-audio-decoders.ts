/**
 * The audio codecs the player decodes itself, in the worker, because no
 * browser's WebCodecs does: Flash-era Nellymoser and Speex, decoded by the
 * core's own {@link PcmDecoder}s. The audio pipeline asks here first, by the
 * codec name `audioDecoderConfigFromTag` gives, and only takes other codecs
 * to WebCodecs.
 */
import { NellymoserDecoder, SpeexDecoder, type AudioDecoderConfigLike, type PcmDecoder } from '@rtmp-web/core';

/** Codec names (as the core names them) the player decodes itself. */
const SOFTWARE_CODECS: ReadonlySet<string> = new Set(['nellymoser', 'speex']);

/** True when `codec` is one the player decodes itself (whether or not a decoder exists for it yet). */
export function isSoftwareAudioCodec(codec: string): boolean {
  return SOFTWARE_CODECS.has(codec);
}

/**
 * A new decoder for `config`, or null when there is none for its codec
 * (the pipeline then reports CodecUnsupported, as for a codec the browser
 * cannot decode).
 */
export function createSoftwareAudioDecoder(config: AudioDecoderConfigLike): PcmDecoder | null {
  switch (config.codec) {
    case 'nellymoser':
      return new NellymoserDecoder(config.sampleRate);
    case 'speex':
      // FLV carries Speex as 16 kHz wideband (the core's config always says 16000).
      return new SpeexDecoder({ sampleRate: 16000 });
    default:
      return null;
  }
}
