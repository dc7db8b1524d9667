/**
 * Cross-checks against FFmpeg: real streams made in beforeAll (in a temporary
 * directory, never committed), demuxed with FlvFileReader (whole, one byte at
 * a time and in random pieces), parsed with the tag and config parsers and
 * compared with what ffprobe says. Files we write are read back by ffprobe.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex } from '../../src/bytes/byte-cursor.ts';
import { parseAudioTag, buildAacFrameTag, buildAacSequenceHeaderTag, type AudioTag } from '../../src/flv/audio-tag.ts';
import {
  buildAvcEndOfSequenceTag,
  buildAvcFrameTag,
  buildAvcSequenceHeaderTag,
  buildExVideoSequenceStartTag,
  parseVideoTag,
  type VideoTag,
} from '../../src/flv/video-tag.ts';
import { audioDecoderConfigFromTag, videoDecoderConfigFromSequenceStart } from '../../src/flv/codec-config.ts';
import { avcCodecString, parseAvcDecoderConfigurationRecord, parseAvcSps } from '../../src/flv/avc-config.ts';
import { parseHevcDecoderConfigurationRecord } from '../../src/flv/hevc-config.ts';
import { parseAv1CodecConfigurationRecord } from '../../src/flv/av1-config.ts';
import { parseVpCodecConfigurationRecord } from '../../src/flv/vp9-config.ts';
import { avcNaluType, splitAnnexB, splitNalus } from '../../src/flv/nalu.ts';
import { buildFlvFile, type FlvFileTag, type FlvTagInput } from '../../src/flv/flv-file.ts';
import { buildExAudioFrameTag, buildExAudioSequenceStartTag } from '../../src/flv/audio-tag.ts';
import type { VideoFourCc } from '../../src/flv/flv-constants.ts';
import {
  MediaDir,
  ffprobeStreams,
  ffprobeVideoPackets,
  findMp4ConfigBox,
  oggFirstPacket,
  readFlvAllWays,
} from './media-tools.ts';
import { execFileSync } from 'node:child_process';

const media = new MediaDir();
const files = new Map<string, Uint8Array>();
const lavfiVideo = (size: string, seconds = '0.4') => ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30`, '-t', seconds];
const lavfiAudio = (rate: number, seconds = '0.5') => ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${rate}`, '-t', seconds];

// The H.264 variants for the SPS cross-check: profile/level/cropping/interlacing/scaling lists.
const H264_VARIANTS: { name: string; size: string; pix: string; opts: string[] }[] = [
  { name: 'baseline', size: '642x362', pix: 'yuv420p', opts: ['-profile:v', 'baseline'] },
  { name: 'main', size: '642x362', pix: 'yuv420p', opts: ['-profile:v', 'main'] },
  { name: 'high', size: '642x362', pix: 'yuv420p', opts: ['-profile:v', 'high'] },
  { name: 'high-odd-444', size: '641x361', pix: 'yuv444p', opts: ['-profile:v', 'high444'] },
  { name: 'high-422-10bit', size: '642x362', pix: 'yuv422p10le', opts: ['-profile:v', 'high422'] },
  { name: 'interlaced', size: '642x364', pix: 'yuv420p', opts: ['-flags', '+ildct+ilme'] },
  { name: 'scaling-lists', size: '642x362', pix: 'yuv420p', opts: ['-x264opts', 'cqm=jvt'] },
  { name: 'small-level', size: '176x144', pix: 'yuv420p', opts: ['-profile:v', 'baseline', '-level', '1.1'] },
];

const AUDIO_VARIANTS: { name: string; args: string[]; codec: string }[] = [
  { name: 'aac-stereo-44k', args: [...lavfiAudio(44100), '-c:a', 'aac', '-ac', '2'], codec: 'mp4a.40.2' },
  { name: 'aac-mono-48k', args: [...lavfiAudio(48000), '-c:a', 'aac', '-ac', '1'], codec: 'mp4a.40.2' },
  { name: 'mp3-stereo-44k', args: [...lavfiAudio(44100), '-c:a', 'libmp3lame', '-ac', '2'], codec: 'mp3' },
  { name: 'mp3-mono-22k', args: [...lavfiAudio(22050), '-c:a', 'libmp3lame', '-ac', '1'], codec: 'mp3' },
  { name: 'alaw-8k-mono', args: [...lavfiAudio(8000), '-c:a', 'pcm_alaw', '-ar', '8000', '-ac', '1'], codec: 'alaw' },
  { name: 'ulaw-8k-mono', args: [...lavfiAudio(8000), '-c:a', 'pcm_mulaw', '-ar', '8000', '-ac', '1'], codec: 'ulaw' },
  { name: 'pcm-s16-22k-stereo', args: [...lavfiAudio(22050), '-c:a', 'pcm_s16le', '-ac', '2'], codec: 'pcm-s16' },
];

beforeAll(() => {
  files.set(
    'av.flv',
    media.ffmpeg(
      [...lavfiVideo('640x360', '1'), ...lavfiAudio(44100, '1'), '-c:v', 'libx264', '-bf', '2', '-g', '12', '-c:a', 'aac', '-ac', '2', '-f', 'flv'],
      'av.flv',
    ),
  );
  for (const v of H264_VARIANTS) {
    files.set(`${v.name}.flv`, media.ffmpeg([...lavfiVideo(v.size), '-pix_fmt', v.pix, '-c:v', 'libx264', ...v.opts, '-f', 'flv'], `${v.name}.flv`));
  }
  for (const a of AUDIO_VARIANTS) files.set(`${a.name}.flv`, media.ffmpeg([...a.args, '-f', 'flv'], `${a.name}.flv`));
  files.set('speex.flv', media.ffmpeg([...lavfiAudio(16000), '-c:a', 'libspeex', '-ar', '16000', '-ac', '1', '-f', 'flv'], 'speex.flv'));
  files.set('nellymoser.flv', media.ffmpeg([...lavfiAudio(22050), '-c:a', 'nellymoser', '-f', 'flv'], 'nellymoser.flv'));
  files.set('aac-22k.flv', media.ffmpeg([...lavfiAudio(22050), '-c:a', 'aac', '-ac', '2', '-f', 'flv'], 'aac-22k.flv'));
  files.set('hevc.mp4', media.ffmpeg([...lavfiVideo('642x362'), '-c:v', 'libx265', '-x265-params', 'log-level=error', '-tag:v', 'hvc1'], 'hevc.mp4'));
  files.set('av1.mp4', media.ffmpeg([...lavfiVideo('642x362', '0.2'), '-c:v', 'libaom-av1', '-cpu-used', '8', '-usage', 'realtime'], 'av1.mp4'));
  files.set('vp9.mp4', media.ffmpeg([...lavfiVideo('642x362', '0.2'), '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8'], 'vp9.mp4'));
  files.set('opus.ogg', media.ffmpeg([...lavfiAudio(48000), '-c:a', 'libopus', '-ac', '2'], 'opus.ogg'));
  files.set('mono.flac', media.ffmpeg([...lavfiAudio(44100), '-c:a', 'flac', '-ac', '1'], 'mono.flac'));
  files.set('x.ac3', media.ffmpeg([...lavfiAudio(48000), '-c:a', 'ac3', '-ac', '6', '-f', 'ac3'], 'x.ac3'));
  files.set('x.eac3', media.ffmpeg([...lavfiAudio(44100), '-c:a', 'eac3', '-ac', '2', '-f', 'eac3'], 'x.eac3'));
  files.set('av.h264', media.ffmpeg(['-i', media.path('av.flv'), '-an', '-c:v', 'copy', '-bsf:v', 'h264_mp4toannexb', '-f', 'h264'], 'av.h264'));
}, 120_000);

afterAll(() => media.dispose());

function file(name: string): Uint8Array {
  const b = files.get(name);
  if (b === undefined) throw new Error(`not generated: ${name}`);
  return b;
}

interface Demuxed {
  tags: FlvFileTag[];
  video: { tag: FlvFileTag; parsed: VideoTag }[];
  audio: { tag: FlvFileTag; parsed: AudioTag }[];
}

/** Reads an FLV every way (whole, 1-byte and random pieces must agree) and parses its tags. */
function demux(name: string): Demuxed {
  const items = readFlvAllWays(file(name));
  const tags = items.filter((i): i is FlvFileTag => i.kind === 'tag');
  return {
    tags,
    video: tags.filter((t) => t.tagType === 9).map((tag) => ({ tag, parsed: parseVideoTag(tag.data) })),
    audio: tags.filter((t) => t.tagType === 8).map((tag) => ({ tag, parsed: parseAudioTag(tag.data) })),
  };
}

