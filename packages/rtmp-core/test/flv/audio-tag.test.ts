import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../src/bytes/byte-cursor.ts';
import { RtmpError, RtmpErrorCode } from '../../src/errors.ts';
import {
  buildAacFrameTag,
  buildAacSequenceHeaderTag,
  buildExAudioFrameTag,
  buildExAudioSequenceEndTag,
  buildExAudioSequenceStartTag,
  buildLegacyAudioTag,
  legacyAudioCodec,
  parseAudioTag,
} from '../../src/flv/audio-tag.ts';
import { OPUS_HEAD_STEREO } from '../fixtures/flv-fixtures.ts';
import { errorOf } from '../error-code.ts';

const h = hexToBytes;


describe('parseAudioTag: legacy (FLV E.4.2.1)', () => {
  it('reads an AAC sequence header as a view of the ASC', () => {
    const tag = h('af00121056e500');
    const t = parseAudioTag(tag);
    expect(t).toMatchObject({
      kind: 'sequence-start',
      codec: 'aac',
      enhanced: false,
      legacy: { soundFormat: 10, soundRate: 3, soundSize: 1, soundType: 1 },
    });
    if (t.kind !== 'sequence-start') throw new Error('unreachable');
    expect(bytesToHex(t.config)).toBe('121056e500');
    expect(t.config.buffer).toBe(tag.buffer);
  });

  it('reads AAC raw frames as views', () => {
    const tag = h('af01de0200');
    const t = parseAudioTag(tag);
    expect(t).toMatchObject({ kind: 'frame', codec: 'aac' });
    if (t.kind === 'frame') {
      expect(bytesToHex(t.data)).toBe('de0200');
      expect(t.data.byteOffset).toBe(2);
    }
  });

  it('reads the legacy flags of MP3, G.711 and PCM', () => {
    expect(parseAudioTag(h('2efffb'))).toMatchObject({
      kind: 'frame',
      codec: 'mp3',
      legacy: { soundFormat: 2, soundRate: 3, soundSize: 1, soundType: 0 },
    });
    expect(parseAudioTag(h('72d5'))).toMatchObject({ codec: 'alaw', legacy: { soundRate: 0, soundSize: 1, soundType: 0 } });
    expect(parseAudioTag(h('83ff'))).toMatchObject({ codec: 'ulaw', legacy: { soundType: 1 } });
    expect(parseAudioTag(h('0e00'))).toMatchObject({ codec: 'pcm-s16' });
    expect(parseAudioTag(h('3c00'))).toMatchObject({ codec: 'pcm-u8' });
    expect(parseAudioTag(h('e2fff3'))).toMatchObject({ codec: 'mp3', legacy: { soundFormat: 14 } });
  });

  it('reads an empty message as silence (E-RTMP v2)', () => {
    expect(parseAudioTag(new Uint8Array(0))).toEqual({ kind: 'silence', enhanced: false });
  });

  it('parses Speex and Nellymoser (formats 4, 5, 6, 11) as frames with their flags', () => {
    expect(parseAudioTag(h('b630'))).toMatchObject({ kind: 'frame', codec: 'speex', data: h('30'), legacy: { soundFormat: 11 } });
    expect(parseAudioTag(h('4200'))).toMatchObject({ kind: 'frame', codec: 'nellymoser', legacy: { soundFormat: 4 } });
    expect(parseAudioTag(h('5200'))).toMatchObject({ kind: 'frame', codec: 'nellymoser', legacy: { soundFormat: 5 } });
    expect(parseAudioTag(h('6a00'))).toMatchObject({ kind: 'frame', codec: 'nellymoser', data: h('00'), legacy: { soundFormat: 6, soundRate: 2 } });
    expect(legacyAudioCodec(11, 1)).toBe('speex');
    expect(legacyAudioCodec(6, 1)).toBe('nellymoser');
  });

  it('rejects ADPCM and device-specific sound with a non-fatal CodecUnsupported naming the codec', () => {
    for (const [hex, name] of [
      ['1e00', 'ADPCM'],
      ['f000', 'device-specific'],
    ] as const) {
      const e = errorOf(() => parseAudioTag(h(hex)));
      expect(e?.code, hex).toBe(RtmpErrorCode.CodecUnsupported);
      expect(e?.fatal).toBe(false);
      expect(e?.message).toContain(name);
    }
    expect(() => legacyAudioCodec(1, 1)).toThrow(/ADPCM/);
  });

  it('rejects truncated and reserved input with FlvInvalid', () => {
    for (const hex of ['af', 'af02', 'a0', 'c000', 'd000']) {
      expect(errorOf(() => parseAudioTag(h(hex)))?.code, hex).toBe(RtmpErrorCode.FlvInvalid);
    }
  });
});

