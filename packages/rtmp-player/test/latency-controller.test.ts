import { describe, expect, it } from 'vitest';
import { CONVERGE_MS, LatencyController, MAX_RATE_DELTA } from '../src/latency-controller.ts';

/** Runs a simulated player at 4 updates/s: the delay moves by what the rate and the steps do. */
function simulate(c: LatencyController, delay: number, ms: number, drift = 0): { delay: number; steps: number; t: number[] } {
  let rate = 1;
  let steps = 0;
  const t: number[] = [];
  for (let at = 0; at < ms; at += 250) {
    delay += 250 * drift - 250 * (rate - 1);
    const d = c.update(at, delay);
    rate = d.rate;
    if (d.action === 'jump') delay -= d.byMs;
    if (d.action === 'hold') delay += d.byMs;
    if (d.action !== 'none') steps++;
    t.push(delay);
  }
  return { delay, steps, t };
}

describe('LatencyController', () => {
  it('plays at 1× at the target', () => {
    const c = new LatencyController({ targetMs: 500 });
    for (let t = 0; t < 3000; t += 250) expect(c.update(t, 505)).toEqual({ rate: 1, action: 'none', byMs: 0 });
  });

  it('above the target by less than a step: faster, within 1 + MAX_RATE_DELTA, and at the target within 2 s', () => {
    const c = new LatencyController({ targetMs: 300 });
    const d = c.update(0, 450);
    expect(d.action).toBe('none');
    expect(d.rate).toBeGreaterThan(1);
    expect(d.rate).toBeLessThanOrEqual(1 + MAX_RATE_DELTA);
    const run = simulate(new LatencyController({ targetMs: 300 }), 450, CONVERGE_MS + 500);
    expect(Math.abs(run.delay - 300)).toBeLessThan(20);
    expect(run.steps).toBe(0);
  });

  it('below the target by less than a step: slower, and at the target within 2 s', () => {
    const run = simulate(new LatencyController({ targetMs: 1000 }), 850, CONVERGE_MS + 500);
    expect(Math.abs(run.delay - 1000)).toBeLessThan(30);
    expect(run.steps).toBe(0);
  });

  it('far above: one jump forward by the excess', () => {
    const c = new LatencyController({ targetMs: 300 });
    expect(c.stepThresholdMs).toBe(CONVERGE_MS * MAX_RATE_DELTA);
    expect(c.update(0, 1300)).toEqual({ rate: 1, action: 'jump', byMs: 1000 });
    // History is forgotten after a step.
    expect(c.update(250, 300)).toEqual({ rate: 1, action: 'none', byMs: 0 });
  });

  it('one step at a time: a delay that a step could not fix is not stepped on again within a second', () => {
    const c = new LatencyController({ targetMs: 100 });
    expect(c.update(0, 900).action).toBe('jump');
    expect(c.update(250, 900).action).toBe('none');
    expect(c.update(500, 900).action).toBe('none');
    expect(c.update(1000, 900).action).toBe('jump');
  });

  it('far below (the target was raised): one hold for the deficit', () => {
    const c = new LatencyController({ targetMs: 100 });
    c.update(0, 100);
    c.targetMs = 3000;
    expect(c.update(250, 100)).toEqual({ rate: 1, action: 'hold', byMs: 2900 });
  });

  it('one late sample inside the window does not trigger a step (the median decides)', () => {
    const c = new LatencyController({ targetMs: 300 });
    c.update(0, 300);
    c.update(100, 305);
    expect(c.update(200, 2000).action).toBe('none');
  });

  it('keeps a bounded history and holds the target against clock drift for hours', () => {
    const c = new LatencyController({ targetMs: 300 });
    // 3 hours: the sender's clock is 0.1 % faster than ours.
    const run = simulate(c, 300, 3 * 3600_000, 0.001);
    const late = run.t.slice(-4 * 600);
    expect(Math.max(...late)).toBeLessThan(300 + 30);
    expect(Math.min(...late)).toBeGreaterThan(300 - 30);
    expect(run.steps).toBe(0);
  });
});
