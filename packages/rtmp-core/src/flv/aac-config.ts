/**
 * AAC: the AudioSpecificConfig (ISO 14496-3 §1.6.2.1), the body of an AAC
 * sequence header.
 *
 * ```
 * AudioSpecificConfig:
 *   audioObjectType            5 bits; 31 = escape: 32 + next 6 bits
 *   samplingFrequencyIndex     4 bits; 15 = explicit 24-bit rate; 13, 14 reserved
 *   channelConfiguration       4 bits; 0 = program_config_element (not supported)
 *   if audioObjectType is 5 (SBR) or 29 (SBR+PS):   explicit hierarchical signalling
 *     extensionSamplingFrequencyIndex  4 bits (15 = 24-bit rate)
 *     audioObjectType          the core, e.g. 2 (LC)
 *   GASpecificConfig for AAC object types (1-4, 6, 7, 17, 19-23):
 *     frameLengthFlag 1, dependsOnCoreCoder 1 [coreCoderDelay 14], extensionFlag 1, ...
 *   then, optionally (backward-compatible signalling, §1.6.5.2):
 *     syncExtensionType 11 bits = 0x2B7, extensionAudioObjectType, sbrPresentFlag, ...
 *       syncExtensionType 11 bits = 0x548, psPresentFlag
 * ```
 */
import { isRtmpError, RtmpErrorCode } from '../errors.ts';
import { BitReader, BitWriter } from './bitstream.ts';
import type { AudioDecoderConfigLike } from './decoder-config.ts';

const Code = RtmpErrorCode.AacConfigInvalid;

/** Sample rates by samplingFrequencyIndex 0..12 (ISO 14496-3 Table 1.18). */
export const aacSampleRates: readonly number[] = [
  96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];

// Output channel counts by channelConfiguration (ISO 14496-3 Table 1.19 with
// the 2009/Amd.4 additions 11, 12 and 14); undefined = reserved.
const CHANNELS_BY_CONFIG: readonly (number | undefined)[] = [
  undefined, 1, 2, 3, 4, 5, 6, 8, undefined, undefined, undefined, 7, 8, undefined, 8, undefined,
];

// Object types whose specific config is a GASpecificConfig.
const GA_OBJECT_TYPES = new Set([1, 2, 3, 4, 6, 7, 17, 19, 20, 21, 22, 23]);

/** Well-known audio object types. */
export const AacObjectType = {
  Main: 1,
  Lc: 2,
  Ssr: 3,
  Ltp: 4,
  /** Spectral band replication: HE-AAC (v1). */
  Sbr: 5,
  /** Parametric stereo: HE-AAC v2. */
  Ps: 29,
} as const;
/** A well-known audio object type. */
export type AacObjectType = (typeof AacObjectType)[keyof typeof AacObjectType];

/** A parsed AudioSpecificConfig. */
export interface AudioSpecificConfig {
  /** The first audioObjectType: 5 or 29 for explicitly signalled HE-AAC, else the core. */
  objectType: number;
  /** The object type of the core coder (2 for HE-AAC over LC). */
  coreObjectType: number;
  /** samplingFrequencyIndex (15 when the rate was given explicitly). */
  samplingFrequencyIndex: number;
  /** Sample rate of the core coder in Hz. */
  sampleRate: number;
  /** channelConfiguration (1..7, 11, 12, 14). */
  channelConfiguration: number;
  /** Channels of the core coder. */
  channels: number;
  /** Spectral band replication present (HE-AAC). */
  sbr: boolean;
  /** Parametric stereo present (HE-AAC v2). */
  ps: boolean;
  /** Output sample rate with SBR, when signalled. */
  extensionSampleRate?: number;
  /** Samples per frame: 1024, or 960 when frameLengthFlag is set (AAC object types only). */
  frameLength?: number;
}

function readObjectType(r: BitReader): number {
  const t = r.bits(5);
  return t === 31 ? 32 + r.bits(6) : t;
}

function readSampleRate(r: BitReader, what: string): { index: number; rate: number } {
  const index = r.bits(4);
  if (index === 15) {
    const rate = r.bits(24);
    if (rate === 0) r.fail(`explicit ${what} of 0 Hz`);
    return { index, rate };
  }
  const rate = aacSampleRates[index];
  if (rate === undefined) r.fail(`${what} index ${index} is reserved`);
  return { index, rate };
}

