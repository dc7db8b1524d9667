/**
 * Speex narrowband CELP: one 20 ms frame at 8 kHz (160 samples, four
 * sub-frames of 40) from its bit-stream (Speex manual, "Speex narrowband
 * mode" and "The Speex Decoder Specification": the bit allocation table,
 * modes 1-8; RFC 5574 §3 for the same mode table). It is also the low band
 * of the wideband (SB-CELP) decoder.
 *
 * ```
 * frame:     UB[1] 0 (narrowband)  UB[4] mode
 *            LSP (18 or 30 bits)   [OL pitch 7] [OL pitch gain 4] OL excitation gain 5
 *            [mode 1: 4 bits, 15 = the encoder is in DTX]
 *            4 × sub-frame
 * sub-frame: [pitch 0/7] [3-tap pitch gain 5/7] [gain correction 1/3] innovation VQ (0-96)
 * ```
 *
 * The excitation of each sub-frame is the 3-tap adaptive-codebook (pitch)
 * contribution plus the innovation: shape-only split VQ scaled by the
 * frame's open-loop gain and the sub-frame's correction. The output is that
 * excitation through the interpolated LPC synthesis filter and a high-pass.
 * Like the reference decoder, the output lags the excitation by one
 * sub-frame (40 samples) so the optional perceptual enhancer can look one
 * pitch period ahead.
 */
import { assert } from '../../errors.ts';
import type { SpeexBitReader } from './speex-bits.ts';
import {
  INNOVATION_10X16,
  INNOVATION_10X32,
  INNOVATION_20X32,
  INNOVATION_5X256,
  INNOVATION_5X64,
  INNOVATION_8X128,
  PITCH_GAIN_128,
  PITCH_GAIN_32,
} from './speex-codebooks.ts';
import { combEnhance } from './speex-enhancer.ts';
import {
  decodeLsp18,
  decodeLsp30,
  expandBandwidth,
  interpolateLsp,
  lspToLpc,
  rms,
  synthesize,
} from './speex-lpc.ts';
import { OUTPUT_HIGHPASS, SUBFRAME_GAIN_1BIT, SUBFRAME_GAIN_3BIT } from './speex-tables.ts';

const f = Math.fround;

/** Samples in a narrowband frame. */
export const NB_FRAME_SIZE = 160;
/** Samples in a narrowband sub-frame. */
export const NB_SUBFRAME_SIZE = 40;
const NB_SUBFRAMES = 4;
const ORDER = 10;
const PITCH_MIN = 17;
const PITCH_MAX = 144;
/** Keeps interpolated LSPs this far apart (radians). */
const LSP_MARGIN = 0.002;

/** Split-VQ innovation codebook: `subvectors` vectors of `size` samples, `bits` per index, optional sign bit. */
interface InnovationCodebook {
  readonly size: number;
  readonly subvectors: number;
  readonly bits: number;
  readonly signed: boolean;
  readonly shapes: Int8Array;
}

/** 3-tap pitch predictor quantiser: `pitchBits` for the lag (0: the frame's open-loop pitch), `gainBits` for the gains. */
interface PitchQuantizer {
  readonly pitchBits: number;
  readonly gainBits: number;
  readonly gains: Int8Array;
}

/** One narrowband mode (the manual's "sub-mode"), as the bit allocation table gives it. */
export interface NarrowbandMode {
  /** Bits in the frame, its 5 header bits included. */
  readonly bits: number;
  /** 30-bit LSPs (modes 5-7), else 18-bit. */
  readonly lsp30: boolean;
  /** One 7-bit open-loop pitch for the frame (modes 1, 2 and 8) instead of one per sub-frame. */
  readonly framePitch: boolean;
  /** One 4-bit pitch gain for the frame and a single-tap predictor (modes 1 and 8). */
  readonly framePitchGain: boolean;
  /** Bits of the per-sub-frame innovation gain correction: 0, 1 or 3. */
  readonly subframeGainBits: 0 | 1 | 3;
  /** The 3-tap predictor, or null for the single-tap one of modes 1 and 8. */
  readonly pitch: PitchQuantizer | null;
  /** The innovation codebook, or null for mode 1's noise. */
  readonly innovation: InnovationCodebook | null;
  /** A second innovation on top of the first, at 0.4545 of its gain (mode 7). */
  readonly doubleCodebook: boolean;
  /** Enhancer comb-filter gain; ≤ 0 turns the enhancer off for the mode. */
  readonly combGain: number;
}