function ffprobePackets(path: string, stream: string): { pts: number; dts: number; key: boolean }[] {
  const out = execFileSync(
    'ffprobe',
    ['-v', 'error', '-select_streams', stream, '-show_entries', 'packet=pts,dts,flags', '-of', 'csv=p=0', path],
    { encoding: 'utf8' },
  );
  return out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [pts, dts, flags] = l.split(',');
      return { pts: Number(pts), dts: Number(dts), key: (flags ?? '').includes('K') };
    });
}

const PROFILE_IDC: Record<string, number> = {
  'Constrained Baseline': 66,
  Baseline: 66,
  Main: 77,
  High: 100,
  'High 10': 110,
  'High 4:2:2': 122,
  'High 4:4:4 Predictive': 244,
};

describe('FFmpeg-made FLV: x264 High 640x360 with B-frames + AAC', () => {
  it('gives avc1.64001E at 640x360 and mp4a.40.2 44.1 kHz stereo', () => {
    const d = demux('av.flv');
    const seq = d.video.find((v) => v.parsed.kind === 'sequence-start')!.parsed;
    if (seq.kind !== 'sequence-start') throw new Error('unreachable');
    expect(videoDecoderConfigFromSequenceStart(seq)).toMatchObject({ codec: 'avc1.64001E', codedWidth: 640, codedHeight: 360 });
    const aseq = d.audio.find((a) => a.parsed.kind === 'sequence-start')!.parsed;
    expect(audioDecoderConfigFromTag(aseq)).toMatchObject({ codec: 'mp4a.40.2', sampleRate: 44100, numberOfChannels: 2 });
  });

  it('has the frames, keyframes and composition times ffprobe sees', () => {
    const d = demux('av.flv');
    const frames = d.video.filter((v) => v.parsed.kind === 'frame');
    const ours = frames.map(({ tag, parsed }) => {
      if (parsed.kind !== 'frame') throw new Error('unreachable');
      return { pts: tag.timestamp + parsed.compositionTimeMs, dts: tag.timestamp, key: parsed.keyframe };
    });
    const theirs = ffprobePackets(media.path('av.flv'), 'v:0');
    expect(ours).toEqual(theirs);
    expect(ours).toHaveLength(30);
    expect(ours.filter((f) => f.key)).toHaveLength(3); // -g 12 over 30 frames
    expect(ours.some((f) => f.pts !== f.dts)).toBe(true); // B-frames need composition times
    const counts = ffprobeVideoPackets(media.path('av.flv'));
    expect(counts).toEqual({ packets: 30, keyframes: 3 });
    expect(d.video.at(-1)?.parsed.kind).toBe('sequence-end');
  });

  it('has length-prefixed NAL units that split cleanly, IDR slices exactly in keyframes', () => {
    const d = demux('av.flv');
    const seq = d.video.find((v) => v.parsed.kind === 'sequence-start')!.parsed;
    if (seq.kind !== 'sequence-start') throw new Error('unreachable');
    const { nalLengthSize } = parseAvcDecoderConfigurationRecord(seq.config);
    for (const { parsed } of d.video) {
      if (parsed.kind !== 'frame') continue;
      const types = splitNalus(parsed.data, nalLengthSize).map(avcNaluType);
      expect(types.includes(5)).toBe(parsed.keyframe);
    }
  });

  it('matches the Annex B stream FFmpeg writes with h264_mp4toannexb (VCL units, in order)', () => {
    const d = demux('av.flv');
    const fromFlv = d.video.flatMap(({ parsed }) => (parsed.kind === 'frame' ? splitNalus(parsed.data, 4) : []));
    const vcl = (units: Uint8Array[]) => units.filter((u) => [1, 5].includes(avcNaluType(u))).map(bytesToHex);
    expect(vcl(splitAnnexB(file('av.h264')))).toEqual(vcl(fromFlv));
  });

  it('has as many AAC frames as ffprobe has audio packets', () => {
    const d = demux('av.flv');
    const aacFrames = d.audio.filter((a) => a.parsed.kind === 'frame');
    expect(aacFrames.length).toBe(ffprobePackets(media.path('av.flv'), 'a:0').length);
  });

  it('rebuilds every tag byte for byte with our builders, and ffprobe reads the file we write', () => {
    const d = demux('av.flv');
    const rebuilt: FlvTagInput[] = d.tags.map((tag) => {
      let data = tag.data;
      if (tag.tagType === 9) {
        const v = parseVideoTag(tag.data);
        if (v.kind === 'sequence-start') data = buildAvcSequenceHeaderTag(v.config);
        else if (v.kind === 'frame') data = buildAvcFrameTag(v.keyframe, v.compositionTimeMs, v.data);
        else if (v.kind === 'sequence-end') data = buildAvcEndOfSequenceTag();
      } else if (tag.tagType === 8) {
        const a = parseAudioTag(tag.data);
        if (a.kind === 'sequence-start') data = buildAacSequenceHeaderTag(a.config);
        else if (a.kind === 'frame') data = buildAacFrameTag(a.data);
      }
      expect(bytesToHex(data)).toBe(bytesToHex(tag.data));
      return { tagType: tag.tagType, timestamp: tag.timestamp, data };
    });
    const out = buildFlvFile({ hasAudio: true, hasVideo: true }, rebuilt);
    expect(bytesToHex(out)).toBe(bytesToHex(file('av.flv')));
    writeFileSync(media.path('ours.flv'), out);
    expect(ffprobePackets(media.path('ours.flv'), 'v:0')).toEqual(ffprobePackets(media.path('av.flv'), 'v:0'));
  });
});

