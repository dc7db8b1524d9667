/**
 * One publishing session, inside the worker: media in (captured tracks or an
 * MP4 file), RTMP out, with reconnects and congestion control.
 *
 * ```
 * ReadableStream<VideoFrame> ─▶ VideoEncoderStage ─┐
 * ReadableStream<AudioData>  ─▶ AudioEncoderStage ─┼─▶ FlvMuxer ─▶ PublisherConnection ─▶ RtmpConnection ─▶ WebSocket
 * MP4 (mp4box) ─▶ Mp4Pacer ─────────────────────────┘        ▲
 *                         CongestionController (every 200 ms) ┘ bitrate / drop video
 * ```
 *
 * States: connecting → publishing ⇄ reconnecting → stopped | error. The
 * connection, its reconnects, refusals and the reconnect request's move are
 * {@link PublisherConnection}'s; this file is the media and the stats. One
 * `fail()` funnel ends the session; every error passes through `redact()` so
 * the stream key never leaves the worker.
 */
import { RtmpError, RtmpErrorCode, type AmfValue } from '@rtmp-web/core';
import { parseRtmpUrl, redactStreamKey } from '@rtmp-web/core';
import { WebSocketTransport } from '@rtmp-web/transport/websocket';
import { AudioEncoderStage } from './audio-encoder-stage.ts';
import { AudioTimeline } from './audio-timeline.ts';
import { CaptureClock, type ClockMapping } from './capture-clock.ts';
import { CongestionController } from './congestion-controller.ts';
import { FlvMuxer, type MuxedTag } from './flv-muxer.ts';
import type { Mp4Media, Mp4Sample } from './mp4-source.ts';
import { Mp4Pacer } from './mp4-pacer.ts';
import { PublisherConnection, type PublisherConnectionError, type PublisherMedia } from './publisher-connection.ts';
import { VideoEncoderStage } from './video-encoder-stage.ts';
import type {
  AudioSettings,
  ConnectSettings,
  MediaInput,
  PublisherDiagnostics,
  PublisherEvent,
  PublisherState,
  PublisherStats,
  VideoSettings,
} from './worker-protocol.ts';
import { PublisherErrorCode } from './publisher-errors.ts';

