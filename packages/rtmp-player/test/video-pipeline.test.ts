/**
 * The video stage's decoder handling, in Node with a scripted fake
 * VideoDecoder (WebCodecs is not in Node): keyframe waits, hardware →
 * software fallback, rebuild after a reclaim, unsupported codecs, catch-up
 * drops, the queue bound and the stall watchdogs. The real decoder is exercised by the browser tests.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildAvcFrameTag, buildAvcSequenceHeaderTag, SUPPORT_CHECK_TIMEOUT_MS, type RtmpError } from '@rtmp-web/core';
import { X264_HIGH_640X360_AVCC } from '../../rtmp-core/test/fixtures/flv-fixtures.ts';
import { DECODER_STALL_MS, MAX_ENCODED_SAMPLES, VideoPipeline } from '../src/video-pipeline.ts';

type Hw = 'prefer-hardware' | 'prefer-software' | 'no-preference';

class FakeDecoder {
  static instances: FakeDecoder[] = [];
  static supported: (c: VideoDecoderConfig) => boolean = () => true;
  /** Output each decoded chunk as a frame, a task later (a decoder that keeps up). */
  static outputs = false;
  /** What isConfigSupported() answers (reset before each test). */
  static answer: (c: VideoDecoderConfig) => Promise<{ supported: boolean; config: VideoDecoderConfig }> = FakeDecoder.answerNow;
  static answerNow(c: VideoDecoderConfig) {
    return Promise.resolve({ supported: FakeDecoder.supported(c), config: c });
  }
  static isConfigSupported(c: VideoDecoderConfig) {
    return FakeDecoder.answer(c);
  }
  state: 'unconfigured' | 'configured' | 'closed' = 'unconfigured';
  decodeQueueSize = 0;
  config: VideoDecoderConfig | null = null;
  chunks: { type: string; timestamp: number }[] = [];
  constructor(readonly init: { output(f: unknown): void; error(e: DOMException): void }) {
    FakeDecoder.instances.push(this);
  }
  configure(c: VideoDecoderConfig) {
    this.config = c;
    this.state = 'configured';
  }
  decode(chunk: { type: string; timestamp: number }) {
    this.chunks.push(chunk);
    // Like a real decoder, frames come out a task later, after the feeder handed it what it would.
    if (FakeDecoder.outputs) setTimeout(() => this.state === 'configured' && this.init.output(new FakeFrame(chunk.timestamp)), 0);
  }
  close() {
    this.state = 'closed';
  }
  fail(name: string) {
    this.state = 'closed';
    this.init.error(Object.assign(new Error(name), { name }) as unknown as DOMException);
  }
}

class FakeFrame {
  static open = 0;
  displayWidth = 640;
  displayHeight = 360;
  constructor(readonly timestamp: number) {
    FakeFrame.open++;
  }
  close() {
    FakeFrame.open--;
  }
}

class FakeChunk {
  type: string;
  timestamp: number;
  constructor(init: { type: string; timestamp: number }) {
    this.type = init.type;
    this.timestamp = init.timestamp;
  }
}

const g = globalThis as Record<string, unknown>;
function fakeCanvas(): OffscreenCanvas {
  return { width: 0, height: 0, getContext: () => ({ drawImage() {} }), convertToBlob: () => Promise.resolve(new Blob()) } as unknown as OffscreenCanvas;
}

function pipeline() {
  const errors: RtmpError[] = [];
  const shown: number[] = [];
  const p = new VideoPipeline(fakeCanvas(), { presented: (_w, _h, pts) => shown.push(pts), resized() {}, error: (e) => errors.push(e), codec() {}, ready() {} });
  return { p, errors, shown };
}

