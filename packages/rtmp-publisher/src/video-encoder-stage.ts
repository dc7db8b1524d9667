/**
 * The video encoding stage: VideoFrame in, encoded frames out, with WebCodecs'
 * VideoEncoder in realtime, constant-bitrate mode.
 *
 * - H.264 in `avc` format and HEVC in `hevc` format, so chunks are
 *   length-prefixed NAL units (what FLV carries) and
 *   `decoderConfig.description` is the avcC / hvcC for the sequence header
 *   (ISO 14496-15). VP9 and AV1 come with no description (Chromium): the
 *   core builds their vpcC / av1C (`videoConfigRecord`), the av1C from the
 *   first keyframe's sequence header OBU. An H.264 keyframe that carries
 *   its SPS and PPS in band (Firefox's do) gives the avcC instead:
 *   {@link avcConfigFromKeyframe}.
 * - Keyframes every `keyframeIntervalS` of input time, and on request (a new
 *   connection or the end of a congestion drop needs one to start from):
 *   {@link KeyframeSchedule}.
 * - The bitrate can change at any time: `configure()` again with the new
 *   bitrate, which Chromium applies without a keyframe (OBS's dynamic bitrate
 *   does the same with x264's reconfig).
 * - Frames beyond the configured frame rate (on average, allowing capture
 *   jitter: {@link FrameRateLimiter}) are skipped, and frames that arrive
 *   while the encoder has stayed backed up are dropped: a realtime encoder
 *   that falls behind must not buffer, but a queue that is deep for a
 *   moment (Firefox's encoder takes frames in bursts) loses nothing
 *   ({@link EncodeQueueGuard}).
 */
import {
  avcNaluType,
  buildAvcDecoderConfigurationRecord,
  isNalLengthSize,
  iterateNalus,
  RtmpError,
  RtmpErrorCode,
  SUPPORT_CHECK_TIMEOUT_MS,
  TIMED_OUT,
  videoConfigRecord,
  within,
} from '@rtmp-web/core';
import { copyBufferSource } from './buffer-source.ts';
import { EncodeQueueGuard, FrameRateLimiter, KeyframeSchedule } from './frame-schedule.ts';
import type { VideoSettings } from './worker-protocol.ts';

/** An encoded video frame. */
export interface EncodedVideo {
  data: Uint8Array;
  keyframe: boolean;
  /** On the input's clock, µs. */
  timestampUs: number;
}

/** Callbacks of {@link VideoEncoderStage}. */
export interface VideoStageHandlers {
  /** A new decoder configuration record (avcC, hvcC, av1C, vpcC); `codec` is the codec string. Before the frames that need it. */
  config(record: Uint8Array, codec: string): void;
  chunk(c: EncodedVideo): void;
  /** A frame was dropped before encoding because the encoder was backed up. */
  dropped(): void;
  error(e: unknown): void;
}

/** An H.264 level that fits `width`×`height` at `fps` (Table A-1 of H.264): the smallest of 3.0, 3.1, 4.0, 4.2, 5.1. */
export function avcLevelFor(width: number, height: number, fps: number): number {
  const mbs = Math.ceil(width / 16) * Math.ceil(height / 16);
  const mbps = mbs * fps;
  if (mbs <= 1620 && mbps <= 40500) return 0x1e;
  if (mbs <= 3600 && mbps <= 108000) return 0x1f;
  if (mbs <= 8192 && mbps <= 245760) return 0x28;
  if (mbs <= 8704 && mbps <= 522240) return 0x2a;
  return 0x33;
}

/** Codec strings to try, best first. */
export function codecCandidates(s: VideoSettings): string[] {
  if (s.codec === 'avc') {
    const level = avcLevelFor(s.width, s.height, s.framerate).toString(16).toUpperCase().padStart(2, '0');
    // High first (better compression), then Constrained Baseline, which every encoder has.
    return [`avc1.6400${level}`, `avc1.4D00${level}`, `avc1.42E0${level}`];
  }
  if (s.codec === 'hevc') return [`hvc1.1.6.L${hevcLevelFor(s.width, s.height, s.framerate)}.B0`];
  if (s.codec === 'av1') return ['av01.0.08M.08', 'av01.0.04M.08'];
  return ['vp09.00.31.08', 'vp09.00.10.08'];
}

/** An HEVC Main-tier level × 30 that fits `width`×`height` at `fps` (H.265 Table A.8): 3.1, 4.0, 4.1 or 5.1. */
export function hevcLevelFor(width: number, height: number, fps: number): number {
  const ps = width * height;
  const sps = ps * fps;
  if (ps <= 983_040 && sps <= 33_177_600) return 93;
  if (ps <= 2_228_224 && sps <= 66_846_720) return 120;
  if (ps <= 2_228_224 && sps <= 133_693_440) return 123;
  return 153;
}

/**
 * The avcC for an H.264 keyframe (length-prefixed, the NAL length size
 * `description`'s, else 4) built from the SPS and PPS it carries in band,
 * or null when it carries none (Chromium's keyframes) or cannot be split.
 *
 * Why: Firefox ESR 153's `decoderConfig.description` writes each parameter
 * set's NAL header byte twice (`00 18 67 67 42 c0 1f …`, the length counting
 * the extra byte), which FFmpeg rejects ("sps_id 1 out of range") while its
 * keyframes carry the right SPS and PPS. Those are what the keyframe was
 * encoded with, so they are the better source wherever they are present.
 */