const cb = (size: number, subvectors: number, bits: number, shapes: Int8Array): InnovationCodebook => ({
  size,
  subvectors,
  bits,
  signed: false,
  shapes,
});

/**
 * Narrowband modes 0-8 (0, "no transmission", has no parameters: null);
 * mode ids 9-12 are reserved, 13-15 are signalling (see speex-decoder.ts).
 * Bit rates 250, 2150, 5950, 8000, 11000, 15000, 18200, 24600, 3950 bps.
 */
export const NARROWBAND_MODES: readonly (NarrowbandMode | null)[] = [
  null,
  // 1: vocoder-like comfort noise
  { bits: 43, lsp30: false, framePitch: true, framePitchGain: true, subframeGainBits: 0, pitch: null, innovation: null, doubleCodebook: false, combGain: -1 },
  // 2
  {
    bits: 119, lsp30: false, framePitch: true, framePitchGain: false, subframeGainBits: 0,
    pitch: { pitchBits: 0, gainBits: 5, gains: PITCH_GAIN_32 }, innovation: cb(10, 4, 4, INNOVATION_10X16), doubleCodebook: false, combGain: 0.6,
  },
  // 3
  {
    bits: 160, lsp30: false, framePitch: false, framePitchGain: false, subframeGainBits: 1,
    pitch: { pitchBits: 7, gainBits: 5, gains: PITCH_GAIN_32 }, innovation: cb(10, 4, 5, INNOVATION_10X32), doubleCodebook: false, combGain: 0.55,
  },
  // 4
  {
    bits: 220, lsp30: false, framePitch: false, framePitchGain: false, subframeGainBits: 1,
    pitch: { pitchBits: 7, gainBits: 5, gains: PITCH_GAIN_32 }, innovation: cb(8, 5, 7, INNOVATION_8X128), doubleCodebook: false, combGain: 0.45,
  },
  // 5
  {
    bits: 300, lsp30: true, framePitch: false, framePitchGain: false, subframeGainBits: 3,
    pitch: { pitchBits: 7, gainBits: 7, gains: PITCH_GAIN_128 }, innovation: cb(5, 8, 6, INNOVATION_5X64), doubleCodebook: false, combGain: 0.25,
  },
  // 6
  {
    bits: 364, lsp30: true, framePitch: false, framePitchGain: false, subframeGainBits: 3,
    pitch: { pitchBits: 7, gainBits: 7, gains: PITCH_GAIN_128 }, innovation: cb(5, 8, 8, INNOVATION_5X256), doubleCodebook: false, combGain: 0.15,
  },
  // 7
  {
    bits: 492, lsp30: true, framePitch: false, framePitchGain: false, subframeGainBits: 3,
    pitch: { pitchBits: 7, gainBits: 7, gains: PITCH_GAIN_128 }, innovation: cb(5, 8, 6, INNOVATION_5X64), doubleCodebook: true, combGain: 0.05,
  },
  // 8
  {
    bits: 79, lsp30: false, framePitch: true, framePitchGain: true, subframeGainBits: 0,
    pitch: null, innovation: cb(20, 2, 5, INNOVATION_20X32), doubleCodebook: false, combGain: 0.5,
  },
];

/**
 * Excitation history: 2 × the longest pitch + a sub-frame + 6 samples of
 * the past (the enhancer looks two periods back from the delayed
 * half-frame), the current frame, and 6 samples after it that stay zero.
 */
