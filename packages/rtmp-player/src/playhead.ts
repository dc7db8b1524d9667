/**
 * Where the player's playhead is, and where it should be: the playback
 * clock, each track's live edge, the target delay (fixed, or `auto` from
 * {@link JitterEstimator}) and the steering that holds the delay there
 * ({@link LatencyController}: play faster or slower, jump, hold).
 *
 * Terms: the *live edge* is where the newest media would be if it had come
 * with no delay (per track: {@link LiveEdge}); the *delay* is how far the
 * playhead (what is on screen) is behind it; the *buffer* is the media
 * received and not yet played.
 *
 * While a track's edge has a splice pending (media resumed late after a
 * gap: a source that came back on its old timeline, or a stall's backlog),
 * the delay it gives is not yet known: the steering waits, and the track's
 * lateness is held back from `auto`'s jitter samples until the edge knows.
 * A backlog's lateness then counts (it was the link's); a splice's does not
 * (it was the edge's), and the steering starts over from the new edge.
 *
 * It reads the pipelines (their newest media, the audio's output) and sends
 * them the steering's orders (rate, skip-to, hold); the session owns the
 * pipelines, the presentation loop and the states.
 */
import type { AudioPipeline } from './audio-pipeline.ts';
import { JitterEstimator } from './jitter-estimator.ts';
import { LatencyController } from './latency-controller.ts';
import { PlaybackClock } from './playback-clock.ts';
import { type EdgeChange, LiveEdge } from './live-edge.ts';
import type { VideoPipeline } from './video-pipeline.ts';
import type { LatencySetting } from './worker-protocol.ts';

/** Catching up on video alone leaves at least this much buffered (the clock waits at the newest frame anyway), ms. */
const VIDEO_MIN_BUFFER_MS = 5;
/** Slack for the audio path beyond the output latency (render quanta, messages), ms. */
export const AUDIO_SLACK_MS = 5;

/** See the file comment. */
export class Playhead {
  /** The media time now: the audible audio's, or a wall clock's before audio drives it. */
  readonly clock = new PlaybackClock();
  private readonly latency = new LatencyController({ targetMs: 0 });
  private readonly jitter = new JitterEstimator();
  /** Each track's live edge: a track whose media arrives later (an encoder's delay) holds the playhead back, not the other. */
  private readonly videoEdge = new LiveEdge();
  private readonly audioEdge = new LiveEdge();
  private setting: LatencySetting = 'auto';
  /** The largest lateness since the last tick (one jitter sample per tick). */
  private windowLateness = -Infinity;
  /** Per track, the largest lateness while its edge had a splice pending (counted if it was a backlog). */
  private heldLateness = { video: -Infinity, audio: -Infinity };
  private outputLatencyMs = 0;
  private prebufferSent = NaN;
  /** Audio queued in the worklet at its last report, ms: how far an audio-driven clock can jump. */
  private workletBufferedMs = 0;
  private rate = 1;

  constructor(
    private readonly video: VideoPipeline,
    private readonly audio: AudioPipeline,
  ) {}

  /** The target delay in force, ms. */
  get targetMs(): number {
    return this.latency.targetMs;
  }

  /** The playback rate the steering set (1: normal). */
  get playbackRate(): number {
    return this.rate;
  }

  /** The audio output's latency (base + output), ms: audio is heard that long after it is played. */
  get audioOutputLatencyMs(): number {
    return this.outputLatencyMs;
  }

  /** Sets the target delay: ms, or 'auto'. */
  setLatency(setting: LatencySetting): void {
    this.setting = setting;
    this.latency.targetMs = this.target();
    this.updatePrebuffer();
  }

  /** The audio output came up, with this latency. */
  setOutputLatency(ms: number): void {
    this.outputLatencyMs = ms;
    this.prebufferSent = NaN;
    this.updatePrebuffer();
  }

  /** The worklet's report: how much audio it holds. */
  workletBuffered(ms: number): void {
    this.workletBufferedMs = ms;
  }

  /**
   * Media of a track (8 audio, 9 video) with timestamp `ts` arrived at
   * `now`. With `sample`, its lateness is a jitter sample (not during a
   * join burst, whose lateness is the server's cache, not the network's).
   */
  arrived(typeId: number, ts: number, now: number, sample: boolean): void {
    const track = typeId === 9 ? 'video' : 'audio';
    const edge = typeId === 9 ? this.videoEdge : this.audioEdge;
    const change: EdgeChange = edge.arrived(ts, now);
    if (change === 'spliced') {
      // The delays the steering saw were against the old edge.
      this.latency.reset();
      this.heldLateness[track] = -Infinity;
    }
    if (!sample || (typeId !== 9 && !(typeId === 8 && this.audio.hasOutput))) return;
    // How late this arrived against its track's live edge, plus what it still needs before it can be shown.
    const late = now - ts - edge.offset();
    const extra = typeId === 9 ? (Number.isFinite(this.video.decodeMs) ? this.video.decodeMs : 0) : this.outputLatencyMs + AUDIO_SLACK_MS;
    if (change === 'pending') {
      this.heldLateness[track] = Math.max(this.heldLateness[track], late + extra);
      return;
    }
    if (change === 'caught-up') {
      this.windowLateness = Math.max(this.windowLateness, this.heldLateness[track]);
      this.heldLateness[track] = -Infinity;
    }
    this.windowLateness = Math.max(this.windowLateness, late + extra);
  }

