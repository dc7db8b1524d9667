import { describe, expect, it } from 'vitest';
import { RateMeter } from '../src/rate-meter.ts';

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
