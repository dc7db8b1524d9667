/**
 * Which Enhanced RTMP codecs this browser decodes, asked of WebCodecs once
 * per worker (`isConfigSupported` with a typical configuration of each), for
 * the capabilities `connect` declares: servers that speak Enhanced RTMP send
 * its codecs only to clients that list them.
 *
 * The probe starts when the worker loads and takes a few milliseconds; a
 * play that comes before it finished declares every codec the player can
 * parse (a stream it then cannot decode gets the usual non-fatal
 * CODEC_UNSUPPORTED), so the probe never delays a first frame.
 */
import { AudioFourCc, FourCcInfoMask, VideoFourCc, type CodecCapabilities } from '@rtmp-web/core';

/** A FLAC description (`fLaC` + STREAMINFO: 48 kHz, stereo, 16 bits) for the probe: WebCodecs wants one. */
export const FLAC_PROBE_DESCRIPTION = Uint8Array.of(
  0x66, 0x4c, 0x61, 0x43, 0x80, 0x00, 0x00, 0x22,
  0x10, 0x00, 0x10, 0x00, 0, 0, 0, 0, 0, 0,
  0x0b, 0xb8, 0x02, 0xf0, 0, 0, 0, 0,
  ...new Array<number>(16).fill(0),
);

const VIDEO_PROBES: Record<VideoFourCc, VideoDecoderConfig> = {
  [VideoFourCc.Avc]: { codec: 'avc1.64001f' },
  [VideoFourCc.Hevc]: { codec: 'hvc1.1.6.L93.B0' },
  [VideoFourCc.Av1]: { codec: 'av01.0.08M.08' },
  [VideoFourCc.Vp9]: { codec: 'vp09.00.31.08' },
  [VideoFourCc.Vp8]: { codec: 'vp8' },
};

const AUDIO_PROBES: Record<AudioFourCc, AudioDecoderConfig> = {
  [AudioFourCc.Aac]: { codec: 'mp4a.40.2', sampleRate: 44100, numberOfChannels: 2 },
  [AudioFourCc.Opus]: { codec: 'opus', sampleRate: 48000, numberOfChannels: 2 },
  [AudioFourCc.Flac]: { codec: 'flac', sampleRate: 48000, numberOfChannels: 2, description: FLAC_PROBE_DESCRIPTION },
  [AudioFourCc.Ac3]: { codec: 'ac-3', sampleRate: 48000, numberOfChannels: 2 },
  [AudioFourCc.Eac3]: { codec: 'ec-3', sampleRate: 48000, numberOfChannels: 2 },
  [AudioFourCc.Mp3]: { codec: 'mp3', sampleRate: 44100, numberOfChannels: 2 },
};

/** Every codec the player parses, as decodable: what is declared before the probe has answered. */
const OPTIMISTIC: CodecCapabilities = {
  video: Object.fromEntries(Object.keys(VIDEO_PROBES).map((k) => [k, FourCcInfoMask.CanDecode])),
  audio: Object.fromEntries(Object.keys(AUDIO_PROBES).map((k) => [k, FourCcInfoMask.CanDecode])),
};

let probed: CodecCapabilities | null = null;
let probing: Promise<CodecCapabilities> | null = null;

async function flags<C>(probes: Record<string, C>, supported: (c: C) => Promise<boolean>): Promise<Record<string, number>> {
  const entries = await Promise.all(
    Object.entries(probes).map(async ([fourCc, c]) => [fourCc, (await supported(c).catch(() => false)) ? FourCcInfoMask.CanDecode : 0] as const),
  );
  return Object.fromEntries(entries);
}

/** Starts the probe (once) and resolves with its answer. */
export function probeDecoders(): Promise<CodecCapabilities> {
  probing ??= (async () => {
    const hasVideo = typeof VideoDecoder !== 'undefined';
    const hasAudio = typeof AudioDecoder !== 'undefined';
    const [video, audio] = await Promise.all([
      flags(VIDEO_PROBES, async (c) => hasVideo && (await VideoDecoder.isConfigSupported(c)).supported === true),
      flags(AUDIO_PROBES, async (c) => hasAudio && (await AudioDecoder.isConfigSupported(c)).supported === true),
    ]);
    probed = { video, audio };
    return probed;
  })();
  return probing;
}

/** What to declare now: the probe's answer, or every codec the player parses while it is still out. */
export function decoderCapabilities(): CodecCapabilities {
  return probed ?? OPTIMISTIC;
}
