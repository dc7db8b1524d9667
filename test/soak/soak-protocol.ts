/**
 * What the soak's Node side (soak-run.ts) and its page (page/soak-page.ts)
 * say to each other: the functions the page puts on `window.soakPage` and
 * the one-second sample it returns. Types only; both sides import them.
 * One build of the page serves both roles: the publisher's tab and the
 * player's tab.
 */
import type { PagePublisherOptions } from '../bench/bench-protocol.ts';

/** A picture size the publisher sends. */
export interface SoakVideoSize {
  width: number;
  height: number;
}

/** An `error` event of either element, as the page saw it. */
export interface SoakElementError {
  element: 'player' | 'publisher';
  /** Date.now() when it fired. */
  at: number;
  code: string;
  message: string;
  fatal: boolean;
}

/** The player's side of one sample. */
export interface SoakPlayerSample {
  state: string;
  /** Cumulative counters from `stats`. */
  framesShown: number;
  framesDropped: number;
  framesSkipped: number;
  reconnects: number;
  width: number;
  height: number;
  playerDelayMs: number;
  targetLatencyMs: number;
  /** Glass-to-glass delay of each new frame the display probe read since the last sample, ms (read from the picture). */
  delaysMs: number[];
  /** Display ticks since the last sample, and those with no readable code. */
  ticks: number;
  unreadableTicks: number;
}

/** The publisher's side of one sample. */
export interface SoakPublisherSample {
  state: string;
  /** `stats.fps`: the frame rate it sends. */
  fps: number;
  queueMs: number;
  bitrateKbps: number;
  framesEncoded: number;
  framesDropped: number;
  reconnects: number;
  width: number;
  height: number;
}

/** What `soakPage.sample()` returns: what happened in the page since the previous call. */
export interface SoakPageSample {
  /** Date.now() in the page. */
  at: number;
  visibility: DocumentVisibilityState;
  player: SoakPlayerSample | null;
  publisher: SoakPublisherSample | null;
  /** Element error events since the previous sample. */
  errors: SoakElementError[];
  /** `performance.memory.usedJSHeapSize` of the page's main thread, bytes (null where absent). */
  mainHeapBytes: number | null;
}

/** `performance.measureUserAgentSpecificMemory()`'s total and its share in workers, bytes; or why it is unavailable. */
export type SoakUaMemory = { bytes: number; workerBytes: number } | { unavailable: string };

/** What the page offers (`window.soakPage`). */
export interface SoakPageApi {
  /** `<rtmp-publisher>` on a fresh timecode canvas at `size`; resolves on NetStream.Publish.Start. */
  startPublisher(options: PagePublisherOptions, size: SoakVideoSize): Promise<void>;
  /** stop() and release the canvas and tone (the element stays, for the next start). */
  stopPublisher(): Promise<void>;
  /** Date.now() once the publisher is in `publishing` (at once if it is), or null after `timeoutMs`. */
  publishingAt(timeoutMs: number): Promise<number | null>;
  /** `<rtmp-player>` playing `src` (latency auto), with the display probe reading its canvas. */
  startPlayer(options: { src: string; bridge: string }): Promise<void>;
  /**
   * The first moment (Date.now()) the player displays a new frame: a
   * readable code newer than any it displayed before the call. Null after `timeoutMs`.
   */
  newFrameAt(timeoutMs: number): Promise<number | null>;
  /** The sample since the previous call. */
  sample(): SoakPageSample;
  /** See {@link SoakUaMemory}. */
  measureMemory(): Promise<SoakUaMemory>;
}

declare global {
  interface Window {
    soakPage: SoakPageApi;
  }
}