  /** The media time video is shown at: the audible audio (read head − output latency), or the wall clock. */
  videoClock(): number {
    const t = this.clock.now();
    return this.clock.audioDriven ? t - this.outputLatencyMs : t;
  }

  /**
   * The live edge's offset (wall − media time), ms; NaN before any media.
   * With both tracks playing it is the later track's: the playhead can get
   * no closer to live than the media that arrives last.
   */
  edgeOffset(): number {
    // A track that cannot be played (a codec this browser lacks) holds nothing back.
    const v = this.video.undecodable ? NaN : this.videoEdge.offset();
    const a = this.audio.hasOutput && !this.audio.undecodable ? this.audioEdge.offset() : NaN;
    if (Number.isNaN(v)) return a;
    return Number.isNaN(a) ? v : Math.max(v, a);
  }

  /** How far the playhead (what is on screen) is behind the live edge, ms; NaN before both are known. */
  delayMs(now: number): number {
    const off = this.edgeOffset();
    const t = this.videoClock();
    return Number.isFinite(off) && Number.isFinite(t) ? now - off - t : NaN;
  }

  /** Media received and not yet played, ms: up to the newest media of the tracks that play (the one that has least). */
  bufferMs(): number {
    const t = this.videoClock();
    const v = this.video.newestMs;
    const a = this.audio.hasOutput ? this.audio.newestMs : NaN;
    const newest = Number.isNaN(v) ? a : Number.isNaN(a) ? v : Math.min(v, a);
    if (!Number.isFinite(t) || !Number.isFinite(newest)) return 0;
    // An audio-driven clock moves only as far as the worklet has audio queued.
    const audioQueued = this.clock.audioDriven ? this.workletBufferedMs : Infinity;
    return Math.max(0, Math.min(newest - t, audioQueued));
  }

  /**
   * Housekeeping: takes the jitter sample, updates the target and, while
   * `playing`, steers towards it. Returns true when it jumped or held (a
   * catch-up, for the stats).
   */
  tick(now: number, playing: boolean): boolean {
    if (this.windowLateness > -Infinity) {
      this.jitter.add(this.windowLateness);
      this.windowLateness = -Infinity;
    }
    this.latency.targetMs = this.target();
    this.updatePrebuffer();
    return playing && this.steer(now);
  }

  /** Forgets the media (a flush: a new timeline, a pause, a move): the clock, the edges, the steering; the jitter history stays. */
  reset(): void {
    this.clock.reset();
    this.latency.reset();
    this.videoEdge.reset();
    this.audioEdge.reset();
    this.windowLateness = -Infinity;
    this.heldLateness = { video: -Infinity, audio: -Infinity };
    this.setRate(1);
  }

  /**
   * The target delay, ms: the setting, or auto's estimate, and never under
   * what the audio path needs (one chunk and the output's latency) while
   * audio plays.
   */
  private target(): number {
    const audio = this.audio.hasOutput && Number.isFinite(this.audio.newestMs);
    const floor = audio ? this.outputLatencyMs + this.audio.chunkMs + AUDIO_SLACK_MS : 0;
    return this.setting === 'auto' ? this.jitter.targetMs(floor) : Math.max(this.setting, floor);
  }

  /** The worklet gathers this much before it starts (again, after running dry): half of what the target leaves it. */
  private updatePrebuffer(): void {
    const ms = Math.round(Math.max(5, Math.min(200, (this.latency.targetMs - this.outputLatencyMs) / 2)));
    if (ms === this.prebufferSent) return;
    this.prebufferSent = ms;
    this.audio.post({ type: 'prebuffer', ms });
  }

  private steer(now: number): boolean {
    const delay = this.delayMs(now);
    if (!Number.isFinite(delay) || this.videoEdge.splicePending || this.audioEdge.splicePending) return false;
    // Only what is buffered can be played faster away; the rest is the link's (or the target is below what the stream allows).
    const minBuffer = this.clock.audioDriven ? this.audio.chunkMs + AUDIO_SLACK_MS : VIDEO_MIN_BUFFER_MS;
    const d = this.latency.update(now, delay, this.bufferMs(), minBuffer);
    if (d.action === 'jump') {
      // Forward: video lands on a keyframe and decodes through to the target, unseen; audio skips there.
      const want = this.videoClock() + d.byMs;
      const to = this.video.seek(want) ?? want;
      this.audio.post({ type: 'skip-to', ptsMs: to + this.outputLatencyMs });
      this.clock.jumpTo(to + (this.clock.audioDriven ? this.outputLatencyMs : 0));
    } else if (d.action === 'hold') {
      // Back: stand still for the deficit (the audio holds its read head; a wall clock steps back).
      if (this.clock.audioDriven) this.audio.post({ type: 'hold', ms: d.byMs });
      else this.clock.jumpTo(this.clock.now() - d.byMs);
    }
    this.setRate(d.rate);
    return d.action === 'jump' || d.action === 'hold';
  }

  private setRate(rate: number): void {
    if (rate === this.rate) return;
    this.rate = rate;
    this.clock.setRate(rate);
    this.audio.post({ type: 'rate', rate });
  }
}
