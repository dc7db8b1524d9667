/**
 * The video stage in the worker: FLV video tags → a bounded queue of encoded
 * samples → a WebCodecs VideoDecoder → a few decoded frames → the
 * OffscreenCanvas, each frame drawn when the playback clock reaches it.
 *
 * Encoded samples wait in the queue, not in the decoder, so that a catch-up
 * can drop them undecoded (to a keyframe), and so the decoder holds only a
 * handful of frames (decoders stall when the page keeps too many). How many
 * frames are decoded ahead is bounded where they are fed (at most
 * {@link DECODE_AHEAD_MS} ahead of the clock and {@link MAX_DECODED} frames),
 * never by trimming: a decoded frame is not shown only when it is late at
 * its presentation time (`framesDropped`), or when it was never meant to be
 * shown (`framesSkipped`: decoded through to reach the live edge when joining
 * a GOP-cache burst or after a jump, or forgotten in a flush).
 * Configuration changes (new SPS/PPS, a new resolution) travel in the queue
 * as markers, so frames before them still decode with the old configuration.
 *
 * Decoder trouble, after ya-webadb's video-decoder-stream: wait for a
 * keyframe after every (re)configure; rebuild after a reclaim
 * (QuotaExceededError); fall back from 'prefer-hardware' to
 * 'prefer-software' when hardware cannot decode; a codec no mode supports is
 * reported (CodecUnsupported) instead of showing a black box. And two
 * watchdogs, so a browser's media stack that stops answering costs seconds,
 * not the rest of the stream: an isConfigSupported() with no answer in
 * {@link SUPPORT_CHECK_TIMEOUT_MS} is taken as a yes (configure() and the
 * decoder's error callback then tell), and a decoder that takes no input, or
 * takes it and gives nothing back, for {@link DECODER_STALL_MS} is rebuilt
 * (DecoderStalled, not fatal).
 */
import {
  RtmpError,
  RtmpErrorCode,
  SUPPORT_CHECK_TIMEOUT_MS,
  TIMED_OUT,
  parseVideoTag,
  within,
  videoDecoderConfigFromSequenceStart,
  type VideoDecoderConfigLike,
  type VideoTag,
  type VideoTrackResult,
} from '@rtmp-web/core';
import { refusedTagError } from './player-errors.ts';

/** Encoded samples queued past this many are dropped to the next keyframe. */
export const MAX_ENCODED_SAMPLES = 900;
/** Encoded bytes queued past this are dropped likewise. */
export const MAX_ENCODED_BYTES = 48 * 1024 * 1024;
/** Decoded frames held (decoder output not yet drawn) before feeding pauses. */
export const MAX_DECODED = 8;
/** Chunks inside the decoder at most. */
const MAX_DECODE_QUEUE = 4;
/**
 * Decode samples whose dts is at most this far ahead of the clock, ms: a
 * few frames of slack for decode time and B-frame reordering, while the
 * rest of the buffer stays encoded (small, and droppable to a keyframe).
 */
export const DECODE_AHEAD_MS = 150;
/**
 * A frame later than this at its time is dropped when a newer one is due
 * too; a frame less late is still shown (a burst after network jitter is
 * played out, not thrown away), ms.
 */
export const LATE_DROP_MS = 100;
/** Joining, a first frame this much older than the join point (or three decode times) is still shown, ms. */
const JOIN_ALLOWANCE_MS = 40;
/** Frames that are late are spaced at least this far apart, so each one reaches the screen (half a 60 Hz refresh), ms. */
const CATCH_UP_SPACING_MS = 8;
/** A decoder with work waiting and no output for this long is stalled and rebuilt, ms. */
export const DECODER_STALL_MS = 2000;
/**
 * Chunks a working decoder may hold without output: H.264's largest
 * reordering window (16 frames), and more. A decoder holding more has stopped.
 */
const MAX_HELD_BY_DECODER = 24;

type QueueItem =
  | { kind: 'config'; config: VideoDecoderConfigLike }
  | { kind: 'sample'; dts: number; pts: number; key: boolean; data: Uint8Array };

