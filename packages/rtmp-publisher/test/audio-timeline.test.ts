import { describe, expect, it } from 'vitest';
import { AudioTimeline, MAX_AUDIO_LAG_US } from '../src/audio-timeline.ts';

const RATE = 48_000;
const FRAME = 480; // 10 ms
const FRAME_US = 10_000;
const on = (offsetUs: number) => ({ offsetUs });
const PACKET_US = (1024 / RATE) * 1e6; // an AAC packet

/** Feeds `frames` 10 ms frames captured at `captureUs(i)`, each as it arrives, and returns the session time of each 1024-sample packet an encoder would give out meanwhile. */
function encodeAsFed(t: AudioTimeline, frames: number, captureUs: (i: number) => number, m: { offsetUs: number }): (number | undefined)[] {
  const times: (number | undefined)[] = [];
  for (let i = 0; i < frames; i++) {
    t.feed(FRAME, RATE, captureUs(i), m, captureUs(i) + 30_000);
    while ((times.length + 1) * 1024 <= (i + 1) * FRAME) times.push(t.output(times.length * PACKET_US, PACKET_US));
  }
  return times;
}

describe('AudioTimeline', () => {
  it('feeds a gapless encoder clock and maps packets back to capture time', () => {
    const t = new AudioTimeline();
    const m = on(-5_000_000); // capture clock 5 s ahead of the session
    for (let i = 0; i < 10; i++) {
      const r = t.feed(FRAME, RATE, 5_000_000 + i * FRAME_US, m, i * FRAME_US + FRAME_US);
      expect(r).toEqual({ skip: false, encoderUs: i * FRAME_US });
    }
    // A 1024-sample AAC packet starting at sample 1024 of the encoder clock.
    expect(t.output((1024 / RATE) * 1e6, (1024 / RATE) * 1e6)).toBeCloseTo((1024 / RATE) * 1e6, 3);
  });

  it('leaves a gap in session time where capture had one, instead of shifting what follows', () => {
    const t = new AudioTimeline();
    const m = on(0);
    t.feed(FRAME, RATE, 0, m, 10_000);
    // 100 ms of capture lost (dropped by the browser), then more.
    for (let i = 0; i < 10; i++) t.feed(FRAME, RATE, 110_000 + i * FRAME_US, m, 120_000 + i * FRAME_US);
    expect(t.output(0, FRAME_US)).toBe(0);
    // Seven frames whose distance does not shrink could still be a stall's bunch; from the eighth on, the gap is real and holds.
    expect(t.output(FRAME_US, FRAME_US)).toBe(FRAME_US);
    expect(t.output(8 * FRAME_US, FRAME_US)).toBe(180_000);
    expect(t.output(10 * FRAME_US, FRAME_US)).toBe(200_000);
  });

  it('does not read a stall of the reading realm (frames stamped in a bunch) as a hole', () => {
    const t = new AudioTimeline();
    const m = on(0);
    const stamps: number[] = [];
    for (let i = 0; i < 100; i++) stamps.push(i * FRAME_US);
    // Frames 50–55 waited 60 ms and were read, and stamped, at once.
    for (let i = 50; i <= 55; i++) stamps[i] = 560_000 + (i - 50) * 100;
    const times = encodeAsFed(t, stamps.length, (i) => stamps[i]!, m);
    expect(times.every((x) => x !== undefined)).toBe(true);
    const spacing = times.slice(1).map((x, k) => x! - times[k]!);
    expect(Math.max(...spacing.map((d) => Math.abs(d - PACKET_US)))).toBeLessThan(2_500);
  });

  it('does not read a long stall (150 ms of frames stamped in a bunch, then read a little apart) as a hole', () => {
    const t = new AudioTimeline();
    const m = on(0);
    const stamps: number[] = [];
    for (let i = 0; i < 120; i++) stamps.push(i * FRAME_US);
    // Frames 50–65 waited up to 150 ms, then were read 3 ms apart until the reader caught up.
    for (let i = 50; i <= 65; i++) stamps[i] = Math.max(i * FRAME_US, 650_000 + (i - 50) * 3_000);
    const times = encodeAsFed(t, stamps.length, (i) => stamps[i]!, m);
    expect(times.every((x) => x !== undefined)).toBe(true);
    const spacing = times.slice(1).map((x, k) => x! - times[k]!);
    expect(Math.max(...spacing.map((d) => Math.abs(d - PACKET_US)))).toBeLessThan(2_500);
  });

  it('reads jittered capture timestamps as the sample clock they are: packets one after another, none dropped', () => {
    const t = new AudioTimeline();
    const m = on(0);
    // Chromium's 10 ms AudioData arrive 2–21 ms apart; a seeded pattern of that.
    let seed = 7;
    const jitter = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 18_000;
    const times = encodeAsFed(t, 500, (i) => i * FRAME_US + jitter(), m);
    expect(times.every((x) => x !== undefined)).toBe(true);
    const spacing = times.slice(1).map((x, k) => x! - times[k]!);
    expect(Math.max(...spacing.map((d) => Math.abs(d - PACKET_US)))).toBeLessThan(1_000);
  });

  it('follows a capture clock that drifts from the sample clock, without holes or overlaps', () => {
    const t = new AudioTimeline();
    const m = on(0);
    // The capture clock runs 0.5% fast against the samples: 5 s of audio span 5.025 s.
    const times = encodeAsFed(t, 500, (i) => i * FRAME_US * 1.005, m);
    expect(times.every((x) => x !== undefined)).toBe(true);
    const spacing = times.slice(1).map((x, k) => x! - times[k]!);
    expect(Math.max(...spacing.map((d) => Math.abs(d - PACKET_US)))).toBeLessThan(1_000);
    // Still on the capture clock at the end (within the smoothing's lag).
    const last = times.length - 1;
    expect(Math.abs(times[last]! - last * PACKET_US * 1.005)).toBeLessThan(5_000);
  });

  it('keeps each frame on the mapping it arrived with (a clock step mid-flight)', () => {
    const t = new AudioTimeline();
    t.feed(FRAME, RATE, 2_700_000, on(-2_690_000), 20_000);
    t.feed(FRAME, RATE, 1_000_000, on(-980_000), 30_000);
    expect(t.output(0, FRAME_US)).toBe(10_000);
    expect(t.output(FRAME_US, FRAME_US)).toBe(20_000);
  });

  it('drops packets from before the session start and a step back in time; a small overlap continues from the last packet', () => {
    const t = new AudioTimeline();
    const m = on(-50_000); // the backlog: captured before the first frame arrived
    for (let i = 0; i < 10; i++) t.feed(FRAME, RATE, i * FRAME_US, m, 60_000);
    expect(t.output(0, FRAME_US)).toBeUndefined(); // session −50 ms
    expect(t.output(5 * FRAME_US, FRAME_US)).toBe(0);
    // Overlaps the last by 8 ms (the capture clock's offset fell a little): no hole, it follows on.
    expect(t.output(5.2 * FRAME_US, FRAME_US)).toBe(FRAME_US);
    // 40 ms earlier than where audio has reached: a clock that stepped back, dropped.
    expect(t.output(5.5 * FRAME_US, FRAME_US)).toBe(2 * FRAME_US);
    m.offsetUs -= 60_000;
    expect(t.output(7 * FRAME_US, FRAME_US)).toBeUndefined();
  });

  it('skips, with a typed reason, when the encoder falls behind real time, and resumes once it caught up', () => {
    const t = new AudioTimeline();
    const m = on(0);
    let now = 0;
    let i = 0;
    const feed = () => {
      now += FRAME_US;
      return t.feed(FRAME, RATE, i++ * FRAME_US, m, now);
    };
    // The encoder works (past its first second)…
    for (let k = 0; k < 110; k++) t.output(feed().skip ? 0 : (i - 1) * FRAME_US, FRAME_US);
    // …then stops keeping up: nothing comes out.
    const results = Array.from({ length: 40 }, feed);
    const fed = results.filter((r) => !r.skip).length;
    expect(fed * FRAME_US).toBeLessThanOrEqual(MAX_AUDIO_LAG_US + FRAME_US);
    const skips = results.filter((r) => r.skip);
    expect(skips[0]).toEqual({ skip: true, reason: 'behind', started: true });
    expect(skips.slice(1).every((r) => r.skip && !r.started)).toBe(true);
    expect(t.skippedTotalUs).toBe(skips.length * FRAME_US);
    // The encoder catches up to within half the bound: audio flows again.
    t.output((i - 25) * FRAME_US, FRAME_US);
    expect(feed().skip).toBe(false);
    expect(t.backlogUs).toBeLessThanOrEqual(MAX_AUDIO_LAG_US);
  });

  it('skips audio that arrives already older than the bound (a stalled reader), and calls an encoder start-up "starting"', () => {
    const t = new AudioTimeline({ maxLagUs: 100_000 });
    const first = t.feed(FRAME, RATE, 0, on(0), 500_000);
    expect(first).toEqual({ skip: true, reason: 'starting', started: true });
    expect(t.skippedTotalUs).toBe(0);
    expect(t.feed(FRAME, RATE, 490_000, on(0), 500_000).skip).toBe(false);
  });
});
