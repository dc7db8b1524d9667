/**
 * `onMetaData`, the script-data object that describes a stream (FLV 10.1
 * spec, annex E.5; Enhanced RTMP v1 for the codec ids): built for a
 * publisher, read back for a player.
 *
 * Codec ids: H.264 and AAC keep their legacy ids (7 and 10), which every
 * server and player knows; the codecs the legacy ids lack are named by their
 * FourCC read as a big-endian 32-bit number, as Enhanced RTMP says
 * (`videocodecid` = 'av01' = 0x61763031).
 *
 * Servers relay the object two ways: nginx-rtmp as an `onMetaData` data
 * message, node-media-server (and a publisher's own `@setDataFrame`) as
 * `@setDataFrame('onMetaData', object)`. {@link readOnMetaData} takes both.
 */
import type { AmfValue } from '../amf/amf-value.ts';
import { AudioFourCc, SoundFormat, VideoCodecId, VideoFourCc } from './flv-constants.ts';

/** A FourCC as the number Enhanced RTMP puts in `videocodecid`/`audiocodecid`. */
export function fourCcNumber(fourCc: string): number {
  if (fourCc.length !== 4) throw new TypeError(`a FourCC has 4 characters, got "${fourCc}"`);
  return ((fourCc.charCodeAt(0) << 24) | (fourCc.charCodeAt(1) << 16) | (fourCc.charCodeAt(2) << 8) | fourCc.charCodeAt(3)) >>> 0;
}

/** The video track {@link buildOnMetaData} describes. */
export interface MetadataVideo {
  codec: VideoFourCc;
  width: number;
  height: number;
  /** Frames per second. */
  framerate: number;
  /** Target bitrate, kbps, when known. */
  bitrateKbps?: number;
}

/** The audio track {@link buildOnMetaData} describes. */
export interface MetadataAudio {
  codec: AudioFourCc;
  sampleRate: number;
  channels: number;
  /** Target bitrate, kbps, when known. */
  bitrateKbps?: number;
}

/** The `videocodecid` for a codec: legacy 7 for H.264, the FourCC's number otherwise. */
export function videoCodecIdFor(codec: VideoFourCc): number {
  return codec === VideoFourCc.Avc ? VideoCodecId.Avc : fourCcNumber(codec);
}

/** The `audiocodecid` for a codec: legacy 10 for AAC, the FourCC's number otherwise. */
export function audioCodecIdFor(codec: AudioFourCc): number {
  return codec === AudioFourCc.Aac ? SoundFormat.Aac : fourCcNumber(codec);
}

/** The `onMetaData` object for a stream; `encoder` names the software. */
export function buildOnMetaData(d: { video?: MetadataVideo | null; audio?: MetadataAudio | null; encoder?: string }): Record<string, AmfValue> {
  const md: Record<string, AmfValue> = {};
  if (d.encoder !== undefined) md.encoder = d.encoder;
  const v = d.video;
  if (v != null) {
    md.width = v.width;
    md.height = v.height;
    md.framerate = Math.round(v.framerate * 1000) / 1000;
    if (v.bitrateKbps !== undefined) md.videodatarate = Math.round(v.bitrateKbps);
    md.videocodecid = videoCodecIdFor(v.codec);
  }
  const a = d.audio;
  if (a != null) {
    md.audiocodecid = audioCodecIdFor(a.codec);
    md.audiosamplerate = a.sampleRate;
    md.audiosamplesize = 16;
    md.stereo = a.channels > 1;
    if (a.bitrateKbps !== undefined) md.audiodatarate = Math.round(a.bitrateKbps);
  }
  return md;
}

/**
 * The `onMetaData` object in a data message (`name` and its values), or null
 * when the message is not one: `onMetaData(object)` or
 * `@setDataFrame('onMetaData', object)`.
 */
export function readOnMetaData(name: string, values: readonly unknown[]): object | null {
  let meta: unknown;
  if (name === 'onMetaData') meta = values[0];
  else if (name === '@setDataFrame' && values[0] === 'onMetaData') meta = values[1];
  return meta !== null && typeof meta === 'object' ? meta : null;
}