const EXC_PAST = 2 * PITCH_MAX + NB_SUBFRAME_SIZE + 6;
const EXC_SIZE = EXC_PAST + NB_FRAME_SIZE + 6;

/**
 * The uniform noise the reference decoder draws (a 32-bit LCG whose mantissa
 * bits make a float in [-0.5, 0.5)), scaled to standard deviation `std`.
 * Returns the new sample; `state.seed` advances.
 */
export function speexNoise(state: { seed: number }, std: number): number {
  state.seed = (Math.imul(1664525, state.seed) + 1013904223) >>> 0;
  const u = (state.seed & 0x7fffff) / 0x800000 - 0.5;
  return Math.fround(3.4642 * std * u);
}

/** What the wideband layer needs from the narrowband one after each frame. */
export interface LowBandInfo {
  /** |A(-1)| of each sub-frame's LPC filter: the low band's gain at 4 kHz. */
  readonly piGain: Float32Array;
  /** RMS of each sub-frame's excitation. */
  readonly excRms: Float32Array;
  /** Each sample's innovation (the high band folds it when it sends no innovation of its own). */
  readonly innovation: Float32Array;
  /** True after a mode-1 frame that said the encoder is in discontinuous transmission. */
  readonly dtx: boolean;
}

/** The narrowband decoder's state and one-frame decode. */
export class NarrowbandDecoder implements LowBandInfo {
  /** See {@link LowBandInfo.piGain}. */
  readonly piGain = new Float32Array(NB_SUBFRAMES);
  /** See {@link LowBandInfo.excRms}. */
  readonly excRms = new Float32Array(NB_SUBFRAMES);
  /** See {@link LowBandInfo.innovation}. */
  readonly innovation = new Float32Array(NB_FRAME_SIZE);
  /** See {@link LowBandInfo.dtx}. */
  dtx = false;

  private readonly excBuf = new Float32Array(EXC_SIZE);
  private readonly oldLsp = new Float32Array(ORDER);
  private readonly lsp = new Float32Array(ORDER);
  private readonly subLsp = new Float32Array(ORDER);
  private readonly lpc = new Float32Array(ORDER);
  private readonly ak = new Float32Array(ORDER);
  private readonly synthMem = new Float32Array(ORDER);
  private readonly highpassMem = new Float32Array(2);
  private readonly pitchExc = new Float32Array(NB_SUBFRAME_SIZE);
  private readonly innov = new Float32Array(NB_SUBFRAME_SIZE);
  private readonly innov2 = new Float32Array(NB_SUBFRAME_SIZE);
  private readonly indices = new Int32Array(8);
  private readonly signs = new Uint8Array(8);
  private readonly highpass: Float32Array;
  private first = true;
  private readonly rand = { seed: 1000 };
  private vocM1 = 0;
  private vocM2 = 0;
  private vocMean = 0;
  private vocOffset = 0;

  /**
   * @param wideband the low band of a wideband decoder (another output high-pass)
   * @param enhancer the perceptual enhancer on (the reference decoder's default)
   */
  constructor(wideband: boolean, public enhancer: boolean) {
    this.highpass = OUTPUT_HIGHPASS[wideband ? 3 : 1]!;
  }

  /** Back to the state of a new decoder. */
  reset(): void {
    this.excBuf.fill(0);
    this.oldLsp.fill(0);
    this.lpc.fill(0);
    this.synthMem.fill(0);
    this.highpassMem.fill(0);
    this.piGain.fill(0);
    this.excRms.fill(0);
    this.innovation.fill(0);
    this.dtx = false;
    this.first = true;
    this.rand.seed = 1000;
    this.vocM1 = this.vocM2 = this.vocMean = 0;
    this.vocOffset = 0;
  }

