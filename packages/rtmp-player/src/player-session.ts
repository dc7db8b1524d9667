/**
 * Everything the player worker does, outside the message plumbing: one
 * playback from play() to stop(), across reconnects.
 *
 * Playback state machine (one {@link PlayerSession.transition}; the
 * connection underneath is {@link PlayerConnection}'s, on the core's
 * RtmpConnection):
 * ```
 * idle ─play→ connecting ─Play.Start→ buffering ─first frame→ playing
 *                 │ first attempt fails → error (fatal)
 * playing/buffering ─drop/stall→ reconnecting ─backoff→ connecting …
 * playing ─UnpublishNotify/StreamEOF→ buffering (wait; not a drop)
 * any ─pause→ paused ─play→ buffering        any ─stop→ stopped
 * ```
 * An unpublish is not a network drop: the connection stays, the pipelines
 * are flushed, and the player waits for media (nginx-rtmp sends
 * NetStream.Play.PublishNotify when the stream is back). A network drop,
 * a bridge restart or 10 s without bytes while media flowed is: the
 * player reconnects with jittered, capped backoff (the connection's), and
 * a server's reconnect request moves it to another server, rejoining there.
 *
 * Latency: {@link Playhead} (the clock, the live edges, the target, fixed
 * or `auto`, and the steering) holds the delay at the target. The session
 * joins there: until the first frame is shown, decoded video and audio
 * older than `live edge − target` are not presented (a server's GOP-cache
 * burst is decoded through).
 *
 * This file is the states, the connection's events, the media's way in
 * (timeline breaks, stalls, metadata) and the presentation loop; the
 * connection is {@link PlayerConnection}'s, the decoding the pipelines'.
 */
import {
  RtmpError,
  RtmpErrorCode,
  parseAudioMessage,
  parseRtmpUrl,
  parseVideoMessage,
  readOnMetaData,
  type AudioTrackResult,
  type RtmpStatus,
  type VideoTrackResult,
} from '@rtmp-web/core';
import { AudioPipeline } from './audio-pipeline.ts';
import { decoderCapabilities } from './codec-support.ts';
import { PlayerConnection } from './player-connection.ts';
import { PlayerErrorCode } from './player-errors.ts';
import { Playhead } from './playhead.ts';
import { RateMeter } from './rate-meter.ts';
import { TrackSelector } from './track-selector.ts';
import { VideoPipeline } from './video-pipeline.ts';
import {
  emptyStats,
  type AudioCapture,
  type LatencySetting,
  type PlayerErrorInfo,
  type PlayerEvent,
  type PlayerState,
  type PlayerStats,
  type PlayOptionsMessage,
  type StartupTimings,
  type WorkletEvent,
} from './worker-protocol.ts';

/** Housekeeping period (stall checks, latency control, stats), ms. */
const HOUSEKEEPING_MS = 250;
/** A timestamp jump larger than this (back, or forward past the forward limit) starts a new timeline, ms. */
const DISCONTINUITY_BACK_MS = 1000;
const DISCONTINUITY_FORWARD_MS = 10_000;
/** Playing with no media for this long is buffering again, ms. */
const UNDERRUN_MS = 1500;
/** Joining, the first frame shown may be this much older than the join point (half a frame at 30 fps), ms. */
const JOIN_SLACK_MS = 17;
/**
 * Before the first picture, media must have paused this long, ms: a
 * GOP-cache burst comes in several reads, and a keyframe decoded before the
 * rest arrived would go up as the live picture when it is the cache's
 * oldest. A live stream's frames come ≥ 1/fps apart, so this costs nothing there.
 */
const JOIN_QUIET_MS = 4;
/** Lateness samples are taken only this long after playback started (the join burst is not jitter), ms. */
const JITTER_SETTLE_MS = 1000;

/** Copies AMF values into plain, structured-clone-safe data (ECMA arrays lose their marker, Maps become objects). */
function plain(v: unknown, depth = 0): unknown {
  if (depth > 16) return null;
  if (v === null || typeof v !== 'object') return typeof v === 'function' || typeof v === 'symbol' ? null : v;
  if (v instanceof Date) return v.getTime();
  if (ArrayBuffer.isView(v)) return v;
  if (Array.isArray(v)) return v.map((x) => plain(x, depth + 1));
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), plain(x, depth + 1)]));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = plain(x, depth + 1);
  return out;
}

