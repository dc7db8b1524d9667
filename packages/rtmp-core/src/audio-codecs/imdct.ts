/**
 * A fast inverse MDCT for our own audio decoders, through a complex FFT of
 * a quarter of its output length.
 *
 * For M coefficients X[0..M−1] the inverse MDCT is the 2M outputs
 * ```
 * y[n] = Σₖ X[k] · cos(π/M · (n + ½ + M/2) · (k + ½)),   n = 0..2M−1
 * ```
 * and only its middle half `h[n] = y[n + M/2]` (n = 0..M−1) needs computing:
 * the rest follows by symmetry (`y[n] = −y[M−1−n]` below M/2,
 * `y[n] = y[3M−1−n]` from 3M/2). `h` is a DST-IV of X with alternating
 * signs, that is a DCT-IV of it reversed, computed as in the usual
 * construction: pair the inputs into M/2 complex values
 * `z[k] = X[M−1−2k] − i·X[2k]`, pre-rotate by `e^{−iπ(4k+1)/4M}`, take an
 * M/2-point FFT, post-rotate by `e^{−iπj/M}`; then `h[2j]` is the real part
 * of value j and `h[M−1−2j]` its imaginary part.
 */

/** See the file comment. One instance per size; it owns its scratch (not re-entrant). */
export class Imdct {
  /** Number of coefficients, M. */
  readonly size: number;
  private readonly quarter: number;
  private readonly preCos: Float64Array;
  private readonly preSin: Float64Array;
  private readonly postCos: Float64Array;
  private readonly postSin: Float64Array;
  private readonly fftCos: Float64Array;
  private readonly fftSin: Float64Array;
  private readonly bitReverse: Uint16Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;

  /** @throws TypeError unless `size` is a power of two from 4 to 8192. */
  constructor(size: number) {
    if (!Number.isInteger(size) || size < 4 || size > 8192 || (size & (size - 1)) !== 0) {
      throw new TypeError(`size must be a power of two from 4 to 8192, got ${size}`);
    }
    this.size = size;
    const l = size / 2;
    this.quarter = l;
    this.preCos = new Float64Array(l);
    this.preSin = new Float64Array(l);
    this.postCos = new Float64Array(l);
    this.postSin = new Float64Array(l);
    for (let k = 0; k < l; k++) {
      const a = (-Math.PI * (4 * k + 1)) / (4 * size);
      this.preCos[k] = Math.cos(a);
      this.preSin[k] = Math.sin(a);
      const b = (-Math.PI * k) / size;
      this.postCos[k] = Math.cos(b);
      this.postSin[k] = Math.sin(b);
    }
    this.fftCos = new Float64Array(l / 2);
    this.fftSin = new Float64Array(l / 2);
    for (let m = 0; m < l / 2; m++) {
      this.fftCos[m] = Math.cos((-2 * Math.PI * m) / l);
      this.fftSin[m] = Math.sin((-2 * Math.PI * m) / l);
    }
    const bitsCount = Math.log2(l);
    this.bitReverse = new Uint16Array(l);
    for (let i = 0; i < l; i++) {
      let r = 0;
      for (let b = 0; b < bitsCount; b++) if (i & (1 << b)) r |= 1 << (bitsCount - 1 - b);
      this.bitReverse[i] = r;
    }
    this.re = new Float64Array(l);
    this.im = new Float64Array(l);
  }

  /**
   * Writes the middle half of the inverse MDCT of `input[0..M−1]` to
   * `output[0..M−1]` (`output[n] = y[n + M/2]`). No allocation.
   */
  middleHalf(input: Float64Array, output: Float64Array): void {
    const m = this.size;
    const l = this.quarter;
    const { re, im, preCos, preSin, postCos, postSin, bitReverse } = this;
    // Pair, pre-rotate, and store in bit-reversed order for the FFT.
    for (let k = 0; k < l; k++) {
      const a = input[m - 1 - 2 * k]!;
      const b = -input[2 * k]!;
      const c = preCos[k]!;
      const s = preSin[k]!;
      const at = bitReverse[k]!;
      re[at] = a * c - b * s;
      im[at] = a * s + b * c;
    }
    this.fft();
    for (let j = 0; j < l; j++) {
      const c = postCos[j]!;
      const s = postSin[j]!;
      const r = re[j]!;
      const i = im[j]!;
      output[2 * j] = r * c - i * s;
      output[m - 1 - 2 * j] = r * s + i * c;
    }
  }

  /** In-place radix-2 decimation-in-time FFT of re/im (already bit-reversed), forward (e^{−i}). */
  private fft(): void {
    const l = this.quarter;
    const { re, im, fftCos, fftSin } = this;
    for (let span = 1; span < l; span *= 2) {
      const stride = l / (2 * span);
      for (let start = 0; start < l; start += 2 * span) {
        for (let j = 0; j < span; j++) {
          const c = fftCos[j * stride]!;
          const s = fftSin[j * stride]!;
          const a = start + j;
          const b = a + span;
          const br = re[b]!;
          const bi = im[b]!;
          const tr = br * c - bi * s;
          const ti = br * s + bi * c;
          const ar = re[a]!;
          const ai = im[a]!;
          re[a] = ar + tr;
          im[a] = ai + ti;
          re[b] = ar - tr;
          im[b] = ai - ti;
        }
      }
    }
  }
}
