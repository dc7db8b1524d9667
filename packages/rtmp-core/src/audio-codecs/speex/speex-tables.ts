/**
 * The small fixed tables of the Speex decoder that are not vector codebooks
 * (those are in speex-codebooks.ts): scalar gain quantisers, the output
 * high-pass filters, the QMF prototype filter of the sub-band (wideband)
 * layer and the fractional-delay filters of the perceptual enhancer. Values
 * as the Speex reference decoder (libspeex 1.2, floating point) uses them,
 * under the notice quoted in speex-codebooks.ts; they are part of what makes
 * a decoder's output match the reference.
 */

/** Sub-frame innovation gain correction, 3-bit index (narrowband modes 5-7): a factor on the frame's gain. */
export const SUBFRAME_GAIN_3BIT = Float32Array.of(0.06113, 0.163546, 0.310413, 0.42822, 0.555887, 0.719055, 0.938694, 1.326874);

/** Sub-frame innovation gain correction, 1-bit index (narrowband modes 3 and 4). */
export const SUBFRAME_GAIN_1BIT = Float32Array.of(0.70469, 1.05127);

/** High-band innovation gain, 4-bit index (wideband modes 2-4), before the fixed 0.8736 factor. */
export const HIGH_BAND_GAIN = Float32Array.of(
  0.97979, 1.28384, 1.68223, 2.20426, 2.88829, 3.78458, 4.959, 6.49787,
  8.51428, 11.15642, 14.61846, 19.15484, 25.09895, 32.88761, 43.09325, 56.46588,
);

/**
 * The decoder's output high-pass filters (second order, DC and rumble
 * removal): per filter, numerator b0 b1 b2 then denominator a1 a2 (a0 = 1).
 * Index 1 is used after a narrowband decoder, 3 after the narrowband layer of
 * a wideband one.
 */
export const OUTPUT_HIGHPASS: readonly Float32Array[] = [
  Float32Array.of(0.95654, -1.91309, 0.95654, -1.9112, 0.91498),
  Float32Array.of(0.96446, -1.92879, 0.96446, -1.92683, 0.93071),
  Float32Array.of(0.96723, -1.93445, 0.96723, -1.93338, 0.93553),
  Float32Array.of(0.98645, -1.97277, 0.98645, -1.97226, 0.97332),
  Float32Array.of(0.88, -1.76, 0.88, -1.37, 0.399),
];

/**
 * The 64-tap QMF prototype low-pass filter h0 that splits 16 kHz into two
 * 8 kHz bands (the high band uses the mirrored filter): symmetric, so only
 * the first half is listed; {@link QMF_H0} holds all 64 taps.
 */
const QMF_H0_HALF = [
  3.596189e-5, -0.0001123515, -0.0001104587, 0.0002790277, 0.0002298438, -0.0005953563, -0.0003823631, 0.00113826,
  0.0005308539, -0.001986177, -0.0006243724, 0.003235877, 0.0005743159, -0.004989147, -0.0002584767, 0.007367171,
  -0.0004857935, -0.01050689, 0.001894714, 0.01459396, -0.004313674, -0.01994365, 0.00828756, 0.02716055,
  -0.01485397, -0.03764973, 0.026447, 0.05543245, -0.05095487, -0.09779096, 0.1382363, 0.4600981,
];

/** The full 64-tap QMF prototype filter (see {@link QMF_H0_HALF}). */
export const QMF_H0: Float32Array = Float32Array.from([...QMF_H0_HALF, ...QMF_H0_HALF.slice().reverse()]);

/**
 * The perceptual enhancer's fractional-delay interpolators (7 taps): a
 * half-sample, a quarter-sample and a three-quarter-sample shift of the
 * excitation, tried against the whole-sample pitch.
 */
export const ENHANCER_SHIFT_FILTERS: readonly Float32Array[] = [
  Float32Array.of(-0.011915, 0.046995, -0.152373, 0.614108, 0.614108, -0.152373, 0.046995),
  Float32Array.of(-0.0324855, 0.0859768, -0.2042986, 0.9640297, 0.208642, -0.0302054, -0.0063646),
  Float32Array.of(-0.0063646, -0.0302054, 0.208642, 0.9640297, -0.2042986, 0.0859768, -0.0324855),
];
