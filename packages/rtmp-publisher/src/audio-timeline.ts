/**
 * The audio path's timeline: which session time each encoded packet holds,
 * and a bound on how far audio may trail real time.
 *
 * Encoders do not keep input timestamps: Mediabunny's WASM AAC encoder
 * stamps every packet as "first input timestamp + samples so far", so a gap
 * or a clock step in the capture (see capture-clock.ts) would shift all the
 * audio after it. So the encoder is fed a gapless clock of its own (samples
 * fed so far, {@link AudioTimeline.feed} gives each frame its timestamp on
 * it), and each packet that comes out is mapped back through the frames that
 * went in ({@link AudioTimeline.output}): a packet gets the session time of
 * its first sample, whatever the encoder did with timestamps, and frames
 * that were skipped leave a gap in session time instead of a shift.
 *
 * Capture timestamps jitter: Chromium stamps each 10 ms AudioData when it
 * reaches the reading realm, so consecutive ones lie 2–21 ms apart. Mapping
 * packets straight through them bunched some packets closer than their
 * length, and the overlap rule below then dropped every other packet of a
 * bunch: about 8% of the audio, played as holes. So a frame's capture time
 * is read against where the previous one ended (the sample clock): within
 * {@link RESYNC_US} of it, the frame continues the previous one, pulled
 * towards its own timestamp by 1/{@link SMOOTHING} of the difference (which
 * follows a drift between the audio device's clock and ours, and spreads a
 * small real hole over many frames). Further away, it is a stall or a real
 * gap: a realm that stalled stamps the frames it then reads in a bunch,
 * so their distance from the sample clock shrinks frame by frame (by the
 * 10 ms each frame holds, less the time between reads) until they are back
 * on it; a real gap or a clock step keeps its distance. So only when
 * {@link RESYNC_FRAMES} frames in a row lie that far off, and the distance
 * has not shrunk by {@link SHRINK_US} since the first of them, do their own
 * timestamps hold. (Taking them after 4 frames read a 150 ms stall in CI as
 * a hole, followed by a step back that was dropped.)
 *
 * The bound: a frame is skipped, not encoded, while the audio already
 * waiting in the encoder (fed, not yet out) or the frame's own age on
 * arrival exceeds {@link AudioTimelineOptions.maxLagUs}, until the encoder's
 * backlog is down to half of it (one clean gap rather than many small
 * ones); within the encoder's first second of output, that is its start-up,
 * and not counted as falling behind. Normal lag is one codec frame plus the encoder's look-ahead
 * (AAC: ~50 ms); an encoder that runs slower than real time, on a loaded
 * machine, would otherwise make audio trail video further and further.
 *
 * Pure logic, no WebCodecs: Node tests drive it with numbers.
 */
import type { ClockMapping } from './capture-clock.ts';

/** Options for {@link AudioTimeline}. */
export interface AudioTimelineOptions {
  /** Most audio, µs, that may wait in the encoder or have waited before it. Default 200 ms. */
  maxLagUs?: number;
}

/** What {@link AudioTimeline.feed} decided for a frame. */
export type FeedResult =
  | { skip: false; /** The frame's timestamp on the encoder's clock, µs. */ encoderUs: number }
  | {
      skip: true;
      /** `starting`: within the encoder's first second of output (its start-up, not counted); `behind`: the encoder fell behind real time. */
      reason: 'starting' | 'behind';
      /** True for the first frame of a skipping episode. */
      started: boolean;
    };

interface Fed {
  /** First sample, on the encoder clock (in samples). */
  start: number;
  frames: number;
  captureUs: number;
  mapping: ClockMapping;
}

/** Default {@link AudioTimelineOptions.maxLagUs}. */
export const MAX_AUDIO_LAG_US = 200_000;
/** Audio an encoder gives out before a backlog counts as falling behind (its start-up), µs. */
const WARM_UP_US = 1_000_000;
/** A packet earlier than where the last one ended by more than this is dropped (a clock that stepped back); by less, it continues from there, µs. */
const STEP_BACK_US = 30_000;
/** Distance from the sample clock beyond which a capture timestamp is a real gap or step, not jitter, µs. */
const RESYNC_US = 40_000;
/** How strongly a frame's own timestamp pulls the sample clock: 1/SMOOTHING of the difference per frame. */
const SMOOTHING = 32;
/** Frames in a row that must lie further than {@link RESYNC_US} off before their timestamps win. */
const RESYNC_FRAMES = 8;
/** A far run whose distance from the sample clock shrank by more than this is a stall's bunch being read, not a gap, µs (jitter moves it less). */
const SHRINK_US = 30_000;

