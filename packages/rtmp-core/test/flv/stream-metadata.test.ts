import { describe, expect, it } from 'vitest';
import { audioCodecIdFor, buildOnMetaData, fourCcNumber, readOnMetaData, videoCodecIdFor } from '../../src/flv/stream-metadata.ts';
import { AudioFourCc, VideoFourCc } from '../../src/flv/flv-constants.ts';

describe('onMetaData', () => {
  it('names H.264 and AAC by their legacy ids, the rest by FourCC numbers (Enhanced RTMP)', () => {
    expect(videoCodecIdFor(VideoFourCc.Avc)).toBe(7);
    expect(videoCodecIdFor(VideoFourCc.Av1)).toBe(0x61763031);
    expect(videoCodecIdFor(VideoFourCc.Vp9)).toBe(0x76703039);
    expect(videoCodecIdFor(VideoFourCc.Hevc)).toBe(0x68766331);
    expect(audioCodecIdFor(AudioFourCc.Aac)).toBe(10);
    expect(audioCodecIdFor(AudioFourCc.Opus)).toBe(0x4f707573);
    expect(() => fourCcNumber('avc')).toThrow(TypeError);
  });

  it('builds the fields the FLV spec lists for each track it has', () => {
    expect(
      buildOnMetaData({
        encoder: 'rtmp-web',
        video: { codec: VideoFourCc.Vp9, width: 640, height: 360, framerate: 29.97003, bitrateKbps: 999.6 },
        audio: { codec: AudioFourCc.Opus, sampleRate: 48000, channels: 2 },
      }),
    ).toEqual({
      encoder: 'rtmp-web',
      width: 640,
      height: 360,
      framerate: 29.97,
      videodatarate: 1000,
      videocodecid: 0x76703039,
      audiocodecid: 0x4f707573,
      audiosamplerate: 48000,
      audiosamplesize: 16,
      stereo: true,
    });
    expect(buildOnMetaData({ audio: { codec: AudioFourCc.Aac, sampleRate: 44100, channels: 1, bitrateKbps: 128 } })).toEqual({
      audiocodecid: 10,
      audiosamplerate: 44100,
      audiosamplesize: 16,
      stereo: false,
      audiodatarate: 128,
    });
  });

  it('reads it as nginx-rtmp relays it (onMetaData) and as node-media-server does (@setDataFrame)', () => {
    const md = { width: 1 };
    expect(readOnMetaData('onMetaData', [md])).toBe(md);
    expect(readOnMetaData('@setDataFrame', ['onMetaData', md])).toBe(md);
    expect(readOnMetaData('@setDataFrame', ['onCuePoint', md])).toBeNull();
    expect(readOnMetaData('|RtmpSampleAccess', [true, true])).toBeNull();
    expect(readOnMetaData('onMetaData', ['not an object'])).toBeNull();
    expect(readOnMetaData('onMetaData', [])).toBeNull();
  });
});
