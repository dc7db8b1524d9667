/**
 * A generated source for going live without a camera: an animated canvas
 * (moving colour bars, a clock, a frame counter) and a quiet tone, as one
 * MediaStream. Drawn on a timer rather than requestAnimationFrame so it
 * keeps running in a background tab.
 *
 * Each frame carries `Date.now()` as a machine-readable timecode strip
 * across its top (frame-timecode.ts), so the page can read it back from
 * the player and show true glass-to-glass latency (glass-to-glass.ts).
 */
import { drawTimecode } from './frame-timecode.ts';

/** A running test pattern; {@link TestPattern.stop} ends its tracks. */
export interface TestPattern {
  stream: MediaStream;
  stop(): void;
}

/** Starts a test pattern of the given size and frame rate. */
export function startTestPattern(width = 1280, height = 720, fps = 30): TestPattern {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { alpha: false });
  if (!ctx) throw new Error('no 2D canvas context');
  const bars = ['#f4f4f4', '#f2d43d', '#3fd3d8', '#39c463', '#d74bd0', '#e0463f', '#3e57e6'];
  let frame = 0;
  const t0 = performance.now();

  const draw = () => {
    const t = (performance.now() - t0) / 1000;
    const barW = width / bars.length;
    bars.forEach((c, i) => {
      ctx.fillStyle = c;
      ctx.fillRect(Math.round(i * barW), 0, Math.ceil(barW), Math.round(height * 0.68));
    });
    ctx.fillStyle = '#15171f';
    ctx.fillRect(0, Math.round(height * 0.68), width, height);
    // A sweeping marker, so motion (and dropped frames) is visible.
    const x = ((t * 0.25) % 1) * width;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(Math.round(x) - 4, Math.round(height * 0.68), 8, Math.round(height * 0.06));
    ctx.fillStyle = '#ffffff';
    ctx.font = `600 ${Math.round(height * 0.09)}px ui-monospace, SFMono-Regular, Menlo, monospace`;
    ctx.textBaseline = 'middle';
    const clock = new Date().toISOString().slice(11, 23);
    ctx.fillText(clock, width * 0.05, height * 0.84);
    ctx.font = `500 ${Math.round(height * 0.045)}px system-ui, sans-serif`;
    ctx.textAlign = 'right';
    ctx.fillStyle = '#9aa3b5';
    ctx.fillText(`rtmp-web test pattern · frame ${frame}`, width * 0.95, height * 0.84);
    ctx.textAlign = 'left';
    // Last, so nothing covers it; the time it is drawn is the time it is captured.
    drawTimecode(ctx, { width, height });
    frame++;
  };
  draw();
  const timer = setInterval(draw, 1000 / fps);
  const stream = canvas.captureStream(fps);

  // A quiet 440 Hz tone, so there is an audio track to encode.
  let audio: AudioContext | undefined;
  try {
    audio = new AudioContext();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    gain.gain.value = 0.05;
    const dest = audio.createMediaStreamDestination();
    osc.connect(gain).connect(dest);
    osc.start();
    for (const track of dest.stream.getAudioTracks()) stream.addTrack(track);
  } catch {
    // No audio: video only.
  }

  return {
    stream,
    stop() {
      clearInterval(timer);
      for (const track of stream.getTracks()) track.stop();
      void audio?.close();
    },
  };
}
