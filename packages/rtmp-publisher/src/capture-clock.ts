/**
 * Puts captured audio and video on one session clock.
 *
 * Capture timestamps (VideoFrame/AudioData `timestamp`, µs) keep each track's
 * own spacing, which is what smooth playback needs, but their origin is the
 * browser's business: Chromium stamps camera and microphone from the same
 * monotonic clock, a canvas stream or a file may not. So each track's first
 * frame is mapped to its arrival time; a later track whose capture clock
 * agrees with the first one's (within `sameClockUs`) shares its offset, which
 * keeps lip sync exact instead of subject to arrival jitter.
 */

/** The tracks the clock knows. */
export type ClockTrack = 'video' | 'audio';

/** See the file comment. */
export class CaptureClock {
  private readonly offsets = new Map<ClockTrack, number>();
  private startUs: number | null = null;

  /**
   * @param sameClockUs how close two tracks' capture clocks must be to count as one clock. Default 1 s.
   */
  constructor(private readonly sameClockUs = 1_000_000) {}

  /**
   * Registers a frame's arrival: call for every captured frame before it is
   * encoded. `nowUs` is the wall clock (performance.now() · 1000).
   */
  arrive(track: ClockTrack, captureUs: number, nowUs: number): void {
    if (this.offsets.has(track)) return;
    this.startUs ??= nowUs;
    const arrival = nowUs - this.startUs;
    for (const off of this.offsets.values()) {
      if (Math.abs(captureUs + off - arrival) < this.sameClockUs) {
        this.offsets.set(track, off);
        return;
      }
    }
    this.offsets.set(track, arrival - captureUs);
  }

  /** A capture timestamp on the session clock, µs; undefined before the track's first {@link arrive}. */
  toSession(track: ClockTrack, captureUs: number): number | undefined {
    const off = this.offsets.get(track);
    return off === undefined ? undefined : captureUs + off;
  }
}
