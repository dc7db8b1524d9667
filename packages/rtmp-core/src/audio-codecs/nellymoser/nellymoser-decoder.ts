/**
 * The Nellymoser Asao decoder (FLV sound formats 4, 5 and 6): Flash
 * Player's default microphone codec. See `nellymoser-tables.ts` for the
 * block layout and `nellymoser-bit-allocation.ts` for how bits are shared
 * out; where this code comes from is at the end of this comment.
 *
 * A packet is one or more 64-byte blocks; each block is 256 samples at the
 * stream's rate (the codec itself knows nothing of the rate: FLV says it).
 * Per block:
 * 1. the envelope: 23 band exponents (log2 amplitude, 1/2048 steps), the
 *    first absolute, the rest as deltas;
 * 2. the bit allocation those exponents imply (0–6 bits per coefficient);
 * 3. twice (two halves of 128 samples): 124 coefficients, each a quantiser
 *    level times its band's amplitude, or for 0 bits the amplitude × √½
 *    with a random sign (noise fill);
 * 4. each half's 128 coefficients through an inverse MDCT (256 outputs),
 *    sine-windowed and overlap-added with the previous half.
 *
 * Provenance: the tables are the published nelly2pcm tables (MIT); the bit
 * allocation and the sign and scale conventions were learned by reading
 * FFmpeg's MIT-licensed nellymoser.c and nellymoserdec.c. This code is
 * written anew, but its allocation follows that arithmetic step by step,
 * since it must match the encoder bit for bit.
 */
import { RtmpError, RtmpErrorCode } from '../../errors.ts';
import { Imdct } from '../imdct.ts';
import { MAX_PCM_PACKET_BYTES, type PcmDecoder } from '../pcm-decoder.ts';
import { allocateNellymoserBits } from './nellymoser-bit-allocation.ts';
import {
  BAND_SIZES,
  DEQUANTIZATION,
  EXPONENT_DELTA,
  INITIAL_EXPONENT,
  NELLY_BANDS,
  NELLY_BLOCK_BYTES,
  NELLY_BLOCK_SAMPLES,
  NELLY_CODED,
  NELLY_DETAIL_BITS,
  NELLY_HALF,
  NELLY_HEADER_BITS,
} from './nellymoser-tables.ts';

// Local copies for the hot loops: where modules are compiled to CommonJS
// (tsx, test runners) every use of an imported binding is a getter call.
const CODED = NELLY_CODED;
const HALF = NELLY_HALF;
const DEQ = DEQUANTIZATION;
const SIZES = BAND_SIZES;
const FIRST = INITIAL_EXPONENT;
const DELTA = EXPONENT_DELTA;

/**
 * From exponent amplitudes to float PCM: exponents are in 16-bit sample
 * units (2^-15), and the unnormalised inverse MDCT has a gain of 8 (2^-3).
 * Checked against FFmpeg's decoder, whose output ours matches to float
 * precision when given the same noise (test/audio-codecs).
 */
const OUTPUT_SCALE = 1 / (32768 * 8);

/** Options for {@link NellymoserDecoder}. */
export interface NellymoserDecoderOptions {
  /**
   * Where the noise fill's signs come from: a function returning an
   * integer, of which only the lowest bit is used, called once per
   * coefficient that gets no bits, in stream order. Defaults to the
   * decoder's own generator (reset by {@link NellymoserDecoder.reset}).
   * The format leaves this random; a test can pass another decoder's
   * generator to compare output sample by sample.
   */
  noise?: () => number;
}

/** The sine window over the 256 outputs of one inverse MDCT: `w[n] = sin(π(n + ½)/256)`. */
const WINDOW = new Float64Array(2 * HALF);
for (let n = 0; n < 2 * HALF; n++) WINDOW[n] = Math.sin((Math.PI * (n + 0.5)) / (2 * HALF));

/** `n` bits (n ≤ 6) at bit `pos` of the block at `base`, least significant bit first; 0 past the packet. */
function readBits(b: Uint8Array, base: number, pos: number, n: number): number {
  const i = base + (pos >> 3);
  const word = (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8);
  return (word >> (pos & 7)) & ((1 << n) - 1);
}

function invalid(message: string, bytes: number): RtmpError {
  return new RtmpError(RtmpErrorCode.AudioPacketInvalid, message, { fatal: false, details: { codec: 'nellymoser', bytes } });
}

/** See the file comment. Implements {@link PcmDecoder}. */
export class NellymoserDecoder implements PcmDecoder {
  readonly sampleRate: number;
  readonly numberOfChannels = 1 as const;
  private readonly noise: (() => number) | undefined;
  private seed = 1;
  private out = new Float32Array(8 * NELLY_BLOCK_SAMPLES);
  // Per-block scratch, allocated once.
  private readonly exponents = new Float64Array(CODED);
  private readonly amplitudes = new Float64Array(CODED);
  private readonly weighted = new Int16Array(CODED);
  private readonly bits = new Int32Array(CODED);
  /** One half's coefficients; the top four stay zero. */
  private readonly coefficients = new Float64Array(HALF);
  private readonly imdct = new Imdct(HALF);
  private readonly middle = new Float64Array(HALF);
  /** The previous half's windowed second half of the inverse MDCT, to overlap-add. */
  private readonly tail = new Float64Array(HALF);
  /** {@link tail} at the start of the packet being decoded. */
  private readonly savedTail = new Float64Array(HALF);

