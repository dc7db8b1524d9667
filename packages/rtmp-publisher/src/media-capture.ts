/**
 * Page-side capture: turns a MediaStream into what the worker reads.
 *
 * Where the browser has MediaStreamTrackProcessor (Chromium), each track's
 * `readable` is transferred to the worker, so frames go from the capture
 * pipeline to the encoder without touching the page's main thread. Elsewhere
 * the fallback runs on the page: a `<video>` element with
 * requestVideoFrameCallback for video, a ScriptProcessorNode for audio, each
 * frame posted (transferred) to the worker.
 */
import type { MediaInput, PublisherCommand } from './worker-protocol.ts';

/** What {@link captureTracks} set up: the input for `start`, and how to undo it. */
export interface CaptureHandle {
  input: MediaInput;
  transfer: Transferable[];
  /** Stops the fallback loops (the tracks are the caller's to stop). */
  close(): void;
}

interface TrackProcessorCtor {
  new (init: { track: MediaStreamTrack; maxBufferSize?: number }): { readable: ReadableStream<VideoFrame | AudioData> };
}

/** True when MediaStreamTrackProcessor exists on the page (Chromium). */
export function hasTrackProcessor(): boolean {
  return typeof (globalThis as { MediaStreamTrackProcessor?: unknown }).MediaStreamTrackProcessor === 'function';
}

/**
 * Prepares `stream`'s first video and audio tracks for the worker. `post`
 * sends fallback frames.
 */
export function captureTracks(stream: MediaStream, post: (c: PublisherCommand, transfer: Transferable[]) => void): CaptureHandle {
  const videoTrack = stream.getVideoTracks()[0];
  const audioTrack = stream.getAudioTracks()[0];
  const transfer: Transferable[] = [];
  const input: Extract<MediaInput, { kind: 'tracks' }> = { kind: 'tracks' };
  const closers: (() => void)[] = [];
  const Mstp = (globalThis as { MediaStreamTrackProcessor?: TrackProcessorCtor }).MediaStreamTrackProcessor;

  if (videoTrack !== undefined) {
    if (Mstp !== undefined) {
      // A small buffer: a realtime encoder wants the newest frame, not a backlog.
      const readable = new Mstp({ track: videoTrack, maxBufferSize: 4 }).readable as ReadableStream<VideoFrame>;
      input.video = readable;
      transfer.push(readable as unknown as Transferable);
    } else {
      input.pushedVideo = true;
      closers.push(videoFallback(videoTrack, post));
    }
  }
  if (audioTrack !== undefined) {
    if (Mstp !== undefined) {
      const readable = new Mstp({ track: audioTrack, maxBufferSize: 50 }).readable as ReadableStream<AudioData>;
      input.audio = readable;
      transfer.push(readable as unknown as Transferable);
    } else {
      input.pushedAudio = true;
      closers.push(audioFallback(audioTrack, post));
    }
  }
  return { input, transfer, close: () => closers.forEach((c) => c()) };
}

function videoFallback(track: MediaStreamTrack, post: (c: PublisherCommand, t: Transferable[]) => void): () => void {
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.srcObject = new MediaStream([track]);
  void video.play().catch(() => {});
  let stopped = false;
  const onFrame = (): void => {
    if (stopped) return;
    try {
      // Stamped on this realm's clock, not with the frame's mediaTime:
      // Firefox's media clock follows its audio backend, which can run
      // slower than real time (its mock backend does on a loaded machine),
      // and video stamped by it fell seconds behind the audio (see
      // audioFallback, stamped the same way).
      const frame = new VideoFrame(video, { timestamp: Math.round(performance.now() * 1000) });
      post({ cmd: 'video-frame', frame }, [frame as unknown as Transferable]);
    } catch {
      /* no frame yet */
    }
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
  return () => {
    stopped = true;
    video.srcObject = null;
  };
}

function audioFallback(track: MediaStreamTrack, post: (c: PublisherCommand, t: Transferable[]) => void): () => void {
  const ctx = new AudioContext();
  const src = ctx.createMediaStreamSource(new MediaStream([track]));
  const channels = Math.min(2, track.getSettings().channelCount ?? 1);
  // ScriptProcessorNode is deprecated but is the one audio tap every
  // browser without MediaStreamTrackProcessor has without a worklet file.
  const node = ctx.createScriptProcessor(1024, channels, channels);
  node.onaudioprocess = (ev) => {
    const n = ev.inputBuffer.length;
    const planar = new Float32Array(n * channels);
    for (let c = 0; c < channels; c++) planar.set(ev.inputBuffer.getChannelData(c), c * n);
    const data = new AudioData({
      format: 'f32-planar',
      sampleRate: ctx.sampleRate,
      numberOfFrames: n,
      numberOfChannels: channels,
      // Stamped on this realm's clock when the buffer is handed over (its
      // first sample one buffer earlier), as Chromium stamps the AudioData of
      // a MediaStreamTrackProcessor, not by counting samples: an audio clock
      // slower than ours (Firefox's mock audio backend runs at 65–95% of real
      // time on a loaded machine) would make sample-counted timestamps fall
      // further and further behind, and the capture clock would take every
      // frame for a stale one and skip it (AUDIO_SKIPPED, no audio at all).
      // capture-clock.ts and audio-timeline.ts absorb the jitter.
      timestamp: Math.round(performance.now() * 1000 - (n / ctx.sampleRate) * 1e6),
      data: planar,
    });
    post({ cmd: 'audio-data', data }, [data as unknown as Transferable]);
  };
  src.connect(node);
  node.connect(ctx.destination);
  return () => {
    node.disconnect();
    src.disconnect();
    void ctx.close();
  };
}
