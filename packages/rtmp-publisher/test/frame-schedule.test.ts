import { describe, expect, it } from 'vitest';
import { ENCODE_CALM_US, ENCODE_OVERLOAD_US, ENCODE_QUEUE_FULL, ENCODE_QUEUE_MAX, EncodeQueueGuard, FrameRateLimiter, KeyframeSchedule } from '../src/frame-schedule.ts';

const MS = 1000;

/** The timestamps (µs) the limiter keeps, taking each frame it finds due. */
function kept(framerate: number, timestamps: number[]): number[] {
  const l = new FrameRateLimiter(framerate);
  const out: number[] = [];
  for (const t of timestamps) {
    if (!l.due(t)) continue;
    l.take(t);
    out.push(t);
  }
  return out;
}

/** Frame times (µs) from successive gaps (ms), starting at `start` µs. */
function fromGaps(gapsMs: number[], start = 5_000_000): number[] {
  const out = [start];
  for (const g of gapsMs) out.push(out[out.length - 1]! + Math.round(g * MS));
  return out;
}

/** `n` gaps repeating `pattern`. */
function repeat(pattern: number[], n: number): number[] {
  return Array.from({ length: n }, (_, i) => pattern[i % pattern.length]!);
}

/** A seeded PRNG in [0, 1) (mulberry32), so jittered sequences are the same every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Frames at `fps` drawn by a drift-free timer that fires 0…`lateMs` late (setTimeout-like). */
function timerFrames(fps: number, seconds: number, lateMs: number, seed = 1): number[] {
  const r = prng(seed);
  return Array.from({ length: Math.round(fps * seconds) }, (_, i) => Math.round(((i * 1000) / fps + r() * lateMs) * MS));
}

/** The most frames kept in any window of `windowUs`. */
function mostInWindow(ts: number[], windowUs: number): number {
  let most = 0;
  let lo = 0;
  for (let hi = 0; hi < ts.length; hi++) {
    while (ts[hi]! - ts[lo]! >= windowUs) lo++;
    most = Math.max(most, hi - lo + 1);
  }
  return most;
}

describe('FrameRateLimiter', () => {
  it('keeps every frame of a 30 fps source whose gaps alternate 25/41.7 ms (the reported canvas)', () => {
    const ts = fromGaps(repeat([25, 41.667], 300));
    expect(kept(30, ts)).toEqual(ts);
  });

  it('keeps every frame of the 21/46 and 16.7/50 ms alternations a composited canvas gives', () => {
    const a = fromGaps(repeat([21, 46], 300));
    expect(kept(30, a).length).toBeGreaterThanOrEqual(a.length - 1);
    const b = fromGaps(repeat([16.667, 50], 300));
    expect(kept(30, b)).toEqual(b);
  });

  it('keeps every frame of a setTimeout-drawn 30 fps source (drift-free timer, 0–8 ms late; chained timer, ~34 ms gaps)', () => {
    for (const seed of [1, 2, 3]) {
      const ts = timerFrames(30, 10, 8, seed);
      expect(kept(30, ts)).toEqual(ts);
    }
    const chained = fromGaps(Array.from({ length: 300 }, (_, i) => 33.4 + (i % 3) * 0.6));
    expect(kept(30, chained)).toEqual(chained);
  });

  it('thins 60 fps to 30: exact, and with timer jitter', () => {
    const exact = timerFrames(60, 10, 0);
    const k = kept(30, exact);
    // The second frame is within the early tolerance of the first slot; from
    // then on the kept frames run half a source period ahead of the slots.
    expect(k.length).toBe(301);
    expect(k[1]! - k[0]!).toBe(16_667);
    expect(new Set(k.slice(2).map((t, i) => Math.round((t - k[i + 1]!) / MS)))).toEqual(new Set([33]));

    const jittered = kept(30, timerFrames(60, 10, 6, 7));
    expect(jittered.length).toBeGreaterThanOrEqual(295);
    expect(jittered.length).toBeLessThanOrEqual(301);
    // Over any second, at most two frames above the rate (see the class comment).
    expect(mostInWindow(jittered, 1_000_000)).toBeLessThanOrEqual(32);
  });

  it('thins 40 fps to 30 and keeps a 15 fps source whole', () => {
    expect(kept(30, timerFrames(40, 10, 0)).length).toBe(300);
    const slow = timerFrames(15, 10, 5);
    expect(kept(30, slow)).toEqual(slow);
  });

  it('re-anchors after a gap instead of catching up with a burst', () => {
    // 60 fps for 1 s, nothing for 500 ms, 60 fps again.
    const before = timerFrames(60, 1, 0);
    const after = timerFrames(60, 1, 0).map((t) => t + 1_500_000);
    const k = kept(30, [...before, ...after]);
    const afterGap = k.filter((t) => t >= 1_500_000);
    expect(afterGap[0]).toBe(1_500_000);
    expect(afterGap.length).toBe(31); // as at the start: see the exact 60 fps case
    expect(mostInWindow(k, 1_000_000)).toBeLessThanOrEqual(32);
  });

  it('restarts when the timestamps jump back (a new capture clock)', () => {
    const first = timerFrames(30, 1, 0).map((t) => t + 60_000_000);
    const second = timerFrames(30, 1, 0);
    expect(kept(30, [...first, ...second])).toEqual([...first, ...second]);
  });

  it('drops a repeated timestamp', () => {
    expect(kept(30, [0, 0, 33_333, 33_333, 66_667])).toEqual([0, 33_333, 66_667]);
  });

  it('leaves the slot free when a due frame is not taken (encoder backed up)', () => {
    const l = new FrameRateLimiter(30);
    l.take(0);
    expect(l.due(33_333)).toBe(true); // not taken
    expect(l.due(50_000)).toBe(true);
    l.take(50_000);
    // The next slot is 66.7 ms, not 50 + 33.3: taking a late frame does not push the schedule back.
    expect(l.due(40_000)).toBe(false);
    expect(l.due(50_000)).toBe(true);
  });

  it('rejects a non-positive frame rate', () => {
    expect(() => new FrameRateLimiter(0)).toThrow(TypeError);
  });
});

