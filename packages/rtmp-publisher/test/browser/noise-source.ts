/**
 * A MediaStream whose video bitrate follows the encoder's target (noise on a
 * canvas; the fake camera's pattern compresses far below any target) and a tone.
 */

/** A running noise source; `stop()` ends its tracks and timers. */
export interface NoiseSource {
  stream: MediaStream;
  stop(): Promise<void>;
}

/** Starts a `width`×`height` noise canvas at `fps`, with a 440 Hz tone. */
export function noiseSource(width: number, height: number, fps: number): NoiseSource {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const g = canvas.getContext('2d')!;
  const img = g.createImageData(width, height);
  const words = new Uint32Array(img.data.buffer);
  let seed = 1;
  const timer = setInterval(() => {
    // Low-amplitude noise on mid grey: a fine QP keeps it (expensive), a
    // coarse one flattens it (cheap), so the encoder's output follows its
    // target bitrate, as with a real camera.
    for (let i = 0; i < words.length; i++) {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      const v = 120 + (seed >>> 28);
      words[i] = 0xff000000 | (v << 16) | (v << 8) | v;
    }
    g.putImageData(img, 0, 0);
  }, 1000 / fps);
  const audio = new AudioContext();
  const osc = audio.createOscillator();
  const dest = audio.createMediaStreamDestination();
  osc.connect(dest);
  osc.start();
  const stream = new MediaStream([...canvas.captureStream(fps).getVideoTracks(), ...dest.stream.getAudioTracks()]);
  return {
    stream,
    async stop() {
      clearInterval(timer);
      stream.getTracks().forEach((t) => t.stop());
      osc.stop();
      await audio.close();
    },
  };
}
