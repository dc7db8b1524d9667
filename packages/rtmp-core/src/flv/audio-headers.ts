/**
 * Self-describing audio headers, for codecs whose FLV tags carry no (or no
 * trustworthy) configuration: the MPEG audio frame header (MP3), the AC-3 and
 * E-AC-3 sync frame, the Opus identification header and FLAC STREAMINFO.
 */
import { RtmpError, RtmpErrorCode } from '../errors.ts';
import { BitReader } from './bitstream.ts';

const Code = RtmpErrorCode.CodecConfigInvalid;

/** What an MPEG audio frame header says. */
export interface MpegAudioHeader {
  /** 1 (MPEG-1), 2 (MPEG-2) or 2.5. */
  version: number;
  /** 1, 2 or 3. */
  layer: number;
  /** Sample rate in Hz. */
  sampleRate: number;
  /** 1 for single channel mode, else 2. */
  channels: number;
}

const MPEG_RATES: Readonly<Record<number, readonly number[]>> = {
  3: [44100, 48000, 32000], // MPEG-1
  2: [22050, 24000, 16000], // MPEG-2
  0: [11025, 12000, 8000], // MPEG-2.5
};

/**
 * Reads the MPEG audio frame header (ISO 11172-3 §2.4.1.3) at the start of
 * `data`. Returns undefined when there is no valid header there.
 */
