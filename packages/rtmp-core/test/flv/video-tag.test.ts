import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../src/bytes/byte-cursor.ts';
import { RtmpError, RtmpErrorCode } from '../../src/errors.ts';
import {
  buildAvcEndOfSequenceTag,
  buildAvcFrameTag,
  buildAvcSequenceHeaderTag,
  buildExVideoFrameTag,
  buildExVideoMetadataTag,
  buildExVideoSequenceEndTag,
  buildExVideoSequenceStartTag,
  parseVideoTag,
} from '../../src/flv/video-tag.ts';
import { X264_HIGH_640X360_AVCC, X265_MAIN_642X362_HVCC } from '../fixtures/flv-fixtures.ts';
import { codeOf } from '../error-code.ts';

const h = hexToBytes;


describe('parseVideoTag: legacy AVC (FLV E.4.3.1)', () => {
  it('reads the x264 sequence header as a view of the avcC', () => {
    const tag = h('1700000000' + bytesToHex(X264_HIGH_640X360_AVCC));
    const t = parseVideoTag(tag);
    expect(t).toMatchObject({ kind: 'sequence-start', codec: 'avc1', enhanced: false });
    if (t.kind !== 'sequence-start') throw new Error('unreachable');
    expect(bytesToHex(t.config)).toBe(bytesToHex(X264_HIGH_640X360_AVCC));
    expect(t.config.buffer).toBe(tag.buffer); // zero-copy
  });

  it('reads a keyframe with a positive composition time', () => {
    const tag = h('1701000043' + '00000005658884002a');
    const t = parseVideoTag(tag);
    expect(t).toMatchObject({ kind: 'frame', codec: 'avc1', keyframe: true, frameType: 1, compositionTimeMs: 67 });
    if (t.kind !== 'frame') throw new Error('unreachable');
    expect(bytesToHex(t.data)).toBe('00000005658884002a');
    expect(t.data.buffer).toBe(tag.buffer);
    expect(t.data.byteOffset).toBe(5);
  });

  it('reads the composition time as SIGNED 24-bit', () => {
    expect(parseVideoTag(h('2701ffffdf00'))).toMatchObject({ keyframe: false, compositionTimeMs: -33 });
    expect(parseVideoTag(h('2701800000'))).toMatchObject({ compositionTimeMs: -0x800000 });
    expect(parseVideoTag(h('27017fffff'))).toMatchObject({ compositionTimeMs: 0x7fffff });
  });

  it('treats only frame type 1 as a keyframe (as FFmpeg does)', () => {
    expect(parseVideoTag(h('4701000000'))).toMatchObject({ kind: 'frame', frameType: 4, keyframe: false });
    expect(parseVideoTag(h('3701000000'))).toMatchObject({ kind: 'frame', frameType: 3, keyframe: false });
  });

  it('reads end of sequence, with or without the composition time', () => {
    expect(parseVideoTag(h('1702000000'))).toEqual({ kind: 'sequence-end', codec: 'avc1', enhanced: false });
    expect(parseVideoTag(h('1702'))).toEqual({ kind: 'sequence-end', codec: 'avc1', enhanced: false });
  });

  it('reads command frames', () => {
    expect(parseVideoTag(h('5700'))).toEqual({ kind: 'command', command: 0, enhanced: false });
    expect(parseVideoTag(h('5201'))).toEqual({ kind: 'command', command: 1, enhanced: false });
  });

  it('accepts the de facto HEVC codec id 12 with the AVC layout', () => {
    expect(parseVideoTag(h('2c01000010aabb'))).toMatchObject({ kind: 'frame', codec: 'hvc1', compositionTimeMs: 16 });
  });

  it('rejects other legacy codecs with a non-fatal CodecUnsupported naming the codec', () => {
    for (const [hex, name] of [
      ['22000084', 'Sorenson H.263'],
      ['2300', 'Screen video'],
      ['2400', 'On2 VP6'],
      ['2500', 'VP6 with alpha'],
      ['2600', 'Screen video v2'],
    ] as const) {
      let err: unknown;
      try {
        parseVideoTag(h(hex));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RtmpError);
      expect((err as RtmpError).code).toBe(RtmpErrorCode.CodecUnsupported);
      expect((err as RtmpError).fatal).toBe(false);
      expect((err as RtmpError).message).toContain(name);
    }
  });

  it('rejects empty, truncated and reserved input with FlvInvalid', () => {
    for (const hex of ['', '17', '1701', '170100', '17010000', '1703000000', '0701000000', '5700'.slice(0, 2)]) {
      expect(codeOf(() => parseVideoTag(h(hex))), hex).toBe(RtmpErrorCode.FlvInvalid);
    }
  });
});

