/**
 * Enhanced RTMP v2 from an independent implementation: FFmpeg 8.1 (npm
 * node-av) publishes a live test pattern and tone to node-media-server, and
 * the core's RtmpClient plays it over TCP. For each codec pair: the tags
 * parse, the sequence starts give WebCodecs configurations of the right codec
 * and size, and the frames arrive without a gap.
 *
 * node-media-server keeps the last GOP, so a player that joins a moment
 * after the publisher starts gets (nearly) every frame from a keyframe on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AudioDecoderConfigLike,
  type AudioTag,
  RtmpClient,
  type VideoDecoderConfigLike,
  type VideoTag,
  audioDecoderConfigFromTag,
  parseAudioTag,
  parseVideoTag,
  videoDecoderConfigFromSequenceStart,
} from '@rtmp-web/core';
import { NodeTcpTransport } from '@rtmp-web/transport/node';
import { type Ffmpeg8AudioEncoder, type Ffmpeg8VideoEncoder, ffmpeg8Publish } from '../peers/ffmpeg8.ts';
import { type NodeMediaServerPeer, startNodeMediaServer } from '../peers/node-media-server.ts';

const SECONDS = 3;
const FPS = 30;

/** What the core made of one played stream. */
interface Played {
  videoConfig?: VideoDecoderConfigLike;
  audioConfig?: AudioDecoderConfigLike;
  videoTags: VideoTag[];
  audioTags: AudioTag[];
  videoTimestamps: number[];
  audioFrames: number;
  errors: string[];
}

/** Plays `name` with the core until `quietMs` pass without media once it came (or `maxMs` in all). */
async function playWithCore(server: NodeMediaServerPeer, name: string, quietMs: number, maxMs: number): Promise<Played> {
  const c = new RtmpClient({
    url: `${server.url}/${name}`,
    transport: new NodeTcpTransport({ host: '127.0.0.1', port: server.port }),
    timeoutMs: 10_000,
  });
  const played: Played = { videoTags: [], audioTags: [], videoTimestamps: [], audioFrames: 0, errors: [] };
  let last: number | undefined;
  c.on('media', (m) => {
    last = performance.now();
    const payload = m.payload.slice();
    try {
      if (m.typeId === 9) {
        const tag = parseVideoTag(payload);
        played.videoTags.push(tag);
        if (tag.kind === 'sequence-start') played.videoConfig = videoDecoderConfigFromSequenceStart(tag);
        if (tag.kind === 'frame') played.videoTimestamps.push(m.timestamp);
      } else if (m.typeId === 8) {
        const tag = parseAudioTag(payload);
        played.audioTags.push(tag);
        if (tag.kind === 'sequence-start' || (tag.kind === 'frame' && played.audioConfig === undefined)) {
          played.audioConfig = audioDecoderConfigFromTag(tag) ?? played.audioConfig;
        }
        if (tag.kind === 'frame') played.audioFrames++;
      }
    } catch (e) {
      played.errors.push(`${m.typeId}: ${(e as Error).message}`);
    }
  });
  try {
    await c.connect();
    await c.play();
    const start = performance.now();
    // Before the first message the publisher may still be starting (a loaded runner).
    while (performance.now() - start < maxMs && (last === undefined || performance.now() - last < quietMs)) {
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    c.close();
  }
  return played;
}

/** [FFmpeg video encoder, audio encoder, E-RTMP FourCC, WebCodecs codec prefix, audio codec]. */
const CASES: [Ffmpeg8VideoEncoder, Ffmpeg8AudioEncoder, string, string, string][] = [
  ['libsvtav1', 'libopus', 'av01', 'av01.', 'opus'],
  ['libvpx-vp9', 'libopus', 'vp09', 'vp09.', 'opus'],
  ['libx264', 'flac', 'avc1', 'avc1.', 'flac'],
  ['libx265', 'aac', 'hvc1', 'hvc1.', 'mp4a.40.2'],
  ['libx264', 'ac3', 'avc1', 'avc1.', 'ac-3'],
];

describe('FFmpeg 8.1 publishes Enhanced RTMP to node-media-server; the core plays it', () => {
  let server: NodeMediaServerPeer;

  beforeAll(async () => {
    server = await startNodeMediaServer();
  }, 20_000);

  afterAll(async () => {
    await server?.stop();
  });

  it.each(CASES)('%s + %s → %s', async (video, audio, fourCc, videoCodec, audioCodec) => {
    const name = `ff8-${video}-${audio}`;
    const pub = ffmpeg8Publish(`${server.url}/${name}`, { video, audio, seconds: SECONDS, fps: FPS });
    try {
      // Join about when the stream is up (node start-up and encoder set-up take ~1 s);
      // node-media-server holds a player that comes first until the publisher does.
      await new Promise((r) => setTimeout(r, 1200));
      const played = await playWithCore(server, name, 1500, (SECONDS + 6) * 1000);
      const written = await pub.result;

      expect(played.errors, 'tags that did not parse').toEqual([]);
      const seq = played.videoTags.find((t) => t.kind === 'sequence-start');
      expect(seq?.kind === 'sequence-start' && seq.codec).toBe(fourCc);
      // H.264 goes the legacy way, everything else with the extended header.
      expect(seq?.enhanced).toBe(fourCc !== 'avc1');
      expect(played.videoConfig?.codec.startsWith(videoCodec), played.videoConfig?.codec).toBe(true);
      // avcC, hvcC and av1C (its sequence header OBU) give the size; a vpcC has none.
      if (fourCc !== 'vp09') expect([played.videoConfig?.codedWidth, played.videoConfig?.codedHeight]).toEqual([320, 240]);
      expect(played.audioConfig?.codec).toBe(audioCodec);
      expect(played.audioConfig?.sampleRate).toBe(48000);

      // From the first keyframe on, every frame FFmpeg wrote after it, none missing.
      const frames = played.videoTags.filter((t) => t.kind === 'frame');
      expect(frames[0]?.kind === 'frame' && frames[0].keyframe, 'starts at a keyframe').toBe(true);
      const ts = played.videoTimestamps;
      const span = ts.at(-1)! - ts[0]!;
      expect(ts.length).toBeGreaterThanOrEqual(Math.round((span * FPS) / 1000)); // no gap
      expect(ts.length).toBeGreaterThanOrEqual(written.packets[0]! * 0.5);
      expect(ts.length).toBeLessThanOrEqual(written.packets[0]!);
      expect(played.audioFrames).toBeGreaterThan(0);
      console.log(`${video}+${audio}: FFmpeg wrote ${written.packets.join('/')} packets; core got ${ts.length} video frames, ${played.audioFrames} audio frames (${played.videoConfig?.codec}, ${played.audioConfig?.codec})`);
    } finally {
      await pub.stop();
    }
  }, 30_000);
});