/**
 * A media message as tracks; a message whose framing is bad (no track can be
 * trusted) becomes one track-0 error, which the pipeline reports.
 */
function parseMessage<R extends VideoTrackResult | AudioTrackResult>(parse: (b: Uint8Array) => { tracks: R[] }, payload: Uint8Array): R[] {
  try {
    return parse(payload).tracks;
  } catch (e) {
    const error = e instanceof RtmpError ? e : new RtmpError(RtmpErrorCode.FlvInvalid, String(e), { fatal: false });
    return [{ trackId: 0, error } as R];
  }
}

/** See the file comment. */
export class PlayerSession {
  private state: PlayerState = 'idle';
  private options: PlayOptionsMessage | null = null;
  private connection: PlayerConnection | null = null;
  private waitingSince = 0;
  private waitingFor: 'start' | 'republish' | null = null;
  private reportedNoMedia = false;
  private mediaFlowing = false;
  private lastByteAt = 0;
  private stats: PlayerStats = emptyStats();
  private readonly bytes = new RateMeter(2);
  private readonly frames = new RateMeter(2);
  private playingSince = NaN;
  /** When play() was called (absolute ms), for the startup timings. */
  private calledAt = NaN;
  private readonly video: VideoPipeline;
  private readonly audio: AudioPipeline;
  /** The clock, the live edges and the latency steering. */
  private readonly playhead: Playhead;
  /** Which track of each kind plays (Enhanced RTMP multitrack); video switches at a keyframe, audio at a frame. */
  private readonly videoTracks = new TrackSelector<VideoTrackResult>((t) => t.kind === 'frame' && t.keyframe);
  private readonly audioTracks = new TrackSelector<AudioTrackResult>((t) => t.kind === 'frame');
  private presentTimer: ReturnType<typeof setTimeout> | undefined;
  private housekeepingTimer: ReturnType<typeof setInterval> | undefined;
  private housekeepingCount = 0;
  /** When the worklet last said sound is coming out (an audio-only stream plays on that). */
  private audioPlayingAt = -Infinity;
  private bufferingSince = 0;
  private lastMediaAt = 0;

  constructor(
    private readonly post: (e: PlayerEvent) => void,
    canvas: OffscreenCanvas,
  ) {
    this.video = new VideoPipeline(canvas, {
      presented: (w, h, pts, first) => this.onPresented(w, h, pts, first),
      resized: (width, height) => this.post({ type: 'video-size', width, height }),
      error: (e) => this.report(e),
      codec: (c) => (this.stats.videoCodec = c),
      ready: () => this.presentSoon(),
    });
    this.audio = new AudioPipeline({
      error: (e) => this.report(e),
      codec: (c) => (this.stats.audioCodec = c),
    });
    this.playhead = new Playhead(this.video, this.audio);
  }

  private get clock(): Playhead['clock'] {
    return this.playhead.clock;
  }

  /**
   * The audio output came up (the page makes it lazily). Audio joins at the
   * current playhead; until now the clock ran on wall time.
   */
  attachAudio(port: MessagePort, outputLatencyMs: number): void {
    port.onmessage = (e: MessageEvent) => this.onWorklet(e.data as WorkletEvent);
    this.audio.attach(port);
    this.audio.flushWorklet();
    this.playhead.setOutputLatency(outputLatencyMs);
    if (this.clock.started) this.audio.skipBefore(this.playhead.videoClock() + outputLatencyMs);
  }

  /** Plays track `id` of `kind` (null: the first one), from its next keyframe (video) or frame (audio). */
  selectTrack(kind: 'video' | 'audio', id: number | null): void {
    if (this.options !== null) this.options[kind === 'video' ? 'videoTrack' : 'audioTrack'] = id;
    (kind === 'video' ? this.videoTracks : this.audioTracks).select(id);
  }

