/**
 * Captured tracks as the publisher's media input: VideoFrames and AudioData
 * (read from transferred MediaStreamTrackProcessor streams, or pushed by the
 * page's fallback path) → the encoder stages → encoded frames on the session
 * clock, for the muxer.
 *
 * The clocks are this file's job: {@link CaptureClock} puts both tracks on
 * the session clock; video frames keep the mapping they arrived with while in
 * the encoder, and get decode times from their presentation times
 * ({@link DecodeTimeline}: an encoder with B-frames, Firefox's, emits them
 * in decode order); audio goes through {@link AudioTimeline}, which feeds the
 * encoder a gapless clock, maps packets back and bounds the audio's lag
 * (skipping, with a non-fatal `AUDIO_SKIPPED` at most every 5 s).
 */
import { RtmpError } from '@rtmp-web/core';
import { AudioEncoderStage } from './audio-encoder-stage.ts';
import { AudioTimeline } from './audio-timeline.ts';
import { CaptureClock, type ClockMapping } from './capture-clock.ts';
import { DecodeTimeline } from './decode-timeline.ts';
import type { MuxAudioFrame, MuxVideoFrame } from './flv-muxer.ts';
import { PublisherErrorCode } from './publisher-errors.ts';
import type { PublisherMeter } from './publisher-stats.ts';
import { VideoEncoderStage } from './video-encoder-stage.ts';
import type { AudioSettings, MediaInput, VideoSettings } from './worker-protocol.ts';

/** At most one AUDIO_SKIPPED event this often, ms. */
const AUDIO_SKIP_EVENT_MS = 5000;
/** Video frames followed through the encoder at most (a lost one is forgotten when the map is full). */
const MAX_ARRIVALS = 120;

/** Where {@link CaptureInput} delivers. */
export interface CaptureSink {
  /** The video decoder configuration record (avcC, hvcC, av1C, vpcC); `codec` the codec string. */
  videoConfig(record: Uint8Array, codec: string): void;
  /** An extra rendition's configuration record (track 1, 2…). */
  renditionConfig(trackId: number, record: Uint8Array): void;
  /** An extra rendition's frame. */
  rendition(trackId: number, f: MuxVideoFrame): void;
  /** The audio configuration (AudioSpecificConfig, Opus ID header). */
  audioConfig(config: Uint8Array, codec: string, sampleRate: number, channels: number): void;
  video(f: MuxVideoFrame): void;
  audio(f: MuxAudioFrame): void;
  /** A non-fatal problem (audio skipped). */
  report(code: string, message: string): void;
  /** A fatal one: the input is finished. */
  fail(code: string, e: unknown): void;
  /** Runs a callback from the browser (a frame, an encoder output): the session times it and funnels what it throws. */
  guard(f: () => void): void;
}

/** See the file comment. */
export class CaptureInput {
  private readonly clock = new CaptureClock();
  private readonly timeline = new AudioTimeline();
  private readonly arrivals = new Map<number, { at: number; mapping: ClockMapping }>();
  /** Decode times for the main encoder's output, and for each rendition's. */
  private readonly decodeTimes = new DecodeTimeline();
  private readonly renditionDecodeTimes: DecodeTimeline[];
  private readers: ReadableStreamDefaultReader<VideoFrame | AudioData>[] = [];
  private lastSkipEventAt = -Infinity;
  private closed = false;
  /** When the source last delivered audio (performance.now; null: never), whether or not the encoder could take it yet. */
  private audioArrived: number | null = null;
  /** The video encoder, when the source has video. */
  readonly video: VideoEncoderStage | null;
  /** The extra renditions' encoders (track i + 1), each fed its own copy of every frame; they keep their bitrates. */
  private readonly renditions: VideoEncoderStage[];
  private readonly audio: AudioEncoderStage | null;