/** What the pipeline tells the worker. */
export interface VideoPipelineHooks {
  /** A frame was drawn; `first`: the first since a start or a jump (the clock may restart there). */
  presented(width: number, height: number, ptsMs: number, first: boolean): void;
  /** The displayed size changed. */
  resized(width: number, height: number): void;
  /** A non-fatal problem for the video track. */
  error(e: RtmpError): void;
  /** The codec string in use changed. */
  codec(codec: string): void;
  /** A decoded frame is waiting to be presented (it may be due now), or the decoder has room for more: call {@link VideoPipeline.tick}. */
  ready(): void;
}

type HwMode = 'prefer-hardware' | 'prefer-software' | 'no-preference';
const HW_ORDER: readonly HwMode[] = ['prefer-hardware', 'prefer-software', 'no-preference'];

/** See the file comment. */
export class VideoPipeline {
  /** Frames output by the decoder. */
  framesDecoded = 0;
  /** Frames that should have been shown but were not: late at their time, or lost to a queue overflow. */
  framesDropped = 0;
  /** Frames never meant to be shown: decoded through to the live edge (join, jump), or forgotten in a flush. */
  framesSkipped = 0;
  /** Frames drawn. */
  framesPresented = 0;

  private queue: QueueItem[] = [];
  private queuedBytes = 0;
  private decoded: VideoFrame[] = [];
  private decoder: VideoDecoder | null = null;
  private current: VideoDecoderConfigLike | null = null;
  private hw: HwMode = 'prefer-hardware';
  private needKeyframe = true;
  private checking = false;
  private supported = new Map<string, HwMode | null>();
  /** The last tag was refused as CODEC_UNSUPPORTED by the parser. */
  private unparsable = false;
  private readonly reported = new Set<string>();
  private newestTs = NaN;
  private readonly ctx: OffscreenCanvasRenderingContext2D | null;
  private drawnAny = false;
  private epoch = 0;
  /** Decoded frames before this pts are not shown (see {@link skipBefore}). */
  private skipBeforeMs = -Infinity;
  /** Each in-flight chunk, by timestamp (µs): when it was handed to the decoder (for the decode time), and whether it is to be shown. */
  private readonly inFlight = new Map<number, { at: number; show: boolean }>();
  private decodeMsEwma = NaN;
  private syncErrorEwma = NaN;
  private lastDrawAt = -Infinity;
  /** After a jump: the next frame is shown as soon as it decodes, and the clock restarts there. */
  private rejoining = false;
  /** When the decoder last showed it works: built, output a frame, or took its first chunk after being idle (performance.now). */
  private progressAt = -Infinity;

  constructor(
    private readonly canvas: OffscreenCanvas,
    private readonly hooks: VideoPipelineHooks,
  ) {
    this.ctx = canvas.getContext('2d', { alpha: false });
  }

  /**
   * True while the stream's video cannot be shown here: a codec this
   * browser cannot decode (once isConfigSupported said so), or tags no
   * parser takes (H.263, an unknown FourCC). Its frames are then dropped
   * unread and {@link newestMs} is NaN, so the player plays the audio alone.
   */
  get undecodable(): boolean {
    if (this.unparsable) return true;
    const c = this.lastConfig();
    return c !== null && this.supported.get(c.codec) === null;
  }

  /** The newest media timestamp queued, ms. */
  get newestMs(): number {
    return this.newestTs;
  }

  /** True once a frame was drawn since the last reset. */
  get hasDrawn(): boolean {
    return this.drawnAny;
  }

  /** Smoothed (pts − clock) when frames are drawn, ms: how early (+) or late (−) against the clock pictures go up; NaN before any. */
  get syncErrorMs(): number {
    return this.syncErrorEwma;
  }

  /** Smoothed time from decode() to the frame's output, ms (NaN before any). */
  get decodeMs(): number {
    return this.decodeMsEwma;
  }

