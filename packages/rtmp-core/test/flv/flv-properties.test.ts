/**
 * Property tests (fast-check): build → parse round trips for tags, configs,
 * NAL unit framing and FLV files (the latter fed in random pieces).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../src/bytes/byte-cursor.ts';
import {
  buildAacFrameTag,
  buildAacSequenceHeaderTag,
  buildExAudioFrameTag,
  buildExAudioSequenceStartTag,
  parseAudioTag,
} from '../../src/flv/audio-tag.ts';
import {
  buildAvcFrameTag,
  buildAvcSequenceHeaderTag,
  buildExVideoFrameTag,
  buildExVideoSequenceStartTag,
  parseVideoTag,
} from '../../src/flv/video-tag.ts';
import {
  aacOutputChannels,
  aacOutputSampleRate,
  aacSampleRates,
  buildAudioSpecificConfig,
  parseAudioSpecificConfig,
} from '../../src/flv/aac-config.ts';
import { buildAvcDecoderConfigurationRecord, parseAvcDecoderConfigurationRecord } from '../../src/flv/avc-config.ts';
import { buildHevcDecoderConfigurationRecord, parseHevcDecoderConfigurationRecord } from '../../src/flv/hevc-config.ts';
import { buildAv1CodecConfigurationRecord, parseAv1CodecConfigurationRecord } from '../../src/flv/av1-config.ts';
import { buildVpCodecConfigurationRecord, parseVpCodecConfigurationRecord } from '../../src/flv/vp9-config.ts';
import { annexBToLengthPrefixed, nalusToLengthPrefixed, splitNalus } from '../../src/flv/nalu.ts';
import { buildFlvFile } from '../../src/flv/flv-file.ts';
import type { AudioFourCc, VideoFourCc } from '../../src/flv/flv-constants.ts';
import { itemsForCompare, randomPieces, readFlvPieces } from './media-tools.ts';

const hex = bytesToHex;
const bytes = (max = 64) => fc.uint8Array({ minLength: 0, maxLength: max });
const cts = fc.integer({ min: -0x800000, max: 0x7fffff });

describe('tag round trips', () => {
  it('legacy AVC frames', () => {
    fc.assert(
      fc.property(fc.boolean(), cts, bytes(), (key, c, data) => {
        const t = parseVideoTag(buildAvcFrameTag(key, c, data));
        expect(t).toMatchObject({ kind: 'frame', codec: 'avc1', keyframe: key, compositionTimeMs: c, enhanced: false });
        if (t.kind === 'frame') expect(hex(t.data)).toBe(hex(data));
      }),
    );
  });

  it('legacy AVC sequence headers', () => {
    fc.assert(
      fc.property(bytes(), (config) => {
        const t = parseVideoTag(buildAvcSequenceHeaderTag(config));
        expect(t.kind).toBe('sequence-start');
        if (t.kind === 'sequence-start') expect(hex(t.config)).toBe(hex(config));
      }),
    );
  });

  it('E-RTMP video frames and sequence starts for every FourCC', () => {
    const fourCc = fc.constantFrom<VideoFourCc>('avc1', 'hvc1', 'av01', 'vp09', 'vp08');
    fc.assert(
      fc.property(fourCc, fc.boolean(), cts, bytes(), (f, key, c, data) => {
        const nal = f === 'avc1' || f === 'hvc1';
        const t = parseVideoTag(buildExVideoFrameTag(f, key, nal ? c : 0, data));
        expect(t).toMatchObject({ kind: 'frame', codec: f, keyframe: key, compositionTimeMs: nal ? c : 0, enhanced: true });
        if (t.kind === 'frame') expect(hex(t.data)).toBe(hex(data));
        const s = parseVideoTag(buildExVideoSequenceStartTag(f, data));
        expect(s).toMatchObject({ kind: 'sequence-start', codec: f });
        if (s.kind === 'sequence-start') expect(hex(s.config)).toBe(hex(data));
      }),
    );
  });

  it('AAC and E-RTMP audio tags', () => {
    const fourCc = fc.constantFrom<AudioFourCc>('Opus', 'fLaC', 'ac-3', 'ec-3', '.mp3', 'mp4a');
    fc.assert(
      fc.property(fourCc, bytes(), (f, data) => {
        for (const [tag, kind] of [
          [buildAacFrameTag(data), 'frame'],
          [buildAacSequenceHeaderTag(data), 'sequence-start'],
          [buildExAudioFrameTag(f, data), 'frame'],
          [buildExAudioSequenceStartTag(f, data), 'sequence-start'],
        ] as const) {
          const t = parseAudioTag(tag);
          expect(t.kind).toBe(kind);
          if (t.kind === 'frame') expect(hex(t.data)).toBe(hex(data));
          if (t.kind === 'sequence-start') expect(hex(t.config)).toBe(hex(data));
        }
      }),
    );
  });
});

describe('config round trips', () => {
  it('AudioSpecificConfig: build → parse gives back type, rate and channels', () => {
    const rate = fc.oneof(fc.constantFrom(...aacSampleRates), fc.integer({ min: 1, max: 0xffffff }));
    fc.assert(
      fc.property(
        fc.constantFrom(1, 2, 3, 4, 5, 29),
        rate,
        fc.constantFrom(1, 2, 3, 4, 5, 6, 7, 8),
        (objectType, sampleRate, channels) => {
          if (objectType === 5 || objectType === 29) sampleRate -= sampleRate % 2;
          if (sampleRate === 0) sampleRate = 2;
          if (objectType === 29) channels = 2;
          const a = parseAudioSpecificConfig(buildAudioSpecificConfig({ objectType, sampleRate, channels }));
          expect(a.objectType).toBe(objectType);
          expect(aacOutputSampleRate(a)).toBe(sampleRate);
          expect(aacOutputChannels(a)).toBe(channels);
          expect(a.sbr).toBe(objectType === 5 || objectType === 29);
          expect(a.ps).toBe(objectType === 29);
        },
      ),
    );
  });

  it('avcC: build → parse gives back the parameter sets (non-High profiles)', () => {
    const sps = fc
      .tuple(fc.constantFrom(66, 77, 88), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), bytes(40))
      .map(([p, c, l, rest]) => Uint8Array.from([0x67, p, c, l, ...rest]));
    const ps = fc.uint8Array({ minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(
        fc.array(sps, { minLength: 1, maxLength: 3 }),
        fc.array(ps, { maxLength: 3 }),
        fc.constantFrom<1 | 2 | 4>(1, 2, 4),
        (spsList, ppsList, n) => {
          const r = parseAvcDecoderConfigurationRecord(buildAvcDecoderConfigurationRecord({ sps: spsList, pps: ppsList, nalLengthSize: n }));
          expect(r.sps.map(hex)).toEqual(spsList.map(hex));
          expect(r.pps.map(hex)).toEqual(ppsList.map(hex));
          expect(r.nalLengthSize).toBe(n);
          expect(r.profileIndication).toBe(spsList[0]![1]);
          expect(r.levelIndication).toBe(spsList[0]![3]);
        },
      ),
    );
  });

  it('hvcC: parse(build(record)) === record', () => {
    const arr = fc.record({
      complete: fc.boolean(),
      naluType: fc.integer({ min: 0, max: 63 }),
      nalus: fc.array(bytes(20), { maxLength: 3 }),
    });
    const record = fc.record({
      profileSpace: fc.integer({ min: 0, max: 3 }),
      tierFlag: fc.boolean(),
      profileIdc: fc.integer({ min: 0, max: 31 }),
      profileCompatibilityFlags: fc.integer({ min: 0, max: 0xffffffff }),
      constraintIndicatorFlags: fc.uint8Array({ minLength: 6, maxLength: 6 }),
      levelIdc: fc.integer({ min: 0, max: 255 }),
      minSpatialSegmentationIdc: fc.integer({ min: 0, max: 0xfff }),
      parallelismType: fc.integer({ min: 0, max: 3 }),
      chromaFormat: fc.integer({ min: 0, max: 3 }),
      bitDepthLuma: fc.integer({ min: 8, max: 15 }),
      bitDepthChroma: fc.integer({ min: 8, max: 15 }),
      avgFrameRate: fc.integer({ min: 0, max: 0xffff }),
      constantFrameRate: fc.integer({ min: 0, max: 3 }),
      numTemporalLayers: fc.integer({ min: 0, max: 7 }),
      temporalIdNested: fc.boolean(),
      nalLengthSize: fc.constantFrom<1 | 2 | 4>(1, 2, 4),
      arrays: fc.array(arr, { maxLength: 4 }),
    });
    fc.assert(
      fc.property(record, (r) => {
        const parsed = parseHevcDecoderConfigurationRecord(buildHevcDecoderConfigurationRecord(r));
        expect(JSON.stringify(parsed, (_k, v: unknown) => (v instanceof Uint8Array ? hex(v) : v))).toBe(
          JSON.stringify(r, (_k, v: unknown) => (v instanceof Uint8Array ? hex(v) : v)),
        );
      }),
    );
  });

  it('av1C and vpcC: build → parse gives back the fields', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 31 }),
        fc.boolean(),
        fc.constantFrom(8, 10, 12),
        bytes(16),
        (profile, level, tier, bitDepth, configObus) => {
          if (bitDepth === 12) profile = 2;
          const r = parseAv1CodecConfigurationRecord(buildAv1CodecConfigurationRecord({ profile, level, tier, bitDepth, configObus }));
          expect(r).toMatchObject({ profile, level, tier, bitDepth });
          expect(hex(r.configObus)).toBe(hex(configObus));
        },
      ),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 255 }), fc.constantFrom(8, 10, 12), (profile, level, bitDepth) => {
        expect(parseVpCodecConfigurationRecord(buildVpCodecConfigurationRecord({ profile, level, bitDepth }))).toMatchObject({
          profile,
          level,
          bitDepth,
        });
      }),
    );
  });
});

describe('NAL unit framing', () => {
  it('length-prefixed build → split gives the units back, for 1-, 2- and 4-byte lengths', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 255 }), { maxLength: 6 }), fc.constantFrom<1 | 2 | 4>(1, 2, 4), (units, n) => {
        expect(splitNalus(nalusToLengthPrefixed(units, n), n).map(hex)).toEqual(units.map(hex));
      }),
    );
  });

  it('Annex B → length-prefixed keeps units that have no start code inside and no trailing zero', () => {
    const unit = fc
      .uint8Array({ minLength: 1, maxLength: 40 })
      .map((u) => u.map((b) => (b === 0 ? 7 : b))); // no zero bytes: no start codes, no trailing zeros
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 6 }), (units) => {
        const annexB = Uint8Array.from(units.flatMap((u) => [0, 0, 0, 1, ...u]));
        expect(splitNalus(annexBToLengthPrefixed(annexB), 4).map(hex)).toEqual(units.map(hex));
      }),
    );
  });
});

describe('FLV files', () => {
  it('build → read gives the tags back, however the bytes are split', () => {
    const tag = fc.record({
      tagType: fc.constantFrom(8, 9, 18),
      timestamp: fc.integer({ min: 0, max: 0xffffffff }),
      data: bytes(300),
    });
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), fc.array(tag, { maxLength: 8 }), fc.integer(), (hasAudio, hasVideo, tags, seed) => {
        const file = buildFlvFile({ hasAudio, hasVideo }, tags);
        const items = readFlvPieces([file]);
        expect(items[0]).toEqual({ kind: 'header', version: 1, hasAudio, hasVideo });
        expect(
          items.slice(1).map((t) => (t.kind === 'tag' ? { tagType: t.tagType, timestamp: t.timestamp, data: hex(t.data) } : t)),
        ).toEqual(tags.map((t) => ({ tagType: t.tagType, timestamp: t.timestamp, data: hex(t.data) })));
        const split = readFlvPieces(randomPieces(file, seed, 1 + (Math.abs(seed) % 50)));
        expect(itemsForCompare(split)).toEqual(itemsForCompare(items));
      }),
      { numRuns: 60 },
    );
  });
});
