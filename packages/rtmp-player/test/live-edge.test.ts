import { describe, expect, it } from 'vitest';
import { LiveEdge, SPLICE_CONFIRM_MS, type EdgeChange } from '../src/live-edge.ts';

/** 30 fps media from `fromTs`, arriving `offset` ms after its timestamp, for `ms` of wall time from `fromWall`; the changes seen. */
function feed(e: LiveEdge, fromWall: number, fromTs: number, ms: number, offset: number): EdgeChange[] {
  const changes: EdgeChange[] = [];
  for (let t = 0; t < ms; t += 33) changes.push(e.arrived(fromTs + t, fromWall + t + offset));
  return changes;
}

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

  it('starts over after a splice: timestamps continued across a 2 s gap in the source', () => {
    const e = new LiveEdge();
    feed(e, 0, 0, 5000, 100);
    expect(e.offset()).toBe(100);
    // The source is gone 2 s; its frames come back on the old timeline: every one 2 s later than the edge says.
    const changes = feed(e, 7000, 5000, 2000, 100);
    expect(changes[0]).toBe('pending');
    const spliced = changes.indexOf('spliced');
    expect(spliced * 33).toBeGreaterThanOrEqual(SPLICE_CONFIRM_MS);
    expect(spliced * 33).toBeLessThan(SPLICE_CONFIRM_MS + 100);
    expect(changes.slice(spliced + 1).every((c) => c === 'none')).toBe(true);
    expect(e.offset()).toBe(2100);
    expect(e.splicePending).toBe(false);
  });

  it('stands through a stall: the backlog comes late, then catches up with the edge', () => {
    const e = new LiveEdge();
    feed(e, 0, 0, 5000, 100);
    // 3 s of nothing, then the backlog at once (1 ms apart) and live media after it.
    const changes: EdgeChange[] = [];
    for (let ts = 5000, at = 8100; ts < 8000; ts += 33, at += 1) changes.push(e.arrived(ts, at));
    changes.push(...feed(e, 8200, 8200, 500, 100));
    expect(changes[0]).toBe('pending');
    expect(changes).toContain('caught-up');
    expect(changes).not.toContain('spliced');
    expect(e.offset()).toBe(100);
  });

  it('follows a slow backlog taken for a splice back down as it drains', () => {
    const e = new LiveEdge();
    feed(e, 0, 0, 5000, 100);
    // After a 3 s stall the link drains the backlog at 1.5× real time: still far behind after the confirmation time.
    const changes: EdgeChange[] = [];
    for (let ts = 5000, at = 8100; at < 17_000; ts += 33, at += 22) changes.push(e.arrived(ts, at));
    expect(changes).toContain('spliced');
    // Each newer frame arrives less late than the last, so the minimum is the newest's: the delay left, not the one at the splice.
    expect(e.offset()).toBeLessThan(400);
  });

  it('leaves a source that resumes on time alone (its timestamps jumped with the wall clock)', () => {
    const e = new LiveEdge();
    feed(e, 0, 0, 5000, 100);
    expect(feed(e, 7000, 7000, 1000, 100).every((c) => c === 'none')).toBe(true);
    expect(e.offset()).toBe(100);
  });

  it('does not take a bursty link (media held and released every 200 ms, up to 200 ms late) for a splice', () => {
    const e = new LiveEdge();
    feed(e, 0, 0, 5000, 100);
    const changes: EdgeChange[] = [];
    for (let ts = 5000; ts < 8000; ts += 33) changes.push(e.arrived(ts, 100 + Math.ceil(ts / 200) * 200));
    expect(changes.every((c) => c === 'none')).toBe(true);
    expect(e.offset()).toBe(100);
  });
});
