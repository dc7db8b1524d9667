/**
 * Encoded frames → FLV tag bodies with RTMP timestamps, in the order a server
 * and its players need them:
 *
 * 1. sequence headers (avcC, AudioSpecificConfig / Opus ID header) before any
 *    frame, and again after every {@link FlvMuxer.restart} (a new connection);
 * 2. video starts at a keyframe (after a start, a restart, or a congestion
 *    drop, everything up to the next keyframe is dropped: a P-frame without
 *    its reference decodes to garbage);
 * 3. timestamps in ms from the first frame of the session, monotonic per
 *    track, continuing across reconnects;
 * 4. audio and video interleaved by timestamp, holding a tag back at most
 *    `maxWaitMs` for the other track (WASM audio arrives a little late);
 * 5. extra video renditions (the publisher's `renditions`) as Enhanced RTMP
 *    multitrack, one track per message (OneTrack, trackId 1, 2…: FFmpeg
 *    8.1's demuxer reads only the first track of a multi-track sequence
 *    start), each from its own keyframe, with its sequence start again
 *    before every keyframe (servers cache the main track's header for a
 *    player that joins late, not a rendition's: 40-odd bytes a GOP); they
 *    follow the main track's congestion drops, and a move or a drop waits
 *    for the main track's keyframe only.
 *
 * Pure logic, no I/O: tags go to the `tag` callback.
 */
import {
  buildAacFrameTag,
  buildAacSequenceHeaderTag,
  buildAvcFrameTag,
  buildAvcSequenceHeaderTag,
  buildExAudioFrameTag,
  buildExAudioSequenceStartTag,
  buildExVideoFrameTag,
  buildExVideoSequenceStartTag,
  buildCodedFramesTrackBody,
  buildExVideoMultitrackTag,
  AudioFourCc,
  AvMultitrackType,
  VideoFrameType,
  VideoPacketType,
  VideoFourCc,
} from '@rtmp-web/core';
import type { PublisherAudioCodec, PublisherVideoCodec } from './worker-protocol.ts';

/** The FourCC of each video codec the publisher sends (H.264 goes out the legacy way, the rest as Enhanced RTMP). */
export const VIDEO_FOURCC = { avc: VideoFourCc.Avc, hevc: VideoFourCc.Hevc, av1: VideoFourCc.Av1, vp9: VideoFourCc.Vp9 } as const satisfies Record<PublisherVideoCodec, VideoFourCc>;
/** The FourCC of each audio codec the publisher sends (AAC goes out the legacy way, Opus as Enhanced RTMP). */
export const AUDIO_FOURCC = { aac: AudioFourCc.Aac, opus: AudioFourCc.Opus } as const satisfies Record<PublisherAudioCodec, AudioFourCc>;

/** One FLV tag, ready for `session.sendMedia`. */
export interface MuxedTag {
  typeId: 8 | 9;
  timestampMs: number;
  body: Uint8Array;
  /** Video keyframe or sequence header. */
  keyframe: boolean;
  /** A sequence header (decoder configuration), not a frame. */
  header: boolean;
  /** For latency measurement: when the frame was handed to the muxer (performance.now()). */
  queuedAt: number;
  /** The track id of an extra rendition's tag (absent: the main track). Its keyframes are not `keyframe`: only the main track's are boundaries. */
  rendition?: number;
}

/** A video frame for the muxer. */
export interface MuxVideoFrame {
  data: Uint8Array;
  keyframe: boolean;
  /** Decode time on the session clock, µs. */
  dtsUs: number;
  /** Presentation time, µs; equal to dts when absent (no B-frames). */
  ptsUs?: number;
}

/** An audio frame for the muxer. */
export interface MuxAudioFrame {
  data: Uint8Array;
  /** On the session clock, µs. */
  ptsUs: number;
}

/** Options for {@link FlvMuxer}. */
export interface FlvMuxerOptions {
  video: PublisherVideoCodec | null;
  audio: PublisherAudioCodec | null;
  tag(t: MuxedTag): void;
  /** Longest a tag waits for the other track, ms. Default 60 (a WASM AAC packet reaches the muxer ~55 ms after its last sample, ~80 ms after its first). */
  maxWaitMs?: number;
  /** Called when video waits for a keyframe the encoder should produce now. */
  requestKeyframe?: () => void;
  /** Clock for {@link MuxedTag.queuedAt}. */
  now?: () => number;
}

