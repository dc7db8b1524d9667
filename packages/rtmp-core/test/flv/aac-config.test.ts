import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../src/bytes/byte-cursor.ts';
import { RtmpErrorCode } from '../../src/errors.ts';
import {
  aacCodecString,
  aacConfigToDecoderConfig,
  buildAudioSpecificConfig,
  parseAudioSpecificConfig,
} from '../../src/flv/aac-config.ts';
import { codeOf } from '../error-code.ts';

const h = hexToBytes;


describe('AudioSpecificConfig (ISO 14496-3 §1.6.2.1)', () => {
  it('reads AAC-LC 44.1 kHz stereo (12 10)', () => {
    expect(parseAudioSpecificConfig(h('1210'))).toEqual({
      objectType: 2,
      coreObjectType: 2,
      samplingFrequencyIndex: 4,
      sampleRate: 44100,
      channelConfiguration: 2,
      channels: 2,
      sbr: false,
      ps: false,
      frameLength: 1024,
    });
  });

  it("reads FFmpeg's ASC with a sync extension saying no SBR (12 10 56 e5 00)", () => {
    expect(parseAudioSpecificConfig(h('121056e500'))).toMatchObject({ sbr: false, sampleRate: 44100, channels: 2 });
  });

  it('reads explicit HE-AAC: core 22.05 kHz, output 44.1 kHz, mp4a.40.5', () => {
    const a = parseAudioSpecificConfig(h('2b920800'));
    expect(a).toMatchObject({ objectType: 5, coreObjectType: 2, sampleRate: 22050, extensionSampleRate: 44100, sbr: true });
    expect(aacCodecString(a)).toBe('mp4a.40.5');
    expect(aacConfigToDecoderConfig(h('2b920800'))).toMatchObject({
      codec: 'mp4a.40.5',
      sampleRate: 44100,
      numberOfChannels: 2,
    });
  });

  it('reads explicit HE-AAC v2: mono core, stereo output, mp4a.40.29', () => {
    expect(aacConfigToDecoderConfig(h('eb098800'))).toMatchObject({
      codec: 'mp4a.40.29',
      sampleRate: 48000,
      numberOfChannels: 2,
    });
  });

  it('reads backward-compatible SBR and PS signalling (§1.6.5.2)', () => {
    expect(aacConfigToDecoderConfig(h('139056e5a0'))).toMatchObject({ codec: 'mp4a.40.5', sampleRate: 44100, numberOfChannels: 2 });
    expect(aacConfigToDecoderConfig(h('138856e5a54880'))).toMatchObject({
      codec: 'mp4a.40.29',
      sampleRate: 44100,
      numberOfChannels: 2,
    });
  });

  it('reads an explicit 24-bit sampling frequency (index 15)', () => {
    expect(parseAudioSpecificConfig(h('178055f010'))).toMatchObject({ samplingFrequencyIndex: 15, sampleRate: 44000 });
  });

  it('reads an escaped object type (31 → 32 + 6 bits)', () => {
    const a = parseAudioSpecificConfig(h('f94640'));
    expect(a).toMatchObject({ objectType: 42, sampleRate: 48000, channels: 2 });
    expect(aacCodecString(a)).toBe('mp4a.40.42');
  });

  it('maps channel configurations 7, 11, 12, 14 to 8, 7, 8, 8 channels', () => {
    for (const [config, channels] of [[7, 8], [11, 7], [12, 8], [14, 8]] as const) {
      const b = new Uint8Array([0x11, 0x80 | (config << 3)]); // AOT 2, 48 kHz
      expect(parseAudioSpecificConfig(b).channels, `config ${config}`).toBe(channels);
    }
  });

  it('reads the 960-sample frame length flag', () => {
    expect(parseAudioSpecificConfig(h('1214')).frameLength).toBe(960);
  });

  it('rejects reserved sampling indexes 13/14, channel configuration 0 and reserved configurations', () => {
    for (const hex of ['1690', '1710', '1200', '1240', '1248', '1250', '1268', '1278', '0210', '1780000010', '2b970800']) {
      expect(codeOf(() => parseAudioSpecificConfig(h(hex))), hex).toBe(RtmpErrorCode.AacConfigInvalid);
    }
  });

  it('rejects truncation with AacConfigInvalid', () => {
    for (const hex of ['', '12', '178080', '1212', 'f8', '2b92']) {
      expect(codeOf(() => parseAudioSpecificConfig(h(hex))), hex).toBe(RtmpErrorCode.AacConfigInvalid);
    }
  });

  it('ignores a malformed optional sync extension', () => {
    expect(parseAudioSpecificConfig(h('121056e5ff'))).toMatchObject({ sbr: false });
    expect(parseAudioSpecificConfig(h('121056e7'))).toMatchObject({ sbr: false });
  });
});

describe('buildAudioSpecificConfig', () => {
  it('builds the well-known configs byte for byte', () => {
    expect(bytesToHex(buildAudioSpecificConfig({ objectType: 2, sampleRate: 44100, channels: 2 }))).toBe('1210');
    expect(bytesToHex(buildAudioSpecificConfig({ objectType: 2, sampleRate: 48000, channels: 1 }))).toBe('1188');
    expect(bytesToHex(buildAudioSpecificConfig({ objectType: 5, sampleRate: 44100, channels: 2 }))).toBe('2b920800');
    expect(bytesToHex(buildAudioSpecificConfig({ objectType: 2, sampleRate: 48000, channels: 8 }))).toBe('11b8');
    expect(bytesToHex(buildAudioSpecificConfig({ objectType: 2, sampleRate: 44000, channels: 2 }))).toBe('178055f010');
  });

  it('rejects what it cannot express with TypeError', () => {
    expect(() => buildAudioSpecificConfig({ objectType: 42, sampleRate: 48000, channels: 2 })).toThrow(TypeError);
    expect(() => buildAudioSpecificConfig({ objectType: 2, sampleRate: 0, channels: 2 })).toThrow(TypeError);
    expect(() => buildAudioSpecificConfig({ objectType: 2, sampleRate: 48000, channels: 9 })).toThrow(TypeError);
    expect(() => buildAudioSpecificConfig({ objectType: 29, sampleRate: 48000, channels: 1 })).toThrow(TypeError);
    expect(() => buildAudioSpecificConfig({ objectType: 5, sampleRate: 44101, channels: 2 })).toThrow(TypeError);
  });

  it('gives a decoder config with a copy of the ASC', () => {
    const asc = buildAudioSpecificConfig({ objectType: 2, sampleRate: 48000, channels: 1 });
    const c = aacConfigToDecoderConfig(asc);
    expect(c).toEqual({ codec: 'mp4a.40.2', sampleRate: 48000, numberOfChannels: 1, description: asc });
    expect(c.description).not.toBe(asc);
  });
});