describe('KeyframeSchedule', () => {
  /** Keyframe timestamps (µs) among `ts`, all of them encoded. */
  function keys(ts: number[], intervalS = 2, forceAt = new Set<number>()): number[] {
    const k = new KeyframeSchedule(intervalS * 1e6, 30);
    return ts.filter((t, i) => k.keyframe(t, i === 0 || forceAt.has(t)));
  }

  it('makes every 60th frame of a steady 30 fps source a keyframe at 2 s', () => {
    const ts = timerFrames(30, 10, 0);
    expect(keys(ts)).toEqual([0, 60, 120, 180, 240].map((i) => ts[i]));
  });

  it('keeps the interval at 2 s on average with jittered timestamps, each within a frame gap of it', () => {
    for (const ts of [fromGaps(repeat([21, 46], 900)), timerFrames(30, 30, 8, 5)]) {
      const k = keys(ts);
      const gaps = k.slice(1).map((t, i) => t - k[i]!);
      expect(gaps.length).toBeGreaterThanOrEqual(13);
      for (const g of gaps) expect(Math.abs(g - 2_000_000)).toBeLessThan(50 * MS);
      const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
      expect(Math.abs(mean - 2_000_000)).toBeLessThan(5 * MS);
    }
  });

  it('restarts the schedule from a forced keyframe', () => {
    const ts = timerFrames(30, 6, 0);
    const forced = ts[45]!;
    expect(keys(ts, 2, new Set([forced]))).toEqual([ts[0], forced, ts[105], ts[165]]);
  });

  it('restarts after a gap in the source instead of keying the next two frames', () => {
    const ts = [...timerFrames(30, 1.5, 0), ...timerFrames(30, 3, 0).map((t) => t + 3_000_000)];
    expect(keys(ts)).toEqual([0, 3_000_000, 5_000_000]);
  });
});

