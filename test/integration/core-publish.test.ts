/**
 * The core publishes FLV tags (demuxed from a file FFmpeg made) to
 * nginx-rtmp and node-media-server, paced at real time; ffprobe on the
 * server's URL must see the codecs, size and frame rate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FlvFileTag, RtmpClient } from '@rtmp-web/core';
import { NodeTcpTransport } from '@rtmp-web/transport/node';
import { ffprobe, makeTestSource } from '../peers/ffmpeg.ts';
import { publishPaced, readFlvTags } from './flv-publish.ts';
import { SERVERS, type RtmpServerPeer } from './servers.ts';

describe.each(SERVERS)('core publishes to %s', (_name, start) => {
  let server: RtmpServerPeer;
  let tags: FlvFileTag[];

  beforeAll(async () => {
    server = await start();
    tags = readFlvTags(await makeTestSource({ seconds: 4, width: 640, height: 360, fps: 30, bframes: 2 }));
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('ffprobe on the server URL sees H.264 640x360 at 30 fps and AAC 44.1 kHz stereo', async () => {
    const c = new RtmpClient({
      url: server.url,
      streamName: 'corepub?src=test',
      transport: new NodeTcpTransport({ host: '127.0.0.1', port: server.port }),
    });
    await c.connect();
    const streamId = await c.publish();
    const signal = { stop: false };
    const publishing = publishPaced(c, streamId, tags, 5, signal);
    await new Promise((r) => setTimeout(r, 1000));
    try {
      const streams = await ffprobe(`${server.url}/corepub`, 30_000);
      const v = streams.find((s) => s.codec_type === 'video');
      const a = streams.find((s) => s.codec_type === 'audio');
      expect(v?.codec_name).toBe('h264');
      expect([v?.width, v?.height]).toEqual([640, 360]);
      expect(v?.r_frame_rate).toBe('30/1');
      expect(a?.codec_name).toBe('aac');
      expect(Number(a?.sample_rate)).toBe(44100);
      expect(a?.channels).toBe(2);
    } finally {
      signal.stop = true;
      await publishing;
      c.session.unpublish(streamId, 'corepub?src=test');
      c.close();
    }
  });
});