  /** Starts playing `options` (or resumes, when paused on the same source). */
  play(options: PlayOptionsMessage): void {
    this.setLatency(options.latency);
    this.videoTracks.select(options.videoTrack);
    this.audioTracks.select(options.audioTrack);
    const same = this.options !== null && this.options.src === options.src && this.options.bridge === options.bridge;
    this.options = options;
    // Already on it (like HTMLMediaElement.play() while playing): nothing to do.
    if (same && (this.state === 'connecting' || this.state === 'buffering' || this.state === 'playing' || this.state === 'reconnecting')) return;
    if (this.state === 'paused' && same && this.connected) {
      this.waitingFor = 'start';
      this.waitingSince = performance.now();
      this.transition('buffering');
      this.startLoops();
      return;
    }
    this.teardown();
    try {
      parseRtmpUrl(options.src);
      const u = new URL(options.bridge);
      if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new TypeError(`bridge must be ws:// or wss://, got ${u.protocol}`);
    } catch (e) {
      this.fail({ code: PlayerErrorCode.BadSource, message: `bad src or bridge: ${(e as Error).message}`, fatal: true });
      return;
    }
    this.stats = emptyStats('connecting');
    this.calledAt = options.calledAt;
    this.mark('workerMs');
    this.connect(options);
  }

  /** Whether a client is playing (Play.Start, not lost since). */
  private get connected(): boolean {
    return this.connection?.connected ?? false;
  }

  /** Pauses: media is discarded (live: resuming goes back to the live edge), the connection stays. */
  pause(): void {
    if (this.state === 'stopped' || this.state === 'error' || this.state === 'idle') return;
    if (!this.connected) {
      // Paused while (re)connecting: give up the attempt; play() starts afresh.
      this.connection?.close();
      this.connection = null;
    }
    this.stopPresenting();
    this.flushMedia();
    this.transition('paused');
  }

  /** Stops: closes the connection, forgets the media. */
  stop(): void {
    this.teardown();
    if (this.state !== 'idle') this.transition('stopped');
  }

  /** Sets the target delay: ms, or 'auto'. */
  setLatency(latency: LatencySetting): void {
    if (this.options !== null) this.options.latency = latency;
    this.playhead.setLatency(latency);
    this.stats.targetLatencyMs = Math.round(this.playhead.targetMs);
  }

  /** Notes the first time a startup step happens, in ms from the play() call. */
  private mark(step: keyof StartupTimings): void {
    if (this.stats.startup[step] !== 0 || Number.isNaN(this.calledAt)) return;
    this.stats.startup = { ...this.stats.startup, [step]: Math.max(1, Math.round(performance.timeOrigin + performance.now() - this.calledAt)) };
  }

  /** The current picture as an image Blob. */
  snapshot(type: string, quality?: number): Promise<Blob> {
    return this.video.snapshot(type, quality);
  }

  /** The next `ms` of decoded audio, channel 0. */
  captureAudio(ms: number): Promise<AudioCapture> {
    return this.audio.captureAudio(ms);
  }

  /** Releases everything (the worker is about to end). */
  dispose(): void {
    this.teardown();
    this.video.close();
    this.audio.close();
  }

  // ── connection ──────────────────────────────────────────────────────────

  private connect(o: PlayOptionsMessage): void {
    this.transition('connecting');
    const connection = new PlayerConnection(
      { src: o.src, bridge: o.bridge, bufferMs: () => this.playhead.targetMs, capabilities: decoderCapabilities() },
      {
        connected: () => this.mark('connectedMs'),
        started: (reason) => this.onStarted(reason),
        media: (typeId, ts, payload) => this.onMedia(typeId, ts, payload),
        status: (st) => this.onStatus(st),
        data: (name, values) => this.onData(name, values),
        streamEnded: () => this.mediaFlowing && this.waitForStream(),
        bytes: (n) => {
          this.lastByteAt = performance.now();
          this.stats.bytesReceived += n;
          this.bytes.add(n, this.lastByteAt);
        },
        lost: (info) => this.onLost(info),
        report: (info) => this.report(info),
        failed: (info) => this.fail(info),
      },
    );
    this.connection = connection;
    connection.start();
  }

  /** Play.Start on a client (the first, after a reconnect, or a reconnect request's new server): media follows. */
  private onStarted(reason: 'first' | 'reconnected' | 'moved'): void {
    // A new server: rejoin at its stream's keyframe (its timeline is its own, its tracks too).
    if (reason === 'moved') {
      this.flushMedia();
      this.forgetTracks();
    }
    this.lastByteAt = performance.now();
    this.waitingFor = 'start';
    this.waitingSince = performance.now();
    this.reportedNoMedia = false;
    this.mark('playStartMs');
    if (this.state === 'paused') return;
    // A move rejoins within a frame or three: a page's spinner should not flash for it.
    if (!(reason === 'moved' && this.state === 'playing')) this.transition('buffering');
    this.startLoops();
  }

