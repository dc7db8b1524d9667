/**
 * `latency="auto"`: an adaptive jitter buffer in the spirit of WebRTC's.
 * The target delay follows how late media arrives, plus a margin:
 *
 * - every media message's **lateness** is its arrival time minus where the
 *   live edge says it should have arrived (`arrival − (ts + edge offset)`,
 *   see `LiveEdge`), plus what it still needs before it can be shown
 *   (decoding; for audio also the output's latency). The player adds the
 *   largest lateness of each 250 ms as one sample, so a stall's backlog
 *   (very late, all at once) counts once, not once per message;
 * - samples go into a histogram that forgets (each sample weighs a little
 *   less than the one after it: a half-life of {@link HALF_LIFE_SAMPLES}),
 *   and the target is its {@link QUANTILE} quantile plus {@link MARGIN_MS}:
 *   about the third-worst quarter-second of the last 20 s or so (a frame
 *   later than that is still shown, a little late, not dropped);
 * - so on loopback it lands near the floor (a few ms of jitter and decode),
 *   on a jittery or bursty link it rises at once when media comes late
 *   (a stall's backlog arrives very late), and it decays slowly, over tens
 *   of seconds, once the link is calm again;
 * - but one **spike episode** that does not recur is forgotten once it is
 *   over. A spike is a sample more than {@link SPIKE_MS} above the target
 *   without it; an episode ends after {@link CALM_SAMPLES} samples without
 *   one. One burst of spikes (a link that slowed down for 30 s, a server
 *   restart's backlog) says nothing about the link's jitter from then on,
 *   and keeping it would hold the delay seconds high for a minute or more
 *   after the link came back. An episode with two bursts or more, or one
 *   that starts within {@link RECUR_SAMPLES} of the last one's end, is a
 *   bursty link: it stays counted and decays slowly as above (NetEq's delay
 *   peak detector makes the same distinction).
 *
 * Pure and bounded (a fixed histogram), so it is unit tested in Node.
 */

/** Histogram bucket width, ms. */
const BUCKET_MS = 5;
/** Lateness past this counts as this, ms (the target never goes higher). */
export const MAX_AUTO_TARGET_MS = 4000;
/** The quantile of lateness the target covers. */
export const QUANTILE = 0.97;
/** Added to the quantile, ms. */
export const MARGIN_MS = 5;
/** A sample's weight halves after this many newer samples (the player adds one per 250 ms: ≈ 20 s). */
export const HALF_LIFE_SAMPLES = 80;
/** The target before enough samples are in, ms. */
export const INITIAL_TARGET_MS = 60;
/** Samples needed before the histogram decides (2 s). */
const MIN_SAMPLES = 8;
/** A sample this far above the target (without the current episode) is a spike, ms. */
export const SPIKE_MS = 200;
/** Samples without a spike that end a spike episode (3 s). */
export const CALM_SAMPLES = 12;
/** An episode that starts within this many samples of the last one's end recurs, and stays counted (20 s). */
export const RECUR_SAMPLES = 80;
/** Spikes further apart than this many samples are separate bursts of one episode. */
const BURST_GAP_SAMPLES = 2;

/** See the file comment. */
export class JitterEstimator {
  private readonly buckets = new Float64Array(Math.ceil(MAX_AUTO_TARGET_MS / BUCKET_MS) + 1);
  /** Sum of weights; weights grow by 1/decay each sample instead of decaying every bucket (renormalised when large). */
  private total = 0;
  private weight = 1;
  private count = 0;
  private readonly growth = Math.pow(2, 1 / HALF_LIFE_SAMPLES);
  private cached = NaN;
  /** The current spike episode's samples, also in {@link buckets} (taken out again if it does not recur). */
  private readonly episode = new Float64Array(this.buckets.length);
  private episodeTotal = 0;
  private episodeStart = NaN;
  private episodeBursts = 0;
  private lastSpike = -Infinity;
  private lastEpisodeEnd = -Infinity;

  /** Adds one lateness sample, ms (negative: early; counted as 0). */
  add(latenessMs: number): void {
    if (!Number.isFinite(latenessMs)) return;
    const i = Math.min(this.buckets.length - 1, Math.max(0, Math.floor(latenessMs / BUCKET_MS)));
    const spike = latenessMs > this.baseTargetMs() + SPIKE_MS;
    this.weight *= this.growth;
    this.buckets[i]! += this.weight;
    this.total += this.weight;
    this.count++;
    this.cached = NaN;
    if (spike) {
      if (Number.isNaN(this.episodeStart)) {
        this.episodeStart = this.count;
        this.episodeBursts = 0;
      }
      if (this.count - this.lastSpike > BURST_GAP_SAMPLES) this.episodeBursts++;
      this.lastSpike = this.count;
      this.episode[i]! += this.weight;
      this.episodeTotal += this.weight;
    } else if (!Number.isNaN(this.episodeStart) && this.count - this.lastSpike >= CALM_SAMPLES) {
      this.endEpisode();
    }
    if (this.weight > 1e100) {
      // Renormalise so the weights stay finite (relative weights unchanged).
      for (let k = 0; k < this.buckets.length; k++) {
        this.buckets[k]! /= this.weight;
        this.episode[k]! /= this.weight;
      }
      this.total /= this.weight;
      this.episodeTotal /= this.weight;
      this.weight = 1;
    }
  }

  /** The episode is over: a bursty link's stays counted, a one-off is forgotten. */
  private endEpisode(): void {
    const recurs = this.episodeBursts >= 2 || this.episodeStart - this.lastEpisodeEnd <= RECUR_SAMPLES;
    if (!recurs) {
      for (let k = 0; k < this.buckets.length; k++) this.buckets[k] = Math.max(0, this.buckets[k]! - this.episode[k]!);
      this.total = Math.max(0, this.total - this.episodeTotal);
      this.cached = NaN;
    }
    this.episode.fill(0);
    this.episodeTotal = 0;
    this.episodeStart = NaN;
    this.lastEpisodeEnd = this.lastSpike;
  }

  /** The target without the current spike episode (what a spike is measured against), ms. */
  private baseTargetMs(): number {
    if (this.count < MIN_SAMPLES) return INITIAL_TARGET_MS;
    return this.quantileMs(this.episodeTotal > 0 ? this.episode : null, this.total - this.episodeTotal);
  }

  /** The lateness quantile plus the margin, over the buckets less `minus` (whose weights sum to total − `total`). */
  private quantileMs(minus: Float64Array | null, total: number): number {
    const want = total * QUANTILE;
    let acc = 0;
    let i = 0;
    for (; i < this.buckets.length - 1; i++) {
      acc += this.buckets[i]! - (minus === null ? 0 : minus[i]!);
      if (acc >= want) break;
    }
    return Math.min(MAX_AUTO_TARGET_MS, (i + 1) * BUCKET_MS + MARGIN_MS);
  }

  /** The auto target, ms: the lateness quantile plus the margin, never under `floorMs`. */
  targetMs(floorMs = 0): number {
    if (this.count < MIN_SAMPLES) return Math.max(floorMs, INITIAL_TARGET_MS);
    if (Number.isNaN(this.cached)) this.cached = this.quantileMs(null, this.total);
    return Math.max(floorMs, this.cached);
  }

  /** Forgets everything (a new stream). */
  reset(): void {
    this.buckets.fill(0);
    this.total = 0;
    this.weight = 1;
    this.count = 0;
    this.cached = NaN;
    this.episode.fill(0);
    this.episodeTotal = 0;
    this.episodeStart = NaN;
    this.lastSpike = -Infinity;
    this.lastEpisodeEnd = -Infinity;
  }
}
