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

  it('shares the offset when both tracks come from one capture clock (exact lip sync)', () => {
    const c = new CaptureClock();
    c.arrive('video', 5_000_000, 100_000_000);
    c.arrive('audio', 5_010_000, 100_040_000); // arrived 30 ms "late": jitter, not offset
    expect(c.toSession('audio', 5_010_000)).toBe(10_000);
  });

  it('gives a track with a foreign clock its own offset', () => {
    const c = new CaptureClock();
    c.arrive('video', 5_000_000, 100_000_000);
    c.arrive('audio', 0, 100_050_000);
    expect(c.toSession('audio', 0)).toBe(50_000);
  });
});
