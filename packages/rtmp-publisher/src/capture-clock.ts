/**
 * Puts captured audio and video on one session clock: the worker's
 * `performance.now()`, from the first frame's arrival (time 0).
 *
 * Capture timestamps (VideoFrame/AudioData `timestamp`, µs) keep each track's
 * own spacing, which is what smooth playback needs, but their origin is the
 * browser's business and cannot be compared across tracks. Measured in
 * Chromium 156: a `canvas.captureStream()` track stamps frames ~450 ms ahead
 * of the worker's clock; WebAudio / microphone AudioData is stamped on the
 * `performance.now()` of the realm that reads it, so the frames buffered
 * while the page still held the stream (up to 0.5 s) carry the page's clock,
 * 1.7 s ahead of the worker's, and the timestamps then step back by that
 * much; and each track's first frame can be ~1 s staler than the next. So no
 * frame in particular can anchor a track: mapping the first frame to its
 * arrival, and letting a second track share the first one's offset when the
 * two agreed within 1 s, put audio 0.25–1.7 s behind video.
 *
 * Instead, each track's offset (session = capture + offset) follows the
 * smallest `arrival − capture end`: a frame cannot arrive before it was
 * captured, so the least delayed frame is the best estimate of when capture
 * happened on our clock, and frames that waited in a buffer (the start-up
 * backlog, a busy worker) keep their true, earlier times. A capture timestamp
 * that goes backwards starts a new mapping (a new clock); frames already
 * mapped keep theirs ({@link ClockMapping} is per frame, not per track).
 *
 * Drift: a capture clock is not our clock. One that runs slower (a device's
 * crystal, over hours; one that counts the samples of an audio backend that
 * runs slow, as Firefox's mock one does) makes every frame's
 * `arrival − capture` grow, by 1 ms a second at 0.1 %, so an offset that
 * could only fall (the smallest ever seen) put its frames further and further
 * in the past: after 200 s at 0.1 % its audio read as 200 ms stale and was
 * skipped, and the track fell behind the other by as much. So the offset
 * falls at once to a less delayed frame, and otherwise rises by at most
 * {@link MAX_CLOCK_DRIFT} of the time between arrivals (2 %: a capture
 * clock 1 % slow is followed, within the spread of its delays). The rise is
 * slow, so a backlog still cannot pass for fresh: frames that all arrive
 * 500 ms late for 2 s (a busy worker) lift the offset by at most 40 ms, and
 * the next frame on time brings it back. Between least-delayed frames the
 * offset may read up to 2 % of the time since the last one later than it
 * should (20 ms after a second with none): with delays spread evenly over
 * 1–15 ms, frames read 4 ms late on average and 11 ms at worst (the least
 * delayed, 1 ms). The mapping is live: a frame
 * still in an encoder is read with the offset current when it comes out.
 */

/** The tracks the clock knows. */
export type ClockTrack = 'video' | 'audio';

/**
 * How fast a track's offset may rise, as a share of the time between its
 * frames' arrivals: above the drift of any capture clock worth following
 * (devices drift by parts per million; 1 % is a broken one).
 */
export const MAX_CLOCK_DRIFT = 0.02;

/** One capture clock's mapping onto the session clock. Live: the offset falls as better-timed frames arrive, and rises slowly with a capture clock that runs slow (see the file comment). */
export interface ClockMapping {
  /** session µs = capture µs + offsetUs. */
  readonly offsetUs: number;
}

interface TrackState {
  mapping: { offsetUs: number };
  lastCaptureUs: number;
  /** The last frame's arrival, µs on the wall clock. */
  lastArrivalUs: number;
}

/** See the file comment. */
export class CaptureClock {
  private readonly tracks = new Map<ClockTrack, TrackState>();
  private startUs: number | null = null;

  /**
   * Registers a frame's arrival: call for every captured frame, before it is
   * encoded. `nowUs` is the wall clock (performance.now() · 1000);
   * `durationUs` the frame's length (audio; 0 for video), since an audio
   * buffer arrives after its last sample, not its first. Returns the mapping
   * that holds for this frame.
   */
  arrive(track: ClockTrack, captureUs: number, nowUs: number, durationUs = 0): ClockMapping {
    this.startUs ??= nowUs;
    const lag = nowUs - this.startUs - (captureUs + durationUs);
    const t = this.tracks.get(track);
    if (t === undefined || captureUs < t.lastCaptureUs) {
      const fresh: TrackState = { mapping: { offsetUs: lag }, lastCaptureUs: captureUs, lastArrivalUs: nowUs };
      this.tracks.set(track, fresh);
      return fresh.mapping;
    }
    // Rises by at most MAX_CLOCK_DRIFT of the time since the last arrival; falls at once.
    const risen = t.mapping.offsetUs + MAX_CLOCK_DRIFT * Math.max(0, nowUs - t.lastArrivalUs);
    t.lastCaptureUs = captureUs;
    t.lastArrivalUs = nowUs;
    t.mapping.offsetUs = Math.min(lag, risen);
    return t.mapping;
  }

  /** A capture timestamp on the session clock, µs, with the track's current mapping; undefined before the track's first {@link arrive}. */
  toSession(track: ClockTrack, captureUs: number): number | undefined {
    const t = this.tracks.get(track);
    return t === undefined ? undefined : captureUs + t.mapping.offsetUs;
  }

  /** The session clock now, µs (0 before the first frame). */
  nowUs(nowUs: number): number {
    return this.startUs === null ? 0 : nowUs - this.startUs;
  }
}
