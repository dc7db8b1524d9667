/**
 * Which captured video frames to encode, and which of them to make
 * keyframes: pure logic on capture timestamps (µs), so it is tested in Node
 * with jittered sequences (test/frame-schedule.test.ts).
 *
 * Both follow an ideal schedule that advances by exactly one period from the
 * previous slot, never from a frame's own timestamp. Capture timestamps
 * jitter around their mean: a canvas drawn from `setTimeout` and captured as
 * Chromium composites it gives gaps alternating ~21/46 ms at 30 fps. A
 * limiter that compares each frame with the last one kept drops every short
 * gap (30 fps became 15–22 fps); a schedule lets a frame be early or late by
 * part of a period and still bounds the average to the configured rate.
 */

/** How early a frame may be for its slot, in periods. Above ½ so 16.7/50 ms vsync alternations at 30 fps keep every frame. */
const EARLY_TOLERANCE = 0.6;

/**
 * Keeps frames at no more than `framerate` on average.
 *
 * A frame is due when its timestamp is at or past the next slot minus
 * {@link EARLY_TOLERANCE} of a period. Taking it moves the slot one period
 * on from the slot it filled, so a late frame leaves the next slot where it
 * was (the next frame may then follow it closely) and an early one does not
 * pull the schedule forward: over any run of kept frames the rate stays at or
 * below `framerate`. A source faster than `framerate` (60 → 30) is thinned to
 * `framerate`; a source at or below it keeps every frame.
 *
 * A frame late by a period or more (a gap in the source) re-anchors the
 * schedule on itself, so the frames after a gap never catch up in a burst,
 * and a timestamp that jumps back (a new capture clock) restarts it. Over
 * any window the limiter keeps at most two frames more than the rate allows
 * (the tolerance and less than a period of lateness).
 */
export class FrameRateLimiter {
  private readonly periodUs: number;
  private readonly toleranceUs: number;
  /** The slot the next kept frame fills; null before the first. */
  private nextUs: number | null = null;

  /** @param framerate the most frames per second to keep on average; positive. */
  constructor(framerate: number) {
    if (!(framerate > 0)) throw new TypeError(`framerate must be positive, got ${framerate}`);
    this.periodUs = 1e6 / framerate;
    this.toleranceUs = this.periodUs * EARLY_TOLERANCE;
  }

  /** Whether a frame at `timestampUs` should be kept. Changes nothing: call {@link take} for a frame actually kept. */
  due(timestampUs: number): boolean {
    const next = this.nextUs;
    if (next === null || this.jumpedBack(timestampUs)) return true;
    return timestampUs >= next - this.toleranceUs;
  }

  /** Records a kept frame: the schedule moves on one slot (after a gap, one period on from `timestampUs`). */
  take(timestampUs: number): void {
    const next = this.nextUs;
    if (next === null || this.jumpedBack(timestampUs)) {
      this.nextUs = timestampUs + this.periodUs;
      return;
    }
    // Late by a whole period or more is a gap, not jitter: start again from
    // this frame rather than let the frames after it catch up.
    const slot = timestampUs - next >= this.periodUs ? timestampUs : next;
    this.nextUs = slot + this.periodUs;
  }

  /** Earlier than the previous slot by more than a period: not jitter, a different clock. */
  private jumpedBack(timestampUs: number): boolean {
    return this.nextUs !== null && timestampUs < this.nextUs - 2 * this.periodUs;
  }
}

/**
 * Keyframes every `intervalUs` of input time, on an ideal schedule: a kept
 * frame is a keyframe when it is within half a frame period of the next
 * keyframe time, which then advances by exactly `intervalUs` (so capture
 * jitter does not make the interval drift longer). A forced keyframe (a new
 * connection, the end of a congestion drop) restarts the schedule from that
 * frame, as does a gap of half an interval or more, or a jump back.
 */
export class KeyframeSchedule {
  private nextUs: number | null = null;
  private readonly slackUs: number;

  /**
   * @param intervalUs time between keyframes, µs; positive.
   * @param framerate the configured frame rate, for the half-period slack.
   */
  constructor(
    private readonly intervalUs: number,
    framerate: number,
  ) {
    if (!(intervalUs > 0)) throw new TypeError(`intervalUs must be positive, got ${intervalUs}`);
    if (!(framerate > 0)) throw new TypeError(`framerate must be positive, got ${framerate}`);
    this.slackUs = 1e6 / framerate / 2;
  }

