/**
 * Keeps playback at its target delay, in both directions: from the player
 * delay it is fed (how far the playhead is behind the live edge, see
 * {@link LiveEdge}), it decides to play at 1×, a little faster or slower,
 * or to jump forward or hold still. Pure logic (the worker feeds it
 * numbers), so it is unit tested in Node.
 *
 * It steers the median of the delay over a short window, not its instant
 * value, so the saw-tooth of arriving packets does not make it hunt. Small
 * errors are corrected by rate, proportionally, so they are gone within
 * {@link CONVERGE_MS}; errors a rate within ±{@link MAX_RATE_DELTA} cannot
 * correct that fast are corrected at once: a jump forward (to a keyframe,
 * then decoded through without being shown) or a hold (video frozen, audio
 * silent, for exactly the deficit). Because it steers whatever the cause
 * (a background tab, slow decoding, a GOP-cache burst, a stall, or the
 * audio device's clock running slower than the sender's), latency cannot
 * drift over hours.
 */

/** The correction time the rate is sized for: an error is corrected within this, ms. */
export const CONVERGE_MS = 2000;
/** The rate stays within 1 ± this (audio pitch shifts by as much, briefly). */
export const MAX_RATE_DELTA = 0.1;
/** After a step, no other for this long: the step's effect must show in the delay first, ms. */
const STEP_COOLDOWN_MS = 1000;
/** Errors under this (or {@link DEADBAND_FRACTION} of the target) are left alone, ms. */
const DEADBAND_MS = 15;
const DEADBAND_FRACTION = 0.05;

/** What the controller wants the player to do. */
export interface LatencyDecision {
  /** Playback rate, within 1 ± {@link MAX_RATE_DELTA}. */
  rate: number;
  /** `jump`: skip forward by `byMs`; `hold`: stand still for `byMs`; `none`: just the rate. */
  action: 'none' | 'jump' | 'hold';
  /** How far to jump or how long to hold, ms (0 with `none`). */
  byMs: number;
}

/** Options for {@link LatencyController}. */
export interface LatencyControllerOptions {
  /** Target delay, ms. */
  targetMs: number;
  /** Window of the delay's median, ms. Default 500. */
  windowMs?: number;
}

/** See the file comment. */
export class LatencyController {
  /** Target delay, ms; may change at any time (`latency="auto"` moves it). */
  targetMs: number;
  private readonly windowMs: number;
  private samples: { at: number; delayMs: number }[] = [];
  private correcting = false;
  private lastStepAt = -Infinity;

  constructor(options: LatencyControllerOptions) {
    this.targetMs = options.targetMs;
    this.windowMs = options.windowMs ?? 500;
  }

  /** An error larger than this is corrected by a jump or a hold, not by rate, ms. */
  get stepThresholdMs(): number {
    return CONVERGE_MS * MAX_RATE_DELTA;
  }

  /**
   * Feeds the player delay at wall time `at` (ms) and returns the decision.
   * `bufferMs` (media received and not yet played) bounds how much of an
   * excess can be played away, down to `minBufferMs` (what playback needs
   * waiting: an audio chunk, or nothing much for video alone): a delay that
   * is the link's, not the buffer's, is not chased (that would only run the
   * buffer dry).
   */
  update(at: number, delayMs: number, bufferMs = Infinity, minBufferMs = 0): LatencyDecision {
    this.samples.push({ at, delayMs });
    // Bounded: only the window's samples are kept.
    while (this.samples.length > 0 && this.samples[0]!.at < at - this.windowMs) this.samples.shift();
    if (this.samples.length > 256) this.samples.splice(0, this.samples.length - 256);
    const sorted = this.samples.map((s) => s.delayMs).sort((a, b) => a - b);
    const median = sorted[sorted.length >> 1]!;
    let error = median - this.targetMs;
    if (error > 0) error = Math.min(error, Math.max(0, bufferMs - minBufferMs));
    delayMs = Math.min(delayMs, this.targetMs + Math.max(0, bufferMs - minBufferMs));
    // A step when the rate could not correct it within CONVERGE_MS; the
    // current sample must agree (a single late report is not a reason).
    if (
      at - this.lastStepAt >= STEP_COOLDOWN_MS &&
      Math.abs(error) > this.stepThresholdMs &&
      Math.sign(delayMs - this.targetMs) === Math.sign(error) &&
      Math.abs(delayMs - this.targetMs) > this.stepThresholdMs
    ) {
      this.reset();
      this.lastStepAt = at;
      return { rate: 1, action: error > 0 ? 'jump' : 'hold', byMs: Math.round(Math.abs(error)) };
    }
    // Hysteresis: start correcting past the deadband, stop once the error changes sign.
    const deadband = Math.max(DEADBAND_MS, this.targetMs * DEADBAND_FRACTION);
    if (!this.correcting && Math.abs(error) > deadband) this.correcting = true;
    else if (this.correcting && Math.abs(error) <= deadband / 3) this.correcting = false;
    if (!this.correcting) return { rate: 1, action: 'none', byMs: 0 };
    // Proportional, with a time constant of a third of CONVERGE_MS (95 % gone
    // within it; up to the step threshold the capped rate still makes it), and
    // never by less than 2 %, so the last few ms do not linger.
    const delta = Math.max(0.02, Math.min(MAX_RATE_DELTA, (Math.abs(error) * 3) / CONVERGE_MS));
    const rate = 1 + Math.sign(error) * delta;
    return { rate: Math.round(rate * 100) / 100, action: 'none', byMs: 0 };
  }

  /** Forgets history (after a jump, a flush or a new stream). */
  reset(): void {
    this.samples = [];
    this.correcting = false;
  }
}