interface Pending {
  ms: number;
  tag: MuxedTag;
}

/** An extra video rendition's state. */
interface Rendition {
  /** Its sequence start tag, once its encoder gave a configuration. */
  header: Uint8Array | null;
  needKeyframe: boolean;
  lastMs: number;
}

/** See the file comment. */
export class FlvMuxer {
  private videoHeader: Uint8Array | null = null;
  private audioHeader: Uint8Array | null = null;
  private headersSent = false;
  private needKeyframe = true;
  private dropVideo = false;
  private dropKeyframes = false;
  private baseUs: number | null = null;
  private lastVideoMs = -Infinity;
  private lastAudioMs = -Infinity;
  private videoQ: Pending[] = [];
  private audioQ: Pending[] = [];
  private readonly renditions = new Map<number, Rendition>();
  private droppedFrames = 0;
  private readonly maxWaitMs: number;
  private readonly now: () => number;
  /** The audio track's codec; null without one (or once given up: {@link withoutAudio}). */
  private audioCodec: PublisherAudioCodec | null;

  constructor(private readonly o: FlvMuxerOptions) {
    this.audioCodec = o.audio;
    this.maxWaitMs = o.maxWaitMs ?? 60;
    this.now = o.now ?? (() => performance.now());
  }

  /** Video frames dropped here (waiting for a keyframe, or congestion). */
  get framesDropped(): number {
    return this.droppedFrames;
  }

  /** Bytes waiting in the interleaving queues. */
  get queuedBytes(): number {
    let n = 0;
    for (const p of this.videoQ) n += p.tag.body.length;
    for (const p of this.audioQ) n += p.tag.body.length;
    return n;
  }

  /** True once a frame went out and the muxer waits for nothing. */
  get waitingForKeyframe(): boolean {
    return this.needKeyframe;
  }

  /** Sets the video decoder configuration (avcC / hvcC / av1C / vpcC). */
  setVideoConfig(config: Uint8Array): void {
    const c = this.o.video;
    if (c === null) return;
    this.videoHeader = c === 'avc' ? buildAvcSequenceHeaderTag(config) : buildExVideoSequenceStartTag(VIDEO_FOURCC[c], config);
    // A changed configuration goes out at once if we are already sending.
    if (this.headersSent) this.emitNow(9, this.videoHeader, this.lastVideoMs);
  }

  /**
   * The stream goes on without its audio track (the source's audio never
   * started): video no longer waits for an audio configuration, and what
   * audio is queued is dropped. For the rest of the session.
   */
  withoutAudio(): void {
    this.audioCodec = null;
    this.audioHeader = null;
    this.audioQ = [];
    this.flush();
  }

  /** Whether the stream still carries audio. */
  get hasAudio(): boolean {
    return this.audioCodec !== null;
  }

  /** Sets the audio configuration (AudioSpecificConfig or Opus ID header). */
  setAudioConfig(config: Uint8Array): void {
    if (this.audioCodec === null) return;
    this.audioHeader = this.audioCodec === 'aac' ? buildAacSequenceHeaderTag(config) : buildExAudioSequenceStartTag('Opus', config);
    if (this.headersSent) this.emitNow(8, this.audioHeader, this.lastAudioMs);
  }

  /**
   * A new connection: the sequence headers go out again before the next
   * frame, and video waits for a keyframe. Queued tags are discarded (they
   * belonged to the dead connection). Timestamps continue.
   */
  restart(): void {
    this.headersSent = false;
    this.needKeyframe = true;
    for (const r of this.renditions.values()) r.needKeyframe = true;
    this.droppedFrames += this.videoQ.filter((p) => p.tag.typeId === 9).length;
    this.videoQ = [];
    this.audioQ = [];
  }

