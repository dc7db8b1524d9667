/**
 * Comparing decoded PCM with a reference decoder's: the signal-to-noise
 * ratio of ours against theirs, at the best alignment within a few blocks.
 */

/** What {@link compareWithReference} found. */
export interface PcmComparison {
  /** 10·log10(Σ ref² / Σ (ref − ours)²) over the overlap, dB. */
  snrDb: number;
  /** Samples ours is ahead of the reference by (ours[i + lag] ~ ref[i]). */
  lag: number;
  /** Samples compared. */
  samples: number;
}

function snrAt(ours: Float32Array, ref: Float32Array, lag: number): { snrDb: number; samples: number } {
  let signal = 0;
  let noise = 0;
  let samples = 0;
  const from = Math.max(0, -lag);
  const to = Math.min(ref.length, ours.length - lag);
  for (let i = from; i < to; i++) {
    const r = ref[i]!;
    const e = r - ours[i + lag]!;
    signal += r * r;
    noise += e * e;
    samples++;
  }
  return { snrDb: noise === 0 ? Infinity : 10 * Math.log10(signal / noise), samples };
}

/**
 * The SNR of `ours` against `ref` at the best lag in −maxLag..maxLag (found
 * on a window of 4096 samples, then measured over the whole overlap). No
 * gain is fitted: the level must match too.
 */
export function compareWithReference(ours: Float32Array, ref: Float32Array, maxLag = 512): PcmComparison {
  const start = Math.min(4096, Math.max(0, ref.length - 4096 - maxLag));
  const window = ref.subarray(start, start + 4096);
  let bestLag = 0;
  let bestSnr = -Infinity;
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    if (start + lag < 0) continue;
    const r = snrAt(ours.subarray(start + lag), window, 0);
    if (r.snrDb > bestSnr) {
      bestSnr = r.snrDb;
      bestLag = lag;
    }
  }
  return { ...snrAt(ours, ref, bestLag), lag: bestLag };
}

/** Joins PCM chunks (copies). */
export function concatPcm(chunks: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
