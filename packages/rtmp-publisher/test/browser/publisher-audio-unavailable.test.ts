/**
 * A source whose audio never starts (here an AudioContext that never runs,
 * as in a headless browser with no sound server, or a device that sends
 * nothing) must not leave a dead stream behind a `publishing` state: after
 * 3 s the video goes out alone, the metadata says there is no audio, and a
 * non-fatal AUDIO_UNAVAILABLE says why.
 */
import { assert, makePublisher, peer, Peers, record, sleep, type ProbedFrames } from './publisher-helpers.ts';

describe('<rtmp-publisher> when the source’s audio never starts', function () {
  this.timeout(90_000);
  const peers = new Peers();
  after(() => peers.stopAll());

  it('publishes the video alone after 3 s, with a non-fatal AUDIO_UNAVAILABLE', async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 320;
    canvas.height = 180;
    const g = canvas.getContext('2d')!;
    let n = 0;
    const draw = setInterval(() => {
      g.fillStyle = `hsl(${(n++ * 7) % 360} 80% 50%)`;
      g.fillRect(0, 0, 320, 180);
    }, 1000 / 30);
    const audio = new AudioContext();
    await audio.suspend(); // never runs: its track delivers no audio
    const dest = audio.createMediaStreamDestination();
    const stream = new MediaStream([...canvas.captureStream(30).getVideoTracks(), ...dest.stream.getAudioTracks()]);
    const server = await peers.server('nginx');
    const bridge = await peers.bridge(server.port);
    const el = makePublisher({ url: server.url, 'stream-key': 'silent', bridge, width: 320, height: 180, framerate: 30 });
    const ev = record(el);
    try {
      await el.start(stream);
      await sleep(4000);
      const frames = await peer<ProbedFrames>('peers-ffprobe-frames', { url: `${server.url}/silent`, seconds: 3, timeoutMs: 20_000 });
      console.log(`audio never started: ffprobe saw ${frames.video.length} video and ${frames.audio.length} audio frames in 3 s; publisher ${el.stats.fps} fps, state ${el.state}; errors ${JSON.stringify(ev.errors)}`);
      assert(frames.video.length > 60, `ffprobe saw ${frames.video.length} video frames in 3 s`);
      assert(frames.audio.length === 0, `ffprobe saw ${frames.audio.length} audio frames`);
      const unavailable = ev.errors.filter((e) => e.code === 'AUDIO_UNAVAILABLE');
      assert(unavailable.length === 1 && !unavailable[0]!.fatal, `errors ${JSON.stringify(ev.errors)}`);
      assert(ev.errors.length === 1, `errors ${JSON.stringify(ev.errors)}`);
      assert(el.state === 'publishing', `state ${el.state}`);
    } finally {
      el.stop();
      el.remove();
      clearInterval(draw);
      stream.getTracks().forEach((t) => t.stop());
      await audio.close();
    }
  });
});