  /** The playing client is gone; the connection reconnects on its own. */
  private onLost(info: PlayerErrorInfo): void {
    if (this.state === 'stopped' || this.state === 'error' || this.state === 'idle') return;
    if (this.state === 'paused') {
      // Nothing is playing: no reconnect now; play() reconnects.
      this.connection?.close();
      this.connection = null;
      return;
    }
    this.report({ ...info, fatal: false });
    this.stopPresenting();
    this.flushMedia();
    // Count lost connections, not the failed attempts while the server is away.
    if (this.state !== 'reconnecting') this.stats.reconnects++;
    this.transition('reconnecting');
  }

  private teardown(): void {
    this.connection?.close();
    this.connection = null;
    this.forgetTracks();
    this.stopPresenting();
    clearInterval(this.housekeepingTimer);
    this.housekeepingTimer = undefined;
    this.flushMedia();
  }

  private fail(info: PlayerErrorInfo): void {
    this.teardown();
    this.post({ type: 'error', error: info });
    this.transition('error');
  }

  private report(e: RtmpError | PlayerErrorInfo): void {
    const info: PlayerErrorInfo = e instanceof RtmpError ? { code: e.code, message: e.message, fatal: false } : e;
    this.post({ type: 'error', error: info });
  }

  private transition(to: PlayerState): void {
    if (this.state === to) return;
    this.state = to;
    this.stats.state = to;
    if (to === 'buffering') this.bufferingSince = performance.now();
    if (to === 'playing') this.playingSince = performance.now();
    this.post({ type: 'state', state: to });
    this.post({ type: 'stats', stats: { ...this.stats } });
  }

  // ── server messages ─────────────────────────────────────────────────────

  private onStatus(s: RtmpStatus): void {
    this.post({ type: 'status', status: { code: s.code, level: s.level, description: s.description, streamId: s.streamId } });
    if (s.code === 'NetStream.Play.UnpublishNotify') this.waitForStream();
  }

  /** The stream ended (unpublished): keep the connection, wait for it to come back. */
  private waitForStream(): void {
    if (this.state === 'paused') return;
    this.flushMedia();
    this.mediaFlowing = false;
    this.waitingFor = 'republish';
    this.waitingSince = performance.now();
    if (this.state === 'playing') this.transition('buffering');
  }

  private onData(name: string, values: unknown[]): void {
    const meta = readOnMetaData(name, values);
    if (meta !== null) this.post({ type: 'metadata', metadata: plain(meta) as Record<string, unknown> });
  }

  private onMedia(typeId: number, ts: number, payload: Uint8Array): void {
    if (this.state === 'paused') return; // live pause: discard
    if (payload.length === 0) return;
    const now = performance.now();
    this.mark('firstMediaMs');
    const video = typeId === 9 ? parseMessage(parseVideoMessage, payload) : null;
    const audio = typeId === 8 ? parseMessage(parseAudioMessage, payload) : null;
    // Only frames carry the stream's time. A sequence header has whatever timestamp its server gives it:
    // node-media-server sends its cached headers at ts 0, on join and when a publish resumes (with the
    // frames shifted onto the old timeline). Taken for media, such a header flushed the player, and
    // registered as audio arriving 0 ms into a stream minutes old, it made the live edge a stream's age
    // too far back until the first audio frame came: a first picture shown then started the clock that
    // far behind, and the picture froze (the soak's resolution change, twice an hour).
    if ((video ?? audio ?? []).some((t) => t.tag === undefined || t.tag.kind === 'frame')) this.timedMedia(typeId, ts, now);
    this.waitingFor = null;
    this.mediaFlowing = true;
    this.lastMediaAt = now;
    if (video !== null) {
      const picked = this.videoTracks.take(video);
      for (const entry of picked.feed) this.video.pushTrack(entry, ts);
      if (picked.changed) this.postTracks();
    } else if (audio !== null) {
      const picked = this.audioTracks.take(audio);
      for (const entry of picked.feed) this.audio.pushTrack(entry, ts);
      if (picked.changed) this.postTracks();
    }
  }

