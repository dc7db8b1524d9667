/**
 * One publishing session, inside the worker: media in (captured tracks or an
 * MP4 file), RTMP out, with reconnects and congestion control.
 *
 * ```
 * ReadableStream<VideoFrame> ─▶ VideoEncoderStage ─┐
 * ReadableStream<AudioData>  ─▶ AudioEncoderStage ─┼─▶ FlvMuxer ─▶ RtmpClient.session.sendMedia ─▶ WebSocket
 * MP4 (mp4box) ─▶ Mp4Pacer ─────────────────────────┘        ▲
 *                         CongestionController (every 200 ms) ┘ bitrate / drop video
 * ```
 *
 * States: connecting → publishing ⇄ reconnecting → stopped | error. One
 * `fail()` funnel ends the session; every error passes through `redact()` so
 * the stream key never leaves the worker.
 *
 * Refusals are fatal, never retried: an error status on publish
 * (NetStream.Publish.BadName…), a connect rejection, or the server closing
 * the connection during `publish` or within {@link REFUSAL_WINDOW_MS} after
 * Publish.Start (nginx-rtmp drops the connection when `on_publish` answers
 * non-2xx; node-media-server closes it after Publish.Start on a failed auth).
 */
import { backoffDelay, RtmpClient, RtmpError, RtmpErrorCode, type AmfValue, type RtmpStatus } from '@rtmp-web/core';
import { parseRtmpUrl, redactStreamKey } from '@rtmp-web/core';
import { WebSocketTransport } from '@rtmp-web/transport/websocket';
import { AudioEncoderStage } from './audio-encoder-stage.ts';
import { AudioTimeline } from './audio-timeline.ts';
import { CaptureClock, type ClockMapping } from './capture-clock.ts';
import { CongestionController } from './congestion-controller.ts';
import { FlvMuxer, type MuxedTag } from './flv-muxer.ts';
import type { Mp4Media, Mp4Sample } from './mp4-source.ts';
import { Mp4Pacer } from './mp4-pacer.ts';
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

/** A close this soon after Publish.Start is a refusal, not a network drop. */
export const REFUSAL_WINDOW_MS = 3000;
/** Failed connection attempts in a row before we give up. */
export const MAX_CONNECT_ATTEMPTS = 8;
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

type Phase = 'transport' | 'connected' | 'publishing';

