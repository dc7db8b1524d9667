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
 * Instead, each track's offset (session = capture + offset) is the smallest
 * `arrival − capture end` seen: a frame cannot arrive before it was
 * captured, so the least delayed frame is the best estimate of when capture
 * happened on our clock, and frames that waited in a buffer (the start-up
 * backlog, a busy worker) keep their true, earlier times. A capture timestamp
 * that goes backwards starts a new mapping (a new clock); frames already
 * mapped keep theirs ({@link ClockMapping} is per frame, not per track).
 */

/** The tracks the clock knows. */
export type ClockTrack = 'video' | 'audio';

/** One capture clock's mapping onto the session clock. Live: the offset only ever falls, as better-timed frames arrive. */
export interface ClockMapping {
  /** session µs = capture µs + offsetUs. */
  readonly offsetUs: number;
}

interface TrackState {
  mapping: { offsetUs: number };
  lastCaptureUs: number;
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
      const fresh: TrackState = { mapping: { offsetUs: lag }, lastCaptureUs: captureUs };
      this.tracks.set(track, fresh);
      return fresh.mapping;
    }
    t.lastCaptureUs = captureUs;
    if (lag < t.mapping.offsetUs) t.mapping.offsetUs = lag;
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
