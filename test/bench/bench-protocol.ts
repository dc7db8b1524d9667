/**
 * What the glass-to-glass benchmark's Node side (glass-to-glass.ts) and its
 * page (page/bench-page.ts) say to each other: the functions the page puts
 * on `window.benchPage`, their options, and what one measured player
 * returns. Types only; both sides import them.
 */

/** The picture every publisher sends: 640 × 360 at 30 fps (see docs/performance.md for why). */
export const BENCH_VIDEO = { width: 640, height: 360, fps: 30, bitrateKbps: 1000, keyframeIntervalS: 2 } as const;

/** What the page's publisher sends: the timecode canvas, and a tone or not. */
export interface PagePublisherOptions {
  /** rtmp://127.0.0.1:P/live */
  url: string;
  streamKey: string;
  bridge: string;
  /** Mix a 440 Hz OscillatorNode tone into the stream as its audio track. */
  audio: boolean;
}

/** How long a measured player runs. */
export interface MeasureTiming {
  /** After the first readable frame, how long to let the player settle before measuring, ms. */
  settleMs: number;
  /** How long to measure, ms. */
  measureMs: number;
  /** Give up waiting for the first readable frame after this long, ms. */
  firstFrameTimeoutMs: number;
}

/** `<rtmp-player>` under test. */
export interface RtmpPlayerCellOptions extends MeasureTiming {
  /** rtmp://127.0.0.1:P/live/NAME */
  src: string;
  bridge: string;
  /** The `latency` attribute: 'auto' is the default, so it is left unset. */
  latency: 'auto' | number;
  /** Insert the element, wait this long, then play() (timed from play()); unset: create and play at once (timed from creation). */
  playAfterMs?: number;
}

/** mpegts.js under test. */
export interface MpegtsCellOptions extends MeasureTiming {
  /** ws://127.0.0.1:HTTPPORT/live/NAME.flv */
  url: string;
  hasAudio: boolean;
  /** Overrides of the bench's low-latency mpegts.js config (page/bench-page.ts), to try other settings. */
  config?: Record<string, number | boolean>;
}

/**
 * One player, measured from what it displays: each time the page's rAF
 * loop (or, for FFmpeg, Node's pipe reader) sees a new code, that frame's
 * latency is `Date.now() − code`.
 */
export interface DisplayMeasurement {
  /** From creating the player (or play()) to the first frame with a readable code, ms; null: none came. */
  firstFrameMs: number | null;
  /** Latency of that first frame: how old the picture a viewer joins on is, ms. */
  joinAgeMs: number | null;
  /** Latency of each new frame seen in the measuring window, ms, in order. */
  latenciesMs: number[];
  /** The measuring window's length, ms. */
  windowMs: number;
  /** Distinct codes seen in the window (frames that reached the screen). */
  distinctFrames: number;
  /** Codes that went backwards in the window (a frame shown out of order, or a repeat of an older one). */
  backwards: number;
  /** Display ticks (rAF, or frames on FFmpeg's pipe) in the window, and those with no readable code. */
  ticks: number;
  unreadableTicks: number;
  /** Ticks whose strip was black (mean luma < 16): nothing drawn, rather than a damaged code. */
  blackTicks: number;
  /** The player's own counters over the window, where it has them. */
  player: PlayerCounters;
  /** Errors the player reported (event details), for the report. */
  errors: string[];
}

/** A player's own view of the same window (whatever it exposes). */
export interface PlayerCounters {
  /** `<rtmp-player>`: stats deltas over the window; mpegts.js: getVideoPlaybackQuality deltas. */
  framesShown?: number;
  framesDropped?: number;
  framesSkipped?: number;
  /** Frames skipped from creation to the end of the window (joining a GOP-cache burst is counted here). */
  framesSkippedTotal?: number;
  /** `<rtmp-player>` samples over the window (about every 250 ms): stats.avSyncMs, targetLatencyMs, playerDelayMs (or latencyMs). */
  avSyncMs?: number[];
  targetLatencyMs?: number[];
  playerDelayMs?: number[];
  /** Which latency setting the element ran with, as it reported it (e.g. 'auto', 300, or the old numeric default). */
  latencySetting?: string;
  /** mpegts.js: the config it ran with. */
  config?: Record<string, unknown>;
  /** `<rtmp-player>`: `stats.startup` at the end (ms from play() to each step of the start). */
  startup?: Record<string, number>;
  /** `catchUps` and `reconnects` deltas. */
  catchUps?: number;
  reconnects?: number;
}

/** What the page offers (`window.benchPage`). */
export interface BenchPageApi {
  /** Starts `<rtmp-publisher>` on the timecode canvas; resolves on NetStream.Publish.Start. */
  startPublisher(options: PagePublisherOptions): Promise<void>;
  /** Stops it and its canvas, tone and tracks. */
  stopPublisher(): Promise<void>;
  /** `<rtmp-player>`: join, settle, measure, remove. */
  measureRtmpPlayer(options: RtmpPlayerCellOptions): Promise<DisplayMeasurement>;
  /** mpegts.js over WS-FLV: join, settle, measure, destroy. */
  measureMpegts(options: MpegtsCellOptions): Promise<DisplayMeasurement>;
  /** Whether this `<rtmp-player>` knows `latency="auto"` (else its default is a number). */
  playerHasAutoLatency(): boolean;
}

declare global {
  interface Window {
    benchPage: BenchPageApi;
  }
}