describe('SPS cross-check against ffprobe', () => {
  for (const v of H264_VARIANTS) {
    it(`${v.name} ${v.size} ${v.pix}`, () => {
      const d = demux(`${v.name}.flv`);
      const [probe] = ffprobeStreams(media.path(`${v.name}.flv`));
      const seq = d.video.find((x) => x.parsed.kind === 'sequence-start')!.parsed;
      if (seq.kind !== 'sequence-start') throw new Error('unreachable');
      const record = parseAvcDecoderConfigurationRecord(seq.config);
      const sps = parseAvcSps(record.sps[0]!);
      const config = videoDecoderConfigFromSequenceStart(seq);
      expect({ width: config.codedWidth, height: config.codedHeight }).toEqual({ width: probe!.width, height: probe!.height });
      expect(sps.profileIdc).toBe(PROFILE_IDC[probe!.profile!]);
      expect(sps.levelIdc).toBe(probe!.level);
      if (probe!.profile === 'Constrained Baseline') expect(sps.constraintFlags & 0x40).toBe(0x40);
      expect(config.codec).toBe(avcCodecString(sps.profileIdc, sps.constraintFlags, sps.levelIdc));
      if (v.name === 'interlaced') expect(sps.frameMbsOnly).toBe(false);
      if (v.name === 'high-422-10bit') expect(sps).toMatchObject({ chromaFormatIdc: 2, bitDepthLuma: 10 });
      const frames = d.video.filter((x) => x.parsed.kind === 'frame');
      expect(frames.length).toBe(ffprobeVideoPackets(media.path(`${v.name}.flv`)).packets);
    });
  }
});