  /**
   * Frames with a pts before `ptsMs` are decoded but not shown: how the
   * player reaches the live edge without showing stale pictures when it
   * joins a GOP-cache burst or jumps forward. The first frame shown is the
   * first one at or after it.
   */
  skipBefore(ptsMs: number): void {
    this.skipBeforeMs = ptsMs;
  }

  /** Takes one video message (RTMP timestamp `ts`). The payload is read now, not kept. */
  push(payload: Uint8Array, ts: number): void {
    let tag: VideoTag;
    try {
      tag = parseVideoTag(payload);
    } catch (e) {
      this.refuse(e);
      return;
    }
    this.pushTag(tag, ts);
  }

  /** Takes one track's entry of a parsed message (the track that plays, see track-selector.ts). Its data is read now, not kept. */
  pushTrack(entry: VideoTrackResult, ts: number): void {
    if (entry.tag === undefined) this.refuse(entry.error);
    else this.pushTag(entry.tag, ts);
  }

  /** A tag the parser refused: reported (a codec it does not take, once per codec), and such a codec makes the track undecodable. */
  private refuse(e: unknown): void {
    if (e instanceof RtmpError && e.code === RtmpErrorCode.CodecUnsupported) {
      // Every frame of such a stream fails alike: say it once per codec, not 30 times a second.
      this.unparsable = true;
      this.newestTs = NaN;
      if (this.reported.has(e.message)) return;
      this.reported.add(e.message);
    }
    this.hooks.error(refusedTagError(e));
  }

  private pushTag(tag: VideoTag, ts: number): void {
    this.unparsable = false;
    if (tag.kind === 'sequence-start') {
      let config: VideoDecoderConfigLike;
      try {
        config = videoDecoderConfigFromSequenceStart(tag);
      } catch (e) {
        this.hooks.error(new RtmpError(e instanceof RtmpError ? e.code : RtmpErrorCode.CodecConfigInvalid, String((e as Error).message ?? e), { fatal: false }));
        return;
      }
      const last = this.lastConfig();
      if (last === null || !sameConfig(last, config)) this.queue.push({ kind: 'config', config });
      return;
    }
    if (tag.kind !== 'frame') return;
    if (this.undecodable) {
      this.framesSkipped++;
      return;
    }
    const data = tag.data.slice(); // the payload is only valid during the callback
    // ModEx's nanosecond offset refines the message's millisecond timestamp.
    const dts = ts + (tag.timestampOffsetNs ?? 0) / 1e6;
    const pts = dts + tag.compositionTimeMs;
    this.queue.push({ kind: 'sample', dts, pts, key: tag.keyframe, data });
    this.queuedBytes += data.byteLength;
    this.newestTs = Number.isFinite(this.newestTs) ? Math.max(this.newestTs, ts) : ts;
    if (this.queue.length > MAX_ENCODED_SAMPLES || this.queuedBytes > MAX_ENCODED_BYTES) this.overflow();
  }

  /**
   * Jumps forward to `ptsMs`: queued samples before the last keyframe at or
   * before it are dropped undecoded, the frames from there to `ptsMs` are
   * decoded without being shown, and what is already decoded is forgotten.
   * Returns the pts of the first frame that will be shown: `ptsMs`, or the
   * next keyframe when none is at or before it (the jump lands a little
   * further), or undefined when there is no video to jump through.
   */
  seek(ptsMs: number): number | undefined {
    let last = -1; // the last keyframe at or before ptsMs
    let next = -1; // the first keyframe after it
    let any = false;
    for (let i = 0; i < this.queue.length; i++) {
      const q = this.queue[i]!;
      if (q.kind !== 'sample') continue;
      any = true;
      if (q.key && q.pts <= ptsMs) last = i;
      else if (q.key && next < 0) next = i;
    }
    if (!any) return undefined;
    let to = ptsMs;
    if (last >= 0) this.dropQueued(last);
    else if (this.needKeyframe) {
      // The queue's head cannot be decoded without its keyframe: land on the next one.
      const n = this.queue[next];
      if (n === undefined || n.kind !== 'sample') return undefined;
      to = n.pts;
      this.dropQueued(next);
    }
    // (Otherwise the decoder is inside a GOP: decode on from the head.)
    this.skipDecoded();
    for (const f of this.inFlight.values()) f.show = false; // fed before the jump
    this.skipBeforeMs = to;
    this.rejoining = true;
    return to;
  }