describe('parseVideoTag: E-RTMP ExVideoTagHeader', () => {
  const hvc1 = '68766331';
  const av01 = '61763031';
  const vp09 = '76703039';

  it('reads hvc1 SequenceStart', () => {
    const t = parseVideoTag(h('90' + hvc1 + bytesToHex(X265_MAIN_642X362_HVCC)));
    expect(t).toMatchObject({ kind: 'sequence-start', codec: 'hvc1', enhanced: true });
  });

  it('reads the SI24 composition time of hvc1/avc1 CodedFrames', () => {
    expect(parseVideoTag(h('91' + hvc1 + 'ffffff' + '0001'))).toMatchObject({
      kind: 'frame',
      codec: 'hvc1',
      keyframe: true,
      compositionTimeMs: -1,
    });
    expect(parseVideoTag(h('a1' + '61766331' + '000021' + '00'))).toMatchObject({
      codec: 'avc1',
      keyframe: false,
      compositionTimeMs: 33,
    });
  });

  it('reads CodedFramesX with an implied composition time of 0', () => {
    const t = parseVideoTag(h('93' + hvc1 + '00000002' + '2601'));
    expect(t).toMatchObject({ kind: 'frame', compositionTimeMs: 0 });
    if (t.kind === 'frame') expect(bytesToHex(t.data)).toBe('000000022601');
  });

  it('reads av01 and vp09 CodedFrames without a composition time', () => {
    const t = parseVideoTag(h('91' + av01 + '12000a0b'));
    expect(t).toMatchObject({ kind: 'frame', codec: 'av01', compositionTimeMs: 0 });
    if (t.kind === 'frame') expect(bytesToHex(t.data)).toBe('12000a0b');
    expect(parseVideoTag(h('a1' + vp09 + '8249'))).toMatchObject({ codec: 'vp09', keyframe: false });
  });

  it('reads SequenceEnd, Metadata and MPEG2TSSequenceStart', () => {
    expect(parseVideoTag(h('92' + vp09))).toEqual({ kind: 'sequence-end', codec: 'vp09', enhanced: true });
    // The frame type of a Metadata packet is ignored, even a reserved one.
    const meta = parseVideoTag(h('f4' + av01 + '0200096d'));
    expect(meta).toMatchObject({ kind: 'metadata', codec: 'av01' });
    if (meta.kind === 'metadata') expect(bytesToHex(meta.data)).toBe('0200096d');
    expect(parseVideoTag(h('95' + av01 + '80'))).toMatchObject({ kind: 'mpeg2ts-sequence-start' });
  });

  it('reads command frames before any FourCC', () => {
    expect(parseVideoTag(h('d001'))).toEqual({ kind: 'command', command: 1, enhanced: true });
  });

  it('parses and skips ModEx blocks, keeping TimestampOffsetNano', () => {
    const t = parseVideoTag(h('97' + '02' + '0f4240' + '03' + av01 + 'aa'));
    expect(t).toMatchObject({ kind: 'frame', timestampOffsetNs: 1_000_000, compositionTimeMs: 0 });
    // Two blocks: an unknown type with 16-bit size, then a nano offset.
    const big = '97' + 'ff' + '0100' + '11'.repeat(257) + 'f7' + '02' + '000001' + '01' + hvc1 + '000005' + 'bb';
    expect(parseVideoTag(h(big))).toMatchObject({ kind: 'frame', timestampOffsetNs: 1, compositionTimeMs: 5 });
  });

  it('rejects truncated enhanced headers with FlvInvalid', () => {
    for (const hex of ['90', '9068', '906876', '91' + hvc1 + '00', '91' + hvc1 + '0000', '97', '9702', '97020001', '9702000102']) {
      expect(codeOf(() => parseVideoTag(h(hex))), hex).toBe(RtmpErrorCode.FlvInvalid);
    }
  });

  it('rejects Multitrack and unknown FourCCs as unsupported', () => {
    expect(codeOf(() => parseVideoTag(h('96' + '00' + hvc1)))).toBe(RtmpErrorCode.CodecUnsupported);
    expect(codeOf(() => parseVideoTag(h('90' + '76766331')))).toBe(RtmpErrorCode.CodecUnsupported); // vvc1
    expect(codeOf(() => parseVideoTag(h('90' + '00ff0102')))).toBe(RtmpErrorCode.CodecUnsupported);
  });
});

