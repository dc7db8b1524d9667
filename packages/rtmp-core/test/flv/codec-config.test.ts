import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../src/bytes/byte-cursor.ts';
import { RtmpErrorCode } from '../../src/errors.ts';
import { parseAudioTag } from '../../src/flv/audio-tag.ts';
import { flacDescription, parseAc3Header, parseFlacStreamInfo, parseMpegAudioHeader, parseOpusIdHeader } from '../../src/flv/audio-headers.ts';
import { audioDecoderConfigFromTag, requireAudioDecoderConfig } from '../../src/flv/codec-config.ts';
import { FFMPEG8_FLAC_STREAMINFO_48K_STEREO, FLAC_HEADER_MONO_44K, OPUS_HEAD_STEREO } from '../fixtures/flv-fixtures.ts';
import { codeOf } from '../error-code.ts';

const h = hexToBytes;
const cfg = (hex: string) => audioDecoderConfigFromTag(parseAudioTag(h(hex)));


// Sync frame headers from FFmpeg 5.1: ac3 5.1 at 48 kHz, eac3 stereo at 48 kHz.
const AC3_51 = '0b77b50b1e40ebf8403eff99ff0841fc';
const EAC3_STEREO = '0b77017f3487c0002084210838008c06';

describe('audioDecoderConfigFromTag', () => {
  it('AAC: from the sequence header, not the fixed 0xAF flags', () => {
    expect(cfg('af001188')).toEqual({ codec: 'mp4a.40.2', sampleRate: 48000, numberOfChannels: 1, description: h('1188') });
    expect(cfg('af01de02')).toBeUndefined();
    expect(cfg('90' + '6d703461' + '1210')).toMatchObject({ codec: 'mp4a.40.2', sampleRate: 44100 });
  });

  it('MP3: rate and channels from the frame header, the flags only as a fallback', () => {
    // FFmpeg: flags 0x2e (44 kHz, mono), MPEG-1 layer III 44.1 kHz mono frame.
    expect(cfg('2efffb50c4')).toEqual({ codec: 'mp3', sampleRate: 44100, numberOfChannels: 1 });
    // Flags say 11 kHz stereo but the frame says MPEG-2 24 kHz joint stereo.
    expect(cfg('27' + 'fff36444')).toEqual({ codec: 'mp3', sampleRate: 24000, numberOfChannels: 2 });
    // No valid header: fall back to the flags; format 14 is 8 kHz.
    expect(cfg('2f0000')).toEqual({ codec: 'mp3', sampleRate: 44100, numberOfChannels: 2 });
    expect(cfg('e20000')).toEqual({ codec: 'mp3', sampleRate: 8000, numberOfChannels: 1 });
    expect(cfg('91' + '2e6d7033' + 'fffb50c4')).toEqual({ codec: 'mp3', sampleRate: 44100, numberOfChannels: 1 });
    expect(cfg('91' + '2e6d7033' + '0000')).toBeUndefined();
  });

  it('G.711: always 8 kHz as FFmpeg reads it, channels from the SoundType bit', () => {
    expect(cfg('72d5')).toEqual({ codec: 'alaw', sampleRate: 8000, numberOfChannels: 1 });
    expect(cfg('82ff')).toEqual({ codec: 'ulaw', sampleRate: 8000, numberOfChannels: 1 });
    // Rate bits saying 44 kHz do not change the rate; the stereo bit does change the channels.
    expect(cfg('7fd5')).toEqual({ codec: 'alaw', sampleRate: 8000, numberOfChannels: 2 });
  });

  it('PCM: everything from the flags', () => {
    expect(cfg('3f0000')).toEqual({ codec: 'pcm-s16', sampleRate: 44100, numberOfChannels: 2 });
    expect(cfg('0400')).toEqual({ codec: 'pcm-u8', sampleRate: 11025, numberOfChannels: 1 });
    expect(cfg('3200')).toEqual({ codec: 'pcm-s16', sampleRate: 5512, numberOfChannels: 1 });
  });

  it('Nellymoser: 16 kHz (format 4), 8 kHz (format 5), the rate bits (format 6); always mono', () => {
    expect(cfg('42aabb')).toEqual({ codec: 'nellymoser', sampleRate: 16000, numberOfChannels: 1 });
    expect(cfg('52aabb')).toEqual({ codec: 'nellymoser', sampleRate: 8000, numberOfChannels: 1 });
    expect(cfg('5faabb')).toEqual({ codec: 'nellymoser', sampleRate: 8000, numberOfChannels: 1 });
    expect(cfg('62aabb')).toEqual({ codec: 'nellymoser', sampleRate: 5512, numberOfChannels: 1 });
    expect(cfg('66aabb')).toEqual({ codec: 'nellymoser', sampleRate: 11025, numberOfChannels: 1 });
    expect(cfg('6aaabb')).toEqual({ codec: 'nellymoser', sampleRate: 22050, numberOfChannels: 1 });
    // The stereo bit does not make Nellymoser stereo.
    expect(cfg('6faabb')).toEqual({ codec: 'nellymoser', sampleRate: 44100, numberOfChannels: 1 });
  });

  it('Speex: always 16 kHz mono, whatever the flags say', () => {
    expect(cfg('b630')).toEqual({ codec: 'speex', sampleRate: 16000, numberOfChannels: 1 });
    expect(cfg('b230')).toEqual({ codec: 'speex', sampleRate: 16000, numberOfChannels: 1 });
    expect(cfg('bf30')).toEqual({ codec: 'speex', sampleRate: 16000, numberOfChannels: 1 });
  });

  it('Opus: 48 kHz, channels from the ID header, which is the description', () => {
    const c = cfg('90' + '4f707573' + bytesToHex(OPUS_HEAD_STEREO));
    expect(c).toEqual({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2, description: OPUS_HEAD_STEREO });
    expect(cfg('90' + '4f707573')).toEqual({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2 });
    expect(cfg('91' + '4f707573' + 'fcff')).toBeUndefined();
  });

  it('FLAC: from STREAMINFO, with fLaC+STREAMINFO as the description', () => {
    expect(cfg('90' + '664c6143' + bytesToHex(FLAC_HEADER_MONO_44K))).toEqual({
      codec: 'flac',
      sampleRate: 44100,
      numberOfChannels: 1,
      description: FLAC_HEADER_MONO_44K,
    });
  });

  it('FLAC: a bare 34-byte STREAMINFO (FFmpeg 8.1) gives the fLaC form as the description', () => {
    const c = cfg('90' + '664c6143' + bytesToHex(FFMPEG8_FLAC_STREAMINFO_48K_STEREO));
    expect(c).toEqual({
      codec: 'flac',
      sampleRate: 48000,
      numberOfChannels: 2,
      description: hexToBytes('664c614380000022' + bytesToHex(FFMPEG8_FLAC_STREAMINFO_48K_STEREO)),
    });
    // The description parses back to the same stream.
    expect(parseFlacStreamInfo(c!.description as Uint8Array)).toEqual({ sampleRate: 48000, channels: 2, bitsPerSample: 16 });
  });

  it('AC-3 and E-AC-3: from the sync frame of each frame', () => {
    expect(cfg('91' + '61632d33' + AC3_51)).toEqual({ codec: 'ac-3', sampleRate: 48000, numberOfChannels: 6 });
    expect(cfg('91' + '65632d33' + EAC3_STEREO)).toEqual({ codec: 'ec-3', sampleRate: 48000, numberOfChannels: 2 });
    expect(cfg('90' + '61632d33')).toBeUndefined();
  });

  it('gives nothing for end of sequence, silence and multichannel config', () => {
    expect(cfg('')).toBeUndefined();
    expect(cfg('92' + '4f707573')).toBeUndefined();
    expect(cfg('94' + '4f707573' + '0002')).toBeUndefined();
    expect(codeOf(() => requireAudioDecoderConfig(parseAudioTag(h(''))))).toBe(RtmpErrorCode.CodecConfigInvalid);
    expect(requireAudioDecoderConfig(parseAudioTag(h('72d5'))).codec).toBe('alaw');
  });

  it('reports malformed sequence starts with their codes', () => {
    expect(codeOf(() => cfg('af001200'))).toBe(RtmpErrorCode.AacConfigInvalid);
    expect(codeOf(() => cfg('90' + '4f707573' + '4f707573486561'))).toBe(RtmpErrorCode.CodecConfigInvalid);
    expect(codeOf(() => cfg('90' + '664c6143' + '664c6143'))).toBe(RtmpErrorCode.CodecConfigInvalid);
  });
});

