/**
 * A generated MediaStream for the publisher's browser tests: no camera, no
 * element (so a test of the built bundle can use it beside dist/rtmp.js's
 * own elements).
 */

/** A generated source: a canvas redrawn at 30 fps (a colour cycle and the frame number) plus an oscillator, as one MediaStream. */
export interface CanvasToneSource {
  stream: MediaStream;
  /** Stops the timer, the tone and every track. */
  stop(): Promise<void>;
}

/** Starts a {@link CanvasToneSource} of `width` × `height` (captureStream(30), WebAudio through a MediaStreamAudioDestinationNode). */
export function canvasToneSource(width: number, height: number): CanvasToneSource {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const g = canvas.getContext('2d')!;
  let n = 0;
  const draw = setInterval(() => {
    g.fillStyle = `hsl(${(n++ * 7) % 360} 80% 50%)`;
    g.fillRect(0, 0, width, height);
    g.fillStyle = '#fff';
    g.fillText(String(n), 20, 40);
  }, 1000 / 30);
  const audio = new AudioContext();
  const osc = audio.createOscillator();
  const dest = audio.createMediaStreamDestination();
  osc.connect(dest);
  osc.start();
  const stream = new MediaStream([...canvas.captureStream(30).getVideoTracks(), ...dest.stream.getAudioTracks()]);
  return {
    stream,
    async stop() {
      clearInterval(draw);
      osc.stop();
      await audio.close();
      stream.getTracks().forEach((t) => t.stop());
    },
  };
}
