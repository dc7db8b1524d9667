/**
 * The core publishes FLV tags (demuxed from a file FFmpeg made) to
 * nginx-rtmp and node-media-server, paced at real time; ffprobe on the
 * server's URL must see the codecs, size and frame rate.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AmfValue, decodeData, type FlvFileTag, FlvFileReader, isAmfObject, RtmpClient } from '@rtmp-web/core';
import { NodeTcpTransport } from '@rtmp-web/transport/node';
import { ffprobe, makeTestSource } from '../peers/ffmpeg.ts';
import { SERVERS, type RtmpServerPeer } from './servers.ts';

function readFlvTags(path: string): FlvFileTag[] {
  const reader = new FlvFileReader();
  const tags = reader.push(new Uint8Array(readFileSync(path))).filter((i): i is FlvFileTag => i.kind === 'tag');
  return tags.map((t) => ({ ...t, data: t.data.slice() }));
}

const isSequenceHeader = (t: FlvFileTag) =>
  (t.tagType === 9 && (t.data[0]! & 0x0f) === 7 && t.data[1] === 0) || (t.tagType === 8 && t.data[0]! >> 4 === 10 && t.data[1] === 0);

/**
 * Publishes `tags` in real time, looping `loops` times with timestamps that
 * continue; sequence headers and metadata go out once, first.
 */
async function publishPaced(c: RtmpClient, streamId: number, tags: FlvFileTag[], loops: number, signal: { stop: boolean }): Promise<void> {
  const media = tags.filter((t) => t.tagType === 8 || t.tagType === 9);
  const script = tags.find((t) => t.tagType === 18);
  if (script) {
    const data = decodeData(script.data);
    const md = data.values[0];
    if (data.name === 'onMetaData' && isAmfObject(md)) c.session.sendMetadata(streamId, md as Record<string, AmfValue>);
  }
  for (const t of media.filter(isSequenceHeader)) c.session.sendMedia(streamId, t.tagType as 8 | 9, 0, t.data);
  const frames = media.filter((t) => !isSequenceHeader(t));
  const duration = frames.at(-1)!.timestamp + 33;
  const start = performance.now();
  for (let loop = 0; loop < loops; loop++) {
    for (const t of frames) {
      if (signal.stop) return;
      const ts = t.timestamp + loop * duration;
      const wait = start + ts - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      c.session.sendMedia(streamId, t.tagType as 8 | 9, ts, t.data);
    }
  }
}

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
