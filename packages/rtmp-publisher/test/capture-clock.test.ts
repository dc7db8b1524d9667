import { describe, expect, it } from 'vitest';
import { CaptureClock } from '../src/capture-clock.ts';

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
});
