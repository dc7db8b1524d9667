/**
 * One publishing session, inside the worker: media in, RTMP out, with
 * reconnects and congestion control. This file wires the parts together and
 * owns the state; each part has a file of its own:
 *
 * ```
 * captured tracks ─▶ CaptureInput (clocks, encoders) ─┐
 * an MP4 file ─────▶ FileInput (paced samples) ───────┼─▶ FlvMuxer ─▶ PublisherConnection ─▶ RtmpConnection ─▶ WebSocket
 *                       CongestionController (every 200 ms) ┘ bitrate / drop video
 * ```
 *
 * The books (counters, latencies, the once-a-second stats) are
 * {@link PublisherMeter}'s; onMetaData is built from the core's constants
 * (`buildOnMetaData`).
 *
 * States: connecting → publishing ⇄ reconnecting → stopped | error. The
 * connection, its reconnects, refusals and the reconnect request's move are
 * {@link PublisherConnection}'s. One `fail()` funnel ends the session; every
 * error passes through `redact()` so the stream key never leaves the worker.
 */
import { AudioFourCc, buildOnMetaData, RtmpError, VideoFourCc, type AmfValue } from '@rtmp-web/core';
import { parseRtmpUrl, redactStreamKey } from '@rtmp-web/core';
import { WebSocketTransport } from '@rtmp-web/transport/websocket';
import { CaptureInput } from './capture-input.ts';
import { CongestionController } from './congestion-controller.ts';
import { FileInput } from './file-input.ts';
import { AUDIO_FOURCC, FlvMuxer, VIDEO_FOURCC, type MuxedTag } from './flv-muxer.ts';
import { PublisherConnection, type PublisherConnectionError, type PublisherMedia } from './publisher-connection.ts';
import { PublisherErrorCode } from './publisher-errors.ts';
import { PublisherMeter } from './publisher-stats.ts';
import type { AudioSettings, ConnectSettings, MediaInput, PublisherEvent, PublisherState, VideoSettings } from './worker-protocol.ts';

export { MAX_CONNECT_ATTEMPTS, REFUSAL_WINDOW_MS } from './publisher-connection.ts';
const TICK_MS = 200;
/** Video waits this long for the source's first audio before it goes out alone, ms; audio that stops this long is reported. */
const AUDIO_WAIT_MS = 3000;

/** What {@link PublishSession} is given. */
export interface PublishSessionOptions {
  connect: ConnectSettings;
  video: VideoSettings | null;
  audio: AudioSettings | null;
  input: MediaInput;
  emit(e: PublisherEvent): void;
}

/** See the file comment. */
export class PublishSession {
  private state: PublisherState = 'idle';
  /** The connection, from start() on, once the media is set up. */
  private link: PublisherConnection | null = null;
  private tickTimer: ReturnType<typeof setInterval> | undefined;
  private capture: CaptureInput | null = null;
  private file: FileInput | null = null;
  /** Replaced in setUpMedia, once the tracks are known. */
  private muxer = new FlvMuxer({ video: null, audio: null, tag: () => {} });
  private congestion: CongestionController | null = null;
  private readonly meter = new PublisherMeter(performance.now());
  private videoCodec = '';
  private audioCodec = '';
  private audioInfo = { sampleRate: 0, channels: 0 };
  private lastDecision = { queueMs: 0, targetBps: 0 };
  /** 0: sending all video, 1: dropping non-key frames, 2: dropping all video. */
  private dropping = 0;
  /** When the first encoded video frame came (performance.now), for the audio watch. */
  private firstVideoAt: number | null = null;
  private audioStallReported = false;

  constructor(private readonly o: PublishSessionOptions) {}

  /** Starts: sets up the media, then connects. Never throws: failures go through `fail()`. */
  async start(): Promise<void> {
    this.setState('connecting');
    try {
      parseRtmpUrl(this.o.connect.url, { streamName: this.o.connect.streamKey });
      await this.setUpMedia();
    } catch (e) {
      this.fail(e instanceof RtmpError ? e.code : PublisherErrorCode.MediaError, e, true);
      return;
    }
    if (this.done) return;
    this.tickTimer = setInterval(() => this.timed(() => this.tick()), TICK_MS);
    this.connect();
  }