export function parseMpegAudioHeader(data: Uint8Array): MpegAudioHeader | undefined {
  if (data.length < 4) return undefined;
  const b1 = data[1]!;
  const b2 = data[2]!;
  const b3 = data[3]!;
  if (data[0] !== 0xff || (b1 & 0xe0) !== 0xe0) return undefined;
  const versionBits = (b1 >> 3) & 3;
  const layerBits = (b1 >> 1) & 3;
  const bitrateIndex = b2 >> 4;
  const rateIndex = (b2 >> 2) & 3;
  const rates = MPEG_RATES[versionBits];
  if (rates === undefined || layerBits === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined;
  return {
    version: versionBits === 3 ? 1 : versionBits === 2 ? 2 : 2.5,
    layer: 4 - layerBits,
    sampleRate: rates[rateIndex]!,
    channels: b3 >> 6 === 3 ? 1 : 2,
  };
}

/** What an AC-3 or E-AC-3 sync frame header says. */
export interface Ac3Header {
  /** True for E-AC-3 (bsid 11..16). */
  enhanced: boolean;
  /** Sample rate in Hz. */
  sampleRate: number;
  /** Channels of the (independent) programme, including LFE. */
  channels: number;
}

// Full-bandwidth channels by acmod (A/52 Table 5.8).
const ACMOD_CHANNELS = [2, 1, 2, 3, 3, 4, 4, 5] as const;

/**
 * Reads an AC-3 (ATSC A/52 §5.4.1) or E-AC-3 (A/52 Annex E §2.3.1) sync frame
 * header at the start of `data`. Returns undefined when there is no valid
 * header there.
 */
export function parseAc3Header(data: Uint8Array): Ac3Header | undefined {
  if (data.length < 8 || data[0] !== 0x0b || data[1] !== 0x77) return undefined;
  const bsid = data[5]! >> 3;
  const r = new BitReader(data, Code, 'AC-3 header');
  r.skip(16);
  if (bsid <= 10) {
    r.skip(16); // crc1
    const fscod = r.bits(2);
    r.skip(6); // frmsizecod
    r.skip(5 + 3); // bsid, bsmod
    const acmod = r.bits(3);
    if ((acmod & 1) !== 0 && acmod !== 1) r.skip(2); // cmixlev
    if ((acmod & 4) !== 0) r.skip(2); // surmixlev
    if (acmod === 2) r.skip(2); // dsurmod
    const lfe = r.bit();
    const rate = [48000, 44100, 32000][fscod];
    if (rate === undefined) return undefined;
    return { enhanced: false, sampleRate: rate, channels: ACMOD_CHANNELS[acmod as 0]! + lfe };
  }
  if (bsid > 16) return undefined;
  r.skip(2 + 3 + 11); // strmtyp, substreamid, frmsiz
  const fscod = r.bits(2);
  let rate: number | undefined;
  if (fscod === 3) rate = [24000, 22050, 16000][r.bits(2)];
  else {
    rate = [48000, 44100, 32000][fscod];
    r.skip(2); // numblkscod
  }
  const acmod = r.bits(3);
  const lfe = r.bit();
  if (rate === undefined) return undefined;
  return { enhanced: true, sampleRate: rate, channels: ACMOD_CHANNELS[acmod as 0]! + lfe };
}

/** The fields of an Opus identification header. */
export interface OpusIdHeader {
  /** Output channel count. */
  channels: number;
  /** Samples (at 48 kHz) to drop from the start. */
  preSkip: number;
  /** The original input rate (informational; Opus always decodes at 48 kHz). */
  inputSampleRate: number;
  /** Output gain in Q7.8 dB. */
  outputGain: number;
  /** Channel mapping family. */
  mappingFamily: number;
}

/**
 * Parses an Opus identification header (RFC 7845 §5.1): `OpusHead`, version,
 * channel count, pre-skip, input rate, gain, mapping family [and table].
 *
 * @throws RtmpError CodecConfigInvalid when the magic, version or sizes are wrong.
 */
export function parseOpusIdHeader(b: Uint8Array): OpusIdHeader {
  const magic = 'OpusHead';
  if (b.length < 19) throw new RtmpError(Code, `Opus ID header needs 19 bytes, got ${b.length}`);
  for (let i = 0; i < 8; i++) {
    if (b[i] !== magic.charCodeAt(i)) throw new RtmpError(Code, 'Opus ID header does not start with "OpusHead"');
  }
  const version = b[8]!;
  if (version >> 4 !== 0) throw new RtmpError(Code, `Opus ID header version ${version} is incompatible`);
  const channels = b[9]!;
  if (channels === 0) throw new RtmpError(Code, 'Opus ID header has 0 channels');
  const mappingFamily = b[18]!;
  if (mappingFamily === 0 && channels > 2) {
    throw new RtmpError(Code, `Opus mapping family 0 allows 1 or 2 channels, got ${channels}`);
  }
  if (mappingFamily !== 0 && b.length < 21 + channels) {
    throw new RtmpError(Code, `Opus channel mapping table needs ${21 + channels} bytes, got ${b.length}`);
  }
  const gain = b[16]! | (b[17]! << 8);
  return {
    channels,
    preSkip: b[10]! | (b[11]! << 8),
    inputSampleRate: (b[12]! | (b[13]! << 8) | (b[14]! << 16) | (b[15]! << 24)) >>> 0,
    outputGain: gain & 0x8000 ? gain - 0x10000 : gain,
    mappingFamily,
  };
}

/** The fields of a FLAC STREAMINFO block that a decoder configuration needs. */
export interface FlacStreamInfo {
  /** Sample rate in Hz. */
  sampleRate: number;
  /** Channels (1..8). */
  channels: number;
  /** Bits per sample (4..32). */
  bitsPerSample: number;
}

const FLAC_MAGIC = [0x66, 0x4c, 0x61, 0x43] as const; // "fLaC"
const STREAMINFO_SIZE = 34;

function startsWithFlacMagic(b: Uint8Array): boolean {
  return b[0] === FLAC_MAGIC[0] && b[1] === FLAC_MAGIC[1] && b[2] === FLAC_MAGIC[2] && b[3] === FLAC_MAGIC[3];
}

/**
 * The 34 STREAMINFO bytes of a FLAC sequence start, in either form found on
 * the wire (a view, not a copy):
 * - `fLaC` + a METADATA_BLOCK_HEADER (type 0, length ≥ 34) + STREAMINFO,
 *   possibly followed by more metadata blocks: the E-RTMP v2 form
 *   ("ExAudioTagBody", FlacSequenceHeader) and the WebCodecs description;
 * - the bare 34-byte STREAMINFO, as FFmpeg 8.1's FLV muxer writes it (its
 *   extradata). A bare STREAMINFO cannot start with `fLaC`: its first two
 *   fields would be a minimum block size (0x664c) above the maximum (0x6143).
 *
 * @throws RtmpError CodecConfigInvalid when it is neither.
 */
export function flacStreamInfoBytes(b: Uint8Array): Uint8Array {
  if (!startsWithFlacMagic(b)) {
    if (b.length < STREAMINFO_SIZE) {
      throw new RtmpError(Code, `FLAC sequence start needs "fLaC" + STREAMINFO (42 bytes) or a bare STREAMINFO (34), got ${b.length} bytes`);
    }
    return b.subarray(0, STREAMINFO_SIZE);
  }
  if (b.length < 8 + STREAMINFO_SIZE) throw new RtmpError(Code, `FLAC header needs 42 bytes, got ${b.length}`);
  const type = b[4]! & 0x7f;
  const length = (b[5]! << 16) | (b[6]! << 8) | b[7]!;
  if (type !== 0 || length < STREAMINFO_SIZE) {
    throw new RtmpError(Code, `first FLAC metadata block is type ${type}, length ${length}; expected STREAMINFO`);
  }
  return b.subarray(8, 8 + STREAMINFO_SIZE);
}

/**
 * Parses a FLAC sequence start (FLAC format § METADATA_BLOCK_STREAMINFO), in
 * either form {@link flacStreamInfoBytes} accepts.
 *
 * @throws RtmpError CodecConfigInvalid when the magic, block type or sizes are wrong.
 */
export function parseFlacStreamInfo(b: Uint8Array): FlacStreamInfo {
  const r = new BitReader(flacStreamInfoBytes(b), Code, 'FLAC STREAMINFO');
  r.skip(16 + 16 + 24 + 24); // block sizes, frame sizes
  const sampleRate = r.bits(20);
  const channels = r.bits(3) + 1;
  const bitsPerSample = r.bits(5) + 1;
  if (sampleRate === 0) throw new RtmpError(Code, 'FLAC STREAMINFO sample rate is 0');
  return { sampleRate, channels, bitsPerSample };
}

/**
 * The WebCodecs FLAC description for a sequence start in either form: the
 * `fLaC` form as it came (a copy), a bare STREAMINFO wrapped as `fLaC` + a
 * last-block STREAMINFO header + the 34 bytes (WebCodecs FLAC registration:
 * the description is the stream marker and the metadata blocks).
 *
 * @throws RtmpError CodecConfigInvalid as {@link flacStreamInfoBytes}.
 */
export function flacDescription(b: Uint8Array): Uint8Array {
  const info = flacStreamInfoBytes(b);
  if (startsWithFlacMagic(b)) return b.slice();
  const out = new Uint8Array(8 + STREAMINFO_SIZE);
  out.set(FLAC_MAGIC);
  out.set([0x80, 0, 0, STREAMINFO_SIZE], 4); // last-metadata-block flag, type 0, length 34
  out.set(info, 8);
  return out;
}
