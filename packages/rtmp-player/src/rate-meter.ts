/**
 * Rate meters behind `<rtmp-player>.stats` (bitrate, fps).
 * Bounded: fixed-size buckets, no per-packet history.
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
