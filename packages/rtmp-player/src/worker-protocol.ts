/**
 * The player's worker protocol, in one file: what the element sends the
 * player worker (commands), what the worker sends back (events and
 * id-correlated replies), and what the worker and the audio worklet say to
 * each other over their MessagePort. Everything is a discriminated union on
 * `type`; buffers (PCM, the OffscreenCanvas, ports) are transferred, not copied.
 */
import type { TrackInfo } from './track-selector.ts';

/** Player states, as `statechange` reports them. */
export type PlayerState = 'idle' | 'connecting' | 'buffering' | 'playing' | 'paused' | 'reconnecting' | 'stopped' | 'error';

/** The `stats` object of `<rtmp-player>`: a plain snapshot, safe to keep. */
export interface PlayerStats {
  state: PlayerState;
  /** Bytes received from the bridge, over every connection of this play(). */
  bytesReceived: number;
  /** Receive bitrate over the last second or so, kbit/s. */
  bitrateKbps: number;
  /** Frames shown per second, over the last second or so. */
  fps: number;
  framesDecoded: number;
  /** Frames drawn on the canvas. */
  framesShown: number;
  /** Frames that should have been shown but were not: late at their presentation time, or lost to a queue overflow. A quiet machine shows 0. */
  framesDropped: number;
  /**
   * Frames never meant to be shown: decoded (or dropped undecoded) to reach
   * the live edge when joining a server's GOP-cache burst or jumping
   * forward, or forgotten on pause, unpublish or a discontinuity.
   */
  framesSkipped: number;
  width: number;
  height: number;
  /** WebCodecs codec strings, '' until known. */
  videoCodec: string;
  audioCodec: string;
  /**
   * The player's own delay, ms: from the moment media arrives at the player
   * to the moment it is on screen (buffer, decoding, output), for the
   * earliest-arriving media. Not glass to glass: capture, encoding, the
   * publisher's upload, the server and the bridge come before it.
   */
  playerDelayMs: number;
  /** The delay the player steers `playerDelayMs` to, ms: the `latency` attribute, or what `auto` chose. */
  targetLatencyMs: number;
  /** Video shown minus audio heard, ms (positive: the picture is ahead); 0 without audio. */
  avSyncMs: number;
  /** Media received but not yet played (newest received timestamp − playhead). */
  bufferMs: number;
  reconnects: number;
  /** Times the latency controller jumped forward or held still to reach its target. */
  catchUps: number;
  /** The current playback rate the latency controller asked for. */
  playbackRate: number;
  /** The id of the video track that plays (0 for a single-track stream), null before any. See `tracks`. */
  videoTrack: number | null;
  /** The id of the audio track that plays, null before any. */
  audioTrack: number | null;
  /** How the last `play()` started: ms from the call to each step, 0 until it happened. */
  startup: StartupTimings;
}

/** The tracks of the stream (Enhanced RTMP multitrack; a single-track stream has track 0 of each kind it carries). */
export interface PlayerTracks {
  video: TrackInfo[];
  audio: TrackInfo[];
}

/** Time from `play()` to each step of starting, ms (0: not yet). */
export interface StartupTimings {
  /** The worker has the play command (it was started, or was already running). */
  workerMs: number;
  /** The connection is up: WebSocket, bridge, TCP, RTMP handshake and `connect`. */
  connectedMs: number;
  /** NetStream.Play.Start (createStream and play answered). */
  playStartMs: number;
  /** The first audio or video message arrived. */
  firstMediaMs: number;
  /** The first picture was drawn (after decoding through a GOP-cache burst to the join point). */
  firstFrameMs: number;
}

/** A fresh stats object. */
export function emptyStats(state: PlayerState = 'idle'): PlayerStats {
  return {
    state,
    bytesReceived: 0,
    bitrateKbps: 0,
    fps: 0,
    framesDecoded: 0,
    framesShown: 0,
    framesDropped: 0,
    framesSkipped: 0,
    width: 0,
    height: 0,
    videoCodec: '',
    audioCodec: '',
    playerDelayMs: 0,
    targetLatencyMs: 0,
    avSyncMs: 0,
    bufferMs: 0,
    reconnects: 0,
    catchUps: 0,
    playbackRate: 1,
    videoTrack: null,
    audioTrack: null,
    startup: { workerMs: 0, connectedMs: 0, playStartMs: 0, firstMediaMs: 0, firstFrameMs: 0 },
  };
}

/** The `latency` setting: a fixed target delay in ms, or 'auto'. */
export type LatencySetting = number | 'auto';