  /**
   * @param sampleRate the stream's rate, Hz (FLV: 16000 for format 4, 8000
   *   for 5, the sound-rate bits for 6). The codec does not depend on it.
   * @throws TypeError when `sampleRate` is not a positive integer up to 192000.
   */
  constructor(sampleRate: number, options: NellymoserDecoderOptions = {}) {
    if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate > 192_000) {
      throw new TypeError(`sampleRate must be an integer 1..192000, got ${sampleRate}`);
    }
    this.sampleRate = sampleRate;
    this.noise = options.noise;
  }

  /**
   * Decodes one packet: `n × 64` bytes → `n × 256` samples in [-1, 1] (a
   * view into the decoder's buffer, valid until the next call).
   *
   * @throws RtmpError AudioPacketInvalid (not fatal) for an empty packet, one
   *   that is not a whole number of 64-byte blocks, one over
   *   {@link MAX_PCM_PACKET_BYTES}, or one with a block no encoder can make
   *   (an envelope whose allocation passes the block's bits); the decoder
   *   state is as before the packet then (a `noise` option's calls aside).
   */
  decode(packet: Uint8Array): Float32Array {
    const len = packet.length;
    if (len === 0) throw invalid('empty Nellymoser packet', len);
    if (len > MAX_PCM_PACKET_BYTES) throw invalid(`Nellymoser packet of ${len} bytes is over ${MAX_PCM_PACKET_BYTES}`, len);
    if (len % NELLY_BLOCK_BYTES !== 0) throw invalid(`Nellymoser packet of ${len} bytes is not a whole number of 64-byte blocks`, len);
    const blocks = len / NELLY_BLOCK_BYTES;
    const samples = blocks * NELLY_BLOCK_SAMPLES;
    // Grows only when a larger packet than any before comes (Flash sends one size).
    if (this.out.length < samples) this.out = new Float32Array(samples);
    // A bad block costs the whole packet: the state goes back to before it.
    this.savedTail.set(this.tail);
    const seed = this.seed;
    for (let b = 0; b < blocks; b++) {
      if (!this.decodeBlock(packet, b * NELLY_BLOCK_BYTES, b * NELLY_BLOCK_SAMPLES)) {
        this.tail.set(this.savedTail);
        this.seed = seed;
        throw invalid(`Nellymoser block ${b} of ${blocks}: its envelope allocates more than ${NELLY_DETAIL_BITS} bits`, len);
      }
    }
    return this.out.subarray(0, samples);
  }

  /** Forgets the overlap and restarts the built-in noise generator. */
  reset(): void {
    this.tail.fill(0);
    this.seed = 1;
  }

  /** Decodes one block into `out` at `outAt`; false (before touching any state) when its allocation is impossible. */
  private decodeBlock(packet: Uint8Array, base: number, outAt: number): boolean {
    const { exponents, amplitudes, bits, coefficients } = this;
    // 1. The envelope.
    let exponent = FIRST[readBits(packet, base, 0, 6)]!;
    let pos = 6;
    let j = 0;
    for (let band = 0; band < NELLY_BANDS; band++) {
      if (band > 0) {
        exponent += DELTA[readBits(packet, base, pos, 5)]!;
        pos += 5;
      }
      const amplitude = Math.pow(2, exponent / 2048) * OUTPUT_SCALE;
      for (let n = SIZES[band]!; n > 0; n--, j++) {
        exponents[j] = exponent;
        amplitudes[j] = amplitude;
      }
    }
    // 2. The allocation.
    if (allocateNellymoserBits(exponents, this.weighted, bits) > NELLY_DETAIL_BITS) return false;
    // 3 and 4, per half.
    for (let half = 0; half < 2; half++) {
      pos = NELLY_HEADER_BITS + half * NELLY_DETAIL_BITS;
      for (let k = 0; k < CODED; k++) {
        const nb = bits[k]!;
        if (nb === 0) {
          const sign = (this.noise !== undefined ? this.noise() : this.nextRandom()) & 1;
          coefficients[k] = (sign === 1 ? -Math.SQRT1_2 : Math.SQRT1_2) * amplitudes[k]!;
        } else {
          coefficients[k] = DEQ[(1 << nb) - 1 + readBits(packet, base, pos, nb)]! * amplitudes[k]!;
          pos += nb;
        }
      }
      this.synthesize(outAt + half * HALF);
    }
    return true;
  }

  /**
   * Inverse MDCT of the half's 128 coefficients and overlap-add. Of the 256
   * outputs `y` (see `imdct.ts`) only the middle half `h = y[64..191]` is
   * computed; `y[n] = −h[63 − n]` below 64 and `y[n] = h[319 − n]` from 192.
   * Windowed by {@link WINDOW}, the first 128 of them plus the previous
   * half's last 128 are this half's output.
   */
  private synthesize(outAt: number): void {
    const { middle, tail, out } = this;
    this.imdct.middleHalf(this.coefficients, middle);
    const quarter = HALF / 2;
    for (let n = 0; n < HALF; n++) {
      const y = n < quarter ? -middle[quarter - 1 - n]! : middle[n - quarter]!;
      const s = tail[n]! + WINDOW[n]! * y;
      out[outAt + n] = s > 1 ? 1 : s < -1 ? -1 : s;
    }
    for (let n = 0; n < HALF; n++) {
      // y[128 + n]: h[64 + n] below 64, h[191 − n] from there.
      const y = n < quarter ? middle[quarter + n]! : middle[3 * quarter - 1 - n]!;
      tail[n] = WINDOW[HALF + n]! * y;
    }
  }

  /** xorshift32: the built-in noise-fill generator. */
  private nextRandom(): number {
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x;
    return x;
  }
}
