/**
 * Error codes the publisher adds to the core's {@link RtmpErrorCode}s. The
 * `error` event's `detail.code` is one of either set (PUBLISH_REFUSED,
 * CONNECT_REJECTED, TIMEOUT… are the core's); like the core's, these values
 * never change once released. The player's are in the player's
 * player-errors.ts; BRIDGE_UNAVAILABLE means the same in both.
 */
export const PublisherErrorCode = {
  /** The camera, screen or track could not be captured (permission refused, no device, a track that ended). Fatal. */
  CaptureError: 'CAPTURE_ERROR',
  /** The MP4 file cannot be published (unreadable, no usable track). Fatal. */
  MediaError: 'MEDIA_ERROR',
  /** A WebCodecs (or the WebAssembly AAC) encoder failed. Fatal. */
  EncoderError: 'ENCODER_ERROR',
  /** The publisher worker could not start or failed. Fatal. */
  WorkerError: 'WORKER_ERROR',
  /** An unexpected exception inside the worker. Fatal. Please report it. */
  Internal: 'INTERNAL_ERROR',
  /** The audio encoder fell behind real time, so audio is skipped to keep its lag bounded (at most one event per 5 s; the total in `stats.audioSkippedMs`). Not fatal. */
  AudioSkipped: 'AUDIO_SKIPPED',
  /** The source's audio never started (an AudioContext that never ran, a muted or silent device), or stopped: the video goes out alone (announced so in the metadata when it never started). Not fatal. */
  AudioUnavailable: 'AUDIO_UNAVAILABLE',
  /** The bridge never took the WebSocket on the first start: not running, or it refuses the target or the page's origin. Fatal. */
  BridgeUnavailable: 'BRIDGE_UNAVAILABLE',
  /** An attribute's value cannot be used (a malformed `renditions`); the message names the attribute. Fatal, at `start()`. */
  SettingInvalid: 'SETTING_INVALID',
} as const;

/** One of {@link PublisherErrorCode}'s values. */
export type PublisherErrorCode = (typeof PublisherErrorCode)[keyof typeof PublisherErrorCode];
