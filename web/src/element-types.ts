/**
 * The parts of `<rtmp-player>` and `<rtmp-publisher>` the demo uses, as
 * structural types: the demo only relies on the elements' documented
 * interface (attributes, methods, `stats`, events), not on their classes.
 * The state and stats types come from the packages themselves.
 */
import type { PlayerState, PlayerStats } from '@rtmp-web/player';
import type { PublisherState, PublisherStats } from '@rtmp-web/publisher';

export type { PlayerState, PublisherState };

/** `<rtmp-player>`'s `stats` (the fields the demo reads). */
export type PlayerStatsView = PlayerStats;

/** `<rtmp-publisher>`'s `stats`. */
export type PublisherStatsView = PublisherStats;

/** `<rtmp-player>` as the demo drives it. */
export interface PlayerElement extends HTMLElement {
  play(): Promise<void> | void;
  pause(): Promise<void> | void;
  stop(): Promise<void> | void;
  snapshot(type?: string): Promise<Blob>;
  readonly stats: PlayerStatsView;
}

/** What `<rtmp-publisher>`'s `start()` takes: nothing (camera + mic), a MediaStream, or an MP4 file. */
export type PublisherSource = MediaStream | File | Blob | undefined;

/** `<rtmp-publisher>` as the demo drives it. */
export interface PublisherElement extends HTMLElement {
  /** Starts publishing; `options.loop` applies to an MP4 file. */
  start(source?: PublisherSource, options?: { loop?: boolean }): Promise<void> | void;
  /** The `stream-key` attribute's property; setting it keeps the key out of the DOM's attributes. */
  streamKey?: string;
  stop(): Promise<void> | void;
  readonly stats: PublisherStatsView;
}

/** The `detail` of both elements' `error` event. */
export interface ElementErrorDetail {
  code: string;
  message: string;
  fatal: boolean;
}
