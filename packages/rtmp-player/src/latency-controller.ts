/**
 * Keeps playback live: decides, from how much media is buffered ahead of the
 * playhead, whether to play at normal speed, a little faster, or jump ahead
 * to a keyframe. Pure logic (the worker feeds it numbers), so it is unit
 * tested in Node.
 *
 * It looks at the buffer's floor over a short window, not its instant value:
 * the buffer saw-tooths with every arriving frame and audio packet, and the
 * floor is what is really extra. Because it steers the buffer to the target
 * whatever the cause (a background tab, slow decoding, a server's GOP-cache
 * burst, or the audio device's clock running slower than the sender's),
 * latency cannot drift upward over hours.
 */

/** What the controller wants the player to do. */
export interface LatencyDecision {
  /** Playback rate, 1 or a little above. */
  rate: number;
  /** True: drop to the newest keyframe now. */
  jump: boolean;
}

/** Options for {@link LatencyController}. */
export interface LatencyControllerOptions {
  /** Target latency (buffer), ms. */
  targetMs: number;
  /** Highest catch-up rate. Default 1.1 (pitch shifts a little; short-lived). */
  maxRate?: number;
  /** Window of the buffer floor, ms. Default 1000. */
  windowMs?: number;
}

/** See the file comment. */
export class LatencyController {
  targetMs: number;
  private readonly maxRate: number;
  private readonly windowMs: number;
  private samples: { at: number; bufferMs: number }[] = [];
  private catchingUp = false;

  constructor(options: LatencyControllerOptions) {
    this.targetMs = options.targetMs;
    this.maxRate = options.maxRate ?? 1.1;
    this.windowMs = options.windowMs ?? 1000;
  }

  /** Above this buffer the player jumps instead of speeding up, ms. */
  get jumpThresholdMs(): number {
    return this.targetMs * 2 + 1000;
  }

  /** Feeds the buffer level at wall time `at` (ms) and returns the decision. */
  update(at: number, bufferMs: number): LatencyDecision {
    this.samples.push({ at, bufferMs });
    // Bounded: only the window's samples are kept.
    while (this.samples.length > 0 && this.samples[0]!.at < at - this.windowMs) this.samples.shift();
    if (this.samples.length > 512) this.samples.splice(0, this.samples.length - 512);
    let floor = Infinity;
    for (const s of this.samples) floor = Math.min(floor, s.bufferMs);
    if (bufferMs > this.jumpThresholdMs && floor > this.jumpThresholdMs) {
      this.samples = [];
      this.catchingUp = false;
      return { rate: 1, jump: true };
    }
    // Hysteresis: start catching up above target + 100 ms, stop at the target.
    const excess = floor - this.targetMs;
    if (!this.catchingUp && excess > 100) this.catchingUp = true;
    else if (this.catchingUp && excess <= 0) this.catchingUp = false;
    if (!this.catchingUp) return { rate: 1, jump: false };
    // Proportional: half a second too much → the maximum rate; never slower
    // than 3 % faster, so a small excess still drains in seconds.
    const rate = 1 + Math.min(this.maxRate - 1, Math.max(0.03, (excess / 500) * (this.maxRate - 1)));
    return { rate: Math.round(rate * 100) / 100, jump: false };
  }

  /** Forgets history (after a jump, a flush or a new stream). */
  reset(): void {
    this.samples = [];
    this.catchingUp = false;
  }
}
