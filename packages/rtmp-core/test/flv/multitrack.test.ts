/**
 * E-RTMP v2 multitrack ("Multitrack Streaming via Enhanced RTMP") for audio
 * and video: OneTrack, ManyTracks and ManyTracksManyCodecs, with ModEx in
 * front; a bad track costs only itself. Hex from the spec's layouts and
 * from FFmpeg 8.1 (node-av), whose second audio stream is OneTrack.
 */
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes as h } from '../../src/bytes/byte-cursor.ts';
import { RtmpError, RtmpErrorCode } from '../../src/errors.ts';
import {
  type AudioMessage,
  buildExAudioMultitrackTag,
  parseAudioMessage,
  parseAudioTag,
} from '../../src/flv/audio-tag.ts';
import { audioDecoderConfigFromTag } from '../../src/flv/codec-config.ts';
import { AudioPacketType, AvMultitrackType, VideoFrameType, VideoPacketType } from '../../src/flv/flv-constants.ts';
import {
  type VideoMessage,
  buildCodedFramesTrackBody,
  buildExVideoMultitrackTag,
  parseVideoMessage,
  parseVideoTag,
} from '../../src/flv/video-tag.ts';
import { codeOf } from '../error-code.ts';

const AV01 = '61763031';
const VP09 = '76703039';
const HVC1 = '68766331';
const OPUS = '4f707573';

/** Each track as [id, kind or error code, codec]. */
function summary(m: VideoMessage | AudioMessage): [number, string, string][] {
  return m.tracks.map((t) =>
    t.tag === undefined ? [t.trackId, t.error.code, ''] : [t.trackId, t.tag.kind, 'codec' in t.tag ? t.tag.codec : ''],
  );
}

