/**
 * The Speex perceptual enhancer (decoder only, narrowband layer): a comb
 * filter in the excitation domain that reinforces the pitch harmonics and so
 * lowers the coding noise heard between them. The manual leaves it
 * implementation-defined ("Perceptual enhancement: optional"); this one
 * reproduces the reference decoder's (libspeex 1.2, on by default, and so on
 * in FFmpeg's libspeex decoder), so our output can be compared with theirs
 * sample by sample.
 *
 * For each 80-sample half-frame it finds the best fractional lag (whole,
 * ¼, ½, ¾ sample) near the pitch one period back and one period ahead (or
 * two periods back for long pitches), adds both shifted copies with gains
 * that grow with how periodic the signal is, and rescales the result so it
 * is no louder than the excitation it came from.
 */
import { ENHANCER_SHIFT_FILTERS } from './speex-tables.ts';

/** Half-frame length the enhancer works on. */
const N = 80;
/** Pitches above this look two periods back instead of one ahead. */
const MAX_FORWARD_PITCH = 40;

// Scratch (the decoder is synchronous, so one set serves every instance).
const shifted = new Float32Array(2 * N);
const corr = new Float64Array(4 * 7);

/** Σ x[xo+i]·y[yo+i] for i < N. */
function dot(x: Float32Array, xo: number, y: Float32Array, yo: number): number {
  let s = 0;
  for (let i = 0; i < N; i++) s += x[xo + i]! * y[yo + i]!;
  return s;
}

/**
 * Writes to `dst[dstOff..+N)` the excitation at `exc[off..]` delayed by
 * `pitch` (negative: advanced), refined to the best of 28 candidate lags: 7
 * whole-sample lags around `pitch`, each also with the three fractional
 * shifts, scored by correlation with the undelayed excitation.
 */
function shiftByPitch(exc: Float32Array, off: number, pitch: number, dst: Float32Array, dstOff: number): void {
  for (let i = 0; i < 7; i++) corr[i] = dot(exc, off, exc, off - pitch - 3 + i);
  for (let f = 0; f < 3; f++) {
    const h = ENHANCER_SHIFT_FILTERS[f]!;
    for (let j = 0; j < 7; j++) {
      const k0 = Math.max(0, 3 - j);
      const k1 = Math.min(7, 10 - j);
      let s = 0;
      for (let k = k0; k < k1; k++) s += h[k]! * corr[j + k - 3]!;
      corr[7 * (f + 1) + j] = s;
    }
  }
  let best = 0;
  for (let c = 1; c < 28; c++) if (corr[c]! > corr[best]!) best = c;
  const frac = (best / 7) | 0;
  const lag = pitch - (best % 7) + 3;
  if (frac === 0) {
    for (let i = 0; i < N; i++) dst[dstOff + i] = exc[off + i - lag]!;
    return;
  }
  const h = ENHANCER_SHIFT_FILTERS[frac - 1]!;
  for (let i = 0; i < N; i++) {
    const base = off + i - lag - 3;
    let s = 0;
    for (let k = 0; k < 7; k++) s += exc[base + k]! * h[k]!;
    dst[dstOff + i] = s;
  }
}

/**
 * Enhances the 80 excitation samples at `exc[off..]` into `out[outOff..]`.
 * `exc` must hold 2·pitch + 6 samples of history before `off` and
 * pitch + 6 after the half-frame when pitch ≤ 40.
 */
export function combEnhance(
  exc: Float32Array,
  off: number,
  out: Float32Array,
  outOff: number,
  pitch: number,
  combGain: number,
): void {
  const far = pitch > MAX_FORWARD_PITCH;
  shiftByPitch(exc, off, pitch, shifted, 0);
  shiftByPitch(exc, off, far ? 2 * pitch : -pitch, shifted, N);

  const mag0 = Math.sqrt(1000 + dot(shifted, 0, shifted, 0));
  const mag1 = Math.sqrt(1000 + dot(shifted, N, shifted, N));
  const magExc = Math.sqrt(1 + dot(exc, off, exc, off));
  const corr0 = Math.max(0, dot(shifted, 0, exc, off));
  const corr1 = Math.max(0, dot(shifted, N, exc, off));
  // Normalised correlation with each shifted copy: how periodic the signal is.
  const p0 = corr0 > mag0 * magExc ? 1 : corr0 / magExc / mag0;
  const p1 = corr1 > mag1 * magExc ? 1 : corr1 / magExc / mag1;
  const c1 = 0.4 * combGain + 0.07;
  const c2 = 0.5 + 1.72 * (c1 - 0.07);
  const g0 = c1 / Math.max(c1, 1 - c2 * p0 * p0);
  const g1 = c1 / Math.max(c1, 1 - c2 * p1 * p1);
  const gain0 = (far ? 0.7 : 0.6) * g0 * (magExc / mag0);
  const gain1 = (far ? 0.3 : 0.6) * g1 * (magExc / mag1);

  let oldEnergy = 0;
  let newEnergy = 0;
  for (let i = 0; i < N; i++) {
    const e = exc[off + i]!;
    const v = Math.fround(e + gain0 * shifted[i]! + gain1 * shifted[N + i]!);
    out[outOff + i] = v;
    oldEnergy += e * e;
    newEnergy += v * v;
  }
  const newRms = Math.max(1, Math.sqrt(0.1 + newEnergy / N));
  const oldRms = Math.min(Math.max(1, Math.sqrt(0.1 + oldEnergy / N)), newRms);
  const norm = oldRms / newRms;
  for (let i = 0; i < N; i++) out[outOff + i] = norm * out[outOff + i]!;
}