describe('audio headers', () => {
  it('MPEG audio frame header', () => {
    expect(parseMpegAudioHeader(h('fffb50c4'))).toEqual({ version: 1, layer: 3, sampleRate: 44100, channels: 1 });
    expect(parseMpegAudioHeader(h('ffe3'))).toBeUndefined();
    expect(parseMpegAudioHeader(h('ffe30000'))).toMatchObject({ version: 2.5, sampleRate: 11025 });
    expect(parseMpegAudioHeader(h('ffeb0000'))).toBeUndefined(); // reserved version
    expect(parseMpegAudioHeader(h('fff9f000'))).toBeUndefined(); // reserved layer / bad bitrate
  });

  it('AC-3 / E-AC-3 sync frames', () => {
    expect(parseAc3Header(h(AC3_51))).toEqual({ enhanced: false, sampleRate: 48000, channels: 6 });
    expect(parseAc3Header(h(EAC3_STEREO))).toEqual({ enhanced: true, sampleRate: 48000, channels: 2 });
    expect(parseAc3Header(h('0b77'))).toBeUndefined();
  });

  it('Opus ID header (RFC 7845 §5.1)', () => {
    expect(parseOpusIdHeader(OPUS_HEAD_STEREO)).toEqual({
      channels: 2,
      preSkip: 312,
      inputSampleRate: 48000,
      outputGain: 0,
      mappingFamily: 0,
    });
    const bad = OPUS_HEAD_STEREO.slice();
    bad[9] = 3; // 3 channels with mapping family 0
    expect(codeOf(() => parseOpusIdHeader(bad))).toBe(RtmpErrorCode.CodecConfigInvalid);
    const family1 = new Uint8Array([...OPUS_HEAD_STEREO.subarray(0, 18), 1, 1, 1]);
    family1[9] = 2;
    expect(codeOf(() => parseOpusIdHeader(family1))).toBe(RtmpErrorCode.CodecConfigInvalid);
  });

  it('FLAC STREAMINFO', () => {
    expect(parseFlacStreamInfo(FLAC_HEADER_MONO_44K)).toEqual({ sampleRate: 44100, channels: 1, bitsPerSample: 16 });
    const wrongType = FLAC_HEADER_MONO_44K.slice();
    wrongType[4] = 0x04;
    expect(codeOf(() => parseFlacStreamInfo(wrongType))).toBe(RtmpErrorCode.CodecConfigInvalid);
    // Both forms of the same STREAMINFO read the same.
    const bare = FLAC_HEADER_MONO_44K.subarray(8);
    expect(parseFlacStreamInfo(bare)).toEqual(parseFlacStreamInfo(FLAC_HEADER_MONO_44K));
    expect(flacDescription(bare)).toEqual(new Uint8Array([...FLAC_HEADER_MONO_44K.subarray(0, 4), 0x80, 0, 0, 0x22, ...bare]));
    expect(flacDescription(FLAC_HEADER_MONO_44K)).toEqual(FLAC_HEADER_MONO_44K);
    expect(codeOf(() => parseFlacStreamInfo(bare.subarray(0, 33)))).toBe(RtmpErrorCode.CodecConfigInvalid);
    expect(codeOf(() => parseFlacStreamInfo(FLAC_HEADER_MONO_44K.subarray(0, 41)))).toBe(RtmpErrorCode.CodecConfigInvalid);
  });
});
