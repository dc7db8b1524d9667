import { parseAudioTag, parseVideoMessage, parseVideoTag } from '@rtmp-web/core';
import { describe, expect, it } from 'vitest';
import { FlvMuxer, type MuxedTag } from '../src/flv-muxer.ts';

const AVCC = new Uint8Array([1, 0x64, 0, 0x1f, 0xff, 0xe1, 0, 4, 0x67, 0x64, 0, 0x1f, 1, 0, 2, 0x68, 0xce]);
const ASC = new Uint8Array([0x11, 0x90]);
const frame = (b: number) => new Uint8Array([0, 0, 0, 1, b]);

function make(extra: Partial<ConstructorParameters<typeof FlvMuxer>[0]> = {}) {
  const tags: MuxedTag[] = [];
  let keyRequests = 0;
  const m = new FlvMuxer({ video: 'avc', audio: 'aac', tag: (t) => tags.push(t), requestKeyframe: () => keyRequests++, now: () => 0, ...extra });
  return { m, tags, keyRequests: () => keyRequests };
}

const kinds = (tags: MuxedTag[]) =>
  tags.map((t) => {
    if (t.typeId === 9) {
      const v = parseVideoTag(t.body);
      return v.kind === 'sequence-start' ? 'vseq' : `v${t.timestampMs}${t.keyframe ? 'k' : ''}`;
    }
    const a = parseAudioTag(t.body);
    return a.kind === 'sequence-start' ? 'aseq' : `a${t.timestampMs}`;
  });