describe('FFmpeg-made FLV audio', () => {
  for (const a of AUDIO_VARIANTS) {
    it(`${a.name} → ${a.codec} with ffprobe's rate and channels`, () => {
      const d = demux(`${a.name}.flv`);
      const [probe] = ffprobeStreams(media.path(`${a.name}.flv`));
      const configs = d.audio.map(({ parsed }) => audioDecoderConfigFromTag(parsed)).filter((c) => c !== undefined);
      expect(configs.length).toBeGreaterThan(0);
      for (const c of configs) {
        expect(c).toMatchObject({ codec: a.codec, sampleRate: Number(probe!.sample_rate), numberOfChannels: probe!.channels });
      }
      const frames = d.audio.filter((x) => x.parsed.kind === 'frame').length;
      expect(frames).toBe(ffprobePackets(media.path(`${a.name}.flv`), 'a:0').length);
    });
  }

  for (const [name, codec, rate] of [
    ['speex.flv', 'speex', 16000],
    ['nellymoser.flv', 'nellymoser', 22050],
  ] as const) {
    it(`${name}: every audio tag is a ${codec} frame configuring ${rate} Hz mono, as ffprobe says`, () => {
      const d = demux(name);
      expect(d.audio.length).toBeGreaterThan(10);
      const [probe] = ffprobeStreams(media.path(name));
      expect(probe).toMatchObject({ codec_name: codec, sample_rate: String(rate), channels: 1 });
      for (const { parsed } of d.audio) {
        expect(parsed).toMatchObject({ kind: 'frame', codec });
        expect(audioDecoderConfigFromTag(parsed)).toEqual({ codec, sampleRate: rate, numberOfChannels: 1 });
      }
      expect(d.audio.length).toBe(ffprobePackets(media.path(name), 'a:0').length);
    });
  }

  it('a hand-built HE-AAC AudioSpecificConfig is read by FFmpeg at the SBR rate', () => {
    // FFmpeg's encoder has no HE-AAC: take its 22.05 kHz AAC-LC frames and
    // signal SBR on top (explicit hierarchical 2b 92 08 00). FFmpeg reports
    // 44.1 kHz, which it can only take from the SBR extension rate; its
    // `profile` label follows the core object type (LC).
    const d = demux('aac-22k.flv');
    const heAsc = new Uint8Array([0x2b, 0x92, 0x08, 0x00]);
    const tags: FlvTagInput[] = d.audio.map(({ tag, parsed }) => ({
      tagType: 8,
      timestamp: tag.timestamp,
      data: parsed.kind === 'sequence-start' ? buildAacSequenceHeaderTag(heAsc) : tag.data,
    }));
    writeFileSync(media.path('he-aac.flv'), buildFlvFile({ hasAudio: true, hasVideo: false }, tags));
    const [probe] = ffprobeStreams(media.path('he-aac.flv'));
    expect(probe).toMatchObject({ codec_name: 'aac', sample_rate: '44100', channels: 2 });
    expect(ffprobeStreams(media.path('aac-22k.flv'))[0]).toMatchObject({ sample_rate: '22050' });
    const seq = readFlvAllWays(buildFlvFile({ hasAudio: true, hasVideo: false }, tags.slice(0, 1)))[1];
    if (seq?.kind !== 'tag') throw new Error('expected a tag');
    expect(audioDecoderConfigFromTag(parseAudioTag(seq.data))).toMatchObject({ codec: 'mp4a.40.5', sampleRate: 44100, numberOfChannels: 2 });
  });
});