describe('video tag builders', () => {
  it('builds the legacy AVC tags byte for byte', () => {
    expect(bytesToHex(buildAvcSequenceHeaderTag(h('0164')))).toBe('17000000000164');
    expect(bytesToHex(buildAvcFrameTag(true, 67, h('00000001 65')))).toBe('17010000430000000165');
    expect(bytesToHex(buildAvcFrameTag(false, -33, h('00000001 41')))).toBe('2701ffffdf0000000141');
    expect(bytesToHex(buildAvcEndOfSequenceTag())).toBe('1702000000');
  });

  it('builds E-RTMP tags byte for byte', () => {
    expect(bytesToHex(buildExVideoSequenceStartTag('hvc1', h('01')))).toBe('906876633101');
    expect(bytesToHex(buildExVideoFrameTag('hvc1', true, 0, h('aa')))).toBe('9368766331aa');
    expect(bytesToHex(buildExVideoFrameTag('hvc1', false, 40, h('aa')))).toBe('a168766331000028aa');
    expect(bytesToHex(buildExVideoFrameTag('av01', true, 0, h('12')))).toBe('916176303112');
    expect(bytesToHex(buildExVideoSequenceEndTag('vp09'))).toBe('9276703039');
    expect(bytesToHex(buildExVideoMetadataTag('av01', h('02')))).toBe('946176303102');
  });

  it('round-trips through parseVideoTag', () => {
    const data = h('0000000265880000000141');
    for (const [tag, cts, key] of [
      [buildAvcFrameTag(true, -100, data), -100, true],
      [buildExVideoFrameTag('avc1', false, 1234, data), 1234, false],
      [buildExVideoFrameTag('hvc1', true, 0, data), 0, true],
    ] as const) {
      const t = parseVideoTag(tag);
      expect(t).toMatchObject({ kind: 'frame', compositionTimeMs: cts, keyframe: key });
      if (t.kind === 'frame') expect(bytesToHex(t.data)).toBe(bytesToHex(data));
    }
  });

  it('rejects bad arguments with TypeError', () => {
    expect(() => buildAvcFrameTag(true, 0x800000, h(''))).toThrow(TypeError);
    expect(() => buildAvcFrameTag(true, 1.5, h(''))).toThrow(TypeError);
    expect(() => buildExVideoFrameTag('vp09', true, 5, h(''))).toThrow(TypeError);
  });
});

describe('parseVideoTag: tags as FFmpeg 8.1 writes them', () => {
  it('colorInfo Metadata with frame type 5 is metadata, not a command frame (the frame type is ignored)', () => {
    const tag = parseVideoTag(h('d461763031020009636f6c6f72496e666f03000b636f6c6f72436f6e66696703000009000009'));
    expect(tag.kind).toBe('metadata');
    expect(tag.kind === 'metadata' && [tag.codec, tag.data.length]).toEqual(['av01', 33]);
  });

  it('TimestampOffsetNano comes out with the frame it modifies', () => {
    const tag = parseVideoTag(h('97' + '02' + '0f423f' + '01' + '61766331' + '000021' + '00000001' + '65'));
    expect(tag.kind === 'frame' && [tag.codec, tag.compositionTimeMs, tag.timestampOffsetNs]).toEqual(['avc1', 33, 999_999]);
  });

  it('an unknown FourCC names itself in the error details', () => {
    let err: unknown;
    try {
      parseVideoTag(h('90' + '00ff7a7a'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RtmpError);
    expect((err as RtmpError).code).toBe(RtmpErrorCode.CodecUnsupported);
    expect((err as RtmpError).fatal).toBe(false);
    expect((err as RtmpError).details).toEqual({ fourCc: '\\x00\\xffzz' });
  });
});
