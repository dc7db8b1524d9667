import { describe, expect, it } from 'vitest';
import { DecodeTimeline, MAX_REORDER } from '../src/decode-timeline.ts';

const F = 33_333;

describe('DecodeTimeline', () => {
  it('without B-frames, decode time = presentation time (jittered capture too)', () => {
    const t = new DecodeTimeline();
    const pts = [0, 25_000, 66_000, 91_000, 133_000];
    expect(pts.map((p) => t.next(p))).toEqual(pts);
    expect(t.reorderDepth).toBe(0);
  });

  it('B-frames in decode order (I P B B P B B …): after the first reorder, decode times rise steadily and never pass a presentation time', () => {
    const t = new DecodeTimeline();
    // Presentation index of each chunk in decode order: one B-pyramid level of two B-frames.
    const order = [0, 3, 1, 2, 6, 4, 5, 9, 7, 8, 12, 10, 11, 15, 13, 14, 18, 16, 17];
    const out = order.map((k) => ({ pts: k * F, dts: t.next(k * F) }));
    for (let i = 1; i < out.length; i++) expect(out[i]!.dts).toBeGreaterThan(out[i - 1]!.dts);
    // From the second GOP-ish group on the timeline is exact: dts ≤ pts, steps of one frame.
    const settled = out.slice(6);
    for (const o of settled) expect(o.dts).toBeLessThanOrEqual(o.pts);
    const steps = settled.slice(1).map((o, i) => o.dts - settled[i]!.dts);
    expect(steps.every((s) => Math.abs(s - F) < 2)).toBe(true);
    expect(t.reorderDepth).toBe(1); // each B-frame comes one chunk after the P-frame it precedes
  });

  it('stays bounded whatever comes: the depth stops at MAX_REORDER and decode times always rise', () => {
    const t = new DecodeTimeline();
    let last = -Infinity;
    for (let i = 0; i < 500; i++) {
      const dts = t.next(((i * 7919) % 101) * F);
      expect(dts).toBeGreaterThan(last);
      last = dts;
    }
    expect(t.reorderDepth).toBe(MAX_REORDER);
  });

  it('a B-pyramid (I P B b b): depth 2, exact after the first group', () => {
    const t = new DecodeTimeline();
    const order = [0, 4, 2, 1, 3, 8, 6, 5, 7, 12, 10, 9, 11, 16, 14, 13, 15];
    const out = order.map((k) => ({ pts: k * F, dts: t.next(k * F) }));
    expect(t.reorderDepth).toBe(2);
    for (const o of out.slice(5)) expect(o.dts).toBeLessThanOrEqual(o.pts);
    for (let i = 1; i < out.length; i++) expect(out[i]!.dts).toBeGreaterThan(out[i - 1]!.dts);
  });
});
