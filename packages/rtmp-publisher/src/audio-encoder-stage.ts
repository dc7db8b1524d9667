/**
 * The audio encoding stage: AudioData in, FLV audio tag bodies' payloads
 * (raw AAC access units or Opus packets) out.
 *
 * AAC uses WebCodecs' AudioEncoder when `isConfigSupported` says yes, and the
 * WASM encoder ({@link AacWasmEncoder}) otherwise; Opus always uses WebCodecs
 * (every browser with WebCodecs encodes it). The encoder is configured on the
 * first AudioData, because only then do we know the capture's sample rate and
 * channel count.
 *
 * Every frame is encoded at the timestamp the caller gives (the gapless
 * encoder clock of audio-timeline.ts), never its capture timestamp, and none
 * is dropped here: the caller keeps the books of what went in and bounds the
 * backlog, so each packet that comes out can be mapped back to capture time.
 */
import { RtmpError, RtmpErrorCode, SUPPORT_CHECK_TIMEOUT_MS, TIMED_OUT, within } from '@rtmp-web/core';
import { copyBufferSource } from './buffer-source.ts';
import type { AacWasmEncoder } from './aac-wasm-encoder.ts';
import type { AudioSettings } from './worker-protocol.ts';

/** Whether this browser's AudioEncoder takes `config`: false without WebCodecs audio or on a malformed config, TIMED_OUT without an answer in time. */
async function encoderSupports(config: AudioEncoderConfig): Promise<boolean | typeof TIMED_OUT> {
  if (typeof AudioEncoder === 'undefined') return false;
  const answer = await within(AudioEncoder.isConfigSupported(config), SUPPORT_CHECK_TIMEOUT_MS).catch(() => ({ supported: false }));
  return answer === TIMED_OUT ? answer : answer.supported === true;
}

/** An encoded audio frame. */
export interface EncodedAudio {
  data: Uint8Array;
  /** On the clock the input was encoded at ({@link AudioEncoderStage.encode}'s `timestampUs`), µs. */
  timestampUs: number;
  /** The packet's length, µs. */
  durationUs: number;
}

/** Callbacks of {@link AudioEncoderStage}. */
export interface AudioStageHandlers {
  /** The codec configuration (AudioSpecificConfig or the Opus ID header), once; `codec` is a codec string for stats. */
  config(config: Uint8Array, codec: string, sampleRate: number, channels: number): void;
  chunk(c: EncodedAudio): void;
  /** A fatal encoder error. */
  error(e: unknown): void;
}

/** See the file comment. */
export class AudioEncoderStage {
  private native: AudioEncoder | null = null;
  private wasm: AacWasmEncoder | null = null;
  private starting: Promise<void> | null = null;
  private waiting: { data: AudioData; timestampUs: number }[] = [];
  private closed = false;
  private configSent = false;

  constructor(
    private readonly settings: AudioSettings,
    private readonly handlers: AudioStageHandlers,
  ) {}

  /**
   * Rejects with CODEC_UNSUPPORTED, naming the attribute, when this browser
   * cannot encode the codec at all (AAC always can: the WASM encoder), so
   * that `start()` fails at once instead of at the first audio.
   */
  async check(): Promise<void> {
    const s = this.settings;
    if (s.codec === 'aac') return;
    const config = { codec: s.codec, sampleRate: 48_000, numberOfChannels: 2, bitrate: s.bitrateKbps * 1000 };
    // No answer in time: go on; start() asks again when the first audio comes.
    if ((await encoderSupports(config)) === false) throw new RtmpError(RtmpErrorCode.CodecUnsupported, `audio-codec="${s.codec}": this browser cannot encode it`);
  }

  /** True once the encoder is configured (or loaded) and takes frames. */
  get ready(): boolean {
    return this.native !== null || this.wasm !== null;
  }

  /**
   * Starts the encoder for audio shaped like `data` (sample rate, channels),
   * once; until {@link ready}, the caller drops what it captures rather than
   * queue it behind the encoder's start-up (~1 s for WASM: that audio would
   * only go out late).
   */
  prepare(data: AudioData): void {
    if (this.closed) return;
    this.starting ??= this.start(data.sampleRate, data.numberOfChannels).catch((e: unknown) => this.fail(e));
  }

  /**
   * Encodes `data` as if captured at `timestampUs` (µs) and closes it
   * (ownership passes to the stage). Before {@link ready} it waits (and
   * starts the encoder).
   */
  encode(data: AudioData, timestampUs: number): void {
    if (this.closed) {
      data.close();
      return;
    }
    if (!this.ready) {
      this.prepare(data);
      this.waiting.push({ data, timestampUs });
      return;
    }
    this.feed(data, timestampUs);
  }