  /** A frame from the fallback (non-transferable stream) path. */
  pushVideo(frame: VideoFrame): void {
    if (this.capture === null) frame.close();
    else this.timed(() => this.capture!.pushVideo(frame));
  }

  /** Audio from the fallback path. */
  pushAudio(data: AudioData): void {
    if (this.capture === null) data.close();
    else this.timed(() => this.capture!.pushAudio(data));
  }

  /** Stops publishing: FCUnpublish + deleteStream, then closes everything. */
  stop(): void {
    if (this.done) return;
    if (this.link?.publishing === true) {
      try {
        this.muxer.drain();
      } catch {
        /* the connection is going anyway */
      }
    }
    this.teardown();
    this.setState('stopped');
    this.emitStats();
  }

  private get done(): boolean {
    return this.state === 'stopped' || this.state === 'error';
  }

  // ---- media ---------------------------------------------------------------

  private async setUpMedia(): Promise<void> {
    const { input } = this.o;
    const guard = (f: () => void): void => this.timed(f);
    if (input.kind === 'mp4') {
      const file = await FileInput.open(input.data, input.loop, {
        video: (f) => this.muxer.video(f),
        audio: (f) => this.muxer.audio(f),
        ended: () => this.stop(),
        guard,
      }, this.meter);
      this.file = file;
      const m = file.media;
      if (m.video !== null) this.videoCodec = m.video.codec;
      if (m.audio !== null) {
        this.audioCodec = m.audio.codec;
        this.audioInfo = { sampleRate: m.audio.sampleRate, channels: m.audio.channels };
      }
      // The muxer carries the file's tracks only: one it lacks would be waited for forever.
      this.muxer = new FlvMuxer({ video: m.video === null ? null : 'avc', audio: m.audio === null ? null : 'aac', tag: (t) => this.send(t) });
      if (m.video !== null) this.muxer.setVideoConfig(m.video.avcc);
      if (m.audio !== null) this.muxer.setAudioConfig(m.audio.asc);
      return;
    }
    const capture = new CaptureInput(input, this.o.video, this.o.audio, {
      videoConfig: (record, codec) => {
        this.videoCodec = codec;
        this.muxer.setVideoConfig(record);
      },
      audioConfig: (cfg, codec, sampleRate, channels) => {
        this.audioCodec = codec;
        this.audioInfo = { sampleRate, channels };
        this.muxer.setAudioConfig(cfg);
      },
      renditionConfig: (trackId, record) => this.muxer.setRenditionConfig(trackId, record),
      rendition: (trackId, f) => this.muxer.rendition(trackId, f),
      video: (f) => {
        this.firstVideoAt ??= performance.now();
        this.muxer.video(f);
      },
      audio: (f) => this.muxer.audio(f),
      report: (code, message) => this.o.emit({ type: 'error', code, message, fatal: false }),
      fail: (code, e) => this.fail(code, e, true),
      guard,
    }, this.meter);
    this.capture = capture;
    if (!capture.hasVideo && !capture.hasAudio) throw new Error('the source has neither video nor audio');
    this.muxer = new FlvMuxer({
      video: capture.hasVideo ? this.o.video!.codec : null,
      audio: capture.hasAudio ? this.o.audio!.codec : null,
      tag: (t) => this.send(t),
      requestKeyframe: () => capture.requestKeyframe(),
    });
    if (capture.video !== null) this.congestion = new CongestionController({ maxBps: this.o.video!.bitrateKbps * 1000 });
    this.videoCodec = await capture.start();
  }

  // ---- connection ----------------------------------------------------------

