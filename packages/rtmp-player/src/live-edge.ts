/**
 * The live edge of one track: where its newest media would be if it had
 * come with no delay, as the offset (arrival wall time − media timestamp)
 * of the earliest-arriving media. Pure and bounded, unit tested in Node.
 *
 * It is the smallest offset seen over the last ~10 s: a windowed minimum,
 * so media that comes late (jitter, a stall's backlog) does not move it, and
 * a clock slipping over hours is followed, not frozen.
 *
 * But a minimum cannot tell late media from a **splice**: the stream's
 * source went away and came back with its timestamps continued where they
 * stopped, while the wall clock ran on (node-media-server does this when a
 * publisher returns within its grace period: the frames are shifted onto
 * the old timeline). From then on every frame arrives later, by the gap,
 * than the old edge says; kept for 10 s, that reads as seconds of delay and
 * of lateness that are not there, and the player would chase them (and
 * `latency="auto"` would take them for jitter). So a track that was silent
 * for {@link SPLICE_GAP_MS} and comes back {@link SPLICE_LATE_MS} or more
 * behind its edge is a *pending splice*: a stall's backlog catches up (its
 * newest media is back near the edge) and the edge stays; media that stays
 * that late for {@link SPLICE_CONFIRM_MS} is a splice, and the edge starts
 * over from what arrived since the gap. Taking a slow backlog for a splice
 * costs nothing lasting: its later, earlier-arriving media moves the
 * minimum back down at once.
 */

/** A track silent at least this long can be spliced when it resumes, ms. */
export const SPLICE_GAP_MS = 250;
/** Media resuming at least this far behind the edge is a pending splice, ms. */
export const SPLICE_LATE_MS = 50;
/** Media still that far behind after this long confirms the splice, ms. */
export const SPLICE_CONFIRM_MS = 500;

/** What one arrival did to the edge: `pending`: behind it after a gap (splice or backlog, not known yet); `caught-up`: it was a backlog, the edge stands; `spliced`: the edge started over. */
export type EdgeChange = 'none' | 'pending' | 'caught-up' | 'spliced';

/** See the file comment. */
export class LiveEdge {
  private readonly mins: number[] = [];
  private current = Infinity;
  private currentSlot = -1;
  private lastArrival = -Infinity;
  /** Since a gap, media behind the edge: when it started, the smallest offset since, and the edge's offset then. */
  private pending: { since: number; min: number; base: number } | null = null;

  /** True while media that resumed behind the edge may be a splice ({@link EdgeChange} `pending`). */
  get splicePending(): boolean {
    return this.pending !== null;
  }

  /** Notes media with timestamp `ts` arriving at wall time `nowMs`. */
  arrived(ts: number, nowMs: number): EdgeChange {
    const off = nowMs - ts;
    const base = this.offset();
    const gap = nowMs - this.lastArrival;
    this.lastArrival = nowMs;
    let change: EdgeChange = 'none';
    if (this.pending === null) {
      if (gap >= SPLICE_GAP_MS && off - base >= SPLICE_LATE_MS) {
        this.pending = { since: nowMs, min: off, base };
        change = 'pending';
      }
    } else if (off - this.pending.base < SPLICE_LATE_MS) {
      this.pending = null;
      change = 'caught-up';
    } else {
      const min = Math.min(this.pending.min, off);
      if (nowMs - this.pending.since < SPLICE_CONFIRM_MS) {
        this.pending.min = min;
        change = 'pending';
      } else {
        this.reset();
        this.lastArrival = nowMs;
        this.record(min, nowMs);
        return 'spliced';
      }
    }
    this.record(off, nowMs);
    return change;
  }

  /** The offset (wall − media) of the live edge; NaN before any media. */
  offset(): number {
    let m = this.current;
    for (const v of this.mins) m = Math.min(m, v);
    return Number.isFinite(m) ? m : NaN;
  }

  /** Forgets everything (a new timeline). */
  reset(): void {
    this.mins.length = 0;
    this.current = Infinity;
    this.currentSlot = -1;
    this.lastArrival = -Infinity;
    this.pending = null;
  }

  /** The windowed minimum: one slot a second, ten kept. */
  private record(off: number, nowMs: number): void {
    const slot = Math.floor(nowMs / 1000);
    if (slot !== this.currentSlot) {
      if (this.currentSlot >= 0) this.mins.push(this.current);
      if (this.mins.length > 10) this.mins.shift();
      this.current = Infinity;
      this.currentSlot = slot;
    }
    this.current = Math.min(this.current, off);
  }
}