/** Options of one play(). */
export interface PlayOptionsMessage {
  /** rtmp:// or rtmps:// URL, app and stream name. */
  src: string;
  /** ws:// or wss:// bridge URL. */
  bridge: string;
  /** Target player delay, ms, or 'auto' (adaptive: follows the measured arrival jitter). */
  latency: LatencySetting;
  /** With no media this long after play starts, report STREAM_NOT_FOUND (not fatal), ms. */
  noMediaTimeoutMs: number;
  /** With no bytes this long while media flows, treat the connection as stalled, ms. */
  stallTimeoutMs: number;
  /** When play() was called: `performance.timeOrigin + performance.now()` in the page, ms (startup timings count from it). */
  calledAt: number;
  /** The tracks to play (null: the first of each kind). */
  videoTrack: number | null;
  audioTrack: number | null;
}

/** Commands from the element to the worker. Those with an `id` get a `reply`. */
export type PlayerCommand =
  | {
      type: 'init';
      id: number;
      /** The canvas the worker draws into (transferred). */
      canvas: OffscreenCanvas;
    }
  | { type: 'play'; id: number; options: PlayOptionsMessage }
  | { type: 'pause'; id: number }
  | { type: 'stop'; id: number }
  | { type: 'set-latency'; latency: LatencySetting }
  /** Play another track of a kind (null: the first); the switch comes at its next keyframe (video) or frame (audio). */
  | { type: 'select-track'; kind: 'video' | 'audio'; id: number | null }
  /** The audio output came up after init (it is created lazily): the worklet's port and its output latency. */
  | { type: 'audio-output'; audioPort: MessagePort; audioOutputLatencyMs: number }
  | { type: 'snapshot'; id: number; mimeType: string; quality?: number }
  /** Diagnostics: the next `durationMs` of decoded audio, channel 0, at its own sample rate. */
  | { type: 'capture-audio'; id: number; durationMs: number };

/** A reply's error, structured-clone friendly. */
export interface ReplyError {
  code: string;
  message: string;
}

/** The value a `capture-audio` command replies with. */
export interface AudioCapture {
  sampleRate: number;
  samples: Float32Array;
}

/** A player error as events carry it. */
export interface PlayerErrorInfo {
  /** A stable code: an RtmpErrorCode or a PlayerErrorCode. */
  code: string;
  message: string;
  /** True when the player stopped (state `error`); false when it goes on (e.g. retrying). */
  fatal: boolean;
  /** The server's status code, when a server status caused it. */
  serverCode?: string;
}

/** Events from the worker to the element. */
export type PlayerEvent =
  | { type: 'reply'; id: number; ok: true; value?: unknown }
  | { type: 'reply'; id: number; ok: false; error: ReplyError }
  | { type: 'state'; state: PlayerState }
  | { type: 'status'; status: { code: string; level: string; description: string; streamId: number } }
  | { type: 'metadata'; metadata: Record<string, unknown> }
  /** The tracks changed: one appeared, its codec became known, or another one plays. */
  | { type: 'tracks'; tracks: PlayerTracks }
  | { type: 'error'; error: PlayerErrorInfo }
  | { type: 'stats'; stats: PlayerStats }
  | { type: 'video-size'; width: number; height: number };

/** Worker → worklet. */
export type WorkletCommand =
  /** Decoded audio, planar float, one array per channel (transferred). `ptsMs` of the first sample. */
  | { type: 'pcm'; ptsMs: number; sampleRate: number; channels: Float32Array[] }
  /** Forget everything queued (stop, pause, seek to live, discontinuity); clock events after it carry `epoch`. */
  | { type: 'flush'; epoch: number }
  /** Playback rate for catching up (1 = normal). */
  | { type: 'rate'; rate: number }
  /** Drop queued audio before `ptsMs` (joining, a catch-up jump), with a short crossfade. */
  | { type: 'skip-to'; ptsMs: number }
  /** Stand still for `ms` (silence, read head held) to let the delay grow to its target; fades out and in. */
  | { type: 'hold'; ms: number }
  /** How much audio to gather before starting (and after an underrun), ms. */
  | { type: 'prebuffer'; ms: number }
  /** Output gain (0 when muted). */
  | { type: 'volume'; volume: number };

/** Worklet → worker: the audio clock, reported every few render quanta. */
export type WorkletEvent = {
  type: 'clock';
  /** Media time at the read head, ms (NaN before any audio). */
  ptsMs: number;
  /** True while audio is actually coming out (not prebuffering or starved). */
  playing: boolean;
  /** Audio queued in the worklet, ms. */
  bufferedMs: number;
  /** Times the worklet ran dry since the last flush. */
  underruns: number;
  /** The epoch of the last flush the worklet took: a report sent before a flush reached it has an older one. */
  epoch: number;
};

/** Transferable parts of a command, for postMessage. */
export function commandTransfer(c: PlayerCommand): Transferable[] {
  if (c.type === 'init') return [c.canvas];
  if (c.type === 'audio-output') return [c.audioPort];
  return [];
}