export function avcConfigFromKeyframe(keyframe: Uint8Array, description: Uint8Array | null): Uint8Array | null {
  const lengthSize = description !== null && description.length > 4 ? (description[4]! & 0x03) + 1 : 4;
  if (!isNalLengthSize(lengthSize)) return null;
  const sps: Uint8Array[] = [];
  const pps: Uint8Array[] = [];
  try {
    for (const nalu of iterateNalus(keyframe, lengthSize)) {
      const type = avcNaluType(nalu);
      if (type === 7) sps.push(nalu);
      else if (type === 8) pps.push(nalu);
    }
    if (sps.length === 0 || pps.length === 0) return null;
    return buildAvcDecoderConfigurationRecord({ sps, pps, nalLengthSize: lengthSize });
  } catch {
    return null; // not length-prefixed as described, or a malformed SPS: keep the encoder's own record
  }
}

/** See the file comment. */
export class VideoEncoderStage {
  private encoder: VideoEncoder | null = null;
  private config: VideoEncoderConfig | null = null;
  private lastDescription = '';
  private forceKey = true;
  private closed = false;
  private readonly limiter: FrameRateLimiter;
  private readonly keys: KeyframeSchedule;
  private readonly queue = new EncodeQueueGuard();

  constructor(
    private readonly settings: VideoSettings,
    private readonly handlers: VideoStageHandlers,
  ) {
    this.limiter = new FrameRateLimiter(settings.framerate);
    this.keys = new KeyframeSchedule(Math.max(0.1, settings.keyframeIntervalS) * 1e6, settings.framerate);
  }

  /** Finds a supported configuration and configures the encoder. Rejects when none is. */
  async start(): Promise<string> {
    const s = this.settings;
    for (const codec of codecCandidates(s)) {
      const config: VideoEncoderConfig = {
        codec,
        width: even(s.width),
        height: even(s.height),
        bitrate: s.bitrateKbps * 1000,
        framerate: s.framerate,
        latencyMode: 'realtime',
        bitrateMode: 'constant',
        ...(s.codec === 'avc' ? { avc: { format: 'avc' } } : s.codec === 'hevc' ? { hevc: { format: 'hevc' } } : {}),
      } as VideoEncoderConfig;
      // No answer in time (a media stack in trouble): try it; an encoder that cannot do it fails through its error callback.
      const support = await within(VideoEncoder.isConfigSupported(config), SUPPORT_CHECK_TIMEOUT_MS).catch(() => ({ supported: false }));
      if (support !== TIMED_OUT && support.supported !== true) continue;
      if (this.closed) return codec;
      this.config = config;
      this.encoder = new VideoEncoder({
        output: (chunk, meta) => this.output(chunk, meta),
        error: (e) => this.fail(e),
      });
      this.encoder.configure(config);
      return codec;
    }
    throw new RtmpError(RtmpErrorCode.CodecUnsupported, `video-codec="${s.codec}": this browser cannot encode it at ${s.width}x${s.height} ${s.framerate} fps`);
  }

  /** The encoder's current target bitrate, bps. */
  get bitrate(): number {
    return this.config?.bitrate ?? 0;
  }

  /** Changes the target bitrate (congestion control). */
  setBitrate(bps: number): void {
    const enc = this.encoder;
    if (enc === null || this.config === null || enc.state !== 'configured') return;
    if (Math.abs(bps - (this.config.bitrate ?? 0)) < 1000) return;
    this.config = { ...this.config, bitrate: Math.round(bps) };
    enc.configure(this.config);
  }

  /** The next frame will be a keyframe. */
  requestKeyframe(): void {
    this.forceKey = true;
  }

  /** Encodes `frame` (or skips it) and closes it: ownership passes to the stage. */
  encode(frame: VideoFrame): void {
    const enc = this.encoder;
    const ts = frame.timestamp;
    if (this.closed || enc === null || enc.state !== 'configured' || !this.limiter.due(ts)) {
      frame.close();
      return;
    }
    if (!this.queue.admit(enc.encodeQueueSize, ts)) {
      // The slot stays free: the next frame may take it.
      frame.close();
      this.handlers.dropped();
      return;
    }
    this.limiter.take(ts);
    const keyFrame = this.keys.keyframe(ts, this.forceKey);
    this.forceKey = false;
    try {
      enc.encode(frame, { keyFrame });
    } catch (e) {
      this.fail(e);
    } finally {
      frame.close();
    }
  }

  /** Stops the encoder. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.encoder !== null && this.encoder.state !== 'closed') this.encoder.close();
  }

  private output(chunk: EncodedVideoChunk, meta: EncodedVideoChunkMetadata | undefined): void {
    if (this.closed) return;
    const data = new Uint8Array(chunk.byteLength);
    chunk.copyTo(data);
    const dc = meta?.decoderConfig;
    if (dc !== undefined) {
      const given = dc.description === undefined ? null : copyBufferSource(dc.description);
      const desc = chunk.type === 'key' && /^avc[13]\./.test(dc.codec) ? (avcConfigFromKeyframe(data, given) ?? given) : given;
      const key = `${dc.codec}:${desc === null ? '' : hex(desc)}`;
      // Chromium repeats decoderConfig on every keyframe; a new sequence
      // header goes out only when it changed.
      if (key !== this.lastDescription) {
        this.lastDescription = key;
        let record: Uint8Array;
        try {
          record = videoConfigRecord(dc.codec, desc, chunk.type === 'key' ? data : null).record;
        } catch (e) {
          return this.fail(e);
        }
        this.handlers.config(record, dc.codec);
      }
    }
    this.handlers.chunk({ data, keyframe: chunk.type === 'key', timestampUs: chunk.timestamp });
  }

  private fail(e: unknown): void {
    if (this.closed) return;
    this.close();
    this.handlers.error(e);
  }
}

function even(n: number): number {
  return Math.max(2, Math.round(n / 2) * 2);
}


function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}