describe('FlvMuxer', () => {
  it('sends both sequence headers first, then interleaved frames from a keyframe, at 0 ms', () => {
    const { m, tags } = make();
    m.setVideoConfig(AVCC);
    m.setAudioConfig(ASC);
    m.video({ data: frame(1), keyframe: true, dtsUs: 1_000_000 });
    m.audio({ data: new Uint8Array([1]), ptsUs: 1_010_000 });
    m.video({ data: frame(2), keyframe: false, dtsUs: 1_033_000 });
    m.audio({ data: new Uint8Array([2]), ptsUs: 1_031_000 });
    m.drain();
    expect(kinds(tags)).toEqual(['vseq', 'aseq', 'v0k', 'a10', 'a31', 'v33']);
  });

  it('drops video until a keyframe, asking the encoder for one', () => {
    const { m, tags, keyRequests } = make({ audio: null });
    m.setVideoConfig(AVCC);
    m.video({ data: frame(1), keyframe: false, dtsUs: 0 });
    m.video({ data: frame(2), keyframe: true, dtsUs: 33_000 });
    expect(kinds(tags)).toEqual(['vseq', 'v0k']); // the first frame sent is time 0
    expect(m.framesDropped).toBe(1);
    expect(keyRequests()).toBe(1);
  });

  it('holds frames until both configurations are known (never media before its header)', () => {
    const { m, tags } = make();
    m.setVideoConfig(AVCC);
    m.video({ data: frame(1), keyframe: true, dtsUs: 0 });
    expect(tags).toEqual([]);
    m.setAudioConfig(ASC);
    m.video({ data: frame(2), keyframe: true, dtsUs: 33_000 });
    m.audio({ data: new Uint8Array([1]), ptsUs: 40_000 });
    m.drain();
    expect(kinds(tags).slice(0, 2)).toEqual(['vseq', 'aseq']);
  });

  it('after restart(): headers again, a keyframe first, timestamps that continue', () => {
    const { m, tags } = make({ audio: null });
    m.setVideoConfig(AVCC);
    m.video({ data: frame(1), keyframe: true, dtsUs: 0 });
    m.video({ data: frame(2), keyframe: false, dtsUs: 33_000 });
    m.restart();
    m.video({ data: frame(3), keyframe: false, dtsUs: 66_000 });
    m.video({ data: frame(4), keyframe: true, dtsUs: 5_000_000 });
    expect(kinds(tags)).toEqual(['vseq', 'v0k', 'v33', 'vseq', 'v5000k']);
  });

  it('congestion: drops non-key video, never audio, and needs a new keyframe after', () => {
    const { m, tags } = make();
    m.setVideoConfig(AVCC);
    m.setAudioConfig(ASC);
    m.video({ data: frame(1), keyframe: true, dtsUs: 0 });
    m.setDropVideo(true);
    m.video({ data: frame(2), keyframe: false, dtsUs: 33_000 });
    m.audio({ data: new Uint8Array([1]), ptsUs: 40_000 });
    m.setDropVideo(false);
    m.video({ data: frame(3), keyframe: false, dtsUs: 66_000 });
    m.video({ data: frame(4), keyframe: true, dtsUs: 100_000 });
    m.drain();
    expect(kinds(tags)).toEqual(['vseq', 'aseq', 'v0k', 'a40', 'v100k']);
    expect(m.framesDropped).toBe(2);
  });

  it('keeps each track monotonic and carries the composition time of B-frames', () => {
    const { m, tags } = make({ audio: null });
    m.setVideoConfig(AVCC);
    m.video({ data: frame(1), keyframe: true, dtsUs: 0, ptsUs: 66_667 });
    m.video({ data: frame(2), keyframe: false, dtsUs: 33_333, ptsUs: 133_333 });
    m.video({ data: frame(3), keyframe: false, dtsUs: 20_000, ptsUs: 33_333 });
    const frames = tags.slice(1).map((t) => {
      const v = parseVideoTag(t.body) as { compositionTimeMs?: number };
      return [t.timestampMs, v.compositionTimeMs];
    });
    expect(frames.map((f) => f[0])).toEqual([0, 33, 33]);
    expect(frames[0]![1]).toBe(67);
  });

  it('sends extra renditions as multitrack video, one track per message, each from its own keyframe, in timestamp order', () => {
    const { m, tags } = make({ audio: null });
    m.setVideoConfig(AVCC);
    m.setRenditionConfig(1, AVCC);
    // A rendition frame before the main track started is not sent.
    m.rendition(1, { data: frame(9), keyframe: true, dtsUs: 0 });
    m.video({ data: frame(1), keyframe: true, dtsUs: 1_000_000 });
    m.rendition(1, { data: frame(2), keyframe: false, dtsUs: 1_000_000 }); // waits for its keyframe
    m.rendition(1, { data: frame(3), keyframe: true, dtsUs: 1_033_000 });
    m.video({ data: frame(4), keyframe: false, dtsUs: 1_033_000 });
    m.rendition(1, { data: frame(5), keyframe: false, ptsUs: 1_100_000, dtsUs: 1_066_000 });
    m.drain();
    const seen = tags.map((t) => {
      const msg = parseVideoMessage(t.body);
      const tr = msg.tracks[0]!;
      const tag = tr.tag!;
      const what = tag.kind === 'sequence-start' ? 'seq' : tag.kind === 'frame' ? `${t.timestampMs}${tag.keyframe ? 'k' : ''}${tag.compositionTimeMs ? `+${tag.compositionTimeMs}` : ''}` : tag.kind;
      return `${msg.multitrack === undefined ? 'main' : `t${tr.trackId}`}:${what}`;
    });
    // Each rendition keyframe comes after its sequence start again (a player joining late gets it from there).
    expect(seen).toEqual(['main:seq', 't1:seq', 'main:0k', 't1:seq', 't1:33k', 'main:33', 't1:66+34']);
    // Only the main track's keyframes are boundaries (a move, a reconnect).
    expect(tags.filter((t) => t.rendition === 1 && !t.header).every((t) => !t.keyframe)).toBe(true);
    expect(m.sequenceHeaders(100).map((t) => t.rendition ?? 0)).toEqual([0, 1]);
  });
});