  /** Drops the queue's samples before index `cut` (undecoded, counted as skipped), keeping the newest config among them. */
  private dropQueued(cut: number): void {
    let config: QueueItem | undefined;
    for (let i = 0; i < cut; i++) {
      const q = this.queue[i]!;
      if (q.kind === 'config') config = q;
      else {
        this.framesSkipped++;
        this.queuedBytes -= q.data.byteLength;
      }
    }
    this.queue.splice(0, cut);
    if (config !== undefined) this.queue.unshift(config);
  }

  /** Overflow: everything queued goes (a real loss), and decoding waits for the next keyframe. */
  private overflow(): void {
    for (const q of this.queue) if (q.kind === 'sample') this.framesDropped++;
    const config = this.lastConfig();
    this.queue = [];
    if (config !== null && config !== this.current) this.queue.push({ kind: 'config', config });
    this.queuedBytes = 0;
    this.needKeyframe = true;
  }

  /**
   * Feeds the decoder and draws the frame due at media time `clockMs`
   * (NaN: not started; the first frame is drawn as soon as it decodes).
   * `holdFirst`: decode, but do not draw the first picture yet.
   * Returns ms until something may be due again (for the worker's timer).
   */
  tick(clockMs: number, holdFirst = false): number {
    this.watchDecoder();
    this.feed(clockMs);
    // Decoding goes on; the first picture waits (see the session's JOIN_QUIET_MS).
    if (holdFirst && !this.drawnAny) return 10;
    return this.present(clockMs);
  }

  /** Forgets all media (pause, unpublish, discontinuity) but keeps the decoder's configuration. */
  flush(): void {
    // Keep the newest configuration, applied or still queued (a sequence header
    // whose support check is running when a discontinuity flushes, as with
    // node-media-server's cached header at ts 0 before a GOP at ts 11000).
    const config = this.lastConfig();
    this.queue = config === null ? [] : [{ kind: 'config', config }];
    // The configuration is re-applied from the queue; the old decoder's pending output is dropped.
    this.current = null;
    this.queuedBytes = 0;
    this.skipDecoded();
    this.closeDecoder();
    this.needKeyframe = true;
    this.newestTs = NaN;
    this.drawnAny = false;
    this.skipBeforeMs = -Infinity;
  }

  /** Draws the current picture into a Blob (snapshot). */
  snapshot(type: string, quality?: number): Promise<Blob> {
    if (!this.drawnAny && this.framesPresented === 0) {
      return Promise.reject(new RtmpError(RtmpErrorCode.InvalidState, 'no frame to snapshot yet', { fatal: false }));
    }
    return this.canvas.convertToBlob(quality === undefined ? { type } : { type, quality });
  }

  /** Releases the decoder and every frame. */
  close(): void {
    this.queue = [];
    this.queuedBytes = 0;
    this.skipDecoded();
    this.closeDecoder();
  }

