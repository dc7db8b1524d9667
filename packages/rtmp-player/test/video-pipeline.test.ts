/**
 * The video stage's decoder handling, in Node with a scripted fake
 * VideoDecoder (WebCodecs is not in Node): keyframe waits, hardware →
 * software fallback, rebuild after a reclaim, unsupported codecs, catch-up
 * drops and the queue bound. The real decoder is exercised by the browser tests.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildAvcFrameTag, buildAvcSequenceHeaderTag, type RtmpError } from '@rtmp-web/core';
import { X264_HIGH_640X360_AVCC } from '../../rtmp-core/test/fixtures/flv-fixtures.ts';
import { MAX_ENCODED_SAMPLES, VideoPipeline } from '../src/video-pipeline.ts';

type Hw = 'prefer-hardware' | 'prefer-software' | 'no-preference';

class FakeDecoder {
  static instances: FakeDecoder[] = [];
  static supported: (c: VideoDecoderConfig) => boolean = () => true;
  static isConfigSupported(c: VideoDecoderConfig) {
    return Promise.resolve({ supported: FakeDecoder.supported(c), config: c });
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
  }
  close() {
    this.state = 'closed';
  }
  fail(name: string) {
    this.state = 'closed';
    this.init.error(Object.assign(new Error(name), { name }) as unknown as DOMException);
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
  const p = new VideoPipeline(fakeCanvas(), { presented() {}, resized() {}, error: (e) => errors.push(e), codec() {} });
  return { p, errors };
}

const seq = () => buildAvcSequenceHeaderTag(X264_HIGH_640X360_AVCC);
const frame = (key: boolean) => buildAvcFrameTag(key, 0, new Uint8Array([0, 0, 0, 2, 0x65, 0x88]));
const flush = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  FakeDecoder.instances = [];
  FakeDecoder.supported = () => true;
  g.VideoDecoder = FakeDecoder;
  g.EncodedVideoChunk = FakeChunk;
});
afterEach(() => {
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
    expect(p.framesDropped).toBe(2);
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
    expect(p.framesDropped).toBe(3);
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

  it('catch-up drops queued samples before the newest keyframe', () => {
    const { p } = pipeline();
    p.push(seq(), 0);
    [true, false, false, true, false].forEach((k, i) => p.push(frame(k), i * 33));
    expect(p.dropToKeyframe(0)).toBe(99);
    expect(p.framesDropped).toBe(3);
    expect(p.dropToKeyframe(200)).toBeUndefined();
  });

  it('bounds the encoded queue', () => {
    const { p } = pipeline();
    p.push(seq(), 0);
    for (let i = 0; i < MAX_ENCODED_SAMPLES * 3; i++) p.push(frame(i % 300 === 0), i * 33);
    expect(p.framesDropped).toBeGreaterThan(MAX_ENCODED_SAMPLES);
  });
});