  /**
   * Decodes the body of one frame of mode `modeId` (its 5 header bits already
   * read) into `out[outOff..+160)`. The caller has checked that the body's
   * bits are all there.
   */
  decodeFrame(bits: SpeexBitReader, modeId: number, out: Float32Array, outOff: number): void {
    const exc = this.excBuf;
    const x0 = EXC_PAST; // exc[x0] is the frame's first excitation sample
    exc.copyWithin(0, NB_FRAME_SIZE, EXC_SIZE);
    const mode = NARROWBAND_MODES[modeId];
    if (!mode) {
      this.decodeSilence(out, outOff);
      this.updateExcRms();
      return;
    }
    const start = bits.position();

    (mode.lsp30 ? decodeLsp30 : decodeLsp18)(bits, this.lsp);
    if (this.first) this.oldLsp.set(this.lsp);
    const olPitch = mode.framePitch ? PITCH_MIN + bits.read(7) : 0;
    const olPitchGain = mode.framePitchGain ? Math.fround(0.066667 * bits.read(4)) : 0;
    const olGain = Math.fround(Math.exp(bits.read(5) / 3.5));
    if (modeId === 1) this.dtx = bits.read(4) === 15;
    else this.dtx = false;

    let bestPitch = 40;
    let bestPitchGain = 0;
    const pitchExc = this.pitchExc;
    const innov = this.innov;
    for (let sub = 0; sub < NB_SUBFRAMES; sub++) {
      const e = x0 + NB_SUBFRAME_SIZE * sub;
      exc.fill(0, e, e + NB_SUBFRAME_SIZE);

      // Adaptive codebook (pitch) contribution.
      let pitch: number;
      let g0 = 0;
      let g1: number;
      let g2 = 0;
      if (mode.pitch === null) {
        // Single tap at the frame's pitch with the frame's gain (modes 1, 8).
        pitch = olPitch;
        g1 = Math.min(olPitchGain, 0.99);
        for (let i = 0; i < NB_SUBFRAME_SIZE; i++) {
          const v = Math.fround(exc[e + i - pitch]! * g1);
          pitchExc[i] = v;
          exc[e + i] = v;
        }
      } else {
        const q = mode.pitch;
        pitch = (mode.framePitch ? olPitch : PITCH_MIN) + bits.read(q.pitchBits);
        const gi = 4 * bits.read(q.gainBits);
        g0 = Math.fround(0.015625 * q.gains[gi]! + 0.5);
        g1 = Math.fround(0.015625 * q.gains[gi + 1]! + 0.5);
        g2 = Math.fround(0.015625 * q.gains[gi + 2]! + 0.5);
        predictPitch(exc, e, pitch, g0, g1, g2, pitchExc);
      }
      // Bounded: a crafted stream must not blow up into huge values or NaN.
      for (let i = 0; i < NB_SUBFRAME_SIZE; i++) {
        const v = pitchExc[i]!;
        if (!(v >= -32000 && v <= 32000)) pitchExc[i] = v < -32000 ? -32000 : v > 32000 ? 32000 : 0;
      }
      // The enhancer's pitch: the strongest sub-frame pitch that is not a multiple of a weaker one.
      const tap = Math.abs(g1) + (g0 > 0 ? g0 : -0.5 * g0) + (g2 > 0 ? g2 : -0.5 * g2);
      const mult = Math.abs(2 * bestPitch - pitch) < 3 || Math.abs(3 * bestPitch - pitch) < 4 || Math.abs(4 * bestPitch - pitch) < 5;
      const submult = Math.abs(bestPitch - 2 * pitch) < 3 || Math.abs(bestPitch - 3 * pitch) < 4 || Math.abs(bestPitch - 4 * pitch) < 5;
      if ((tap > bestPitchGain && !mult) || (tap > 0.6 * bestPitchGain && submult) || (0.67 * tap > bestPitchGain && mult)) {
        bestPitch = pitch;
        if (tap > bestPitchGain) bestPitchGain = tap;
      }

      // Innovation: the frame gain times the sub-frame correction, times the VQ shape.
      let gain = olGain;
      if (mode.subframeGainBits === 3) gain = Math.fround(SUBFRAME_GAIN_3BIT[bits.read(3)]! * olGain);
      else if (mode.subframeGainBits === 1) gain = Math.fround(SUBFRAME_GAIN_1BIT[bits.read(1)]! * olGain);
      if (mode.innovation === null) {
        for (let i = 0; i < NB_SUBFRAME_SIZE; i++) innov[i] = Math.fround(gain * speexNoise(this.rand, 1));
      } else {
        this.readInnovation(bits, mode.innovation, innov, gain);
        if (mode.doubleCodebook) {
          this.readInnovation(bits, mode.innovation, this.innov2, Math.fround(0.454545 * gain));
          for (let i = 0; i < NB_SUBFRAME_SIZE; i++) innov[i] = innov[i]! + this.innov2[i]!;
        }
      }
      for (let i = 0; i < NB_SUBFRAME_SIZE; i++) exc[e + i] = pitchExc[i]! + innov[i]!;
      this.innovation.set(innov, NB_SUBFRAME_SIZE * sub);

      if (modeId === 1) this.vocoderExcitation(exc, e, olPitch, olPitchGain, olGain);
    }
    assert(bits.position() - start === mode.bits - 5, 'Speex narrowband frame length');

    // Delay by one sub-frame; the enhancer (when on) works on that delayed excitation.
    if (this.enhancer && mode.combGain > 0) {
      combEnhance(exc, x0 - NB_SUBFRAME_SIZE, out, outOff, bestPitch, mode.combGain);
      combEnhance(exc, x0 + NB_SUBFRAME_SIZE, out, outOff + 2 * NB_SUBFRAME_SIZE, bestPitch, mode.combGain);
    } else {
      out.set(exc.subarray(x0 - NB_SUBFRAME_SIZE, x0 + NB_FRAME_SIZE - NB_SUBFRAME_SIZE), outOff);
    }

    // Synthesis: sub-frame k (one behind the excitation) goes through the
    // filter of sub-frame k-1, which is where its excitation was made.
    for (let sub = 0; sub < NB_SUBFRAMES; sub++) {
      interpolateLsp(this.oldLsp, this.lsp, this.subLsp, ORDER, sub, NB_SUBFRAMES, LSP_MARGIN);
      lspToLpc(this.subLsp, this.ak, ORDER);
      let pi = 1;
      for (let i = 0; i < ORDER; i += 2) pi += this.ak[i + 1]! - this.ak[i]!;
      this.piGain[sub] = pi;
      const o = outOff + NB_SUBFRAME_SIZE * sub;
      synthesize(out, o, this.lpc, out, o, NB_SUBFRAME_SIZE, ORDER, this.synthMem);
      this.lpc.set(this.ak);
    }
    this.applyHighpass(out, outOff);
    this.oldLsp.set(this.lsp);
    this.first = false;
    this.updateExcRms();
  }

