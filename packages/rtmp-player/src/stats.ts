/**
 * Measurements behind `<rtmp-player>.stats`: rate meters (bitrate, fps) and
 * the live-edge estimator that turns media timestamps into a latency. All
 * bounded: fixed-size buckets, no per-packet history.
 */

/** Counts events per second over the last `buckets` seconds, in one-second buckets. */
export class RateMeter {
  private readonly counts: number[];
  private current = 0;
  private currentSecond = -1;

  constructor(private readonly buckets = 2) {
    this.counts = new Array<number>(buckets).fill(0);
  }

  /** Adds `n` at wall time `nowMs`. */
  add(n: number, nowMs: number): void {
    this.roll(nowMs);
    this.current += n;
  }

  /** Per-second rate over the last full buckets. */
  rate(nowMs: number): number {
    this.roll(nowMs);
    let sum = 0;
    for (const c of this.counts) sum += c;
    return sum / this.buckets;
  }

  private roll(nowMs: number): void {
    const sec = Math.floor(nowMs / 1000);
    if (this.currentSecond < 0) this.currentSecond = sec;
    while (this.currentSecond < sec) {
      this.counts.shift();
      this.counts.push(this.current);
      this.current = 0;
      this.currentSecond++;
      if (sec - this.currentSecond > this.buckets) this.currentSecond = sec - this.buckets;
    }
  }
}

/**
 * The live edge: the smallest (arrival wall time − media timestamp) seen
 * over the last ~10 s, i.e. the offset of the earliest-arriving media. A
 * windowed minimum, so a clock slipping over hours is followed, not frozen.
 */
export class LiveEdge {
  private readonly mins: number[] = [];
  private current = Infinity;
  private currentSlot = -1;

  /** Notes media with timestamp `ts` arriving at wall time `nowMs`. */
  arrived(ts: number, nowMs: number): void {
    const slot = Math.floor(nowMs / 1000);
    if (slot !== this.currentSlot) {
      if (this.currentSlot >= 0) this.mins.push(this.current);
      if (this.mins.length > 10) this.mins.shift();
      this.current = Infinity;
      this.currentSlot = slot;
    }
    this.current = Math.min(this.current, nowMs - ts);
  }

  /** The offset (wall − media) of the live edge; NaN before any media. */
  offset(): number {
    let m = this.current;
    for (const v of this.mins) m = Math.min(m, v);
    return Number.isFinite(m) ? m : NaN;
  }

  /** Forgets everything (a new timeline). */
  reset(): void {
    this.mins.length = 0;
    this.current = Infinity;
    this.currentSlot = -1;
  }
}