  constructor(
    private readonly input: Extract<MediaInput, { kind: 'tracks' }>,
    video: VideoSettings | null,
    audio: AudioSettings | null,
    private readonly sink: CaptureSink,
    private readonly meter: PublisherMeter,
  ) {
    this.video =
      video !== null && (input.video !== undefined || input.pushedVideo === true)
        ? new VideoEncoderStage(video, {
            config: (desc, codec) => sink.videoConfig(desc, codec),
            chunk: (c) => sink.guard(() => this.onVideoChunk(c.data, c.keyframe, c.timestampUs)),
            dropped: () => meter.framesDropped++,
            error: (e) => sink.fail(encoderErrorCode(e), e),
          })
        : null;
    this.renditions =
      this.video === null || video === null
        ? []
        : video.renditions.map(
            (r, i) =>
              new VideoEncoderStage(
                { ...video, width: r.width, height: r.height, bitrateKbps: r.bitrateKbps, renditions: [] },
                {
                  config: (record) => sink.renditionConfig(i + 1, record),
                  chunk: (c) => sink.guard(() => this.onRenditionChunk(i + 1, c.data, c.keyframe, c.timestampUs)),
                  dropped: () => {},
                  error: (e) => sink.fail(encoderErrorCode(e), e),
                },
              ),
          );
    this.renditionDecodeTimes = this.renditions.map(() => new DecodeTimeline());
    this.audio =
      audio !== null && (input.audio !== undefined || input.pushedAudio === true)
        ? new AudioEncoderStage(audio, {
            config: (cfg, codec, sampleRate, channels) => sink.audioConfig(cfg, codec, sampleRate, channels),
            chunk: (c) => sink.guard(() => this.onAudioChunk(c.data, c.timestampUs, c.durationUs)),
            error: (e) => sink.fail(encoderErrorCode(e), e),
          })
        : null;
  }

  /** Whether the source has a video track, and an audio track, that will be sent. */
  get hasVideo(): boolean {
    return this.video !== null;
  }
  get hasAudio(): boolean {
    return this.audio !== null;
  }

  /** When the source last delivered audio (performance.now), null before any: a source whose audio never starts is told apart from an encoder still starting. */
  get audioArrivedAt(): number | null {
    return this.audioArrived;
  }

  /** Audio skipped so far because the encoder fell behind, ms. */
  get audioSkippedMs(): number {
    return Math.round(this.timeline.skippedTotalUs / 1000);
  }

  /**
   * Starts the video encoder (resolves with its codec string, '' without
   * video) and the read loops. Rejects with CODEC_UNSUPPORTED when the
   * browser cannot encode a codec asked for.
   */
  async start(): Promise<string> {
    await this.audio?.check();
    const codec = this.video === null ? '' : await this.video.start();
    await Promise.all(this.renditions.map((r) => r.start()));
    if (this.input.video !== undefined) void this.readLoop(this.input.video, (f) => this.onVideoFrame(f as VideoFrame));
    if (this.input.audio !== undefined) void this.readLoop(this.input.audio, (d) => this.onAudioData(d as AudioData));
    return codec;
  }

  /** The next video frame of every rendition will be a keyframe (a new connection, the end of a congestion drop). */
  requestKeyframe(): void {
    this.video?.requestKeyframe();
    for (const r of this.renditions) r.requestKeyframe();
  }

  /** Sets the main video's bitrate (congestion control; the renditions keep theirs). */
  setBitrate(bps: number): void {
    this.video?.setBitrate(bps);
  }

  /** A frame from the fallback (non-transferable stream) path. */
  pushVideo(frame: VideoFrame): void {
    this.onVideoFrame(frame);
  }

  /** Audio from the fallback path. */
  pushAudio(data: AudioData): void {
    this.onAudioData(data);
  }

  /** Stops reading and closes the encoders. */
  close(): void {
    this.closed = true;
    for (const r of this.readers) void r.cancel().catch(() => {});
    this.readers = [];
    this.video?.close();
    for (const r of this.renditions) r.close();
    this.audio?.close();
  }