describe('video multitrack', () => {
  it('OneTrack: the track id and the body after it', () => {
    const m = parseVideoMessage(h('a6' + '01' + HVC1 + '02' + '000021' + '000000022601'));
    expect(m.multitrack).toBe(AvMultitrackType.OneTrack);
    expect(summary(m)).toEqual([[2, 'frame', 'hvc1']]);
    const tag = m.tracks[0]!.tag!;
    expect(tag.kind === 'frame' && [tag.keyframe, tag.compositionTimeMs, bytesToHex(tag.data)]).toEqual([false, 33, '000000022601']);
  });

  it('ManyTracks: one FourCC, sized tracks', () => {
    const m = parseVideoMessage(h('96' + '13' + '61766331' + '00' + '000006' + '000000026588' + '01' + '000005' + '0000000165'));
    expect(m.multitrack).toBe(AvMultitrackType.ManyTracks);
    expect(summary(m)).toEqual([
      [0, 'frame', 'avc1'],
      [1, 'frame', 'avc1'],
    ]);
    const [a, b] = m.tracks.map((t) => t.tag);
    expect(a?.kind === 'frame' && [a.keyframe, a.compositionTimeMs, bytesToHex(a.data)]).toEqual([true, 0, '000000026588']);
    expect(b?.kind === 'frame' && bytesToHex(b.data)).toBe('0000000165');
  });

  it('ManyTracksManyCodecs: a FourCC per track; an unknown one costs only its track', () => {
    const m = parseVideoMessage(
      h('96' + '21' + AV01 + '00' + '000002' + '1200' + '61626364' + '01' + '000001' + 'ff' + VP09 + '02' + '000001' + '82'),
    );
    expect(m.multitrack).toBe(AvMultitrackType.ManyTracksManyCodecs);
    expect(summary(m)).toEqual([
      [0, 'frame', 'av01'],
      [1, RtmpErrorCode.CodecUnsupported, ''],
      [2, 'frame', 'vp09'],
    ]);
    const e = m.tracks[1]!.error!;
    expect(e).toBeInstanceOf(RtmpError);
    expect(e.fatal).toBe(false);
    expect(e.details).toEqual({ fourCc: 'abcd', trackId: 1 });
  });

  it('a track body cut short costs only that track', () => {
    const m = parseVideoMessage(h('96' + '11' + HVC1 + '00' + '000005' + '0000002601' + '01' + '000002' + '0000'));
    expect(summary(m)).toEqual([
      [0, 'frame', 'hvc1'],
      [1, RtmpErrorCode.FlvInvalid, ''],
    ]);
  });

  it('ModEx TimestampOffsetNano in front applies to every track', () => {
    const m = parseVideoMessage(h('97' + '02' + '07a120' + '06' + '13' + AV01 + '00' + '000001' + '12' + '01' + '000001' + '12'));
    expect(m.tracks.map((t) => t.tag?.timestampOffsetNs)).toEqual([500_000, 500_000]);
  });

  it('every packet type as a track: sequence start, end, metadata (frame type ignored), MPEG-2 TS start', () => {
    expect(summary(parseVideoMessage(h('96' + '00' + AV01 + '00' + '81010c000a0b0000000cc5036936be4010')))).toEqual([[0, 'sequence-start', 'av01']]);
    expect(summary(parseVideoMessage(h('96' + '12' + VP09 + '00' + '000000' + '01' + '000000')))).toEqual([
      [0, 'sequence-end', 'vp09'],
      [1, 'sequence-end', 'vp09'],
    ]);
    expect(summary(parseVideoMessage(h('86' + '04' + AV01 + '00' + '0200096d6f6c6f72496e666f')))).toEqual([[0, 'metadata', 'av01']]);
    expect(summary(parseVideoMessage(h('96' + '05' + AV01 + '00' + '8001')))).toEqual([[0, 'mpeg2ts-sequence-start', 'av01']]);
  });

  it('single-track tags are track 0, with no multitrack type', () => {
    const m = parseVideoMessage(h('91' + AV01 + '12000a0b'));
    expect(m.multitrack).toBeUndefined();
    expect(summary(m)).toEqual([[0, 'frame', 'av01']]);
    expect(summary(parseVideoMessage(h('9061626364')))).toEqual([[0, RtmpErrorCode.CodecUnsupported, '']]);
    expect(parseVideoMessage(h('9061626364')).tracks[0]!.error!.details).toEqual({ fourCc: 'abcd' });
    expect(summary(parseVideoMessage(h('d001')))).toEqual([[0, 'command', '']]);
  });

  it('framing errors fail the whole message', () => {
    for (const hex of ['96' + '30' + AV01 + '00', '96' + '06' + AV01, '96' + '13' + AV01 + '00' + '000010' + '1200', '96' + '13' + AV01, '86' + '01' + AV01 + '00']) {
      expect(codeOf(() => parseVideoMessage(h(hex))), hex).toBe(RtmpErrorCode.FlvInvalid);
    }
  });

  it('parseVideoTag still refuses multitrack, not fatally, pointing at parseVideoMessage', () => {
    const e = (() => {
      try {
        parseVideoTag(h('96' + '00' + AV01 + '00' + '81'));
      } catch (x) {
        return x as RtmpError;
      }
      return undefined;
    })();
    expect(e?.code).toBe(RtmpErrorCode.CodecUnsupported);
    expect(e?.fatal).toBe(false);
    expect(e?.message).toMatch(/parseVideoMessage/);
  });

  it('builds each layout byte for byte and parses it back', () => {
    // [type, packet type, frame type, tracks as [id, FourCC, body hex], the tag's hex]
    const cases: [AvMultitrackType, VideoPacketType, VideoFrameType, [number, string, string][], string][] = [
      [AvMultitrackType.ManyTracks, VideoPacketType.CodedFramesX, VideoFrameType.Key,
        [[0, 'avc1', '000000026588'], [1, 'avc1', '0000000165']],
        '96' + '13' + '61766331' + '00' + '000006' + '000000026588' + '01' + '000005' + '0000000165'],
      [AvMultitrackType.ManyTracksManyCodecs, VideoPacketType.CodedFrames, VideoFrameType.Key,
        [[0, 'av01', '1200'], [1, 'vp09', '824983']],
        '96' + '21' + AV01 + '00' + '000002' + '1200' + VP09 + '01' + '000003' + '824983'],
      [AvMultitrackType.OneTrack, VideoPacketType.CodedFrames, VideoFrameType.Inter,
        [[2, 'hvc1', '000021000000022601']],
        'a6' + '01' + HVC1 + '02' + '000021' + '000000022601'],
    ];
    for (const [type, packetType, frameType, tracks, hex] of cases) {
      const tag = buildExVideoMultitrackTag({
        type,
        packetType,
        frameType,
        tracks: tracks.map(([trackId, fourCc, body]) => ({ trackId, fourCc, body: h(body) })),
      });
      expect(bytesToHex(tag)).toBe(hex);
      expect(summary(parseVideoMessage(tag))).toEqual(tracks.map(([id, fourCc]) => [id, 'frame', fourCc]));
    }
  });

  it('an avc1/hvc1 CodedFrames track body: SI24 composition time, then the NAL units (negative too)', () => {
    const body = buildCodedFramesTrackBody(-33, h('000000022601'));
    expect(bytesToHex(body)).toBe('ffffdf000000022601');
    const tag = buildExVideoMultitrackTag({
      type: AvMultitrackType.OneTrack,
      packetType: VideoPacketType.CodedFrames,
      frameType: VideoFrameType.Inter,
      tracks: [{ trackId: 1, fourCc: 'avc1', body }],
    });
    const t = parseVideoMessage(tag).tracks[0]!.tag!;
    expect(t.kind === 'frame' && [t.compositionTimeMs, bytesToHex(t.data)]).toEqual([-33, '000000022601']);
    expect(() => buildCodedFramesTrackBody(0x800000, h('00'))).toThrow(TypeError);
    expect(() => buildCodedFramesTrackBody(1.5, h('00'))).toThrow(TypeError);
  });

  it('builders name what is wrong', () => {
    const base = { packetType: VideoPacketType.CodedFrames, frameType: VideoFrameType.Key } as const;
    const t = (trackId: number, fourCc = 'av01') => ({ trackId, fourCc, body: h('12') });
    expect(() => buildExVideoMultitrackTag({ ...base, type: AvMultitrackType.OneTrack, tracks: [t(0), t(1)] })).toThrow(TypeError);
    expect(() => buildExVideoMultitrackTag({ ...base, type: AvMultitrackType.ManyTracks, tracks: [] })).toThrow(TypeError);
    expect(() => buildExVideoMultitrackTag({ ...base, type: AvMultitrackType.ManyTracks, tracks: [t(0), t(1, 'vp09')] })).toThrow(/share a FourCC/);
    expect(() => buildExVideoMultitrackTag({ ...base, type: AvMultitrackType.ManyTracks, tracks: [t(256)] })).toThrow(/trackId/);
    expect(() => buildExVideoMultitrackTag({ ...base, packetType: VideoPacketType.Multitrack, type: AvMultitrackType.OneTrack, tracks: [t(0)] })).toThrow(TypeError);
  });
});

