import { describe, expect, it } from 'vitest';
import { Mp4Pacer } from '../src/mp4-pacer.ts';

const samples = [0, 33_333, 66_667, 100_000].map((dtsUs, i) => ({ dtsUs, i }));

describe('Mp4Pacer', () => {
  it('hands out samples when their decode time has passed, in order', () => {
    const p = new Mp4Pacer(samples, 133_333, false);
    expect(p.due(0).map((d) => d.sample.i)).toEqual([0]);
    expect(p.due(30_000)).toEqual([]);
    expect(p.nextDueInUs(30_000)).toBe(3_333);
    expect(p.due(70_000).map((d) => d.sample.i)).toEqual([1, 2]);
    expect(p.due(1e9).map((d) => d.sample.i)).toEqual([3]);
    expect(p.done).toBe(true);
    expect(p.nextDueInUs(0)).toBe(Infinity);
  });

  it('loops with timestamps that continue', () => {
    const p = new Mp4Pacer(samples, 133_333, true);
    const all = [...p.due(140_000), ...p.due(240_000)];
    expect(all.map((d) => d.offsetUs)).toEqual([0, 33_333, 66_667, 100_000, 133_333, 166_666, 200_000, 233_333]);
    expect(all.map((d) => d.loop)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(p.done).toBe(false);
  });

  it('hands out at most one pass per call after a long stall', () => {
    const p = new Mp4Pacer(samples, 133_333, true);
    expect(p.due(10_000_000).length).toBeLessThanOrEqual(samples.length + 1);
  });
});
