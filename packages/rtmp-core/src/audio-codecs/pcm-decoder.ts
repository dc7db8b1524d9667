/**
 * The shape every audio decoder written in this repository has (Flash-era
 * codecs no browser decodes: Nellymoser, Speex): one FLV audio packet in,
 * mono float PCM out. Sans-I/O and synchronous, so the same code runs in the
 * player's worker, in Node tests and in the fuzzer.
 *
 * Contract:
 * - `decode()` returns the packet's PCM as a view into a buffer the decoder
 *   owns and reuses (no allocation per packet on the hot path): it is valid
 *   until the next `decode()` or `reset()`; copy it to keep it.
 * - A bad packet throws an `RtmpError` with code
 *   `RtmpErrorCode.AudioPacketInvalid` (`fatal: false`) and costs that
 *   packet only: the decoder's state stays usable for the next one. Nothing
 *   else ever escapes (no RangeError, no TypeError).
 * - Input is bounded: a packet longer than {@link MAX_PCM_PACKET_BYTES} is
 *   refused with the same error.
 */

/** The largest audio packet a {@link PcmDecoder} accepts, bytes. */
export const MAX_PCM_PACKET_BYTES = 64 * 1024;

/** See the file comment. */
export interface PcmDecoder {
  /** Output sample rate, Hz. */
  readonly sampleRate: number;
  /** Output channels: these codecs are mono in FLV. */
  readonly numberOfChannels: 1;
  /** One packet (the FLV audio tag's payload after its 1-byte header) → mono PCM in [-1, 1]. */
  decode(packet: Uint8Array): Float32Array;
  /** Forgets inter-packet state (a seek, a new stream). */
  reset(): void;
}
