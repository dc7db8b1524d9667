import { describe, expect, it } from 'vitest';
import { CongestionController } from '../src/congestion-controller.ts';

/** Simulates a link of `linkBps` fed at the controller's target; returns the trace. */
function simulate(c: CongestionController, linkAt: (t: number) => number, ms: number, start = 0) {
  let queued = 0;
  let drained = 0;
  const trace: { t: number; target: number; queueMs: number; drop: boolean; queued: number }[] = [];
  let d = c.update(start, 0, 0);
  for (let t = start + 100; t <= start + ms; t += 100) {
    queued += (d.targetBps / 8) * 0.1; // what the encoder produced in 100 ms
    const out = Math.min(queued, (linkAt(t) / 8) * 0.1);
    queued -= out;
    drained += out;
    d = c.update(t, queued, drained);
    trace.push({ t, target: d.targetBps, queueMs: d.queueMs, drop: d.dropVideo, queued });
  }
  return trace;
}

describe('CongestionController', () => {
  it('keeps the configured bitrate on a clear link', () => {
    const c = new CongestionController({ maxBps: 2_000_000 });
    const trace = simulate(c, () => 10_000_000, 10_000);
    expect(trace.every((x) => x.target === 2_000_000 && !x.drop && x.queueMs === 0)).toBe(true);
  });

  it('lowers the bitrate toward the link rate when the queue grows, and bounds the queue', () => {
    const c = new CongestionController({ maxBps: 2_000_000 });
    const trace = simulate(c, () => 600_000, 20_000);
    const last = trace.at(-1)!;
    // It probes upward now and then (like OBS), so judge the average over the last 10 s.
    const tail = trace.slice(-100);
    const avg = tail.reduce((a, x) => a + x.target, 0) / tail.length;
    expect(avg).toBeLessThanOrEqual(600_000 * 1.1);
    expect(Math.min(...tail.map((x) => x.target))).toBeGreaterThanOrEqual(250_000); // the floor: max/8
    // The queue stops growing once the bitrate fits the link.
    const peak = Math.max(...trace.map((x) => x.queued));
    expect(peak).toBeLessThan(2_000_000 / 8 * 3);
    expect(Math.max(...tail.map((x) => x.queueMs))).toBeLessThan(1500);
    expect(tail.every((x) => !x.drop)).toBe(true);
    expect(last.target).toBeGreaterThan(0);
  });

  it('drops video past the high mark, with hysteresis, and never for a brief blip', () => {
    const c = new CongestionController({ maxBps: 2_000_000, dropAtMs: 1500, dropUntilMs: 300 });
    let d = c.update(0, 0, 0);
    d = c.update(100, 100_000, 0); // 400 ms at 2 Mbps: lower, not drop
    expect(d.dropVideo).toBe(false);
    d = c.update(200, 2_000_000, 0);
    expect(d.dropVideo).toBe(true);
    d = c.update(300, 200_000, 10_000); // the link carried 800 kbps: 2 s of queue left
    expect(d.dropVideo).toBe(true); // draining, but still above dropUntil
    d = c.update(400, 0, 210_000);
    expect(d.dropVideo).toBe(false);
  });

  it('recovers step by step to the ceiling when the link clears', () => {
    const c = new CongestionController({ maxBps: 2_000_000, raiseAfterMs: 2000 });
    simulate(c, () => 500_000, 10_000);
    const low = c.targetBps;
    expect(low).toBeLessThan(700_000);
    const trace = simulate(c, () => 20_000_000, 40_000, 10_100);
    expect(trace.at(-1)!.target).toBe(2_000_000);
    // Gradual: no jump from the floor to the ceiling in one step.
    const steps = trace.map((x) => x.target).filter((v, i, a) => i > 0 && v !== a[i - 1]);
    expect(steps.length).toBeGreaterThan(3);
  });

  it('signals overflow past maxQueuedBytes', () => {
    const c = new CongestionController({ maxBps: 1_000_000, maxQueuedBytes: 1000 });
    expect(c.update(0, 999, 0).overflow).toBe(false);
    expect(c.update(100, 1001, 0).overflow).toBe(true);
  });

  it('rejects a non-positive maxBps', () => {
    expect(() => new CongestionController({ maxBps: 0 })).toThrow(TypeError);
  });
});

describe('CongestionController keyframe dropping', () => {
  it('drops keyframes too past dropAllAtMs, and sends them again under dropAtMs', () => {
    const c = new CongestionController({ maxBps: 1_000_000, dropAtMs: 1500, dropAllAtMs: 4000, dropUntilMs: 300 });
    c.update(0, 0, 0);
    let d = c.update(100, 1_000_000, 0); // 8 s at 1 Mbps
    expect(d.dropVideo && d.dropKeyframes).toBe(true);
    d = c.update(200, 250_000, 0); // 2.9 s at the (lowered) target: keyframes still dropped above 1.5 s
    expect(d.dropKeyframes).toBe(true);
    d = c.update(300, 100_000, 150_000); // drained 150 kB in 100 ms: 12 Mbps link, queue ~70 ms
    expect(d.dropKeyframes).toBe(false);
    expect(d.dropVideo).toBe(false);
  });
});
