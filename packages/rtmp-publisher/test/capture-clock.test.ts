import { describe, expect, it } from 'vitest';
import { AudioTimeline } from '../src/audio-timeline.ts';
import { CaptureClock, MAX_CLOCK_DRIFT, type ClockTrack } from '../src/capture-clock.ts';

/** A seeded uniform random number in [0, 1). */
function random(seed: number): () => number {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

/**
 * A capture clock that runs `drift` fast (−0.01: 1 % slow) against the wall
 * clock, 7 s ahead of it; each frame reaches the clock 1–15 ms after its
 * capture ended. `frame(track, wallUs, durationUs)` registers a frame captured
 * from `wallUs` (wall µs) and returns its mapped session time minus its true
 * one (capture start − the session's start), µs: the least delayed frames
 * read 1 ms late (they arrive 1 ms after capture, and the session clock
 * starts at an arrival).
 */
function driftingSource(c: CaptureClock, drift: number, seed: number) {
  const transit = random(seed);
  return (track: ClockTrack, wallUs: number, durationUs = 0): number => {
    const captureUs = 7_000_000 + wallUs * (1 + drift);
    const arrivalUs = wallUs + durationUs + 1_000 + transit() * 14_000;
    const m = c.arrive(track, captureUs, arrivalUs, durationUs * (1 + drift));
    // The session started at the clock's first arrival, whichever track's: now − session now is that instant.
    const startUs = arrivalUs - c.nowUs(arrivalUs);
    return captureUs + m.offsetUs - (wallUs - startUs);
  };
}

describe('CaptureClock', () => {
  it('maps the first frame to its arrival and keeps the capture spacing', () => {
    const c = new CaptureClock();
    c.arrive('video', 5_000_000, 100_000_000);
    expect(c.toSession('video', 5_000_000)).toBe(0);
    expect(c.toSession('video', 5_033_333)).toBe(33_333);
    expect(c.toSession('audio', 5_000_000)).toBeUndefined();
  });

  it('maps each track by its own clock: a canvas 450 ms ahead and audio on the worker clock stay in step', () => {
    // Measured in Chromium: the canvas track stamps ~450 ms ahead of the
    // worker's performance.now(), AudioData on it. The old clock shared the
    // first track's offset (the two agreed within 1 s) and put audio 450 ms late.
    const c = new CaptureClock();
    for (let i = 0; i < 30; i++) {
      const now = 1_000_000 + i * 33_333;
      c.arrive('video', now + 450_000 - 1_000, now); // 1 ms in transit
      c.arrive('audio', now - 10_000 - 500, now + 200, 10_000); // a 10 ms buffer, 0.5 ms in transit
    }
    // Captured at the same instant → the same session time, within the transit difference.
    const v = c.toSession('video', 2_000_000 + 450_000)!;
    const a = c.toSession('audio', 2_000_000)!;
    expect(Math.abs(v - a)).toBeLessThan(1_000);
  });

  it('takes the least delayed frame: a stale first frame and a start-up backlog keep their true, earlier times', () => {
    const c = new CaptureClock();
    // The first frame is ~1 s stale; then a burst of 5 buffered frames, then frames on time.
    c.arrive('video', 410_000, 1_014_000);
    for (let i = 0; i < 5; i++) c.arrive('video', 1_334_000 + i * 33_000, 1_017_000 + i * 700);
    for (let i = 0; i < 10; i++) c.arrive('video', 1_503_000 + i * 33_000, 1_055_000 + i * 33_000);
    // Steady state: capture − 448 ms, from the start (1.014 s).
    expect(c.toSession('video', 1_503_000)).toBe(1_055_000 - 1_014_000);
    // The backlog's first frame was captured 169 ms before that one, not at its arrival.
    expect(c.toSession('video', 1_334_000)).toBe(1_055_000 - 1_014_000 - 169_000);
  });

  it('starts a new mapping when the capture clock steps back; frames already mapped keep theirs', () => {
    const c = new CaptureClock();
    c.arrive('video', 0, 0);
    // Audio buffered on the page: stamped on its clock, 1.7 s ahead.
    const page = c.arrive('audio', 2_700_000, 1_000_000, 10_000);
    const pageStart = 2_700_000 + page.offsetUs;
    // Then the worker's own clock: 1.7 s back.
    const worker = c.arrive('audio', 1_000_000, 1_011_000, 10_000);
    expect(worker).not.toBe(page);
    expect(2_700_000 + page.offsetUs).toBe(pageStart);
    expect(c.toSession('audio', 1_000_000)).toBe(1_001_000);
  });

  it('reports the session clock', () => {
    const c = new CaptureClock();
    expect(c.nowUs(5_000)).toBe(0);
    c.arrive('audio', 0, 10_000, 10_000);
    expect(c.nowUs(25_000)).toBe(15_000);
  });

  it('follows a capture clock 0.1 % or 1 % slow or fast over three hours: every frame within 16 ms of its true time', () => {
    for (const drift of [-0.01, -0.001, 0.001, 0.01]) {
      const c = new CaptureClock();
      const frame = driftingSource(c, drift, 11);
      let worst = 0;
      let last = 0;
      // 30 fps for three simulated hours.
      for (let wallUs = 0; wallUs < 3 * 3600e6; wallUs += 33_333) {
        last = frame('video', wallUs);
        // The first frame's own delay is the error until a less delayed one comes (a few frames).
        if (wallUs > 1e6) worst = Math.max(worst, Math.abs(last));
      }
      // The least delayed frames arrive 1 ms after capture; the rest of the spread is how far the offset may rise between them.
      expect(worst, `drift ${drift}`).toBeLessThan(16_000);
      expect(Math.abs(last), `drift ${drift}`).toBeLessThan(16_000);
    }
  });

  it('keeps audio and video in step when their capture clocks drift apart (0.1 % slow and 0.1 % fast, three hours)', () => {
    const c = new CaptureClock();
    const video = driftingSource(c, -0.001, 3);
    const audio = driftingSource(c, 0.001, 5);
    let worst = 0;
    for (let wallUs = 0; wallUs < 3 * 3600e6; wallUs += 20_000) {
      // A 20 ms audio buffer and a video frame captured at the same instant.
      const a = audio('audio', wallUs, 20_000);
      const v = video('video', wallUs);
      if (wallUs > 1e6) worst = Math.max(worst, Math.abs(a - v));
    }
    expect(worst).toBeLessThan(16_000);
  });

  it('does not skip audio as stale when its capture clock runs slow: 0.1 % and 1 % for an hour through the audio timeline', () => {
    for (const drift of [-0.01, -0.001]) {
      const c = new CaptureClock();
      const t = new AudioTimeline();
      const transit = random(9);
      let skipped = 0;
      let worst = 0;
      let startUs: number | null = null;
      const FRAME_US = 10_000;
      for (let wallUs = 0; wallUs < 3600e6; wallUs += FRAME_US) {
        const captureUs = wallUs * (1 + drift);
        const arrivalUs = wallUs + FRAME_US + 1_000 + transit() * 14_000;
        startUs ??= arrivalUs;
        const m = c.arrive('audio', captureUs, arrivalUs, FRAME_US * (1 + drift));
        const r = t.feed(480, 48_000, captureUs, m, c.nowUs(arrivalUs));
        if (r.skip) {
          skipped++;
          continue;
        }
        // An encoder that gives each 10 ms back at once: where does it land against the truth?
        const at = t.output(r.encoderUs, FRAME_US);
        if (at !== undefined && wallUs > 1e6) worst = Math.max(worst, Math.abs(at - (wallUs - startUs)));
      }
      expect(skipped, `drift ${drift}`).toBe(0);
      expect(worst, `drift ${drift}`).toBeLessThan(20_000);
    }
  });

  it('lets a backlog lift the offset only slowly: 2 s of frames all 500 ms late keep their times within 2 % of 2 s, and the next frame on time sets it back', () => {
    const c = new CaptureClock();
    const onTime = 1_000;
    c.arrive('video', 0, onTime);
    let offsetBefore = 0;
    for (let i = 1; i <= 300; i++) offsetBefore = c.arrive('video', i * 33_333, i * 33_333 + onTime).offsetUs;
    expect(offsetBefore).toBe(0);
    // A busy worker: the next 2 s of frames each arrive 500 ms after capture.
    let risen = 0;
    for (let i = 301; i <= 360; i++) risen = c.arrive('video', i * 33_333, i * 33_333 + 500_000).offsetUs;
    expect(risen).toBeGreaterThan(0);
    expect(risen).toBeLessThanOrEqual(MAX_CLOCK_DRIFT * (360 * 33_333 + 500_000 - (300 * 33_333 + onTime)) + 1);
    expect(c.arrive('video', 361 * 33_333, 361 * 33_333 + onTime).offsetUs).toBe(0);
  });
});