  private connect(): void {
    const { bridge } = this.o.connect;
    const media: PublisherMedia = {
      restart: () => this.muxer.restart(),
      requestKeyframe: () => this.capture?.requestKeyframe(),
      metadata: () => this.metadata(),
      sequenceHeaders: (ms) => this.muxer.sequenceHeaders(ms),
      hasVideo: this.capture?.hasVideo === true || this.file?.media.video != null,
      codecs: this.codecs(),
    };
    this.link = new PublisherConnection({
      connect: this.o.connect,
      transport: (t) => new WebSocketTransport({ bridge, ...t }),
      media,
      handlers: {
        state: (state) => {
          if (this.done) return;
          this.setState(state);
          if (state === 'publishing') this.file?.start();
        },
        status: (code, level, description) => this.o.emit({ type: 'status', code, level, description }),
        error: (e) => this.onLinkError(e),
      },
    });
    this.link.start();
  }

  /** The connection's errors: non-fatal ones pass on, the fatal one ends the session (the connection has closed itself). */
  private onLinkError(e: PublisherConnectionError): void {
    if (this.done) return;
    if (!e.fatal) {
      this.o.emit({ type: 'error', code: e.code, message: this.redact(e.message), fatal: false, ...(e.status ? { status: e.status } : {}) });
      return;
    }
    this.fail(e.code, new Error(e.message), true, e.status);
  }

  // ---- sending -------------------------------------------------------------

  private send(t: MuxedTag): void {
    const link = this.link;
    if (link === null || !link.send(t)) {
      if (t.typeId === 9 && !t.keyframe) this.meter.framesDropped++;
      return;
    }
    if (t.typeId === 9 && t.rendition === undefined) {
      this.meter.videoSent(link.bytesSent, t.queuedAt);
      this.meter.drained(link.bytesSent - link.bufferedAmount, performance.now());
    }
  }

  /** The FourCC of each track the stream carries. */
  private codecs(): { video: string | null; audio: string | null } {
    const m = this.file?.media;
    if (m !== undefined) return { video: m.video === null ? null : VideoFourCc.Avc, audio: m.audio === null ? null : AudioFourCc.Aac };
    const c = this.capture;
    return {
      video: c?.hasVideo === true && this.o.video !== null ? VIDEO_FOURCC[this.o.video.codec] : null,
      audio: c?.hasAudio === true && this.o.audio !== null ? AUDIO_FOURCC[this.o.audio.codec] : null,
    };
  }

  /** The stream's onMetaData: the file's tracks as they are, or what the encoders were set to. */
  private metadata(): Record<string, AmfValue> {
    const audio = { sampleRate: this.audioInfo.sampleRate, channels: this.audioInfo.channels };
    const m = this.file?.media;
    if (m !== undefined) {
      return buildOnMetaData({
        encoder: 'rtmp-web',
        video: m.video === null ? null : { codec: VideoFourCc.Avc, width: m.video.width, height: m.video.height, framerate: m.video.framerate },
        audio: m.audio === null ? null : { codec: AudioFourCc.Aac, ...audio },
      });
    }
    const v = this.o.video;
    const a = this.o.audio;
    const c = this.capture;
    return buildOnMetaData({
      encoder: 'rtmp-web',
      video:
        v === null || c?.video == null
          ? null
          : { codec: VIDEO_FOURCC[v.codec], width: v.width, height: v.height, framerate: v.framerate, bitrateKbps: (c.video.bitrate || v.bitrateKbps * 1000) / 1000 },
      audio: a === null || c?.hasAudio !== true || !this.muxer.hasAudio ? null : { codec: AUDIO_FOURCC[a.codec], ...audio, bitrateKbps: a.bitrateKbps },
    });
  }

  // ---- congestion and stats -----------------------------------------------

  /**
   * The source's audio never started (an AudioContext that never ran, a
   * muted device: no AudioData at all, which is not an encoder still
   * starting up): after {@link AUDIO_WAIT_MS} of video the stream goes on
   * without an audio track, rather than send nothing while it says
   * `publishing`. Audio that stopped is reported once (the video goes on:
   * the muxer waits for audio only briefly).
   */
  private watchAudio(now: number): void {
    const c = this.capture;
    if (c?.hasAudio !== true || !this.muxer.hasAudio || this.firstVideoAt === null) return;
    const lastAudioAt = c.audioArrivedAt;
    if (lastAudioAt === null) {
      if (now - this.firstVideoAt < AUDIO_WAIT_MS) return;
      this.muxer.withoutAudio();
      this.o.emit({
        type: 'error',
        code: PublisherErrorCode.AudioUnavailable,
        message: `no audio came from the source in ${AUDIO_WAIT_MS / 1000} s (an AudioContext that never ran, a muted or silent device): publishing the video alone`,
        fatal: false,
      });
      return;
    }
    if (now - lastAudioAt <= AUDIO_WAIT_MS) {
      this.audioStallReported = false;
    } else if (!this.audioStallReported) {
      this.audioStallReported = true;
      this.o.emit({ type: 'error', code: PublisherErrorCode.AudioUnavailable, message: `the source's audio stopped ${Math.round((now - lastAudioAt) / 1000)} s ago: the video goes on`, fatal: false });
    }
  }

