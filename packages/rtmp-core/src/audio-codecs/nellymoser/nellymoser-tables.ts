/**
 * The constants and tables of the Nellymoser Asao bit-stream (FLV sound
 * formats 4, 5 and 6).
 *
 * ```
 * one block: 64 bytes = 512 bits, read least significant bit first
 *   header   6 bits   index into INITIAL_EXPONENT: band 0's exponent
 *            22 × 5   index into EXPONENT_DELTA: each next band's exponent, relative
 *   detail   2 × 198  one set of quantised MDCT coefficients per half (128 samples),
 *                     both using the bit allocation the exponents imply
 * ```
 * 124 of each half's 128 coefficients are coded, grouped into 23 bands
 * (BAND_SIZES); the top 4 are always 0. An exponent is log2(band amplitude)
 * in 1/2048 steps.
 *
 * The numbers are data, not code: the tables as published with the
 * reverse-engineered description of the format (nelly2pcm, 2007, MIT
 * licence; the same tables ship in FFmpeg's MIT-licensed
 * libavcodec/nellymoser.c). Encoders and decoders must agree on them bit for
 * bit, so they cannot be derived or re-tuned.
 */

/** Bytes per block. */
export const NELLY_BLOCK_BYTES = 64;
/** PCM samples per block (two MDCT halves). */
export const NELLY_BLOCK_SAMPLES = 256;
/** MDCT coefficients (and output samples) per half-block. */
export const NELLY_HALF = 128;
/** Coefficients actually coded per half; the top four are zero. */
export const NELLY_CODED = 124;
/** Number of exponent bands. */
export const NELLY_BANDS = 23;
/** Bits of the envelope header: 6 + 22 × 5. */
export const NELLY_HEADER_BITS = 116;
/** Coefficient bits per half-block (what the allocation distributes). */
export const NELLY_DETAIL_BITS = 198;
/** The most bits one coefficient can get. */
export const NELLY_MAX_BITS = 6;

/** Coefficients per band; sums to {@link NELLY_CODED}. */
export const BAND_SIZES: readonly number[] = [2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 4, 4, 5, 6, 6, 7, 8, 9, 10, 12, 14, 15];

/** Band 0's exponent, by its 6-bit code. */
export const INITIAL_EXPONENT: readonly number[] = [
  3134, 5342, 6870, 7792, 8569, 9185, 9744, 10191, 10631, 11061, 11434, 11770, 12116, 12513, 12925, 13300,
  13674, 14027, 14352, 14716, 15117, 15477, 15824, 16157, 16513, 16804, 17090, 17401, 17679, 17948, 18238, 18520,
  18764, 19078, 19381, 19640, 19921, 20205, 20500, 20813, 21162, 21465, 21794, 22137, 22453, 22756, 23067, 23350,
  23636, 23926, 24227, 24521, 24819, 25107, 25414, 25730, 26120, 26497, 26895, 27344, 27877, 28463, 29426, 31355,
];

/** The change of exponent from one band to the next, by its 5-bit code. */
export const EXPONENT_DELTA: readonly number[] = [
  -11725, -9420, -7910, -6801, -5948, -5233, -4599, -4039, -3507, -3030, -2596, -2170, -1774, -1383, -1016, -660,
  -329, -1, 337, 696, 1085, 1512, 1962, 2433, 2968, 3569, 4314, 5279, 6622, 8154, 10076, 12975,
];

/**
 * Reconstruction levels (in units of the band amplitude) of the quantisers
 * for 1 to 6 bits, one after the other: the `b`-bit quantiser's level for
 * code `v` is at index `2^b − 1 + v`. Index 0 is unused (0 bits: noise).
 */
export const DEQUANTIZATION: Float32Array = Float32Array.of(
  0.0,
  // 1 bit
  -0.8472560048, 0.7224709988,
  // 2 bits
  -1.5247479677, -0.4531480074, 0.3753609955, 1.4717899561,
  // 3 bits
  -1.9822579622, -1.1929379702, -0.5829370022, -0.0693780035, 0.3909569979, 0.9069200158, 1.486274004, 2.2215409279,
  // 4 bits
  -2.3887870312, -1.806753993, -1.4105420113, -1.0773609877, -0.7995010018, -0.5558109879, -0.3334020078, -0.1324490011,
  0.0568020009, 0.254877001, 0.4773550034, 0.7386850119, 1.0443060398, 1.3954459429, 1.8098750114, 2.3918759823,
  // 5 bits
  -2.3893830776, -1.988468051, -1.751404047, -1.5643119812, -1.3922129869, -1.2164649963, -1.0469499826, -0.8905100226,
  -0.7645580173, -0.645457983, -0.5259280205, -0.4059549868, -0.3029719889, -0.2096900046, -0.1239869967, -0.0479229987,
  0.025773, 0.1001340002, 0.1737180054, 0.2585540116, 0.3522900045, 0.4569880068, 0.5767750144, 0.7003160119,
  0.8425520062, 1.00938797, 1.1821349859, 1.3534560204, 1.5320819616, 1.7332619429, 1.9722349644, 2.3978140354,
  // 6 bits
  -2.5756309032, -2.0573320389, -1.8984919786, -1.7727810144, -1.666260004, -1.5742180347, -1.4993319511, -1.43166399,
  -1.3652280569, -1.3000990152, -1.2280930281, -1.1588579416, -1.0921250582, -1.0135740042, -0.9202849865, -0.8287050128,
  -0.7374889851, -0.6447759867, -0.5590940118, -0.4857139885, -0.4110319912, -0.3459700048, -0.2851159871, -0.2341620028,
  -0.1870580018, -0.1442500055, -0.1107169986, -0.0739680007, -0.0365610011, -0.0073290002, 0.0203610007, 0.0479039997,
  0.0751969963, 0.0980999991, 0.1220389977, 0.1458999962, 0.1694349945, 0.1970459968, 0.2252430022, 0.2556869984,
  0.2870100141, 0.3197099864, 0.3525829911, 0.3889069855, 0.4334920049, 0.4769459963, 0.5204820037, 0.5644530058,
  0.6122040153, 0.6685929894, 0.7341650128, 0.8032159805, 0.8784040213, 0.9566209912, 1.0397069454, 1.1293770075,
  1.2211159468, 1.3080279827, 1.4024800062, 1.5056819916, 1.6227730513, 1.772495985, 1.9430880547, 2.2903931141,
);