  /** A message with frames at `ts`: the timeline's continuity, and the live edge. */
  private timedMedia(typeId: number, ts: number, now: number): void {
    // Against the same track's newest: the tracks may be offset from each other (an encoder's delay).
    const trackNewest = typeId === 9 ? this.video.newestMs : this.audio.newestMs;
    if (Number.isFinite(trackNewest) && (ts < trackNewest - DISCONTINUITY_BACK_MS || ts > trackNewest + DISCONTINUITY_FORWARD_MS)) {
      // A new timeline (a republish, a server-side restart of timestamps): start over from the next keyframe.
      this.flushMedia();
    }
    // A track this browser cannot play (reported once by its pipeline) neither sets the live edge nor holds the other back.
    const playable = typeId === 9 ? !this.video.undecodable : !this.audio.undecodable;
    if (playable) this.playhead.arrived(typeId, ts, now, this.state === 'playing' && now - this.playingSince > JITTER_SETTLE_MS);
  }

  /** The tracks, for the element's `tracks` and `trackschange`. */
  private postTracks(): void {
    this.stats.videoTrack = this.videoTracks.playingId;
    this.stats.audioTrack = this.audioTracks.playingId;
    this.post({ type: 'tracks', tracks: { video: this.videoTracks.list(), audio: this.audioTracks.list() } });
  }

  /** A new stream (a new play, another server): its tracks are its own. */
  private forgetTracks(): void {
    this.videoTracks.reset();
    this.audioTracks.reset();
  }

  private onWorklet(ev: WorkletEvent): void {
    if (ev.type !== 'clock') return;
    // A report from before the last flush reached the worklet: the old stream's read head, not this one's.
    if (ev.epoch !== this.audio.workletEpoch) return;
    this.audio.acknowledge();
    // Only while audio is really being fed does it drive the clock.
    if (performance.now() - this.audio.lastSentAt < 1000) this.clock.audioReport(ev.ptsMs, ev.playing);
    if (ev.playing) this.audioPlayingAt = performance.now();
    this.playhead.workletBuffered(ev.bufferedMs);
  }

  private flushMedia(): void {
    this.video.flush();
    this.audio.flush();
    this.playhead.reset();
    // A flush while playing (a new timeline, a move) starts the settling time
    // again: its join burst is not jitter. Left NaN, nothing would be sampled
    // until the next transition to playing (none comes when the state stays).
    this.playingSince = this.state === 'playing' ? performance.now() : NaN;
  }

  // ── presentation and housekeeping ───────────────────────────────────────

  private startLoops(): void {
    if (this.housekeepingTimer === undefined) this.housekeepingTimer = setInterval(() => this.housekeeping(), HOUSEKEEPING_MS);
    if (this.presentTimer === undefined) this.present();
  }

  private stopPresenting(): void {
    clearTimeout(this.presentTimer);
    this.presentTimer = undefined;
  }

  private present(): void {
    clearTimeout(this.presentTimer);
    this.presentTimer = undefined;
    if (this.state !== 'buffering' && this.state !== 'playing') return;
    // A video-only clock waits for media instead of running past it (a stall freezes, then resumes on time).
    if (this.clock.started && !this.clock.audioDriven && Number.isFinite(this.video.newestMs)) this.clock.clamp(this.video.newestMs);
    let hold = 0;
    if (!this.video.hasDrawn) {
      this.join();
      hold = Math.max(0, JOIN_QUIET_MS - (performance.now() - this.lastMediaAt));
    }
    const wait = this.video.tick(this.playhead.videoClock(), hold > 0);
    this.presentTimer = setTimeout(() => this.present(), hold > 0 ? Math.min(wait, hold) : wait);
  }

  /** A frame was decoded: present now if it is due, instead of at the next timer. */
  private presentSoon(): void {
    if (this.presentTimer !== undefined && (this.state === 'buffering' || this.state === 'playing')) this.present();
  }

  /**
   * Before the first picture: where playback starts. Frames (and audio)
   * before `live edge − target` are decoded through, not presented, so the
   * first frame shown is live, even out of a GOP-cache burst.
   */
  private join(): void {
    const off = this.playhead.edgeOffset();
    if (!Number.isFinite(off)) return;
    let at = this.clock.started ? this.playhead.videoClock() : performance.now() - off - this.playhead.targetMs;
    if (Number.isFinite(this.video.newestMs)) at = Math.min(at, this.video.newestMs);
    this.video.skipBefore(at - JOIN_SLACK_MS);
    // Audio waits for the first picture, which places it (onPresented): let
    // loose earlier, it would start the clock on the burst's old audio. Only
    // a stream with no video (yet) joins on audio alone.
    if (!this.clock.started && !Number.isFinite(this.video.newestMs)) this.audio.skipBefore(at + this.playhead.audioOutputLatencyMs);
  }