/** See the file comment. */
export class AudioTimeline {
  private readonly maxLagUs: number;
  private fed: Fed[] = [];
  /** Samples fed so far: the encoder clock. */
  private position = 0;
  private rate = 0;
  /** Encoder clock (samples) up to which packets came out. */
  private outputTo = 0;
  private lastEndUs = 0;
  private skipping: 'starting' | 'behind' | null = null;
  private skippedUs = 0;
  /** Where the last frame ended on its capture clock (smoothed), and that clock's mapping. */
  private next: { captureUs: number; mapping: ClockMapping } | null = null;
  /** Frames in a row whose timestamp was further than {@link RESYNC_US} from the sample clock, and the first one's distance, µs. */
  private far = 0;
  private farFromUs = 0;

  constructor(o: AudioTimelineOptions = {}) {
    this.maxLagUs = o.maxLagUs ?? MAX_AUDIO_LAG_US;
  }

  /** Audio skipped so far, µs (frames {@link feed} refused). */
  get skippedTotalUs(): number {
    return this.skippedUs;
  }

  /** Audio fed to the encoder and not out of it yet, µs. */
  get backlogUs(): number {
    return this.rate === 0 ? 0 : ((this.position - this.outputTo) / this.rate) * 1e6;
  }

  /**
   * A captured frame (`frames` samples at `sampleRate`, first sample at
   * `captureUs` on its capture clock, mapped by `mapping`) about to be
   * encoded; `nowUs` is the session clock now.
   */
  feed(frames: number, sampleRate: number, captureUs: number, mapping: ClockMapping, nowUs: number): FeedResult {
    if (this.rate === 0) this.rate = sampleRate;
    // One encoder, one rate: the encoder was configured with the first frame's.
    const n = sampleRate === this.rate ? frames : Math.round((frames * this.rate) / sampleRate);
    const durUs = (frames / sampleRate) * 1e6;
    const ageUs = nowUs - (captureUs + mapping.offsetUs + durUs);
    const at = this.continuing(captureUs, mapping);
    this.next = { captureUs: at + durUs, mapping };
    const backlog = this.backlogUs;
    const limit = this.skipping === null ? this.maxLagUs : this.maxLagUs / 2;
    if (backlog > limit || ageUs > this.maxLagUs) {
      // Until the first second of packets, the backlog is the encoder starting
      // up (Chromium's Opus encoder gives nothing for ~250 ms; the WASM one
      // runs slow while its code warms up), not falling behind.
      const reason = this.outputTo >= this.rate * (WARM_UP_US / 1e6) ? 'behind' : 'starting';
      const started = this.skipping !== reason;
      this.skipping = reason;
      if (reason === 'behind') this.skippedUs += durUs;
      return { skip: true, reason, started };
    }
    this.skipping = null;
    const start = this.position;
    this.fed.push({ start, frames: n, captureUs: at, mapping });
    this.position += n;
    return { skip: false, encoderUs: (start / this.rate) * 1e6 };
  }

  /** A frame's capture time, read against the sample clock (see the file comment). */
  private continuing(captureUs: number, mapping: ClockMapping): number {
    const next = this.next;
    if (next === null || next.mapping !== mapping) return captureUs;
    const errorUs = captureUs - next.captureUs;
    if (Math.abs(errorUs) <= RESYNC_US) {
      this.far = 0;
      return next.captureUs + errorUs / SMOOTHING;
    }
    // Far off: a stall in the reading realm (its frames come stamped in a
    // bunch, the distance shrinks), or a real gap or step (it stays).
    if (this.far++ === 0) this.farFromUs = Math.abs(errorUs);
    if (this.far < RESYNC_FRAMES || Math.abs(errorUs) < this.farFromUs - SHRINK_US) return next.captureUs;
    this.far = 0;
    return captureUs;
  }

  /**
   * An encoded packet: `encoderUs` its timestamp on the encoder clock,
   * `durationUs` its length. Returns its first sample's session time, µs, or
   * undefined when it must not be sent: it lies before the session's start
   * (audio captured before the first frame arrived: the start-up backlog),
   * or it lies well before audio already sent (a capture clock that stepped
   * back); a small overlap follows on from the last packet instead.
   */
  output(encoderUs: number, durationUs: number): number | undefined {
    if (this.rate === 0) return undefined;
    const pos = Math.round((encoderUs / 1e6) * this.rate);
    this.outputTo = Math.max(this.outputTo, pos + Math.round((durationUs / 1e6) * this.rate));
    // Frames wholly before this packet are done with (packets come out in order).
    while (this.fed.length > 1 && this.fed[1]!.start <= pos) this.fed.shift();
    const f = this.fed[0];
    if (f === undefined) return undefined;
    // Before the first frame (AAC's priming packet) extrapolates from it.
    const us = f.captureUs + f.mapping.offsetUs + ((pos - f.start) / this.rate) * 1e6;
    if (us < 0 || us < this.lastEndUs - STEP_BACK_US) return undefined;
    // A small step back (the capture clock's offset fell: a better-timed
    // frame arrived) continues where the last packet ended instead: dropping
    // it would leave a hole of a packet.
    const at = Math.max(us, this.lastEndUs);
    this.lastEndUs = at + durationUs;
    return at;
  }
}