/** See the file comment. */
export class PublishSession {
  private state: PublisherState = 'idle';
  private client: RtmpClient | null = null;
  private streamId = 0;
  private phase: Phase = 'transport';
  private publishedAt = 0;
  private attempts = 0;
  private reconnects = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private tickTimer: ReturnType<typeof setInterval> | undefined;
  private paceTimer: ReturnType<typeof setTimeout> | undefined;
  private metadataSent = false;
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
  private bytesBase = 0;
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
      this.fail(e instanceof RtmpError ? e.code : 'MEDIA_ERROR', e, true);
      return;
    }
    this.tickTimer = setInterval(() => this.timed(() => this.tick()), TICK_MS);
    this.lastStatsAt = performance.now();
    void this.connect();
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
    const c = this.client;
    if (c !== null && this.phase === 'publishing') {
      try {
        this.muxer.drain();
        c.session.unpublish(this.streamId, this.o.connect.streamKey);
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
        error: (e) => this.fail('ENCODER_ERROR', e, true),
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
        error: (e) => this.fail('ENCODER_ERROR', e, true),
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
      if (this.state !== 'stopped' && this.state !== 'error') this.fail('CAPTURE_ERROR', e, true);
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
          code: 'AUDIO_SKIPPED',
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

  private async connect(): Promise<void> {
    const { url, streamKey, bridge } = this.o.connect;
    this.phase = 'transport';
    this.metadataSent = false;
    let client: RtmpClient;
    try {
      const parsed = parseRtmpUrl(url, { streamName: streamKey });
      client = new RtmpClient({
        url,
        streamName: streamKey,
        transport: new WebSocketTransport({ bridge, host: parsed.host, port: parsed.port, tls: parsed.secure }),
        timeoutMs: 10_000,
      });
    } catch (e) {
      this.fail(e instanceof RtmpError ? e.code : 'URL_INVALID', e, true);
      return;
    }
    this.client = client;
    client.on('status', (s: RtmpStatus) => {
      if (this.client !== client) return;
      this.o.emit({ type: 'status', code: s.code, level: s.level, description: this.redact(s.description) });
    });
    client.on('close', ({ error }) => {
      if (this.client !== client) return;
      this.onClosed(error);
    });
    try {
      await client.connect();
      if (this.client !== client) return;
      this.phase = 'connected';
      this.streamId = await client.publish(streamKey, 'live');
      if (this.client !== client) return;
    } catch (e) {
      if (this.client !== client) return;
      this.onConnectFailed(e);
      return;
    }
    this.phase = 'publishing';
    this.publishedAt = performance.now();
    if (this.state === 'reconnecting') this.reconnects++;
    this.attempts = 0;
    this.muxer.restart();
    this.video?.requestKeyframe();
    this.setState('publishing');
    this.startPacing();
  }

  private onConnectFailed(e: unknown): void {
    const err = e instanceof RtmpError ? e : new RtmpError(RtmpErrorCode.TransportError, String(e), { cause: e });
    const phase = this.phase;
    this.dropClient();
    if (err.code === RtmpErrorCode.StreamFailed) {
      const status = typeof err.details?.code === 'string' ? err.details.code : '';
      return this.fail(RtmpErrorCode.PublishRefused, new Error(`the server refused the publish: ${err.message}`), true, status);
    }
    if (err.code === RtmpErrorCode.ConnectRejected || err.code === RtmpErrorCode.UrlInvalid) {
      const status = typeof err.details?.code === 'string' ? err.details.code : undefined;
      return this.fail(err.code, err, true, status);
    }
    if (err.details?.opened === false && this.publishedAt === 0) {
      // The first start, and the bridge never took the WebSocket: it is not
      // running, or it refuses this target or page (a browser shows neither
      // the bridge's 403 nor its reason). Retrying cannot change its mind.
      return this.fail(
        'BRIDGE_UNAVAILABLE',
        new Error(`the bridge refused the connection or is unreachable (is the server on its allowlist, and this page's origin allowed?): ${err.message}`),
        true,
      );
    }
    if (phase === 'connected') {
      // connect succeeded and the server hung up on publish: nginx-rtmp does
      // exactly this when on_publish answers 403.
      return this.fail(RtmpErrorCode.PublishRefused, new Error(`the server closed the connection when asked to publish (${err.message})`), true);
    }
    this.retry(err);
  }

  private onClosed(error: RtmpError | null): void {
    if (this.state === 'stopped' || this.state === 'error') return;
    if (this.phase !== 'publishing') return; // connect() is still running and will see the failure
    const err = error ?? new RtmpError(RtmpErrorCode.TransportClosed, 'the server closed the connection');
    this.dropClient();
    if (performance.now() - this.publishedAt < REFUSAL_WINDOW_MS && this.reconnects === 0) {
      // node-media-server answers a bad key with Publish.Start and closes at once.
      return this.fail(RtmpErrorCode.PublishRefused, new Error(`the server closed the connection right after Publish.Start (${err.message}): the stream key was probably refused`), true);
    }
    this.retry(err);
  }

  private retry(err: RtmpError): void {
    this.attempts++;
    if (this.attempts > MAX_CONNECT_ATTEMPTS) {
      return this.fail(err.code, new Error(`gave up after ${MAX_CONNECT_ATTEMPTS} attempts: ${err.message}`), true);
    }
    this.o.emit({ type: 'error', code: err.code, message: this.redact(err.message), fatal: false });
    this.setState(this.reconnects === 0 && this.publishedAt === 0 ? 'connecting' : 'reconnecting');
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.connect(), backoffDelay(this.attempts - 1, { baseMs: 500, maxMs: 5000 }));
  }

  private dropClient(): void {
    const c = this.client;
    this.client = null;
    this.phase = 'transport';
    if (c !== null) {
      this.bytesBase += c.session.bytesSent;
      c.close();
    }
  }

  // ---- sending -------------------------------------------------------------

  private send(t: MuxedTag): void {
    const c = this.client;
    if (c === null || this.phase !== 'publishing') {
      if (t.typeId === 9 && !t.keyframe) this.framesDroppedHere++;
      return;
    }
    try {
      if (!this.metadataSent) {
        this.metadataSent = true;
        c.session.sendMetadata(this.streamId, this.metadata());
      }
      c.session.sendMedia(this.streamId, t.typeId, t.timestampMs, t.body);
    } catch {
      // The session died under us; its close event starts the reconnect.
      return;
    }
    if (t.typeId === 9) {
      this.videoTagsSent++;
      if (this.sentLog.length < 600) this.sentLog.push({ end: c.session.bytesSent, at: t.queuedAt });
      this.measureDrained(c);
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
    const c = this.client;
    const now = performance.now();
    if (c !== null && this.phase === 'publishing') {
      const buffered = c.bufferedAmount;
      const sent = c.session.bytesSent;
      const drained = sent - buffered;
      this.measureDrained(c);
      const queued = buffered + this.muxer.queuedBytes;
      if (this.congestion !== null || this.mp4 !== null) {
        this.congestion ??= new CongestionController({ maxBps: Math.max(1_000_000, this.fileBitrate()) });
        const d = this.congestion.update(now, queued, this.bytesBase + drained);
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
          this.dropClient();
          this.retry(new RtmpError(RtmpErrorCode.TransportError, 'the send queue overflowed: the link is not carrying the stream'));
          return;
        }
      }
    }
    if (now - this.lastStatsAt >= 1000) this.emitStats();
  }

  /** Send latency: tags whose last byte has left the WebSocket buffer, from when they reached the muxer. */
  private measureDrained(c: RtmpClient): void {
    const drained = c.session.bytesSent - c.bufferedAmount;
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
    const c = this.client;
    const drained = this.bytesBase + (c === null ? 0 : c.session.bytesSent - c.bufferedAmount);
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
      reconnects: this.reconnects,
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
      this.fail('INTERNAL_ERROR', e, true);
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
    this.dropClient();
    this.teardown();
    this.setState('error');
    this.emitStats();
  }

  private teardown(): void {
    clearInterval(this.tickTimer);
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.paceTimer);
    this.paceTimer = undefined;
    for (const r of this.readers) void r.cancel().catch(() => {});
    this.readers = [];
    this.video?.close();
    this.audio?.close();
    const c = this.client;
    this.client = null;
    if (c !== null) {
      this.bytesBase += c.session.bytesSent;
      c.close();
    }
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
