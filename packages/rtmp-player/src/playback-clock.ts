/**
 * The playback clock the worker presents video against, in media time (ms,
 * the stream's RTMP timestamps).
 *
 * Audio is the master: while the audio worklet reports its read head, the
 * clock follows it (extrapolated between reports, never by more than
 * {@link MAX_EXTRAPOLATE_MS}, and held while the worklet is starved). With no
 * fresh report (no audio track, or audio stopped) the clock runs on wall time
 * at the playback rate, and never past the newest media it was told exists,
 * so a video-only stream waits for late frames instead of dropping them.
 */

/** How far past the last audio report the clock may extrapolate, ms. */
export const MAX_EXTRAPOLATE_MS = 100;
/** Audio reports older than this no longer drive the clock, ms. */
export const AUDIO_STALE_MS = 250;

/** See the file comment. */
export class PlaybackClock {
  private anchorPts = NaN;
  private anchorWall = 0;
  private audioRunning = false;
  private lastAudioAt = -Infinity;
  private rate = 1;

  /** @param wallNow wall clock in ms (performance.now by default; tests pass a fake). */
  constructor(private readonly wallNow: () => number = () => performance.now()) {}

  /** True once the clock has a time (a first frame or an audio report). */
  get started(): boolean {
    return Number.isFinite(this.anchorPts);
  }

  /** True while audio drives the clock. */
  get audioDriven(): boolean {
    return this.wallNow() - this.lastAudioAt < AUDIO_STALE_MS;
  }

  /** The current media time, ms; NaN before {@link start} or an audio report. */
  now(): number {
    if (!this.started) return NaN;
    const elapsed = this.wallNow() - this.anchorWall;
    if (this.audioDriven) return this.audioRunning ? this.anchorPts + Math.min(elapsed, MAX_EXTRAPOLATE_MS) * this.rate : this.anchorPts;
    return this.anchorPts + elapsed * this.rate;
  }

  /** Starts a wall-time clock at `ptsMs` (the first frame), unless audio already drives it. */
  start(ptsMs: number): void {
    if (this.started) return;
    this.anchorPts = ptsMs;
    this.anchorWall = this.wallNow();
  }

  /** An audio worklet report: its read head is at `ptsMs`, and sound is (or is not) coming out. */
  audioReport(ptsMs: number, playing: boolean): void {
    if (!Number.isFinite(ptsMs)) return;
    this.anchorPts = ptsMs;
    this.anchorWall = this.wallNow();
    this.audioRunning = playing;
    this.lastAudioAt = this.anchorWall;
  }

  /** The wall-time clock may not run past `maxPts` (the newest media there is): hold it there. */
  clamp(maxPts: number): void {
    if (this.audioDriven || !this.started) return;
    if (this.now() > maxPts) {
      this.anchorPts = maxPts;
      this.anchorWall = this.wallNow();
    }
  }

  /** Jumps to `ptsMs` (a catch-up). */
  jumpTo(ptsMs: number): void {
    this.anchorPts = ptsMs;
    this.anchorWall = this.wallNow();
  }

  /** Sets the wall-time rate (audio-driven, the worklet's rate governs). */
  setRate(rate: number): void {
    if (this.started) {
      const t = this.now();
      this.anchorPts = t;
      this.anchorWall = this.wallNow();
    }
    this.rate = rate;
  }

  /** Back to no time at all (a new stream, a discontinuity). */
  reset(): void {
    this.anchorPts = NaN;
    this.audioRunning = false;
    this.lastAudioAt = -Infinity;
  }
}