/** performance.now() under the test's control, from 1000 ms (restored after each test). */
function fakeNow(): { advance(ms: number): void } {
  let now = 1000;
  vi.spyOn(performance, 'now').mockImplementation(() => now);
  return { advance: (ms) => (now += ms) };
}
const seq = () => buildAvcSequenceHeaderTag(X264_HIGH_640X360_AVCC);
const frame = (key: boolean) => buildAvcFrameTag(key, 0, new Uint8Array([0, 0, 0, 2, 0x65, 0x88]));
const flush = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  FakeDecoder.instances = [];
  FakeDecoder.supported = () => true;
  FakeDecoder.answer = FakeDecoder.answerNow;
  FakeDecoder.outputs = false;
  FakeFrame.open = 0;
  g.VideoDecoder = FakeDecoder;
  g.EncodedVideoChunk = FakeChunk;
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
  delete g.VideoDecoder;
  delete g.EncodedVideoChunk;
});

/** Pushes a config and frames, runs the feeder until the config check settled. */
async function feed(p: VideoPipeline, frames: boolean[], t0 = 0) {
  frames.forEach((key, i) => p.push(frame(key), t0 + i * 33));
  p.tick(NaN);
  await flush();
  p.tick(NaN);
}

describe('VideoPipeline', () => {
  it('configures from the sequence header and waits for a keyframe', async () => {
    const { p } = pipeline();
    p.push(seq(), 0);
    await feed(p, [false, false, true, false]);
    const d = FakeDecoder.instances.at(-1)!;
    expect(d.config?.codec).toBe('avc1.64001E');
    expect(d.config?.hardwareAcceleration).toBe('prefer-hardware');
    expect(d.chunks.map((c) => c.type)).toEqual(['key', 'delta']);
    // Never meant to be shown (nothing decodes before a keyframe): skipped, not dropped.
    expect(p.framesSkipped).toBe(2);
    expect(p.framesDropped).toBe(0);
  });

  it('falls back to prefer-software when hardware cannot decode the config', async () => {
    FakeDecoder.supported = (c) => c.hardwareAcceleration !== 'prefer-hardware';
    const { p } = pipeline();
    p.push(seq(), 0);
    await feed(p, [true, false]);
    expect(FakeDecoder.instances.at(-1)!.config?.hardwareAcceleration).toBe('prefer-software');
    expect(FakeDecoder.instances.at(-1)!.chunks.length).toBe(2);
  });

  it('after a decoder error in hardware, rebuilds in software and waits for the next keyframe', async () => {
    const { p, errors } = pipeline();
    p.push(seq(), 0);
    await feed(p, [true, false]);
    FakeDecoder.instances.at(-1)!.fail('EncodingError');
    await feed(p, [false, true], 100);
    const d = FakeDecoder.instances.at(-1)!;
    expect(d.config?.hardwareAcceleration as Hw).toBe('prefer-software');
    expect(d.chunks.map((c) => c.type)).toEqual(['key']);
    expect(errors).toEqual([]);
  });

  it('after a reclaim (QuotaExceededError), rebuilds with the same mode', async () => {
    const { p } = pipeline();
    p.push(seq(), 0);
    await feed(p, [true]);
    const before = FakeDecoder.instances.length;
    FakeDecoder.instances.at(-1)!.fail('QuotaExceededError');
    await feed(p, [true], 100);
    expect(FakeDecoder.instances.length).toBe(before + 1);
    expect(FakeDecoder.instances.at(-1)!.config?.hardwareAcceleration).toBe('prefer-hardware');
  });

  it('reports a codec no mode supports (CodecUnsupported, not fatal) and drops its frames', async () => {
    FakeDecoder.supported = () => false;
    const { p, errors } = pipeline();
    p.push(seq(), 0);
    await feed(p, [true, false, false]);
    expect(errors.map((e) => [e.code, e.fatal])).toEqual([['CODEC_UNSUPPORTED', false]]);
    expect(FakeDecoder.instances.every((d) => d.chunks.length === 0)).toBe(true);
    expect(p.framesSkipped).toBe(3);
  });

  it('a codec no mode supports makes the track undecodable: no newest media (the player plays the audio alone), later frames dropped unread', async () => {
    FakeDecoder.supported = () => false;
    const { p } = pipeline();
    p.push(seq(), 0);
    expect(p.undecodable).toBe(false); // not known yet
    await feed(p, [true, false]);
    expect(p.undecodable).toBe(true);
    expect(Number.isNaN(p.newestMs)).toBe(true);
    p.push(frame(false), 100);
    expect(Number.isNaN(p.newestMs)).toBe(true);
  });

  it('tags no parser takes (Sorenson H.263): one CODEC_UNSUPPORTED for the stream, not one per frame, and the track is undecodable', () => {
    const { p, errors } = pipeline();
    for (let i = 0; i < 30; i++) p.push(Uint8Array.of(0x12, 0, 0, 0), i * 33); // key frame, codec id 2
    expect(errors.map((e) => [e.code, e.fatal])).toEqual([['CODEC_UNSUPPORTED', false]]);
    expect(p.undecodable).toBe(true);
    expect(Number.isNaN(p.newestMs)).toBe(true);
  });

  it('a new sequence header (new resolution) reconfigures; the same one again does not', async () => {
    const { p } = pipeline();
    p.push(seq(), 0);
    await feed(p, [true]);
    const n = FakeDecoder.instances.length;
    p.push(seq(), 40);
    await feed(p, [false], 40);
    expect(FakeDecoder.instances.length).toBe(n);
  });

  it('a jump lands on the last keyframe at or before the target, dropping what is before it undecoded', () => {
    const { p } = pipeline();
    p.push(seq(), 0);
    [true, false, false, true, false, false].forEach((k, i) => p.push(frame(k), i * 33));
    expect(p.seek(140)).toBe(140);
    expect(p.framesSkipped).toBe(3);
    expect(p.framesDropped).toBe(0);
  });

  it('a jump with no keyframe at or before the target, before decoding started, lands on the next keyframe', () => {
    const { p } = pipeline();
    p.push(seq(), 0);
    [false, false, true, false].forEach((k, i) => p.push(frame(k), i * 33));
    expect(p.seek(10)).toBe(66);
    expect(p.seek(500)).toBe(500); // on the keyframe at 66 now: decode through
  });

  it('a jump with no video queued does nothing', () => {
    const { p } = pipeline();
    expect(p.seek(100)).toBeUndefined();
  });

  it('shows every frame of a steady stream at a 500 ms target: none dropped to trim a queue', async () => {
    FakeDecoder.outputs = true;
    const { p, shown } = pipeline();
    p.push(seq(), 0);
    // 20 s at 30 fps, arriving on time; the clock runs 500 ms behind the newest frame.
    const period = 1000 / 30;
    for (let i = 0; i < 600; i++) {
      const ts = Math.round(i * period);
      p.push(frame(i % 30 === 0), ts);
      for (let step = 0; step < 4; step++) {
        const clock = ts - 500 + (step * period) / 4;
        p.tick(clock);
        await flush();
        p.tick(clock);
      }
    }
    expect(p.framesDropped).toBe(0);
    expect(p.framesSkipped).toBe(0);
    // All but the last 500 ms (still queued) were shown, in order.
    expect(shown.length).toBeGreaterThanOrEqual(600 - 16);
    expect(shown).toEqual([...shown].sort((a, b) => a - b));
    p.close();
    expect(FakeFrame.open).toBe(0);
  });

  it('joining: frames before the join point are decoded through, unseen; the first one shown is at the join point', async () => {
    FakeDecoder.outputs = true;
    const { p, shown } = pipeline();
    p.push(seq(), 0);
    // A GOP-cache burst: a keyframe and 1.5 s of frames at once.
    for (let i = 0; i < 45; i++) p.push(frame(i === 0), Math.round((i * 1000) / 30));
    p.skipBefore(1300);
    for (let k = 0; k < 30; k++) {
      p.tick(NaN);
      await flush();
    }
    expect(shown[0]).toBeGreaterThanOrEqual(1300);
    expect(shown[0]).toBeLessThan(1300 + 34);
    expect(p.framesSkipped).toBe(39);
    expect(p.framesDropped).toBe(0);
  });

  it('a decoder that stops taking input is rebuilt after DECODER_STALL_MS (DECODER_STALLED, not fatal) and plays on from the next keyframe', async () => {
    const clock = fakeNow();
    const { p, errors } = pipeline();
    p.push(seq(), 0);
    await feed(p, [true, false]);
    const stuck = FakeDecoder.instances.at(-1)!;
    stuck.decodeQueueSize = 4; // wedged: takes nothing more, outputs nothing
    clock.advance(DECODER_STALL_MS - 1);
    p.tick(NaN);
    expect(errors).toEqual([]);
    clock.advance(2);
    await feed(p, [false, true, false], 100);
    expect(errors.map((e) => [e.code, e.fatal])).toEqual([['DECODER_STALLED', false]]);
    expect(stuck.state).toBe('closed');
    const fresh = FakeDecoder.instances.at(-1)!;
    expect(fresh).not.toBe(stuck);
    expect(fresh.config?.hardwareAcceleration).toBe('prefer-software');
    expect(fresh.chunks.map((c) => c.type)).toEqual(['key', 'delta']);
  });

  it('a decoder that takes input and never outputs is rebuilt too; one holding a few frames (reordering, a paused clock) is not', async () => {
    const clock = fakeNow();
    const { p, errors } = pipeline();
    p.push(seq(), 0);
    await feed(p, [true, false, false]);
    clock.advance(10 * DECODER_STALL_MS); // three held, nothing more to give: waiting, not stalled
    p.tick(NaN);
    expect(errors).toEqual([]);
    // Fed on and on, and still nothing out.
    for (let i = 0; i < 30; i++) {
      await feed(p, [false], 100 + i * 33);
      clock.advance(100);
    }
    expect(errors.map((e) => e.code)).toEqual(['DECODER_STALLED']);
  });

  it('chunks a decoder drops without output are forgotten at the next frame out: not counted as held when the stream pauses', async () => {
    const clock = fakeNow();
    const { p, errors } = pipeline();
    p.push(seq(), 0);
    await feed(p, [true]);
    const d = FakeDecoder.instances.at(-1)!;
    // A decoder that gives back every other chunk only (it drops the rest, as one does with a damaged frame).
    for (let i = 1; i <= 60; i++) {
      await feed(p, [false], i * 33);
      if (i % 2 === 0) d.init.output(new FakeFrame(d.chunks.at(-1)!.timestamp));
      clock.advance(33);
    }
    clock.advance(10 * DECODER_STALL_MS); // then the stream pauses
    p.tick(NaN);
    expect(errors).toEqual([]);
    p.close();
  });

  it('an isConfigSupported() that never answers is taken as a yes after SUPPORT_CHECK_TIMEOUT_MS', async () => {
    vi.useFakeTimers();
    FakeDecoder.answer = () => new Promise(() => {});
    const { p, errors } = pipeline();
    p.push(seq(), 0);
    p.push(frame(true), 0);
    p.tick(NaN);
    expect(FakeDecoder.instances.length).toBe(0);
    await vi.advanceTimersByTimeAsync(SUPPORT_CHECK_TIMEOUT_MS);
    p.tick(NaN);
    expect(FakeDecoder.instances.at(-1)!.config?.hardwareAcceleration).toBe('prefer-hardware');
    expect(FakeDecoder.instances.at(-1)!.chunks.map((c) => c.type)).toEqual(['key']);
    expect(errors).toEqual([]);
  });

  it('bounds the encoded queue', () => {
    const { p } = pipeline();
    p.push(seq(), 0);
    for (let i = 0; i < MAX_ENCODED_SAMPLES * 3; i++) p.push(frame(i % 300 === 0), i * 33);
    expect(p.framesDropped).toBeGreaterThan(MAX_ENCODED_SAMPLES);
  });
});
