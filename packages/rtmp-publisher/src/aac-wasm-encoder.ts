/**
 * AAC-LC in WebAssembly, for browsers whose WebCodecs has no AAC encoder
 * (Chromium on Linux, Firefox). The encoder is FFmpeg's native `aac`
 * (libavcodec, compiled to WASM) from `@mediabunny/aac-encoder`; it runs in a
 * worker of its own that the package starts from an inline blob, so there is
 * no separate .wasm file to locate: it loads the same way from the vite bundle
 * and from the test server.
 *
 * The package plugs into Mediabunny's encoder registry and has no standalone
 * API, so we drive it through Mediabunny's public `AudioSampleSource`, which
 * reports each packet through `onEncodedPacket`; the `Output` it must be
 * attached to writes ADTS into a `NullTarget` (discarded). This module is
 * loaded with a dynamic import (see audio-encoder-stage.ts), so pages whose
 * browser encodes AAC natively never download the ~1 MB encoder; its imports
 * are static and named so the bundler keeps only the parts of Mediabunny used.
 */
import { registerAacEncoder } from '@mediabunny/aac-encoder';
import { AdtsOutputFormat, AudioSample, AudioSampleSource, NullTarget, Output, Quality } from 'mediabunny';
import { copyBufferSource } from './buffer-source.ts';

/** One encoded AAC access unit (raw, no ADTS header). */
export interface AacPacket {
  data: Uint8Array;
  /** Presentation time, µs, on the clock the input was encoded at. */
  timestampUs: number;
  /** Length, µs (1024 samples). */
  durationUs: number;
}

/** Callbacks of {@link AacWasmEncoder}. */
export interface AacWasmEncoderHandlers {
  /** The AudioSpecificConfig, once, before the first packet. */
  config(asc: Uint8Array): void;
  packet(p: AacPacket): void;
  error(e: unknown): void;
}

/** The AAC WASM encoder behind a push API: `encode(AudioData)`, `close()`. */
export class AacWasmEncoder {
  private addChain: Promise<unknown> = Promise.resolve();
  private closed = false;
  private configSent = false;

  private constructor(
    private readonly source: AudioSampleSource,
    private readonly output: Output,
  ) {}

  /**
   * Loads the encoder (its worker and WASM) and starts it.
   * `bitrate` in bits per second; sample rate and channels come from the input.
   */
  static async create(bitrate: number, handlers: AacWasmEncoderHandlers): Promise<AacWasmEncoder> {
    registerAacEncoder();
    let self: AacWasmEncoder | undefined;
    let sampleRate = 48000; // until the first packet's decoderConfig says
    const source = new AudioSampleSource({
      codec: 'aac',
      bitrate: new Quality({ bitrate }),
      onEncodedPacket: (packet, meta) => {
        if (self === undefined || self.closed) return;
        const desc = meta?.decoderConfig?.description;
        if (!self.configSent && desc !== undefined) {
          self.configSent = true;
          handlers.config(copyBufferSource(desc));
        }
        // FFmpeg's AAC encoder delays its output by 1024 samples of priming
        // (initial_padding); Mediabunny stamps the first packet with the first
        // input sample's time. FLV has no edit list to say so, and players
        // play the priming, so move the packets back by it: FFmpeg's own
        // muxers do the same (first AAC pts = −1024 samples).
        sampleRate = meta?.decoderConfig?.sampleRate ?? sampleRate;
        const primingUs = (1024 / sampleRate) * 1e6;
        handlers.packet({ data: packet.data.slice(), timestampUs: Math.round(packet.timestamp * 1e6 - primingUs), durationUs: Math.round(packet.duration * 1e6) });
      },
    });
    const output = new Output({ format: new AdtsOutputFormat(), target: new NullTarget() });
    output.addAudioTrack(source);
    await output.start();
    self = new AacWasmEncoder(source, output);
    self.onError = handlers.error;
    return self;
  }

  private onError: (e: unknown) => void = () => {};

  /**
   * Encodes `data` as if it started at `timestampUs` and closes it. Calls
   * are chained so samples reach the encoder in order; Mediabunny's `add()`
   * resolves when it can take more. Give gapless timestamps: Mediabunny
   * fills a gap of 64 samples or more with silence, and numbers packets by
   * the samples it encoded from the first timestamp on.
   */
  encode(data: AudioData, timestampUs: number): void {
    if (this.closed) {
      data.close();
      return;
    }
    // The sample wraps `data` (no copy) and closes it when it is closed.
    const sample = new AudioSample(data);
    sample.setTimestamp(timestampUs / 1e6);
    this.addChain = this.addChain
      .then(() => (this.closed ? undefined : this.source.add(sample)))
      .catch((e: unknown) => {
        if (!this.closed) this.onError(e);
      })
      .finally(() => sample.close());
  }

  /** Stops the encoder and its worker. Pending samples are discarded. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.output.cancel().catch(() => {});
  }
}
