import { describe, expect, it } from 'vitest';
import { RtmpError, RtmpErrorCode, type AudioTrackResult, type VideoTrackResult } from '@rtmp-web/core';
import { MAX_TRACKS, TrackSelector } from '../src/track-selector.ts';

const vSeq = (trackId: number, codec: 'avc1' | 'av01' = 'avc1'): VideoTrackResult => ({ trackId, tag: { kind: 'sequence-start', enhanced: true, codec, config: Uint8Array.of(trackId) } });
const vFrame = (trackId: number, keyframe: boolean, codec: 'avc1' | 'av01' = 'avc1'): VideoTrackResult => ({
  trackId,
  tag: { kind: 'frame', enhanced: true, codec, keyframe, frameType: keyframe ? 1 : 2, compositionTimeMs: 0, data: Uint8Array.of(trackId, keyframe ? 1 : 0) },
});
const aSeq = (trackId: number): AudioTrackResult => ({ trackId, tag: { kind: 'sequence-start', enhanced: true, codec: 'opus', config: Uint8Array.of(0x4f, trackId) } });
const aFrame = (trackId: number): AudioTrackResult => ({ trackId, tag: { kind: 'frame', enhanced: true, codec: 'opus', data: Uint8Array.of(trackId) } });

const video = () => new TrackSelector<VideoTrackResult>((t) => t.kind === 'frame' && t.keyframe);
const audio = () => new TrackSelector<AudioTrackResult>((t) => t.kind === 'frame');
const ids = (feed: readonly { trackId: number; tag?: { kind: string } }[]) => feed.map((r) => `${r.trackId}:${r.tag?.kind ?? 'error'}`);

describe('TrackSelector', () => {
  it('plays the first track seen and lists every track with its codec', () => {
    const s = audio();
    const first = s.take([aSeq(0), aSeq(1)]);
    expect(first.changed).toBe(true);
    expect(ids(first.feed)).toEqual(['0:sequence-start']);
    expect(s.list()).toEqual([
      { id: 0, codec: 'opus', enabled: true },
      { id: 1, codec: 'opus', enabled: false },
    ]);
    const next = s.take([aFrame(0), aFrame(1)]);
    expect(next.changed).toBe(false);
    expect(ids(next.feed)).toEqual(['0:frame']);
    expect(s.playingId).toBe(0);
  });

  it('switches audio at the new track’s next frame, its sequence start first', () => {
    const s = audio();
    s.take([aSeq(0), aSeq(1), aFrame(0), aFrame(1)]);
    s.select(1);
    const r = s.take([aFrame(0), aFrame(1), aFrame(0)]);
    expect(r.changed).toBe(true);
    expect(ids(r.feed)).toEqual(['0:frame', '1:sequence-start', '1:frame']);
    expect(r.feed[1]!.tag).toMatchObject({ kind: 'sequence-start', config: Uint8Array.of(0x4f, 1) });
    expect(s.playingId).toBe(1);
    expect(s.list().map((t) => t.enabled)).toEqual([false, true]);
  });

  it('switches video only at a keyframe of the new track; the old one plays until then', () => {
    const s = video();
    s.take([vSeq(0), vSeq(1, 'av01'), vFrame(0, true), vFrame(1, true, 'av01')]);
    s.select(1);
    expect(ids(s.take([vFrame(0, false), vFrame(1, false, 'av01')]).feed)).toEqual(['0:frame']);
    const r = s.take([vFrame(0, true), vFrame(1, true, 'av01')]);
    expect(ids(r.feed)).toEqual(['0:frame', '1:sequence-start', '1:frame']);
    expect(s.list()).toEqual([
      { id: 0, codec: 'avc1', enabled: false },
      { id: 1, codec: 'av01', enabled: true },
    ]);
  });

  it('a track asked for before it appears plays as soon as it comes; select(null) or the playing id cancels a switch', () => {
    const s = audio();
    s.select(2);
    expect(ids(s.take([aSeq(0), aFrame(0)]).feed)).toEqual([]);
    expect(s.playingId).toBeNull();
    expect(ids(s.take([aSeq(2), aFrame(2)]).feed)).toEqual(['2:sequence-start', '2:frame']);
    s.select(0);
    s.select(2);
    expect(ids(s.take([aFrame(0), aFrame(2)]).feed)).toEqual(['2:frame']);
  });

  it('passes the playing track’s error on (the pipeline reports it) and names an unknown FourCC in the list', () => {
    const s = video();
    const err = new RtmpError(RtmpErrorCode.CodecUnsupported, 'unknown', { fatal: false, details: { fourCc: 'xyz1', trackId: 0 } });
    const r = s.take([{ trackId: 0, error: err }, vSeq(1)]);
    expect(ids(r.feed)).toEqual(['0:error']);
    expect(s.list()[0]).toEqual({ id: 0, codec: 'xyz1', enabled: true });
  });

  it('catalogues at most MAX_TRACKS tracks; reset() forgets them', () => {
    const s = audio();
    s.take(Array.from({ length: 40 }, (_, i) => aSeq(i)));
    expect(s.list()).toHaveLength(MAX_TRACKS);
    s.reset();
    expect(s.list()).toEqual([]);
    expect(s.playingId).toBeNull();
  });
  it('reuses its result: no allocation per message', () => {
    const s = audio();
    const a = s.take([aSeq(0), aFrame(0)]);
    const b = s.take([aFrame(0)]);
    expect(b).toBe(a);
    expect(b.feed).toBe(a.feed);
    expect(ids(b.feed)).toEqual(['0:frame']);
  });
});