  private async readLoop(stream: ReadableStream<VideoFrame | AudioData>, handle: (x: VideoFrame | AudioData) => void): Promise<void> {
    const reader = stream.getReader();
    this.readers.push(reader);
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) return;
        if (this.closed) {
          r.value.close();
          return;
        }
        this.sink.guard(() => handle(r.value));
      }
    } catch (e) {
      if (!this.closed) this.sink.fail(PublisherErrorCode.CaptureError, e);
    }
  }

  private onVideoFrame(frame: VideoFrame): void {
    if (this.video === null || this.closed) {
      frame.close();
      return;
    }
    const now = performance.now();
    const mapping = this.clock.arrive('video', frame.timestamp, now * 1000);
    if (this.arrivals.size > MAX_ARRIVALS) this.arrivals.clear();
    this.arrivals.set(frame.timestamp, { at: now, mapping });
    for (const r of this.renditions) r.encode(frame.clone());
    this.video.encode(frame);
  }

  private onAudioData(data: AudioData): void {
    if (this.audio === null || this.closed) {
      data.close();
      return;
    }
    const nowUs = performance.now() * 1000;
    this.audioArrived = nowUs / 1000;
    if (!this.audio.ready) {
      // Audio from before the encoder could take it would only go out late: the stream's audio starts when it can.
      this.audio.prepare(data);
      data.close();
      return;
    }
    const durationUs = (data.numberOfFrames / data.sampleRate) * 1e6;
    const mapping = this.clock.arrive('audio', data.timestamp, nowUs, durationUs);
    const r = this.timeline.feed(data.numberOfFrames, data.sampleRate, data.timestamp, mapping, this.clock.nowUs(nowUs));
    if (r.skip) {
      data.close();
      if (r.reason === 'behind' && r.started && nowUs / 1000 - this.lastSkipEventAt >= AUDIO_SKIP_EVENT_MS) {
        this.lastSkipEventAt = nowUs / 1000;
        this.sink.report(
          PublisherErrorCode.AudioSkipped,
          `the audio encoder fell behind real time (${Math.round(this.timeline.backlogUs / 1000)} ms waiting): audio is skipped to keep it in step with the video`,
        );
      }
      return;
    }
    this.audio.encode(data, r.encoderUs);
  }

  private onVideoChunk(data: Uint8Array, keyframe: boolean, captureUs: number): void {
    this.meter.framesEncoded++;
    const arrived = this.arrivals.get(captureUs);
    if (arrived !== undefined) {
      this.arrivals.delete(captureUs);
      this.meter.encodeLatency(performance.now() - arrived.at);
    }
    const us = arrived !== undefined ? captureUs + arrived.mapping.offsetUs : this.clock.toSession('video', captureUs);
    if (us === undefined) return;
    // Decode times are read on the capture clock, where an encoder without B-frames is monotonic
    // (the session clock's offset moves: it falls as better-timed frames arrive, and rises slowly
    // with a capture clock that runs slow; either would read as reordering).
    this.sink.video({ data, keyframe, dtsUs: this.decodeTimes.next(captureUs) + (us - captureUs), ptsUs: us });
  }

  private onRenditionChunk(trackId: number, data: Uint8Array, keyframe: boolean, captureUs: number): void {
    const us = this.clock.toSession('video', captureUs);
    if (us !== undefined) this.sink.rendition(trackId, { data, keyframe, dtsUs: this.renditionDecodeTimes[trackId - 1]!.next(captureUs) + (us - captureUs), ptsUs: us });
  }

  private onAudioChunk(data: Uint8Array, encoderUs: number, durationUs: number): void {
    const us = this.timeline.output(encoderUs, durationUs);
    if (us === undefined) return;
    // Capture of the packet's first sample → encoded, on the session clock.
    this.meter.audioLatency(this.clock.nowUs(performance.now() * 1000) / 1000 - us / 1000);
    this.sink.audio({ data, ptsUs: us });
  }
}

/** An encoder's error as a code: the core's when it is typed (a record that cannot be built, a codec it cannot carry), else ENCODER_ERROR. */
function encoderErrorCode(e: unknown): string {
  return e instanceof RtmpError ? e.code : PublisherErrorCode.EncoderError;
}