/**
 * Parses an AudioSpecificConfig.
 *
 * @throws RtmpError AacConfigInvalid when it is truncated, uses object type 0,
 *   a reserved sampling frequency index (13, 14), channel configuration 0
 *   (a program_config_element, which we do not support) or a reserved
 *   channel configuration (8, 9, 10, 13, 15).
 */
export function parseAudioSpecificConfig(asc: Uint8Array): AudioSpecificConfig {
  const r: BitReader = new BitReader(asc, Code, 'AudioSpecificConfig');
  let objectType = readObjectType(r);
  if (objectType === 0) r.fail('audioObjectType 0 (null)');
  const first = objectType;
  const { index: samplingFrequencyIndex, rate: sampleRate } = readSampleRate(r, 'sampling frequency');
  const channelConfiguration = r.bits(4);
  if (channelConfiguration === 0) {
    r.fail('channelConfiguration 0 (program_config_element) is not supported');
  }
  const channels = CHANNELS_BY_CONFIG[channelConfiguration];
  if (channels === undefined) r.fail(`channelConfiguration ${channelConfiguration} is reserved`);

  let sbr = false;
  let ps = false;
  let extensionSampleRate: number | undefined;
  if (objectType === 5 || objectType === 29) {
    // Explicit hierarchical signalling (§1.6.5.3): the SBR/PS type comes first.
    sbr = true;
    ps = objectType === 29;
    extensionSampleRate = readSampleRate(r, 'extension sampling frequency').rate;
    objectType = readObjectType(r);
    if (objectType === 0 || objectType === 5 || objectType === 29) {
      r.fail(`core audioObjectType ${objectType} after SBR signalling`);
    }
    if (objectType === 22) r.skip(4); // extensionChannelConfiguration
  }

  const result: AudioSpecificConfig = {
    objectType: first,
    coreObjectType: objectType,
    samplingFrequencyIndex,
    sampleRate,
    channelConfiguration,
    channels,
    sbr,
    ps,
  };
  if (GA_OBJECT_TYPES.has(objectType)) {
    result.frameLength = r.flag() ? 960 : 1024;
    if (r.flag()) r.skip(14); // dependsOnCoreCoder → coreCoderDelay
    const extensionFlag = r.flag();
    if (objectType === 6 || objectType === 20) r.skip(3); // layerNr
    if (extensionFlag) {
      if (objectType === 22) r.skip(5 + 11); // numOfSubFrame, layer_length
      if (objectType === 17 || objectType === 19 || objectType === 20 || objectType === 23) r.skip(3);
      r.skip(1); // extensionFlag3
    }
  }

  // Backward-compatible SBR/PS signalling after the core config. It is
  // optional trailing data, so a malformed tail is ignored rather than fatal
  // (as FFmpeg's decoder does).
  if (!sbr && GA_OBJECT_TYPES.has(objectType) && r.bitsLeft >= 16) {
    try {
      if (r.bits(11) === 0x2b7 && readObjectType(r) === 5 && r.flag()) {
        const rate = readSampleRate(r, 'extension sampling frequency').rate;
        const psPresent = r.bitsLeft >= 12 && r.bits(11) === 0x548 && r.flag();
        // Commit only a fully read extension.
        sbr = true;
        ps = psPresent;
        extensionSampleRate = rate;
      }
    } catch (e) {
      if (!isRtmpError(e)) throw e;
    }
    result.sbr = sbr;
    result.ps = ps;
  }
  if (extensionSampleRate !== undefined) result.extensionSampleRate = extensionSampleRate;
  return result;
}

/**
 * The RFC 6381 codec string for an AudioSpecificConfig: `mp4a.40.29` with
 * parametric stereo, `mp4a.40.5` with SBR (HE-AAC), else `mp4a.40.<objectType>`.
 */
export function aacCodecString(asc: AudioSpecificConfig): string {
  if (asc.ps) return 'mp4a.40.29';
  if (asc.sbr) return 'mp4a.40.5';
  return `mp4a.40.${asc.objectType}`;
}