  private tick(): void {
    const c = this.link;
    const now = performance.now();
    this.watchAudio(now);
    if (c !== null && c.publishing) {
      const buffered = c.bufferedAmount;
      const drained = c.bytesSent - buffered;
      this.meter.drained(drained, now);
      const queued = buffered + this.muxer.queuedBytes;
      if (this.congestion !== null || this.file !== null) {
        this.congestion ??= new CongestionController({ maxBps: Math.max(1_000_000, this.file!.bitrate) });
        const d = this.congestion.update(now, queued, drained);
        this.lastDecision = d;
        const capture = this.capture;
        capture?.setBitrate(d.targetBps);
        const level = d.dropKeyframes ? 2 : d.dropVideo ? 1 : 0;
        if (level !== this.dropping) {
          this.dropping = level;
          this.muxer.setDropVideo(d.dropVideo, d.dropKeyframes);
          // The picture resumes at a keyframe: ask for one now rather than wait up to an interval.
          if (level === 0) capture?.requestKeyframe();
        }
        if (d.overflow) {
          c.drop('the send queue overflowed: the link is not carrying the stream');
          return;
        }
      }
    }
    if (this.meter.sinceReport(now) >= 1000) this.emitStats();
  }

  private emitStats(): void {
    const c = this.link;
    const { stats, diagnostics } = this.meter.report(performance.now(), {
      state: this.state,
      bytesSent: c?.bytesSent ?? 0,
      bufferedAmount: c?.bufferedAmount ?? 0,
      muxerQueuedBytes: this.muxer.queuedBytes,
      muxerDropped: this.muxer.framesDropped,
      queueMs: this.lastDecision.queueMs,
      targetBps: this.capture?.video?.bitrate ?? this.lastDecision.targetBps,
      videoCodec: this.videoCodec,
      audioCodec: this.audioCodec,
      reconnects: c?.reconnects ?? 0,
      audioSkippedMs: this.capture?.audioSkippedMs ?? 0,
    });
    this.o.emit({ type: 'stats', stats, diagnostics });
  }

  // ---- plumbing ------------------------------------------------------------

  /** Runs `f`, adding its time to the busy counter and funnelling what it throws. */
  private timed(f: () => void): void {
    const t = performance.now();
    try {
      f();
    } catch (e) {
      this.fail(PublisherErrorCode.Internal, e, true);
    } finally {
      this.meter.busy(performance.now() - t);
    }
  }

  private setState(s: PublisherState): void {
    if (this.state === s) return;
    this.state = s;
    this.o.emit({ type: 'state', state: s });
  }

  /** The one failure funnel. */
  private fail(code: string, e: unknown, fatal: boolean, status?: string): void {
    if (this.done) return;
    const message = this.redact(e instanceof Error ? e.message : String(e));
    this.o.emit({ type: 'error', code, message, fatal, ...(status ? { status } : {}) });
    if (!fatal) return;
    this.teardown();
    this.setState('error');
    this.emitStats();
  }

  private teardown(): void {
    clearInterval(this.tickTimer);
    this.capture?.close();
    this.file?.close();
    // Unpublishes where it publishes and closes every client; its byte counters stay readable for the last stats.
    this.link?.stop();
  }

  /** Removes the stream key from text that may leave the worker (whole tokens, see redactStreamKey). */
  private redact(text: string): string {
    return redactStreamKey(text, this.o.connect.streamKey);
  }
}
