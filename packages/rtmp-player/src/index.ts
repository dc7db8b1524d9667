/**
 * @rtmp-web/player: `<rtmp-player>`, live RTMP playback in a Web Worker with
 * WebCodecs. Importing this module registers the element.
 */
export { RtmpPlayerElement, DEFAULT_LATENCY, parseLatency, type RtmpPlayerErrorDetail, type RtmpPlayerStateDetail, type RtmpPlayerStatusDetail } from './rtmp-player.ts';
export { PlayerErrorCode } from './player-errors.ts';
export type { PlayerState, PlayerStats, PlayerErrorInfo, PlayerTracks, AudioCapture, LatencySetting, StartupTimings } from './worker-protocol.ts';
export type { TrackInfo } from './track-selector.ts';
export { LatencyController, type LatencyDecision, type LatencyControllerOptions } from './latency-controller.ts';
export { JitterEstimator } from './jitter-estimator.ts';