  /** Mode 0 ("no transmission"): noise at the level of the last excitation, through a widened last filter. */
  private decodeSilence(out: Float32Array, outOff: number): void {
    const exc = this.excBuf;
    const x0 = EXC_PAST;
    expandBandwidth(0.93, this.lpc, this.ak, ORDER);
    const level = rms(exc, x0, NB_FRAME_SIZE);
    for (let i = 0; i < NB_FRAME_SIZE; i++) exc[x0 + i] = speexNoise(this.rand, level);
    this.first = true;
    synthesize(exc, x0, this.ak, out, outOff, NB_FRAME_SIZE, ORDER, this.synthMem);
    this.innovation.fill(0);
  }

  /** Reads a split-VQ innovation for one sub-frame into `dst`, scaled by `gain`. */
  private readInnovation(bits: SpeexBitReader, c: InnovationCodebook, dst: Float32Array, gain: number): void {
    for (let v = 0; v < c.subvectors; v++) {
      this.signs[v] = c.signed ? bits.read(1) : 0;
      this.indices[v] = bits.read(c.bits);
    }
    for (let v = 0; v < c.subvectors; v++) {
      const s = this.signs[v] ? -0.03125 : 0.03125;
      const base = this.indices[v]! * c.size;
      for (let j = 0; j < c.size; j++) dst[v * c.size + j] = gain * Math.fround(s * c.shapes[base + j]!);
    }
  }