/** The sample rate a decoder outputs: the SBR rate when signalled, else the core rate. */
export function aacOutputSampleRate(asc: AudioSpecificConfig): number {
  return asc.extensionSampleRate ?? asc.sampleRate;
}

/** The channel count a decoder outputs: parametric stereo makes mono stereo. */
export function aacOutputChannels(asc: AudioSpecificConfig): number {
  return asc.ps && asc.channels === 1 ? 2 : asc.channels;
}

/**
 * Turns an AudioSpecificConfig (an AAC sequence header's body) into a
 * WebCodecs decoder configuration. For HE-AAC the rate and channels are what
 * the decoder outputs (SBR rate, PS stereo), as FFmpeg and browsers report them.
 *
 * @throws RtmpError AacConfigInvalid, as {@link parseAudioSpecificConfig}.
 */
export function aacConfigToDecoderConfig(asc: Uint8Array): AudioDecoderConfigLike {
  const info = parseAudioSpecificConfig(asc);
  return {
    codec: aacCodecString(info),
    sampleRate: aacOutputSampleRate(info),
    numberOfChannels: aacOutputChannels(info),
    description: asc.slice(),
  };
}

/** Input to {@link buildAudioSpecificConfig}. */
export interface AudioSpecificConfigInput {
  /** 1 Main, 2 LC, 3 SSR, 4 LTP, 5 HE-AAC (SBR over LC), 29 HE-AAC v2 (SBR+PS over LC). */
  objectType: number;
  /** Output sample rate in Hz; for 5 and 29 the core runs at half this rate. */
  sampleRate: number;
  /** Output channels: 1..8; for 29 it must be 2 (a mono core plus PS). */
  channels: number;
}

// channels → channelConfiguration.
const CONFIG_BY_CHANNELS: Readonly<Record<number, number>> = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 11, 8: 7 };

function writeSampleRate(w: BitWriter, rate: number): void {
  const index = aacSampleRates.indexOf(rate);
  if (index >= 0) w.bits(4, index);
  else w.bits(4, 15).bits(24, rate);
}

/**
 * Builds an AudioSpecificConfig for a publisher. HE-AAC (5) and HE-AAC v2
 * (29) use explicit hierarchical signalling, which every decoder that knows
 * SBR understands.
 *
 * @throws TypeError for an object type other than 1-5 and 29, a rate outside
 *   1..2^24-1 Hz, or a channel count with no channelConfiguration.
 */
export function buildAudioSpecificConfig(input: AudioSpecificConfigInput): Uint8Array {
  const { objectType, sampleRate, channels } = input;
  if (![1, 2, 3, 4, 5, 29].includes(objectType)) {
    throw new TypeError(`objectType must be 1, 2, 3, 4, 5 or 29, got ${objectType}`);
  }
  if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate > 0xffffff) {
    throw new TypeError(`sampleRate must be an integer in 1..16777215, got ${sampleRate}`);
  }
  const w = new BitWriter();
  if (objectType === 5 || objectType === 29) {
    if (sampleRate % 2 !== 0) throw new TypeError(`sampleRate must be even for HE-AAC, got ${sampleRate}`);
    let coreChannels = channels;
    if (objectType === 29) {
      if (channels !== 2) throw new TypeError(`channels must be 2 for HE-AAC v2, got ${channels}`);
      coreChannels = 1;
    }
    const config = CONFIG_BY_CHANNELS[coreChannels];
    if (config === undefined) throw new TypeError(`channels must be 1..8, got ${channels}`);
    w.bits(5, objectType);
    writeSampleRate(w, sampleRate / 2);
    w.bits(4, config);
    writeSampleRate(w, sampleRate);
    w.bits(5, AacObjectType.Lc);
  } else {
    const config = CONFIG_BY_CHANNELS[channels];
    if (config === undefined) throw new TypeError(`channels must be 1..8, got ${channels}`);
    w.bits(5, objectType);
    writeSampleRate(w, sampleRate);
    w.bits(4, config);
  }
  // GASpecificConfig: 1024-sample frames, no core coder, no extension.
  w.bits(3, 0);
  return w.finish();
}