describe('parseAudioTag: E-RTMP ExAudioTagHeader', () => {
  const opus = '4f707573';

  it('reads SequenceStart, CodedFrames and SequenceEnd for every FourCC', () => {
    for (const [fourCc, codec] of [
      ['4f707573', 'opus'],
      ['664c6143', 'flac'],
      ['61632d33', 'ac3'],
      ['65632d33', 'eac3'],
      ['2e6d7033', 'mp3'],
      ['6d703461', 'aac'],
    ] as const) {
      expect(parseAudioTag(h('90' + fourCc + '0102'))).toMatchObject({ kind: 'sequence-start', codec, enhanced: true });
      const f = parseAudioTag(h('91' + fourCc + 'aabb'));
      expect(f).toMatchObject({ kind: 'frame', codec });
      if (f.kind === 'frame') {
        expect(bytesToHex(f.data)).toBe('aabb');
        expect(f.legacy).toBeUndefined();
      }
      expect(parseAudioTag(h('92' + fourCc))).toEqual({ kind: 'sequence-end', codec, enhanced: true });
    }
  });

  it('reads MultichannelConfig in all three orders', () => {
    expect(parseAudioTag(h('94' + opus + '0006'))).toEqual({
      kind: 'multichannel-config',
      codec: 'opus',
      channelOrder: 0,
      channelCount: 6,
      enhanced: true,
    });
    expect(parseAudioTag(h('94' + opus + '01020000003f'))).toMatchObject({ channelOrder: 1, channelFlags: 0x3f });
    const custom = parseAudioTag(h('94' + opus + '0203000102'));
    expect(custom).toMatchObject({ channelOrder: 2, channelCount: 3 });
    if (custom.kind === 'multichannel-config') expect(bytesToHex(custom.channelMapping!)).toBe('000102');
  });

  it('parses ModEx before the FourCC and keeps TimestampOffsetNano', () => {
    expect(parseAudioTag(h('97' + '02' + '000064' + '01' + opus + 'fc'))).toMatchObject({
      kind: 'frame',
      codec: 'opus',
      timestampOffsetNs: 100,
    });
  });

  it('rejects truncated enhanced headers and reserved values with FlvInvalid', () => {
    for (const hex of ['90', '904f', '904f7075', '93' + opus, '96' + opus, '94' + opus, '94' + opus + '02', '94' + opus + '0203aa', '9700']) {
      expect(errorOf(() => parseAudioTag(h(hex)))?.code, hex).toBe(RtmpErrorCode.FlvInvalid);
    }
  });

  it('rejects Multitrack and unknown FourCCs as unsupported', () => {
    expect(errorOf(() => parseAudioTag(h('95' + '00' + opus)))?.code).toBe(RtmpErrorCode.CodecUnsupported);
    expect(errorOf(() => parseAudioTag(h('91' + '746f5374')))?.code).toBe(RtmpErrorCode.CodecUnsupported); // "toSt"
    // Property names of Object.prototype are not FourCCs.
    expect(errorOf(() => parseAudioTag(h('91' + bytesToHex(new TextEncoder().encode('__pr')))))?.code).toBe(
      RtmpErrorCode.CodecUnsupported,
    );
  });
});

describe('audio tag builders', () => {
  it('builds AAC tags with the fixed 0xAF flags', () => {
    expect(bytesToHex(buildAacSequenceHeaderTag(h('1210')))).toBe('af001210');
    expect(bytesToHex(buildAacFrameTag(h('2100')))).toBe('af012100');
  });

  it('builds legacy tags as FFmpeg does for G.711 and MP3', () => {
    expect(bytesToHex(buildLegacyAudioTag({ soundFormat: 7, soundRate: 0, soundSize: 1, soundType: 0 }, h('d5')))).toBe('72d5');
    expect(bytesToHex(buildLegacyAudioTag({ soundFormat: 2, soundRate: 3, soundSize: 1, soundType: 1 }, h('ff')))).toBe('2fff');
    expect(() => buildLegacyAudioTag({ soundFormat: 10, soundRate: 3, soundSize: 1, soundType: 1 }, h(''))).toThrow(TypeError);
  });

  it('builds E-RTMP tags and round-trips them', () => {
    const seq = buildExAudioSequenceStartTag('Opus', OPUS_HEAD_STEREO);
    expect(bytesToHex(seq.subarray(0, 5))).toBe('904f707573');
    const t = parseAudioTag(seq);
    if (t.kind !== 'sequence-start') throw new Error('expected sequence-start');
    expect(bytesToHex(t.config)).toBe(bytesToHex(OPUS_HEAD_STEREO));
    expect(bytesToHex(buildExAudioFrameTag('fLaC', h('fff8')))).toBe('91664c6143fff8');
    expect(bytesToHex(buildExAudioSequenceEndTag('mp4a'))).toBe('926d703461');
  });
});