  private onPresented(width: number, height: number, pts: number, first: boolean): void {
    this.stats.width = width;
    this.stats.height = height;
    const now = performance.now();
    this.frames.add(1, now);
    // The first frame after a jump: a wall clock restarts at it (the decode-through took time).
    if (first && this.clock.started && !this.clock.audioDriven) this.clock.jumpTo(pts);
    if (!this.clock.started) {
      // With no audio driving it, the first frame starts the (wall) clock;
      // the audio joins there (its read head is the output latency ahead of what is heard).
      // When even the oldest media there is is newer than the target (a
      // target longer than the server's cache), wait on this first picture for the difference.
      const off = this.playhead.edgeOffset();
      const deficit = Number.isFinite(off) ? this.playhead.targetMs - (now - off - pts) : 0;
      const wait = deficit > JOIN_SLACK_MS * 2 ? deficit : 0;
      const heard = pts + this.playhead.audioOutputLatencyMs;
      this.clock.start(pts - wait);
      this.audio.skipBefore(heard);
      this.audio.post({ type: 'skip-to', ptsMs: heard });
      if (wait > 0) this.audio.post({ type: 'hold', ms: wait });
    }
    this.mark('firstFrameMs');
    if (this.state === 'buffering') this.transition('playing');
  }

  private housekeeping(): void {
    const now = performance.now();
    const o = this.options;
    if (o === null) return;
    if (this.connected && this.state !== 'paused') {
      if (this.waitingFor === null && this.mediaFlowing && now - this.lastByteAt > o.stallTimeoutMs) {
        this.connection?.stall({ code: PlayerErrorCode.Stalled, message: `no data for ${Math.round((now - this.lastByteAt) / 1000)} s: reconnecting`, fatal: false });
        return;
      }
      if (this.waitingFor === 'start' && !this.reportedNoMedia && now - this.waitingSince > o.noMediaTimeoutMs) {
        this.reportedNoMedia = true;
        this.report({
          code: PlayerErrorCode.StreamNotFound,
          message: `no media ${Math.round(o.noMediaTimeoutMs / 1000)} s after play: the stream is not published (still waiting for it)`,
          fatal: false,
        });
      }
    }
    // An audio-only stream: no video has come, but sound has been playing for a while.
    if (this.state === 'buffering' && !Number.isFinite(this.video.newestMs) && now - this.audioPlayingAt < 500 && now - this.bufferingSince > 1000) {
      this.transition('playing');
    }
    // Media stopped coming (a server that unpublishes silently, like
    // node-media-server, or a network hiccup): say so; the stall timer decides later.
    if (this.state === 'playing' && now - this.lastMediaAt > UNDERRUN_MS) this.transition('buffering');
    if (this.playhead.tick(now, this.state === 'playing')) this.stats.catchUps++;
    if (++this.housekeepingCount % 2 === 0) this.emitStats(now);
  }

  private emitStats(now: number): void {
    const s = this.stats;
    s.bitrateKbps = Math.round((this.bytes.rate(now) * 8) / 1000);
    s.fps = Math.round(this.frames.rate(now) * 10) / 10;
    s.framesDecoded = this.video.framesDecoded;
    s.framesShown = this.video.framesPresented;
    s.framesDropped = this.video.framesDropped;
    s.framesSkipped = this.video.framesSkipped;
    s.bufferMs = Math.round(this.playhead.bufferMs());
    const delay = this.playhead.delayMs(now);
    s.playerDelayMs = Number.isFinite(delay) ? Math.max(0, Math.round(delay)) : 0;
    s.targetLatencyMs = Math.round(this.playhead.targetMs);
    // With audio as the clock: how far from the audible audio pictures go up.
    s.avSyncMs = this.clock.audioDriven && Number.isFinite(this.video.syncErrorMs) ? Math.round(this.video.syncErrorMs) : 0;
    s.playbackRate = this.playhead.playbackRate;
    this.post({ type: 'stats', stats: { ...s } });
  }
}
