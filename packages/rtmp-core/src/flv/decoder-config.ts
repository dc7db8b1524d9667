/**
 * WebCodecs-shaped decoder configurations, as plain interfaces.
 *
 * The core runs in Node, where the DOM's `VideoDecoderConfig` and
 * `AudioDecoderConfig` do not exist; these are structurally compatible with
 * them, so the WebCodecs stage passes them to `configure()` as they are.
 */

/** What `VideoDecoder.configure()` needs; assignable to `VideoDecoderConfig`. */
export interface VideoDecoderConfigLike {
  /** A WebCodecs codec string, e.g. `avc1.64001E`, `hvc1.1.6.L93.B0`, `av01.0.04M.08`, `vp09.00.10.08`. */
  codec: string;
  /**
   * The codec's out-of-band configuration: avcC, hvcC, av1C. A copy, not a
   * view into a network buffer, so transferring frame buffers cannot detach it.
   */
  description?: Uint8Array;
  /** Width in pixels (visible, after cropping), when the configuration tells. */
  codedWidth?: number;
  /** Height in pixels (visible, after cropping), when the configuration tells. */
  codedHeight?: number;
}

/** What `AudioDecoder.configure()` needs; assignable to `AudioDecoderConfig`. */
export interface AudioDecoderConfigLike {
  /** A WebCodecs codec string, e.g. `mp4a.40.2`, `mp3`, `opus`, `flac`, `alaw`, `ulaw`. */
  codec: string;
  /** Output sample rate in Hz. */
  sampleRate: number;
  /** Output channel count. */
  numberOfChannels: number;
  /** AudioSpecificConfig, Opus ID header or FLAC `fLaC`+STREAMINFO. A copy. */
  description?: Uint8Array;
}
