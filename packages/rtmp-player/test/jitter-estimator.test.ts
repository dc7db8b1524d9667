import { describe, expect, it } from 'vitest';
import { CALM_SAMPLES, INITIAL_TARGET_MS, JitterEstimator, MARGIN_MS, MAX_AUTO_TARGET_MS } from '../src/jitter-estimator.ts';

/** A deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('JitterEstimator (latency="auto")', () => {
  it('starts at the initial target, never under the floor', () => {
    const j = new JitterEstimator();
    expect(j.targetMs()).toBe(INITIAL_TARGET_MS);
    expect(j.targetMs(200)).toBe(200);
  });

  it('on a quiet link (a few ms of lateness) lands near the floor', () => {
    const j = new JitterEstimator();
    const r = rng(1);
    for (let i = 0; i < 400; i++) j.add(2 + r() * 6);
    expect(j.targetMs()).toBeLessThanOrEqual(8 + 5 + MARGIN_MS);
    expect(j.targetMs(30)).toBe(30);
  });

  it('on a jittery link (0–150 ms) covers the jitter', () => {
    const j = new JitterEstimator();
    const r = rng(2);
    for (let i = 0; i < 400; i++) j.add(r() * 150);
    expect(j.targetMs()).toBeGreaterThanOrEqual(145);
    expect(j.targetMs()).toBeLessThanOrEqual(150 + 5 + MARGIN_MS);
  });

  it('one stall does not move it; stalls that recur do, and it decays slowly once they stop', () => {
    const j = new JitterEstimator();
    const r = rng(3);
    const calm = () => j.add(5 + r() * 5);
    for (let i = 0; i < 400; i++) calm();
    const base = j.targetMs();
    j.add(2000);
    expect(j.targetMs()).toBe(base);
    // A stall every 5 s (20 samples at 4 per second).
    for (let i = 0; i < 400; i++) i % 20 === 0 ? j.add(800) : calm();
    expect(j.targetMs()).toBeGreaterThanOrEqual(800);
    // Calm again: still high 10 s later, back near the floor a few minutes later.
    for (let i = 0; i < 40; i++) calm();
    expect(j.targetMs()).toBeGreaterThanOrEqual(800);
    for (let i = 0; i < 1200; i++) calm();
    expect(j.targetMs()).toBeLessThanOrEqual(base + 5);
  });

  it('one congested spell is forgotten once it is over: the target is back at the base 3 s after it', () => {
    const j = new JitterEstimator();
    const r = rng(4);
    const calm = () => j.add(5 + r() * 5);
    for (let i = 0; i < 400; i++) calm();
    const base = j.targetMs();
    // 30 s at a quarter of the bandwidth: each quarter-second's media a little later than the last, up to 3 s.
    for (let i = 0; i < 120; i++) j.add(300 + i * 23);
    expect(j.targetMs()).toBeGreaterThan(1000);
    for (let i = 0; i < CALM_SAMPLES; i++) calm();
    expect(j.targetMs()).toBe(base);
  });

  it('a spell that comes back within 20 s stays counted, and so do stalls every 2.5 s (one episode, many bursts)', () => {
    const spell = (j: JitterEstimator, calm: () => void) => {
      for (let i = 0; i < 20; i++) j.add(900);
      for (let i = 0; i < 40; i++) calm();
    };
    const j = new JitterEstimator();
    const r = rng(5);
    const calm = () => j.add(5 + r() * 5);
    for (let i = 0; i < 400; i++) calm();
    const base = j.targetMs();
    spell(j, calm);
    expect(j.targetMs()).toBe(base);
    spell(j, calm);
    expect(j.targetMs()).toBeGreaterThanOrEqual(900);

    const k = new JitterEstimator();
    const calmK = () => k.add(5 + r() * 5);
    for (let i = 0; i < 400; i++) calmK();
    for (let i = 0; i < 200; i++) i % 10 === 0 ? k.add(800) : calmK();
    for (let i = 0; i < 40; i++) calmK();
    expect(k.targetMs()).toBeGreaterThanOrEqual(800);
  });

  it('is capped, and ignores non-finite samples', () => {
    const j = new JitterEstimator();
    for (let i = 0; i < 100; i++) j.add(i % 2 === 0 ? 1e9 : NaN);
    expect(j.targetMs()).toBe(MAX_AUTO_TARGET_MS);
  });
});