export { MAX_CONNECT_ATTEMPTS, REFUSAL_WINDOW_MS } from './publisher-connection.ts';
const TICK_MS = 200;
/** At most one AUDIO_SKIPPED event this often, ms. */
const AUDIO_SKIP_EVENT_MS = 5000;

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
  private paceTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly clock = new CaptureClock();
  private readonly audioTimeline = new AudioTimeline();
  private lastSkipEventAt = -Infinity;
  private video: VideoEncoderStage | null = null;
  private audio: AudioEncoderStage | null = null;
  /** Replaced in setUpMedia, once the tracks are known. */
  private muxer = new FlvMuxer({ video: null, audio: null, tag: () => {} });
  private congestion: CongestionController | null = null;
  private readers: ReadableStreamDefaultReader<VideoFrame | AudioData>[] = [];
  private mp4: Mp4Media | null = null;
  private videoCodec = '';
  private audioCodec = '';
  private audioInfo = { sampleRate: 0, channels: 0 };
  // stats
  private framesEncoded = 0;
  private framesDroppedHere = 0;
  private videoTagsSent = 0;
  private lastStatsAt = 0;
  private lastStatsBytes = 0;
  private lastStatsTags = 0;
  private lastDecision = { queueMs: 0, targetBps: 0 };
  private readonly sentLog: { end: number; at: number }[] = [];
  private readonly sendLatencies: number[] = [];
  private readonly encodeLatencies: number[] = [];
  private readonly audioLatencies: number[] = [];
  /** Video frames in the encoder: capture timestamp → arrival and clock mapping. */
  private readonly arrivals = new Map<number, { at: number; mapping: ClockMapping }>();
  private busyMs = 0;
  /** 0: sending all video, 1: dropping non-key frames, 2: dropping all video. */
  private dropping = 0;

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
    this.tickTimer = setInterval(() => this.timed(() => this.tick()), TICK_MS);
    this.lastStatsAt = performance.now();
    this.connect();
  }

  /** A frame from the fallback (non-transferable stream) path. */
  pushVideo(frame: VideoFrame): void {
    this.timed(() => this.onVideoFrame(frame));
  }

  /** Audio from the fallback path. */
  pushAudio(data: AudioData): void {
    this.timed(() => this.onAudioData(data));
  }

  /** Stops publishing: FCUnpublish + deleteStream, then closes everything. */
  stop(): void {
    if (this.state === 'stopped' || this.state === 'error') return;
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

  // ---- media ---------------------------------------------------------------

  private async setUpMedia(): Promise<void> {
    const { input } = this.o;
    if (input.kind === 'mp4') {
      // mp4box is most of the worker's size and only files need it.
      const { demuxMp4 } = await import('./mp4-source.ts');
      const m = await demuxMp4(input.data);
      this.mp4 = m;
      if (m.video !== null) this.videoCodec = m.video.codec;
      if (m.audio !== null) {
        this.audioCodec = m.audio.codec;
        this.audioInfo = { sampleRate: m.audio.sampleRate, channels: m.audio.channels };
      }
      // The muxer carries the file's tracks only: one it lacks would be waited for forever.
      this.muxer = this.muxerForFile(m);
      return;
    }
    const v = this.o.video;
    if (v !== null && (input.video !== undefined || input.pushedVideo === true)) {
      this.video = new VideoEncoderStage(v, {
        config: (desc, codec) => {
          this.videoCodec = codec;
          if (desc === null) return this.fail(RtmpErrorCode.CodecUnsupported, new Error(`the ${codec} encoder gave no decoder configuration`), true);
          this.muxer.setVideoConfig(desc);
        },
        chunk: (c) => this.timed(() => this.onVideoChunk(c.data, c.keyframe, c.timestampUs)),
        dropped: () => this.framesDroppedHere++,
        error: (e) => this.fail(PublisherErrorCode.EncoderError, e, true),
      });
      this.videoCodec = await this.video.start();
      this.congestion = new CongestionController({ maxBps: v.bitrateKbps * 1000 });
    }
    const a = this.o.audio;
    if (a !== null && (input.audio !== undefined || input.pushedAudio === true)) {
      this.audio = new AudioEncoderStage(a, {
        config: (cfg, codec, sampleRate, channels) => {
          this.audioCodec = codec;
          this.audioInfo = { sampleRate, channels };
          this.muxer.setAudioConfig(cfg);
        },
        chunk: (c) => this.timed(() => this.onAudioChunk(c.data, c.timestampUs, c.durationUs)),
        error: (e) => this.fail(PublisherErrorCode.EncoderError, e, true),
      });
    }
    this.muxer = new FlvMuxer({
      video: this.video === null ? null : v!.codec,
      audio: this.audio === null ? null : a!.codec,
      tag: (t) => this.send(t),
      requestKeyframe: () => this.video?.requestKeyframe(),
    });
    if (this.video === null && this.audio === null) throw new Error('the source has neither video nor audio');
    if (input.video !== undefined) void this.readLoop(input.video, (f) => this.onVideoFrame(f as VideoFrame));
    if (input.audio !== undefined) void this.readLoop(input.audio, (d) => this.onAudioData(d as AudioData));
  }

  private muxerForFile(m: Mp4Media): FlvMuxer {
    const mux = new FlvMuxer({
      video: m.video === null ? null : 'avc',
      audio: m.audio === null ? null : 'aac',
      tag: (t) => this.send(t),
    });
    if (m.video !== null) mux.setVideoConfig(m.video.avcc);
    if (m.audio !== null) mux.setAudioConfig(m.audio.asc);
    return mux;
  }

  private async readLoop(stream: ReadableStream<VideoFrame | AudioData>, handle: (x: VideoFrame | AudioData) => void): Promise<void> {
    const reader = stream.getReader();
    this.readers.push(reader);
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) return;
        if (this.state === 'stopped' || this.state === 'error') {
          r.value.close();
          return;
        }
        this.timed(() => handle(r.value));
      }
    } catch (e) {
      if (this.state !== 'stopped' && this.state !== 'error') this.fail(PublisherErrorCode.CaptureError, e, true);
    }
  }

  private onVideoFrame(frame: VideoFrame): void {
    if (this.video === null || this.state === 'stopped' || this.state === 'error') {
      frame.close();
      return;
    }
    const now = performance.now();
    const mapping = this.clock.arrive('video', frame.timestamp, now * 1000);
    if (this.arrivals.size > 120) this.arrivals.clear();
    this.arrivals.set(frame.timestamp, { at: now, mapping });
    this.video.encode(frame);
  }

  private onAudioData(data: AudioData): void {
    if (this.audio === null || this.state === 'stopped' || this.state === 'error') {
      data.close();
      return;
    }
    const nowUs = performance.now() * 1000;
    if (!this.audio.ready) {
      // Audio from before the encoder could take it would only go out late: the stream's audio starts when it can.
      this.audio.prepare(data);
      data.close();
      return;
    }
    const durationUs = (data.numberOfFrames / data.sampleRate) * 1e6;
    const mapping = this.clock.arrive('audio', data.timestamp, nowUs, durationUs);
    const r = this.audioTimeline.feed(data.numberOfFrames, data.sampleRate, data.timestamp, mapping, this.clock.nowUs(nowUs));
    if (r.skip) {
      data.close();
      if (r.reason === 'behind' && r.started && nowUs / 1000 - this.lastSkipEventAt >= AUDIO_SKIP_EVENT_MS) {
        this.lastSkipEventAt = nowUs / 1000;
        this.o.emit({
          type: 'error',
          code: PublisherErrorCode.AudioSkipped,
          message: `the audio encoder fell behind real time (${Math.round(this.audioTimeline.backlogUs / 1000)} ms waiting): audio is skipped to keep it in step with the video`,
          fatal: false,
        });
      }
      return;
    }
    this.audio.encode(data, r.encoderUs);
  }

  private onVideoChunk(data: Uint8Array, keyframe: boolean, captureUs: number): void {
    this.framesEncoded++;
    const arrived = this.arrivals.get(captureUs);
    if (arrived !== undefined) {
      this.arrivals.delete(captureUs);
      pushBounded(this.encodeLatencies, performance.now() - arrived.at);
    }
    const us = arrived !== undefined ? captureUs + arrived.mapping.offsetUs : this.clock.toSession('video', captureUs);
    if (us === undefined) return;
    this.muxer.video({ data, keyframe, dtsUs: us });
  }

  private onAudioChunk(data: Uint8Array, encoderUs: number, durationUs: number): void {
    const us = this.audioTimeline.output(encoderUs, durationUs);
    if (us === undefined) return;
    // Capture of the packet's first sample → encoded, on the session clock.
    pushBounded(this.audioLatencies, this.clock.nowUs(performance.now() * 1000) / 1000 - us / 1000);
    this.muxer.audio({ data, ptsUs: us });
  }

  /** File input: hands due samples to the muxer, then sleeps until the next one is due. */
  private startPacing(): void {
    const m = this.mp4;
    if (m === null || this.paceTimer !== undefined) return;
    const loop = this.o.input.kind === 'mp4' && this.o.input.loop;
    const pacer = new Mp4Pacer<Mp4Sample>(m.samples, m.durationUs, loop);
    const t0 = performance.now();
    const step = (): void => {
      this.paceTimer = undefined;
      if (this.state === 'stopped' || this.state === 'error') return;
      const elapsedUs = (performance.now() - t0) * 1000;
      this.timed(() => {
        for (const d of pacer.due(elapsedUs)) {
          const s = d.sample;
          if (s.kind === 'video') {
            this.framesEncoded++;
            this.muxer.video({ data: s.data, keyframe: s.keyframe, dtsUs: d.offsetUs, ptsUs: d.offsetUs + (s.ptsUs - s.dtsUs) });
          } else {
            this.muxer.audio({ data: s.data, ptsUs: d.offsetUs });
          }
        }
      });
      if (pacer.done) {
        // The whole file went out: finish like FFmpeg does at the end of its input.
        this.paceTimer = setTimeout(() => this.stop(), 500);
        return;
      }
      this.paceTimer = setTimeout(step, Math.max(1, Math.min(50, pacer.nextDueInUs((performance.now() - t0) * 1000) / 1000)));
    };
    step();
  }

  // ---- connection ----------------------------------------------------------

  private connect(): void {
    const { bridge } = this.o.connect;
    const media: PublisherMedia = {
      restart: () => this.muxer.restart(),
      requestKeyframe: () => this.video?.requestKeyframe(),
      metadata: () => this.metadata(),
      sequenceHeaders: (ms) => this.muxer.sequenceHeaders(ms),
      hasVideo: this.video !== null || this.mp4?.video != null,
    };
    this.link = new PublisherConnection({
      connect: this.o.connect,
      transport: (t) => new WebSocketTransport({ bridge, ...t }),
      media,
      handlers: {
        state: (state) => {
          if (this.state === 'stopped' || this.state === 'error') return;
          this.setState(state);
          if (state === 'publishing') this.startPacing();
        },
        status: (code, level, description) => this.o.emit({ type: 'status', code, level, description }),
        error: (e) => this.onLinkError(e),
      },
    });
    this.link.start();
  }

  /** The connection's errors: non-fatal ones pass on, the fatal one ends the session (the connection has closed itself). */
  private onLinkError(e: PublisherConnectionError): void {
    if (this.state === 'stopped' || this.state === 'error') return;
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
      if (t.typeId === 9 && !t.keyframe) this.framesDroppedHere++;
      return;
    }
    if (t.typeId === 9) {
      this.videoTagsSent++;
      if (this.sentLog.length < 600) this.sentLog.push({ end: link.bytesSent, at: t.queuedAt });
      this.measureDrained(link);
    }
  }

  private metadata(): Record<string, AmfValue> {
    const md: Record<string, AmfValue> = { encoder: 'rtmp-web' };
    const v = this.o.video;
    const m = this.mp4;
    if (m?.video) {
      Object.assign(md, { width: m.video.width, height: m.video.height, framerate: Math.round(m.video.framerate * 1000) / 1000, videocodecid: 7 });
    } else if (v !== null && this.video !== null) {
      Object.assign(md, {
        width: v.width,
        height: v.height,
        framerate: v.framerate,
        videodatarate: Math.round((this.video.bitrate || v.bitrateKbps * 1000) / 1000),
        videocodecid: v.codec === 'avc' ? 7 : fourCcNumber(v.codec === 'av1' ? 'av01' : 'vp09'),
      });
    }
    const hasAudio = m !== null ? m.audio !== null : this.audio !== null;
    if (hasAudio) {
      const opus = m === null && this.o.audio?.codec === 'opus';
      Object.assign(md, {
        audiocodecid: opus ? fourCcNumber('Opus') : 10,
        audiosamplerate: this.audioInfo.sampleRate,
        audiosamplesize: 16,
        stereo: this.audioInfo.channels > 1,
      });
      if (this.o.audio !== null && m === null) md.audiodatarate = this.o.audio.bitrateKbps;
    }
    return md;
  }

  // ---- congestion and stats -----------------------------------------------

  private tick(): void {
    const c = this.link;
    const now = performance.now();
    if (c !== null && c.publishing) {
      const buffered = c.bufferedAmount;
      const drained = c.bytesSent - buffered;
      this.measureDrained(c);
      const queued = buffered + this.muxer.queuedBytes;
      if (this.congestion !== null || this.mp4 !== null) {
        this.congestion ??= new CongestionController({ maxBps: Math.max(1_000_000, this.fileBitrate()) });
        const d = this.congestion.update(now, queued, drained);
        this.lastDecision = d;
        this.video?.setBitrate(d.targetBps);
        const level = d.dropKeyframes ? 2 : d.dropVideo ? 1 : 0;
        if (level !== this.dropping) {
          this.dropping = level;
          this.muxer.setDropVideo(d.dropVideo, d.dropKeyframes);
          // The picture resumes at a keyframe: ask for one now rather than wait up to an interval.
          if (level === 0) this.video?.requestKeyframe();
        }
        if (d.overflow) {
          c.drop('the send queue overflowed: the link is not carrying the stream');
          return;
        }
      }
    }
    if (now - this.lastStatsAt >= 1000) this.emitStats();
  }

  /** Send latency: tags whose last byte has left the WebSocket buffer, from when they reached the muxer. */
  private measureDrained(c: PublisherConnection): void {
    const drained = c.bytesSent - c.bufferedAmount;
    const now = performance.now();
    while (this.sentLog.length > 0 && this.sentLog[0]!.end <= drained) {
      pushBounded(this.sendLatencies, now - this.sentLog.shift()!.at);
    }
  }

  private fileBitrate(): number {
    const m = this.mp4;
    if (m === null || m.durationUs <= 0) return 0;
    let bytes = 0;
    for (const s of m.samples) bytes += s.data.length;
    return (bytes * 8) / (m.durationUs / 1e6);
  }

  private emitStats(): void {
    const now = performance.now();
    const dt = Math.max(1, now - this.lastStatsAt);
    const c = this.link;
    const drained = c === null ? 0 : c.bytesSent - c.bufferedAmount;
    const stats: PublisherStats = {
      state: this.state,
      bytesSent: drained,
      bitrateKbps: Math.round(((drained - this.lastStatsBytes) * 8) / dt),
      fps: Math.round(((this.videoTagsSent - this.lastStatsTags) * 1000) / dt),
      framesEncoded: this.framesEncoded,
      framesDropped: this.framesDroppedHere + this.muxer.framesDropped,
      queueMs: this.lastDecision.queueMs,
      videoCodec: this.videoCodec,
      audioCodec: this.audioCodec,
      reconnects: this.link?.reconnects ?? 0,
      audioLatencyMs: median(this.audioLatencies),
      audioSkippedMs: Math.round(this.audioTimeline.skippedTotalUs / 1000),
    };
    const diagnostics: PublisherDiagnostics = {
      targetKbps: Math.round((this.video?.bitrate ?? this.lastDecision.targetBps) / 1000),
      workerBusyPercent: Math.round((this.busyMs / dt) * 1000) / 10,
      sendLatencyMs: median(this.sendLatencies),
      encodeLatencyMs: median(this.encodeLatencies),
      queuedBytes: (c?.bufferedAmount ?? 0) + this.muxer.queuedBytes,
    };
    this.sendLatencies.length = 0;
    this.encodeLatencies.length = 0;
    this.audioLatencies.length = 0;
    this.busyMs = 0;
    this.lastStatsAt = now;
    this.lastStatsBytes = drained;
    this.lastStatsTags = this.videoTagsSent;
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
      this.busyMs += performance.now() - t;
    }
  }

  private setState(s: PublisherState): void {
    if (this.state === s) return;
    this.state = s;
    this.o.emit({ type: 'state', state: s });
  }

  /** The one failure funnel. */
  private fail(code: string, e: unknown, fatal: boolean, status?: string): void {
    if (this.state === 'stopped' || this.state === 'error') return;
    const message = this.redact(e instanceof Error ? e.message : String(e));
    this.o.emit({ type: 'error', code, message, fatal, ...(status ? { status } : {}) });
    if (!fatal) return;
    this.teardown();
    this.setState('error');
    this.emitStats();
  }

  private teardown(): void {
    clearInterval(this.tickTimer);
    clearTimeout(this.paceTimer);
    this.paceTimer = undefined;
    for (const r of this.readers) void r.cancel().catch(() => {});
    this.readers = [];
    this.video?.close();
    this.audio?.close();
    // Unpublishes where it publishes and closes every client; its byte counters stay readable for the last stats.
    this.link?.stop();
  }

  /** Removes the stream key from text that may leave the worker (whole tokens, see redactStreamKey). */
  private redact(text: string): string {
    return redactStreamKey(text, this.o.connect.streamKey);
  }
}

function pushBounded(a: number[], v: number): void {
  if (a.length < 1000) a.push(v);
}

function median(a: number[]): number {
  if (a.length === 0) return 0;
  const s = [...a].sort((x, y) => x - y);
  return Math.round(s[Math.floor(s.length / 2)]! * 10) / 10;
}

function fourCcNumber(s: string): number {
  return ((s.charCodeAt(0) << 24) | (s.charCodeAt(1) << 16) | (s.charCodeAt(2) << 8) | s.charCodeAt(3)) >>> 0;
}
