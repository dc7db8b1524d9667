/**
 * The Speex decoder's spectral envelope: line spectral pairs (LSPs) decoded
 * from their vector-quantiser indices, interpolated per sub-frame, turned
 * into linear-prediction coefficients (LPCs), and the all-pole synthesis
 * filter 1/A(z) they define (Speex manual, "Whole-Frame Analysis": LSPs are
 * sent once a frame, belong to the last sub-frame, and the first three
 * sub-frames interpolate between the previous and the current frame's).
 *
 * Conventions: LSPs are angles in radians (0..π), ascending. LPCs are
 * a[1..p] of A(z) = 1 + a1 z^-1 + ... + ap z^-p, stored a[0..p-1].
 */
import type { SpeexBitReader } from './speex-bits.ts';
import {
  LSP_HIGH_STAGE1,
  LSP_HIGH_STAGE2,
  LSP_NB_HIGH1,
  LSP_NB_HIGH2,
  LSP_NB_LOW1,
  LSP_NB_LOW2,
  LSP_NB_STAGE1,
} from './speex-codebooks.ts';

/** Steps of the codebooks' fixed-point units, as the reference decoder rounds them. */
const DIV_256 = 0.0039062;
const DIV_512 = 0.0019531;
const DIV_1024 = 0.00097656;

/**
 * Narrowband LSPs, 30-bit quantiser (modes 5-7): a 6-bit first stage over all
 * ten, then two 6-bit refinements for each half (five indices in all).
 */
export function decodeLsp30(bits: SpeexBitReader, lsp: Float32Array): void {
  for (let i = 0; i < 10; i++) lsp[i] = 0.25 * i + 0.25;
  addStage(bits, lsp, 0, 10, LSP_NB_STAGE1, DIV_256);
  addStage(bits, lsp, 0, 5, LSP_NB_LOW1, DIV_512);
  addStage(bits, lsp, 0, 5, LSP_NB_LOW2, DIV_1024);
  addStage(bits, lsp, 5, 5, LSP_NB_HIGH1, DIV_512);
  addStage(bits, lsp, 5, 5, LSP_NB_HIGH2, DIV_1024);
}

/** Narrowband LSPs, 18-bit quantiser (modes 1-4 and 8): the first stage and one refinement per half. */
export function decodeLsp18(bits: SpeexBitReader, lsp: Float32Array): void {
  for (let i = 0; i < 10; i++) lsp[i] = 0.25 * i + 0.25;
  addStage(bits, lsp, 0, 10, LSP_NB_STAGE1, DIV_256);
  addStage(bits, lsp, 0, 5, LSP_NB_LOW1, DIV_512);
  addStage(bits, lsp, 5, 5, LSP_NB_HIGH1, DIV_512);
}

/** High-band LSPs of the SB-CELP layer (order 8), 12 bits: two 6-bit stages (manual, "Speex wideband mode"). */
export function decodeHighBandLsp(bits: SpeexBitReader, lsp: Float32Array): void {
  for (let i = 0; i < 8; i++) lsp[i] = 0.3125 * i + 0.75;
  addStage(bits, lsp, 0, 8, LSP_HIGH_STAGE1, DIV_256);
  addStage(bits, lsp, 0, 8, LSP_HIGH_STAGE2, DIV_512);
}

/** Reads one 6-bit index and adds that codebook vector (of `n`, at `from`) scaled by `step`. */
function addStage(bits: SpeexBitReader, lsp: Float32Array, from: number, n: number, cb: Int8Array, step: number): void {
  const base = bits.read(6) * n;
  for (let i = 0; i < n; i++) lsp[from + i] = lsp[from + i]! + step * cb[base + i]!;
}

/**
 * The LSPs of sub-frame `sub` (0-based) of `subframes`: linear between the
 * previous frame's and this frame's, then kept `margin` apart from each other
 * and from 0 and π so the filter stays stable.
 */
export function interpolateLsp(
  prev: Float32Array,
  cur: Float32Array,
  out: Float32Array,
  order: number,
  sub: number,
  subframes: number,
  margin: number,
): void {
  const t = Math.fround((1 + sub) / subframes);
  const u = Math.fround(1 - t);
  for (let i = 0; i < order; i++) out[i] = Math.fround(u * prev[i]!) + Math.fround(t * cur[i]!);
  if (out[0]! < margin) out[0] = margin;
  if (out[order - 1]! > Math.PI - margin) out[order - 1] = Math.PI - margin;
  for (let i = 1; i < order - 1; i++) {
    const below = out[i - 1]! + margin;
    if (out[i]! < below) out[i] = below;
    const above = out[i + 1]! - margin;
    if (out[i]! > above) out[i] = 0.5 * (out[i]! + above);
  }
}

