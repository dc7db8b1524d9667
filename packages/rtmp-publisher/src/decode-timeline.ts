/**
 * Decode timestamps for an encoder's output, from presentation times alone.
 *
 * WebCodecs gives each encoded chunk the timestamp of the frame it holds
 * (its presentation time), in decode order. Chromium's realtime encoders
 * emit no B-frames, so decode order is presentation order; Firefox's H.264
 * encoder emits B-frames (I P B B P…: presentation times 0, 99, 33, 66…).
 * FLV carries the decode time as the tag's timestamp and the difference as
 * the composition time, and a decode time must never go backwards: sending
 * presentation times as decode times made the muxer's clamp give runs of
 * frames one timestamp (15 fps sent of 30).
 *
 * So the decode times are the presentation times in ascending order,
 * delayed by the reorder depth: each chunk's presentation time joins a
 * small sorted queue, and the decode time is the queue's smallest once it
 * holds more than `depth` of them. The depth starts at 0 (no B-frames:
 * decode time = presentation time, nothing changes) and is the most chunks
 * seen come out ahead of one that presents before them (I P B B: one; a
 * B-pyramid: two), up to {@link MAX_REORDER};
 * the few frames around the first reorder get decode times that only keep
 * the order (their composition time may come out short), after which the
 * timeline is exact. Pure logic; one per encoder.
 */

/** The deepest reordering followed (B-pyramids of common encoders are ≤ 3). */
export const MAX_REORDER = 4;
/** Decode times step at least this much, µs (FLV timestamps are whole ms). */
const STEP_US = 1000;

/** See the file comment. */
export class DecodeTimeline {
  private readonly pending: number[] = [];
  /** The presentation times of the last chunks out, newest last (MAX_REORDER of them). */
  private readonly recent: number[] = [];
  private depth = 0;
  private lastDtsUs = -Infinity;

  /** How many frames the encoder reorders, as seen so far. */
  get reorderDepth(): number {
    return this.depth;
  }

  /** The next chunk in output (decode) order, presenting at `ptsUs`: its decode time, µs. */
  next(ptsUs: number): number {
    let ahead = 0;
    for (const p of this.recent) if (p > ptsUs) ahead++;
    this.depth = Math.max(this.depth, ahead);
    this.recent.push(ptsUs);
    if (this.recent.length > MAX_REORDER) this.recent.shift();
    let i = this.pending.length;
    while (i > 0 && this.pending[i - 1]! > ptsUs) i--;
    this.pending.splice(i, 0, ptsUs);
    // Bounded whatever the input: more than the depth means the oldest can go.
    while (this.pending.length > MAX_REORDER + 1) this.pending.shift();
    const candidate = this.pending.length > this.depth ? this.pending.shift()! : this.pending[0]!;
    const dts = Math.max(candidate, this.lastDtsUs + STEP_US);
    this.lastDtsUs = dts;
    return dts;
  }
}
