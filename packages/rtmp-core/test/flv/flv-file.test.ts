import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../src/bytes/byte-cursor.ts';
import { RtmpError, RtmpErrorCode } from '../../src/errors.ts';
import { buildFlvFile, buildFlvFileHeader, buildFlvTag, FlvFileReader } from '../../src/flv/flv-file.ts';
import { buildAacFrameTag, buildAacSequenceHeaderTag } from '../../src/flv/audio-tag.ts';
import { buildAvcFrameTag, buildAvcSequenceHeaderTag } from '../../src/flv/video-tag.ts';
import { flvOutcomeAllWays, readFlvAllWays, readFlvPieces } from './media-tools.ts';
import { X264_HIGH_640X360_AVCC } from '../fixtures/flv-fixtures.ts';

const h = hexToBytes;

describe('FLV file writer (FLV E.2-E.3)', () => {
  it('writes the header and PreviousTagSize0', () => {
    expect(bytesToHex(buildFlvFileHeader({ hasAudio: true, hasVideo: true }))).toBe('464c560105000000090000000' + '0');
    expect(bytesToHex(buildFlvFileHeader({ hasAudio: false, hasVideo: true }))).toBe('464c56010100000009' + '00000000');
  });

  it('writes a tag with the extended timestamp byte and its PreviousTagSize', () => {
    expect(bytesToHex(buildFlvTag({ tagType: 8, timestamp: 0x12345678, data: h('af01') }))).toBe(
      '08' + '000002' + '345678' + '12' + '000000' + 'af01' + '0000000d',
    );
  });

  it('rejects out-of-range input with TypeError', () => {
    expect(() => buildFlvTag({ tagType: 8, timestamp: -1, data: h('') })).toThrow(TypeError);
    expect(() => buildFlvTag({ tagType: 8, timestamp: 2 ** 32, data: h('') })).toThrow(TypeError);
    expect(() => buildFlvTag({ tagType: 32, timestamp: 0, data: h('') })).toThrow(TypeError);
    expect(() => buildFlvTag({ tagType: 9, timestamp: 0, data: new Uint8Array(0x1000000) })).toThrow(TypeError);
  });
});

describe('FlvFileReader (resumable)', () => {
  const file = buildFlvFile({ hasAudio: true, hasVideo: true }, [
    { tagType: 18, timestamp: 0, data: h('02000a6f6e4d65746144617461') },
    { tagType: 9, timestamp: 0, data: buildAvcSequenceHeaderTag(X264_HIGH_640X360_AVCC) },
    { tagType: 8, timestamp: 0, data: buildAacSequenceHeaderTag(h('1210')) },
    { tagType: 9, timestamp: 0, data: buildAvcFrameTag(true, 67, h('00000002 6588')) },
    { tagType: 8, timestamp: 23, data: buildAacFrameTag(h('21')) },
    { tagType: 9, timestamp: 0xfffffffe, data: buildAvcFrameTag(false, -33, h('00000002 4101')) },
  ]);

  it('reads header then tags, identically whole, byte by byte and in random pieces', () => {
    const items = readFlvAllWays(file);
    expect(items[0]).toEqual({ kind: 'header', version: 1, hasAudio: true, hasVideo: true });
    expect(items.slice(1).map((t) => (t.kind === 'tag' ? [t.tagType, t.timestamp, t.data.length] : null))).toEqual([
      [18, 0, 13],
      [9, 0, 5 + X264_HIGH_640X360_AVCC.length],
      [8, 0, 4],
      [9, 0, 11],
      [8, 23, 3],
      [9, 0xfffffffe, 11],
    ]);
  });

  it('returns zero-copy views when a tag lies in one pushed array', () => {
    const items = readFlvPieces([file]);
    const tag = items[2];
    if (tag?.kind !== 'tag') throw new Error('expected a tag');
    expect(tag.data.buffer).toBe(file.buffer);
  });

  it('waits for more bytes instead of throwing, and reports nothing until a tag completes', () => {
    const r = new FlvFileReader();
    expect(r.push(file.subarray(0, 5))).toEqual([]);
    expect(r.push(file.subarray(5, 9))).toHaveLength(1);
    expect(r.push(file.subarray(9, 30))).toEqual([]);
    expect(r.bufferedBytes).toBeGreaterThan(0);
  });

  it('skips header bytes up to dataOffset', () => {
    const items = readFlvAllWays(h('464c5601040000000c' + 'aabbcc' + '00000000' + '0800000100000000000000' + 'a0' + '0000000c'));
    expect(items).toHaveLength(2);
  });

  it('accepts a file cut right after a tag, without the final PreviousTagSize', () => {
    expect(readFlvAllWays(file.subarray(0, file.length - 4))).toHaveLength(7);
  });

  it('throws FlvInvalid from end() when the file is cut inside a header or tag', () => {
    for (const cut of [0, 5, 12, 20, 40, file.length - 5]) {
      expect(flvOutcomeAllWays(file.subarray(0, cut)), `cut at ${cut}`).toBe(RtmpErrorCode.FlvInvalid);
    }
  });

  it('caps the tag size (MessageTooLarge) before buffering the body', () => {
    const r = new FlvFileReader({ maxTagSize: 10 });
    r.push(buildFlvFileHeader({ hasAudio: true, hasVideo: false }));
    let err: unknown;
    try {
      r.push(h('08 00000b 000000 00 000000'));
    } catch (e) {
      err = e;
    }
    expect((err as RtmpError).code).toBe(RtmpErrorCode.MessageTooLarge);
    // The reader stays failed.
    expect(() => r.push(h('00'))).toThrow(RtmpError);
    expect(() => r.end()).toThrow(RtmpError);
    expect(() => new FlvFileReader({ maxTagSize: 0x1000000 })).toThrow(TypeError);
  });

  it('checks PreviousTagSize unless told not to', () => {
    const bad = file.slice();
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 1;
    expect(flvOutcomeAllWays(bad)).toBe(RtmpErrorCode.FlvInvalid);
    expect(readFlvAllWays(bad, { checkPreviousTagSize: false })).toHaveLength(7);
  });

  it('rejects bad signatures, versions and data offsets', () => {
    expect(flvOutcomeAllWays(h('464c5801050000000900000000'))).toBe(RtmpErrorCode.FlvInvalid);
    expect(flvOutcomeAllWays(h('464c5602050000000900000000'))).toBe(RtmpErrorCode.FlvInvalid);
    expect(flvOutcomeAllWays(h('464c5601050000000800000000'))).toBe(RtmpErrorCode.FlvInvalid);
    expect(flvOutcomeAllWays(h('464c56010500100000'))).toBe(RtmpErrorCode.FlvInvalid); // 1 MiB offset > cap
  });

  it('refuses encrypted tags', () => {
    expect(flvOutcomeAllWays(h('464c5601050000000900000000' + '2800000100000000000000' + 'af' + '0000000c'))).toBe(
      RtmpErrorCode.CodecUnsupported,
    );
  });
});