describe('EncodeQueueGuard', () => {
  const PERIOD = Math.round(MS * 1000 / 30);

  /** Runs frames at 30 fps with the given queue sizes; returns which were admitted. */
  function admits(queues: number[], start = 1_000_000): boolean[] {
    const g = new EncodeQueueGuard();
    return queues.map((q, i) => g.admit(q, start + i * PERIOD));
  }

  it('takes every frame while the queue stays below full', () => {
    expect(admits(repeat([0, 1, 2], 300)).every(Boolean)).toBe(true);
  });

  it('takes a burst that drains within the overload time (Firefox: 0–12 deep in bursts)', () => {
    // 12 frames (400 ms) with the queue filling to 12, then drained, again and again.
    const burst = [...Array.from({ length: 12 }, (_, i) => i + 1), 0, 1, 0, 2];
    expect(admits(repeat(burst, 600)).every(Boolean)).toBe(true);
  });

  it('drops once the queue has stayed full past the overload time, and not before', () => {
    const r = admits(repeat([3], 60));
    const first = r.indexOf(false);
    // 500 ms at 30 fps: the 16th frame of the run (15 periods after the first) is the first dropped.
    expect(first).toBe(Math.ceil(ENCODE_OVERLOAD_US / PERIOD));
    expect(r.slice(first).every((x) => !x)).toBe(true);
  });

  it('under a sustained overload keeps the old rule: drops at a full queue, takes one that dipped', () => {
    const g = new EncodeQueueGuard();
    let t = 0;
    const at = (q: number) => g.admit(q, (t += PERIOD));
    for (let i = 0; i < 20; i++) at(4);
    expect(g.overload).toBe(true);
    // The queue dips under full for a frame: that frame goes in, the next one at a full queue does not.
    expect(at(2)).toBe(true);
    expect(at(3)).toBe(false);
    expect(at(5)).toBe(false);
    expect(at(1)).toBe(true);
    expect(at(3)).toBe(false);
    expect(g.overload).toBe(true);
  });

  it('ends the overload after the queue stayed below full for the calm time', () => {
    const g = new EncodeQueueGuard();
    let t = 0;
    const at = (q: number) => g.admit(q, (t += PERIOD));
    for (let i = 0; i < 20; i++) at(4);
    const calmFrames = Math.ceil(ENCODE_CALM_US / PERIOD);
    for (let i = 0; i < calmFrames; i++) at(1);
    expect(g.overload).toBe(true);
    at(1);
    expect(g.overload).toBe(false);
    // A new burst is taken again.
    expect(at(3)).toBe(true);
    expect(at(6)).toBe(true);
  });

  it('a calm run cut by a full queue starts over', () => {
    const g = new EncodeQueueGuard();
    let t = 0;
    const at = (q: number) => g.admit(q, (t += PERIOD));
    for (let i = 0; i < 20; i++) at(4);
    for (let i = 0; i < 25; i++) at(0);
    at(3);
    for (let i = 0; i < 25; i++) at(0);
    expect(g.overload).toBe(true);
  });

  it(`drops at once at a queue of ${ENCODE_QUEUE_MAX}, overload or not`, () => {
    const g = new EncodeQueueGuard();
    expect(g.admit(ENCODE_QUEUE_MAX - 1, 0)).toBe(true);
    expect(g.admit(ENCODE_QUEUE_MAX, PERIOD)).toBe(false);
    expect(g.overload).toBe(false);
    expect(g.admit(0, 2 * PERIOD)).toBe(true);
  });

  it('bounds the queue a hopeless encoder builds: at most the overload time of frames past full', () => {
    // Frames arrive at 30 fps, the encoder takes one every 200 ms (5 fps).
    const g = new EncodeQueueGuard();
    let queue = 0;
    let taken = 0;
    let deepest = 0;
    for (let i = 0; i < 30 * 60; i++) {
      const t = i * PERIOD;
      if (i % 6 === 0 && queue > 0) queue--;
      if (g.admit(queue, t)) {
        queue++;
        taken++;
      }
      deepest = Math.max(deepest, queue);
    }
    expect(deepest).toBeLessThanOrEqual(ENCODE_QUEUE_FULL + Math.ceil(ENCODE_OVERLOAD_US / PERIOD));
    // Once overloaded, about what the encoder takes: 5 fps over the minute, plus the first half-second's burst.
    expect(taken).toBeLessThan(5 * 60 + 30);
  });

  it('a timestamp that goes back restarts the overload timer', () => {
    const g = new EncodeQueueGuard();
    for (let i = 0; i < 10; i++) g.admit(3, 10_000_000 + i * PERIOD);
    // A new capture clock near zero: the run counts from here, not as 10 s overdue or negative.
    for (let i = 0; i < 10; i++) expect(g.admit(3, i * PERIOD)).toBe(true);
    expect(g.overload).toBe(false);
  });
});