  private lastConfig(): VideoDecoderConfigLike | null {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const q = this.queue[i]!;
      if (q.kind === 'config') return q.config;
    }
    return this.current;
  }

  private skipDecoded(): void {
    for (const f of this.decoded) {
      f.close();
      this.framesSkipped++;
    }
    this.decoded = [];
  }

  private closeDecoder(): void {
    this.epoch++;
    this.inFlight.clear();
    const d = this.decoder;
    this.decoder = null;
    if (d !== null && d.state !== 'closed') d.close();
  }

  private feed(clockMs: number): void {
    while (!this.checking) {
      const head = this.queue[0];
      if (head === undefined) return;
      if (head.kind === 'config') {
        if (!this.configure(head.config)) return; // checking support: resume later
        this.queue.shift();
        continue;
      }
      const d = this.decoder;
      if (d === null || d.state !== 'configured') {
        // No decoder: build one for a supported config, else drop the sample
        // (no config yet, or a codec this browser cannot decode: reported once).
        const usable = this.current !== null && (this.supported.get(this.current.codec) ?? null) !== null;
        if (usable && d === null) this.rebuild();
        if (!usable || this.decoder === null) this.discardHead();
        else if (this.decoder.state !== 'configured') return;
        continue;
      }
      if (d.decodeQueueSize >= MAX_DECODE_QUEUE || this.decoded.length >= MAX_DECODED) return;
      if (Number.isFinite(clockMs) && head.dts > clockMs + DECODE_AHEAD_MS) return;
      this.queue.shift();
      this.queuedBytes -= head.data.byteLength;
      if (this.needKeyframe && !head.key) {
        this.framesSkipped++;
        continue;
      }
      this.needKeyframe = false;
      try {
        const timestamp = Math.round(head.pts * 1000);
        // Whether it is shown is decided now, against the join point as it is
        // when the frame goes in: a frame that was live then is not skipped
        // because decoding it took time.
        const now = performance.now();
        if (this.inFlight.size === 0 && d.decodeQueueSize === 0) this.progressAt = now; // idle until now: the wait starts here
        if (this.inFlight.size < 64) this.inFlight.set(timestamp, { at: now, show: head.pts >= this.skipBeforeMs });
        d.decode(new EncodedVideoChunk({ type: head.key ? 'key' : 'delta', timestamp, data: head.data }));
      } catch (e) {
        // A decode() that throws (DataError: not a keyframe after configure...) is not fatal.
        this.hooks.error(new RtmpError(RtmpErrorCode.FlvInvalid, `video decode failed: ${String(e)}`, { fatal: false, cause: e }));
        this.needKeyframe = true;
      }
    }
  }

  private discardHead(): void {
    const q = this.queue.shift();
    if (q?.kind === 'sample') {
      this.queuedBytes -= q.data.byteLength;
      this.framesSkipped++;
    }
  }

  /** Configures for `config`. False while an isConfigSupported check is running. */
  private configure(config: VideoDecoderConfigLike): boolean {
    const known = this.supported.get(config.codec);
    if (known === undefined) {
      this.checking = true;
      void this.check(config).then((mode) => {
        this.checking = false;
        this.supported.set(config.codec, mode);
        if (mode === null && this.lastConfig()?.codec === config.codec) {
          // Nothing queued behind it can be shown: drop it, and say there is no video.
          this.framesSkipped += this.queue.filter((q) => q.kind === 'sample').length;
          this.queue = this.queue.filter((q) => q.kind === 'config');
          this.queuedBytes = 0;
          this.newestTs = NaN;
        }
        if (mode === null) {
          this.hooks.error(
            new RtmpError(RtmpErrorCode.CodecUnsupported, `this browser cannot decode video ${config.codec}`, {
              fatal: false,
              details: { codec: config.codec },
            }),
          );
        }
      });
      return false;
    }
    this.current = config;
    this.hooks.codec(config.codec);
    if (known === null) {
      this.closeDecoder();
      return true;
    }
    if (HW_ORDER.indexOf(this.hw) < HW_ORDER.indexOf(known)) this.hw = known;
    this.rebuild();
    return true;
  }

  private async check(config: VideoDecoderConfigLike): Promise<HwMode | null> {
    for (const mode of HW_ORDER.slice(HW_ORDER.indexOf(this.hw))) {
      try {
        const r = await within(VideoDecoder.isConfigSupported(this.decoderConfig(config, mode)), SUPPORT_CHECK_TIMEOUT_MS);
        // No answer: try this mode; a decoder that cannot do it says so through its error callback (see decoderError).
        if (r === TIMED_OUT || r.supported === true) return mode;
      } catch {
        /* a TypeError for a malformed config: try the next, then report */
      }
    }
    return null;
  }

  private decoderConfig(config: VideoDecoderConfigLike, hw: HwMode): VideoDecoderConfig {
    const c: VideoDecoderConfig = { codec: config.codec, hardwareAcceleration: hw, optimizeForLatency: true };
    if (config.description !== undefined) c.description = config.description;
    if (config.codedWidth !== undefined) c.codedWidth = config.codedWidth;
    if (config.codedHeight !== undefined) c.codedHeight = config.codedHeight;
    return c;
  }

  /** A new decoder for the current config (first use, after a reclaim, after a fallback). */
  private rebuild(): void {
    const config = this.current;
    this.closeDecoder();
    if (config === null) return;
    const epoch = this.epoch;
    const decoder = new VideoDecoder({
      output: (frame) => this.output(frame, epoch),
      error: (e) => this.decoderError(e, epoch),
    });
    // Room in the decoder: feed it now, not at the next timer tick (decoding
    // a GOP-cache burst through to the join point is paced by this).
    decoder.ondequeue = () => epoch === this.epoch && this.hooks.ready();
    try {
      decoder.configure(this.decoderConfig(config, this.hw));
    } catch (e) {
      this.hooks.error(new RtmpError(RtmpErrorCode.CodecUnsupported, `cannot configure video ${config.codec}: ${String(e)}`, { fatal: false }));
      decoder.close();
      return;
    }
    this.decoder = decoder;
    this.needKeyframe = true;
    this.progressAt = performance.now();
  }

  /**
   * The stall watchdog: a decoder with chunks it has not taken, or holding
   * more than any reordering needs, and no output for {@link DECODER_STALL_MS}
   * is rebuilt like a failed one (next hardware mode, next keyframe), and
   * the player is told (DecoderStalled). Chunks it held are lost (dropped).
   */
  private watchDecoder(): void {
    const d = this.decoder;
    if (d === null || d.state !== 'configured') return;
    if (d.decodeQueueSize === 0 && this.inFlight.size <= MAX_HELD_BY_DECODER) return;
    const idleMs = performance.now() - this.progressAt;
    if (idleMs < DECODER_STALL_MS) return;
    for (const f of this.inFlight.values()) if (f.show) this.framesDropped++;
    const held = d.decodeQueueSize + this.inFlight.size;
    this.nextHwMode();
    this.hooks.error(
      new RtmpError(RtmpErrorCode.DecoderStalled, `the video decoder gave no frame in ${Math.round(idleMs)} ms with ${held} chunks waiting: rebuilt (${this.hw})`, {
        fatal: false,
        details: { codec: this.current?.codec ?? '', waiting: d.decodeQueueSize, held: this.inFlight.size },
      }),
    );
    this.rebuild();
  }

  private decoderError(e: DOMException, epoch: number): void {
    if (epoch !== this.epoch) return;
    this.decoder = null;
    this.needKeyframe = true;
    if (e.name === 'QuotaExceededError') {
      // Reclaimed (e.g. a background tab): rebuild, same mode, at the next keyframe.
      this.rebuild();
      return;
    }
    if (this.nextHwMode()) {
      this.rebuild();
      return;
    }
    this.hooks.error(new RtmpError(RtmpErrorCode.CodecUnsupported, `video decoder failed: ${e.message}`, { fatal: false, cause: e }));
    this.rebuild();
  }

  /** Moves to the next hardware mode (prefer-hardware → prefer-software → no-preference); false when there is none. */
  private nextHwMode(): boolean {
    const i = HW_ORDER.indexOf(this.hw);
    if (i === HW_ORDER.length - 1) return false;
    this.hw = HW_ORDER[i + 1]!;
    return true;
  }

  private output(frame: VideoFrame, epoch: number): void {
    if (epoch !== this.epoch) {
      frame.close();
      return;
    }
    this.framesDecoded++;
    const now = performance.now();
    this.progressAt = now;
    const fed = this.inFlight.get(frame.timestamp);
    if (fed !== undefined) {
      this.inFlight.delete(frame.timestamp);
      const ms = now - fed.at;
      this.decodeMsEwma = Number.isNaN(this.decodeMsEwma) ? ms : this.decodeMsEwma + (ms - this.decodeMsEwma) / 16;
    }
    // Output comes in presentation order: a chunk for an earlier time will never come out (one the decoder
    // dropped). Forgotten, so the map keeps measuring and the stall watchdog does not count it as held.
    for (const t of this.inFlight.keys()) if (t < frame.timestamp) this.inFlight.delete(t);
    if (fed === undefined ? frame.timestamp / 1000 < this.skipBeforeMs : !fed.show) {
      // Decoded through to reach the live edge: never shown, never held.
      frame.close();
      this.framesSkipped++;
      return;
    }
    // Decoders output in presentation order; keep it sorted anyway (cheap, tiny list).
    this.decoded.push(frame);
    if (this.decoded.length > 1) this.decoded.sort((a, b) => a.timestamp - b.timestamp);
    this.hooks.ready();
  }

  private present(clockMs: number): number {
    if (!Number.isFinite(clockMs) || !this.drawnAny || this.rejoining) {
      // The first picture (after a start or a jump) goes up as soon as it
      // decodes, even a little late or early against the audio: time to
      // first frame matters more than its sync. Unless the join point has
      // since moved well past it (it was fed before the rest of a GOP-cache
      // burst had arrived): then it is skipped too. "Well past" allows for
      // decoding time, or a frame live when fed could never be shown.
      const allowance = Math.max(JOIN_ALLOWANCE_MS, 3 * (Number.isNaN(this.decodeMsEwma) ? 0 : this.decodeMsEwma));
      while (!this.drawnAny && this.decoded.length > 0 && this.decoded[0]!.timestamp / 1000 < this.skipBeforeMs - allowance) {
        this.decoded.shift()!.close();
        this.framesSkipped++;
      }
      const first = this.decoded.shift();
      if (first !== undefined) {
        this.rejoining = false;
        this.draw(first, true);
      }
      return first === undefined ? 10 : 1;
    }
    // Very late frames (the next one is due too): drop, unseen.
    while (this.decoded.length > 1 && this.decoded[1]!.timestamp / 1000 <= clockMs && clockMs - this.decoded[0]!.timestamp / 1000 > LATE_DROP_MS) {
      this.decoded.shift()!.close();
      this.framesDropped++;
    }
    const f = this.decoded[0];
    if (f === undefined) return 10;
    const due = f.timestamp / 1000 - clockMs;
    const sinceDraw = performance.now() - this.lastDrawAt;
    if (due <= 2 && due < 0 && sinceDraw < CATCH_UP_SPACING_MS) return Math.max(1, CATCH_UP_SPACING_MS - sinceDraw);
    if (due <= 2) {
      this.decoded.shift();
      this.syncErrorEwma = Number.isNaN(this.syncErrorEwma) ? due : this.syncErrorEwma + (due - this.syncErrorEwma) / 16;
      this.draw(f);
      const next = this.decoded[0];
      return next === undefined ? 5 : Math.max(1, Math.min(20, next.timestamp / 1000 - clockMs));
    }
    return Math.max(1, Math.min(20, due));
  }

  private draw(frame: VideoFrame, first = false): void {
    const w = frame.displayWidth;
    const h = frame.displayHeight;
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
      this.hooks.resized(w, h);
    }
    this.ctx?.drawImage(frame, 0, 0, w, h);
    const pts = frame.timestamp / 1000;
    frame.close();
    this.framesPresented++;
    this.drawnAny = true;
    this.lastDrawAt = performance.now();
    this.hooks.presented(w, h, pts, first);
  }
}

function sameConfig(a: VideoDecoderConfigLike, b: VideoDecoderConfigLike): boolean {
  if (a.codec !== b.codec || a.codedWidth !== b.codedWidth || a.codedHeight !== b.codedHeight) return false;
  const x = a.description;
  const y = b.description;
  if (x === undefined || y === undefined) return x === y;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
