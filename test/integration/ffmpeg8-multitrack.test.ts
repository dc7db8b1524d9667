/**
 * E-RTMP v2 multitrack from FFmpeg 8.1 (npm node-av): one video and two Opus
 * tracks of different tones, written by FFmpeg and served by the test FLV
 * server (no relay passes multitrack intact). The core reads both audio
 * tracks with parseAudioMessage, and FFmpeg 8.1 itself, as a second player,
 * sees the same three streams. Then FFmpeg 8.1's listen-mode RTMP server
 * takes a publisher, FFmpeg 8.1 itself and then the core's RtmpClient (an
 * FFmpeg-made AV1 + two-Opus FLV, E-RTMP and multitrack through our chunk
 * writer), and decodes what each sends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AudioDecoderConfigLike,
  AvMultitrackType,
  type FlvTagInput,
  RtmpClient,
  VideoFrameType,
  VideoPacketType,
  audioDecoderConfigFromTag,
  buildExVideoMultitrackTag,
  buildFlvFile,
  parseAudioMessage,
  parseVideoMessage,
  parseVideoTag,
} from '@rtmp-web/core';
import { NodeTcpTransport } from '@rtmp-web/transport/node';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ffmpeg8Publish, ffmpeg8Read, ffmpeg8TempDir, ffmpeg8WriteFlv, startFfmpeg8MultitrackServer } from '../peers/ffmpeg8.ts';
import type { FlvRtmpServerPeer } from '../peers/flv-rtmp-server.ts';
import { freePort, waitForListening } from '../peers/free-port.ts';
import { publishPaced, readFlvTags } from './flv-publish.ts';

const SECONDS = 2;

describe('FFmpeg 8.1 multitrack audio, served by the test FLV server', () => {
  let server: FlvRtmpServerPeer & { written: { packets: number[] } };

  beforeAll(async () => {
    server = await startFfmpeg8MultitrackServer({ seconds: SECONDS });
  }, 30_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('the core sees track 0 and track 1, each with its own Opus configuration and frames', async () => {
    const c = new RtmpClient({
      url: `${server.url}/mt`,
      transport: new NodeTcpTransport({ host: '127.0.0.1', port: server.port }),
      timeoutMs: 10_000,
    });
    const configs = new Map<number, AudioDecoderConfigLike>();
    const audioFrames = new Map<number, number>();
    const multitrackTypes = new Set<number | undefined>();
    let videoFrames = 0;
    const errors: string[] = [];
    const ended = new Promise<void>((resolve) => {
      c.on('status', (s) => {
        if (s.code === 'NetStream.Play.Complete') resolve();
      });
    });
    c.on('media', (m) => {
      try {
        if (m.typeId === 9) {
          for (const t of parseVideoMessage(m.payload).tracks) if (t.tag?.kind === 'frame') videoFrames++;
          return;
        }
        if (m.typeId !== 8) return;
        const msg = parseAudioMessage(m.payload);
        multitrackTypes.add(msg.multitrack);
        for (const t of msg.tracks) {
          if (t.error !== undefined) errors.push(`track ${t.trackId}: ${t.error.message}`);
          else if (t.tag.kind === 'sequence-start') configs.set(t.trackId, audioDecoderConfigFromTag(t.tag)!);
          else if (t.tag.kind === 'frame') audioFrames.set(t.trackId, (audioFrames.get(t.trackId) ?? 0) + 1);
        }
      } catch (e) {
        errors.push(String(e));
      }
    });
    try {
      await c.connect();
      await c.play();
      await Promise.race([ended, new Promise((r) => setTimeout(r, (SECONDS + 5) * 1000))]);
    } finally {
      c.close();
    }
    expect(errors).toEqual([]);
    // Track 0 single-track, track 1 as OneTrack multitrack.
    expect([...multitrackTypes].sort()).toEqual([0, undefined]);
    expect([...configs.keys()].sort()).toEqual([0, 1]);
    for (const cfg of configs.values()) expect(cfg).toMatchObject({ codec: 'opus', sampleRate: 48000 });
    const [video, a0, a1] = server.written.packets;
    expect(videoFrames).toBe(video);
    expect(audioFrames.get(0)).toBe(a0);
    expect(audioFrames.get(1)).toBe(a1);
    console.log(`multitrack: FFmpeg wrote ${server.written.packets.join('/')}; core got video ${videoFrames}, audio track 0 ${audioFrames.get(0)}, track 1 ${audioFrames.get(1)}`);
  }, 20_000);

  it('FFmpeg 8.1 as the player decodes the video and both Opus tracks', async () => {
    const { streams } = await ffmpeg8Read(`${server.url}/mt`, { seconds: SECONDS + 2, openTimeoutMs: 5000 }).result;
    const summary = streams.map((s) => [s.type, s.codec, s.decodeErrors]);
    expect(summary).toEqual([
      ['video', 'h264', 0],
      ['audio', 'opus', 0],
      ['audio', 'opus', 0],
    ]);
    for (const s of streams) expect(s.frames).toBeGreaterThanOrEqual(s.packets * 0.8);
    console.log(`multitrack via FFmpeg 8.1: ${streams.map((s) => `${s.codec} ${s.frames}/${s.packets}`).join(', ')}`);
  }, 20_000);
});

describe("FFmpeg 8.1's listen-mode RTMP server", () => {
  it('takes a publisher and decodes its VP9 + Opus', async () => {
    const port = await freePort();
    const url = `rtmp://127.0.0.1:${port}/live/in`;
    const reader = ffmpeg8Read(url, { seconds: SECONDS + 3, listen: true, openTimeoutMs: 8000 });
    try {
      await reader.ready;
      await waitForListening(port, 8000);
      const pub = ffmpeg8Publish(url, { video: 'libvpx-vp9', audio: 'libopus', seconds: SECONDS });
      const written = await pub.result.finally(() => pub.stop());
      const { streams } = await reader.result;
      const video = streams.find((s) => s.type === 'video');
      const audio = streams.find((s) => s.type === 'audio');
      expect([video?.codec, video?.width, video?.height, video?.decodeErrors]).toEqual(['vp9', 320, 240, 0]);
      expect(audio?.codec).toBe('opus');
      expect(video!.frames).toBeGreaterThanOrEqual(written.packets[0]! * 0.8);
      console.log(`listen mode: published ${written.packets.join('/')}, FFmpeg decoded video ${video?.frames}, audio ${audio?.frames}`);
    } finally {
      await reader.stop();
    }
  }, 30_000);
});

describe("FFmpeg 8.1's listen-mode RTMP server takes the core's publish", () => {
  it('of AV1 with two Opus tracks (E-RTMP video, multitrack audio) and decodes every frame', async () => {
    const tmp = ffmpeg8TempDir();
    const port = await freePort();
    const reader = ffmpeg8Read(`rtmp://127.0.0.1:${port}/live/core`, { seconds: SECONDS + 3, listen: true, openTimeoutMs: 8000 });
    try {
      const path = join(tmp.dir, 'av1-2opus.flv');
      const written = await ffmpeg8WriteFlv(path, { video: 'libsvtav1', audio: 'libopus', seconds: SECONDS, tones: [440, 660] });
      const tags = readFlvTags(path);
      await reader.ready;
      await waitForListening(port, 8000);
      const c = new RtmpClient({
        url: `rtmp://127.0.0.1:${port}/live`,
        streamName: 'core',
        transport: new NodeTcpTransport({ host: '127.0.0.1', port }),
        timeoutMs: 10_000,
      });
      try {
        await c.connect();
        const streamId = await c.publish();
        await publishPaced(c, streamId, tags, 1, { stop: false });
        // Let the last chunks reach FFmpeg before the socket closes.
        await new Promise((r) => setTimeout(r, 300));
      } finally {
        c.close();
      }
      const { streams } = await reader.result;
      expect(streams.map((s) => [s.type, s.codec, s.decodeErrors])).toEqual([
        ['video', 'av1', 0],
        ['audio', 'opus', 0],
        ['audio', 'opus', 0],
      ]);
      expect([streams[0]!.width, streams[0]!.height]).toEqual([320, 240]);
      expect(streams.map((s) => s.frames)).toEqual(written.packets);
      console.log(`core → FFmpeg 8.1 listen: wrote ${written.packets.join('/')}, FFmpeg decoded ${streams.map((s) => s.frames).join('/')}`);
    } finally {
      await reader.stop();
      tmp.remove();
    }
  }, 30_000);
});

describe('FFmpeg 8.1 demuxes the multitrack video the core builds (renditions)', () => {
  it('two H.264 renditions: sequence starts one track a message, frames as ManyTracks and ManyTracksManyCodecs', async () => {
    const tmp = ffmpeg8TempDir();
    try {
      // Two renditions of the same source, same frame timing: 320x240 (track 0) and 160x120 (track 1).
      const sizes = [
        [320, 240],
        [160, 120],
      ] as const;
      const renditions = [];
      for (const [width, height] of sizes) {
        const path = join(tmp.dir, `r${width}.flv`);
        await ffmpeg8WriteFlv(path, { video: 'libx264', audio: 'aac', seconds: SECONDS, width, height });
        renditions.push(readFlvTags(path));
      }
      const [main, small] = renditions as [ReturnType<typeof readFlvTags>, ReturnType<typeof readFlvTags>];
      const smallVideo = small.filter((t) => t.tagType === 9);
      const out: FlvTagInput[] = [];
      let frames = 0;
      let vi = 0;
      for (const t of main) {
        if (t.tagType !== 9) {
          out.push(t);
          continue;
        }
        const a = parseVideoTag(t.data);
        const b = parseVideoTag(smallVideo[vi++]!.data);
        if (a.kind === 'sequence-start' && b.kind === 'sequence-start') {
          // Track 0 the legacy way, track 1 as OneTrack: FFmpeg 8.1's flvdec
          // takes a multitrack SequenceStart's first track and then leaves the
          // tag ("goto leave", not next_track), reading the second track's
          // bytes as the next tag's PreviousTagSize (a "Packet mismatch").
          out.push(t);
          const tracks = [{ trackId: 1, fourCc: 'avc1', body: b.config }];
          out.push({ ...t, data: buildExVideoMultitrackTag({ type: AvMultitrackType.OneTrack, packetType: VideoPacketType.SequenceStart, frameType: VideoFrameType.Key, tracks }) });
        } else if (a.kind === 'frame' && b.kind === 'frame') {
          frames++;
          // Alternate the layouts: ManyTracks (one FourCC) and ManyTracksManyCodecs (a FourCC each).
          const type = frames % 2 === 0 ? AvMultitrackType.ManyTracks : AvMultitrackType.ManyTracksManyCodecs;
          const tracks = [a, b].map((f, trackId) => ({ trackId, fourCc: 'avc1', body: f.data }));
          const frameType = a.keyframe ? VideoFrameType.Key : VideoFrameType.Inter;
          out.push({ ...t, data: buildExVideoMultitrackTag({ type, packetType: VideoPacketType.CodedFramesX, frameType, tracks }) });
        }
      }
      const path = join(tmp.dir, 'renditions.flv');
      writeFileSync(path, buildFlvFile({ hasAudio: true, hasVideo: true }, out));
      const { streams } = await ffmpeg8Read(path, { seconds: 10 }).result;
      expect(streams.map((s) => [s.type, s.codec, s.width, s.height, s.frames, s.decodeErrors])).toEqual([
        ['video', 'h264', 320, 240, frames, 0],
        ['video', 'h264', 160, 120, frames, 0],
        ['audio', 'aac', 0, 0, expect.any(Number), 0],
      ]);
      // And the core reads the frames back as the two tracks it built.
      const perTrack = [0, 0];
      for (const t of out.filter((t) => t.tagType === 9)) {
        for (const x of parseVideoMessage(t.data).tracks) if (x.tag?.kind === 'frame') perTrack[x.trackId]!++;
      }
      expect(perTrack).toEqual([frames, frames]);
    } finally {
      tmp.remove();
    }
  }, 30_000);
});