  /**
   * Mode 1 rebuilds a voiced excitation from a pulse train at the open-loop
   * pitch, mixed with the noise innovation by the frame's pitch gain.
   */
  private vocoderExcitation(exc: Float32Array, e: number, olPitch: number, olPitchGain: number, olGain: number): void {
    let g = 1.5 * (olPitchGain - 0.2);
    g = Math.fround(g < 0 ? 0 : g > 1 ? 1 : g);
    exc.fill(0, e, e + NB_SUBFRAME_SIZE);
    const pulse = Math.fround(Math.sqrt(2 * olPitch) * Math.fround(g * olGain));
    while (this.vocOffset < NB_SUBFRAME_SIZE) {
      if (this.vocOffset >= 0) exc[e + this.vocOffset] = pulse;
      this.vocOffset += olPitch;
    }
    this.vocOffset -= NB_SUBFRAME_SIZE;
    const innovGain = Math.fround(1 - Math.fround(0.85 * g));
    const memGain = Math.fround(0.15 * g);
    for (let i = 0; i < NB_SUBFRAME_SIZE; i++) {
      const x = exc[e + i]!;
      const n = this.innov[i]!;
      const v = Math.fround(0.7 * x + 0.3 * this.vocM1 + (innovGain * n - memGain * this.vocM2));
      this.vocM1 = x;
      this.vocM2 = n;
      this.vocMean = Math.fround(0.8 * this.vocMean + 0.2 * v);
      exc[e + i] = v - this.vocMean;
    }
  }

  /** The output high-pass (second-order section, transposed direct form II). */
  private applyHighpass(out: Float32Array, outOff: number): void {
    const h = this.highpass;
    const m = this.highpassMem;
    const b0 = h[0]!, b1 = h[1]!, b2 = h[2]!, a1 = h[3]!, a2 = h[4]!;
    for (let i = 0; i < NB_FRAME_SIZE; i++) {
      const x = out[outOff + i]!;
      const y = f(f(b0 * x) + m[0]!);
      m[0] = f(m[1]! + f(b1 * x)) - f(a1 * y);
      m[1] = f(b2 * x) - f(a2 * y);
      out[outOff + i] = y;
    }
  }

  /** Per-sub-frame RMS of the frame's (undelayed) excitation, for the wideband layer. */
  private updateExcRms(): void {
    for (let sub = 0; sub < NB_SUBFRAMES; sub++) this.excRms[sub] = rms(this.excBuf, EXC_PAST + NB_SUBFRAME_SIZE * sub, NB_SUBFRAME_SIZE);
  }
}

/**
 * The 3-tap pitch predictor: g0, g1, g2 on the excitation `pitch - 1`,
 * `pitch` and `pitch + 1` samples back. A lag shorter than the sub-frame
 * repeats the past period (the manual: "when the pitch is smaller than the
 * sub-frame size, we repeat the excitation at a period T"), as far as two
 * periods reach; samples past that get no contribution from that tap.
 */
function predictPitch(
  exc: Float32Array,
  e: number,
  pitch: number,
  g0: number,
  g1: number,
  g2: number,
  dst: Float32Array,
): void {
  dst.fill(0);
  for (let tap = 0; tap < 3; tap++) {
    const lag = pitch + 1 - tap;
    const g = tap === 0 ? g2 : tap === 1 ? g1 : g0;
    const once = Math.min(NB_SUBFRAME_SIZE, lag);
    for (let j = 0; j < once; j++) dst[j] = dst[j]! + g * exc[e + j - lag]!;
    const twice = Math.min(NB_SUBFRAME_SIZE, lag + pitch);
    for (let j = once; j < twice; j++) dst[j] = dst[j]! + g * exc[e + j - lag - pitch]!;
  }
}
