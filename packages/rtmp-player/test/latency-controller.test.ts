import { describe, expect, it } from 'vitest';
import { LatencyController } from '../src/latency-controller.ts';

describe('LatencyController', () => {
  it('plays at normal speed at or under the target', () => {
    const c = new LatencyController({ targetMs: 500 });
    for (let t = 0; t < 3000; t += 250) expect(c.update(t, 450)).toEqual({ rate: 1, jump: false });
  });

  it('speeds up when the buffer floor stays above target + 100 ms, and stops at the target (hysteresis)', () => {
    const c = new LatencyController({ targetMs: 500 });
    let d = c.update(0, 900);
    expect(d.jump).toBe(false);
    expect(d.rate).toBeGreaterThan(1);
    expect(d.rate).toBeLessThanOrEqual(1.1);
    // Between target and target + 100: keeps catching up until the target.
    d = c.update(2000, 550);
    expect(d.rate).toBeGreaterThan(1);
    d = c.update(4000, 480);
    expect(d.rate).toBe(1);
    // And does not restart for a small excess.
    d = c.update(6000, 580);
    expect(d.rate).toBe(1);
  });

  it('looks at the floor over the window: one burst does not trigger catch-up', () => {
    const c = new LatencyController({ targetMs: 500, windowMs: 1000 });
    c.update(0, 450);
    c.update(250, 470);
    expect(c.update(500, 1200).rate).toBe(1);
  });

  it('jumps when the buffer floor passes 2 × target + 1 s', () => {
    const c = new LatencyController({ targetMs: 500 });
    expect(c.jumpThresholdMs).toBe(2000);
    c.update(0, 2500);
    expect(c.update(250, 2600)).toEqual({ rate: 1, jump: true });
    // History is forgotten after a jump.
    expect(c.update(500, 400)).toEqual({ rate: 1, jump: false });
  });

  it('keeps a bounded history and steers a slowly growing buffer back (no drift over hours)', () => {
    const c = new LatencyController({ targetMs: 300 });
    let buffer = 300;
    let rate = 1;
    // Simulate 3 hours at 4 updates/s: the sender's clock is 0.1 % faster than ours.
    for (let t = 0; t < 3 * 3600_000; t += 250) {
      buffer += 250 * 0.001 - 250 * (rate - 1);
      rate = c.update(t, buffer).rate;
    }
    expect(buffer).toBeLessThan(450);
  });
});
