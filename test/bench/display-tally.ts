/**
 * The bookkeeping behind every measured player, in the page (rAF ticks of a
 * canvas or `<video>`) and in Node (frames on FFmpeg's pipe) alike: given
 * each tick's code (or null), it notes the first readable frame, and in a
 * measuring window the latency of each new frame at the first tick it is
 * seen, the distinct frames, codes that went backwards and unreadable ticks.
 */
import { timecodeAge, timecodeDiff } from '../../web/src/frame-timecode.ts';
import type { DisplayMeasurement, PlayerCounters } from './bench-protocol.ts';

/** The first frame with a readable code. */
export interface FirstFrame {
  /** performance.now() when it was seen. */
  at: number;
  /** Its latency, ms. */
  ageMs: number;
}

/** Ticks of one measuring window. */
interface WindowTally {
  startedAt: number;
  latenciesMs: number[];
  distinct: Set<number>;
  backwards: number;
  ticks: number;
  unreadable: number;
  black: number;
}

/** One player's ticks, from its creation to the end of its window. */
export class DisplayTally {
  private lastCode: number | null = null;
  private window: WindowTally | null = null;
  private first: FirstFrame | null = null;
  private firstWaiters: ((f: FirstFrame) => void)[] = [];

  /**
   * One display tick: `code` read from the picture (null: unreadable;
   * `black` says whether the strip was black), at wall time `nowMs`.
   */
  see(code: number | null, nowMs: number, black = false): void {
    const w = this.window;
    if (w) w.ticks++;
    if (code === null) {
      if (w) {
        w.unreadable++;
        if (black) w.black++;
      }
      return;
    }
    if (code === this.lastCode) return;
    const ageMs = timecodeAge(code, nowMs);
    if (!this.first) {
      this.first = { at: performance.now(), ageMs };
      for (const resolve of this.firstWaiters.splice(0)) resolve(this.first);
    }
    if (w) {
      if (this.lastCode !== null && timecodeDiff(code, this.lastCode) < 0) w.backwards++;
      else w.latenciesMs.push(ageMs);
      w.distinct.add(code);
    }
    this.lastCode = code;
  }

  /** Resolves with the first readable frame, or null after `timeoutMs`. */
  firstFrame(timeoutMs: number): Promise<FirstFrame | null> {
    if (this.first) return Promise.resolve(this.first);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), timeoutMs);
      this.firstWaiters.push((f) => {
        clearTimeout(timer);
        resolve(f);
      });
    });
  }

  /** Starts the measuring window (ticks before it count only for the first frame). */
  beginWindow(): void {
    this.window = { startedAt: performance.now(), latenciesMs: [], distinct: new Set(), backwards: 0, ticks: 0, unreadable: 0, black: 0 };
  }

  /** Ends the window: what was seen in it, with the player's own counters and errors added. */
  endWindow(createdAt: number, player: PlayerCounters, errors: string[]): DisplayMeasurement {
    const w = this.window;
    this.window = null;
    return {
      firstFrameMs: this.first ? this.first.at - createdAt : null,
      joinAgeMs: this.first?.ageMs ?? null,
      latenciesMs: w?.latenciesMs ?? [],
      windowMs: w ? performance.now() - w.startedAt : 0,
      distinctFrames: w?.distinct.size ?? 0,
      backwards: w?.backwards ?? 0,
      ticks: w?.ticks ?? 0,
      unreadableTicks: w?.unreadable ?? 0,
      blackTicks: w?.black ?? 0,
      player,
      errors,
    };
  }
}

/** Mean luma under which a strip counts as black (nothing drawn). */
export const BLACK_LUMA = 16;
