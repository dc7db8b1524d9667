/**
 * The Speex wideband (SB-CELP) high band and the QMF synthesis that joins it
 * to the narrowband low band (Speex manual, "Speex wideband mode (sub-band
 * CELP)"): 16 kHz is split into 0-4 kHz, coded as narrowband, and 4-8 kHz,
 * coded by this layer after the narrowband frame in the same bit-stream.
 *
 * ```
 * layer:     UB[1] 1 (wideband)  UB[3] mode (0 = no high band; 1-4; 5-7 reserved)
 *            high-band LSP 12 bits (two 6-bit stages, order 8)
 *            4 × sub-frame
 * sub-frame: mode 1:   gain 5 bits (the low band's innovation is folded up)
 *            mode 2-4: gain 4 bits, split-VQ innovation (mode 4 twice)
 * ```
 *
 * There is no pitch predictor in the high band. As in the low band, the
 * output lags the excitation by one sub-frame.
 */
import { assert } from '../../errors.ts';
import type { SpeexBitReader } from './speex-bits.ts';
import { HIGH_INNOVATION_10X32, HIGH_INNOVATION_8X128 } from './speex-codebooks.ts';
import { decodeHighBandLsp, interpolateLsp, lspToLpc, rms, synthesize } from './speex-lpc.ts';
import { NB_FRAME_SIZE, NB_SUBFRAME_SIZE, type LowBandInfo, speexNoise } from './speex-narrowband.ts';
import { HIGH_BAND_GAIN, QMF_H0 } from './speex-tables.ts';

const ORDER = 8;
const SUBFRAMES = 4;
const LSP_MARGIN = 0.05;
/** Gain on the low band's innovation folded into the high band (mode 1). */
const FOLDING_GAIN = Math.fround(0.9);
const QMF_TAPS = 64;
const QMF_HISTORY = QMF_TAPS / 2 - 1;
/** The QMF prototype's even and odd taps: the polyphase branches for even and odd output samples. */
const QMF_EVEN = QMF_H0.filter((_, i) => i % 2 === 0);
const QMF_ODD = QMF_H0.filter((_, i) => i % 2 === 1);

/** Bits in a wideband layer by mode, its 4 header bits included (0: a 4-bit "no high band"; -1: reserved). */
export const WIDEBAND_LAYER_BITS: readonly number[] = [4, 36, 112, 192, 352, -1, -1, -1];

/** A high-band innovation codebook. */
interface HighInnovation {
  readonly size: number;
  readonly subvectors: number;
  readonly bits: number;
  readonly signed: boolean;
  readonly shapes: Int8Array;
  /** A second codebook pass at 0.4 of the gain. */
  readonly double: boolean;
}

/** Innovation by wideband mode; null for mode 1 (folding) and for 0. */
const HIGH_INNOVATION: readonly (HighInnovation | null)[] = [
  null,
  null,
  { size: 10, subvectors: 4, bits: 5, signed: false, shapes: HIGH_INNOVATION_10X32, double: false },
  { size: 8, subvectors: 5, bits: 7, signed: true, shapes: HIGH_INNOVATION_8X128, double: false },
  { size: 8, subvectors: 5, bits: 7, signed: true, shapes: HIGH_INNOVATION_8X128, double: true },
];

/** The high-band decoder's state, and the QMF synthesis of both bands. */
export class HighBandDecoder {
  private readonly oldLsp = new Float32Array(ORDER);
  private readonly lsp = new Float32Array(ORDER);
  private readonly subLsp = new Float32Array(ORDER);
  private readonly lpc = new Float32Array(ORDER);
  private readonly ak = new Float32Array(ORDER);
  private readonly synthMem = new Float32Array(ORDER);
  /** The previous sub-frame's excitation (the synthesis runs one sub-frame behind). */
  private readonly prevExc = new Float32Array(NB_SUBFRAME_SIZE);
  private readonly exc = new Float32Array(NB_SUBFRAME_SIZE);
  private readonly exc2 = new Float32Array(NB_SUBFRAME_SIZE);
  private readonly indices = new Int32Array(5);
  private readonly signs = new Uint8Array(5);
  /** The high band of the current frame, then its synthesis. */
  readonly high = new Float32Array(NB_FRAME_SIZE);
  /** QMF history: low − high and low + high, the last 31 samples of the past before the frame's 160. */
  private readonly diff = new Float32Array(QMF_HISTORY + NB_FRAME_SIZE);
  private readonly sum = new Float32Array(QMF_HISTORY + NB_FRAME_SIZE);
  private first = true;
  private lastEnergy = 0;
  private readonly rand = { seed: 1000 };

  /** Back to the state of a new decoder. */
  reset(): void {
    this.oldLsp.fill(0);
    this.lpc.fill(0);
    this.synthMem.fill(0);
    this.prevExc.fill(0);
    this.diff.fill(0);
    this.sum.fill(0);
    this.first = true;
    this.lastEnergy = 0;
    this.rand.seed = 1000;
  }