describe('E-RTMP codecs (configs from FFmpeg-made MP4/Ogg/FLAC/AC-3, carried in FLV files we write)', () => {
  function viaFlv(fourCc: VideoFourCc, config: Uint8Array) {
    const flv = buildFlvFile({ hasAudio: false, hasVideo: true }, [{ tagType: 9, timestamp: 0, data: buildExVideoSequenceStartTag(fourCc, config) }]);
    const tag = readFlvAllWays(flv)[1];
    if (tag?.kind !== 'tag') throw new Error('expected a tag');
    const parsed = parseVideoTag(tag.data);
    if (parsed.kind !== 'sequence-start') throw new Error('expected a sequence start');
    return videoDecoderConfigFromSequenceStart(parsed);
  }

  it('x265 hvcC → hvc1 codec string, profile, level and size as ffprobe says', () => {
    const hvcc = findMp4ConfigBox(file('hevc.mp4'), 'hvcC')!;
    const [probe] = ffprobeStreams(media.path('hevc.mp4'));
    const r = parseHevcDecoderConfigurationRecord(hvcc);
    expect(r.profileIdc).toBe(probe!.profile === 'Main' ? 1 : -1);
    expect(r.levelIdc).toBe(probe!.level);
    const c = viaFlv('hvc1', hvcc);
    expect(c.codec).toBe(`hvc1.1.6.L${probe!.level}.90`);
    expect({ w: c.codedWidth, h: c.codedHeight }).toEqual({ w: probe!.width, h: probe!.height });
  });

  it('libaom av1C → av01 codec string and size as ffprobe says', () => {
    const av1c = findMp4ConfigBox(file('av1.mp4'), 'av1C')!;
    const [probe] = ffprobeStreams(media.path('av1.mp4'));
    const r = parseAv1CodecConfigurationRecord(av1c);
    expect(r.level).toBe(probe!.level);
    const c = viaFlv('av01', av1c);
    expect(c.codec).toBe(`av01.0.${String(probe!.level).padStart(2, '0')}M.08`);
    expect({ w: c.codedWidth, h: c.codedHeight }).toEqual({ w: probe!.width, h: probe!.height });
  });

  it('libvpx vpcC → vp09 codec string', () => {
    const vpcc = findMp4ConfigBox(file('vp9.mp4'), 'vpcC')!;
    const [probe] = ffprobeStreams(media.path('vp9.mp4'));
    const r = parseVpCodecConfigurationRecord(vpcc);
    expect(`Profile ${r.profile}`).toBe(probe!.profile);
    expect(viaFlv('vp09', vpcc).codec).toBe(`vp09.00.${String(r.level).padStart(2, '0')}.08`);
  });

  it('Opus ID header, FLAC STREAMINFO, AC-3 and E-AC-3 frames → configs as ffprobe says', () => {
    const cases: [string, Uint8Array, 'Opus' | 'fLaC' | 'ac-3' | 'ec-3', 'seq' | 'frame', string][] = [
      ['opus.ogg', oggFirstPacket(file('opus.ogg')), 'Opus', 'seq', 'opus'],
      ['mono.flac', file('mono.flac').subarray(0, 42), 'fLaC', 'seq', 'flac'],
      ['x.ac3', file('x.ac3').subarray(0, 64), 'ac-3', 'frame', 'ac-3'],
      ['x.eac3', file('x.eac3').subarray(0, 64), 'ec-3', 'frame', 'ec-3'],
    ];
    for (const [name, bytes, fourCc, kind, codec] of cases) {
      const data = kind === 'seq' ? buildExAudioSequenceStartTag(fourCc, bytes) : buildExAudioFrameTag(fourCc, bytes);
      const flv = buildFlvFile({ hasAudio: true, hasVideo: false }, [{ tagType: 8, timestamp: 0, data }]);
      const tag = readFlvAllWays(flv)[1];
      if (tag?.kind !== 'tag') throw new Error('expected a tag');
      const [probe] = ffprobeStreams(media.path(name));
      expect(audioDecoderConfigFromTag(parseAudioTag(tag.data)), name).toMatchObject({
        codec,
        sampleRate: Number(probe!.sample_rate),
        numberOfChannels: probe!.channels,
      });
    }
  });
});
