/**
 * Which track of a kind plays, for Enhanced RTMP multitrack streams (one
 * video and two audio languages, several video renditions): the catalogue
 * of the tracks seen, the one that plays, and the switch to another.
 *
 * Each media message comes parsed into tracks (the core's
 * `parseVideoMessage`/`parseAudioMessage`; a single-track tag is track 0).
 * {@link TrackSelector.take} returns what the pipeline gets: the playing
 * track's entries only. A switch asked for with {@link TrackSelector.select}
 * happens at the new track's next boundary (video: a keyframe; audio: any
 * frame), with that track's latest sequence start fed first, so the
 * pipeline reconfigures and the picture or sound goes on without a gap;
 * until then the old track plays on.
 *
 * Pure logic: the pipelines and the element are elsewhere. Bounded: at most
 * {@link MAX_TRACKS} tracks are catalogued per kind.
 */
import type { AudioTag, AudioTrackResult, VideoTag, VideoTrackResult } from '@rtmp-web/core';

/** Tracks catalogued per kind at most (more are ignored: a hostile stream cannot grow the list). */
export const MAX_TRACKS = 16;

/** One track, as the element lists it. */
export interface TrackInfo {
  /** The E-RTMP trackId (0 for a single-track stream). */
  id: number;
  /** The codec: a video FourCC (`avc1`, `av01`…) or an audio codec name (`aac`, `opus`…); `''` before it is known. */
  codec: string;
  /** True for the track that plays. */
  enabled: boolean;
}

type Tag = VideoTag | AudioTag;
/** One track's entry in a parsed message: its tag, or the error that costs only it. */
type Entry = VideoTrackResult | AudioTrackResult;

interface Known {
  codec: string;
  /** The latest sequence start, copied (tags are views into a message that is gone after the callback). */
  header: Tag | null;
}

/** See the file comment. */
export class TrackSelector<R extends Entry> {
  private readonly tracks = new Map<number, Known>();
  private playing: number | null = null;
  private wanted: number | null = null;
  /** What {@link take} returns, reused. */
  private readonly result = { feed: [] as R[], changed: false };

  constructor(
    /** Whether `tag` is a place the selector may switch at. */
    private readonly isBoundary: (tag: NonNullable<R['tag']>) => boolean,
  ) {}

  /** The id of the track that plays, or null before any. */
  get playingId(): number | null {
    return this.playing;
  }

  /** The tracks seen, in id order. */
  list(): TrackInfo[] {
    return [...this.tracks].sort(([a], [b]) => a - b).map(([id, k]) => ({ id, codec: k.codec, enabled: id === this.playing }));
  }

  /**
   * Asks for track `id` (null: the first one seen). It plays from its next
   * boundary; a track not seen yet plays as soon as it comes.
   */
  select(id: number | null): void {
    this.wanted = id;
    if (id === null && this.playing === null) return;
    if (id === this.playing) this.wanted = null;
  }

  /** Forgets the tracks (a new stream); the selection asked for stays. */
  reset(): void {
    this.tracks.clear();
    this.playing = null;
  }

  /**
   * A message's tracks: returns the entries for the pipeline, in order, and
   * whether the catalogue (or the playing track) changed. The result (and
   * its `feed`) is the selector's own, reused by the next call: nothing is
   * allocated per message.
   */
  take(results: readonly R[]): { readonly feed: readonly R[]; readonly changed: boolean } {
    let changed = false;
    const feed = this.result.feed;
    feed.length = 0;
    for (const r of results) {
      const id = r.trackId;
      let k = this.tracks.get(id);
      if (k === undefined) {
        if (this.tracks.size >= MAX_TRACKS) continue;
        k = { codec: '', header: null };
        this.tracks.set(id, k);
        changed = true;
      }
      const codec = r.tag !== undefined && 'codec' in r.tag ? String(r.tag.codec) : r.error !== undefined ? String(r.error.details?.fourCc ?? k.codec) : k.codec;
      if (codec !== k.codec) {
        k.codec = codec;
        changed = true;
      }
      if (r.tag?.kind === 'sequence-start') k.header = copyHeader(r.tag);
      if (this.playing === null && (this.wanted === null || this.wanted === id)) {
        this.playing = id;
        this.wanted = null;
        changed = true;
      }
      if (this.wanted === id && r.tag !== undefined && this.isBoundary(r.tag as NonNullable<R['tag']>)) {
        // The switch: the new track's configuration first (unless this entry is it), then this entry.
        this.playing = id;
        this.wanted = null;
        changed = true;
        if (k.header !== null && r.tag.kind !== 'sequence-start') feed.push({ trackId: id, tag: k.header } as R);
      }
      if (id === this.playing) feed.push(r);
    }
    this.result.changed = changed;
    return this.result;
  }
}

function copyHeader(tag: Tag): Tag {
  return tag.kind === 'sequence-start' ? { ...tag, config: tag.config.slice() } : tag;
}