  /** Stops encoding and frees the encoder. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiting) w.data.close();
    this.waiting = [];
    if (this.native !== null && this.native.state !== 'closed') this.native.close();
    this.wasm?.close();
  }

  private feed(data: AudioData, timestampUs: number): void {
    if (this.native !== null) {
      const retimed = withTimestamp(data, timestampUs);
      data.close();
      this.native.encode(retimed);
      retimed.close();
    } else if (this.wasm !== null) {
      this.wasm.encode(data, timestampUs);
    } else {
      data.close();
    }
  }

  private async start(sampleRate: number, channels: number): Promise<void> {
    const s = this.settings;
    const bitrate = s.bitrateKbps * 1000;
    // AAC supports at most 2 channels in this pipeline (FLV legacy audio); downmix is the encoder's job when > 2.
    const numberOfChannels = Math.min(channels, 2);
    const config: AudioEncoderConfig =
      s.codec === 'aac'
        ? { codec: 'mp4a.40.2', sampleRate, numberOfChannels, bitrate, aac: { format: 'aac' } } as AudioEncoderConfig
        : { codec: 'opus', sampleRate, numberOfChannels, bitrate, opus: { format: 'opus' } } as AudioEncoderConfig;
    // No answer in time: AAC takes the WASM encoder, which needs nothing of the media stack; Opus has no other, so it is tried.
    const answer = await encoderSupports(config);
    const supported = answer === TIMED_OUT ? s.codec !== 'aac' : answer;
    if (this.closed) return;
    if (supported) {
      const enc = new AudioEncoder({
        output: (chunk, meta) => {
          const desc = meta?.decoderConfig?.description;
          if (!this.configSent) {
            const cfg = desc !== undefined ? copyBufferSource(desc) : s.codec === 'opus' ? opusHead(numberOfChannels, config.sampleRate) : null;
            if (cfg === null) return this.fail(new Error('the AAC encoder gave no AudioSpecificConfig'));
            this.configSent = true;
            this.handlers.config(cfg, config.codec, config.sampleRate, numberOfChannels);
          }
          const data = new Uint8Array(chunk.byteLength);
          chunk.copyTo(data);
          this.handlers.chunk({ data, timestampUs: chunk.timestamp, durationUs: chunk.duration ?? 0 });
        },
        error: (e) => this.fail(e),
      });
      enc.configure(config);
      this.native = enc;
    } else if (s.codec === 'aac') {
      // Loaded only here: most of the worker's weight, and only Chromium-on-Linux-like browsers need it.
      const { AacWasmEncoder: Wasm } = await import('./aac-wasm-encoder.ts');
      if (this.closed) return;
      this.wasm = await Wasm.create(bitrate, {
        config: (asc) => {
          this.configSent = true;
          this.handlers.config(asc, 'mp4a.40.2 (wasm)', sampleRate, numberOfChannels);
        },
        packet: (p) => this.handlers.chunk(p),
        error: (e) => this.fail(e),
      });
      if (this.closed) {
        this.wasm.close();
        return;
      }
    } else {
      throw new RtmpError(RtmpErrorCode.CodecUnsupported, `audio-codec="${s.codec}": this browser cannot encode it at ${sampleRate} Hz`);
    }
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) this.feed(w.data, w.timestampUs);
  }

  private fail(e: unknown): void {
    if (this.closed) return;
    this.close();
    this.handlers.error(e);
  }
}

/** A copy of `data` stamped `timestampUs` (AudioData's timestamp is read-only). */
function withTimestamp(data: AudioData, timestampUs: number): AudioData {
  const planes = data.numberOfChannels;
  const frames = data.numberOfFrames;
  const pcm = new Float32Array(planes * frames);
  for (let c = 0; c < planes; c++) data.copyTo(pcm.subarray(c * frames, (c + 1) * frames), { planeIndex: c, format: 'f32-planar' });
  return new AudioData({ format: 'f32-planar', sampleRate: data.sampleRate, numberOfFrames: frames, numberOfChannels: planes, timestamp: timestampUs, data: pcm });
}

/** A minimal Opus ID header (RFC 7845 §5.1), for encoders that give no description. */
function opusHead(channels: number, sampleRate: number): Uint8Array {
  const b = new Uint8Array(19);
  b.set([0x4f, 0x70, 0x75, 0x73, 0x48, 0x65, 0x61, 0x64, 1, channels]);
  const v = new DataView(b.buffer);
  v.setUint16(10, 312, true); // pre-skip: libopus's usual 6.5 ms at 48 kHz
  v.setUint32(12, sampleRate, true);
  return b;
}