  /**
   * Decodes the body of a wideband layer of `modeId` 1-4 (header read, bits
   * checked by the caller) into {@link high}, using the low band's frame.
   */
  decodeLayer(bits: SpeexBitReader, modeId: number, low: LowBandInfo): void {
    const start = bits.position();
    const innovation = HIGH_INNOVATION[modeId] ?? null;
    decodeHighBandLsp(bits, this.lsp);
    if (this.first) this.oldLsp.set(this.lsp);
    let energy = 0;
    const exc = this.exc;
    for (let sub = 0; sub < SUBFRAMES; sub++) {
      const offset = NB_SUBFRAME_SIZE * sub;
      interpolateLsp(this.oldLsp, this.lsp, this.subLsp, ORDER, sub, SUBFRAMES, LSP_MARGIN);
      lspToLpc(this.subLsp, this.ak, ORDER);
      // The two filters' gains at 4 kHz, where the bands meet, set the high band's level.
      let rh = 1;
      for (let i = 0; i < ORDER; i += 2) rh += this.ak[i + 1]! - this.ak[i]!;
      const ratio = Math.max(1e-15, Math.fround((low.piGain[sub]! + 0.01) / (rh + 0.01)));

      if (innovation === null) {
        // Mode 1: the low band's innovation, spectrally folded (every other sample negated).
        const g = Math.fround(Math.fround(Math.exp(0.125 * (bits.read(5) - 10))) / ratio);
        for (let i = 0; i < NB_SUBFRAME_SIZE; i += 2) {
          exc[i] = Math.fround(FOLDING_GAIN * low.innovation[offset + i]!) * g;
          exc[i + 1] = -(Math.fround(FOLDING_GAIN * low.innovation[offset + i + 1]!) * g);
        }
      } else {
        const gc = Math.fround(0.8736 * HIGH_BAND_GAIN[bits.read(4)]!);
        const scale = Math.fround(Math.fround(gc * low.excRms[sub]!) / ratio);
        this.readInnovation(bits, innovation, exc, scale);
        if (innovation.double) {
          this.readInnovation(bits, innovation, this.exc2, Math.fround(Math.fround(0.4) * scale));
          for (let i = 0; i < NB_SUBFRAME_SIZE; i++) exc[i] = exc[i]! + this.exc2[i]!;
        }
      }
      synthesize(this.prevExc, 0, this.lpc, this.high, offset, NB_SUBFRAME_SIZE, ORDER, this.synthMem);
      this.prevExc.set(exc);
      this.lpc.set(this.ak);
      const r = Math.fround(rms(this.prevExc, 0, NB_SUBFRAME_SIZE));
      energy += Math.fround((r * r) / SUBFRAMES);
    }
    assert(bits.position() - start === WIDEBAND_LAYER_BITS[modeId]! - 4, 'Speex wideband layer length');
    this.lastEnergy = Math.fround(Math.sqrt(energy));
    this.oldLsp.set(this.lsp);
    this.first = false;
  }

  /**
   * No high band in this frame: silence through the last filter, or, while
   * the encoder is in discontinuous transmission, comfort noise at the last
   * level.
   */
  decodeNone(dtx: boolean): void {
    const high = this.high;
    if (dtx) for (let i = 0; i < NB_FRAME_SIZE; i++) high[i] = speexNoise(this.rand, this.lastEnergy);
    else high.fill(1e-15);
    this.first = true;
    synthesize(high, 0, this.lpc, high, 0, NB_FRAME_SIZE, ORDER, this.synthMem);
  }

  /** Reads a split-VQ innovation for one sub-frame into `dst`, scaled by `gain`. */
  private readInnovation(bits: SpeexBitReader, c: HighInnovation, dst: Float32Array, gain: number): void {
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
   * QMF synthesis: the low band `low[0..160)` and {@link high} → 320 samples
   * at 16 kHz in `out[outOff..]`. With D = low − high and S = low + high,
   *   y[2n]   = 2 Σ_k h0[2k]   · D[n − k]
   *   y[2n+1] = 2 Σ_k h0[2k+1] · S[n − k]      (k = 0..31)
   */
  synthesizeQmf(low: Float32Array, out: Float32Array, outOff: number): void {
    const d = this.diff;
    const s = this.sum;
    const he = QMF_EVEN;
    const ho = QMF_ODD;
    for (let n = 0; n < NB_FRAME_SIZE; n++) {
      d[QMF_HISTORY + n] = low[n]! - this.high[n]!;
      s[QMF_HISTORY + n] = low[n]! + this.high[n]!;
    }
    for (let n = 0; n < NB_FRAME_SIZE; n++) {
      let even = 0;
      let odd = 0;
      const t = QMF_HISTORY + n;
      for (let k = 0; k < QMF_TAPS / 2; k++) {
        even += he[k]! * d[t - k]!;
        odd += ho[k]! * s[t - k]!;
      }
      out[outOff + 2 * n] = 2 * even;
      out[outOff + 2 * n + 1] = 2 * odd;
    }
    d.copyWithin(0, NB_FRAME_SIZE, NB_FRAME_SIZE + QMF_HISTORY);
    s.copyWithin(0, NB_FRAME_SIZE, NB_FRAME_SIZE + QMF_HISTORY);
  }
}