describe('audio multitrack', () => {
  it("FFmpeg 8.1's second Opus stream: OneTrack, track 1, a sequence start that configures a decoder", () => {
    const m = parseAudioMessage(h('95004f707573014f707573486561640101380180bb0000000000'));
    expect(m.multitrack).toBe(AvMultitrackType.OneTrack);
    expect(summary(m)).toEqual([[1, 'sequence-start', 'opus']]);
    expect(audioDecoderConfigFromTag(m.tracks[0]!.tag!)).toMatchObject({ codec: 'opus', sampleRate: 48000, numberOfChannels: 1 });
    const mc = parseAudioMessage(h('95044f70757301010100000004')).tracks[0]!.tag!;
    expect(mc.kind === 'multichannel-config' && [mc.channelOrder, mc.channelCount, mc.channelFlags]).toEqual([1, 1, 4]);
  });

  it('ManyTracks and ManyTracksManyCodecs; an unknown FourCC costs only its track', () => {
    expect(summary(parseAudioMessage(h('95' + '11' + OPUS + '00' + '000002' + 'fcff' + '01' + '000001' + 'fc' + '02' + '000003' + 'fcfffe')))).toEqual([
      [0, 'frame', 'opus'],
      [1, 'frame', 'opus'],
      [2, 'frame', 'opus'],
    ]);
    const m = parseAudioMessage(h('95' + '21' + OPUS + '00' + '000001' + 'fc' + '61632d33' + '01' + '000002' + '0b77' + '7a7a7a7a' + '02' + '000001' + '00'));
    expect(summary(m)).toEqual([
      [0, 'frame', 'opus'],
      [1, 'frame', 'ac3'],
      [2, RtmpErrorCode.CodecUnsupported, ''],
    ]);
    expect(m.tracks[2]!.error!.details).toEqual({ fourCc: 'zzzz', trackId: 2 });
  });

  it('a track cut short costs only itself; ModEx applies to the tracks', () => {
    expect(summary(parseAudioMessage(h('95' + '14' + OPUS + '00' + '000002' + '0002' + '01' + '000003' + '010200')))).toEqual([
      [0, 'multichannel-config', 'opus'],
      [1, RtmpErrorCode.FlvInvalid, ''],
    ]);
    const m = parseAudioMessage(h('97' + '02' + '0f423f' + '05' + '01' + OPUS + '03' + 'fcff'));
    expect(summary(m)).toEqual([[3, 'frame', 'opus']]);
    const tag = m.tracks[0]!.tag!;
    expect(tag.kind === 'frame' && tag.timestampOffsetNs).toBe(999_999);
  });

  it('single-track, legacy and silence are track 0', () => {
    expect(summary(parseAudioMessage(h('af01de02')))).toEqual([[0, 'frame', 'aac']]);
    expect(summary(parseAudioMessage(h('')))).toEqual([[0, 'silence', '']]);
    expect(summary(parseAudioMessage(h('1e0011')))).toEqual([[0, RtmpErrorCode.CodecUnsupported, '']]);
    expect(codeOf(() => parseAudioTag(h('95004f70757301')))).toBe(RtmpErrorCode.CodecUnsupported);
  });

  it('framing errors fail the whole message', () => {
    for (const hex of ['95' + 'f1' + OPUS + '00', '95' + '05' + OPUS + '00', '95' + '11' + OPUS + '00' + 'ffffff' + 'fc', '95' + '01' + OPUS]) {
      expect(codeOf(() => parseAudioMessage(h(hex))), hex).toBe(RtmpErrorCode.FlvInvalid);
    }
  });

  it('builds the layouts byte for byte', () => {
    const tag = buildExAudioMultitrackTag({
      type: AvMultitrackType.ManyTracksManyCodecs,
      packetType: AudioPacketType.CodedFrames,
      tracks: [
        { trackId: 0, fourCc: 'Opus', body: h('fc') },
        { trackId: 1, fourCc: 'ac-3', body: h('0b77') },
      ],
    });
    expect(bytesToHex(tag)).toBe('95' + '21' + OPUS + '00' + '000001' + 'fc' + '61632d33' + '01' + '000002' + '0b77');
    const one = buildExAudioMultitrackTag({
      type: AvMultitrackType.OneTrack,
      packetType: AudioPacketType.SequenceStart,
      tracks: [{ trackId: 1, fourCc: 'Opus', body: h('4f707573486561640101380180bb0000000000') }],
    });
    expect(bytesToHex(one)).toBe('95004f707573014f707573486561640101380180bb0000000000');
  });
});
