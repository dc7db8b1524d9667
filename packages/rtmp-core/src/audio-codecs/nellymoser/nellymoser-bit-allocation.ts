/**
 * Nellymoser's bit allocation: how a half-block's 198 detail bits are
 * shared among its 124 coefficients, from the band exponents alone.
 *
 * Nothing in the block says how many bits each coefficient has: the decoder
 * must reach exactly the encoder's answer, so this is the format's own
 * fixed-point procedure (16-bit intermediate values included), not a free
 * design. In words:
 *
 * - Each exponent is scaled so the largest has 16-bit headroom, and
 *   weighted by 3/4: `e'`. One bit of allocation is then `2^s` of `e'`.
 * - A coefficient gets `round((e' − level) / 2^s)` bits, clamped to 0..6,
 *   and `level` (a water level) is searched so the total is 198:
 *   1. first guess: `level = (Σe' − 198·2^s) / 124`;
 *   2. steps of `(total − 198) / 124` bits until the total crosses 198;
 *   3. bisection between the last two levels; steps 2 and 3 share a budget
 *      of 19 counts;
 *   4. of the two levels bracketing 198, the closer one wins (the one under
 *      budget on a tie);
 *   5. if the winner is over budget, the coefficient holding the 198th bit
 *      keeps only what fits and every later one gets none.
 *
 * Every division by 124 is the fixed-point multiply by 4228 / 2^19.
 * Shifts and overflows follow 32-bit two's-complement arithmetic, which is
 * what JavaScript's `<<`, `>>` and `Math.imul` give.
 */
import { NELLY_CODED, NELLY_DETAIL_BITS, NELLY_MAX_BITS } from './nellymoser-tables.ts';

// Local copies for the hot loops: where modules are compiled to CommonJS
// (tsx, test runners) every use of an imported binding is a getter call.
const CODED = NELLY_CODED;
const MAX_BITS = NELLY_MAX_BITS;

/** 2^19 / 124, rounded: "divide by the number of coefficients" in Q19. */
const PER_COEFFICIENT_Q19 = 4228;
/** Counts the search may make after the first guess. */
const MAX_COUNTS = 19;

/** `x · 2^n` for n > 0 (wrapping at 32 bits), `⌊x / 2^−n⌋` otherwise. */
function shiftBy(x: number, n: number): number {
  return n > 0 ? x << n : x >> -n;
}

/** How far `x` can be shifted left and stay under 2^31 in magnitude (31 for 0). */
function headroom(x: number): number {
  return x === 0 ? 31 : Math.clz32(Math.abs(x)) - 1;
}

/** Bits one coefficient gets at `level`: ⌊(e' − level) / 2^s + ½⌋, clamped to 0..6. */
function bitsAt(weighted: number, level: number, s: number): number {
  const b = (((weighted - level) >> (s - 1)) + 1) >> 1;
  return b < 0 ? 0 : b > MAX_BITS ? MAX_BITS : b;
}

/** The total allocation at `level` (which the format reads as a 16-bit value here). */
function totalAt(weighted: Int16Array, level: number, s: number): number {
  const l16 = (level << 16) >> 16;
  let total = 0;
  for (let i = 0; i < CODED; i++) total += bitsAt(weighted[i]!, l16, s);
  return total;
}

/**
 * Fills `bits[0..123]` with each coefficient's bit count for a block whose
 * per-coefficient exponents are `exponents[0..123]` (integers, as the
 * envelope gives them). `weighted` is scratch space of at least 124 entries.
 * Returns the total. Any input gives an allocation with none over 6 bits;
 * it never throws. Real streams come to 198 or a little under (the search
 * may stop below budget); only envelopes no encoder makes, where the
 * format's 16-bit level wraps, can total more, and a decoder must refuse
 * those blocks (their bits would run past the block).
 */
export function allocateNellymoserBits(exponents: Float64Array, weighted: Int16Array, bits: Int32Array): number {
  const target = NELLY_DETAIL_BITS;
  let peak = 0;
  for (let i = 0; i < CODED; i++) if (exponents[i]! > peak) peak = exponents[i]!;
  const toQ = headroom(peak) - 16;
  let sum = 0;
  for (let i = 0; i < CODED; i++) {
    weighted[i] = shiftBy(exponents[i]!, toQ); // a 16-bit store, wrapping
    weighted[i] = (3 * weighted[i]!) >> 2;
    sum += weighted[i]!;
  }
  const s = toQ + 11;

  // 1. The first guess, (Σe' − 198·2^s) / 124, computed on the normalised excess.
  const excess = (sum - (target << s)) | 0;
  const h = headroom(excess);
  const normalised = Math.imul(excess, 1 << h);
  let level = shiftBy((PER_COEFFICIENT_Q19 * (normalised >> 16)) >> 15, 12 - h);
  let total = totalAt(weighted, level, s);

  if (total !== target) {
    // 2. Steps of (total − 198)/124 bits (the miss normalised to 15 bits first).
    let miss = total - target;
    let k = 0;
    while (Math.abs(miss) <= 16383) {
      miss *= 2;
      k++;
    }
    const step = shiftBy((miss * PER_COEFFICIENT_Q19) >> 15, s - 4 - k);
    let prevLevel = level;
    let prevTotal = total;
    let counts = 1;
    for (; counts <= MAX_COUNTS; counts++) {
      prevLevel = level;
      prevTotal = total;
      level = (level + step) | 0;
      total = totalAt(weighted, level, s);
      if ((total - target) * (prevTotal - target) <= 0) break;
    }
    // The pair of levels around the target: `more` gives the larger total.
    let moreLevel: number;
    let moreTotal: number;
    let lessLevel: number;
    let lessTotal: number;
    if (total > target) {
      moreLevel = level;
      moreTotal = total;
      lessLevel = prevLevel;
      lessTotal = prevTotal;
    } else {
      moreLevel = prevLevel;
      moreTotal = prevTotal;
      lessLevel = level;
      lessTotal = total;
    }
    // 3. Bisection, within what is left of the budget.
    while (total !== target && counts <= MAX_COUNTS) {
      const mid = (moreLevel + lessLevel) >> 1;
      total = totalAt(weighted, mid, s);
      if (total > target) {
        moreLevel = mid;
        moreTotal = total;
      } else {
        lessLevel = mid;
        lessTotal = total;
      }
      counts++;
    }
    // 4. The closer of the two; under budget on a tie.
    if (Math.abs(moreTotal - target) >= Math.abs(lessTotal - target)) {
      level = lessLevel;
      total = lessTotal;
    } else {
      level = moreLevel;
      total = moreTotal;
    }
  }

  // The allocation itself takes the level at full width.
  let sumBits = 0;
  for (let i = 0; i < CODED; i++) {
    const b = bitsAt(weighted[i]!, level, s);
    bits[i] = b;
    sumBits += b;
  }

  // 5. Over budget: cut at the 198th bit.
  if (total > target) {
    let used = 0;
    let i = 0;
    while (used < target && i < CODED) used += bits[i++]!;
    if (used > target) bits[i - 1] = bits[i - 1]! - (used - target);
    for (; i < CODED; i++) bits[i] = 0;
    sumBits = Math.min(used, target);
  }
  return sumBits;
}
