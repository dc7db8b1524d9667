import { RtmpError, RtmpErrorCode } from '@rtmp-web/core';

/**
 * Error codes the player adds to the core's {@link RtmpErrorCode}s. The
 * `error` event's `detail.code` is one of either set; like the core's, these
 * values never change once released.
 */
export const PlayerErrorCode = {
  /**
   * The stream does not exist: the server said NetStream.Play.StreamNotFound
   * (fatal), or (nginx-rtmp, which answers Play.Start for any name and waits)
   * no media came within `noMediaTimeoutMs` of play (not fatal: the player
   * stays `buffering` and plays if the stream is published later).
   */
  StreamNotFound: 'STREAM_NOT_FOUND',
  /** No bytes for `stallTimeoutMs` while media was flowing: the player reconnects (not fatal). */
  Stalled: 'STALLED',
  /** The bridge WebSocket could not be opened: refused (target not on its allowlist), down, or a bad URL. */
  BridgeUnavailable: 'BRIDGE_UNAVAILABLE',
  /** `src` or `bridge` is missing or malformed. */
  BadSource: 'BAD_SOURCE',
  /** The connection dropped after playing had started; the player is reconnecting (not fatal). */
  ConnectionLost: 'CONNECTION_LOST',
  /** No AudioContext or AudioWorklet: the player plays video only, on its own clock (not fatal). */
  AudioUnavailable: 'AUDIO_UNAVAILABLE',
  /** The player worker could not start or failed (fatal). */
  WorkerError: 'WORKER_ERROR',
  /** An unexpected exception inside the worker, caught and reported (not fatal). Please report it. */
  Internal: 'INTERNAL',
} as const;

/** One of {@link PlayerErrorCode}'s values. */
export type PlayerErrorCode = (typeof PlayerErrorCode)[keyof typeof PlayerErrorCode];

/**
 * A media tag the parser refused, as the non-fatal error a pipeline reports:
 * the core's own code and message (the original as `cause`), or
 * FLV_INVALID for anything that is not an RtmpError. A refused tag costs
 * that tag, never the stream.
 */
export function refusedTagError(e: unknown): RtmpError {
  return e instanceof RtmpError ? new RtmpError(e.code, e.message, { fatal: false, cause: e }) : new RtmpError(RtmpErrorCode.FlvInvalid, String(e), { fatal: false });
}
