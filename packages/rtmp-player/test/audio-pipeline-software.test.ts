/**
 * The audio stage with our own decoders (Nellymoser, Speex), in Node: no
 * WebCodecs is involved, so the real pipeline runs as it does in the worker,
 * with a MessageChannel standing in for the worklet's port. What it must
 * share with the WebCodecs path: the codec report, timestamps, the held
 * audio before the join point, captures; and a bad packet costs that packet.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RtmpError } from '@rtmp-web/core';
import { NELLY_NOISE_BLOCK, NELLY_TONE_BLOCK, NELLY_TONE_BLOCK_2 } from '../../rtmp-core/test/fixtures/audio-codec-fixtures.ts';
import { AudioPipeline } from '../src/audio-pipeline.ts';
import type { WorkletCommand } from '../src/worker-protocol.ts';

/** A legacy audio tag: the flags byte, then the payload. */
function tag(flags: number, ...payload: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(1 + payload.reduce((n, p) => n + p.length, 0));
  out[0] = flags;
  let o = 1;
  for (const p of payload) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const NELLY_22K = 0x6a; // format 6, rate code 2 (22 kHz), 16-bit, mono
const NELLY_8K = 0x52; // format 5 (8 kHz mono)
const SPEEX = 0xb6; // format 11

interface Harness {
  pipeline: AudioPipeline;
  codecs: string[];
  errors: RtmpError[];
  pcm: Extract<WorkletCommand, { type: 'pcm' }>[];
  /** Waits for the port's messages to arrive. */
  settle(): Promise<void>;
}

const channels: MessageChannel[] = [];
afterEach(() => {
  for (const c of channels.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

function harness(): Harness {
  const codecs: string[] = [];
  const errors: RtmpError[] = [];
  const pcm: Extract<WorkletCommand, { type: 'pcm' }>[] = [];
  const pipeline = new AudioPipeline({ codec: (c) => codecs.push(c), error: (e) => errors.push(e) });
  const channel = new MessageChannel();
  channels.push(channel);
  channel.port2.onmessage = (e: MessageEvent<WorkletCommand>) => {
    if (e.data.type === 'pcm') pcm.push(e.data);
  };
  pipeline.attach(channel.port1);
  return { pipeline, codecs, errors, pcm, settle: () => new Promise((r) => setTimeout(r, 20)) };
}

describe('AudioPipeline with our own decoders', () => {
  it('Nellymoser: reports the codec once, sends each packet at its timestamp and rate, 256 samples a block', async () => {
    const h = harness();
    h.pipeline.skipBefore(0);
    h.pipeline.push(tag(NELLY_22K, NELLY_TONE_BLOCK), 1000);
    h.pipeline.push(tag(NELLY_22K, NELLY_TONE_BLOCK_2, NELLY_TONE_BLOCK), 1012);
    await h.settle();
    expect(h.codecs).toEqual(['nellymoser']);
    expect(h.errors).toEqual([]);
    expect(h.pcm.map((m) => [m.ptsMs, m.sampleRate, m.channels.length, m.channels[0]!.length])).toEqual([
      [1000, 22050, 1, 256],
      [1012, 22050, 1, 512],
    ]);
    expect(h.pipeline.chunkMs).toBeCloseTo((512 / 22050) * 1000, 6);
    expect(h.pipeline.newestMs).toBe(1012);
  });

  it('holds decoded audio until the join point, then sends what ends after it', async () => {
    const h = harness();
    for (let i = 0; i < 5; i++) h.pipeline.push(tag(NELLY_8K, NELLY_NOISE_BLOCK), i * 32);
    await h.settle();
    expect(h.pcm).toEqual([]);
    h.pipeline.skipBefore(70); // the packets at 0 and 32 end by 64: dropped
    await h.settle();
    expect(h.pcm.map((m) => m.ptsMs)).toEqual([64, 96, 128]);
    expect(h.pcm.every((m) => m.sampleRate === 8000)).toBe(true);
  });

  it('a bad packet costs that packet, reported once (AUDIO_PACKET_INVALID, not fatal); the stream goes on', async () => {
    const h = harness();
    h.pipeline.skipBefore(0);
    h.pipeline.push(tag(NELLY_22K, NELLY_TONE_BLOCK), 0);
    h.pipeline.push(tag(NELLY_22K, NELLY_TONE_BLOCK.subarray(0, 63)), 12); // truncated
    h.pipeline.push(tag(NELLY_22K, NELLY_TONE_BLOCK, new Uint8Array(10)), 23); // wrong length
    h.pipeline.push(tag(NELLY_22K, NELLY_TONE_BLOCK_2), 35);
    await h.settle();
    expect(h.errors.map((e) => [e.code, e.fatal])).toEqual([['AUDIO_PACKET_INVALID', false]]);
    expect(h.pcm.map((m) => m.ptsMs)).toEqual([0, 35]);
    expect(h.codecs).toEqual(['nellymoser']);
  });

  it('a change of rate (format 6 at 22 kHz → format 5) reconfigures', async () => {
    const h = harness();
    h.pipeline.skipBefore(0);
    h.pipeline.push(tag(NELLY_22K, NELLY_TONE_BLOCK), 0);
    h.pipeline.push(tag(NELLY_8K, NELLY_TONE_BLOCK), 12);
    await h.settle();
    expect(h.codecs).toEqual(['nellymoser', 'nellymoser']);
    expect(h.pcm.map((m) => m.sampleRate)).toEqual([22050, 8000]);
  });

  it('captures decoded audio with no output attached, at the stream rate', async () => {
    const pipeline = new AudioPipeline({ codec: () => {}, error: (e) => expect.fail(e.message) });
    const capture = pipeline.captureAudio(50); // 50 ms at 8 kHz: 400 samples, two blocks
    for (let i = 0; i < 3; i++) pipeline.push(tag(NELLY_8K, NELLY_NOISE_BLOCK), i * 32);
    const c = await capture;
    expect(c.sampleRate).toBe(8000);
    expect(c.samples.length).toBe(400);
    expect(Math.max(...c.samples.map(Math.abs))).toBeGreaterThan(0.01);
  });

  it('Speex is decoded here too: the codec is reported as speex, at 16 kHz', () => {
    const h = harness();
    h.pipeline.push(tag(SPEEX, new Uint8Array([0x30])), 0);
    expect(h.codecs).toEqual(['speex']);
  });
});
