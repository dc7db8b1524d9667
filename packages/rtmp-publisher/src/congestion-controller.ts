/**
 * Congestion control for a live publisher, modelled on OBS's dynamic bitrate
 * (libobs `obs-output.c` / rtmp-stream's `dbr_*`): watch how long the send
 * queue would take to drain; when it grows, 1) lower the encoder's bitrate
 * toward what the link actually carries, 2) past a higher mark, drop video
 * frames that are not keyframes (audio is never dropped: a gap in audio is
 * far worse than a frozen picture), and past a third mark keyframes too
 * (OBS's two drop thresholds), 3) when the queue stays near empty,
 * raise the bitrate again in steps, back to the configured ceiling.
 *
 * Pure logic: time and byte counts come in, decisions come out, so it is
 * unit-tested without a network.
 */

/** Options for {@link CongestionController}. */
export interface CongestionOptions {
  /** The configured bitrate, bps: the ceiling we recover to. */
  maxBps: number;
  /** The floor, bps. Default max/8, at least 150 kbps. */
  minBps?: number;
  /** Queue past this, ms, lowers the bitrate. Default 400. */
  lowerAtMs?: number;
  /** Queue past this, ms, drops non-key video. Default 1500. */
  dropAtMs?: number;
  /** Queue past this, ms, drops keyframes too (only audio goes out). Default 4000. */
  dropAllAtMs?: number;
  /** Dropping stops when the queue is back under this, ms. Default 300. */
  dropUntilMs?: number;
  /** Queue under this, ms, counts as a clear link. Default 100. */
  clearMs?: number;
  /** How long the link must stay clear before each step up, ms. Default 2000. */
  raiseAfterMs?: number;
  /** Minimum time between two reductions, ms. Default 1000 (let the last one take effect). */
  lowerEveryMs?: number;
  /** Queue past this many bytes is an overflow: the caller should drop the connection. */
  maxQueuedBytes?: number;
}

/** What the controller says to do after a {@link CongestionController.update}. */
export interface CongestionDecision {
  /** The encoder bitrate to use, bps. */
  targetBps: number;
  /** Drop video frames that are not keyframes. */
  dropVideo: boolean;
  /** Drop keyframes too: even they are more than the link carries. Implies dropVideo. */
  dropKeyframes: boolean;
  /** The queue's estimated drain time, ms. */
  queueMs: number;
  /** The queue passed `maxQueuedBytes`: the link is gone or hopeless. */
  overflow: boolean;
  /** The link throughput estimate, bps (0 until measured). */
  linkBps: number;
}

/** See the file comment. */
export class CongestionController {
  private readonly o: Required<CongestionOptions>;
  private target: number;
  private dropping = false;
  private droppingAll = false;
  private lastAt = -1;
  private lastDrained = 0;
  private lastQueued = 0;
  private linkBps = 0;
  private clearSince = -1;
  private lastLowerAt = -Infinity;

  constructor(options: CongestionOptions) {
    if (!(options.maxBps > 0)) throw new TypeError('CongestionController: maxBps must be > 0');
    const minBps = options.minBps ?? Math.max(150_000, options.maxBps / 8);
    this.o = {
      maxBps: options.maxBps,
      minBps: Math.min(minBps, options.maxBps),
      lowerAtMs: options.lowerAtMs ?? 400,
      dropAtMs: options.dropAtMs ?? 1500,
      dropAllAtMs: options.dropAllAtMs ?? 4000,
      dropUntilMs: options.dropUntilMs ?? 300,
      clearMs: options.clearMs ?? 100,
      raiseAfterMs: options.raiseAfterMs ?? 2000,
      lowerEveryMs: options.lowerEveryMs ?? 1000,
      // 10 s at the ceiling, at least 4 MB: far past any sensible live delay.
      maxQueuedBytes: options.maxQueuedBytes ?? Math.max(4 << 20, (options.maxBps / 8) * 10),
    };
    this.target = options.maxBps;
  }

  /** The current target, bps. */
  get targetBps(): number {
    return this.target;
  }

  /**
   * Feeds one observation. `queuedBytes`: bytes not yet on the wire (the
   * WebSocket's bufferedAmount plus our own queue). `drainedBytes`: the
   * running total of bytes that left the queue. Call every ~100–250 ms.
   */
  update(nowMs: number, queuedBytes: number, drainedBytes: number): CongestionDecision {
    const o = this.o;
    if (this.lastAt >= 0 && nowMs > this.lastAt) {
      const dt = nowMs - this.lastAt;
      // Only a backlogged queue measures the link (an idle one measures us):
      // more than 100 ms of data at the target rate, before and after.
      const backlog = this.target / 8 / 10;
      if (this.lastQueued > backlog && queuedBytes > backlog) {
        const sample = ((drainedBytes - this.lastDrained) * 8 * 1000) / dt;
        this.linkBps = this.linkBps === 0 ? sample : this.linkBps * 0.7 + sample * 0.3;
      }
    }
    this.lastAt = nowMs;
    this.lastDrained = drainedBytes;
    this.lastQueued = queuedBytes;

    // Drain time at what the link carries, when we know it and the queue is
    // real; else at our own rate (a few KB in flight are not congestion).
    // (The encoder may overshoot its target on hard content, so the target is
    // only the fallback.)
    const rate = this.linkBps > 0 && queuedBytes > this.target / 8 / 10 ? this.linkBps : this.target;
    const queueMs = queuedBytes === 0 ? 0 : (queuedBytes * 8 * 1000) / Math.max(rate, 1000);

    if (queueMs > o.lowerAtMs) {
      this.clearSince = -1;
      if (nowMs - this.lastLowerAt >= o.lowerEveryMs) {
        this.lastLowerAt = nowMs;
        // Toward 80 % of what the link carried, and at least a 30 % cut, so
        // the queue drains instead of holding steady.
        const byLink = this.linkBps > 0 ? this.linkBps * 0.8 : Infinity;
        this.target = clamp(Math.min(this.target * 0.7, byLink), o.minBps, o.maxBps);
      }
    } else if (queueMs < o.clearMs) {
      if (this.clearSince < 0) this.clearSince = nowMs;
      else if (nowMs - this.clearSince >= o.raiseAfterMs && this.target < o.maxBps) {
        this.target = clamp(this.target * 1.25, o.minBps, o.maxBps);
        this.clearSince = nowMs;
      }
    } else {
      this.clearSince = -1;
    }

    if (!this.dropping && queueMs > o.dropAtMs) this.dropping = true;
    else if (this.dropping && queueMs < o.dropUntilMs) this.dropping = false;
    // Keyframes go again once the queue is back under the non-key mark.
    if (!this.droppingAll && queueMs > o.dropAllAtMs) this.droppingAll = true;
    else if (this.droppingAll && queueMs < o.dropAtMs) this.droppingAll = false;

    return {
      targetBps: Math.round(this.target),
      dropVideo: this.dropping || this.droppingAll,
      dropKeyframes: this.droppingAll,
      queueMs: Math.round(queueMs),
      overflow: queuedBytes > o.maxQueuedBytes,
      linkBps: Math.round(this.linkBps),
    };
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