const f = Math.fround;

/**
 * cos(x) for 0 ≤ x ≤ π by the reference decoder's polynomial in single
 * precision (not Math.cos). A pure tone's LPC filter has poles so close to
 * the unit circle that coefficient differences of one float ulp grow to
 * audible sample differences within a sub-frame; computing exactly what the
 * reference computes keeps our output sample-close to it.
 */
function lspCos(x: number): number {
  const c1 = f(0.9999932946);
  const c2 = f(-0.4999124376);
  const c3 = f(0.0414877472);
  const c4 = f(-0.0012712095);
  let y = x;
  let sign = 1;
  if (x >= 1.5707963268) {
    y = f(Math.PI - x);
    sign = -1;
  }
  const y2 = f(y * y);
  return sign * f(c1 + f(y2 * f(c2 + f(y2 * f(c3 + f(c4 * y2))))));
}

// Scratch for lspToLpc (the decoder is synchronous, so one set serves all):
// the two delays of each second-order section, for P and for Q.
const cosines = new Float32Array(10);
const delays = new Float32Array(4 * 5 + 2);

/**
 * LSPs → LPCs, in single precision as the reference computes them. With
 * even-numbered LSPs ω0, ω2, ... and odd ω1, ω3, ...:
 *   P(z) = (1 + z^-1) Π (1 - 2cos(ω_2k) z^-1 + z^-2)
 *   Q(z) = (1 - z^-1) Π (1 - 2cos(ω_2k+1) z^-1 + z^-2)
 *   A(z) = (P(z) + Q(z)) / 2
 * evaluated as the impulse response of the cascaded sections, one
 * coefficient per step. `order` is even (10 or 8).
 */
export function lspToLpc(lsp: Float32Array, ak: Float32Array, order: number): void {
  const m = order >> 1;
  for (let i = 0; i < order; i++) cosines[i] = lspCos(lsp[i]!);
  delays.fill(0);
  const d = delays;
  for (let j = 0; j <= order; j++) {
    // P's path and Q's path, fed the impulse at j = 0.
    let p = j === 0 ? 1 : 0;
    let q = p;
    for (let k = 0; k < m; k++) {
      const b = 4 * k;
      const pOut = f(f(p - f(f(2 * cosines[2 * k]!) * d[b]!)) + d[b + 1]!);
      const qOut = f(f(q - f(f(2 * cosines[2 * k + 1]!) * d[b + 2]!)) + d[b + 3]!);
      d[b + 1] = d[b]!;
      d[b + 3] = d[b + 2]!;
      d[b] = p;
      d[b + 2] = q;
      p = pOut;
      q = qOut;
    }
    const last = 4 * m;
    if (j > 0) ak[j - 1] = f(f(f(p + d[last]!) + f(q - d[last + 1]!)) * 0.5);
    d[last] = p;
    d[last + 1] = q;
  }
}

/** Scales LPC k by gamma^k (bandwidth expansion: a flatter, safer envelope). */
export function expandBandwidth(gamma: number, ak: Float32Array, out: Float32Array, order: number): void {
  let g = gamma;
  for (let i = 0; i < order; i++) {
    out[i] = g * ak[i]!;
    g = Math.fround(g * gamma);
  }
}

/**
 * The synthesis filter 1/A(z), transposed direct form: `n` samples from
 * `x[xOff..]` to `y[yOff..]` (may be the same place), `mem` (length `order`)
 * carrying the state from call to call.
 */
export function synthesize(
  x: Float32Array,
  xOff: number,
  ak: Float32Array,
  y: Float32Array,
  yOff: number,
  n: number,
  order: number,
  mem: Float32Array,
): void {
  for (let i = 0; i < n; i++) {
    const yi = Math.fround(x[xOff + i]! + mem[0]!);
    for (let j = 0; j < order - 1; j++) mem[j] = mem[j + 1]! - Math.fround(ak[j]! * yi);
    mem[order - 1] = -Math.fround(ak[order - 1]! * yi);
    y[yOff + i] = yi;
  }
}

/** Root mean square of `n` samples from `off`, with the reference decoder's small bias (never 0). */
export function rms(x: Float32Array, off: number, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = x[off + i]!;
    sum += v * v;
  }
  return Math.sqrt(0.1 + sum / n);
}