  /** Whether the kept frame at `timestampUs` is a keyframe (always when `force`); call once per frame encoded. */
  keyframe(timestampUs: number, force: boolean): boolean {
    const next = this.nextUs;
    // Late by half an interval or more is a gap in the source, not jitter;
    // keeping the grid would put the next keyframe too soon after this one.
    const restart = force || next === null || timestampUs - next >= this.intervalUs / 2 || timestampUs < next - 2 * this.intervalUs;
    if (restart) {
      this.nextUs = timestampUs + this.intervalUs;
      return true;
    }
    if (timestampUs < next - this.slackUs) return false;
    this.nextUs = next + this.intervalUs;
    return true;
  }
}

/** Frames waiting in an encoder (`encodeQueueSize`) at which it counts as backed up. */
export const ENCODE_QUEUE_FULL = 3;
/** How long (input time, µs) the queue must stay backed up before frames are dropped. */
export const ENCODE_OVERLOAD_US = 500_000;
/** How long (input time, µs) the queue must stay below {@link ENCODE_QUEUE_FULL} before an overload is over. */
export const ENCODE_CALM_US = 1_000_000;
/** A queue this deep drops the frame at once, overload or not: the bound on what waits in the encoder. */
export const ENCODE_QUEUE_MAX = 20;

/**
 * Whether a frame may go into the encoder, from how many frames already wait
 * in it (`encodeQueueSize`): drops only under sustained overload.
 *
 * A realtime encoder that falls behind must not buffer, but a queue that is
 * deep for a moment is not one that fell behind. Firefox ESR's H.264 encoder
 * takes frames in bursts: at 640 × 360, where it kept up with 30 fps, its
 * queue still reached 13 at times, and a frame dropped at every queue of 3
 * cost frames it could have encoded (and, since it holds ~45 frames
 * whatever their rate, each frame fewer lengthens that hold in time). So:
 *
 * - a queue below {@link ENCODE_QUEUE_FULL} takes the frame;
 * - a queue at or above it takes frames until it has stayed there for
 *   {@link ENCODE_OVERLOAD_US} of input time: a burst that drains within
 *   that loses nothing;
 * - after that the encoder is overloaded: every frame that meets a queue of
 *   {@link ENCODE_QUEUE_FULL} or more is dropped (the rule Chromium under
 *   load had before), until the queue has stayed below it for
 *   {@link ENCODE_CALM_US}, so a sustained overload is not readmitted in
 *   half-second bursts each time the queue dips;
 * - a queue of {@link ENCODE_QUEUE_MAX} drops the frame whatever the state.
 *
 * Timestamps are the frames' (µs): pure, so it is tested in Node. A
 * timestamp that goes back (a new capture clock) restarts both timers.
 */
export class EncodeQueueGuard {
  /** When the queue was first seen backed up in the current run; null while it is not. */
  private fullSinceUs: number | null = null;
  /** When the queue was first seen below full since the overload began; null while it is not. */
  private calmSinceUs: number | null = null;
  private overloaded = false;
  private lastUs: number | null = null;

  /** Whether the encoder is in a sustained overload (frames at a full queue are being dropped). */
  get overload(): boolean {
    return this.overloaded;
  }

  /** Whether the frame at `timestampUs` may be encoded with `queueSize` frames waiting. */
  admit(queueSize: number, timestampUs: number): boolean {
    if (this.lastUs !== null && timestampUs < this.lastUs) {
      if (this.fullSinceUs !== null) this.fullSinceUs = timestampUs;
      if (this.calmSinceUs !== null) this.calmSinceUs = timestampUs;
    }
    this.lastUs = timestampUs;
    if (queueSize < ENCODE_QUEUE_FULL) {
      this.fullSinceUs = null;
      if (this.overloaded) {
        this.calmSinceUs ??= timestampUs;
        if (timestampUs - this.calmSinceUs >= ENCODE_CALM_US) {
          this.overloaded = false;
          this.calmSinceUs = null;
        }
      }
      return true;
    }
    this.calmSinceUs = null;
    this.fullSinceUs ??= timestampUs;
    if (!this.overloaded && timestampUs - this.fullSinceUs >= ENCODE_OVERLOAD_US) this.overloaded = true;
    return !this.overloaded && queueSize < ENCODE_QUEUE_MAX;
  }
}
