/**
 * Publishing FLV tags (demuxed from a file FFmpeg made) over an RtmpClient,
 * paced at real time: shared by the integration tests.
 */
import { readFileSync } from 'node:fs';
import { type AmfValue, decodeData, type FlvFileTag, FlvFileReader, isAmfObject, type RtmpClient } from '@rtmp-web/core';

/** Reads every tag of an FLV file (copies, so they outlive the reader). */
export function readFlvTags(path: string): FlvFileTag[] {
  const reader = new FlvFileReader();
  const tags = reader.push(new Uint8Array(readFileSync(path))).filter((i): i is FlvFileTag => i.kind === 'tag');
  return tags.map((t) => ({ ...t, data: t.data.slice() }));
}

/** True for an AVC or AAC sequence header tag. */
export const isSequenceHeader = (t: FlvFileTag): boolean =>
  (t.tagType === 9 && (t.data[0]! & 0x0f) === 7 && t.data[1] === 0) || (t.tagType === 8 && t.data[0]! >> 4 === 10 && t.data[1] === 0);

/**
 * Publishes `tags` in real time, looping `loops` times with timestamps that
 * continue; metadata and sequence headers go out once, first. Stops early
 * when `signal.stop` turns true.
 */
export async function publishPaced(c: RtmpClient, streamId: number, tags: FlvFileTag[], loops: number, signal: { stop: boolean }): Promise<void> {
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