  /**
   * Congestion: drop non-key video while `drop` (and after, up to the next
   * keyframe); with `keyframes`, drop those too.
   */
  setDropVideo(drop: boolean, keyframes = false): void {
    if (drop && !this.dropVideo) {
      this.needKeyframe = true;
      for (const r of this.renditions.values()) r.needKeyframe = true;
    }
    this.dropVideo = drop;
    this.dropKeyframes = drop && keyframes;
  }

  /** Adds a video frame. */
  video(f: MuxVideoFrame): void {
    if (this.o.video === null) return;
    if (!this.ready()) {
      this.droppedFrames++;
      return;
    }
    if (this.needKeyframe || this.dropVideo) {
      if (!f.keyframe || this.dropKeyframes) {
        this.droppedFrames++;
        // Ask for one, unless congestion is why we drop (a keyframe is the
        // biggest frame there is; it comes at the next interval).
        if (!this.dropVideo) this.o.requestKeyframe?.();
        return;
      }
      // A keyframe passes even while dropping, but the frames between it and
      // the end of the drop are gone: after the drop, wait for another.
      if (!this.dropVideo) this.needKeyframe = false;
    }
    const dts = this.toMs(f.dtsUs);
    const ms = Math.max(dts, this.lastVideoMs);
    this.lastVideoMs = ms;
    const cts = f.ptsUs === undefined ? 0 : Math.max(0, Math.round((f.ptsUs - f.dtsUs) / 1000) + dts - ms);
    const c = this.o.video;
    // Only the NAL-unit codecs carry a composition time (AV1 and VP9 have no B-frames in FLV).
    const body =
      c === 'avc' ? buildAvcFrameTag(f.keyframe, cts, f.data) : buildExVideoFrameTag(VIDEO_FOURCC[c], f.keyframe, c === 'hevc' ? cts : 0, f.data);
    this.videoQ.push({ ms, tag: { typeId: 9, timestampMs: ms, body, keyframe: f.keyframe, header: false, queuedAt: this.now() } });
    this.flush();
  }

  /** Sets extra rendition `trackId`'s decoder configuration (1, 2…; the codec is the main track's). */
  setRenditionConfig(trackId: number, config: Uint8Array): void {
    const c = this.o.video;
    if (c === null) return;
    const header = buildExVideoMultitrackTag({
      type: AvMultitrackType.OneTrack,
      packetType: VideoPacketType.SequenceStart,
      frameType: VideoFrameType.Key,
      tracks: [{ trackId, fourCc: VIDEO_FOURCC[c], body: config }],
    });
    const r = this.renditions.get(trackId);
    if (r === undefined) this.renditions.set(trackId, { header, needKeyframe: true, lastMs: -Infinity });
    else r.header = header;
    if (this.headersSent) this.emitNow(9, header, this.lastVideoMs);
  }

  /** Adds a frame of extra rendition `trackId` (after its {@link setRenditionConfig}); it goes out once the main stream has. */
  rendition(trackId: number, f: MuxVideoFrame): void {
    const c = this.o.video;
    const r = this.renditions.get(trackId);
    if (c === null || r === undefined || r.header === null || !this.ready() || this.baseUs === null) return;
    if (r.needKeyframe || this.dropVideo) {
      if (!f.keyframe || this.dropKeyframes) return;
      if (!this.dropVideo) r.needKeyframe = false;
    }
    const dts = this.toMs(f.dtsUs);
    const ms = Math.max(dts, r.lastMs);
    r.lastMs = ms;
    const nal = c === 'avc' || c === 'hevc';
    const cts = f.ptsUs === undefined || !nal ? 0 : Math.max(0, Math.round((f.ptsUs - f.dtsUs) / 1000) + dts - ms);
    const body = nal && cts !== 0 ? buildCodedFramesTrackBody(cts, f.data) : f.data;
    const tag = buildExVideoMultitrackTag({
      type: AvMultitrackType.OneTrack,
      packetType: nal && cts !== 0 ? VideoPacketType.CodedFrames : VideoPacketType.CodedFramesX,
      frameType: f.keyframe ? VideoFrameType.Key : VideoFrameType.Inter,
      tracks: [{ trackId, fourCc: VIDEO_FOURCC[c], body }],
    });
    // In timestamp order among the video waiting (the renditions' encoders run a little apart).
    let i = this.videoQ.length;
    while (i > 0 && this.videoQ[i - 1]!.ms > ms) i--;
    const queued: Pending[] = [{ ms, tag: { typeId: 9, timestampMs: ms, body: tag, keyframe: false, header: false, queuedAt: this.now(), rendition: trackId } }];
    if (f.keyframe) queued.unshift({ ms, tag: { typeId: 9, timestampMs: ms, body: r.header, keyframe: false, header: true, queuedAt: this.now(), rendition: trackId } });
    this.videoQ.splice(i, 0, ...queued);
    this.flush();
  }

