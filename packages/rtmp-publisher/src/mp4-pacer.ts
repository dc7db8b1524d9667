/**
 * Real-time pacing for file samples: a sample is due when its decode time,
 * plus one file duration per completed loop, has passed on the wall clock
 * since the start. Like FFmpeg's `-re`, which reads input at its native rate.
 *
 * Pure logic (time comes in), so looping and timestamp continuity are
 * unit-tested without a browser.
 */

/** A sample the pacer schedules; only the decode time matters to it. */
export interface PacedSample {
  /** Decode time from the start of the file, µs. */
  dtsUs: number;
}

/** A due sample, with its time on the session clock (loops continue the timeline). */
export interface DueSample<T extends PacedSample> {
  sample: T;
  /** `sample.dtsUs` plus the loops before this one, µs. */
  offsetUs: number;
  /** Which pass over the file, from 0. */
  loop: number;
}

/** See the file comment. */
export class Mp4Pacer<T extends PacedSample> {
  private index = 0;
  private loop = 0;

  /**
   * @param samples in decode order
   * @param durationUs the file's length: where the next loop starts
   * @param loop whether to start over at the end
   */
  constructor(
    private readonly samples: readonly T[],
    private readonly durationUs: number,
    private readonly looping: boolean,
  ) {
    if (!(durationUs > 0) && samples.length > 0) throw new TypeError('Mp4Pacer: durationUs must be > 0');
  }

  /** True when every sample was handed out and there is no loop. */
  get done(): boolean {
    return !this.looping && this.index >= this.samples.length;
  }

  /** The samples due at `elapsedUs` since the start, in decode order. */
  due(elapsedUs: number): DueSample<T>[] {
    const out: DueSample<T>[] = [];
    // Bounded: at most one whole pass per call, so a long stall (a
    // background tab) cannot turn into an unbounded burst.
    for (let n = 0; n <= this.samples.length; n++) {
      if (this.index >= this.samples.length) {
        if (!this.looping || this.samples.length === 0) break;
        this.index = 0;
        this.loop++;
      }
      const s = this.samples[this.index]!;
      const at = s.dtsUs + this.loop * this.durationUs;
      if (at > elapsedUs) break;
      out.push({ sample: s, offsetUs: at, loop: this.loop });
      this.index++;
    }
    return out;
  }

  /** µs until the next sample is due, from `elapsedUs` (Infinity when done). */
  nextDueInUs(elapsedUs: number): number {
    if (this.done || this.samples.length === 0) return Infinity;
    const i = this.index >= this.samples.length ? 0 : this.index;
    const loop = this.index >= this.samples.length ? this.loop + 1 : this.loop;
    return Math.max(0, this.samples[i]!.dtsUs + loop * this.durationUs - elapsedUs);
  }
}
