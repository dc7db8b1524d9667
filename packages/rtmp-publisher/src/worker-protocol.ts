/**
 * The one file that holds the protocol between `<rtmp-publisher>` (the page)
 * and its worker: discriminated unions of commands (page → worker) and events
 * (worker → page). Media travels as transferred objects: a
 * `ReadableStream<VideoFrame>` / `ReadableStream<AudioData>` from
 * MediaStreamTrackProcessor, single `VideoFrame`/`AudioData` objects on the
 * fallback path, or the MP4 file's bytes.
 *
 * The stream key crosses this boundary once, in `start`, and never comes back:
 * no event carries it.
 */

/** Video codecs the publisher can send (the `video-codec` attribute). `avc` is legacy FLV H.264; the others are Enhanced RTMP. */
export const PUBLISHER_VIDEO_CODECS = ['avc', 'hevc', 'av1', 'vp9'] as const;
/** A video codec the publisher can send. */
export type PublisherVideoCodec = (typeof PUBLISHER_VIDEO_CODECS)[number];

/** Audio codecs the publisher can send (the `audio-codec` attribute). `aac` is legacy FLV; `opus` is Enhanced RTMP. */
export const PUBLISHER_AUDIO_CODECS = ['aac', 'opus'] as const;
/** An audio codec the publisher can send. */
export type PublisherAudioCodec = (typeof PUBLISHER_AUDIO_CODECS)[number];

/** The publisher's states, in the order a session normally goes through them. */
export type PublisherState = 'idle' | 'connecting' | 'publishing' | 'reconnecting' | 'stopped' | 'error';

/** Video encoding settings. */
export interface VideoSettings {
  codec: PublisherVideoCodec;
  /** Target bitrate, kbps (the congestion controller's ceiling). */
  bitrateKbps: number;
  width: number;
  height: number;
  framerate: number;
  /** Seconds between keyframes. */
  keyframeIntervalS: number;
  /** Extra renditions, each encoded apart and sent as Enhanced RTMP multitrack video (track 1, 2…); empty: none. */
  renditions: RenditionSettings[];
}

/** One extra rendition of the video (the `renditions` attribute): its size and bitrate. */
export interface RenditionSettings {
  width: number;
  height: number;
  bitrateKbps: number;
}

/** Audio encoding settings. */
export interface AudioSettings {
  codec: PublisherAudioCodec;
  bitrateKbps: number;
}

/** Where the worker connects to. */
export interface ConnectSettings {
  /** rtmp:// or rtmps:// server URL with the app, without the key. */
  url: string;
  /** The stream key (secret: never logged, never echoed). */
  streamKey: string;
  /** ws:// or wss:// URL of rtmp-bridge. */
  bridge: string;
}

/** The media a session publishes. */
export type MediaInput =
  | {
      kind: 'tracks';
      /** From MediaStreamTrackProcessor, transferred; absent when the source has no video, or on the fallback path. */
      video?: ReadableStream<VideoFrame>;
      audio?: ReadableStream<AudioData>;
      /** Fallback path: frames arrive as `video-frame` / `audio-data` commands. */
      pushedVideo?: boolean;
      pushedAudio?: boolean;
    }
  | {
      kind: 'mp4';
      /** The whole file. */
      data: ArrayBuffer;
      loop: boolean;
    };

/** Commands, page → worker. */
export type PublisherCommand =
  | {
      cmd: 'start';
      /** Stamped on every event of this start's session (see {@link WorkerMessage}). */
      session: number;
      connect: ConnectSettings;
      video: VideoSettings | null;
      audio: AudioSettings | null;
      input: MediaInput;
    }
  | { cmd: 'video-frame'; frame: VideoFrame }
  | { cmd: 'audio-data'; data: AudioData }
  | { cmd: 'stop' };

/** The `stats` snapshot (see `RtmpPublisher.stats`). */
export interface PublisherStats {
  state: PublisherState;
  /** Bytes handed to the transport (RTMP chunks, handshake included). */
  bytesSent: number;
  /** Send rate over the last second, kbps. */
  bitrateKbps: number;
  /** Video frames sent per second over the last second. */
  fps: number;
  /** Video frames that came out of the encoder (or the file), in total. */
  framesEncoded: number;
  /** Video frames dropped for congestion or while reconnecting, in total. */
  framesDropped: number;
  /** How long the queue (WebSocket buffer + worker queue) would take to drain at the current rate, ms. */
  queueMs: number;
  /** e.g. `avc1.42E01F`, `''` when there is no video. */
  videoCodec: string;
  /** e.g. `mp4a.40.2 (wasm)`, `''` when there is no audio. */
  audioCodec: string;
  /** Successful reconnects since start. */
  reconnects: number;
  /**
   * Median over the last second: capture of an audio packet's first sample →
   * the packet out of the encoder, ms (capture buffering + the codec's frame
   * and look-ahead: ~50 ms for AAC, ~30 ms for Opus); 0 without audio.
   */
  audioLatencyMs: number;
  /** Audio skipped, in total, because the encoder fell behind real time (see the `AUDIO_SKIPPED` error), ms. */
  audioSkippedMs: number;
}

/** Measurements for `npm run bench:publisher`; not part of the public API. */
export interface PublisherDiagnostics {
  /** Current encoder target bitrate, kbps. */
  targetKbps: number;
  /** Time the worker spent running our code over the last second, % of one core. */
  workerBusyPercent: number;
  /** Median over the last second: encoder output → bytes left the WebSocket buffer, ms. */
  sendLatencyMs: number;
  /** Median over the last second: capture timestamp → encoder output, ms. */
  encodeLatencyMs: number;
  /** Bytes queued: WebSocket bufferedAmount + the worker's own queue. */
  queuedBytes: number;
}

/**
 * What the worker posts: an event of the session `session` (the number its
 * `start` command carried). The page drops events of a session it has
 * stopped: the worker's `stopped` for a stop() that a new start() followed
 * at once would otherwise end the new session's capture and its start().
 */
export interface WorkerMessage {
  session: number;
  event: PublisherEvent;
}

/** Events, worker → page. */
export type PublisherEvent =
  | { type: 'state'; state: PublisherState }
  | { type: 'status'; code: string; level: string; description: string }
  | { type: 'error'; code: string; message: string; fatal: boolean; status?: string }
  | { type: 'stats'; stats: PublisherStats; diagnostics: PublisherDiagnostics };
