/**
 * The core plays what FFmpeg publishes, from nginx-rtmp and from
 * node-media-server, over real TCP on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RtmpClient, type RtmpMessage } from '@rtmp-web/core';
import { NodeTcpTransport } from '@rtmp-web/transport/node';
import { type FfmpegProcess, ffmpegPublish, makeTestSource } from '../peers/ffmpeg.ts';
import { SERVERS, type RtmpServerPeer } from './servers.ts';

function client(server: RtmpServerPeer, name: string, digest = false): RtmpClient {
  return new RtmpClient({
    url: `${server.url}/${name}`,
    transport: new NodeTcpTransport({ host: '127.0.0.1', port: server.port }),
    handshake: { digest },
    timeoutMs: 15_000,
  });
}

/** Collects media for `ms` of wall-clock time once the first message arrives. */
function collect(c: RtmpClient, ms: number): Promise<{ media: (RtmpMessage & { at: number })[] }> {
  return new Promise((resolve) => {
    const media: (RtmpMessage & { at: number })[] = [];
    c.on('media', (m) => {
      if (media.length === 0) setTimeout(() => resolve({ media }), ms);
      media.push({ ...m, payload: m.payload.slice(0, 64), at: performance.now() });
    });
  });
}

describe.each(SERVERS)('core plays FFmpeg’s stream from %s', (_name, start) => {
  let server: RtmpServerPeer;
  let ffmpeg: FfmpegProcess;

  beforeAll(async () => {
    server = await start();
    const file = await makeTestSource({ seconds: 5, bframes: 2 });
    ffmpeg = ffmpegPublish(file, `${server.url}/ffpub`);
    // Wait until the server has the stream: a probe client sees media.
    for (let i = 0; i < 50; i++) {
      const probe = client(server, 'ffpub');
      try {
        await probe.connect();
        const got = collect(probe, 0);
        await probe.play();
        await Promise.race([got, new Promise((r) => setTimeout(r, 1000))]);
        if ((await Promise.race([got.then(() => true), Promise.resolve(false)])) === true) break;
      } catch {
        /* not up yet */
      } finally {
        probe.close();
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 60_000);

  afterAll(async () => {
    await ffmpeg?.stop();
    await server?.stop();
  });

  for (const digest of [false, true]) {
    it(`gets AVC and AAC sequence headers and real-time timestamps (${digest ? 'digest' : 'simple'} handshake)`, async () => {
      const c = client(server, 'ffpub', digest);
      const statuses: string[] = [];
      c.on('status', (s) => statuses.push(s.code));
      const info = await c.connect();
      expect(info.code).toBe('NetConnection.Connect.Success');
      const collected = collect(c, 4000);
      await c.play();
      const { media } = await collected;
      c.close();
      expect(statuses).toContain('NetStream.Play.Start');

      const video = media.filter((m) => m.typeId === 9);
      const audio = media.filter((m) => m.typeId === 8);
      // FLV video tag: 0x17 = keyframe + AVC, then AVCPacketType 0 = sequence header.
      const avcSeq = video.find((m) => m.payload[0] === 0x17 && m.payload[1] === 0);
      expect(avcSeq, 'AVC sequence header').toBeDefined();
      // FLV audio tag: sound format 10 = AAC, then AACPacketType 0 = sequence header.
      const aacSeq = audio.find((m) => m.payload[0]! >> 4 === 10 && m.payload[1] === 0);
      expect(aacSeq, 'AAC sequence header').toBeDefined();
      // After the sequence header, the next video is a keyframe NALU packet.
      expect(video.filter((m) => m.payload[1] === 1).length).toBeGreaterThan(30);

      // Timestamps advance at real time: over the last 2 s of collection (after
      // node-media-server's GOP-cache burst), media time ≈ wall time.
      const frames = video.filter((m) => m.payload[1] === 1 && m.at >= video[0]!.at + 500);
      const wall = frames.at(-1)!.at - frames[0]!.at;
      const span = frames.at(-1)!.timestamp - frames[0]!.timestamp;
      expect(wall).toBeGreaterThan(1500);
      expect(span / wall).toBeGreaterThan(0.8);
      expect(span / wall).toBeLessThan(1.2);
    });
  }
});
