import { describe, expect, it } from 'vitest';
import { AUDIO_STALE_MS, MAX_EXTRAPOLATE_MS, PlaybackClock } from '../src/playback-clock.ts';

function fakeClock() {
  let now = 1000;
  const clock = new PlaybackClock(() => now);
  return { clock, advance: (ms: number) => (now += ms) };
}

describe('PlaybackClock', () => {
  it('has no time until started', () => {
    const { clock } = fakeClock();
    expect(clock.started).toBe(false);
    expect(clock.now()).toBeNaN();
  });

  it('runs on wall time from the first frame, at the rate', () => {
    const { clock, advance } = fakeClock();
    clock.start(5000);
    advance(100);
    expect(clock.now()).toBe(5100);
    clock.setRate(1.1);
    advance(100);
    expect(clock.now()).toBeCloseTo(5210);
  });

  it('follows audio reports, extrapolating at most MAX_EXTRAPOLATE_MS, and holds while audio is starved', () => {
    const { clock, advance } = fakeClock();
    clock.start(0);
    clock.audioReport(2000, true);
    expect(clock.audioDriven).toBe(true);
    advance(20);
    expect(clock.now()).toBe(2020);
    advance(60);
    expect(clock.now()).toBe(2000 + Math.min(80, MAX_EXTRAPOLATE_MS));
    clock.audioReport(2100, false);
    advance(50);
    expect(clock.now()).toBe(2100);
  });

  it('falls back to wall time when audio reports stop', () => {
    const { clock, advance } = fakeClock();
    clock.audioReport(1000, true);
    advance(AUDIO_STALE_MS + 10);
    expect(clock.audioDriven).toBe(false);
    expect(clock.now()).toBe(1000 + AUDIO_STALE_MS + 10);
  });

  it('never runs past the newest media on wall time (clamp)', () => {
    const { clock, advance } = fakeClock();
    clock.start(0);
    advance(500);
    clock.clamp(300);
    expect(clock.now()).toBe(300);
    advance(100);
    clock.clamp(300);
    expect(clock.now()).toBe(300);
  });

  it('jumps and resets', () => {
    const { clock } = fakeClock();
    clock.start(0);
    clock.jumpTo(9000);
    expect(clock.now()).toBe(9000);
    clock.reset();
    expect(clock.started).toBe(false);
  });
});
