/**
 * The benchmark's live source in the page: a canvas redrawn on a timer at
 * 30 fps (like a real page, not requestAnimationFrame) with moving colour
 * bars under the timecode strip, which carries `Date.now()` at the moment
 * of drawing; and, optionally, a 440 Hz OscillatorNode tone as the audio
 * track. One MediaStream for `<rtmp-publisher>.start()`, and the element set
 * up to send it.
 */
import { drawTimecode } from '../../../web/src/frame-timecode.ts';
import type { PublisherElement } from '../../../web/src/element-types.ts';
import { BENCH_VIDEO, type PagePublisherOptions } from '../bench-protocol.ts';

/** A running source; {@link TimecodeSource.stop} ends its timer, tracks and tone. */
export interface TimecodeSource {
  stream: MediaStream;
  stop(): void;
}

const BARS = ['#f4f4f4', '#f2d43d', '#3fd3d8', '#39c463', '#d74bd0', '#e0463f', '#3e57e6'];

/** Starts drawing (and the tone, with `audio`), at `size` (default the bench's 640 × 360). */
export function startTimecodeSource(audio: boolean, size: { width: number; height: number } = BENCH_VIDEO): TimecodeSource {
  const { width, height } = size;
  const { fps } = BENCH_VIDEO;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { alpha: false });
  if (!ctx) throw new Error('no 2D context for the source');
  let frame = 0;
  const draw = () => {
    // Bars that scroll a few pixels a frame: motion for the encoder to code.
    const barW = width / BARS.length;
    const shift = (frame * 4) % width;
    for (let i = -1; i < BARS.length; i++) {
      ctx.fillStyle = BARS[(i + BARS.length) % BARS.length]!;
      ctx.fillRect(Math.round(i * barW + shift) % width, 0, Math.ceil(barW), height);
    }
    ctx.fillStyle = '#15171f';
    ctx.fillRect(0, Math.round(height * 0.75), width, height);
    ctx.fillStyle = '#ffffff';
    ctx.font = `600 ${Math.round(height * 0.08)}px monospace`;
    ctx.fillText(`${new Date().toISOString().slice(11, 23)}  #${frame}`, width * 0.05, height * 0.9);
    // Last, so the code is the moment this picture was finished.
    drawTimecode(ctx, { width, height }, Date.now());
    frame++;
  };
  draw();
  const timer = setInterval(draw, 1000 / fps);
  const stream = canvas.captureStream(fps);

  let context: AudioContext | undefined;
  if (audio) {
    context = new AudioContext({ sampleRate: 48_000 });
    void context.resume();
    const osc = context.createOscillator();
    osc.frequency.value = 440;
    const gain = context.createGain();
    gain.gain.value = 0.1;
    const dest = context.createMediaStreamDestination();
    osc.connect(gain).connect(dest);
    osc.start();
    for (const track of dest.stream.getAudioTracks()) stream.addTrack(track);
  }

  return {
    stream,
    stop() {
      clearInterval(timer);
      for (const track of stream.getTracks()) track.stop();
      void context?.close();
    },
  };
}

/**
 * A `<rtmp-publisher>` set up to send the timecode picture (not yet in the
 * document, not started): `o`'s server, key and bridge, the bench's frame
 * rate, bitrate and GOP, at `size` (default 640 × 360).
 */
export function createTimecodePublisher(o: PagePublisherOptions, size: { width: number; height: number } = BENCH_VIDEO): PublisherElement {
  const element = document.createElement('rtmp-publisher') as PublisherElement;
  setUpTimecodePublisher(element, o, size);
  element.setAttribute('framerate', String(BENCH_VIDEO.fps));
  element.setAttribute('video-bitrate', String(BENCH_VIDEO.bitrateKbps));
  element.setAttribute('keyframe-interval', String(BENCH_VIDEO.keyframeIntervalS));
  return element;
}

/**
 * Points a publisher at `o`'s server, key and bridge, at `size`: for a new
 * one, and for one started again (its next start() goes where its attributes
 * say, not where a reconnect request last moved it).
 */
export function setUpTimecodePublisher(element: PublisherElement, o: PagePublisherOptions, size: { width: number; height: number }): void {
  element.setAttribute('url', o.url);
  element.setAttribute('bridge', o.bridge);
  element.streamKey = o.streamKey;
  element.setAttribute('width', String(size.width));
  element.setAttribute('height', String(size.height));
}
