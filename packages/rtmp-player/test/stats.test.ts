import { describe, expect, it } from 'vitest';
import { LiveEdge, RateMeter } from '../src/stats.ts';

describe('RateMeter', () => {
  it('averages per-second counts over its buckets', () => {
    const m = new RateMeter(2);
    for (let t = 0; t < 3000; t += 100) m.add(3, t); // 30/s
    expect(m.rate(3000)).toBe(30);
  });
  it('decays to zero when nothing comes', () => {
    const m = new RateMeter(2);
    m.add(10, 0);
    expect(m.rate(10_000)).toBe(0);
  });
});

describe('LiveEdge', () => {
  it('is the smallest arrival − timestamp offset', () => {
    const e = new LiveEdge();
    expect(e.offset()).toBeNaN();
    e.arrived(0, 1000);
    e.arrived(100, 1150);
    e.arrived(200, 1205);
    expect(e.offset()).toBe(1000);
  });
  it('forgets minima older than ~10 s (follows a slipping clock)', () => {
    const e = new LiveEdge();
    e.arrived(0, 1000);
    for (let t = 2000; t < 20_000; t += 100) e.arrived(t - 1500, t);
    expect(e.offset()).toBe(1500);
  });
});