  /** Adds an audio frame. Audio is never dropped for congestion. */
  audio(f: MuxAudioFrame): void {
    if (this.audioCodec === null || !this.ready()) return;
    const ms = Math.max(this.toMs(f.ptsUs), this.lastAudioMs);
    this.lastAudioMs = ms;
    const body = this.audioCodec === 'aac' ? buildAacFrameTag(f.data) : buildExAudioFrameTag('Opus', f.data);
    this.audioQ.push({ ms, tag: { typeId: 8, timestampMs: ms, body, keyframe: false, header: false, queuedAt: this.now() } });
    this.flush();
  }

  /**
   * The sequence headers as they would go out before a frame at
   * `timestampMs`, without changing what the muxer sends: for a second
   * connection that takes the stream over at a keyframe (a reconnect
   * request's move).
   */
  sequenceHeaders(timestampMs: number): MuxedTag[] {
    const tags: MuxedTag[] = [];
    if (this.videoHeader !== null) tags.push({ typeId: 9, timestampMs, body: this.videoHeader, keyframe: true, header: true, queuedAt: this.now() });
    for (const [trackId, r] of this.renditions) {
      if (r.header !== null) tags.push({ typeId: 9, timestampMs, body: r.header, keyframe: true, header: true, queuedAt: this.now(), rendition: trackId });
    }
    if (this.audioHeader !== null) tags.push({ typeId: 8, timestampMs, body: this.audioHeader, keyframe: false, header: true, queuedAt: this.now() });
    return tags;
  }

  /** Sends everything still queued (at stop). */
  drain(): void {
    this.flush(true);
  }

  /** Headers known for every track we carry. */
  private ready(): boolean {
    return (this.o.video === null || this.videoHeader !== null) && (this.audioCodec === null || this.audioHeader !== null);
  }

  private toMs(us: number): number {
    // The session's first frame is time 0. A frame from before it (the
    // other track started a little later) clamps to 0.
    this.baseUs ??= us;
    return Math.max(0, Math.round((us - this.baseUs) / 1000));
  }

  private emitNow(typeId: 8 | 9, body: Uint8Array, ms: number): void {
    this.o.tag({ typeId, timestampMs: Math.max(0, ms === -Infinity ? 0 : ms), body, keyframe: typeId === 9, header: true, queuedAt: this.now() });
  }

  private flush(all = false): void {
    const both = this.o.video !== null && this.audioCodec !== null;
    for (;;) {
      const v = this.videoQ[0];
      const a = this.audioQ[0];
      if (v === undefined && a === undefined) return;
      let next: Pending[];
      if (v !== undefined && a !== undefined) next = v.ms <= a.ms ? this.videoQ : this.audioQ;
      else {
        // One queue is empty: its track may still send something older.
        const q = v !== undefined ? this.videoQ : this.audioQ;
        const head = (v ?? a)!;
        const otherLast = v !== undefined ? this.lastAudioMs : this.lastVideoMs;
        const newest = Math.max(this.lastAudioMs, this.lastVideoMs);
        if (!all && both && head.ms > otherLast && newest - head.ms < this.maxWaitMs) return;
        next = q;
      }
      const p = next.shift()!;
      if (!this.headersSent) {
        this.headersSent = true;
        for (const h of this.sequenceHeaders(p.ms)) this.o.tag(h);
      }
      this.o.tag(p.tag);
    }
  }
}

