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
  for (let i = 0; i < order; i++) out[i] = (1 - t) * prev[i]! + t * cur[i]!;
  if (out[0]! < margin) out[0] = margin;
  if (out[order - 1]! > Math.PI - margin) out[order - 1] = Math.PI - margin;
  for (let i = 1; i < order - 1; i++) {
    const below = out[i - 1]! + margin;
    if (out[i]! < below) out[i] = below;
    const above = out[i + 1]! - margin;
    if (out[i]! > above) out[i] = 0.5 * (out[i]! + above);
  }
}

/**
 * cos(x) for 0 ≤ x ≤ π by the reference decoder's polynomial (not Math.cos):
 * the LPCs it gives differ from exact ones by ~1e-6, and matching them keeps
 * our output sample-close to the reference.
 */
function lspCos(x: number): number {
  const c1 = 0.9999932946;
  const c2 = -0.4999124376;
  const c3 = 0.0414877472;
  const c4 = -0.0012712095;
  if (x < 1.5707963268) {
    const x2 = x * x;
    return c1 + x2 * (c2 + x2 * (c3 + c4 * x2));
  }
  const y = Math.PI - x;
  const y2 = y * y;
  return -(c1 + y2 * (c2 + y2 * (c3 + c4 * y2)));
}

// Scratch polynomials for lspToLpc (the decoder is synchronous, so one set serves all).
const P = new Float64Array(12);
const Q = new Float64Array(12);

/**
 * LSPs → LPCs. With even-numbered LSPs ω0, ω2, ... and odd ω1, ω3, ...:
 *   P(z) = (1 + z^-1) Π (1 - 2cos(ω_2k) z^-1 + z^-2)
 *   Q(z) = (1 - z^-1) Π (1 - 2cos(ω_2k+1) z^-1 + z^-2)
 *   A(z) = (P(z) + Q(z)) / 2
 * `order` is even (10 or 8).
 */
export function lspToLpc(lsp: Float32Array, ak: Float32Array, order: number): void {
  const m = order >> 1;
  P.fill(0);
  Q.fill(0);
  P[0] = 1;
  Q[0] = 1;
  // Multiply in one second-order section per LSP pair; degree grows by 2 each time.
  for (let k = 0; k < m; k++) {
    const cp = -2 * lspCos(lsp[2 * k]!);
    const cq = -2 * lspCos(lsp[2 * k + 1]!);
    const deg = 2 * k;
    for (let d = deg + 2; d >= 2; d--) {
      P[d] = P[d]! + cp * P[d - 1]! + P[d - 2]!;
      Q[d] = Q[d]! + cq * Q[d - 1]! + Q[d - 2]!;
    }
    P[1] = P[1]! + cp * P[0]!;
    Q[1] = Q[1]! + cq * Q[0]!;
  }
  // (1 ± z^-1) and the average; only a1..a_order are needed.
  for (let j = 1; j <= order; j++) {
    const pj = P[j]! + P[j - 1]!;
    const qj = Q[j]! - Q[j - 1]!;
    ak[j - 1] = 0.5 * (pj + qj);
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
    for (let j = 0; j < order - 1; j++) mem[j] = mem[j + 1]! - ak[j]! * yi;
    mem[order - 1] = -ak[order - 1]! * yi;
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
